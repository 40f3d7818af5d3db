/**
 * grad, jacobian, hessian, vjp and jvp as users call them: broadcasting, stability at extreme inputs, higher
 * orders, shared and intermediate wrt terms, error messages, and the size of gradient graphs.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import "../../cas/print.ts";
import * as T from "../../cas/api.ts";
import { parse } from "../../cas/parse.ts";
import { array, type NDArray, zeros } from "../../cas/ndarray.ts";
import { RandomState } from "../../cas/random.ts";
import { shared } from "../../cas/shared.ts";
import { type Term, topoSort } from "../../cas/term.ts";
import { evaluate } from "../../backends/reference/interpreter.ts";
import { grad, hessian, jacobian, jvp, vjp } from "../../autodiff/grad.ts";

const f64 = (v: number | number[] | number[][]) => array(v, { dtype: "float64" });

/** Evaluates terms with `pairs` binding variables to values. */
function run(terms: readonly Term[], ...pairs: [Term, NDArray][]): NDArray[] {
  return evaluate(terms, new Map(pairs));
}

function assertAllClose(actual: NDArray, expected: ArrayLike<number>, rel = 1e-12, label = ""): void {
  assert.equal(actual.size, expected.length, `${label}: size`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual.data[i], e = expected[i];
    assert.ok(
      Number.isFinite(a) && Math.abs(a - e) <= rel * Math.max(Math.abs(e), 1e-300),
      `${label}: entry ${i}: got ${a}, expected ${e}`,
    );
  }
}

/** The number of distinct terms in the graphs of `roots`. */
const graphSize = (roots: readonly Term[]) => topoSort(roots).length;

// ------------------------------------------------------------------------------------------ broadcasting

Deno.test("grad() of a (3,) bias added to a (2,3) matrix has shape (3,)", () => {
  const w = T.tensor("w", { dtype: "float64", shape: [2, 3] });
  const b = T.tensor("b", { dtype: "float64", shape: [3] });
  const [gw, gb] = grad(T.sum(T.mul(T.add(w, b), T.constant(f64([[1, 2, 3], [4, 5, 6]])))), [w, b]);
  assert.deepEqual(gb.shape, [3]);
  assert.deepEqual(gw.shape, [2, 3]);
  const [vb] = run([gb], [w, f64([[0, 0, 0], [0, 0, 0]])], [b, f64([0, 0, 0])]);
  assert.deepEqual(vb.toArray(), [5, 7, 9]);
});

Deno.test("grad() sums over axes broadcast from size 1 and over leading axes, with call-time sizes", () => {
  const x = T.tensor("x", { dtype: "float64", shape: [null, 1] });
  const y = T.tensor("y", { dtype: "float64", shape: [null] });
  const s = T.scalar("s", "float64");
  const [gx, gy, gs] = grad(T.sum(T.mul(T.mul(x, y), s)), [x, y, s]);
  assert.deepEqual([gx.shape, gy.shape, gs.shape], [[null, 1], [null], []]);
  const [vx, vy, vs] = run([gx, gy, gs], [x, f64([[1], [2]])], [y, f64([1, 10, 100])], [s, f64(2)]);
  assert.deepEqual(vx.toArray(), [[222], [222]]);
  assert.deepEqual(vy.toArray(), [6, 6, 6]);
  assert.equal(vs.item(), 333);
});

// ------------------------------------------------------------------------------------------ stability

Deno.test("grad(logsumexp(v)) at v = [1000, 999, 0] equals softmax(v), with no NaN", () => {
  const v = T.vector("v", "float64");
  const [g] = run([grad(T.logsumexp(v), v)], [v, f64([1000, 999, 0])]);
  const e = [1, Math.exp(-1), Math.exp(-1000)];
  const total = e[0] + e[1] + e[2];
  assertAllClose(g, e.map((x) => x / total), 1e-15, "softmax");
});

Deno.test("gradients of the stable ops stay finite and accurate at extreme inputs", () => {
  const x = T.vector("x", "float64");
  const at = f64([-1000, -40, 40, 1000]);
  const [softplus, sigmoid] = run([grad(T.sum(T.softplus(x)), x), grad(T.sum(T.sigmoid(x)), x)], [x, at]);
  assertAllClose(softplus, [0, 1 / (1 + Math.exp(40)), 1 / (1 + Math.exp(-40)), 1], 1e-15, "softplus'");
  // σ'(±40) ≈ 4.25e-18: σ(1 − σ) would give 0 at +40
  const s40 = Math.exp(-40) / (1 + Math.exp(-40)) ** 2;
  assertAllClose(sigmoid, [0, s40, s40, 0], 1e-14, "sigmoid'");

  const near = f64([-1e-10, -1, -50]);
  const [log1mexp] = run([grad(T.sum(T.log1mexp(x)), x)], [x, near]);
  assertAllClose(
    log1mexp,
    [-1 / Math.expm1(1e-10), -1 / Math.expm1(1), -1 / Math.expm1(50)],
    1e-14,
    "log1mexp'",
  );

  const a = T.vector("a", "float64"), b = T.vector("b", "float64");
  const [ga, gb] = run(grad(T.sum(T.logaddexp(a, b)), [a, b]), [a, f64([1000, -1000])], [
    b,
    f64([-1000, 1000]),
  ]);
  assertAllClose(ga, [1, 0], 0, "logaddexp' a");
  assertAllClose(gb, [0, 1], 0, "logaddexp' b");
});

Deno.test("grad() of a softmax crossentropy with huge logits is finite (logSoftmax and softmax VJPs)", () => {
  const z = T.vector("z", "float64");
  const t = T.constant(f64([0, 1, 0]));
  const logits = f64([1000, 0, -1000]);
  const viaLogSoftmax = grad(T.neg(T.sum(T.mul(t, T.logSoftmax(z)))), z);
  const viaSoftmax = grad(T.sum(T.mul(t, T.softmax(z))), z);
  const [g1, g2] = run([viaLogSoftmax, viaSoftmax], [z, logits]);
  assertAllClose(g1, [1, -1, 0], 1e-15, "logSoftmax");
  assert.ok([...g2.data].every(Number.isFinite), `softmax VJP: ${g2.data}`);
});

// ------------------------------------------------------------------------------------------ higher orders

Deno.test("hessian(0.5 * dot(x, matmul(A, x)), x) equals (A + Aᵀ)/2", () => {
  const x = T.tensor("x", { dtype: "float64", shape: [4] });
  const A = T.matrix("A", "float64");
  const h = hessian(T.mul(0.5, T.dot(x, T.matmul(A, x))), x);
  assert.deepEqual(h.shape, [4, 4]);
  const rng = new RandomState(7);
  const valueA = rng.normal([4, 4], 0, 1, "float64");
  const [value] = run([h], [x, rng.normal([4], 0, 1, "float64")], [A, valueA]);
  const a = valueA.data;
  const expected = Array.from({ length: 16 }, (_, k) => (a[k] + a[(k % 4) * 4 + Math.floor(k / 4)]) / 2);
  assertAllClose(value, expected, 1e-14, "hessian");
});

Deno.test("grad() differentiates its own result again: third derivative of sin is -cos", () => {
  const x = T.scalar("x", "float64");
  const d3 = grad(grad(grad(T.sin(x), x), x), x);
  const [v] = run([d3], [x, f64(0.7)]);
  assertAllClose(v, [-Math.cos(0.7)], 1e-15, "sin'''");
});

Deno.test("jacobian() stacks the gradients of each element: exp gives diag(exp x)", () => {
  const x = T.tensor("x", { dtype: "float64", shape: [3] });
  const J = jacobian(T.exp(x), x);
  assert.deepEqual(J.shape, [3, 3]);
  const [v] = run([J], [x, f64([0, 1, -1])]);
  assertAllClose(v, [1, 0, 0, 0, Math.E, 0, 0, 0, 1 / Math.E], 1e-15, "jacobian");
});

Deno.test("jacobian() of a matrix output has shape y.shape ++ x.shape; of a scalar it is the gradient", () => {
  const x = T.tensor("x", { dtype: "float64", shape: [3] });
  const y = T.reshape(T.concatenate([x, T.square(x)], 0), [2, 3]);
  const J = jacobian(y, x);
  assert.deepEqual(J.shape, [2, 3, 3]);
  const [v] = run([J], [x, f64([1, 2, 3])]);
  assertAllClose(v, [1, 0, 0, 0, 1, 0, 0, 0, 1, 2, 0, 0, 0, 4, 0, 0, 0, 6], 0, "jacobian");
  assert.equal(jacobian(T.sum(x), x), grad(T.sum(x), x));
});

Deno.test("vjp() is vᵀJ and jvp() is Jv, matching the Jacobian; jvp's result does not mention its dual variable", () => {
  const x = T.tensor("x", { dtype: "float64", shape: [3] });
  const A = T.constant(f64([[1, 2, 0], [0, -1, 3]]));
  const y = T.tanh(T.matmul(A, T.sin(x))); // (2,)
  const u = T.tensor("u", { dtype: "float64", shape: [2] });
  const w = T.tensor("w", { dtype: "float64", shape: [3] });
  const pulled = vjp(y, x, u), pushed = jvp(y, x, w);
  assert.ok(
    topoSort([pushed]).every((t) => t.op !== "var" || t === x || t === w),
    "jvp mentions only x and w",
  );
  const [J, vj, jv] = run(
    [jacobian(y, x), pulled, pushed],
    [x, f64([0.3, -0.2, 0.5])],
    [u, f64([2, -1])],
    [w, f64([1, 0.5, -2])],
  );
  const Jm = J.toArray() as number[][];
  assertAllClose(vj, [0, 1, 2].map((j) => 2 * Jm[0][j] - Jm[1][j]), 1e-14, "vjp");
  assertAllClose(jv, [0, 1].map((i) => Jm[i][0] + 0.5 * Jm[i][1] - 2 * Jm[i][2]), 1e-14, "jvp");
});

Deno.test("jvp() with several inputs sums their products", () => {
  const a = T.vector("a", "float64"), b = T.vector("b", "float64");
  const y = T.mul(T.exp(a), b);
  const [v] = run(
    [jvp(y, [a, b], [T.constant(f64([1, 1])), T.constant(f64([2, 3]))])],
    [a, f64([0, 1])],
    [b, f64([5, 7])],
  );
  assertAllClose(v, [5 + 2, 7 * Math.E + 3 * Math.E], 1e-15, "jvp");
});

Deno.test("jvp() agrees with a finite-difference directional derivative through many ops", () => {
  const x = T.tensor("x", { dtype: "float64", shape: [4, 3] });
  const pieces = (t: Term) => [
    T.softmax(t, 0),
    T.logsumexp(t, 1, true),
    T.max(t, 0),
    T.prod(T.slice(t, 1, 3), 0),
    T.index(T.transpose(t), 2),
    T.slice(t, -1, null, -2),
    T.where(T.gt(t, 0), T.pow(T.add(T.abs(t), 0.5), 1.5), T.logaddexp(t, T.square(t))),
    T.matmul(T.tanh(t), T.transpose(T.sigmoid(t))),
  ];
  const mixed = (t: Term) => T.concatenate(pieces(t).map((p) => T.reshape(p, [-1])), 0);
  const y = mixed(x);
  const dx = T.tensor("dx", { dtype: "float64", shape: [4, 3] });
  const pushed = jvp(y, x, dx);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
      const rng = new RandomState(seed);
      // |x| ≥ 0.1 keeps the finite differences off the switch of where(x > 0, …)
      const xv = rng.uniform([4, 3], 0.1, 2, "float64"), dv = rng.uniform([4, 3], -1, 1, "float64");
      xv.data.forEach((v, i) => (xv.data[i] = rng.random() < 0.5 ? -v : v));
      const [jv] = run([pushed], [x, xv], [dx, dv]);
      const h = 1e-3;
      const at = (k: number) => {
        const moved = new Float64Array(12).map((_, i) => xv.data[i] + k * h * dv.data[i]);
        return run([y], [x, array(moved, { dtype: "float64", shape: [4, 3] })])[0].data;
      };
      const [p2, p1, m1, m2] = [at(2), at(1), at(-1), at(-2)];
      for (let i = 0; i < jv.size; i++) {
        const numeric = (-p2[i] + 8 * p1[i] - 8 * m1[i] + m2[i]) / (12 * h);
        const error = Math.abs(jv.data[i] - numeric) / Math.max(Math.abs(numeric), 1e-3);
        if (!(error <= 1e-6)) throw new Error(`entry ${i}: jvp ${jv.data[i]}, numeric ${numeric}`);
      }
    }),
    { numRuns: 20, seed: 20261126 },
  );
});

// ------------------------------------------------------------------------------------------ what wrt can be

Deno.test("grad() with respect to shared variables and intermediate terms", () => {
  const W = shared(f64([[1, 2], [3, 4]]), "W");
  const x = T.vector("x", "float64");
  const h = T.tanh(T.matmul(W, x));
  const cost = T.sum(T.square(h));
  const [gW, gh, gx] = grad(cost, [W, h, x]);
  assert.deepEqual(gW.shape, [2, 2]);
  const xv = f64([0.1, -0.2]);
  const [vW, vh, vx, hv] = run([gW, gh, gx, h], [x, xv]);
  const hs = [...hv.data];
  assertAllClose(vh, hs.map((v) => 2 * v), 1e-15, "d/dh");
  const dz = hs.map((v) => 2 * v * (1 - v * v));
  assertAllClose(vW, [dz[0] * 0.1, dz[0] * -0.2, dz[1] * 0.1, dz[1] * -0.2], 1e-14, "d/dW");
  assertAllClose(vx, [dz[0] * 1 + dz[1] * 3, dz[0] * 2 + dz[1] * 4], 1e-14, "d/dx");
});

Deno.test("grad() keeps each wrt's dtype: a float32 input gets a float32 gradient", () => {
  const x = T.vector("x", "float32");
  const g = grad(T.sum(T.exp(T.cast(x, "float64"))), x);
  assert.equal(g.dtype, "float32");
  const [v] = run([g], [x, array([0, 1], { dtype: "float32" })]);
  assertAllClose(v, [1, Math.fround(Math.E)], 0, "float32");
});

Deno.test("stopGradient() makes its argument a constant for grad()", () => {
  const x = T.scalar("x", "float64");
  const [g] = run([grad(T.mul(x, T.stopGradient(x)), x)], [x, f64(3)]);
  assert.equal(g.item(), 3); // x, not 2x
  assert.throws(() => grad(T.stopGradient(T.square(x)), x), /does not depend on x/);
});

Deno.test("grad() through only zero-gradient ops (comparisons, sign, integer casts) gives zeros", () => {
  const x = T.vector("x", "float64");
  const cost = T.sum(T.add(T.cast(T.gt(x, 0), "float64"), T.cast(T.cast(x, "int32"), "float64")));
  const [g] = run([grad(T.add(cost, T.sum(T.sign(x))), x)], [x, f64([0.5, -1.5])]);
  assert.deepEqual(g.toArray(), [0, 0]);
});

Deno.test("gradients are ordinary terms: they print, and parse back to the same term", () => {
  const x = T.scalar("x", "float64"), v = T.vector("v", "float64");
  const gradients = [
    grad(T.softplus(x), x),
    grad(T.pow(x, 3), x),
    grad(T.sum(T.sigmoid(v)), v),
    grad(T.logsumexp(v), v),
    grad(T.mean(T.square(v)), v),
  ];
  assert.equal(String(gradients[0]), "1 * sigmoid(x)");
  assert.equal(String(gradients[1]), "1 * (3 * x^2)");
  for (const g of gradients) assert.equal(parse(String(g), { x, v }), g, String(g));
});

// ------------------------------------------------------------------------------------------ errors

Deno.test("grad() rejects a non-scalar cost, naming its shape", () => {
  const x = T.tensor("x", { dtype: "float64", shape: [null, 3] });
  assert.throws(() => grad(T.exp(x) as Term, x), /cost must be a scalar.*\[\?,3\]/);
});

Deno.test("grad() rejects a wrt the cost does not depend on, naming it, unless asked for zeros", () => {
  const x = T.vector("x", "float64"), unused = T.tensor("unused", { dtype: "float64", shape: [2, 2] });
  assert.throws(() => grad(T.sum(x), [x, unused]), /does not depend on unused \(shape \[2,2\], float64\)/);
  const [, zero] = grad(T.sum(x), [x, unused], { disconnected: "zero" });
  const [v] = run([zero], [x, f64([1])]);
  assert.deepEqual(v.toArray(), [[0, 0], [0, 0]]);
});

Deno.test("grad() rejects integer and boolean wrt terms and costs", () => {
  const i = T.vector("i", "int32");
  assert.throws(() => grad(T.sum(T.cast(i, "float64")), i), /cannot differentiate with respect to i.*int32/);
  assert.throws(() => grad(T.sum(i), i), /float scalar/);
});

Deno.test("jacobian() and hessian() need a static shape for y, and say so", () => {
  const x = T.vector("x", "float64");
  assert.throws(() => jacobian(T.exp(x), x), /jacobian: y must have a static shape.*\[\?\]/);
  assert.throws(() => hessian(T.sum(T.exp(x)), x), /static shape/);
});

Deno.test("gradients that need sizes known only at call time explain what to declare", () => {
  const x = T.tensor3("x", "float64");
  assert.throws(
    () => grad(T.sum(T.reshape(x, [-1])), x),
    /reshape gradient: .*\[\?,\?,\?\].*more than one unknown/,
  );
  const y = T.matrix("y", "float64");
  assert.throws(() => grad(T.sum(T.concatenate([y, y], 0)), y), /concatenate gradient: .*axis 0/);
  assert.throws(() => grad(T.sum(T.slice(y, 0, null, 2)), y), /slice gradient: .*declare it statically/);
});

Deno.test("vjp() rejects a cotangent of the wrong shape", () => {
  const x = T.tensor("x", { dtype: "float64", shape: [3] });
  assert.throws(() => vjp(T.exp(x), x, f64([1, 2])), /v must have the shape of y, \[3\]; got \[2\]/);
});

// ------------------------------------------------------------------------------------------ graph size

Deno.test("the gradient of a long chain is linear in its length", () => {
  const x = T.vector("x", "float64");
  let y: Term = x;
  for (let i = 0; i < 2000; i++) y = i % 2 === 0 ? T.sin(y) : T.mul(y, 1.5);
  const cost = T.sum(y);
  const g = grad(cost, x);
  const ratio = graphSize([g]) / graphSize([cost]);
  assert.ok(ratio < 3, `gradient graph / forward graph = ${ratio}`);
});

Deno.test("a shared subterm is differentiated once: repeated squaring does not blow up", () => {
  const x = T.scalar("x", "float64");
  let y: Term = x;
  for (let i = 0; i < 60; i++) y = T.add(T.mul(y, y), T.mul(y, 0.5)); // y used three times per level
  const g = grad(y, x);
  assert.ok(graphSize([g]) < 20 * graphSize([y]), `${graphSize([g])} terms for ${graphSize([y])}`);
  let short: Term = x;
  for (let i = 0; i < 3; i++) short = T.add(T.mul(short, short), T.mul(short, 0.5));
  const [v] = run([grad(short, x)], [x, f64(0.3)]);
  // chain rule by hand: y' = (2y + 0.5) y'
  let value = 0.3, slope = 1;
  for (let i = 0; i < 3; i++) [value, slope] = [value * value + 0.5 * value, (2 * value + 0.5) * slope];
  assertAllClose(v, [slope], 1e-14, "repeated squaring");
});

Deno.test("the gradient graph of a 784-256-10 MLP is a small multiple of its forward graph", () => {
  const X = T.matrix("X"), Y = T.matrix("Y");
  const W1 = shared(zeros([784, 256]), "W1"), b1 = shared(zeros([256]), "b1");
  const W2 = shared(zeros([256, 10]), "W2"), b2 = shared(zeros([10]), "b2");
  const hidden = T.relu(T.add(T.matmul(X, W1), b1));
  const p = T.softmax(T.add(T.matmul(hidden, W2), b2));
  const loss = T.mean(T.categoricalCrossentropy(p, Y));
  const grads = grad(loss, [W1, b1, W2, b2]);
  const forward = graphSize([loss]);
  const gradient = graphSize(grads);
  const added = graphSize([loss, ...grads]) - forward;
  const ratio = (gradient / forward).toFixed(2);
  console.log(`MLP: forward ${forward} terms, gradient graph ${gradient} (${added} new): ratio ${ratio}`);
  assert.ok(gradient <= 4 * forward, `gradient ${gradient} vs forward ${forward}`);
  assert.deepEqual(grads.map((g) => g.shape), [[784, 256], [256], [256, 10], [10]]);
  // with zero weights every class gets p = 0.1, so d/db2 = 0.1 − (column means of Y)
  const rng = new RandomState(3);
  const labels = [3, 3, 7, 0];
  const onehot = array(labels.map((l) => Array.from({ length: 10 }, (_, k) => (k === l ? 1 : 0))));
  const [gW1, gb2] = run([grads[0], grads[3]], [X, rng.uniform([4, 784], 0, 1)], [Y, onehot]);
  assert.deepEqual([gW1.dtype, ...gW1.shape], ["float32", 784, 256]);
  const expected = Array.from({ length: 10 }, (_, k) => 0.1 - labels.filter((l) => l === k).length / 4);
  assertAllClose(gb2, expected.map(Math.fround), 1e-6, "d/db2");
});

Deno.test("the gradient of matrix·vector with respect to the vector is a product with the transpose", () => {
  const A = T.tensor("A", { shape: [5, 3], dtype: "float64" }),
    v = T.tensor("v", { shape: [3], dtype: "float64" });
  const u = T.tensor("u", { shape: [5], dtype: "float64" });
  const gv = grad(T.sum(T.tanh(T.matmul(A, v))), v) as Term;
  const gu = grad(T.sum(T.tanh(T.matmul(u, A))), u) as Term;
  for (const g of [gv, gu]) {
    assert.ok(topoSort([g]).some((t) => t.op === "matmul"), String(g));
    assert.ok(!topoSort([g]).some((t) => t.op === "sum"), `no elementwise product and sum: ${g}`);
  }
  const a = f64([[1, 2, 3], [0, -1, 4], [2, 2, 2], [-3, 0, 1], [0.5, 0.25, -1]]);
  const [value] = run([gv], [A, a], [v, f64([0.1, -0.2, 0.3])]);
  const z = [0, 1, 2, 3, 4].map((i) =>
    Math.tanh(a.data[i * 3] * 0.1 - a.data[i * 3 + 1] * 0.2 + a.data[i * 3 + 2] * 0.3)
  );
  const expected = [0, 1, 2].map((j) => z.reduce((s, zi, i) => s + (1 - zi * zi) * a.data[i * 3 + j], 0));
  assertAllClose(value, expected, 1e-12, "Aᵀ·(1 − tanh²)");
});
