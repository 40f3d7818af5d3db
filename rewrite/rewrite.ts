/**
 * A compiled rewrite: a searcher (a compiled left-hand side), an applier that builds the right-hand side for one
 * match, and an optional condition checked at apply time on the current e-graph (as egg does). Generic over the
 * node language; `rule.ts` turns the term language's rule tables into these.
 * @module
 */
import type { EGraph } from "./egraph.ts";
import { CompiledPattern, type PatternLanguage } from "./ematch.ts";
import { type PatternAst, PatternSyntaxError, patternVars } from "./pattern.ts";

/** Builds the right-hand side of a rewrite for one match. */
export interface Applier<D> {
  /**
   * Adds the right-hand side for the match at `matches[offset…]` and returns its id (with explanations on, the
   * vertex of exactly the term built), or -1 to reject the match (counted as type-rejected in the report).
   */
  apply(egraph: EGraph<D>, matches: readonly number[], offset: number): number;
}

/** A named rewrite ready to run. */
export interface Rewrite<D> {
  /** The rule's name (what explanations and reports show). */
  readonly name: string;
  /** The compiled left-hand side. */
  readonly searcher: CompiledPattern<D>;
  /** Builds the right-hand side. */
  readonly applier: Applier<D>;
  /** Checked for each match when it is applied; false skips the match. */
  readonly condition?: (egraph: EGraph<D>, matches: readonly number[], offset: number) => boolean;
  /** The language, for rebuilding a matched left-hand side when explaining. */
  readonly language: PatternLanguage<D>;
  /** With explanations on: the id to use for a literal that was matched by a check on class `id`. */
  readonly checkedAtom?: (egraph: EGraph<D>, id: number) => number;
}

const VAR = 0, NODE = 1;

interface Step {
  readonly kind: number;
  readonly slot: number; // VAR: offset of the class within a match; NODE: offset of the payload, or -1
  readonly op: number;
  readonly payload: number;
  readonly kids: readonly number[]; // indices of earlier steps
}

/**
 * The applier of a plain pattern: instantiates it by adding nodes bottom-up. Literal atoms must be leaf nodes of
 * the language (`AtomSpec` kind "node"); languages that build literals from context write their own applier.
 */
export class PatternApplier<D> implements Applier<D> {
  private readonly steps: Step[] = [];
  private readonly ids: number[] = [];
  private readonly kids: number[] = [];

  /** Compiles `rhs` against the variables of `searcher` (throws when a variable is unbound). */
  constructor(rhs: PatternAst, searcher: CompiledPattern<D>, language: PatternLanguage<D>) {
    const build = (p: PatternAst): number => {
      if (p.kind === "var") {
        const slot = searcher.varSlot(p.name);
        if (slot < 0) throw new PatternSyntaxError(`variable ?${p.name} is not bound by the left-hand side`);
        return this.steps.push({ kind: VAR, slot, op: -1, payload: 0, kids: [] }) - 1;
      }
      if (p.kind === "atom") {
        const atom = language.resolveAtom(p.text);
        if (atom?.kind !== "node") throw new PatternSyntaxError(`literal ${p.text} cannot be built`);
        return this.steps.push({ kind: NODE, slot: -1, op: atom.op, payload: atom.payload, kids: [] }) - 1;
      }
      const resolved = language.resolveOp(p.op);
      if (resolved === undefined) throw new PatternSyntaxError(`unknown operator ${JSON.stringify(p.op)}`);
      const kids = p.args.map(build);
      let slot = -1, payload = 0;
      if (p.attr && "literal" in p.attr) payload = language.attrPayload!(resolved.op, p.attr.literal);
      else if (p.attr) {
        slot = searcher.attrSlot(p.attr.variable);
        if (slot < 0) throw new PatternSyntaxError(`attribute variable @${p.attr.variable} is not bound`);
      }
      return this.steps.push({ kind: NODE, slot, op: resolved.op, payload, kids }) - 1;
    };
    build(rhs);
  }

  apply(egraph: EGraph<D>, matches: readonly number[], offset: number): number {
    const ids = this.ids, kids = this.kids, steps = this.steps;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (step.kind === VAR) {
        ids[i] = matches[offset + step.slot];
      } else {
        const n = step.kids.length;
        for (let k = 0; k < n; k++) kids[k] = ids[step.kids[k]];
        const payload = step.slot >= 0 ? matches[offset + step.slot] : step.payload;
        ids[i] = egraph.addExact(step.op, payload, kids, n);
      }
    }
    return ids[steps.length - 1];
  }
}

/**
 * Compiles a plain rewrite `lhs => rhs` for `language` (throws a `PatternSyntaxError` naming the rule when a
 * pattern is malformed or a right-hand variable is unbound).
 *
 * @example
 * ```ts
 * import { parsePattern } from "./pattern.ts";
 * import { compileRewrite } from "./rewrite.ts";
 * // with some `language`: compileRewrite("comm-add", parsePattern("(+ ?a ?b)"), parsePattern("(+ ?b ?a)"), language)
 * ```
 */
export function compileRewrite<D>(
  name: string,
  lhs: PatternAst,
  rhs: PatternAst,
  language: PatternLanguage<D>,
  condition?: Rewrite<D>["condition"],
): Rewrite<D> {
  try {
    const searcher = new CompiledPattern(lhs, language);
    const unbound = patternVars(rhs).filter((v) => !searcher.vars.includes(v));
    if (unbound.length > 0) throw new PatternSyntaxError(`?${unbound[0]} is not bound by the left-hand side`);
    return { name, searcher, applier: new PatternApplier(rhs, searcher, language), condition, language };
  } catch (error) {
    if (error instanceof PatternSyntaxError) throw new PatternSyntaxError(`rule ${name}: ${error.message}`);
    throw error;
  }
}
