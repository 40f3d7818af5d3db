/**
 * Test helpers for rewrite rules: turning a rule's two patterns into terms over fresh float64 variables (for
 * several shape and attribute choices), sampling inputs (ordinary, extreme and special values), building the
 * point `ClassInfo` a rule's condition sees for sampled values, and comparing two evaluations the way the
 * soundness tests judge them: equal up to rounding in float64, or else equal in high precision.
 * @module
 */
import { NDArray } from "../../cas/ndarray.ts";
import { Term } from "../../cas/term.ts";
import * as T from "../../cas/api.ts";
import type { OpName } from "../../cas/ops/names.ts";
import type { OpAttrs } from "../../cas/ops/types.ts";
import { sizeOf } from "../../cas/shape.ts";
import { parsePattern, type PatternAst, patternVars } from "../../rewrite/pattern.ts";
import type { ClassInfo, RuleSpec } from "../../rewrite/rule.ts";
import { evaluate } from "../../backends/reference/interpreter.ts";
import { agree, evaluateDecimal, exactValues, HIGH_PRECISION, OutOfRange } from "./_decimal_eval.ts";

/** A small seeded PRNG (mulberry32), so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values every rule must survive: signed zeros, small integers, the edges of exp's range, ±∞ and NaN. */
export const SPECIAL_VALUES: readonly number[] = [
  0,
  -0,
  1,
  -1,
  2,
  -2,
  3,
  -3,
  4,
  5,
  6,
  0.5,
  -0.5,
  0.1,
  0.999,
  1.001,
  30,
  -30,
  1e-12,
  -1e-12,
  1e-200,
  -1e-200,
  1e-5,
  1000,
  -1000,
  710,
  -745,
  1e200,
  -1e200,
  Infinity,
  -Infinity,
  NaN,
];

/**
 * Draws one input value: a special value, a uniform value in [−4, 4], or a log-uniform magnitude in
 * [1e-12, 1e12] of either sign. (Magnitudes below 1e-15 are left out: 1 + 1e-300 is beyond even the
 * high-precision reference's 250 digits.)
 */
export function sampleValue(random: () => number): number {
  const u = random();
  if (u < 0.45) return SPECIAL_VALUES[Math.floor(random() * SPECIAL_VALUES.length)];
  if (u < 0.75) return (random() - 0.5) * 8;
  const magnitude = 10 ** (random() * 24 - 12);
  return random() < 0.5 ? -magnitude : magnitude;
}

/** The shapes a pattern variable may take in an instance. */
export const SHAPE_CHOICES: readonly (readonly number[])[] = [[], [3], [2, 3], [3, 2], [3, 3], [2, 2, 2], [
  1,
  2,
  1,
  2,
]];

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)])
  );
}

const AXIS_SUBSETS = [[], [0], [1], [2], [3], [0, 1], [0, 2], [1, 2], [2, 3], [0, 1, 2], [0, 1, 2, 3]];

/** Candidate attributes for an attribute variable, by the op it is first used with. */
function attrChoices(op: OpName): readonly object[] {
  switch (op) {
    case "sum":
    case "mean":
    case "max":
    case "min":
    case "prod":
    case "logsumexp":
      return AXIS_SUBSETS.flatMap((axes) => [{ axes, keepdims: false }, { axes, keepdims: true }]);
    case "softmax":
    case "logSoftmax":
    case "concatenate":
      return [{ axis: 0 }, { axis: 1 }, { axis: 2 }, { axis: 3 }];
    case "transpose":
      return [1, 2, 3].flatMap((n) => permutations(n).map((perm) => ({ perm })));
    case "reshape":
      return [[-1], [6], [3, -1], [2, -1], [-1, 3], [1, -1], [3, 2], [2, 3], [2, 2, 2], [-1, 1]].map((
        shape,
      ) => ({
        shape,
      }));
    case "index":
      return [{ index: 0 }, { index: 1 }, { index: -1 }];
    case "count":
      return AXIS_SUBSETS.map((axes) => ({ axes }));
    default:
      throw new Error(`no attribute choices for ${op}`);
  }
}

/** The attribute variables of a pattern with the op each first appears on. */
function attrVarOps(p: PatternAst, into = new Map<string, OpName>()): Map<string, OpName> {
  if (p.kind === "node") {
    if (p.attr && "variable" in p.attr && !into.has(p.attr.variable)) {
      into.set(p.attr.variable, p.op as OpName);
    }
    for (const a of p.args) attrVarOps(a, into);
  }
  return into;
}

/** One way to turn a rule into terms: a shape per pattern variable and attributes per attribute variable. */
export interface Instance {
  readonly rule: RuleSpec;
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  readonly attrs: ReadonlyMap<string, object>;
  readonly vars: ReadonlyMap<string, Term>;
  readonly lhs: Term;
  readonly rhs: Term;
}

/** Pattern variables in a boolean position (an argument of not/and/or, the condition of where). */
function booleanVars(p: PatternAst, into = new Set<string>()): Set<string> {
  if (p.kind === "node") {
    p.args.forEach((a, i) => {
      const boolean = p.op === "not" || p.op === "and" || p.op === "or" || (p.op === "where" && i === 0);
      if (boolean && a.kind === "var") into.add(a.name);
      booleanVars(a, into);
    });
  }
  return into;
}

function build(p: PatternAst, vars: ReadonlyMap<string, Term>, attrs: ReadonlyMap<string, object>): Term {
  if (p.kind === "var") return vars.get(p.name)!;
  if (p.kind === "atom") return T.constant(Number(p.text), "float64");
  const args = p.args.map((a) => build(a, vars, attrs));
  const attr = p.attr === undefined ? {} : "literal" in p.attr ? p.attr.literal : attrs.get(p.attr.variable);
  return Term.make(p.op as OpName, args, attr as OpAttrs[OpName]);
}

function tryInstance(
  rule: RuleSpec,
  lhs: PatternAst,
  rhs: PatternAst,
  shapes: Map<string, readonly number[]>,
  attrs: Map<string, object>,
): Instance | undefined {
  const vars = new Map<string, Term>();
  const booleans = booleanVars(lhs);
  for (const [name, shape] of shapes) {
    vars.set(name, T.tensor(`${name}`, { dtype: booleans.has(name) ? "bool" : "float64", shape }));
  }
  try {
    const l = build(lhs, vars, attrs), r = build(rhs, vars, attrs);
    if (
      l.dtype !== r.dtype || l.shape.length !== r.shape.length || l.shape.some((d, i) => d !== r.shape[i])
    ) {
      return undefined; // the engine's type check skips such a match
    }
    return { rule, shapes, attrs, vars, lhs: l, rhs: r };
  } catch {
    return undefined; // the pattern does not type at these shapes: nothing to check
  }
}

/**
 * Up to `limit` distinct instances of `rule`: all-scalar first, then one shape for every variable, then mixed
 * shapes, each with attribute choices; chosen with `random` among the candidates that type-check.
 */
export function instancesOf(rule: RuleSpec, random: () => number, limit = 10): Instance[] {
  const lhs = parsePattern(rule.lhs), rhs = parsePattern(rule.rhs);
  const names = patternVars(lhs);
  const attrOps = [...attrVarOps(lhs)];
  const out: Instance[] = [];
  const seen = new Set<string>();
  const pick = <X>(xs: readonly X[]) => xs[Math.floor(random() * xs.length)];
  const attempt = (
    shapeOf: (name: string, i: number) => readonly number[],
    attrOf: (op: OpName) => object,
  ) => {
    const shapes = new Map(names.map((n, i) => [n, shapeOf(n, i)] as const));
    const attrs = new Map(attrOps.map(([a, op]) => [a, attrOf(op)] as const));
    const key = JSON.stringify([...shapes, ...attrs]);
    if (seen.has(key)) return;
    seen.add(key);
    const instance = tryInstance(rule, lhs, rhs, shapes, attrs);
    if (instance) out.push(instance);
  };
  // every uniform shape with a few attribute draws (up to half the instances), then random mixtures
  for (const shape of SHAPE_CHOICES) {
    for (let k = 0; k < (attrOps.length === 0 ? 1 : 12) && out.length < limit / 2; k++) {
      attempt(() => shape, (op) => pick(attrChoices(op)));
    }
  }
  // mixtures where some variable broadcasts against another: where shape-dependent rules go wrong
  for (let k = 0; k < 2000 && out.length < limit; k++) {
    const shapes = names.map(() => pick(SHAPE_CHOICES));
    if (shapes.every((sh) => sh.length === shapes[0].length && sh.every((d, i) => d === shapes[0][i]))) {
      continue;
    }
    attempt((_, i) => shapes[i], (op) => pick(attrChoices(op)));
  }
  return out;
}

/** Random values for each variable of an instance. */
export function sampleBindings(instance: Instance, random: () => number): Map<Term, NDArray> {
  const bindings = new Map<Term, NDArray>();
  for (const [name, term] of instance.vars) {
    const shape = instance.shapes.get(name)!;
    if (term.dtype === "bool") {
      const data = Uint8Array.from({ length: sizeOf(shape) }, () => (random() < 0.5 ? 1 : 0));
      bindings.set(term, new NDArray(data, shape));
      continue;
    }
    const data = new Float64Array(sizeOf(shape));
    for (let i = 0; i < data.length; i++) data[i] = sampleValue(random);
    bindings.set(term, new NDArray(data, shape));
  }
  return bindings;
}

/** What the analyses could know of a class holding exactly `value`: its point range and, if uniform, its constant. */
export function pointInfo(value: NDArray): ClassInfo {
  let lo = Infinity, hi = -Infinity, nan = false;
  for (const v of value.data) {
    if (Number.isNaN(v)) nan = true;
    else {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (lo > hi) [lo, hi] = [-Infinity, Infinity];
  const first = value.data[0];
  const uniform = value.data.length > 0 && value.data.every((v) => Object.is(v, first));
  const base = { dtype: value.dtype, shape: value.shape, range: { lo, hi, nan } };
  return uniform && !Number.isNaN(first) ? { ...base, constant: first } : base;
}

/** The `ClassInfo` record a rule's `when` sees for sampled bindings. */
export function conditionInfo(
  instance: Instance,
  bindings: ReadonlyMap<Term, NDArray>,
): Record<string, ClassInfo> {
  const info: Record<string, ClassInfo> = {};
  for (const [name, term] of instance.vars) info[name] = pointInfo(bindings.get(term)!);
  return info;
}

/** True when two float64 results are the same up to rounding (relative 1e-9), NaN matching NaN. */
export function closeFloat(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** The verdict on two terms at one input. */
export type Verdict =
  | { readonly kind: "same" }
  | { readonly kind: "rounding" } // float64 results differ, exact values agree
  | { readonly kind: "undecided" } // float64 results differ, an exact value is out of range
  | { readonly kind: "different"; readonly detail: string };

/**
 * Compares `a` and `b` at `bindings`: equal float64 results (up to rounding) are "same"; otherwise both are
 * evaluated in high precision and must agree there ("rounding"), or cannot be decided ("undecided").
 */
export function compareAt(
  a: Term,
  b: Term,
  bindings: ReadonlyMap<Term, NDArray>,
  refinesNaN = false,
): Verdict {
  const [fa, fb] = evaluate([a, b], bindings);
  // a rule marked refinesNaN may give a number where the naive side is NaN because an input is infinite
  const infiniteInput = [...bindings.values()].some((v) =>
    v.data.some((x) => x === Infinity || x === -Infinity)
  );
  const refined = (i: number) =>
    refinesNaN && infiniteInput && Number.isNaN(fa.data[i]) && !Number.isNaN(fb.data[i]);
  const differing: number[] = [];
  for (let i = 0; i < fa.data.length; i++) {
    if (!closeFloat(fa.data[i], fb.data[i]) && !refined(i)) differing.push(i);
  }
  if (differing.length === 0) return { kind: "same" };
  // a quick 60-digit pass settles most differences (agreement of both sides there is trusted); a disagreement
  // is decided by converged exact values
  try {
    const [qa, qb] = evaluateDecimal([a, b], bindings, 60, false);
    if (differing.every((i) => agree(qa.data[i], qb.data[i]))) return { kind: "rounding" };
  } catch (error) {
    if (!(error instanceof OutOfRange)) throw error;
  }
  // at most 270 digits: the rare input that needs more (1 + e^−710) is left undecided rather than slow
  const exact = exactValues([a, b], bindings, HIGH_PRECISION + 20);
  if (exact === undefined) return { kind: "undecided" };
  const [ha, hb] = exact;
  const bad = differing.find((i) => !agree(ha.data[i], hb.data[i]));
  if (bad === undefined) return { kind: "rounding" };
  const inputs = [...bindings].map(([t, v]) => `${String(t)}=${formatValues(v)}`).join(", ");
  return {
    kind: "different",
    detail: `at ${inputs}: element ${bad} is ${fa.data[bad]} vs ${fb.data[bad]} in float64, ` +
      `${ha.data[bad].toPrecision(17)} vs ${hb.data[bad].toPrecision(17)} exactly`,
  };
}

function formatValues(v: NDArray): string {
  return v.size === 1 ? String(v.data[0]) : `[${Array.from(v.data).join(", ")}]`;
}
