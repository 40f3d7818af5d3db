/**
 * WebGPU backend benchmark: device elementwise bandwidth, matmul throughput, and the step time of an MLP training
 * step (784-256-10, batch 128, softmax crossentropy, SGD updates on the device).
 *
 * - `deno task bench` (or `deno bench --allow-read --allow-env --allow-ffi bench/webgpu_bench.ts`) runs them as
 *   Deno benchmarks;
 * - `deno run --allow-read --allow-env --allow-ffi bench/webgpu_bench.ts` prints GB/s, GFLOP/s and ms per step.
 *
 * Needs a WebGPU adapter (see docs/WEBGPU_SETUP.md); without one it prints why and registers nothing. On Mesa's
 * lavapipe (a CPU driver, `isFallbackAdapter`) the figures are a functional baseline, not GPU speed.
 * @module
 */
import * as T from "../mod.ts";
import "../backends/webgpu/backend.ts";
import { requestWebGpuDevice, webGpuAvailable } from "../backends/webgpu/device.ts";

const ELEMENTS = 1 << 22;
const CHAIN = 20;
const MATMUL = 512;

function lcg(seed: number): () => number {
  return () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function random(shape: number[], seed: number, scale = 1): T.NDArray {
  const next = lcg(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new T.NDArray(Float32Array.from({ length: n }, () => (2 * next() - 1) * scale), shape);
}

/**
 * CHAIN elementwise kernels over a shared vector (each level is read by two consumers, so it gets its own buffer):
 * every kernel reads and writes ELEMENTS floats on the device; only a scalar comes back.
 */
function elementwiseChain() {
  const x = T.shared(random([ELEMENTS], 1), "x");
  let level: T.Expr = x;
  for (let k = 0; k < CHAIN; k++) level = T.mul(T.add(level, 1), T.mul(level, 0.5));
  const f = T.compile([], T.max(level), { backend: "webgpu", optimize: false });
  // CHAIN kernels of one read and one write, then a reduction reading the last level.
  const bytes = (CHAIN * 2 + 1) * ELEMENTS * 4;
  return { run: () => f(), bytes };
}

function matmul() {
  const a = T.shared(random([MATMUL, MATMUL], 2), "a");
  const b = T.shared(random([MATMUL, MATMUL], 3), "b");
  const f = T.compile([], T.sum(T.matmul(a, b)), { backend: "webgpu", optimize: false });
  return { run: () => f(), flops: 2 * MATMUL ** 3 };
}

function mlpStep(backend: "webgpu" | "cpu") {
  const x = T.matrix("x"), t = T.matrix("t");
  const w1 = T.shared(random([784, 256], 4, 0.05), "w1");
  const b1 = T.shared(T.zeros([256]), "b1");
  const w2 = T.shared(random([256, 10], 5, 0.05), "w2");
  const b2 = T.shared(T.zeros([10]), "b2");
  const logits = T.add(T.matmul(T.relu(T.add(T.matmul(x, w1), b1)), w2), b2);
  const loss = T.mean(T.neg(T.sum(T.mul(t, T.logSoftmax(logits)), -1)));
  const params = [w1, b1, w2, b2];
  const grads = T.grad(loss, params);
  const step = T.compile([x, t], loss, {
    backend,
    updates: params.map((p, i) => [p, T.sub(p, T.mul(0.1, grads[i]))] as const),
  });
  const images = random([128, 784], 6);
  const labels = new T.NDArray(
    Float32Array.from({ length: 1280 }, (_, k) => (k % 10 === (k / 10 | 0) % 10 ? 1 : 0)),
    [
      128,
      10,
    ],
  );
  return { run: () => step(images, labels) };
}

/** Reading back the MLP's 203,530 parameters: what keeping `get()` current costs per step (see backends/webgpu/backend.ts). */
function parameterReadback() {
  const w = T.shared(random([203_530], 7), "w");
  const f = T.compile([], w, { backend: "webgpu", optimize: false });
  return { run: () => f() };
}

async function timeIt(run: () => Promise<unknown>, minMs = 1500): Promise<number> {
  await run(); // builds the plan and pipelines
  await run();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < minMs || n < 3) {
    await run();
    n++;
  }
  return (performance.now() - start) / n;
}

const available = await webGpuAvailable();
if (!available) {
  console.log("webgpu_bench: no WebGPU adapter here (see docs/WEBGPU_SETUP.md); nothing to measure");
} else if (import.meta.main) {
  const { path, adapterInfo } = await requestWebGpuDevice();
  const kind = adapterInfo.isFallbackAdapter ? " (fallback adapter: a CPU; functional baseline only)" : "";
  console.log(`WebGPU on ${path}: ${adapterInfo.description || adapterInfo.vendor}${kind}`);
  const chain = elementwiseChain();
  const chainMs = await timeIt(chain.run);
  console.log(
    `elementwise: ${(chain.bytes / chainMs / 1e6).toFixed(2)} GB/s (${CHAIN} kernels over 2^22 floats, ${
      chainMs.toFixed(1)
    } ms per call)`,
  );
  const mm = matmul();
  const mmMs = await timeIt(mm.run);
  console.log(
    `matmul ${MATMUL}³: ${(mm.flops / mmMs / 1e6).toFixed(2)} GFLOP/s (${mmMs.toFixed(1)} ms per call)`,
  );
  const gpuStep = await timeIt(mlpStep("webgpu").run);
  const cpuStep = await timeIt(mlpStep("cpu").run);
  console.log(
    `MLP 784-256-10, batch 128, one SGD step: webgpu ${gpuStep.toFixed(2)} ms, cpu ${cpuStep.toFixed(2)} ms`,
  );
  const readback = await timeIt(parameterReadback().run);
  console.log(
    `read-back of the MLP's 203,530 parameters (kept current for get()): ${readback.toFixed(2)} ms`,
  );
} else {
  const chain = elementwiseChain(), mm = matmul(), step = mlpStep("webgpu"), readback = parameterReadback();
  Deno.bench(
    `webgpu elementwise: ${CHAIN} chained kernels over 2^22 floats`,
    { group: "webgpu" },
    async () => {
      await chain.run();
    },
  );
  Deno.bench(`webgpu matmul ${MATMUL}x${MATMUL}x${MATMUL}`, { group: "webgpu" }, async () => {
    await mm.run();
  });
  Deno.bench("webgpu MLP 784-256-10 training step, batch 128", { group: "webgpu" }, async () => {
    await step.run();
  });
  Deno.bench("webgpu read-back of 203,530 parameters", { group: "webgpu" }, async () => {
    await readback.run();
  });
}
