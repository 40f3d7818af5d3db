/**
 * Table-driven tests of the op table: every op has cases (known mathematical values at ordinary and extreme
 * inputs), evaluated by the reference interpreter; plus broadcasting, dtype promotion and error messages.
 */
import assert from "node:assert/strict";
import * as T from "../../mod.ts";
import { OPS } from "../../cas/ops/table.ts";
import { erf } from "../../cas/ops/scalar_math.ts";
import type { OpName } from "../../cas/ops/names.ts";
import { evaluate } from "../../backends/reference/interpreter.ts";

const f64 = (v: T.NestedArray) => T.array(v, { dtype: "float64" });

/** Evaluates `build(...args)` on constant float64 arguments with the reference interpreter. */
function run(build: (...xs: T.Expr[]) => T.Expr, ...values: T.NestedArray[]): T.NDArray {
  const vars = values.map((_, i) => T.tensor(`a${i}`, { dtype: "float64", shape: f64(values[i]).shape }));
  const bindings = new Map(vars.map((v, i) => [v, f64(values[i])] as [T.Expr, T.NDArray]));
  return evaluate([build(...vars)], bindings)[0];
}

function close(actual: number, expected: number, rel = 1e-14): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= rel * Math.max(Math.abs(expected), 1e-300);
}

type Case = {
  build: (...xs: T.Expr[]) => T.Expr;
  args: T.NestedArray[];
  expect: T.NestedArray;
  rel?: number;
};

const E = Math.E;
/** One or more cases per op; every op of the table must appear (checked below). */
const CASES: Partial<Record<OpName, Case[]>> = {
  neg: [{ build: T.neg, args: [[1, -0, Infinity]], expect: [-1, 0, -Infinity] }],
  exp: [{ build: T.exp, args: [[0, 1, -1000, 1000]], expect: [1, E, 0, Infinity] }],
  log: [{ build: T.log, args: [[1, E, 0, -1]], expect: [0, 1, -Infinity, NaN] }],
  log1p: [{ build: T.log1p, args: [[1e-12, 0, -1]], expect: [9.999999999995e-13, 0, -Infinity] }],
  expm1: [{ build: T.expm1, args: [[1e-10, 0, -1000]], expect: [1.00000000005e-10, 0, -1] }],
  sqrt: [{ build: T.sqrt, args: [[4, 0, -1, 1e200]], expect: [2, 0, NaN, 1e100] }],
  square: [{ build: T.square, args: [[3, -2, 1e200]], expect: [9, 4, Infinity] }],
  abs: [{ build: T.abs, args: [[-3, 2, -Infinity]], expect: [3, 2, Infinity] }],
  sign: [{ build: T.sign, args: [[-3, 0, 2, NaN]], expect: [-1, 0, 1, NaN] }],
  floor: [{ build: T.floor, args: [[1.5, -1.5]], expect: [1, -2] }],
  ceil: [{ build: T.ceil, args: [[1.5, -1.5]], expect: [2, -1] }],
  round: [{ build: T.round, args: [[0.5, 1.5, 2.5, -0.5, 2.4]], expect: [0, 2, 2, -0, 2] }],
  sin: [{ build: T.sin, args: [[0, Math.PI / 2]], expect: [0, 1] }],
  cos: [{ build: T.cos, args: [[0, Math.PI]], expect: [1, -1] }],
  tan: [{ build: T.tan, args: [[0, Math.PI / 4]], expect: [0, 1], rel: 1e-15 }],
  asin: [{ build: T.asin, args: [[1, 2]], expect: [Math.PI / 2, NaN] }],
  acos: [{ build: T.acos, args: [[1, -1]], expect: [0, Math.PI] }],
  atan: [{ build: T.atan, args: [[1, Infinity]], expect: [Math.PI / 4, Math.PI / 2] }],
  sinh: [{ build: T.sinh, args: [[0, 1000]], expect: [0, Infinity] }],
  cosh: [{ build: T.cosh, args: [[0]], expect: [1] }],
  tanh: [{ build: T.tanh, args: [[0, 1000, -1000]], expect: [0, 1, -1] }],
  asinh: [{ build: T.asinh, args: [[0]], expect: [0] }],
  acosh: [{ build: T.acosh, args: [[1, 0]], expect: [0, NaN] }],
  atanh: [{ build: T.atanh, args: [[0, 1]], expect: [0, Infinity] }],
  erf: [{
    build: T.erf,
    args: [[0, 0.5, 1, -2, 3, 10, 1e-12]],
    // erf(0.5), erf(1), erf(2), erf(3) from Abramowitz & Stegun table 7.1 to 16 digits
    expect: [
      0,
      0.5204998778130465,
      0.8427007929497149,
      -0.9953222650189527,
      0.9999779095030014,
      1,
      1.1283791670955126e-12,
    ],
    rel: 2e-15,
  }],
  sigmoid: [{ build: T.sigmoid, args: [[0, 1000, -1000, -745]], expect: [0.5, 1, 0, 5e-324], rel: 1 }],
  softplus: [{
    build: T.softplus,
    args: [[0, 1000, -1000, 1e-12]],
    expect: [Math.LN2, 1000, 0, Math.LN2 + 5e-13],
  }],
  relu: [{ build: T.relu, args: [[-1, 2, NaN]], expect: [0, 2, NaN] }],
  log1mexp: [{
    build: T.log1mexp,
    args: [[-1e-20, -1000, -Math.LN2]],
    expect: [Math.log(1e-20), -0, Math.log(0.5)],
  }],
  not: [{ build: (x) => T.not(T.gt(x, 0)), args: [[1, -1]], expect: [0, 1] }],
  add: [{ build: T.add, args: [[[1, 2], [3, 4]], [10, 20]], expect: [[11, 22], [13, 24]] }],
  sub: [{ build: T.sub, args: [[1, Infinity], [3, Infinity]], expect: [-2, NaN] }],
  mul: [{ build: T.mul, args: [[2, 0], [3, Infinity]], expect: [6, NaN] }],
  div: [{ build: T.div, args: [[1, 1, 0], [4, 0, 0]], expect: [0.25, Infinity, NaN] }],
  pow: [{ build: T.pow, args: [[2, -8, 0], [10, 1 / 3, 0]], expect: [1024, NaN, 1] }],
  hypot: [{ build: T.hypot, args: [[3, 1e200], [4, 1e200]], expect: [5, 1.4142135623730951e200] }],
  maximum: [{ build: T.maximum, args: [[1, NaN], [2, 0]], expect: [2, NaN] }],
  minimum: [{ build: T.minimum, args: [[1, 0], [2, NaN]], expect: [1, NaN] }],
  logaddexp: [{
    build: T.logaddexp,
    args: [[1000, 0, -Infinity], [1000, 0, -Infinity]],
    expect: [1000 + Math.LN2, Math.LN2, -Infinity],
  }],
  eq: [{ build: T.eq, args: [[1, NaN], [1, NaN]], expect: [1, 0] }],
  neq: [{ build: T.neq, args: [[1, NaN], [1, NaN]], expect: [0, 1] }],
  lt: [{ build: T.lt, args: [[1, 2], [2, 2]], expect: [1, 0] }],
  le: [{ build: T.le, args: [[1, 2], [2, 2]], expect: [1, 1] }],
  gt: [{ build: T.gt, args: [[1, 3], [2, 2]], expect: [0, 1] }],
  ge: [{ build: T.ge, args: [[1, 2], [2, 2]], expect: [0, 1] }],
  and: [{
    build: (a, b) => T.and(T.gt(a, 0), T.gt(b, 0)),
    args: [[1, 1, -1], [1, -1, -1]],
    expect: [1, 0, 0],
  }],
  or: [{ build: (a, b) => T.or(T.gt(a, 0), T.gt(b, 0)), args: [[1, 1, -1], [1, -1, -1]], expect: [1, 1, 0] }],
  where: [{ build: (c, a) => T.where(T.gt(c, 0), a, -1), args: [[1, -1, 2], [5, 6, 7]], expect: [5, -1, 7] }],
  cast: [{ build: (x) => T.cast(x, "int32"), args: [[1.7, -1.7, 3]], expect: [1, -1, 3] }],
  sum: [
    { build: (x) => T.sum(x), args: [[[1, 2], [3, 4]]], expect: 10 },
    { build: (x) => T.sum(x, 0), args: [[[1, 2], [3, 4]]], expect: [4, 6] },
    { build: (x) => T.sum(x, -1, true), args: [[[1, 2], [3, 4]]], expect: [[3], [7]] },
    { build: (x) => T.sum(x, [0, 2]), args: [[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]], expect: [14, 22] },
  ],
  mean: [{ build: (x) => T.mean(x, 1), args: [[[1, 2], [3, 5]]], expect: [1.5, 4] }],
  max: [{ build: (x) => T.max(x, 0), args: [[[1, NaN], [3, 0]]], expect: [3, NaN] }],
  min: [{ build: (x) => T.min(x, 1), args: [[[1, -2], [3, 0]]], expect: [-2, 0] }],
  prod: [{ build: (x) => T.prod(x), args: [[1, 2, 3, 4]], expect: 24 }],
  logsumexp: [
    { build: (x) => T.logsumexp(x), args: [[1000, 1000]], expect: 1000 + Math.LN2 },
    { build: (x) => T.logsumexp(x), args: [[-Infinity, -Infinity]], expect: -Infinity },
    {
      build: (x) => T.logsumexp(x, 1),
      args: [[[0, 0], [-1000, -1000]]],
      expect: [Math.LN2, -1000 + Math.LN2],
    },
  ],
  count: [{ build: (x) => T.count(x, 1), args: [[[1, 2, 3], [4, 5, 6]]], expect: 3 }],
  matmul: [
    { build: T.matmul, args: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], expect: [[19, 22], [43, 50]] },
    { build: T.matmul, args: [[1, 2], [[5, 6], [7, 8]]], expect: [19, 22] },
    { build: T.matmul, args: [[[1, 2], [3, 4]], [5, 6]], expect: [17, 39] },
    {
      build: T.matmul,
      args: [[[[1, 0], [0, 1]], [[2, 0], [0, 2]]], [[1, 2], [3, 4]]],
      expect: [[[1, 2], [3, 4]], [[2, 4], [6, 8]]],
    },
  ],
  transpose: [{
    build: (x) => T.transpose(x),
    args: [[[1, 2, 3], [4, 5, 6]]],
    expect: [[1, 4], [2, 5], [3, 6]],
  }],
  reshape: [{
    build: (x) => T.reshape(x, [3, -1]),
    args: [[[1, 2, 3], [4, 5, 6]]],
    expect: [[1, 2], [3, 4], [5, 6]],
  }],
  broadcastTo: [{ build: (x) => T.broadcastTo(x, [2, 2]), args: [[1, 2]], expect: [[1, 2], [1, 2]] }],
  concatenate: [{
    build: (a, b) => T.concatenate([a, b], 1),
    args: [[[1], [2]], [[3, 4], [5, 6]]],
    expect: [[1, 3, 4], [2, 5, 6]],
  }],
  index: [{ build: (x) => T.index(x, -1), args: [[[1, 2], [3, 4]]], expect: [3, 4] }],
  slice: [{ build: (x) => T.slice(x, 4, null, -2), args: [[0, 1, 2, 3, 4, 5]], expect: [4, 2, 0] }],
  softmax: [{ build: (x) => T.softmax(x), args: [[1000, 1000, -Infinity]], expect: [0.5, 0.5, 0] }],
  logSoftmax: [{ build: (x) => T.logSoftmax(x), args: [[1000, 0]], expect: [-0, -1000] }],
  stopGradient: [{ build: T.stopGradient, args: [[1, 2]], expect: [1, 2] }],
  const: [{ build: () => T.constant([1.5, 2]), args: [], expect: [1.5, 2] }],
  var: [{ build: (x) => x, args: [[7]], expect: [7] }],
  shared: [{ build: () => T.shared(f64([3, 4]), "s"), args: [], expect: [3, 4] }],
};

Deno.test("every op of the table has value cases", () => {
  const missing = Object.keys(OPS).filter((op) => !(op in CASES));
  assert.deepEqual(missing, [], `ops without cases: ${missing.join(", ")}`);
});

for (const [op, cases] of Object.entries(CASES)) {
  Deno.test(`${op}: reference values at ordinary and extreme inputs`, () => {
    for (const c of cases!) {
      const got = run(c.build, ...c.args);
      const want = T.array(c.expect, { dtype: "float64" });
      assert.deepEqual(got.shape, want.shape, `${op}: shape`);
      got.data.forEach((v, i) => {
        assert.ok(
          close(v, want.data[i], c.rel),
          `${op}(${JSON.stringify(c.args)})[${i}] = ${v}, expected ${want.data[i]}`,
        );
      });
    }
  });
}

Deno.test("float32 results are rounded like Math.fround of the float64 value", () => {
  const x = T.vector("x32", "float32");
  const [y] = evaluate([T.exp(x)], new Map([[x, T.array([0.1, 1, 10], { dtype: "float32" })]]));
  assert.equal(y.dtype, "float32");
  const inputs = T.array([0.1, 1, 10], { dtype: "float32" }).data;
  y.data.forEach((v, i) => assert.equal(v, Math.fround(Math.exp(inputs[i]))));
});

Deno.test("dtype promotion follows NumPy's order with weakly typed numbers", () => {
  const f = T.scalar("pf", "float32"), d = T.scalar("pd", "float64"), n = T.scalar("pn", "int32");
  assert.equal(T.add(f, d).dtype, "float64");
  assert.equal(T.add(f, n).dtype, "float32");
  assert.equal(T.mul(f, 2).dtype, "float32");
  assert.equal(T.mul(d, 0.5).dtype, "float64");
  assert.equal(T.add(n, 1).dtype, "int32");
  assert.equal(T.div(n, 2).dtype, T.config.floatX);
  assert.equal(T.exp(n).dtype, T.config.floatX);
  assert.equal(T.lt(f, d).dtype, "bool");
  assert.equal(T.sum(T.gt(f, 0)).dtype, "int32");
});

Deno.test("broadcasting follows NumPy with static sizes", () => {
  const a = T.tensor("ba", { shape: [2, 1, 3] }), b = T.tensor("bb", { shape: [4, 1] });
  assert.deepEqual(T.add(a, b).shape, [2, 4, 3]);
  assert.deepEqual(T.add(T.matrix("bm"), T.vector("bv")).shape, [null, null]);
  assert.deepEqual(T.add(T.tensor("bn", { shape: [null, 3] }), T.vector("bw")).shape, [null, 3]);
});

Deno.test("add() rejects mismatched shapes naming the op, both shapes and the axis", () => {
  assert.throws(
    () => T.add(T.tensor("e1", { shape: [2, 3] }), T.tensor("e2", { shape: [4] })),
    /add: cannot broadcast shapes \[2,3\] and \[4\]: sizes 3 and 4 differ at axis 1/,
  );
  assert.throws(
    () => T.matmul(T.tensor("m1", { shape: [2, 3] }), T.tensor("m2", { shape: [4, 5] })),
    /matmul: inner sizes differ/,
  );
  assert.throws(() => T.sum(T.matrix("s1"), 2), /sum: axis 2 is out of range for an array of rank 2/);
  assert.throws(
    () => T.reshape(T.tensor("r1", { shape: [2, 3] }), [4, -1]),
    /reshape: cannot reshape .*\[2,3\]/,
  );
  assert.throws(
    () => T.where(T.scalar("c1"), 1, 2),
    /where: the condition must have dtype bool, got float32/,
  );
  assert.throws(() => T.transpose(T.matrix("t1"), [0, 0]), /transpose: \[0, 0\] is not a permutation/);
  assert.throws(
    () => T.concatenate([T.tensor("c2", { shape: [2, 3] }), T.tensor("c3", { shape: [2, 4] })], 0),
    /concatenate: shapes/,
  );
  assert.throws(
    () => T.index(T.tensor("i1", { shape: [3] }), 3),
    /index: 3 is out of range for leading size 3/,
  );
});

Deno.test("a size-1 array is not broadcast where its static size was unknown", () => {
  const a = T.vector("u1", "float64"), b = T.vector("u2", "float64");
  assert.throws(
    () => evaluate([T.add(a, b)], new Map([[a, f64([1])], [b, f64([1, 2])]])),
    /declare the size as 1/,
  );
});

Deno.test("terms are hash-consed: the same construction is the same object", () => {
  const x = T.vector("hx");
  assert.equal(T.exp(T.add(x, 1)), T.exp(T.add(x, 1)));
  assert.equal(T.sum(T.matrix("hm"), -1), T.sum(T.matrix("hm"), 1));
  assert.notEqual(T.shared(f64([1])), T.shared(f64([1])));
  assert.equal(T.constant(2), T.constant(2));
});

Deno.test("variable names must be identifiers", () => {
  assert.throws(() => T.scalar("x); alert(1"), /must be an identifier/);
});

Deno.test("stack() adds an axis and dot() follows NumPy", () => {
  const r = run((a, b) => T.stack([a, b], 1), [1, 2], [3, 4]);
  assert.deepEqual(r.toArray(), [[1, 3], [2, 4]]);
  assert.equal(run((u, v) => T.dot(u, v), [1, 2, 3], [4, 5, 6]).item(), 32);
});

Deno.test("erf stays within [−1, 1] where its series rounds near ±1 (erf(−5.7435…) overshot)", () => {
  const xs = [-5.743515274326698, 5.743515274326698];
  for (let x = -7; x <= 7; x += 1 / 1024) xs.push(x);
  for (const x of xs) {
    const y = erf(x);
    assert.ok(y >= -1 && y <= 1, `erf(${x}) = ${y}`);
  }
});
