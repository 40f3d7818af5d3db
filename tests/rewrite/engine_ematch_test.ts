import assert from "node:assert/strict";
import "../../cas/print.ts";
import * as T from "../../cas/api.ts";
import type { Term } from "../../cas/term.ts";
import { EGraph } from "../../rewrite/egraph.ts";
import { CompiledPattern } from "../../rewrite/ematch.ts";
import { parsePattern, PatternSyntaxError } from "../../rewrite/pattern.ts";
import { compileTermRules, termPatternLanguage } from "../../rewrite/rule_compile.ts";
import { validateRules } from "../../rewrite/rule.ts";
import { termAnalysis, type TermData } from "../../rewrite/term_analysis.ts";
import { addTerms, opCode, PayloadTable } from "../../rewrite/term_language.ts";
import { addMathTerm, mathEGraph, mathLanguage } from "../../bench/egg_math_data.ts";

function termGraph(terms: Term[]) {
  const table = new PayloadTable();
  const egraph = new EGraph<TermData>(termAnalysis(table));
  const ids = addTerms(egraph, table, terms);
  egraph.rebuild();
  const search = (pattern: string, root?: number) => {
    const p = new CompiledPattern(parsePattern(pattern), termPatternLanguage(table));
    const out: number[] = [];
    const n = root === undefined ? p.search(egraph, out) : p.searchClass(egraph, root, out);
    return { p, out, n };
  };
  return { table, egraph, ids, search };
}

Deno.test("e-matching binds variables, and a repeated variable must be one class", () => {
  const x = T.scalar("x"), y = T.scalar("y");
  const { ids, egraph, search } = termGraph([T.mul(x, x), T.mul(x, y)]);
  const same = search("(mul ?a ?a)");
  assert.equal(same.n, 1);
  assert.equal(same.out[0], egraph.find(ids[0]));
  const any = search("(mul ?a ?b)");
  assert.equal(any.n, 2);
  assert.equal(any.p.width, 1 + 2 + 1, "class, two variables, the hidden attribute slot of mul");
});

Deno.test("e-matching matches numbers by the constant analysis, including folded constants", () => {
  const x = T.scalar("x"), y = T.scalar("y");
  const { search, ids, egraph } = termGraph([T.mul(y, 1), T.mul(x, T.sub(3, 2)), T.mul(x, 2)]);
  const m = search("(mul ?x 1)");
  assert.equal(m.n, 2, "y * 1 and x * (3 - 2), whose argument folds to 1");
  const roots = new Set([0, 1].map((i) => egraph.find(ids[i])));
  assert.ok(roots.has(m.out[0]) && roots.has(m.out[m.p.width]));
  assert.equal(search("(mul ?x 3)").n, 0);
});

Deno.test("e-matching binds attribute variables and compares literal attributes", () => {
  const v = T.vector("v"), M = T.matrix("M");
  const { search, table, egraph, ids } = termGraph([T.sum(T.exp(v)), T.sum(M, 1), T.sum(M, 0)]);
  const bound = search("(sum@a (exp ?x))");
  assert.equal(bound.n, 1);
  assert.deepEqual(table.attrs(bound.out[bound.p.attrSlot("a")]), { axes: [0], keepdims: false });
  const literal = search('(sum@{"axes":[1],"keepdims":false} ?x)');
  assert.equal(literal.n, 1);
  assert.equal(literal.out[0], egraph.find(ids[1]));
  assert.equal(search('(sum@{"keepdims":false,"axes":[0]} ?x)').n, 2, "key order does not matter");
});

Deno.test("a rewrite reuses bound attributes on the right-hand side", () => {
  const m = T.matrix("m");
  const table = new PayloadTable();
  const egraph = new EGraph<TermData>(termAnalysis(table));
  const [root, mId] = addTerms(egraph, table, [T.log(T.sum(T.exp(m), 1, true)), m]);
  egraph.rebuild();
  const [rule] = compileTermRules(
    validateRules([{ name: "lse", lhs: "(log (sum@a (exp ?x)))", rhs: "(logsumexp@a ?x)" }]),
    table,
  );
  const out: number[] = [];
  assert.equal(rule.searcher.search(egraph, out), 1);
  egraph.union(rule.applier.apply(egraph, out, 0), out[0], 0);
  egraph.rebuild();
  const lse = egraph.lookup(opCode("logsumexp"), table.ofTerm(T.logsumexp(m, 1, true)), [mId], 1);
  assert.equal(lse, egraph.find(root));
});

Deno.test("e-matching on egg's math language: nested patterns and search limits", () => {
  const { egraph, tables } = mathEGraph();
  const root = addMathTerm(egraph, tables, "(+ x (+ y (+ z w)))");
  egraph.rebuild();
  const lang = mathLanguage(tables);
  const search = (text: string, limit?: number) => {
    const p = new CompiledPattern(parsePattern(text), lang);
    const out: number[] = [];
    return { n: p.search(egraph, out, limit), out, p };
  };
  assert.equal(search("(+ ?a ?b)").n, 3);
  const nested = search("(+ ?a (+ ?b ?c))");
  assert.equal(nested.n, 2);
  assert.equal(search("(+ ?a (+ ?b ?c))", 1).n, 1, "the limit stops the search");
  const rooted = new CompiledPattern(parsePattern("(+ ?a (+ ?b ?c))"), lang);
  const out: number[] = [];
  assert.equal(rooted.searchClass(egraph, root, out), 1);
  assert.equal(out[rooted.varSlot("a")], addMathTerm(egraph, tables, "x"));
  assert.equal(search("?a").n, egraph.classCount, "a bare variable matches every class");
  assert.equal(search("(* ?a 0)").n, 0);
});

Deno.test("patterns reject malformed text with an error naming the pattern", () => {
  assert.throws(() => parsePattern("(add ?x"), PatternSyntaxError);
  assert.throws(() => parsePattern("(add ?x) ?y"), /after the pattern/);
  assert.throws(() => parsePattern("(?x 1)"), PatternSyntaxError);
  assert.throws(() => parsePattern("(add ?1x 2)"), /bad variable name/);
  assert.throws(() => parsePattern("(sum@{bad ?x)"), PatternSyntaxError);
  assert.deepEqual(parsePattern('(sum@{"axes": [0]} ?x)'), {
    kind: "node",
    op: "sum",
    attr: { literal: { axes: [0] } },
    args: [{ kind: "var", name: "x" }],
  });
});

Deno.test("patterns split on any whitespace, and attribute JSON may hold spaces and parentheses", () => {
  assert.deepEqual(parsePattern('(add\t?x\n  (sum@{"axes": [0, 1], "note": "a (b)"}\r\n(exp ?y)) 2)'), {
    kind: "node",
    op: "add",
    args: [
      { kind: "var", name: "x" },
      {
        kind: "node",
        op: "sum",
        attr: { literal: { axes: [0, 1], note: "a (b)" } },
        args: [{ kind: "node", op: "exp", args: [{ kind: "var", name: "y" }] }],
      },
      { kind: "atom", text: "2" },
    ],
  });
  assert.deepEqual(parsePattern("\u00a0?x\u2003"), { kind: "var", name: "x" });
});
