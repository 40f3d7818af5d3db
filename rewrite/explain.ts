/**
 * Explanations: the chain of named rewrites from a term to its simplified form, read off the proof forest (see
 * `proof_forest.ts`). A path between two vertices is a list of edges; a rule edge is one rewrite at the current
 * position, a congruence edge explains each pair of children in place, and a constant-fold edge first rewrites the
 * arguments to their constants and then folds. Each step of the result is a whole term, so the chain can be
 * checked step by step (each is the previous with one subterm rewritten by the named rule).
 * @module
 */
import { Term } from "../cas/term.ts";
import type { EGraph } from "./egraph.ts";
import { CONGRUENCE, CONSTANT_FOLD, type ProofForest } from "./proof_forest.ts";
import type { TermData } from "./term_analysis.ts";
import { CONST_CODE, type PayloadTable, termOfNode } from "./term_language.ts";

/** One step of an explanation: the whole term after applying `rule` once. */
export interface ExplanationStep {
  /** The rule's name ("constant-fold" for folding; " (reversed)" when applied right to left). */
  readonly rule: string;
  /** The whole term after this step. */
  readonly term: Term;
}

/** The chain of rewrites from `input` to `result`. */
export class Explanation {
  /** An explanation of how `input` became `result`. */
  constructor(
    /** The term that was simplified. */
    readonly input: Term,
    /** Its simplified form. */
    readonly result: Term,
    /** The steps, in order; the last step's term is `result`. */
    readonly steps: readonly ExplanationStep[],
  ) {}

  /** One line per step: the input, then `  = <term>   [rule]`. */
  toString(): string {
    const lines = [`  ${this.input}`];
    for (const s of this.steps) lines.push(`  = ${s.term}   [${s.rule}]`);
    return lines.join("\n");
  }
}

/** A rewrite at a position: replace the subterm at `path` (child indices from the root) with `term`. */
interface LocalStep {
  readonly path: readonly number[];
  readonly term: Term;
  readonly rule: string;
}

/** Explanations longer than this are cut short (proofs can in principle be exponentially long). */
const MAX_STEPS = 5000;

/** Turns proof paths between e-graph vertices into whole-term steps. */
export class Explainer {
  private readonly terms = new Map<number, Term>();
  private readonly memo = new Map<string, LocalStep[]>();
  private budget = MAX_STEPS;

  /** An explainer over an e-graph built with explanations on; `ruleNames[i]` names justification `i`. */
  constructor(
    private readonly egraph: EGraph<TermData>,
    private readonly table: PayloadTable,
    private readonly ruleNames: readonly string[],
  ) {}

  /** The e-graph's proof forest. */
  private get proofs(): ProofForest {
    return this.egraph.proofs!;
  }

  /** The exact term of a vertex. */
  termOf(v: number): Term {
    const cached = this.terms.get(v);
    if (cached) return cached;
    const pool = this.egraph.pool, r = this.proofs.record[v];
    const args: Term[] = [];
    for (let k = 0; k < pool.arities[r]; k++) args.push(this.termOf(pool.child(r, k)));
    const t = termOfNode(this.egraph as EGraph<unknown>, this.table, r, args);
    this.terms.set(v, t);
    return t;
  }

  /** The whole-term chain from vertex `a`'s term to vertex `b`'s term (they must be equal in the e-graph). */
  chain(a: number, b: number): ExplanationStep[] {
    let current = this.termOf(a);
    const out: ExplanationStep[] = [];
    for (const step of this.explain(a, b)) {
      const next = replaceAt(current, step.path, 0, step.term);
      if (next === current) continue;
      out.push({ rule: step.rule, term: next });
      current = next;
    }
    return out;
  }

  /** The local steps that turn vertex `a`'s term into vertex `b`'s. */
  private explain(a: number, b: number): LocalStep[] {
    if (a === b) return [];
    const key = `${a},${b}`;
    const cached = this.memo.get(key);
    if (cached) return cached;
    const edges = this.proofs.path(a, b);
    if (edges === undefined) {
      throw new Error(`explain: ${this.termOf(a)} and ${this.termOf(b)} were never equated`);
    }
    const steps: LocalStep[] = [];
    for (const e of edges) {
      if (this.budget <= 0) break;
      if (e.justification >= 0) {
        const name = this.ruleNames[e.justification] ?? `rule ${e.justification}`;
        steps.push({ path: [], term: this.termOf(e.to), rule: e.forward ? name : `${name} (reversed)` });
        this.budget--;
      } else if (e.justification === CONGRUENCE) {
        this.pairwise(e.from, e.to, steps);
      } else if (e.justification === CONSTANT_FOLD) {
        this.fold(e.from, e.to, steps);
      }
    }
    this.memo.set(key, steps);
    return steps;
  }

  /** Explains two vertices with the same op and payload child by child. */
  private pairwise(from: number, to: number, steps: LocalStep[]): void {
    const pool = this.egraph.pool, ra = this.proofs.record[from], rb = this.proofs.record[to];
    for (let k = 0; k < pool.arities[ra]; k++) {
      for (const s of this.explain(pool.child(ra, k), pool.child(rb, k))) steps.push(prefixed(k, s));
    }
  }

  /** Explains a constant-fold edge: arguments to their constants, then the fold (or the reverse). */
  private fold(from: number, to: number, steps: LocalStep[]): void {
    const pool = this.egraph.pool;
    const forward = pool.arities[this.proofs.record[to]] === 0;
    const node = forward ? from : to, constant = forward ? to : from;
    const r = this.proofs.record[node];
    const kids = Array.from({ length: pool.arities[r] }, (_, k) => pool.child(r, k));
    const constants = kids.map((kid) => this.constantVertex(kid));
    if (forward) {
      kids.forEach((kid, k) => this.explain(kid, constants[k]).forEach((s) => steps.push(prefixed(k, s))));
      steps.push({ path: [], term: this.termOf(constant), rule: "constant-fold" });
    } else {
      const args = constants.map((c) => this.termOf(c));
      const unfolded = termOfNode(this.egraph as EGraph<unknown>, this.table, r, args);
      steps.push({ path: [], term: unfolded, rule: "constant-fold (reversed)" });
      kids.forEach((kid, k) => this.explain(constants[k], kid).forEach((s) => steps.push(prefixed(k, s))));
    }
    this.budget--;
  }

  /** The vertex of the constant leaf of vertex `v`'s class (or `v` when the class has none). */
  private constantVertex(v: number): number {
    const pool = this.egraph.pool;
    if (pool.arities[this.proofs.record[v]] === 0) return v;
    for (const r of this.egraph.nodes(v)) {
      if (pool.ops[r] === CONST_CODE) return this.egraph.addExact(CONST_CODE, pool.payloads[r], [], 0);
    }
    return v;
  }
}

function prefixed(k: number, s: LocalStep): LocalStep {
  return { path: [k, ...s.path], term: s.term, rule: s.rule };
}

/** `term` with the subterm at `path[depth…]` replaced by `replacement`. */
function replaceAt(term: Term, path: readonly number[], depth: number, replacement: Term): Term {
  if (depth === path.length) return replacement;
  const k = path[depth];
  const child = replaceAt(term.args[k], path, depth + 1, replacement);
  if (child === term.args[k]) return term;
  const args = term.args.slice();
  args[k] = child;
  return Term.make(term.op, args, term.attrs as never);
}
