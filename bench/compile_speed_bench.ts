/**
 * Compile speed: the time the optimizer takes on the forward and gradient graph of a 784-256-10 MLP with softmax
 * crossentropy — what `compile` runs on before training can start (Theano took seconds to minutes here). Target:
 * under 100 ms.
 *
 * `deno bench bench/compile_speed_bench.ts`, or `deno run bench/compile_speed_bench.ts [runs]` for the median
 * and the optimizer's report.
 * @module
 */
import "../cas/print.ts";
import * as T from "../cas/api.ts";
import { type Term, topoSort } from "../cas/term.ts";
import { grad } from "../autodiff/grad.ts";
import { lastReport, simplifyMany } from "../rewrite/simplify.ts";

/** The loss of a 784-256-10 MLP (relu hidden layer, softmax output, mean crossentropy) and its 4 gradients. */
export function mlpGraph(): Term[] {
  const X = T.tensor("X", { shape: [null, 784] });
  const Y = T.tensor("Y", { shape: [null, 10] });
  const W1 = T.tensor("W1", { shape: [784, 256] }), b1 = T.tensor("b1", { shape: [256] });
  const W2 = T.tensor("W2", { shape: [256, 10] }), b2 = T.tensor("b2", { shape: [10] });
  const hidden = T.relu(T.add(T.dot(X, W1), b1));
  const probabilities = T.softmax(T.add(T.dot(hidden, W2), b2), -1);
  const loss = T.mean(T.categoricalCrossentropy(probabilities, Y));
  return [loss, ...grad(loss, [W1, b1, W2, b2])];
}

Deno.bench("optimize the forward + gradient graph of a 784-256-10 MLP (target < 100 ms)", () => {
  simplifyMany(mlpGraph());
});

if (import.meta.main) {
  const runs = Number(Deno.args[0] ?? 15);
  const graph = mlpGraph();
  const times: number[] = [];
  let out: Term[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    out = simplifyMany(graph);
    times.push(performance.now() - start);
  }
  const r = lastReport()!;
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    `MLP 784-256-10 forward + gradients: ${topoSort(graph).length} distinct nodes in, ${
      topoSort(out).length
    } out`,
  );
  console.log(
    `simplifyMany: median ${sorted[sorted.length >> 1].toFixed(1)} ms, min ${sorted[0].toFixed(1)} ms, ` +
      `first (cold) ${times[0].toFixed(1)} ms over ${runs} runs (target < 100 ms)`,
  );
  console.log(
    `  ${r.stopReason} after ${r.iterations} iterations, ${r.nodes} e-nodes, ${r.classes} e-classes; ` +
      `run ${r.timeMs.toFixed(1)} ms, extraction (${r.extraction}) ${r.extractMs.toFixed(1)} ms; ` +
      `cost [instability, speed] ${JSON.stringify(r.costBefore)} → ${JSON.stringify(r.costAfter)}`,
  );
}
