/**
 * egg's math benchmark on our engine (data and egg's figures in `egg_math_data.ts`).
 *
 * `deno bench bench/egg_math_bench.ts` times the runs; `deno run bench/egg_math_bench.ts [runs]` also checks the
 * e-graph sizes per iteration against egg 0.9.5 and prints the integ_part1 time as a ratio to egg's 0.44–0.71 s.
 * @module
 */
import {
  addMathTerm,
  EGG_GROWTH,
  EGG_INTEG_PART1_SECONDS,
  MATH_TERMS,
  mathCost,
  mathEGraph,
  mathRewrites,
  mathTermText,
} from "./egg_math_data.ts";
import { extractBest } from "../rewrite/extract.ts";
import { type RunReport, runRewrites } from "../rewrite/runner.ts";
import { SimpleScheduler } from "../rewrite/scheduler.ts";

/** egg's growth-curve run: simple scheduler, ≤ 8 iterations, node limit 200k on the hashcons. */
function growthRun(name: string): RunReport {
  const { egraph, tables } = mathEGraph();
  addMathTerm(egraph, tables, MATH_TERMS[name]);
  return runRewrites(egraph, mathRewrites(tables), {
    scheduler: new SimpleScheduler(),
    iterationLimit: 8,
    nodeLimit: 200_000,
    nodeLimitOnMemo: true,
    timeLimitMs: 60_000,
  });
}

/** egg's default runner (backoff, ≤ 30 iterations, ≤ 10k nodes, 5 s) and extraction, as in its table (a). */
function defaultRun(name: string): { report: RunReport; best: string; extractMs: number } {
  const { egraph, tables } = mathEGraph();
  const root = addMathTerm(egraph, tables, MATH_TERMS[name]);
  const report = runRewrites(egraph, mathRewrites(tables), {
    nodeLimit: 10_000,
    nodeLimitOnMemo: true, // egg's limit counts hashcons entries
    timeLimitMs: 5000,
  });
  const start = performance.now();
  const { choice } = extractBest(egraph, [root], mathCost, { dag: false });
  const extractMs = performance.now() - start;
  return { report, best: mathTermText(egraph, tables, choice, root), extractMs };
}

Deno.bench("egg math: integ_part1, simple scheduler, 8 iterations (214,725 e-nodes)", { n: 5 }, () => {
  growthRun("integ_part1");
});

Deno.bench("egg math: simplify_root, simple scheduler, 8 iterations", () => {
  growthRun("simplify_root");
});

Deno.bench("egg math: every start term with the default runner (egg total 92–143 ms)", { n: 5 }, () => {
  for (const name of Object.keys(MATH_TERMS)) defaultRun(name);
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

if (import.meta.main) {
  const runs = Number(Deno.args[0] ?? 7);
  console.log(
    "Growth per iteration vs egg 0.9.5 (simple scheduler, e-nodes/e-classes at each iteration's start):",
  );
  for (const name of Object.keys(MATH_TERMS)) {
    const report = growthRun(name);
    const ours = report.perIteration.map((p) => [p.nodes, p.classes]);
    const egg = EGG_GROWTH[name];
    const same = JSON.stringify(ours) === JSON.stringify(egg.perIteration);
    const final = `${report.nodes}/${report.classes}`;
    console.log(
      `  ${same ? "same" : "DIFF"}  ${name.padEnd(18)} final ${final.padEnd(13)} egg ${
        egg.final.join("/").padEnd(13)
      }` +
        ` ${report.stopReason} ${report.timeMs.toFixed(1)} ms`,
    );
  }
  const times: number[] = [];
  let last: RunReport | undefined;
  for (let i = 0; i < runs; i++) {
    last = growthRun("integ_part1");
    times.push(last.timeMs);
  }
  const med = median(times), min = Math.min(...times);
  const { min: eggMin, max: eggMax } = EGG_INTEG_PART1_SECONDS;
  console.log(
    `integ_part1: median ${med.toFixed(0)} ms, min ${min.toFixed(0)} ms over ${runs} runs ` +
      `(search ${last!.phaseMs.search.toFixed(0)}, apply ${last!.phaseMs.apply.toFixed(0)}, ` +
      `rebuild ${last!.phaseMs.rebuild.toFixed(0)} ms in the last); egg ${eggMin * 1000}–${
        eggMax * 1000
      } ms: ` +
      `ratio ${(med / (eggMax * 1000)).toFixed(2)}–${
        (med / (eggMin * 1000)).toFixed(2)
      }× (median vs egg's range)`,
  );
  let total = 0;
  console.log("Default runner (backoff) and extraction, as egg's table (a):");
  for (const name of Object.keys(MATH_TERMS)) {
    const { report, best, extractMs } = defaultRun(name);
    total += report.timeMs;
    console.log(
      `  ${name.padEnd(18)} ${String(report.iterations).padStart(2)} it ${
        String(report.nodes).padStart(6)
      } nodes ` +
        `${String(report.classes).padStart(5)} classes ${report.timeMs.toFixed(1).padStart(7)} ms ` +
        `extract ${extractMs.toFixed(1)} ms ${report.stopReason.padEnd(15)} ${best}`,
    );
  }
  console.log(`  total run ${total.toFixed(0)} ms (egg: 92–143 ms)`);
}
