/**
 * The CPU backend end to end: fused graphs, odd-sized matrix products with transposes and epilogues, updates of
 * shared variables, memory reuse across calls, and call-time shape errors.
 */
import assert from "node:assert/strict";
import * as T from "../../../cas/api.ts";
import { array, NDArray } from "../../../cas/ndarray.ts";
import { RandomState } from "../../../cas/random.ts";
import { shared } from "../../../cas/shared.ts";
import { ShapeError } from "../../../cas/shape.ts";
import type { DType } from "../../../cas/dtype.ts";
import { evaluate } from "../../../backends/reference/interpreter.ts";
import { compileCpu } from "../../../backends/cpu/executable.ts";
import { compiledSourceCount } from "../../../backends/cpu/js_render.ts";
import { ARENA_MEMORY, sharedArena } from "../../../backends/cpu/wasm/memory.ts";
import { assertClose, assertMatchesReference, runCpu } from "./_compare.ts";

const rng = new RandomState(7);
const FLOATS: readonly DType[] = ["float32", "float64"];
const uniform = (shape: number[], dtype: DType, low = -3, high = 3) => rng.uniform(shape, low, high, dtype);

Deno.test("cpu backend: softplus(a) * b + c and log(1 + exp(a)) * b + c match the reference", async () => {
  for (const dtype of FLOATS) {
    const [a, b, c] = ["a", "b", "c"].map((n) => T.vector(n, dtype));
    const values = [uniform([1000], dtype, -30, 30), uniform([1000], dtype), uniform([1000], dtype)];
    const tol = dtype === "float32" ? { ulps: 8, abs: 1e-6 } : { rel: 1e-12, abs: 1e-15 };
    await assertMatchesReference(
      [a, b, c],
      [T.add(T.mul(T.softplus(a), b), c)],
      values,
      tol,
      `softplus ${dtype}`,
    );
    const naive = T.add(T.mul(T.log(T.add(1, T.exp(a))), b), c);
    await assertMatchesReference([a, b, c], [naive], values, tol, `log(1+exp) ${dtype}`);
  }
});

Deno.test("cpu backend: a softmax crossentropy (mean over the batch) matches the reference", async () => {
  for (const dtype of FLOATS) {
    const z = T.matrix("z", dtype), t = T.matrix("t", dtype);
    const lossLog = T.mean(T.neg(T.sum(T.mul(t, T.logSoftmax(z)), 1)));
    const lossProb = T.mean(T.categoricalCrossentropy(T.softmax(z), t));
    const labels = new NDArray(dtype === "float32" ? new Float32Array(32 * 10) : new Float64Array(32 * 10), [
      32,
      10,
    ]);
    for (let i = 0; i < 32; i++) labels.data[i * 10 + (i * 7) % 10] = 1;
    const tol = dtype === "float32" ? { ulps: 8 } : { rel: 1e-12 };
    await assertMatchesReference(
      [z, t],
      [lossLog, lossProb],
      [uniform([32, 10], dtype, -20, 20), labels],
      tol,
      dtype,
    );
  }
});

Deno.test("cpu backend: 67×129 · 129×33 products with every transpose combination match the reference", async () => {
  for (const dtype of FLOATS) {
    const [m, k, n] = [67, 129, 33];
    const tol = dtype === "float32" ? { rel: 1e-5, abs: 1e-4 } : { rel: 1e-12, abs: 1e-12 };
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      const a = T.matrix("a", dtype), b = T.matrix("b", dtype);
      const av = uniform(ta ? [k, m] : [m, k], dtype), bv = uniform(tb ? [n, k] : [k, n], dtype);
      const product = T.matmul(ta ? T.transpose(a) : a, tb ? T.transpose(b) : b);
      await assertMatchesReference([a, b], [product], [av, bv], tol, `${dtype} transA ${ta} transB ${tb}`);
    }
  }
});

Deno.test("cpu backend: bias and relu epilogues of a matmul match the reference", async () => {
  for (const dtype of FLOATS) {
    const x = T.matrix("x", dtype), w = T.matrix("w", dtype), b = T.vector("b", dtype);
    const h = T.relu(T.add(T.matmul(x, w), b));
    const values = [uniform([17, 40], dtype), uniform([40, 23], dtype), uniform([23], dtype)];
    const tol = dtype === "float32" ? { rel: 1e-5, abs: 1e-5 } : { rel: 1e-12, abs: 1e-12 };
    await assertMatchesReference([x, w, b], [h, T.add(T.matmul(x, w), b)], values, tol, dtype);
  }
});

Deno.test("cpu backend: reductions over several axes of a transposed, fused input match the reference", async () => {
  for (const dtype of FLOATS) {
    const x = T.tensor("x", { dtype, shape: [null, null, null] });
    const y = T.transpose(T.mul(T.exp(x), 0.5), [2, 0, 1]);
    const roots = [T.sum(y, [0, 2], true), T.logsumexp(y, [1, 2]), T.max(y, [0, 1], true), T.mean(y)];
    const tol = dtype === "float32" ? { ulps: 4 } : { rel: 1e-12 };
    await assertMatchesReference([x], roots, [uniform([6, 7, 8], dtype)], tol, dtype);
  }
});

Deno.test("cpu backend: updates apply after the outputs, all from the old values, and get() sees them", async () => {
  const a = shared(array([1, 2, 3], { dtype: "float64" }), "a");
  const b = shared(array([10, 20, 30], { dtype: "float64" }), "b");
  const x = T.vector("x", "float64");
  const exe = compileCpu({
    inputs: [x],
    roots: [T.add(a, x), b, T.add(a, x)],
    outputCount: 1,
    updated: [a, b],
  });
  assert.equal(exe.appliesUpdates, true);
  const [out1] = await exe.run([array([1, 1, 1], { dtype: "float64" })]);
  assert.deepEqual(out1.toArray(), [2, 3, 4]);
  assert.deepEqual(a.get().toArray(), [10, 20, 30]);
  assert.deepEqual(b.get().toArray(), [2, 3, 4]);
  const [out2] = await exe.run([array([0, 0, 0], { dtype: "float64" })]);
  assert.deepEqual(out2.toArray(), [10, 20, 30]);
  assert.deepEqual(a.get().toArray(), [2, 3, 4]);
  // a value set from outside replaces the arena copy on the next call
  a.set([5, 5, 5]);
  const [out3] = await exe.run([array([1, 2, 3], { dtype: "float64" })]);
  assert.deepEqual(out3.toArray(), [6, 7, 8]);
  assert.deepEqual(b.get().toArray(), [6, 7, 8]);
});

Deno.test("cpu backend: SGD steps on shared parameters match the reference step by step", async () => {
  const w = shared(uniform([5, 3], "float32"), "w");
  const x = T.matrix("x"), t = T.matrix("t");
  const err = T.sub(T.matmul(x, w), t);
  const loss = T.mean(T.square(err));
  const gradW = T.mul(T.matmul(T.transpose(x), err), 2 / 12);
  const exe = compileCpu({
    inputs: [x, t],
    roots: [loss, T.sub(w, T.mul(0.1, gradW))],
    outputCount: 1,
    updated: [w],
  });
  const xv = uniform([4, 5], "float32"), tv = uniform([4, 3], "float32");
  for (let step = 0; step < 3; step++) {
    const [lossRef, wRef] = evaluate([loss, T.sub(w, T.mul(0.1, gradW))], new Map([[x, xv], [t, tv]]));
    const [lossCpu] = await exe.run([xv, tv]);
    assertClose(lossCpu, lossRef, { rel: 1e-5 }, `loss ${step}`);
    assertClose(w.get(), wRef, { rel: 1e-5, abs: 1e-6 }, `w ${step}`);
  }
});

Deno.test("cpu backend: calls with the same shapes reuse the arena; new shapes get their own plan", async () => {
  const x = T.matrix("x"), w = T.matrix("w");
  const exe = compileCpu({
    inputs: [x, w],
    roots: [T.sum(T.exp(T.matmul(x, w)), 1)],
    outputCount: 1,
    updated: [],
  });
  const run = (m: number) => exe.run([uniform([m, 8], "float32"), uniform([8, 4], "float32")]);
  await run(5);
  const arena = sharedArena();
  const used = arena.bytesInUse;
  const sources = compiledSourceCount();
  for (let i = 0; i < 3; i++) await run(5);
  assert.equal(arena.bytesInUse, used);
  assert.equal(compiledSourceCount(), sources);
  const [y] = await run(9);
  assert.deepEqual(y.shape, [9]);
  // alternating shapes: each call is served by the instance of its own shapes
  const xa = uniform([5, 8], "float32"), xb = uniform([9, 8], "float32"), wv = uniform([8, 4], "float32");
  for (const xv of [xa, xb, xa, xa, xb]) {
    const [out] = await exe.run([xv, wv]);
    const [expected] = evaluate([T.sum(T.exp(T.matmul(x, w)), 1)], new Map([[x, xv], [w, wv]]));
    assertClose(out, expected, { rel: 1e-5, abs: 1e-6 }, `shape ${xv.shape}`);
  }
});

Deno.test("cpu backend: compiling the same graph again reuses the compiled program", async () => {
  const x = T.vector("x", "float64");
  const graph = () => ({ inputs: [x], roots: [T.mul(T.sin(x), 3)], outputCount: 1, updated: [] });
  await compileCpu(graph()).run([array([1, 2], { dtype: "float64" })]);
  const sources = compiledSourceCount();
  const start = performance.now();
  const [y] = await compileCpu(graph()).run([array([1, 2], { dtype: "float64" })]);
  assert.ok(performance.now() - start < 50);
  assert.equal(compiledSourceCount(), sources);
  assert.deepEqual(y.toArray(), [3 * Math.sin(1), 3 * Math.sin(2)]);
});

Deno.test("cpu backend: sizes that do not fit at call time throw a ShapeError naming the op", async () => {
  const a = T.vector("a"), b = T.vector("b");
  await assert.rejects(
    runCpu([a, b], [T.add(a, b)], [array([1, 2, 3]), array([1, 2])]),
    (e: Error) => e instanceof ShapeError && /add/.test(e.message),
  );
  // a size-1 array for an axis not declared broadcastable is not silently broadcast
  await assert.rejects(
    runCpu([a, b], [T.mul(a, b)], [array([1, 2, 3]), array([1])]),
    (e: Error) => e instanceof ShapeError && /mul/.test(e.message) && /broadcast/.test(e.message),
  );
  const m = T.matrix("m"), n = T.matrix("n");
  await assert.rejects(
    runCpu([m, n], [T.matmul(m, n)], [uniform([2, 3], "float32"), uniform([4, 2], "float32")]),
    (e: Error) => e instanceof ShapeError && /matmul/.test(e.message),
  );
  await assert.rejects(
    runCpu([m], [T.reshape(m, [5, -1])], [uniform([2, 3], "float32")]),
    (e: Error) => e instanceof ShapeError && /reshape/.test(e.message),
  );
});

Deno.test("cpu backend: borrowed outputs are reused across calls, fresh outputs never are", async () => {
  const x = T.vector("x", "float64");
  const graph = { inputs: [x], roots: [T.mul(x, 2)], outputCount: 1, updated: [] };
  const borrowing = compileCpu(graph, { borrowOutputs: true });
  const fresh = compileCpu(graph);
  const [kept] = await fresh.run([array([1, 2], { dtype: "float64" })]);
  const [b1] = await borrowing.run([array([3, 4], { dtype: "float64" })]);
  const [b2] = await borrowing.run([array([5, 6], { dtype: "float64" })]);
  assert.equal(b1.data, b2.data);
  assert.deepEqual(b2.toArray(), [10, 12]);
  assert.deepEqual(kept.toArray(), [2, 4]);
  const [f2] = await fresh.run([array([7, 8], { dtype: "float64" })]);
  assert.notEqual(f2.data, kept.data);
  assert.deepEqual(kept.toArray(), [2, 4]);
});

Deno.test("cpu backend computes SGD steps W − lr·(Xᵀ·G) fused into the matmul like the reference", async () => {
  const rng = new RandomState(11);
  for (const dtype of ["float32", "float64"] as DType[]) {
    const x = T.matrix("x", dtype), g = T.matrix("g", dtype);
    const w = shared(rng.normal([13, 7], 0, 1).astype(dtype), "w");
    const xv = rng.normal([300, 13], 0, 1).astype(dtype), gv = rng.normal([300, 7], 0, 1).astype(dtype);
    const update = T.sub(w, T.mul(0.05, T.matmul(T.transpose(x), g)));
    const exe = compileCpu({ inputs: [x, g], roots: [update], outputCount: 1, updated: [] });
    const [got] = await exe.run([xv, gv]);
    const [expected] = evaluate([update], new Map([[x, xv], [g, gv]]));
    const tol = dtype === "float32" ? 1e-5 : 1e-12;
    for (let i = 0; i < got.size; i++) {
      assert.ok(
        Math.abs(got.data[i] - expected.data[i]) <= tol * (1 + Math.abs(expected.data[i])),
        `${dtype} ${i}`,
      );
    }
  }
});

Deno.test("cpu backend: reductions over leading axes (accumulators per cell) equal the reference exactly", async () => {
  const rng = new RandomState(12);
  for (const dtype of ["float32", "float64"] as DType[]) {
    const x = T.tensor3("x", dtype), y = T.tensor3("y", dtype);
    const xv = rng.normal([6, 5, 7], 0, 3).astype(dtype), yv = rng.normal([6, 5, 7], 0, 3).astype(dtype);
    xv.data[17] = NaN;
    xv.data[40] = Infinity;
    const outputs = [
      T.sum(T.mul(T.exp(x), y), [0]),
      T.mean(x, [0, 1]),
      T.max(T.mul(x, y), [0]),
      T.min(x, [0, 1]),
      T.prod(T.tanh(y), [0]),
      T.sum(T.transpose(x, [2, 1, 0]), [2]), // kept axes strided: the usual loop order
      // a value computed into the arena and read twice: the SIMD row-sum kernel
      T.sum(T.mul(x, y), [0]),
      T.mean(T.mul(x, y), [0, 1]),
    ];
    const exe = compileCpu({ inputs: [x, y], roots: outputs, outputCount: outputs.length, updated: [] });
    const got = await exe.run([xv, yv]);
    const expected = evaluate(outputs, new Map([[x, xv], [y, yv]]));
    got.forEach((g, k) => assert.deepEqual(Array.from(g.data), Array.from(expected[k].data), `output ${k}`));
  }
});

Deno.test("cpu backend: borrowed outputs live in the arena, survive its growth, and are rewritten by the next call", async () => {
  const x = T.matrix("x"), w = T.matrix("w");
  const roots = [T.relu(T.matmul(x, w)), T.mul(T.exp(x), 2), x];
  const graph = { inputs: [x, w], roots, outputCount: roots.length, updated: [] };
  const borrowing = compileCpu(graph, { borrowOutputs: true });
  const rng = new RandomState(13);
  const xv = rng.normal([33, 20], 0, 1), wv = rng.normal([20, 17], 0, 1);
  const expected = evaluate(roots, new Map([[x, xv], [w, wv]]));
  const first = await borrowing.run([xv, wv]);
  if (ARENA_MEMORY.shared) {
    for (const out of first) assert.ok(out.data.buffer instanceof SharedArrayBuffer);
  }
  // grow the arena well past its size: views of a shared memory stay valid
  const arena = sharedArena();
  const big = arena.alloc(arena.capacity * 2);
  first.forEach((out, k) => assertClose(out, expected[k], { ulps: 8, abs: 1e-5 }));
  arena.free(big);
  const xv2 = new NDArray(Float32Array.from(xv.data, (v) => 2 * v), xv.shape);
  const again = await borrowing.run([xv2, wv]);
  again.forEach((out, k) => assert.equal(out.data, first[k].data, `output ${k} reuses its memory`));
  const doubled = evaluate(roots, new Map([[x, xv2], [w, wv]]));
  first.forEach((out, k) => assertClose(out, doubled[k], { ulps: 8, abs: 1e-5 }));
  // calls without borrowing still hand out arrays of their own
  const [fresh] = await compileCpu(graph).run([xv, wv]);
  assert.ok(!(fresh.data.buffer instanceof SharedArrayBuffer));
  assertClose(fresh, expected[0], { ulps: 8, abs: 1e-5 });
});
