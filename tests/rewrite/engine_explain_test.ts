import assert from "node:assert/strict";
import "../../cas/print.ts";
import * as T from "../../cas/api.ts";
import { array, type NDArray } from "../../cas/ndarray.ts";
import { rowOf } from "../../cas/ops/table.ts";
import { Term } from "../../cas/term.ts";
import { evaluate } from "../../backends/reference/interpreter.ts";
import { parsePattern, type PatternAst } from "../../rewrite/pattern.ts";
import type { RuleSet } from "../../rewrite/rule.ts";
import { explain, simplify } from "../../rewrite/simplify.ts";
import { attrsKey } from "../../rewrite/term_language.ts";

const RULES: RuleSet = [
  { name: "comm-add", lhs: "(add ?a ?b)", rhs: "(add ?b ?a)" },
  { name: "comm-mul", lhs: "(mul ?a ?b)", rhs: "(mul ?b ?a)" },
  { name: "assoc-add", lhs: "(add (add ?a ?b) ?c)", rhs: "(add ?a (add ?b ?c))", bidirectional: true },
  { name: "factor", lhs: "(add (mul ?a ?b) (mul ?a ?c))", rhs: "(mul ?a (add ?b ?c))" },
  { name: "mul-one", lhs: "(mul ?x 1)", rhs: "?x" },
  { name: "add-zero", lhs: "(add ?x 0)", rhs: "?x" },
  { name: "sub-self", lhs: "(sub ?x ?x)", rhs: "0" },
  { name: "softplus-from-log", lhs: "(log (add 1 (exp ?x)))", rhs: "(softplus ?x)" },
  { name: "lse", lhs: "(log (sum@a (exp ?x)))", rhs: "(logsumexp@a ?x)" },
  { name: "log-exp", lhs: "(log (exp ?x))", rhs: "?x" },
];
const byName = new Map(RULES.flatMap((r) => {
  const fwd: [string, [PatternAst, PatternAst]] = [r.name, [parsePattern(r.lhs), parsePattern(r.rhs)]];
  return r.bidirectional ? [fwd, [`${r.name}-rev`, [fwd[1][1], fwd[1][0]]] as typeof fwd] : [fwd];
}));

/** Matches a pattern against a term syntactically (numbers: an all-equal constant of that value). */
function match(p: PatternAst, t: Term, vars: Map<string, Term>, attrs: Map<string, string>): boolean {
  if (p.kind === "var") {
    const bound = vars.get(p.name);
    if (bound !== undefined) return bound === t;
    vars.set(p.name, t);
    return true;
  }
  if (p.kind === "atom") {
    if (t.op !== "const") return false;
    const value = (t.attrs as { value: NDArray }).value;
    return Array.from(value.data).every((v) => v === Number(p.text));
  }
  if (t.op !== p.op || t.args.length !== p.args.length) return false;
  if (p.attr && "variable" in p.attr) {
    const key = attrsKey(t.attrs), bound = attrs.get(p.attr.variable);
    if (bound !== undefined && bound !== key) return false;
    attrs.set(p.attr.variable, key);
  }
  return p.args.every((a, i) => match(a, t.args[i], vars, attrs));
}

/** The positions (paths) where two terms differ, cut at the first difference on each branch. */
function differences(a: Term, b: Term, path: number[] = [], out: number[][] = []): number[][] {
  if (a === b) return out;
  if (
    a.op !== b.op || a.args.length !== b.args.length || attrsKey(a.attrs) !== attrsKey(b.attrs) || a.isLeaf
  ) {
    out.push(path);
    return out;
  }
  a.args.forEach((x, i) => differences(x, b.args[i], [...path, i], out));
  return out;
}

const at = (t: Term, path: readonly number[]) => path.reduce((s, i) => s.args[i], t);

/** Checks one step: some subterm on the path to the differences was rewritten by the named rule. */
function checkStep(before: Term, after: Term, rule: string): void {
  const diffs = differences(before, after);
  assert.ok(diffs.length > 0, `step [${rule}] changes nothing`);
  let common = diffs[0];
  for (const d of diffs) {
    let k = 0;
    while (k < common.length && k < d.length && common[k] === d[k]) k++;
    common = common.slice(0, k);
  }
  for (let depth = common.length; depth >= 0; depth--) {
    const path = common.slice(0, depth);
    const old = at(before, path), now = at(after, path);
    if (rule === "constant-fold") {
      if (now.op !== "const" || !old.args.every((a) => a.op === "const")) continue;
      const [value] = evaluate([old], new Map());
      assert.deepEqual(Array.from(value.data), Array.from((now.attrs as { value: NDArray }).value.data));
      return;
    }
    const reversed = rule.endsWith(" (reversed)");
    const sides = byName.get(reversed ? rule.slice(0, -" (reversed)".length) : rule);
    assert.ok(sides, `unknown rule ${rule}`);
    const [from, to] = reversed ? [sides[1], sides[0]] : sides;
    const vars = new Map<string, Term>(), attrs = new Map<string, string>();
    if (match(from, old, vars, attrs) && match(to, now, vars, attrs)) return;
  }
  assert.fail(`step [${rule}] does not rewrite ${before} into ${after}`);
}

function checkExplanation(term: Term): string {
  const e = explain(term, { rules: RULES });
  assert.equal(e.input, term);
  assert.equal(e.result, simplify(term, { rules: RULES }));
  if (e.steps.length > 0) assert.equal(e.steps[e.steps.length - 1].term, e.result);
  let previous = term;
  const vars = new Map<Term, NDArray>();
  for (const v of [T.scalar("x", "float64"), T.scalar("y", "float64"), T.vector("v", "float64")]) {
    vars.set(
      v,
      v.ndim === 0 ? array(0.37, { dtype: "float64" }) : array([0.5, -1.25, 2], { dtype: "float64" }),
    );
  }
  const [expected] = evaluate([term], vars);
  for (const step of e.steps) {
    checkStep(previous, step.term, step.rule);
    const [value] = evaluate([step.term], vars);
    for (let i = 0; i < value.size; i++) assert.ok(Math.abs(value.data[i] - expected.data[i]) < 1e-12);
    previous = step.term;
  }
  return String(e);
}

const x = T.scalar("x", "float64"), y = T.scalar("y", "float64"), v = T.vector("v", "float64");

Deno.test("explain gives one checkable step per rule application", () => {
  const text = checkExplanation(T.log(T.add(1, T.exp(x))));
  assert.equal(text, "  log(1 + exp(x))\n  = softplus(x)   [softplus-from-log]");
});

Deno.test("explain chains steps inside subterms, with attributes, and through constant folding", () => {
  checkExplanation(T.add(T.mul(x, 2), T.mul(x, 3)));
  checkExplanation(T.mul(T.log(T.sum(T.exp(v))), 1));
  checkExplanation(T.add(T.add(T.log(T.exp(y)), 2), T.sub(x, x)));
  checkExplanation(T.add(T.add(1, 2), x));
});

Deno.test("explain needs commutativity and associativity to reach a factored form", () => {
  const t = T.add(T.mul(y, x), T.add(T.mul(x, 2), 0));
  const e = explain(t, { rules: RULES });
  checkExplanation(t);
  assert.ok(e.steps.some((s) => s.rule.startsWith("comm-mul")));
  assert.ok(e.steps.some((s) => s.rule === "add-zero"));
});

Deno.test("explain of a term that cannot be improved has no steps", () => {
  const t = T.sin(x);
  const e = explain(t, { rules: RULES });
  assert.equal(e.steps.length, 0);
  assert.equal(e.result, t);
  assert.equal(String(e), "  sin(x)");
});

Deno.test("Term.make keeps the row types consistent for rebuilt steps", () => {
  // explanation steps are real terms: their types come from the op rows
  const e = explain(T.log(T.sum(T.exp(v))), { rules: RULES });
  for (const s of e.steps) {
    assert.deepEqual(rowOf(s.term.op).infer(s.term.args, s.term.attrs as never), {
      dtype: s.term.dtype,
      shape: s.term.shape,
    });
  }
  assert.ok(e.result instanceof Term);
});
