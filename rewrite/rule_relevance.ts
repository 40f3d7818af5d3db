/**
 * Which rules can ever match an e-graph: a rule's left-hand side needs every op it names to be present, and
 * ops appear only in the input or in the right-hand sides of rules that can match (constants also come from
 * folding). Rules outside that closure are skipped, which saves compiling and searching them on every
 * iteration — about half of the default rules for a typical training graph — without changing the result.
 * @module
 */
import type { PatternAst } from "./pattern.ts";
import type { ParsedRule } from "./rule.ts";

interface RuleOps {
  readonly needs: readonly string[];
  readonly makes: readonly string[];
}

const opsCache = new WeakMap<ParsedRule, RuleOps>();

function opsIn(p: PatternAst, into: Set<string>): Set<string> {
  if (p.kind === "node") {
    into.add(p.op);
    for (const arg of p.args) opsIn(arg, into);
  }
  return into;
}

function opsOf(rule: ParsedRule): RuleOps {
  let ops = opsCache.get(rule);
  if (ops === undefined) {
    ops = { needs: [...opsIn(rule.lhs, new Set())], makes: [...opsIn(rule.rhs, new Set())] };
    opsCache.set(rule, ops);
  }
  return ops;
}

/**
 * The rules of `rules` (in their order) that can match an e-graph built from terms with the ops `present`.
 *
 * @example
 * ```ts
 * import { rulesThatCanMatch } from "./rule_relevance.ts";
 * import { validateRules } from "./rule.ts";
 * const rules = validateRules([{ name: "exp-log", lhs: "(exp (log ?x))", rhs: "?x" }]);
 * rulesThatCanMatch(rules, new Set(["add", "var"])).length; // 0
 * ```
 */
export function rulesThatCanMatch(rules: readonly ParsedRule[], present: ReadonlySet<string>): ParsedRule[] {
  const ops = new Set(present);
  ops.add("const");
  const chosen = new Array<boolean>(rules.length).fill(false);
  for (let changed = true; changed;) {
    changed = false;
    rules.forEach((rule, i) => {
      if (chosen[i]) return;
      const { needs, makes } = opsOf(rule);
      if (!needs.every((op) => ops.has(op))) return;
      chosen[i] = changed = true;
      for (const op of makes) ops.add(op);
    });
  }
  return rules.filter((_, i) => chosen[i]);
}
