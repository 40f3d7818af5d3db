import assert from "node:assert/strict";
import fc from "fast-check";
import { array } from "../../cas/ndarray.ts";
import { type OpName, UNARY_OPS } from "../../cas/ops/names.ts";
import { rowOf } from "../../cas/ops/table.ts";
import { intersect, type Interval, rangeOf, rangeOfValues } from "../../rewrite/range.ts";

// every unary op with a float result ("not" is a bool op with no range to check)
const UNARY: OpName[] = UNARY_OPS.filter((op) => op !== "not");
const BINARY: OpName[] = ["add", "sub", "mul", "div", "pow", "hypot", "maximum", "minimum", "logaddexp"];

const bound = fc.oneof(
  fc.double({ min: -50, max: 50, noNaN: true }),
  fc.constantFrom(-Infinity, Infinity, 0, -0, 1, -1, 2, 0.5),
);
const interval = fc.tuple(bound, bound, fc.boolean()).map(([a, b, nan]): Interval => ({
  lo: Math.min(a, b),
  hi: Math.max(a, b),
  nan,
}));

/** Points of an interval: its ends, its midpoint, and random points inside. */
function pointsIn(r: Interval, t: readonly number[]): number[] {
  const lo = r.lo === -Infinity ? -1e6 : r.lo, hi = r.hi === Infinity ? 1e6 : r.hi;
  const inside = t.map((f) => lo + f * (hi - lo));
  const points = [r.lo, r.hi, (lo + hi) / 2, ...inside].filter((x) => x >= r.lo && x <= r.hi);
  return r.nan ? [...points, NaN] : points;
}

function contains(r: Interval, v: number): boolean {
  return Number.isNaN(v) ? r.nan : v >= r.lo && v <= r.hi;
}

const fractions = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 });

Deno.test("rangeOf is sound for every unary op: each value of the op on the interval lies in its range", () => {
  fc.assert(
    fc.property(fc.constantFrom(...UNARY), interval, fractions, (op, r, t) => {
      const xs = pointsIn(r, t);
      const out = rowOf(op).evaluate([array(xs, { dtype: "float64" })], {} as never, {
        dtype: "float64",
        shape: [xs.length],
      }, [
        { dtype: "float64", shape: [xs.length] },
      ]);
      const range = rangeOf(op, [r], false, "float64");
      xs.forEach((x, i) =>
        assert.ok(contains(range, out.data[i]), `${op}(${x}) = ${out.data[i]} ∉ ${JSON.stringify(range)}`)
      );
    }),
    { numRuns: 3000 },
  );
});

Deno.test("rangeOf is sound for every binary op, and for x·x and x − x on one class", () => {
  fc.assert(
    fc.property(fc.constantFrom(...BINARY), interval, interval, fractions, (op, a, b, t) => {
      const xs = pointsIn(a, t), ys = pointsIn(b, [...t].reverse());
      const range = rangeOf(op, [a, b], false, "float64");
      const f = (x: number, y: number) =>
        rowOf(op).evaluate(
          [array(x, { dtype: "float64" }), array(y, { dtype: "float64" })],
          {} as never,
          { dtype: "float64", shape: [] },
          [{ dtype: "float64", shape: [] }, { dtype: "float64", shape: [] }],
        ).data[0];
      for (const x of xs) {
        for (const y of ys) {
          assert.ok(contains(range, f(x, y)), `${op}(${x}, ${y}) = ${f(x, y)} ∉ ${JSON.stringify(range)}`);
        }
      }
      if (op === "mul" || op === "sub") {
        const same = rangeOf(op, [a, a], true, "float64");
        for (const x of xs) {
          assert.ok(contains(same, f(x, x)), `${op}(${x}, ${x}) = ${f(x, x)} ∉ ${JSON.stringify(same)}`);
        }
      }
    }),
    { numRuns: 3000 },
  );
});

Deno.test("ranges of values and intersections", () => {
  assert.deepEqual(rangeOfValues([3, -1, 2]), { lo: -1, hi: 3, nan: false });
  assert.deepEqual(rangeOfValues([NaN, 1]), { lo: 1, hi: 1, nan: true });
  const a = { lo: 0, hi: 10, nan: true }, b = { lo: -5, hi: 5, nan: false };
  assert.deepEqual(intersect(a, b), { lo: 0, hi: 5, nan: false });
  assert.equal(intersect(a, { lo: -1, hi: 11, nan: true }), a, "a wider range adds nothing");
  assert.deepEqual(rangeOf("exp", [{ lo: -Infinity, hi: Infinity, nan: false }], false, "float32"), {
    lo: 0,
    hi: Infinity,
    nan: false,
  });
  assert.deepEqual(rangeOf("sigmoid", [{ lo: -Infinity, hi: Infinity, nan: false }], false, "float64"), {
    lo: 0,
    hi: 1,
    nan: false,
  });
});
