/**
 * The VJP table: one row per op, saying how the adjoint `g` of an op's output becomes the adjoint of each
 * argument, written as terms (so gradients print, simplify, compile and differentiate again). Broadcasting is not
 * handled here: `grad` sums each adjoint back to its argument's shape once (`fitAdjoint`).
 *
 * The stable ops carry stable derivatives (softplus' = sigmoid, logsumexp' = softmax, sigmoid' = σ(x)·σ(−x),
 * log1mexp' = −1/expm1(−x), the log-softmax VJP without a division), so gradients are finite before any rewrite.
 * @module
 */
import * as api from "../cas/api.ts";
import type { Term } from "../cas/term.ts";
import type { BinaryOp, OpName, UnaryOp } from "../cas/ops/names.ts";
import type { OpAttrs } from "../cas/ops/types.ts";
import { isFloat } from "../cas/dtype.ts";
import { expandReduced, inversePerm } from "./_shapes.ts";
import { concatenateVjp, indexVjp, matmulVjp, reshapeVjp, sliceVjp } from "./_structure.ts";

/** What a VJP rule sees: the output adjoint, the argument terms, the output term and the op's attributes. */
export interface VjpInput<K extends OpName> {
  /** The adjoint of the output (the gradient of the cost with respect to `out`); it has `out`'s shape. */
  readonly g: Term;
  /** The op's argument terms. */
  readonly args: readonly Term[];
  /** The output term `op(args)`, for rules that reuse it (exp' = exp, softmax's VJP). */
  readonly out: Term;
  /** The op's (normalized) attributes. */
  readonly attrs: OpAttrs[K];
}

/**
 * The adjoint of argument `i`, before broadcasting is summed away, or `null` for a zero gradient (comparisons,
 * the piecewise-constant `sign floor ceil round`, `count`, `stopGradient`). Only the adjoints `grad` needs are
 * asked for, so a rule may throw for an argument nothing depends on without harm.
 */
export type VjpRule<K extends OpName> = (input: VjpInput<K>, i: number) => Term | null;

/** The rule of an op with no derivative: a zero gradient. */
const zero = (): null => null;

/** A unary rule from `(g, x, out) ↦ adjoint of x`. */
function unary<K extends UnaryOp>(f: (g: Term, x: Term, out: Term) => Term | null): VjpRule<K> {
  return ({ g, args, out }) => f(g, args[0], out);
}

/** A binary rule from the two adjoints `(g, a, b, out) ↦ [adjoint of a, adjoint of b]`, built lazily. */
function binary<K extends BinaryOp>(
  da: (g: Term, a: Term, b: Term, out: Term) => Term,
  db: (g: Term, a: Term, b: Term, out: Term) => Term,
): VjpRule<K> {
  return ({ g, args: [a, b], out }, i) => (i === 0 ? da : db)(g, a, b, out);
}

/** 2/√π, the scale of erf's derivative. */
const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** `b − 1`, folded when `b` is a scalar constant so `x^3` differentiates to `3 * x^2`. */
function minusOne(b: Term): Term {
  if (b.op === "const" && b.ndim === 0) {
    return api.constant((b.attrs as OpAttrs["const"]).value.item() - 1, b.dtype);
  }
  return api.sub(b, 1);
}

/**
 * `g` routed to the winner of an elementwise max/min: all of it where `wins`, half where the arguments tie (so
 * max(x, x) has derivative 1, as in JAX), none elsewhere.
 */
function route(g: Term, wins: Term, ties: Term): Term {
  return api.where(wins, g, api.where(ties, api.mul(g, 0.5), 0));
}

/**
 * The adjoint of a max/min reduction: `g` shared evenly among the entries equal to the result (ties split, so
 * the gradient sums to `g` over each reduced slice).
 */
function extremumVjp({ g, args: [x], out, attrs: { axes, keepdims } }: VjpInput<"max" | "min">): Term {
  const hit = api.eq(x, expandReduced(out, x, axes, keepdims));
  const ties = api.sum(api.cast(hit, g.dtype), axes, keepdims);
  return api.where(hit, expandReduced(api.div(g, ties), x, axes, keepdims), 0);
}

/**
 * The adjoint of a product reduction without dividing by zero. The slope of entry j is the product of the other
 * entries: with no zero in the slice, (product of nonzeros)/xⱼ; with exactly one zero z, the product of the
 * nonzeros at z and (product of nonzeros)/xⱼ·x_z elsewhere (0, but written with x_z so that its derivative is
 * right); with two or more, 0. Values are exact everywhere, second derivatives wherever a slice has at most one
 * zero.
 */
function prodVjp({ g, args: [x], attrs: { axes, keepdims } }: VjpInput<"prod">): Term {
  const isZero = api.eq(x, 0);
  const safe = api.where(isZero, 1, x);
  const othersNonzero = api.div(api.prod(safe, axes, true), safe); // at a zero entry: all the nonzeros
  const zeros = api.sum(api.cast(isZero, x.dtype), axes, true);
  const theZero = api.sum(api.where(isZero, x, 0), axes, true); // x_z when there is exactly one zero
  const slope = api.where(
    api.eq(zeros, 0),
    othersNonzero,
    api.where(api.eq(zeros, 1), api.where(isZero, othersNonzero, api.mul(othersNonzero, theZero)), 0),
  );
  return api.mul(expandReduced(g, x, axes, keepdims), slope);
}

/** Every op's VJP row; a missing row is a compile error. */
export const VJP: { readonly [K in OpName]: VjpRule<K> } = {
  // leaves: the adjoint stops here
  const: zero,
  var: zero,
  shared: zero,

  neg: unary((g) => api.neg(g)),
  exp: unary((g, _x, out) => api.mul(g, out)),
  log: unary((g, x) => api.div(g, x)),
  log1p: unary((g, x) => api.div(g, api.add(1, x))),
  expm1: unary((g, x) => api.mul(g, api.exp(x))),
  sqrt: unary((g, _x, out) => api.div(g, api.mul(2, out))),
  square: unary((g, x) => api.mul(g, api.mul(2, x))),
  abs: unary((g, x) => api.mul(g, api.sign(x))),
  // piecewise constant: zero almost everywhere
  sign: zero,
  floor: zero,
  ceil: zero,
  round: zero,
  sin: unary((g, x) => api.mul(g, api.cos(x))),
  cos: unary((g, x) => api.neg(api.mul(g, api.sin(x)))),
  tan: unary((g, _x, out) => api.mul(g, api.add(1, api.square(out)))),
  // (1 − x)(1 + x) rather than 1 − x², which cancels near |x| = 1
  asin: unary((g, x) => api.div(g, api.sqrt(api.mul(api.sub(1, x), api.add(1, x))))),
  acos: unary((g, x) => api.neg(api.div(g, api.sqrt(api.mul(api.sub(1, x), api.add(1, x)))))),
  atan: unary((g, x) => api.div(g, api.add(1, api.square(x)))),
  sinh: unary((g, x) => api.mul(g, api.cosh(x))),
  cosh: unary((g, x) => api.mul(g, api.sinh(x))),
  tanh: unary((g, _x, out) => api.mul(g, api.sub(1, api.square(out)))),
  // hypot(x, 1) = √(x² + 1) without overflow for large x
  asinh: unary((g, x) => api.div(g, api.hypot(x, 1))),
  acosh: unary((g, x) => api.div(g, api.sqrt(api.mul(api.sub(x, 1), api.add(x, 1))))),
  atanh: unary((g, x) => api.div(g, api.mul(api.sub(1, x), api.add(1, x)))),
  erf: unary((g, x) => api.mul(g, api.mul(api.exp(api.neg(api.square(x))), TWO_OVER_SQRT_PI))),
  // σ(x)·σ(−x) rather than σ(1 − σ): 1 − σ(x) rounds to 0 for x > 37, σ(−x) does not
  sigmoid: unary((g, x, out) => api.mul(g, api.mul(out, api.sigmoid(api.neg(x))))),
  softplus: unary((g, x) => api.mul(g, api.sigmoid(x))),
  // through the output (relu(x) > 0 exactly when x > 0, NaN included): x is then read by relu alone, so the
  // backend can fuse relu into the producer of x (a matrix product with bias) and never store x
  relu: unary((g, _x, out) => api.where(api.gt(out, 0), g, 0)),
  // d/dx log(1 − eˣ) = −eˣ/(1 − eˣ) = −1/(e⁻ˣ − 1): expm1 keeps it exact near 0
  log1mexp: unary((g, x) => api.neg(api.div(g, api.expm1(api.neg(x))))),
  not: zero,

  add: binary((g) => g, (g) => g),
  sub: binary((g) => g, (g) => api.neg(g)),
  mul: binary((g, _a, b) => api.mul(g, b), (g, a) => api.mul(g, a)),
  div: binary((g, _a, b) => api.div(g, b), (g, _a, b, out) => api.neg(api.div(api.mul(g, out), b))),
  pow: binary(
    (g, a, b) => api.mul(g, api.mul(b, api.pow(a, minusOne(b)))),
    // d/db aᵇ = aᵇ log a; at a = 0 that is 0·(−∞), but 0ᵇ is flat in b (b > 0), so the slope is 0
    (g, a, _b, out) => api.mul(g, api.where(api.eq(a, 0), 0, api.mul(out, api.log(a)))),
  ),
  hypot: binary(
    (g, a, _b, out) => api.mul(g, api.div(a, out)),
    (g, _a, b, out) => api.mul(g, api.div(b, out)),
  ),
  maximum: binary(
    (g, a, b) => route(g, api.gt(a, b), api.eq(a, b)),
    (g, a, b) => route(g, api.gt(b, a), api.eq(a, b)),
  ),
  minimum: binary(
    (g, a, b) => route(g, api.lt(a, b), api.eq(a, b)),
    (g, a, b) => route(g, api.lt(b, a), api.eq(a, b)),
  ),
  logaddexp: binary(
    (g, a, b) => api.mul(g, api.sigmoid(api.sub(a, b))),
    (g, a, b) => api.mul(g, api.sigmoid(api.sub(b, a))),
  ),
  eq: zero,
  neq: zero,
  lt: zero,
  le: zero,
  gt: zero,
  ge: zero,
  and: zero,
  or: zero,

  where: (
    { g, args: [cond] },
    i,
  ) => (i === 0 ? null : i === 1 ? api.where(cond, g, 0) : api.where(cond, 0, g)),
  // casting back is done by fitAdjoint; a cast to int32 or bool is piecewise constant
  cast: ({ g, out }) => (isFloat(out.dtype) ? g : null),

  sum: ({ g, args: [x], attrs: { axes, keepdims } }) => expandReduced(g, x, axes, keepdims),
  mean: ({ g, args: [x], attrs: { axes, keepdims } }) =>
    api.div(expandReduced(g, x, axes, keepdims), api.count(x, axes)),
  max: extremumVjp,
  min: extremumVjp,
  prod: prodVjp,
  // logsumexp' = softmax (stable); over several axes at once, exp(x − logsumexp), which is ≤ 1 as well
  logsumexp: ({ g, args: [x], out, attrs: { axes, keepdims } }) =>
    api.mul(
      expandReduced(g, x, axes, keepdims),
      axes.length === 1
        ? api.softmax(x, axes[0])
        : api.exp(api.sub(x, expandReduced(out, x, axes, keepdims))),
    ),
  count: zero,

  matmul: ({ g, args }, i) => matmulVjp(g, args, i),
  transpose: ({ g, attrs: { perm } }) => api.transpose(g, inversePerm(perm)),
  reshape: ({ g, args: [x] }) => reshapeVjp(g, x),
  // summing over the broadcast axes is fitAdjoint's job; the shape-giving second argument gets nothing
  broadcastTo: ({ g }, i) => (i === 0 ? g : null),
  concatenate: ({ g, args, attrs }, i) => concatenateVjp(g, args, attrs, i),
  index: ({ g, args: [x], attrs }) => indexVjp(g, x, attrs),
  slice: ({ g, args: [x], attrs }) => sliceVjp(g, x, attrs),

  // s·(g − Σ g·s): no division, no exponential of a large number
  softmax: ({ g, out, attrs: { axis } }) => api.mul(out, api.sub(g, api.sum(api.mul(g, out), axis, true))),
  logSoftmax: ({ g, args: [x], attrs: { axis } }) =>
    api.sub(g, api.mul(api.softmax(x, axis), api.sum(g, axis, true))),
  stopGradient: zero,
};

/** Ops whose rule is `zero` for every argument. */
const ZERO_GRADIENT_OPS: ReadonlySet<OpName> = new Set(
  (Object.keys(VJP) as OpName[]).filter((op) => (VJP[op] as unknown) === zero),
);

/**
 * False when no gradient can flow from an op's output into its argument `i` (zero rules, `where`'s condition,
 * `broadcastTo`'s shape-giving term), so `grad` need not ask for that adjoint or look below it.
 */
export function carriesGradient(op: OpName, i: number): boolean {
  if (ZERO_GRADIENT_OPS.has(op)) return false;
  return !((op === "where" && i === 0) || (op === "broadcastTo" && i === 1));
}

/** The VJP rule of `op`, typed loosely for code that handles ops generically. */
export function vjpRuleOf(op: OpName): VjpRule<OpName> {
  return VJP[op] as unknown as VjpRule<OpName>;
}
