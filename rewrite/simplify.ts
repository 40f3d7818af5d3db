/**
 * The optimizer's entry points: `simplify` (one term), `simplifyMany` (several roots in one e-graph, as `compile`
 * needs: shared subterms are optimized and extracted once), `explain` (the chain of named rewrites) and the
 * report of the last run. Each call builds an e-graph from the terms, runs the rules to saturation or a limit,
 * and extracts the cheapest equivalent terms under the cost model of `cost.ts` — or returns the input when no
 * extracted form is cheaper.
 * @module
 */
import { type Term, topoSort } from "../cas/term.ts";
import { nodeCost } from "./cost.ts";
import { EGraph } from "./egraph.ts";
import { Explainer, type Explanation, Explanation as ExplanationClass } from "./explain.ts";
import { type Cost, extractBest } from "./extract.ts";
import { type ParsedRule, type RuleSet, validateRules } from "./rule.ts";
import { rulesThatCanMatch } from "./rule_relevance.ts";
import { compileTermRules } from "./rule_compile.ts";
import { type RunReport, runRewrites } from "./runner.ts";
import type { Scheduler } from "./scheduler.ts";
import { termAnalysis, type TermData } from "./term_analysis.ts";
import { addTerms, opCode, PayloadTable, termsOfChoice } from "./term_language.ts";
import { DEFAULT_RULES } from "./rules/index.ts";

export type { Explanation, ExplanationStep } from "./explain.ts";
export type { Cost } from "./extract.ts";
export type { RunReport, StopReason } from "./runner.ts";
export { type BackoffOptions, BackoffScheduler, type Scheduler, SimpleScheduler } from "./scheduler.ts";

/** Options of `simplify`, `simplifyMany` and `explain`. */
export interface SimplifyOptions {
  /** Stop growing the e-graph beyond this many e-nodes (default 20,000). */
  readonly nodeLimit?: number;
  /** Stop after this many iterations (default 30). */
  readonly iterationLimit?: number;
  /** Stop after this long, in milliseconds (default 200). */
  readonly timeLimitMs?: number;
  /** The rules to run instead of the default rules. */
  readonly rules?: RuleSet;
  /** Rules to run in addition (to the default rules, or to `rules`). */
  readonly extraRules?: RuleSet;
  /** The rule scheduler (default: egg's backoff scheduler). */
  readonly scheduler?: Scheduler;
}

/** What one optimization did: the run's report plus extraction. */
export interface SimplifyReport extends RunReport {
  /** Which extraction gave the result ("input": no extracted form was cheaper than the input). */
  readonly extraction: "tree" | "dag" | "input";
  /** `[instability, speed]` of the input (DAG cost: shared subterms counted once). */
  readonly costBefore: Cost;
  /** `[instability, speed]` of the result. */
  readonly costAfter: Cost;
  /** Milliseconds spent extracting. */
  readonly extractMs: number;
  /** Milliseconds for the whole call (building, running, extracting, rebuilding terms). */
  readonly totalMs: number;
}

const parsed = new WeakMap<RuleSet, ParsedRule[]>();

/** Validates a rule table once (cached per table object). */
function parse(rules: RuleSet): ParsedRule[] {
  let p = parsed.get(rules);
  if (p === undefined) {
    p = validateRules(rules);
    parsed.set(rules, p);
  }
  return p;
}

function rulesOf(options: SimplifyOptions): ParsedRule[] {
  const base = parse(options.rules ?? DEFAULT_RULES);
  return options.extraRules ? [...base, ...parse(options.extraRules)] : base;
}

let last: SimplifyReport | undefined;

/** The report of the most recent `simplify`, `simplifyMany` or `explain` call (undefined before the first). */
export function lastReport(): SimplifyReport | undefined {
  return last;
}

interface Optimized {
  readonly terms: Term[];
  readonly report: SimplifyReport;
  readonly egraph: EGraph<TermData>;
  readonly table: PayloadTable;
  readonly roots: number[];
  readonly ruleNames: string[];
}

function optimize(terms: readonly Term[], options: SimplifyOptions, explanations: boolean): Optimized {
  const start = performance.now();
  const table = new PayloadTable();
  const egraph = new EGraph<TermData>(termAnalysis(table), { explanations });
  const inputIds = new Map<Term, number>();
  const roots = addTerms(egraph, table, terms, inputIds);
  const all = rulesOf(options);
  const relevant = rulesThatCanMatch(all, new Set(topoSort(terms).map((t) => t.op)));
  const rules = compileTermRules(relevant, table);
  const ran = runRewrites(egraph, rules, {
    nodeLimit: options.nodeLimit ?? 20_000,
    iterationLimit: options.iterationLimit ?? 30,
    timeLimitMs: options.timeLimitMs ?? 200,
    scheduler: options.scheduler,
  });
  // rules that could never match count as run without a match
  const run = relevant.length === all.length ? ran : {
    ...ran,
    ruleMatches: Object.fromEntries(all.map((r) => [r.name, ran.ruleMatches[r.name] ?? 0])),
    ruleApplied: Object.fromEntries(all.map((r) => [r.name, ran.ruleApplied[r.name] ?? 0])),
  };
  const extractStart = performance.now();
  const extraction = extractBest(egraph, roots, nodeCost);
  const costBefore = inputCost(egraph, table, inputIds);
  const better = extraction.dagCost[0] < costBefore[0] ||
    (extraction.dagCost[0] === costBefore[0] && extraction.dagCost[1] < costBefore[1]);
  const result = better ? termsOfChoice(egraph, table, extraction.choice, roots) : [...terms];
  const extractMs = performance.now() - extractStart;
  const report: SimplifyReport = {
    ...run,
    extraction: better ? extraction.method : "input",
    costBefore,
    costAfter: better ? extraction.dagCost : costBefore,
    extractMs,
    totalMs: performance.now() - start,
  };
  last = report;
  return { terms: result, report, egraph, table, roots, ruleNames: rules.map((r) => r.name) };
}

/** The DAG cost of the input terms (each distinct subterm once), costed on the e-graph's classes. */
function inputCost(egraph: EGraph<TermData>, table: PayloadTable, ids: ReadonlyMap<Term, number>): Cost {
  let c0 = 0, c1 = 0;
  const kids: number[] = [];
  for (const [term, id] of ids) {
    for (let i = 0; i < term.args.length; i++) kids[i] = egraph.find(ids.get(term.args[i])!);
    const slot = egraph.memo.probe(opCode(term.op), table.ofTerm(term), kids, term.args.length);
    if (slot < 0) return [Infinity, Infinity];
    const [i0, i1] = nodeCost(egraph, egraph.memo.recordAt(slot), egraph.find(id));
    c0 += i0;
    c1 += i1;
  }
  return [c0, c1];
}

/**
 * The optimizer's best equivalent of `term`: numerically stable forms first, then fast ones.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const x = T.scalar("x");
 * String(T.simplify(T.log(T.add(1, T.exp(x))))); // "softplus(x)"
 * ```
 */
export function simplify(term: Term, options: SimplifyOptions = {}): Term {
  return optimize([term], options, false).terms[0];
}

/**
 * Simplifies several terms in one e-graph (shared subterms are optimized once and stay shared), as `compile`
 * does with a function's outputs.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const x = T.vector("x");
 * const [a, b] = T.simplifyMany([T.exp(x).mul(1), T.exp(x).add(0)]);
 * ```
 */
export function simplifyMany(terms: readonly Term[], options: SimplifyOptions = {}): Term[] {
  return optimize(terms, options, false).terms;
}

/**
 * `simplify`, returning the run's report with the term.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const { term, report } = T.simplifyWithReport(T.scalar("x").mul(1));
 * report.stopReason; // "saturated"
 * ```
 */
export function simplifyWithReport(
  term: Term,
  options: SimplifyOptions = {},
): { term: Term; report: SimplifyReport } {
  const { terms, report } = optimize([term], options, false);
  return { term: terms[0], report };
}

/**
 * The chain of named rewrites from `term` to its simplified form (the form `simplify` gives, whenever the run with
 * explanations on reaches it too; otherwise the form that run extracts).
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const x = T.scalar("x");
 * console.log(String(T.explain(T.log(T.add(1, T.exp(x))))));
 * //   log(1 + exp(x))
 * //   = softplus(x)   [softplus-from-log]
 * ```
 */
export function explain(term: Term, options: SimplifyOptions = {}): Explanation {
  const plain = optimize([term], options, false).terms[0];
  const { terms, egraph, table, roots, ruleNames, report } = optimize([term], options, true);
  // extraction breaks ties by e-graph ids, which explanations shift: explain the form simplify gives if we can
  const [plainId] = addTerms(egraph, table, [plain]);
  egraph.rebuild();
  const reachesPlain = egraph.find(plainId) === egraph.find(roots[0]);
  const result = reachesPlain ? plain : terms[0];
  last = report;
  if (result === term) return new ExplanationClass(term, result, []);
  const [target] = reachesPlain ? [plainId] : addTerms(egraph, table, [result]);
  const explainer = new Explainer(egraph, table, ruleNames);
  return new ExplanationClass(term, result, explainer.chain(roots[0], target));
}
