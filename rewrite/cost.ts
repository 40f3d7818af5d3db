/**
 * The cost model extraction minimizes: `[instability, speed]`, compared lexicographically, so an unstable form
 * never wins over a stable equivalent, and among equally stable forms the one with fewer transcendental calls and
 * less memory traffic wins.
 *
 * Instability counts risky nodes. The naive ops `exp`, `log`, `div` and `pow` weigh 1 — unless the range
 * analysis shows the risk cannot happen (`exp` of an argument bounded above by 80 cannot overflow, `log` of an
 * argument bounded away from 0 that was not computed as `1 + small`, `div` by something that is never 0). An
 * `add`/`sub` of ±1 and an `exp`-like term also weighs 1: that is the cancellation `expm1` and `log1mexp` avoid.
 * The fused stable ops (softplus, log1p, expm1, sigmoid, logsumexp, softmax, logSoftmax, log1mexp, logaddexp)
 * weigh 0.
 *
 * Speed is per element (static sizes; a size known only at call time counts as `UNKNOWN_SIZE`): each computed
 * node writes its result (1 per element) plus its arithmetic (transcendentals 8–24, division 4, add/mul 1);
 * reductions and matrix products count the elements they read.
 * @module
 */
import type { OpName } from "../cas/ops/names.ts";
import type { Shape } from "../cas/shape.ts";
import type { EGraph } from "./egraph.ts";
import type { Cost } from "./extract.ts";
import type { TermData } from "./term_analysis.ts";
import { TERM_OPS } from "./term_language.ts";

/** What a dimension whose size is known only at call time counts as. */
export const UNKNOWN_SIZE = 32;

/** `exp(x)` with x ≤ this cannot overflow in float32 (which overflows above ≈ 88.7). */
export const EXP_SAFE_BOUND = 80;

/** Arithmetic cost per element of each elementwise op (memory traffic is added separately). */
export const ELEMENTWISE_SPEED: Partial<Record<OpName, number>> = {
  neg: 1,
  add: 1,
  sub: 1,
  mul: 1,
  square: 1,
  abs: 1,
  sign: 1,
  floor: 1,
  ceil: 1,
  round: 1,
  relu: 1,
  maximum: 1,
  minimum: 1,
  eq: 1,
  neq: 1,
  lt: 1,
  le: 1,
  gt: 1,
  ge: 1,
  and: 1,
  or: 1,
  not: 1,
  where: 1,
  cast: 1,
  div: 4,
  sqrt: 4,
  hypot: 8,
  exp: 10,
  log: 10,
  expm1: 12,
  log1p: 12,
  sigmoid: 12,
  sin: 12,
  cos: 12,
  tan: 14,
  tanh: 14,
  sinh: 14,
  cosh: 14,
  asin: 16,
  acos: 16,
  atan: 16,
  asinh: 16,
  acosh: 16,
  atanh: 16,
  erf: 16,
  softplus: 16,
  log1mexp: 16,
  pow: 20,
  logaddexp: 24,
};

/** Cost per element read by each reduction. */
export const REDUCTION_SPEED: Partial<Record<OpName, number>> = {
  sum: 1,
  mean: 1,
  max: 1,
  min: 1,
  prod: 1,
  logsumexp: 14,
  softmax: 24,
  logSoftmax: 24,
};

/** Ops that move or view data: cost per element of the result. */
export const MOVE_SPEED: Partial<Record<OpName, number>> = {
  transpose: 1,
  reshape: 0.25,
  broadcastTo: 0.5,
  concatenate: 1,
  index: 0.5,
  slice: 0.5,
  count: 1, // reads the runtime shape: cheap, but a known constant is cheaper
  stopGradient: 0,
};

/** Ops whose naive evaluation can overflow, underflow to a bad value, or divide by zero. */
const RISKY: ReadonlySet<OpName> = new Set<OpName>(["exp", "log", "div", "pow"]);
/** Children whose `1 ± child` cancels badly near the interesting inputs. */
const CANCELS_WITH_ONE: ReadonlySet<OpName> = new Set<OpName>(["exp", "sigmoid", "cos"]);
/** Ops whose difference cancels where they are large and close (√(x + 1) − √x). */
const CANCELS_IN_DIFFERENCE: ReadonlySet<OpName> = new Set<OpName>(["sqrt"]);

function elements(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d === null ? UNKNOWN_SIZE : d;
  return n;
}

function classHas<D>(egraph: EGraph<D>, id: number, ops: ReadonlySet<OpName>): boolean {
  const pool = egraph.pool;
  for (const r of egraph.nodes(id)) if (ops.has(TERM_OPS[pool.ops[r]])) return true;
  return false;
}

const ADD_OR_SUB: ReadonlySet<OpName> = new Set<OpName>(["add", "sub"]);

/** True when class `id` holds `1 + y`, `y + 1` or `1 − y` for a non-constant y (the argument of a naive log1p). */
function isOnePlusSmall(egraph: EGraph<TermData>, id: number): boolean {
  const pool = egraph.pool;
  for (const r of egraph.nodes(id)) {
    if (!ADD_OR_SUB.has(TERM_OPS[pool.ops[r]])) continue;
    const a = egraph.data(pool.child(r, 0)), b = egraph.data(pool.child(r, 1));
    if (a.constant === 1 && b.constant === undefined) return true;
    if (b.constant === 1 && a.constant === undefined && TERM_OPS[pool.ops[r]] === "add") return true;
  }
  return false;
}

/** True for `√a − √b`, `√a + (−√b)` or `(−√a) + √b`: differences that cancel where the roots are close. */
function cancellingDifference(egraph: EGraph<TermData>, op: OpName, a: number, b: number): boolean {
  const roots = (id: number | undefined) => id !== undefined && classHas(egraph, id, CANCELS_IN_DIFFERENCE);
  if (op === "sub") return roots(a) && roots(b);
  return (roots(a) && roots(negatedChild(egraph, b))) || (roots(b) && roots(negatedChild(egraph, a)));
}

/** The class `x` when class `id` holds `neg x` (so `a + neg b` is seen as the difference it is). */
function negatedChild(egraph: EGraph<TermData>, id: number): number | undefined {
  const pool = egraph.pool;
  for (const n of egraph.nodes(id)) if (TERM_OPS[pool.ops[n]] === "neg") return pool.child(n, 0);
  return undefined;
}

const SQUARING: ReadonlySet<OpName> = new Set<OpName>(["square"]);
/** Above this a float64 square overflows (√(max double) ≈ 1.34e154). */
const SQUARE_SAFE_BOUND = 1e154;

/** The instability weight of node `r` (0, 1, or 2 for a certain cancellation). */
function instability(egraph: EGraph<TermData>, r: number, op: OpName): number {
  const pool = egraph.pool;
  if (op === "add" || op === "sub") {
    const a = pool.child(r, 0), b = pool.child(r, 1);
    const ca = egraph.data(a).constant, cb = egraph.data(b).constant;
    const oneA = ca === 1 || ca === -1, oneB = cb === 1 || cb === -1;
    // 1 ± y cancels whether y appears as itself or negated (1 − cos x is also 1 + (−cos x))
    const cancels = (id: number) => {
      const negated = negatedChild(egraph, id);
      return classHas(egraph, id, CANCELS_WITH_ONE) ||
        (negated !== undefined && classHas(egraph, negated, CANCELS_WITH_ONE));
    };
    if (oneA && cancels(b)) return 1;
    if (oneB && cancels(a)) return 1;
    // a certain cancellation (for large close arguments) outweighs a merely possible division by zero
    if (cancellingDifference(egraph, op, a, b)) return 2;
    return 0;
  }
  // squaring an unbounded value under a root overflows long before the root does (√(x² + y²) vs hypot)
  if (op === "sqrt" || (op === "pow" && egraph.data(pool.child(r, 1)).constant === 0.5)) {
    const inner = pool.child(r, 0);
    for (const n of egraph.nodes(inner)) {
      if (TERM_OPS[pool.ops[n]] !== "add") continue;
      const squares = [pool.child(n, 0), pool.child(n, 1)].filter((c) => classHas(egraph, c, SQUARING));
      if (squares.some((c) => egraph.data(c).range.hi > SQUARE_SAFE_BOUND)) return 1;
    }
    return 0;
  }
  if (!RISKY.has(op)) return 0;
  const arg = egraph.data(pool.child(r, 0));
  switch (op) {
    case "exp":
      return arg.range.hi <= EXP_SAFE_BOUND ? 0 : 1;
    case "log":
      return arg.range.lo > 0 && !isOnePlusSmall(egraph, pool.child(r, 0)) ? 0 : 1;
    case "div": {
      const d = egraph.data(pool.child(r, 1)).range;
      return !d.nan && (d.lo > 0 || d.hi < 0) ? 0 : 1;
    }
    default: { // pow: a constant non-negative exponent is plain multiplication
      const e = egraph.data(pool.child(r, 1));
      if (e.constant !== undefined && e.constant >= 0) return 0;
      if (e.constant !== undefined && (arg.range.lo > 0 || arg.range.hi < 0)) return 0;
      return 1;
    }
  }
}

/** The speed cost of node `r` of class `id` (0 for leaves). */
function speed(egraph: EGraph<TermData>, r: number, id: number, op: OpName): number {
  const pool = egraph.pool;
  if (pool.arities[r] === 0) return 0;
  const out = elements(egraph.data(id).shape);
  const elementwise = ELEMENTWISE_SPEED[op];
  if (elementwise !== undefined) return out * (1 + elementwise);
  const reduction = REDUCTION_SPEED[op];
  if (reduction !== undefined) return elements(egraph.data(pool.child(r, 0)).shape) * reduction + out;
  const move = MOVE_SPEED[op];
  if (move !== undefined) return out * move;
  if (op === "matmul") {
    const a = egraph.data(pool.child(r, 0)).shape;
    const inner = a[a.length - 1];
    return out * (2 * (inner === null ? UNKNOWN_SIZE : inner) + 1);
  }
  return out * 2;
}

/**
 * The cost of one node (without its children): `[instability, speed]`.
 *
 * @example
 * ```ts
 * import { nodeCost } from "./cost.ts";
 * // extractBest(egraph, roots, nodeCost)
 * ```
 */
export function nodeCost(egraph: EGraph<TermData>, record: number, classId: number): Cost {
  const op = TERM_OPS[egraph.pool.ops[record]];
  return [instability(egraph, record, op), speed(egraph, record, classId, op)];
}
