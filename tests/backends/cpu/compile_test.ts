/**
 * `T.compile` on the CPU backend (the default): results against the reference backend, updates, and the
 * call-time errors users see.
 */
import assert from "node:assert/strict";
import * as T from "../../../mod.ts";
import { assertClose } from "./_compare.ts";

Deno.test("compile() runs on the cpu backend by default and agrees with the reference backend", async () => {
  const x = T.matrix("x"), w = T.matrix("w"), b = T.vector("b");
  const y = T.softmax(T.add(T.matmul(x, w), b));
  const f = T.compile([x, w, b], [y, T.logsumexp(y, 1)]);
  const g = T.compile([x, w, b], [y, T.logsumexp(y, 1)], { backend: "reference" });
  assert.equal(f.backend, "cpu");
  const rng = T.randomState(3);
  const values = [rng.normal([6, 5]), rng.normal([5, 4]), rng.normal([4])];
  const [p, q] = await f(...values);
  const [pr, qr] = await g(...values);
  assertClose(p, pr, { rel: 1e-5, abs: 1e-6 }, "softmax");
  assertClose(q, qr, { rel: 1e-5, abs: 1e-6 }, "logsumexp");
});

Deno.test("compile() with updates trains a shared variable on the cpu backend like on the reference", async () => {
  const make = () => T.shared(T.array([[0.5, -0.25], [0.125, 1]]), "w");
  const run = async (backend: "cpu" | "reference") => {
    const w = make();
    const x = T.matrix("x");
    const loss = T.mean(T.square(T.matmul(x, w)));
    const f = T.compile([x], loss, { updates: [[w, T.sub(w, T.mul(0.1, T.grad(loss, w)))]], backend });
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) losses.push((await f([[1, 2], [3, 4], [5, 6]])).item());
    return { losses, w: w.get() };
  };
  const cpu = await run("cpu"), ref = await run("reference");
  cpu.losses.forEach((l, i) => assert.ok(Math.abs(l - ref.losses[i]) <= 1e-5 * Math.abs(ref.losses[i])));
  assertClose(cpu.w, ref.w, { rel: 1e-5, abs: 1e-6 }, "w");
});

Deno.test("compiled cpu functions name the input on wrong arity, shape or dtype", async () => {
  const x = T.matrix("x"), v = T.vector("v");
  const f = T.compile([x, v], T.add(x, v));
  await assert.rejects(f([[1, 2]]), /expected 2 argument\(s\) \(x, v\), got 1/);
  await assert.rejects(f([[1, 2]], [[1, 2]]), /input 1 \(v\)/);
  await assert.rejects(
    f([[1, 2]], T.array([1, 2], { dtype: "float64" })),
    /input 1 \(v\): expected dtype float32/,
  );
  // sizes that only disagree at call time: the op is named
  await assert.rejects(f([[1, 2]], [1, 2, 3]), /add/);
});

Deno.test("a small MLP trained with T.grad and SGD follows the reference backend step by step", async () => {
  const run = async (backend: "cpu" | "reference") => {
    const rng = T.randomState(9);
    const W1 = T.shared(rng.normal([20, 16], 0, 0.3), "W1"), b1 = T.shared(T.zeros([16]), "b1");
    const W2 = T.shared(rng.normal([16, 4], 0, 0.3), "W2"), b2 = T.shared(T.zeros([4]), "b2");
    const x = T.matrix("x"), y = T.matrix("y");
    const hidden = T.relu(T.add(T.matmul(x, W1), b1));
    const loss = T.mean(T.neg(T.sum(T.mul(y, T.logSoftmax(T.add(T.matmul(hidden, W2), b2))), 1)));
    const params = [W1, b1, W2, b2];
    const grads = T.grad(loss, params);
    const step = T.compile([x, y], loss, {
      updates: params.map((p, i) => [p, T.sub(p, T.mul(0.5, grads[i]))] as const),
      backend,
    });
    const xs = rng.uniform([8, 20], -1, 1);
    const labels = new Float32Array(32);
    for (let i = 0; i < 8; i++) labels[i * 4 + (i % 4)] = 1;
    const ys = new T.NDArray(labels, [8, 4]);
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) losses.push((await step(xs, ys)).item());
    return { losses, W1: W1.get(), b2: b2.get() };
  };
  const cpu = await run("cpu"), ref = await run("reference");
  assert.ok(cpu.losses[4] < cpu.losses[0], `the loss decreases: ${cpu.losses}`);
  cpu.losses.forEach((l, i) =>
    assert.ok(Math.abs(l - ref.losses[i]) <= 1e-4 * Math.abs(ref.losses[i]), `${i}`)
  );
  assertClose(cpu.W1, ref.W1, { rel: 1e-4, abs: 1e-5 }, "W1");
  assertClose(cpu.b2, ref.b2, { rel: 1e-4, abs: 1e-5 }, "b2");
});

Deno.test("Adam-style updates (a new moment also read by the parameter's update) follow the reference", async () => {
  const run = async (backend: "cpu" | "reference") => {
    const rng = T.randomState(4);
    const w = T.shared(rng.normal([64, 8], 0, 0.3), "w");
    const m = T.shared(T.zeros([64, 8]), "m"), v = T.shared(T.zeros([64, 8]), "v");
    const x = T.matrix("x");
    const loss = T.mean(T.square(T.sub(T.matmul(x, w), 1)));
    const g = T.grad(loss, w);
    const m2 = T.add(T.mul(0.9, m), T.mul(0.1, g));
    const v2 = T.add(T.mul(0.999, v), T.mul(0.001, T.square(g)));
    const step = T.compile([x], [loss, m2], {
      updates: [[m, m2], [v, v2], [w, T.sub(w, T.div(T.mul(0.01, m2), T.add(T.sqrt(v2), 1e-8)))]],
      backend,
    });
    const xs = rng.uniform([16, 64], -1, 1);
    const losses: number[] = [];
    let lastM: T.NDArray | undefined;
    for (let i = 0; i < 4; i++) {
      const [l, mOut] = await step(xs);
      losses.push(l.item());
      lastM = mOut;
    }
    return { losses, w: w.get(), m: m.get(), v: v.get(), lastM: lastM! };
  };
  const cpu = await run("cpu"), ref = await run("reference");
  cpu.losses.forEach((l, i) =>
    assert.ok(Math.abs(l - ref.losses[i]) <= 1e-4 * Math.abs(ref.losses[i]), `${i}`)
  );
  for (const k of ["w", "m", "v"] as const) assertClose(cpu[k], ref[k], { rel: 1e-4, abs: 1e-6 }, k);
  // the output m2 of the last call equals the variable m after it (an output and an update of one term)
  assertClose(cpu.lastM, cpu.m, { rel: 0, abs: 0 }, "output m2 = m");
});
