/**
 * The rule format of the term language: named rules as data (s-expression patterns over the op table's names),
 * with an optional condition over what the analyses know about the bound classes. Rule tables are validated when
 * loaded: every op exists, arities are right, right-hand variables are bound by the left-hand side, attribute
 * variables are used consistently; an error names the rule.
 * @module
 */
import type { DType } from "../cas/dtype.ts";
import type { OpName, ReduceOp } from "../cas/ops/names.ts";
import { REDUCE_OPS } from "../cas/ops/names.ts";
import { isOpName, rowOf } from "../cas/ops/table.ts";
import type { Shape } from "../cas/shape.ts";
import { attrVars, parsePattern, type PatternAst, PatternSyntaxError, patternVars } from "./pattern.ts";

/** What a condition can see about an e-class. */
export interface ClassInfo {
  /** Element type. */
  readonly dtype: DType;
  /** Static shape. */
  readonly shape: Shape;
  /** Set when the class is a known scalar constant (or an all-equal constant). */
  readonly constant?: number;
  /** Sound value bounds (interval analysis); `nan`: may be NaN. */
  readonly range: { lo: number; hi: number; nan: boolean };
}

/**
 * One rewrite rule. Patterns: `(op arg …)` with op names of the op table, `?x` pattern variables, numbers (on the
 * left: a class whose constant analysis is exactly that scalar; on the right: a constant of the dtype of the
 * class being rewritten, or of its sibling operands), and attribute variables (`(sum@a ?x)` binds the node's
 * attributes as `a`, `(logsumexp@a ?x)` on the right reuses them; `(sum@{"axes":[0],"keepdims":false} ?x)` gives
 * them literally).
 *
 * @example
 * ```ts
 * import type { RuleSpec } from "./rule.ts";
 * const rule: RuleSpec = {
 *   name: "exp-log",
 *   lhs: "(exp (log ?x))",
 *   rhs: "?x",
 *   when: (v) => v.x.range.lo > 0 && !v.x.range.nan,
 * };
 * ```
 */
export interface RuleSpec {
  /** The rule's name, e.g. "log1p-from-log-add-1". */
  readonly name: string;
  /** Left-hand side s-expression. */
  readonly lhs: string;
  /** Right-hand side s-expression. */
  readonly rhs: string;
  /** Optional condition over the bound `?vars` (keys without the `?`). */
  readonly when?: (v: Readonly<Record<string, ClassInfo>>) => boolean;
  /** Also rewrite rhs ⇒ lhs (that direction's name gets a "-rev" suffix). */
  readonly bidirectional?: boolean;
  /**
   * The rhs may give a number where the lhs gives NaN only because an input is infinite (∞/∞, ∞ − ∞): there the
   * rhs gives the limit, e.g. eˣ/(1 + eˣ) ⇒ sigmoid(x) at x = +∞ gives 1. Everywhere else both sides must agree.
   * This is the one kind of value change the optimizer makes, and it is always toward the right answer.
   */
  readonly refinesNaN?: boolean;
}

/** A table of rules. */
export type RuleSet = readonly RuleSpec[];

/** A rule table that failed validation; the message names the rule. */
export class RuleError extends Error {
  /** An error with a message that names the rule. */
  constructor(message: string) {
    super(message);
    this.name = "RuleError";
  }
}

/** One direction of a validated rule, parsed. */
export interface ParsedRule {
  /** The name of this direction ("-rev" for the reverse of a bidirectional rule). */
  readonly name: string;
  /** The parsed left-hand side. */
  readonly lhs: PatternAst;
  /** The parsed right-hand side. */
  readonly rhs: PatternAst;
  /** The condition, if any. */
  readonly when?: RuleSpec["when"];
}

/** Which attributes an op carries; an attribute variable may only be shared between ops of one kind. */
function attrKind(op: OpName): string | undefined {
  if ((REDUCE_OPS as readonly string[]).includes(op as ReduceOp)) return "reduction {axes, keepdims}";
  switch (op) {
    case "softmax":
    case "logSoftmax":
    case "concatenate":
      return "{axis}";
    case "count":
      return "{axes}";
    case "cast":
      return "{dtype}";
    case "transpose":
      return "{perm}";
    case "reshape":
    case "broadcastTo":
      return "{shape}";
    case "index":
      return "{index}";
    case "slice":
      return "{start, stop, step}";
    default:
      return undefined;
  }
}

const LEAVES = new Set(["const", "var", "shared"]);

function checkPattern(rule: string, side: string, p: PatternAst, kinds: Map<string, string>): void {
  if (p.kind === "var") return;
  if (p.kind === "atom") {
    if (Number.isNaN(Number(p.text)) || p.text.trim() === "") {
      throw new RuleError(
        `rule ${rule}: ${side} has ${JSON.stringify(p.text)}, which is neither a number nor ?var`,
      );
    }
    return;
  }
  if (!isOpName(p.op) || LEAVES.has(p.op)) {
    throw new RuleError(`rule ${rule}: ${side} uses unknown operator ${JSON.stringify(p.op)}`);
  }
  const arity = rowOf(p.op).arity;
  if (arity === "variadic" ? p.args.length === 0 : p.args.length !== arity) {
    throw new RuleError(
      `rule ${rule}: ${side} gives ${p.op} ${p.args.length} argument(s), it takes ${
        arity === "variadic" ? "at least 1" : arity
      }`,
    );
  }
  if (p.attr !== undefined) {
    const kind = attrKind(p.op);
    if (kind === undefined) throw new RuleError(`rule ${rule}: ${side}: ${p.op} has no attributes to bind`);
    if ("variable" in p.attr) {
      const seen = kinds.get(p.attr.variable);
      if (seen !== undefined && seen !== kind) {
        throw new RuleError(
          `rule ${rule}: attribute variable @${p.attr.variable} is used for ${seen} and for ${p.op}'s ${kind}`,
        );
      }
      kinds.set(p.attr.variable, kind);
    } else if (p.attr.literal === null || typeof p.attr.literal !== "object") {
      throw new RuleError(`rule ${rule}: ${side}: literal attributes of ${p.op} must be a JSON object`);
    }
  }
  for (const a of p.args) checkPattern(rule, side, a, kinds);
}

function parseSide(rule: string, side: string, text: string): PatternAst {
  if (typeof text !== "string") throw new RuleError(`rule ${rule}: ${side} must be a string`);
  try {
    return parsePattern(text);
  } catch (error) {
    if (error instanceof PatternSyntaxError) throw new RuleError(`rule ${rule}: ${error.message}`);
    throw error;
  }
}

function direction(name: string, lhs: PatternAst, rhs: PatternAst, when: RuleSpec["when"]): ParsedRule {
  const kinds = new Map<string, string>();
  checkPattern(name, "lhs", lhs, kinds);
  checkPattern(name, "rhs", rhs, kinds);
  const bound = patternVars(lhs);
  for (const v of patternVars(rhs)) {
    if (!bound.includes(v)) throw new RuleError(`rule ${name}: ?${v} on the rhs is not bound by the lhs`);
  }
  const boundAttrs = attrVars(lhs);
  for (const a of attrVars(rhs)) {
    if (!boundAttrs.includes(a)) {
      throw new RuleError(`rule ${name}: @${a} on the rhs is not bound by the lhs`);
    }
  }
  return when === undefined ? { name, lhs, rhs } : { name, lhs, rhs, when };
}

/**
 * Checks a rule table and parses it into one entry per direction; throws a `RuleError` naming the first bad rule.
 *
 * @example
 * ```ts
 * import { validateRules } from "./rule.ts";
 * validateRules([{ name: "mul-one", lhs: "(mul ?x 1)", rhs: "?x" }]).length; // 1
 * ```
 */
export function validateRules(rules: RuleSet): ParsedRule[] {
  const names = new Set<string>();
  const out: ParsedRule[] = [];
  for (const spec of rules) {
    const name = spec?.name;
    if (typeof name !== "string" || name === "") {
      throw new RuleError(`a rule has no name: ${JSON.stringify(spec)}`);
    }
    if (names.has(name)) throw new RuleError(`rule ${name}: the name is used twice`);
    if (spec.when !== undefined && typeof spec.when !== "function") {
      throw new RuleError(`rule ${name}: when must be a function`);
    }
    names.add(name);
    const lhs = parseSide(name, "lhs", spec.lhs), rhs = parseSide(name, "rhs", spec.rhs);
    out.push(direction(name, lhs, rhs, spec.when));
    if (spec.bidirectional) {
      const reverse = `${name}-rev`;
      if (names.has(reverse)) throw new RuleError(`rule ${reverse}: the name is used twice`);
      names.add(reverse);
      out.push(direction(reverse, rhs, lhs, spec.when));
    }
  }
  return out;
}
