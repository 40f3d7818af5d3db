/**
 * Training steps as users write them, on the CPU backend: the 784-256-10 network of the demo (softmax
 * probabilities and their categorical crossentropy, batch 128) with three optimizers — plain SGD, SGD with
 * momentum and L2 weight decay (the demo's step), and Adam — and a logistic regression on the same batch, each
 * compiled with `T.compile` and timed over a fixed batch (median ms per step).
 *
 *   deno run -A bench/training_steps.ts
 * @module
 */
import * as T from "../mod.ts";

type Optimizer = "sgd" | "momentum+decay" | "adam";

/** Logistic regression on the same batch (784 → 1, sigmoid and binary crossentropy, SGD): matrix-vector products. */
function logisticRegressionStep() {
  const rng = T.randomState(4);
  const w = T.shared(rng.normal([784], 0, 0.01), "w"), b = T.shared(T.array(0), "b");
  const x = T.matrix("x"), y = T.vector("y");
  const loss = T.mean(T.binaryCrossentropy(T.sigmoid(T.add(T.dot(x, w), b)), y));
  const [gw, gb] = T.grad(loss, [w, b]);
  const step = T.compile([x, y], loss, {
    updates: [[w, T.sub(w, T.mul(0.1, gw))], [b, T.sub(b, T.mul(0.1, gb))]],
  });
  const xs = rng.uniform([128, 784], 0, 1);
  const ys = new T.NDArray(Float32Array.from({ length: 128 }, (_, i) => i % 2), [128]);
  return () => step(xs, ys);
}

function trainingStep(optimizer: Optimizer) {
  const rng = T.randomState(5);
  const W1 = T.shared(rng.normal([784, 256], 0, 0.05), "W1"), b1 = T.shared(T.zeros([256]), "b1");
  const W2 = T.shared(rng.normal([256, 10], 0, 0.05), "W2"), b2 = T.shared(T.zeros([10]), "b2");
  const params = [W1, b1, W2, b2];
  const x = T.matrix("x"), y = T.matrix("y");
  // as users write it: probabilities and their crossentropy (the optimizer makes it the stable log-softmax form)
  const probabilities = T.softmax(T.add(T.dot(T.relu(T.add(T.dot(x, W1), b1)), W2), b2));
  const loss = T.mean(T.categoricalCrossentropy(probabilities, y));
  const updates: [T.SharedVariable, T.Expr][] = [];
  const zerosLike = (p: T.SharedVariable, name: string) =>
    T.shared(T.zeros(p.get().shape), `${name}_${p.name}`);
  if (optimizer === "sgd") {
    const grads = T.grad(loss, params);
    params.forEach((p, i) => updates.push([p, T.sub(p, T.mul(0.1, grads[i]))]));
  } else if (optimizer === "momentum+decay") {
    const cost = T.add(loss, T.mul(0.0005 / 2, T.add(T.sum(T.square(W1)), T.sum(T.square(W2)))));
    const grads = T.grad(cost, params);
    params.forEach((p, i) => {
      const velocity = zerosLike(p, "v");
      const v = T.sub(T.mul(velocity, 0.9), T.mul(grads[i], 0.1));
      updates.push([velocity, v], [p, T.add(p, v)]);
    });
  } else {
    const grads = T.grad(loss, params);
    params.forEach((p, i) => {
      const m = zerosLike(p, "m"), v = zerosLike(p, "v");
      const m2 = T.add(T.mul(0.9, m), T.mul(0.1, grads[i]));
      const v2 = T.add(T.mul(0.999, v), T.mul(0.001, T.square(grads[i])));
      updates.push([m, m2], [v, v2], [p, T.sub(p, T.div(T.mul(1e-3, m2), T.add(T.sqrt(v2), 1e-8)))]);
    });
  }
  const step = T.compile([x, y], loss, { updates });
  const labels = new Float32Array(128 * 10);
  for (let i = 0; i < 128; i++) labels[i * 10 + (i % 10)] = 1;
  const xs = rng.uniform([128, 784], 0, 1), ys = new T.NDArray(labels, [128, 10]);
  return () => step(xs, ys);
}

console.log(
  `training steps, 784-256-10, batch 128 — ${new Date().toISOString()} — deno ${Deno.version.deno}`,
);
for (const optimizer of ["sgd", "momentum+decay", "adam", "logistic regression"] as const) {
  const start = performance.now();
  const step = optimizer === "logistic regression" ? logisticRegressionStep() : trainingStep(optimizer);
  await step();
  const first = performance.now() - start;
  const warm = performance.now();
  while (performance.now() - warm < 500) await step();
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    await step();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(
    `${optimizer.padEnd(20)} ${times[times.length >> 1].toFixed(3)} ms/step  (first call in this process ${
      first.toFixed(0)
    } ms)`,
  );
}
