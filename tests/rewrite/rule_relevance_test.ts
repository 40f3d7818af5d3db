import assert from "node:assert/strict";
import { type ParsedRule, validateRules } from "../../rewrite/rule.ts";
import { topoSort } from "../../cas/term.ts";
import { EGraph } from "../../rewrite/egraph.ts";
import { extractBest } from "../../rewrite/extract.ts";
import { nodeCost } from "../../rewrite/cost.ts";
import { compileTermRules } from "../../rewrite/rule_compile.ts";
import { runRewrites } from "../../rewrite/runner.ts";
import { termAnalysis, type TermData } from "../../rewrite/term_analysis.ts";
import { addTerms, PayloadTable, termsOfChoice } from "../../rewrite/term_language.ts";
import { rulesThatCanMatch } from "../../rewrite/rule_relevance.ts";
import { DEFAULT_RULES } from "../../rewrite/rules/index.ts";
import * as T from "../../mod.ts";

const rules = validateRules([
  { name: "log1p", lhs: "(log (add 1 ?x))", rhs: "(log1p ?x)" },
  { name: "log1p-exp", lhs: "(log1p (exp ?x))", rhs: "(softplus ?x)" },
  { name: "sin-neg", lhs: "(sin (neg ?x))", rhs: "(neg (sin ?x))" },
]);

Deno.test("rulesThatCanMatch keeps rules whose ops appear, closing over ops other rules introduce", () => {
  const names = (present: string[]) => rulesThatCanMatch(rules, new Set(present)).map((r) => r.name);
  assert.deepEqual(names(["log", "add", "exp", "var"]), ["log1p", "log1p-exp"]); // log1p made by the first
  assert.deepEqual(names(["log", "exp", "var"]), []); // no add: nothing can ever make log1p
  assert.deepEqual(names(["sin", "neg", "var"]), ["sin-neg"]);
});

/** The engine run on `terms` with exactly `parsed` (no filtering), returning the extracted terms. */
function runWith(terms: T.Expr[], parsed: ParsedRule[]): string[] {
  const table = new PayloadTable();
  const egraph = new EGraph<TermData>(termAnalysis(table));
  const roots = addTerms(egraph, table, terms, new Map());
  runRewrites(egraph, compileTermRules(parsed, table), {
    iterationLimit: 30,
    nodeLimit: 20_000,
    timeLimitMs: 5_000,
  });
  const { choice } = extractBest(egraph, roots, nodeCost);
  return termsOfChoice(egraph, table, choice, roots).map(String);
}

Deno.test("running only the rules that can match extracts the same terms as running them all", () => {
  const x = T.vector("x"), y = T.vector("y");
  const terms = [
    T.log(T.add(1, T.exp(x))),
    T.sub(T.exp(x), 1),
    T.mean(T.neg(T.sum(T.mul(y, T.logSoftmax(x)), 0))),
    T.div(T.exp(x), T.sum(T.exp(x))),
    T.sqrt(T.add(T.square(x), T.square(y))),
  ];
  const all = validateRules(DEFAULT_RULES);
  for (const t of terms) {
    const relevant = rulesThatCanMatch(all, new Set(topoSort([t]).map((s) => s.op)));
    assert.ok(relevant.length < all.length);
    assert.deepEqual(runWith([t], relevant), runWith([t], all), String(t));
  }
});
