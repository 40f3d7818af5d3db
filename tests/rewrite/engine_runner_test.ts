import assert from "node:assert/strict";
import "../../cas/print.ts";
import * as T from "../../cas/api.ts";
import type { Term } from "../../cas/term.ts";
import { EGraph } from "../../rewrite/egraph.ts";
import type { RuleSet } from "../../rewrite/rule.ts";
import { runRewrites } from "../../rewrite/runner.ts";
import { BackoffScheduler, SimpleScheduler } from "../../rewrite/scheduler.ts";
import { simplifyWithReport } from "../../rewrite/simplify.ts";
import {
  addMathTerm,
  constantFold,
  MATH_TERMS,
  mathRewrites,
  MathTables,
} from "../../bench/egg_math_data.ts";

/** Associativity and commutativity of + and *: the e-graph of a long sum grows exponentially. */
const AC_RULES: RuleSet = [
  { name: "comm-add", lhs: "(add ?a ?b)", rhs: "(add ?b ?a)" },
  { name: "assoc-add", lhs: "(add ?a (add ?b ?c))", rhs: "(add (add ?a ?b) ?c)", bidirectional: true },
  { name: "comm-mul", lhs: "(mul ?a ?b)", rhs: "(mul ?b ?a)" },
  { name: "assoc-mul", lhs: "(mul ?a (mul ?b ?c))", rhs: "(mul (mul ?a ?b) ?c)", bidirectional: true },
];

function longSum(n: number): Term {
  let t: Term = T.scalar("x0");
  for (let i = 1; i < n; i++) t = T.add(t, T.mul(T.scalar(`x${i}`), T.scalar(`y${i}`)));
  return t;
}

Deno.test("an exploding rule set stops at the node limit with a report, quickly", () => {
  const start = performance.now();
  const term = longSum(12);
  const { term: result, report } = simplifyWithReport(term, {
    rules: AC_RULES,
    nodeLimit: 3000,
    timeLimitMs: 10_000,
    scheduler: new SimpleScheduler(),
  });
  const elapsed = performance.now() - start;
  assert.equal(report.stopReason, "node-limit");
  assert.ok(report.nodes > 3000 && report.nodes < 100_000, `nodes ${report.nodes}`);
  assert.ok(report.iterations >= 2);
  assert.ok(report.ruleMatches["comm-add"] > 0 && report.ruleApplied["assoc-add-rev"] > 0);
  assert.equal(report.perIteration.length, report.iterations);
  assert.ok(elapsed < 3000, `took ${elapsed} ms`);
  assert.equal(result.dtype, term.dtype);
});

Deno.test("the runner stops at the iteration limit and at the time limit", () => {
  const byIterations = simplifyWithReport(longSum(10), {
    rules: AC_RULES,
    iterationLimit: 2,
    nodeLimit: 1e6,
  });
  assert.equal(byIterations.report.stopReason, "iteration-limit");
  assert.equal(byIterations.report.iterations, 2);
  const start = performance.now();
  const byTime = simplifyWithReport(longSum(14), {
    rules: AC_RULES,
    timeLimitMs: 30,
    nodeLimit: 1e7,
    iterationLimit: 1000,
    scheduler: new SimpleScheduler(),
  });
  assert.equal(byTime.report.stopReason, "time-limit");
  assert.ok(performance.now() - start < 1500, "stops near the limit, not after the blow-up");
});

Deno.test("the runner saturates when no rule changes the e-graph", () => {
  const x = T.scalar("x");
  const { term, report } = simplifyWithReport(T.mul(T.mul(x, 1), 1), {
    rules: [{ name: "mul-one", lhs: "(mul ?x 1)", rhs: "?x" }],
  });
  assert.equal(report.stopReason, "saturated");
  assert.equal(term, x);
  assert.equal(report.ruleApplied["mul-one"], 2);
});

Deno.test("BackoffScheduler bans a rule whose matches exceed its threshold, doubling threshold and ban", () => {
  const s = new BackoffScheduler({ matchLimit: 10, banLength: 2 });
  assert.equal(s.searchLimit(0, 0), 11);
  assert.ok(s.accept(0, 0, 10));
  assert.ok(!s.accept(0, 0, 11), "11 > 10: banned");
  assert.equal(s.searchLimit(1, 0), 0);
  assert.equal(s.searchLimit(2, 0), 21, "ban of 2 iterations over; threshold doubled");
  assert.ok(!s.accept(2, 0, 25));
  assert.equal(s.searchLimit(5, 0), 0, "second ban lasts 4 iterations");
  assert.ok(!s.canStop(3), "not saturated while a rule is banned");
  assert.equal(s.searchLimit(4, 0), 41, "canStop fast-forwarded the ban");
  assert.ok(s.canStop(4));
});

Deno.test("the default backoff scheduler keeps an exploding rule set in check", () => {
  const { report } = simplifyWithReport(longSum(12), {
    rules: AC_RULES,
    nodeLimit: 20_000,
    timeLimitMs: 5000,
  });
  assert.ok(["node-limit", "saturated", "iteration-limit", "time-limit"].includes(report.stopReason));
  assert.ok(report.nodes < 60_000);
});

Deno.test("explanations do not change what the runner does (egg's simplify_root, sizes per iteration)", () => {
  const sizes = (explanations: boolean) => {
    const tables = new MathTables();
    const egraph = new EGraph(constantFold(tables), { explanations });
    addMathTerm(egraph, tables, MATH_TERMS.simplify_root);
    const report = runRewrites(egraph, mathRewrites(tables), {
      scheduler: new SimpleScheduler(),
      iterationLimit: 6,
      nodeLimit: 1e6,
      timeLimitMs: 1e5,
    });
    return report.perIteration.map((p) => [p.nodes, p.classes]);
  };
  assert.deepEqual(sizes(true), sizes(false));
});
