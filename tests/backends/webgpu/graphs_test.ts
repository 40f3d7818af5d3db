/**
 * Whole graphs on WebGPU compared with the reference backend: fused elementwise kernels with broadcasting,
 * reductions over every axis set (all three schedules), matmul of odd sizes and layouts, softmax, structural ops,
 * and a full training step with updates. Tolerance: 2e-5 relative, where sums and products are measured against
 * the same computation on absolute values (the scale of their rounding error).
 */
import assert from "node:assert/strict";
import * as T from "../../../mod.ts";
import { webgpuBackend } from "../../../backends/webgpu/backend.ts";
import type { WebGpuExecutable } from "../../../backends/webgpu/executable.ts";
import { REDUCE_OPS } from "../../../cas/ops/names.ts";
import { webgpuTest } from "../../_webgpu.ts";

const RTOL = 2e-5;

function lcg(seed: number): () => number {
  return () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** Uniform random float32 values in [lo, hi) of `shape`. */
function random(shape: number[], seed: number, lo = -1, hi = 1): T.NDArray {
  const next = lcg(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new T.NDArray(Float32Array.from({ length: n }, () => lo + (hi - lo) * next()), shape);
}

/**
 * Elementwise |actual − expected| ≤ RTOL·scale, where scale is |expected| or the matching element of `scale`
 * (e.g. Σ|x| for a sum). NaN must match NaN and infinities must be equal.
 */
function assertClose(actual: T.NDArray, expected: T.NDArray, what: string, scale?: T.NDArray): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  for (let i = 0; i < actual.size; i++) {
    const a = actual.data[i], e = expected.data[i];
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      assert.ok(
        Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)),
        `${what}[${i}]: ${a}, expected ${e}`,
      );
      continue;
    }
    const tolerance = RTOL * Math.max(Math.abs(e), scale ? Math.abs(scale.data[i]) : 0) + 1e-37;
    assert.ok(
      Math.abs(a - e) <= tolerance,
      `${what}[${i}]: WebGPU ${a}, reference ${e} (tolerance ${tolerance})`,
    );
  }
}

interface Case {
  inputs: T.Expr[];
  outputs: T.Expr[];
  /** Outputs whose error scale is another expression (e.g. the same sum over |x|). */
  scales?: (T.Expr | undefined)[];
  optimize?: boolean;
}

async function compare(c: Case, values: T.InputValue[], what: string): Promise<T.NDArray[]> {
  const optimize = c.optimize ?? false;
  const gpu = T.compile(c.inputs, c.outputs, { backend: "webgpu", optimize });
  const ref = T.compile(c.inputs, c.outputs, { backend: "reference", optimize });
  const actual = await gpu(...values);
  const expected = await ref(...values);
  const scales = c.scales
    ? await Promise.all(
      c.scales.map((s) => s && T.compile(c.inputs, s, { backend: "reference", optimize })(...values)),
    )
    : [];
  actual.forEach((a, i) => assertClose(a, expected[i], `${what} output ${i}`, scales[i]));
  return actual;
}

/** The lowered program of a compiled function (which terms got kernels). */
async function programOf(inputs: T.Expr[], outputs: T.Expr[]) {
  const f = T.compile(inputs, outputs, { backend: "webgpu", optimize: false });
  return ((await webgpuBackend.compile(f.plan)) as WebGpuExecutable).program;
}

webgpuTest(
  "webgpu fuses a broadcasting elementwise chain into one kernel that matches the reference",
  async () => {
    const a = T.tensor("a", { shape: [null, null] });
    const b = T.tensor("b", { shape: [null] });
    const c = T.tensor("c", { shape: [null, 1] });
    const left = T.mul(T.sigmoid(T.add(T.mul(a, b), c)), T.tanh(a));
    const right = T.log1p(T.mul(b, b));
    const z = T.sub(left, right);
    // z cancels where left ≈ right: its rounding error scales with the terms, not with z.
    const scale = T.add(T.abs(left), right);
    const program = await programOf([a, b, c], [z]);
    assert.deepEqual(program.nodes.map((n) => n.kind), ["input", "input", "input", "elementwise"]);
    for (const [rows, cols] of [[4, 5], [33, 257], [1, 1]]) {
      await compare({ inputs: [a, b, c], outputs: [z], scales: [scale] }, [
        random([rows, cols], 1),
        random([cols], 2),
        random([rows, 1], 3),
      ], `fused ${rows}x${cols}`);
    }
  },
);

webgpuTest("webgpu keeps a shared intermediate in one buffer and still fuses around it", async () => {
  const x = T.vector("x");
  const e = T.exp(x);
  const outputs = [T.add(e, 1), T.mul(e, T.sin(x))];
  const program = await programOf([x], outputs);
  assert.deepEqual(program.nodes.map((n) => n.kind), ["input", "elementwise", "elementwise", "elementwise"]);
  await compare({ inputs: [x], outputs }, [random([1000], 4, -5, 5)], "shared exp");
});

const AXES_3D: number[][] = [[], [0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]];

for (const op of REDUCE_OPS) {
  webgpuTest(`webgpu ${op} over every set of axes of a [5,7,3] array, keepdims or not`, async () => {
    const x = T.tensor("x", { shape: [5, 7, 3] });
    const values = op === "prod" ? random([5, 7, 3], 5, 0.5, 1.5) : random([5, 7, 3], 5, -3, 3);
    const reduce =
      (T as unknown as Record<string, (x: T.Expr, axis: number[], keepdims: boolean) => T.Expr>)[op];
    for (const axes of AXES_3D) {
      for (const keepdims of [false, true]) {
        const scale = op === "sum" || op === "mean" ? reduce(T.abs(x), axes, keepdims) : undefined;
        await compare(
          { inputs: [x], outputs: [reduce(x, axes, keepdims)], scales: [scale] },
          [values],
          `${op} ${axes}`,
        );
      }
    }
  });
}

webgpuTest(
  "webgpu reductions over long rows: workgroup trees, split rows, and thread-per-cell columns",
  async () => {
    const m = T.matrix("m");
    const v = T.vector("v");
    const rows = random([3, 100_000], 6, -1, 1);
    for (const axis of [0, 1]) {
      for (const op of ["sum", "mean", "max", "min", "logsumexp"] as const) {
        const out = T[op](m, axis);
        const scale = op === "sum" || op === "mean" ? T[op](T.abs(m), axis) : undefined;
        await compare(
          { inputs: [m], outputs: [out], scales: [scale] },
          [rows],
          `${op} axis ${axis} of [3,100000]`,
        );
      }
    }
    const long = random([300_000], 7, 0, 1);
    await compare(
      { inputs: [v], outputs: [T.sum(v), T.mean(v), T.max(v), T.logsumexp(v)] },
      [long],
      "full [300000]",
    );
    const wide = random([40, 300], 8);
    await compare(
      { inputs: [m], outputs: [T.sum(m, 1), T.max(m, 0)], scales: [T.sum(T.abs(m), 1)] },
      [wide],
      "[40,300]",
    );
  },
);

webgpuTest("webgpu fuses the input of a reduction: sum((x − y)²) is one kernel", async () => {
  const x = T.vector("x"), y = T.vector("y");
  const out = T.sum(T.square(T.sub(x, y)));
  const program = await programOf([x, y], [out]);
  assert.deepEqual(program.nodes.map((n) => n.kind), ["input", "input", "reduce"]);
  await compare(
    { inputs: [x, y], outputs: [out] },
    [random([5000], 9), random([5000], 10)],
    "sum of squares",
  );
});

webgpuTest("webgpu reductions of int32 and bool, and NaN propagation in max/min", async () => {
  const i = T.vector("i", "int32");
  const p = T.vector("p", "bool");
  const x = T.vector("x");
  const ints = Int32Array.from({ length: 1000 }, (_, k) => (k * 7919) % 201 - 100);
  const gpu = T.compile(
    [i, p],
    [T.sum(i), T.max(i), T.min(i), T.prod(T.slice(i, 0, 5)), T.sum(p), T.mean(i)],
    {
      backend: "webgpu",
      optimize: false,
    },
  );
  const ref = T.compile(
    [i, p],
    [T.sum(i), T.max(i), T.min(i), T.prod(T.slice(i, 0, 5)), T.sum(p), T.mean(i)],
    {
      backend: "reference",
      optimize: false,
    },
  );
  const bools = Array.from({ length: 300 }, (_, k) => k % 3 === 0);
  const [actual, expected] = [await gpu(ints, bools), await ref(ints, bools)];
  actual.forEach((a, k) => assertClose(a, expected[k], `integer reduction ${k}`));
  await compare({ inputs: [x], outputs: [T.max(x), T.min(x), T.sum(x)] }, [[1, NaN, 3]], "NaN");
});

webgpuTest("webgpu matmul of odd sizes 67×129 · 129×33, in every layout", async () => {
  const a = T.matrix("a"), b = T.matrix("b");
  const A = random([67, 129], 11), B = random([129, 33], 12);
  const scale = T.matmul(T.abs(a), T.abs(b));
  await compare({ inputs: [a, b], outputs: [T.matmul(a, b)], scales: [scale] }, [A, B], "a·b");
  const at = T.matrix("at"), bt = T.matrix("bt");
  const transposed = T.matmul(T.transpose(at), T.transpose(bt));
  const transposedScale = T.matmul(T.abs(T.transpose(at)), T.abs(T.transpose(bt)));
  await compare(
    { inputs: [at, bt], outputs: [transposed], scales: [transposedScale] },
    [random([129, 67], 13), random([33, 129], 14)],
    "aᵀ·bᵀ",
  );
  await compare({
    inputs: [a],
    outputs: [T.matmul(a, T.transpose(a))],
    scales: [T.matmul(T.abs(a), T.abs(T.transpose(a)))],
  }, [
    A,
  ], "a·aᵀ (one buffer, two operands)");
});

webgpuTest("webgpu matmul with batch broadcasting and vector operands", async () => {
  const a4 = T.tensor("a4", { shape: [2, 1, 4, 5] });
  const b3 = T.tensor("b3", { shape: [3, 5, 6] });
  const out = T.matmul(a4, b3);
  await compare(
    { inputs: [a4, b3], outputs: [out], scales: [T.matmul(T.abs(a4), T.abs(b3))] },
    [random([2, 1, 4, 5], 15), random([3, 5, 6], 16)],
    "batched",
  );
  const m = T.matrix("m"), v = T.vector("v"), w = T.vector("w");
  const outputs = [T.matmul(v, m), T.matmul(m, w), T.matmul(v, T.slice(w, 0, 70))];
  const scales = [
    T.matmul(T.abs(v), T.abs(m)),
    T.matmul(T.abs(m), T.abs(w)),
    T.matmul(T.abs(v), T.abs(T.slice(w, 0, 70))),
  ];
  await compare({ inputs: [m, v, w], outputs, scales }, [
    random([70, 90], 17),
    random([70], 18),
    random([90], 19),
  ], "vectors");
  const i = T.matrix("i", "int32");
  const ints = new T.NDArray(Int32Array.from({ length: 30 * 20 }, (_, k) => (k % 13) - 6), [30, 20]);
  await compare({ inputs: [i], outputs: [T.matmul(i, T.transpose(i))] }, [ints], "int32");
});

webgpuTest("webgpu softmax and logSoftmax along either axis, long and short rows, huge logits", async () => {
  const m = T.matrix("m");
  for (const axis of [-1, 0]) {
    const outputs = [T.softmax(m, axis), T.logSoftmax(m, axis)];
    await compare({ inputs: [m], outputs }, [random([37, 150], 20, -5, 5)], `softmax axis ${axis}`);
    await compare({ inputs: [m], outputs }, [random([5, 10], 21, -1000, 1000)], `huge logits axis ${axis}`);
  }
  await compare(
    { inputs: [m], outputs: [T.softmax(T.mul(m, 2))] },
    [[[1000, 1000, -Infinity], [0, 1, 2]]],
    "-inf",
  );
});

webgpuTest(
  "webgpu structural ops: views (transpose, broadcast, index, slice) and copies (reshape, concatenate)",
  async () => {
    const t3 = T.tensor3("t3");
    const x = T.vector("x");
    const X = random([4, 5, 6], 22);
    const outputs = [
      T.transpose(t3, [2, 0, 1]),
      T.exp(T.transpose(t3, [1, 2, 0])),
      T.reshape(T.transpose(t3, [2, 1, 0]), [6, 20]),
      T.reshape(t3, [20, -1]),
      T.index(t3, -1),
      T.slice(t3, 3, null, -2),
      T.add(T.index(T.slice(t3, 1), 1), 1),
      T.stopGradient(t3),
      T.broadcastTo(x, [3, 6]),
      T.add(T.broadcastTo(x, t3), t3),
      T.concatenate([T.index(t3, 0), T.index(t3, 2), T.index(t3, 3)], 0),
      T.concatenate([T.index(t3, 0), T.cast(T.index(t3, 1), "int32")], 1),
      t3,
    ];
    await compare({ inputs: [t3, x], outputs }, [X, random([6], 23)], "structure");
  },
);

webgpuTest("webgpu count and the gradient of mean, where sizes are known only at call time", async () => {
  const m = T.matrix("m");
  const outputs = [T.count(m, 0), T.mul(T.count(m), T.mean(m)), ...T.grad(T.mean(T.square(m)), [m])];
  await compare({ inputs: [m], outputs, optimize: true }, [random([7, 9], 24)], "count");
});

webgpuTest(
  "webgpu runs a full training step with updates, matching the reference step after step",
  async () => {
    const x = T.matrix("x"), t = T.matrix("t");
    const init = (seed: number) => ({
      w1: T.shared(random([20, 16], seed, -0.5, 0.5), "w1"),
      b1: T.shared(T.zeros([16]), "b1"),
      w2: T.shared(random([16, 5], seed + 1, -0.5, 0.5), "w2"),
      b2: T.shared(T.zeros([5]), "b2"),
    });
    const step = (p: ReturnType<typeof init>, backend: "webgpu" | "reference") => {
      const hidden = T.relu(T.add(T.matmul(x, p.w1), p.b1));
      const logits = T.add(T.matmul(hidden, p.w2), p.b2);
      const loss = T.mean(T.neg(T.sum(T.mul(t, T.logSoftmax(logits)), -1)));
      const params = [p.w1, p.b1, p.w2, p.b2];
      const grads = T.grad(loss, params);
      const updates = params.map((v, i) => [v, T.sub(v, T.mul(0.5, grads[i]))] as const);
      return T.compile([x, t], loss, { backend, updates });
    };
    const gpuParams = init(30), refParams = init(30);
    const gpuStep = step(gpuParams, "webgpu"), refStep = step(refParams, "reference");
    const inputs = random([32, 20], 31);
    const targets = new T.NDArray(
      Float32Array.from({ length: 32 * 5 }, (_, k) => (k % 5 === (k * 7) % 3 ? 1 : 0)),
      [32, 5],
    );
    for (let s = 0; s < 3; s++) {
      const gpuLoss = await gpuStep(inputs, targets);
      const refLoss = await refStep(inputs, targets);
      assertClose(gpuLoss, refLoss, `loss at step ${s}`);
    }
    for (const name of ["w1", "b1", "w2", "b2"] as const) {
      // Three steps compound rounding: compare against the parameters' own scale.
      const scale = new T.NDArray(refParams[name].get().data.map(() => 1), refParams[name].get().shape);
      assertClose(gpuParams[name].get(), refParams[name].get(), name, scale);
    }
    // A value set from outside between calls is uploaded again before the next step.
    gpuParams.b2.set([1, 2, 3, 4, 5]);
    refParams.b2.set([1, 2, 3, 4, 5]);
    assertClose(await gpuStep(inputs, targets), await refStep(inputs, targets), "loss after set()");
  },
);

webgpuTest(
  "webgpu keeps stable ops stable: softplus(±1000), logsumexp([1000, 1000]), crossentropy of huge logits",
  async () => {
    const x = T.vector("x");
    const softplus = T.compile([x], T.softplus(x), { backend: "webgpu" });
    assert.deepEqual((await softplus([-1000, 1000, 0])).toArray(), [0, 1000, Math.fround(Math.LN2)]);
    const lse = T.compile([x], T.logsumexp(x), { backend: "webgpu" });
    assert.equal((await lse([1000, 1000])).item(), Math.fround(1000 + Math.LN2));
    assert.equal((await lse([-Infinity, -Infinity])).item(), -Infinity);
    const z = T.matrix("z"), t = T.matrix("t");
    const logits = [[1000, -1000, 0], [-1000, 1000, 0], [0, 0, 0]];
    const targets = [[1, 0, 0], [1, 0, 0], [0, 1, 0]];
    const direct = T.neg(T.sum(T.mul(t, T.logSoftmax(z)), -1));
    const [xent] = await compare(
      { inputs: [z, t], outputs: [direct] },
      [logits, targets],
      "logSoftmax crossentropy",
    );
    assert.deepEqual(Array.from(xent.data, (v) => v + 0), [0, 2000, Math.fround(Math.log(3))]); // + 0: −0 is 0
    // As users write it: the optimizer turns log(softmax(z)) into logSoftmax(z); both backends must stay finite.
    const written = T.categoricalCrossentropy(T.softmax(z), t);
    const [optimized] = await compare({ inputs: [z, t], outputs: [written], optimize: true }, [
      logits,
      targets,
    ], "written");
    assert.ok(Array.from(optimized.data).every(Number.isFinite), `crossentropy ${optimized.toArray()}`);
    const bce = T.binaryCrossentropy(T.sigmoid(x), T.vector("y"));
    await compare(
      { inputs: [x, T.vector("y")], outputs: [bce], optimize: true },
      [[100, -100, 0], [0, 1, 1]],
      "bce",
    );
    const small = T.compile([x], [T.log1p(x), T.expm1(x), T.sigmoid(x), T.tanh(x)], { backend: "webgpu" });
    const [log1p, expm1, sigmoid, tanh] = await small([1e-10, -1e-10, 100, -100]);
    assert.deepEqual(Array.from(log1p.data.slice(0, 2)), [Math.fround(1e-10), Math.fround(-1e-10)]);
    assert.deepEqual(Array.from(expm1.data.slice(0, 2)), [Math.fround(1e-10), Math.fround(-1e-10)]);
    assert.deepEqual(Array.from(sigmoid.data.slice(2)), [1, Math.fround(1 / (1 + Math.exp(100)))]);
    assert.deepEqual(Array.from(tanh.data.slice(2)), [1, -1]);
  },
);
