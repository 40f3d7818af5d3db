import assert from "node:assert/strict";
import {
  addMathTerm,
  EGG_GROWTH,
  MATH_TERMS,
  mathCost,
  mathEGraph,
  mathRewrites,
  mathTermText,
} from "../../bench/egg_math_data.ts";
import { extractBest, treeCostOf } from "../../rewrite/extract.ts";
import { runRewrites } from "../../rewrite/runner.ts";
import { SimpleScheduler } from "../../rewrite/scheduler.ts";

/** egg's growth-curve setup: simple scheduler, at most 8 iterations, node limit 200k on the hashcons. */
function grow(name: string) {
  const { egraph, tables } = mathEGraph();
  const root = addMathTerm(egraph, tables, MATH_TERMS[name]);
  const report = runRewrites(egraph, mathRewrites(tables), {
    scheduler: new SimpleScheduler(),
    iterationLimit: 8,
    nodeLimit: 200_000,
    nodeLimitOnMemo: true,
    timeLimitMs: 60_000,
  });
  return { egraph, tables, root, report };
}

Deno.test("egg's simplify_root grows exactly as in egg 0.9.5: 10/10, 38/16, 65/16, 85/20, …, final 472/112", () => {
  const { report } = grow("simplify_root");
  const sizes = report.perIteration.map((p) => [p.nodes, p.classes]);
  assert.deepEqual(sizes, EGG_GROWTH.simplify_root.perIteration);
  assert.deepEqual([report.nodes, report.classes], [472, 112]);
  assert.equal(report.stopReason, "iteration-limit");
});

Deno.test("every small egg math case grows exactly as in egg 0.9.5 (e-nodes and e-classes per iteration)", () => {
  const slow = new Set(["integ_sin", "integ_part1", "integ_part2", "integ_part3"]);
  for (const name of Object.keys(MATH_TERMS)) {
    if (slow.has(name)) continue;
    const { report } = grow(name);
    const expected = EGG_GROWTH[name];
    assert.deepEqual(report.perIteration.map((p) => [p.nodes, p.classes]), expected.perIteration, name);
    assert.deepEqual([report.nodes, report.classes], expected.final, name);
  }
});

/** egg's best forms with the default runner (backoff, 30 iterations, 10k nodes) and its MathCostFn. */
const EGG_BEST: Record<string, string> = {
  associate_adds: "28",
  simplify_add: "(* x 4)",
  powers: "(pow 2 (+ x y))",
  simplify_const: "1",
  simplify_root: "(/ 1 (sqrt five))",
  diff_same: "1",
  diff_different: "0",
  diff_simple1: "2",
  diff_simple2: "y",
  diff_ln: "(/ 1 x)",
  diff_power_simple: "(* 3 (* x x))",
  integ_one: "x",
  integ_sin: "(sin x)",
  integ_part1: "(+ (cos x) (* x (sin x)))",
  fail: "(+ x y)",
};

Deno.test("the default runner reaches egg's best forms, as cheap as egg's", () => {
  for (const [name, best] of Object.entries(EGG_BEST)) {
    const { egraph, tables } = mathEGraph();
    const root = addMathTerm(egraph, tables, MATH_TERMS[name]);
    const report = runRewrites(egraph, mathRewrites(tables), { nodeLimit: 10_000, timeLimitMs: 5000 });
    const ours = extractBest(egraph, [root], mathCost, { dag: false });
    const goal = addMathTerm(egraph, tables, best);
    egraph.rebuild();
    assert.equal(
      egraph.find(goal),
      egraph.find(root),
      `${name}: ${best} is in the root class (${report.stopReason})`,
    );
    const oursCost = treeCostOf(egraph, ours.choice, root, mathCost)[1];
    const size = (text: string) => text.split(/[()\s]+/).filter((s) => s !== "").length;
    assert.ok(
      oursCost <= size(best),
      `${name}: ours ${mathTermText(egraph, tables, ours.choice, root)} costs ${oursCost}, egg's ${best}`,
    );
  }
});
