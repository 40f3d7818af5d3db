import assert from "node:assert/strict";
import fc from "fast-check";
import * as T from "../../cas/api.ts";
import { MAX_SOURCE_LENGTH, parse, ParseError } from "../../cas/parse.ts";
import { print } from "../../cas/print.ts";
import { shared } from "../../cas/shared.ts";
import { config, type DType } from "../../cas/dtype.ts";
import { array } from "../../cas/ndarray.ts";
import type { Term } from "../../cas/term.ts";
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from "../../cas/ops/names.ts";

const x = T.scalar("x");
const y = T.scalar("y");
const X = T.matrix("X");
const v = T.vector("v");

// ---------------------------------------------------------------------------------------------------------------
// What is accepted

Deno.test("parse() builds terms through the builder functions", () => {
  assert.ok(parse("log(1 + exp(x))") === T.log(T.add(1, T.exp(x))), "free names are float scalars");
  assert.ok(parse("x * y + 2") === T.add(T.mul(x, y), 2));
  assert.ok(parse("2x^2") === T.mul(2, T.pow(x, 2)), "implicit multiplication");
  assert.ok(parse("x .* y ./ 2") === T.div(T.mul(x, y), 2));
  assert.ok(parse("+x") === x);
  assert.ok(parse("  (x)\n") === x, "surrounding whitespace and line breaks are ignored");
  assert.ok(parse("-x^2") === T.neg(T.pow(x, 2)));
  assert.ok(parse("-3") === T.constant(-3), "a negated number is a negative constant");
  assert.ok(parse("-(3)") === T.neg(T.constant(3)), "a negated parenthesis is a negation");
  assert.ok(
    parse("x > 0 and not (y <= 1) or x != y") === T.or(T.and(T.gt(x, 0), T.not(T.le(y, 1))), T.neq(x, y)),
  );
});

Deno.test("parse() looks names up in vars (a record or a map), else makes float scalars", () => {
  assert.ok(parse("sum(X, 1)", { X }) === T.sum(X, 1));
  assert.ok(parse("sum(X, 1)", new Map([["X", X]])) === T.sum(X, 1));
  assert.equal(parse("z").dtype, config.floatX);
  assert.deepEqual(parse("z").shape, []);
  assert.ok(parse("constructor + 1") === T.add(T.scalar("constructor"), 1), "no names from Object.prototype");
  assert.throws(() => parse("x", { x: 3 as unknown as Term }), /vars\.x must be a term/);
});

Deno.test("parse() reads e and pi as numbers unless vars defines them", () => {
  assert.ok(parse("x * pi") === T.mul(x, Math.PI));
  assert.ok(parse("-e") === T.constant(-Math.E));
  const e = T.vector("e");
  assert.ok(parse("e + 1", { e }) === T.add(e, 1));
});

Deno.test("parse() gives plain numbers the dtype of the term they meet", () => {
  const d = T.scalar("d", "float64");
  const i = T.scalar("i", "int32");
  assert.equal(parse("d * 2", { d }).args[1].dtype, "float64");
  assert.equal(parse("i + 3", { i }).args[1].dtype, "int32");
  assert.equal(parse("i + 0.5", { i }).args[1].dtype, config.floatX);
  assert.equal(parse("2 + 3").dtype, config.floatX);
  assert.equal(parse("float64(2)").dtype, "float64");
  assert.ok(parse("float64(2)") === T.constant(2, "float64"), "a dtype applied to a number is a constant");
  assert.ok(parse("float64(x)") === T.cast(x, "float64"));
  assert.ok(parse("int32([1, 2])") === T.constant(array([1, 2], { dtype: "int32" })));
  assert.ok(parse("float64(2) + 1") === T.add(T.constant(2, "float64"), 1));
  assert.equal(parse("float64(2) + 1").args[1].dtype, "float64");
  assert.ok(parse("true") === T.constant(true));
  assert.ok(parse("[[1, 2], [3, 4]]") === T.constant([[1, 2], [3, 4]]));
});

Deno.test("parse() reads the functions of the table with their attribute arguments", () => {
  const t = T.tensor3("t");
  const vars = { x, X, v, t };
  const cases: [string, Term][] = [
    ["sum(X)", T.sum(X)],
    ["sum(X, -1)", T.sum(X, 1)],
    ["mean(t, [0, 2], true)", T.mean(t, [0, 2], true)],
    ["count(X, [0])", T.count(X, [0])],
    ["dot(X, v)", T.dot(X, v)],
    ["transpose(t, [1, 0, 2])", T.transpose(t, [1, 0, 2])],
    ["reshape(X, [2, -1])", T.reshape(X, [2, -1])],
    ["broadcastTo(x, [2, 3])", T.broadcastTo(x, [2, 3])],
    ["broadcastTo(x, X)", T.broadcastTo(x, X)],
    ["concatenate([X, X], 1)", T.concatenate([X, X], 1)],
    ["stack([v, v * 2], 1)", T.stack([v, T.mul(v, 2)], 1)],
    ["index(X, -1)", T.index(X, -1)],
    ["slice(X, 1, null, 2)", T.slice(X, 1, null, 2)],
    ["slice(X, 1)", T.slice(X, 1)],
    ["softmax(X, 0)", T.softmax(X, 0)],
    ["logSoftmax(X)", T.logSoftmax(X)],
    ["where(x > 0, x, 0)", T.where(T.gt(x, 0), x, 0)],
    ["x > 0 ? x : 0", T.where(T.gt(x, 0), x, 0)],
    ["maximum(x, 0)", T.maximum(x, 0)],
    ["stopGradient(x)", T.stopGradient(x)],
    ["categoricalCrossentropy(softmax(X), X)", T.categoricalCrossentropy(T.softmax(X), X)],
    ["binaryCrossentropy(sigmoid(v), v)", T.binaryCrossentropy(T.sigmoid(v), v)],
    ["expandDims(v, 0)", T.expandDims(v, 0)],
    ["0 < x < 1", T.and(T.lt(0, x), T.lt(x, 1))],
  ];
  for (const [text, expected] of cases) assert.ok(parse(text, vars) === expected, text);
});

Deno.test("parse() accepts every op name as a function", () => {
  for (const op of UNARY_OPS) assert.equal(parse(`${op}(x)`).op, op);
  for (const op of BINARY_OPS) assert.equal(parse(`${op}(x, y)`).op, op);
  for (const op of REDUCE_OPS) assert.equal(parse(`${op}(v)`, { v }).op, op);
});

// ---------------------------------------------------------------------------------------------------------------
// What is refused

Deno.test("parse() refuses what is not math with a ParseError naming it", () => {
  const refused: [string, RegExp][] = [
    ["x; y", /several statements "x; y"/],
    ["x\ny", /several statements/],
    ["a.b", /property access or indexing "a\.b"/],
    ["a[1]", /indexing "a\[1\]".*index\(x, i\)/],
    ["x = 1", /assignment "x = 1"/],
    ["f(x) = x", /function definition "f\(x\) = x"/],
    ['import("fs")', /unknown function import\(\)/],
    ['evaluate("1")', /unknown function evaluate\(\)/],
    ["foo(x)", /unknown function foo\(\); did you mean .*floor/],
    ["sofmax(x)", /unknown function sofmax\(\); did you mean softmax/],
    ['"str"', /string ""str""/],
    ["'str'", /string/],
    ["{a: 1}", /object/],
    ["1:3", /range "1:3"/],
    ["x'", /operator ' \(ctranspose\)/],
    ["x!", /operator ! \(factorial\)/],
    ["x mod 2", /operator mod/],
    ["x & y", /operator & \(bitAnd\)/],
    ["null", /"null" is not allowed except as the stop of slice/],
    ["undefined", /constant/],
    ["[x, 1]", /array literal may hold only numbers and booleans/],
    ["exp(x, 2)", /exp takes 1 argument/],
    ["sum(x, n)", /the axis must be an integer, got n/],
    ["sum(v, 0, 1)", /keepdims must be true or false/],
    ["reshape(v, 3)", /the shape must be a list of integers/],
    ["concatenate(v, 0)", /must be a list \[a, b, …\]/],
    ["x +", /syntax error at character 4 of "x \+"/],
    ["", /empty/],
  ];
  for (const [text, message] of refused) {
    assert.throws(() => parse(text, { v }), (e: unknown) => {
      assert.ok(e instanceof ParseError, `${text} gives a ParseError, got ${e}`);
      assert.match(e.message, message, text);
      assert.equal(e.source, text);
      return true;
    });
  }
});

Deno.test("ParseError carries the position mathjs reports", () => {
  assert.throws(() => parse("  2 +* 3"), (e) => {
    assert.ok(e instanceof ParseError);
    assert.equal(e.position, 6); // 1-based, counting the leading spaces
    assert.ok(e.message.includes(`at character 6 of "  2 +* 3": Value expected`), e.message);
    return true;
  });
});

Deno.test("parse() refuses overlong and overdeep input with a ParseError", () => {
  assert.throws(() => parse("x + ".repeat(MAX_SOURCE_LENGTH / 4) + "x"), /at most 100000 are accepted/);
  let deep = "x";
  for (let k = 0; k < 2000; k++) deep = `exp(${deep})`;
  assert.throws(() => parse(deep), (e) => e instanceof ParseError && /nested too deeply/.test(e.message));
});

// ---------------------------------------------------------------------------------------------------------------
// Speed: mathjs 15.2.0's parser itself is linear on long chains (the exponential case is its `simplify`)

Deno.test("parse() reads a 200-term sum in well under a second, and 20000 terms without recursion", () => {
  const names = Array.from({ length: 200 }, (_, k) => `x${k}`);
  const start = performance.now();
  const sum = parse(names.join(" + "));
  const ms = performance.now() - start;
  assert.ok(ms < 250, `200 terms took ${ms.toFixed(1)} ms`);
  assert.equal(print(sum), names.join(" + "));

  let long: Term = x;
  for (let k = 0; k < 19_999; k++) long = T.mul(long, k % 2 ? x : y);
  const text = print(long);
  const t0 = performance.now();
  assert.ok(parse(text) === long);
  const ms2 = performance.now() - t0;
  assert.ok(ms2 < 2000, `20000 terms (${text.length} characters) took ${ms2.toFixed(0)} ms`);
});

// ---------------------------------------------------------------------------------------------------------------
// Round trip: parse(print(e), vars) === e

const W = shared([1, 2, 3], "W");
const VARS: Record<string, Term> = {
  x,
  d: T.scalar("d", "float64"),
  i: T.scalar("i", "int32"),
  flag: T.scalar("flag", "bool"),
  v,
  w3: T.tensor("w3", { shape: [3] }),
  M: T.tensor("M", { shape: [2, 3] }),
  N: T.matrix("N", "float64"),
  K: T.tensor("K", { dtype: "int32", shape: [null, 3] }),
  t: T.tensor("t", { shape: [2, 3, 4] }),
  W,
};
const DTYPES: DType[] = ["float32", "float64", "int32", "bool"];

const numberArb = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noDefaultInfinity: false, noNaN: false }),
  fc.constantFrom(0.1, -0.5, 1e-10, 2.5e30, -0, Infinity, -Infinity, NaN, Math.PI),
);
const constantArb = fc.oneof(
  fc.record({ value: numberArb, dtype: fc.constantFrom(...DTYPES) }),
  fc.record({
    value: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 3 }),
    dtype: fc.constantFrom(...DTYPES),
  }),
  fc.record({
    value: fc.array(fc.array(numberArb, { minLength: 3, maxLength: 3 }), { minLength: 2, maxLength: 2 }),
    dtype: fc.constantFrom<DType>("float32", "float64"),
  }),
);

/** One building step: an op applied to earlier terms of the pool (by index) and random attributes. */
const stepArb = fc.record({
  kind: fc.constantFrom( // elementwise kinds listed twice: they are most of real terms
    "unary",
    "unary",
    "binary",
    "binary",
    "binaryNumber",
    "binaryNumber",
    "infix",
    "infix",
    "infix",
    "infix",
    "where",
    "cast",
    "reduce",
    "count",
    "matmul",
    "transpose",
    "reshape",
    "broadcastTo",
    "concatenate",
    "index",
    "slice",
    "softmax",
    "stopGradient",
    "constant",
  ),
  a: fc.nat(),
  b: fc.nat(),
  c: fc.nat(),
  unary: fc.constantFrom(...UNARY_OPS),
  binary: fc.constantFrom(...BINARY_OPS),
  infix: fc.constantFrom("add", "sub", "mul", "div", "pow", "lt", "eq", "and", "or", "neg", "not"),
  reduce: fc.constantFrom(...REDUCE_OPS),
  number: numberArb,
  numberFirst: fc.boolean(),
  dtype: fc.constantFrom(...DTYPES),
  axes: fc.option(fc.array(fc.integer({ min: -3, max: 2 }), { maxLength: 2 }), { nil: undefined }),
  keepdims: fc.boolean(),
  ints: fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 3 }),
  constant: constantArb,
});
type Step = typeof stepArb extends fc.Arbitrary<infer S> ? S : never;

function buildStep(pool: readonly Term[], s: Step): Term {
  // the first operand is one of the latest terms, so the trees grow deep; the others come from anywhere
  const a = pool[pool.length - 1 - (s.a % Math.min(pool.length, 3))];
  const [b, c] = [pool[s.b % pool.length], pool[s.c % pool.length]];
  const [i0, i1, i2] = s.ints;
  switch (s.kind) {
    case "unary":
      return T[s.unary](a);
    case "binary":
      return T[s.binary](a, b);
    case "infix": // the operators that print with precedence, so nesting and parentheses get exercised
      if (s.infix === "neg" || s.infix === "not") return T[s.infix](s.numberFirst ? s.number : a);
      return s.numberFirst ? T[s.infix](b, a) : T[s.infix](a, b);
    case "binaryNumber":
      return s.numberFirst ? T[s.binary](s.number, a) : T[s.binary](a, s.number);
    case "where":
      return T.where(T.gt(c, 0), a, s.numberFirst ? s.number : b);
    case "cast":
      return T.cast(a, s.dtype);
    case "reduce":
      return T[s.reduce](a, s.axes, s.keepdims);
    case "count":
      return T.count(a, s.axes);
    case "matmul":
      return T.matmul(a, b);
    case "transpose":
      return s.keepdims
        ? T.transpose(a)
        : T.transpose(a, a.shape.map((_, k) => (k + (i0 ?? 0) + 3) % a.ndim));
    case "reshape":
      return T.reshape(a, s.keepdims ? [-1] : [i0 === undefined ? 1 : -1, 3]);
    case "broadcastTo":
      return s.keepdims ? T.broadcastTo(a, b) : T.broadcastTo(a, [2, ...a.shape.map((d) => d ?? 3)]);
    case "concatenate":
      return T.concatenate([a, b], i0 ?? 0);
    case "index":
      return T.index(a, i0 ?? 0);
    case "slice":
      return T.slice(a, i0, i1 === 0 ? null : i1, i2 === 0 ? 1 : i2);
    case "softmax":
      return s.keepdims ? T.softmax(a, i0) : T.logSoftmax(a, i0);
    case "stopGradient":
      return T.stopGradient(a);
    case "constant":
      return T.constant(array(s.constant.value, { dtype: s.constant.dtype }));
  }
}

Deno.test("parse(print(e), vars) === e for random terms over variables of several shapes and dtypes", () => {
  fc.assert(
    fc.property(fc.array(stepArb, { minLength: 1, maxLength: 20 }), (steps) => {
      const pool: Term[] = Object.values(VARS);
      for (const s of steps) {
        try {
          pool.push(buildStep(pool, s));
        } catch {
          // a step that does not type-check (shapes, dtypes, int32 range) is skipped
        }
      }
      for (const e of pool.slice(Object.keys(VARS).length)) {
        const text = print(e);
        const back = parse(text, VARS);
        assert.ok(back === e, `${text} read back as ${print(back)}`);
      }
    }),
    { numRuns: 500 },
  );
});
