/**
 * Logistic regression on MNIST digits — Theano's classic first tutorial — trained with `compile(…, { updates })`.
 * `deno run --allow-read --allow-env --allow-ffi examples/logistic_regression.ts [--backend reference|cpu|webgpu]`
 * @module
 */
import * as T from "../mod.ts";
import { loadDigits, rows } from "./mnist_data.ts";

const i = Deno.args.indexOf("--backend");
const backend = (i >= 0 ? Deno.args[i + 1] : "cpu") as T.BackendName;
const { train, test } = loadDigits(8000, 2000);

const W = T.shared(T.zeros([784, 10]), "W");
const b = T.shared(T.zeros([10]), "b");
const x = T.matrix("x"), y = T.matrix("y");
const p = T.softmax(T.add(T.dot(x, W), b));
const loss = T.mean(T.categoricalCrossentropy(p, y));
const [gW, gb] = T.grad(loss, [W, b]);
const lr = 0.5;
const step = T.compile([x, y], loss, {
  updates: [[W, T.sub(W, T.mul(gW, lr))], [b, T.sub(b, T.mul(gb, lr))]],
  backend,
});
const predict = T.compile([x], T.eq(T.max(p, 1, true), p), { backend });

const batch = 100;
const start = performance.now();
for (let epoch = 1; epoch <= 3; epoch++) {
  let total = 0;
  const steps = Math.floor(train.count / batch);
  for (let s = 0; s < steps; s++) {
    total += (await step(rows(train.images, s * batch, batch), rows(train.labels, s * batch, batch))).item();
  }
  console.log(`epoch ${epoch}: mean loss ${(total / steps).toFixed(4)}`);
}
const hits = await predict(test.images);
let correct = 0;
for (let n = 0; n < test.count; n++) {
  for (let k = 0; k < 10; k++) if (hits.data[n * 10 + k] && test.labels.data[n * 10 + k] === 1) correct++;
}
console.log(
  `backend ${backend}: test accuracy ${((100 * correct) / test.count).toFixed(2)}% ` +
    `in ${((performance.now() - start) / 1000).toFixed(1)} s`,
);
