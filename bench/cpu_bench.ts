/**
 * `deno bench` for the CPU backend: a fused elementwise chain, matrix products, an MLP training step, the first
 * call of that step (optimizer and code generation included), and the fixed cost of a tiny call.
 * Side-by-side figures against other libraries are in `cpu_vs_peers.ts`.
 *
 *   deno bench -A bench/cpu_bench.ts
 *
 * @module
 */
import * as T from "../mod.ts";

const rng = T.randomState(11);

// ---- fused elementwise -------------------------------------------------------------------------------------
const N = 1_000_000;
const [a, b, c] = ["a", "b", "c"].map((n) => T.vector(n));
const fused = T.compile([a, b, c], T.add(T.mul(T.log(T.add(1, T.exp(a))), b), c));
const fusedInputs = [rng.uniform([N], -10, 10), rng.uniform([N], -3, 3), rng.uniform([N], -3, 3)];
await fused(...fusedInputs);

Deno.bench("fused log(1+exp(a))*b+c, float32, 1e6 elements", { group: "fused" }, async () => {
  await fused(...fusedInputs);
});

// ---- matmul ------------------------------------------------------------------------------------------------
for (const n of [256, 512]) {
  const x = T.matrix("x"), y = T.matrix("y");
  const f = T.compile([x, y], T.matmul(x, y));
  const inputs = [rng.uniform([n, n], -1, 1), rng.uniform([n, n], -1, 1)];
  await f(...inputs);
  Deno.bench(`matmul float32 ${n}×${n}`, { group: "matmul" }, async () => {
    await f(...inputs);
  });
}

// ---- MLP training step -------------------------------------------------------------------------------------
const BATCH = 128;
const xs = rng.uniform([BATCH, 784], 0, 1);
const labels = new Float32Array(BATCH * 10);
for (let i = 0; i < BATCH; i++) labels[i * 10 + (i % 10)] = 1;
const ys = new T.NDArray(labels, [BATCH, 10]);

/** Builds the graph, its gradients and the compiled SGD step of a 784-256-10 network. */
function trainingStep() {
  const W1 = T.shared(rng.normal([784, 256], 0, 0.05), "W1"), b1 = T.shared(T.zeros([256]), "b1");
  const W2 = T.shared(rng.normal([256, 10], 0, 0.05), "W2"), b2 = T.shared(T.zeros([10]), "b2");
  const x = T.matrix("x"), y = T.matrix("y");
  const hidden = T.relu(T.add(T.matmul(x, W1), b1));
  const loss = T.mean(T.neg(T.sum(T.mul(y, T.logSoftmax(T.add(T.matmul(hidden, W2), b2))), 1)));
  const params = [W1, b1, W2, b2];
  const grads = T.grad(loss, params);
  return T.compile([x, y], loss, {
    updates: params.map((p, i) => [p, T.sub(p, T.mul(0.1, grads[i]))] as const),
  });
}

const step = trainingStep();
await step(xs, ys);

Deno.bench("MLP 784-256-10 SGD step, batch 128", { group: "mlp" }, async () => {
  await step(xs, ys);
});

Deno.bench("MLP step: build, grad, compile and first call", { group: "first call", n: 20 }, async () => {
  await trainingStep()(xs, ys);
});

// ---- fixed cost of a call ----------------------------------------------------------------------------------
const s = T.scalar("s");
const tiny = T.compile([s], T.add(s, 1));
await tiny(1);

Deno.bench("call overhead: scalar s + 1", { group: "overhead" }, async () => {
  await tiny(1);
});
