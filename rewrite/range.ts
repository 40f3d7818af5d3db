/**
 * Value ranges: a sound interval `[lo, hi]` for every element of an e-class, and whether an element may be NaN.
 * Conditional rules consult them (`exp(log x) → x` only where `x > 0`), and so does the cost model (`exp` of an
 * argument bounded above cannot overflow). One row per op, by interval arithmetic; where an op's range is not
 * worked out it is the whole line with NaN possible, which is always sound.
 * @module
 */
import type { DType } from "../cas/dtype.ts";
import type { OpName } from "../cas/ops/names.ts";
import * as M from "../cas/ops/scalar_math.ts";

/** A sound range of values: every non-NaN element lies in `[lo, hi]`; `nan` false means no element is NaN. */
export interface Interval {
  /** Lower bound of the non-NaN values. */
  readonly lo: number;
  /** Upper bound of the non-NaN values. */
  readonly hi: number;
  /** True when an element may be NaN. */
  readonly nan: boolean;
}

/** Anything at all (the sound default). */
export const ANYTHING: Interval = Object.freeze({ lo: -Infinity, hi: Infinity, nan: true });
const BOOL: Interval = Object.freeze({ lo: 0, hi: 1, nan: false });

/** The interval of a variable input of `dtype`: floats may hold anything, NaN included. */
export function inputRange(dtype: DType): Interval {
  if (dtype === "bool") return BOOL;
  if (dtype === "int32") return { lo: -2147483648, hi: 2147483647, nan: false };
  return ANYTHING;
}

/** The interval spanned by some values. */
export function rangeOfValues(values: ArrayLike<number>): Interval {
  let lo = Infinity, hi = -Infinity, nan = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) nan = true;
    else {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) return { lo: -Infinity, hi: Infinity, nan }; // all NaN (or empty): bounds say nothing
  return { lo, hi, nan };
}

/** The intersection of two sound ranges of the same values (both hold, so their meet does). */
export function intersect(a: Interval, b: Interval): Interval {
  const lo = Math.max(a.lo, b.lo), hi = Math.min(a.hi, b.hi), nan = a.nan && b.nan;
  if (lo > hi) return a; // contradictory facts (an unsound rule upstream): keep one rather than invent an empty set
  if (lo === a.lo && hi === a.hi && nan === a.nan) return a;
  if (lo === b.lo && hi === b.hi && nan === b.nan) return b;
  return { lo, hi, nan };
}

/** True when both are the same range. */
export function sameRange(a: Interval, b: Interval): boolean {
  return a === b || (a.lo === b.lo && a.hi === b.hi && a.nan === b.nan);
}

/** Rounds computed bounds outward a little, so float64 rounding of the bound itself cannot make it unsound. */
function outward(lo: number, hi: number, nan: boolean): Interval {
  const l = lo !== lo ? -Infinity : Number.isFinite(lo) ? lo - Math.abs(lo) * 1e-12 : lo;
  const h = hi !== hi ? Infinity : Number.isFinite(hi) ? hi + Math.abs(hi) * 1e-12 : hi;
  return { lo: l, hi: h, nan: nan || lo !== lo || hi !== hi };
}

/** A monotone increasing function applied to an interval (NaN where the function gives NaN at the ends). */
function increasing(f: (x: number) => number, a: Interval, nanInside = false): Interval {
  return outward(f(a.lo), f(a.hi), a.nan || nanInside);
}

/** A monotone decreasing function applied to an interval. */
function decreasing(f: (x: number) => number, a: Interval, nanInside = false): Interval {
  return outward(f(a.hi), f(a.lo), a.nan || nanInside);
}

const clampLo = (r: Interval, lo: number): Interval => ({
  lo: Math.max(r.lo, lo),
  hi: Math.max(r.hi, lo),
  nan: r.nan,
});
const within = (r: Interval, lo: number, hi: number): Interval => ({
  lo: Math.min(Math.max(r.lo, lo), hi),
  hi: Math.max(Math.min(r.hi, hi), lo),
  nan: r.nan,
});

/** x restricted to a domain `[lo, hi]`: outside it the function gives NaN. */
function domain(a: Interval, lo: number, hi: number): { inside: Interval; outside: boolean } | undefined {
  const outside = a.lo < lo || a.hi > hi;
  const l = Math.max(a.lo, lo), h = Math.min(a.hi, hi);
  if (l > h) return undefined; // entirely outside: only NaN
  return { inside: { lo: l, hi: h, nan: a.nan }, outside };
}

function onDomain(a: Interval, lo: number, hi: number, f: (x: Interval) => Interval): Interval {
  const d = domain(a, lo, hi);
  if (d === undefined) return ANYTHING;
  const r = f(d.inside);
  return d.outside ? { ...r, nan: true } : r;
}

function square(a: Interval): Interval {
  if (a.lo >= 0) return outward(a.lo * a.lo, a.hi * a.hi, a.nan);
  if (a.hi <= 0) return outward(a.hi * a.hi, a.lo * a.lo, a.nan);
  return clampLo(outward(0, Math.max(a.lo * a.lo, a.hi * a.hi), a.nan), 0);
}

function abs(a: Interval): Interval {
  if (a.lo >= 0) return a;
  if (a.hi <= 0) return { lo: -a.hi, hi: -a.lo, nan: a.nan };
  return { lo: 0, hi: Math.max(-a.lo, a.hi), nan: a.nan };
}

function add(a: Interval, b: Interval): Interval {
  // ∞ + (−∞) is NaN
  const nan = a.nan || b.nan || (a.hi === Infinity && b.lo === -Infinity) ||
    (a.lo === -Infinity && b.hi === Infinity);
  return outward(a.lo + b.lo, a.hi + b.hi, nan);
}

function neg(a: Interval): Interval {
  return { lo: -a.hi, hi: -a.lo, nan: a.nan };
}

function mul(a: Interval, b: Interval, sameClass: boolean): Interval {
  if (sameClass) return square(a);
  const products = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
  // 0 · ∞ is NaN, also where the 0 lies inside one interval and the ∞ ends the other
  const zeroIn = (r: Interval) => r.lo <= 0 && r.hi >= 0;
  let lo = Infinity, hi = -Infinity;
  let nan = a.nan || b.nan || (zeroIn(a) && infIn(b)) || (zeroIn(b) && infIn(a));
  for (const p of products) {
    if (p !== p) {
      // 0 · ∞: NaN at that corner; the finite products near it approach 0
      nan = true;
      lo = Math.min(lo, 0);
      hi = Math.max(hi, 0);
    } else {
      lo = Math.min(lo, p);
      hi = Math.max(hi, p);
    }
  }
  return outward(lo, hi, nan);
}

function div(a: Interval, b: Interval): Interval {
  if (b.lo > 0 || b.hi < 0) {
    const quotients = [a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi];
    let lo = Infinity, hi = -Infinity, nan = a.nan || b.nan;
    for (const q of quotients) {
      if (q !== q) {
        nan = true; // ∞/∞
        lo = -Infinity;
        hi = Infinity;
      } else {
        lo = Math.min(lo, q);
        hi = Math.max(hi, q);
      }
    }
    return outward(lo, hi, nan);
  }
  // the divisor may be 0 (or −0, which intervals cannot tell apart): ±∞, and 0/0 = NaN
  return ANYTHING;
}

function pow(a: Interval, b: Interval): Interval {
  const r = powIntegerOrAny(a, b);
  return b.nan && !r.nan ? { ...r, nan: true } : r;
}

const infIn = (r: Interval) => r.lo === -Infinity || r.hi === Infinity;

function powIntegerOrAny(a: Interval, b: Interval): Interval {
  if (b.lo === b.hi && Number.isInteger(b.lo)) {
    const k = b.lo;
    if (k === 0) return { lo: 1, hi: 1, nan: false }; // x⁰ = 1 even for NaN and ∞ in IEEE pow
    if (k % 2 === 0) {
      const s = square(a);
      return k > 0 ? outward(s.lo ** (k / 2), s.hi ** (k / 2), a.nan) : decreasing((x) => x ** (k / 2), s);
    }
    if (k > 0) return increasing((x) => x ** k, a);
    if (a.lo > 0 || a.hi < 0) return decreasing((x) => x ** k, a);
    return { lo: -Infinity, hi: Infinity, nan: a.nan || b.nan };
  }
  // JavaScript's 1^±∞ is NaN (IEEE says 1)
  if (a.lo > 0) return { lo: 0, hi: Infinity, nan: a.nan || b.nan || (a.lo <= 1 && a.hi >= 1 && infIn(b)) };
  // a zero base may be −0 (intervals cannot tell), and (−0)^(negative odd) = −∞
  if (a.lo >= 0 && b.lo >= 0) return { lo: 0, hi: Infinity, nan: true };
  return ANYTHING;
}

function unary(op: OpName, a: Interval): Interval {
  switch (op) {
    case "neg":
      return neg(a);
    case "exp":
      return clampLo(increasing(Math.exp, a), 0);
    case "expm1":
      return clampLo(increasing(Math.expm1, a), -1);
    case "log":
      return onDomain(a, 0, Infinity, (x) => increasing(Math.log, x));
    case "log1p":
      return onDomain(a, -1, Infinity, (x) => increasing(Math.log1p, x));
    case "sqrt":
      return onDomain(a, 0, Infinity, (x) => clampLo(increasing(Math.sqrt, x), 0));
    case "square":
      return square(a);
    case "abs":
      return abs(a);
    case "sign":
      return { lo: Math.sign(a.lo) || 0, hi: Math.sign(a.hi) || 0, nan: a.nan };
    case "floor":
      return { lo: Math.floor(a.lo), hi: Math.floor(a.hi), nan: a.nan };
    case "ceil":
      return { lo: Math.ceil(a.lo), hi: Math.ceil(a.hi), nan: a.nan };
    case "round":
      return { lo: Math.floor(a.lo), hi: Math.ceil(a.hi), nan: a.nan };
    case "sin":
    case "cos":
      return { lo: -1, hi: 1, nan: a.nan || a.lo === -Infinity || a.hi === Infinity };
    case "tan":
      return { lo: -Infinity, hi: Infinity, nan: a.nan || a.lo === -Infinity || a.hi === Infinity };
    case "asin":
      return onDomain(a, -1, 1, (x) => within(increasing(Math.asin, x), -Math.PI / 2, Math.PI / 2));
    case "acos":
      return onDomain(a, -1, 1, (x) => within(decreasing(Math.acos, x), 0, Math.PI));
    case "atan":
      return within(increasing(Math.atan, a), -Math.PI / 2, Math.PI / 2);
    case "sinh":
      return increasing(Math.sinh, a);
    case "cosh":
      return clampLo(increasing(Math.cosh, abs(a)), 1);
    case "tanh":
      return within(increasing(Math.tanh, a), -1, 1);
    case "asinh":
      return increasing(Math.asinh, a);
    case "acosh":
      return onDomain(a, 1, Infinity, (x) => clampLo(increasing(Math.acosh, x), 0));
    case "atanh":
      return onDomain(a, -1, 1, (x) => increasing(Math.atanh, x));
    case "erf":
      return within(increasing(M.erf, a), -1, 1);
    case "sigmoid":
      return within(increasing(M.sigmoid, a), 0, 1);
    case "softplus":
      return clampLo(increasing(M.softplus, a), 0);
    case "relu":
      return { lo: Math.max(a.lo, 0), hi: Math.max(a.hi, 0), nan: a.nan };
    case "log1mexp":
      // log(1 − eˣ) is defined for x ≤ 0 and decreasing there (0 at −∞, −∞ at 0)
      return onDomain(a, -Infinity, 0, (x) => within(decreasing(M.log1mexp, x), -Infinity, 0));
    case "not":
      return BOOL;
    default:
      return ANYTHING;
  }
}

function binary(op: OpName, a: Interval, b: Interval, sameClass: boolean): Interval {
  switch (op) {
    case "add":
      return add(a, b);
    case "sub":
      return sameClass && !a.nan && a.lo > -Infinity && a.hi < Infinity
        ? { lo: 0, hi: 0, nan: false }
        : add(a, neg(b));
    case "mul":
      return mul(a, b, sameClass);
    case "div":
      return div(a, b);
    case "pow":
      return pow(a, b);
    case "hypot":
      return { lo: 0, hi: Infinity, nan: a.nan || b.nan };
    case "maximum":
      return { lo: Math.max(a.lo, b.lo), hi: Math.max(a.hi, b.hi), nan: a.nan || b.nan };
    case "minimum":
      return { lo: Math.min(a.lo, b.lo), hi: Math.min(a.hi, b.hi), nan: a.nan || b.nan };
    case "logaddexp": {
      // max(a, b) ≤ logaddexp(a, b) ≤ max(a, b) + ln 2
      const lo = Math.max(a.lo, b.lo), hi = Math.max(a.hi, b.hi) + Math.LN2;
      return outward(lo, hi, a.nan || b.nan || (a.hi === Infinity && b.hi === Infinity));
    }
    case "eq":
    case "neq":
    case "lt":
    case "le":
    case "gt":
    case "ge":
    case "and":
    case "or":
      return BOOL;
    default:
      return ANYTHING;
  }
}

/** The union of two ranges (either value may occur). */
export function hull(a: Interval, b: Interval): Interval {
  return { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi), nan: a.nan || b.nan };
}

/**
 * The range of `op` applied to arguments with ranges `args`. `sameArgs` says the two arguments of a binary op
 * are one e-class (so `x * x ≥ 0` and `x − x = 0` where x is finite). `dtype` is the result's dtype (float32
 * results are rounded, which is monotone, so rounding the bounds keeps them sound).
 *
 * @example
 * ```ts
 * import { ANYTHING, rangeOf } from "./range.ts";
 * rangeOf("exp", [ANYTHING], false, "float64"); // { lo: 0, hi: Infinity, nan: true }
 * ```
 */
export function rangeOf(op: OpName, args: readonly Interval[], sameArgs: boolean, dtype: DType): Interval {
  let r: Interval;
  switch (op) {
    case "sum":
      r = nonNegativeOrAnything(args[0]);
      break;
    case "prod":
      r = args[0].lo >= 0 ? { lo: 0, hi: Infinity, nan: args[0].nan } : ANYTHING;
      break;
    case "mean": {
      // the mean lies between the extremes, unless an accumulator overflows (huge bounds) or ±∞ meet (NaN)
      const a = args[0];
      r = {
        lo: a.lo < -1e30 ? -Infinity : a.lo,
        hi: a.hi > 1e30 ? Infinity : a.hi,
        nan: a.nan || (a.lo === -Infinity && a.hi === Infinity),
      };
      break;
    }
    case "max":
    case "min":
    case "transpose":
    case "reshape":
    case "broadcastTo":
    case "index":
    case "slice":
    case "stopGradient":
      r = args[0];
      break;
    case "concatenate":
      r = args.reduce(hull);
      break;
    case "logsumexp":
      // at least the maximum element, and +∞ is possible by summing; −∞ only when every element is
      r = { lo: args[0].lo, hi: Infinity, nan: args[0].nan };
      break;
    case "softmax":
      r = { lo: 0, hi: 1, nan: true }; // NaN when an axis holds +∞ or NaN
      break;
    case "logSoftmax":
      r = { lo: -Infinity, hi: 0, nan: true };
      break;
    case "count":
      r = { lo: 0, hi: Infinity, nan: false };
      break;
    case "matmul":
      r = ANYTHING;
      break;
    case "where":
      r = hull(args[1], args[2]);
      break;
    case "cast":
      r = dtype === "bool" ? BOOL : dtype === "int32" ? castToInt(args[0]) : args[0];
      break;
    default:
      r = args.length === 1
        ? unary(op, args[0])
        : args.length === 2
        ? binary(op, args[0], args[1], sameArgs)
        : ANYTHING;
  }
  if (dtype === "float32") return { lo: Math.fround(r.lo), hi: Math.fround(r.hi), nan: r.nan };
  if (dtype === "bool") return BOOL;
  if (dtype === "int32") {
    return { lo: Math.max(r.lo, -2147483648), hi: Math.min(r.hi, 2147483647), nan: false };
  }
  return r;
}

function nonNegativeOrAnything(a: Interval): Interval {
  // a sum of non-negative elements is non-negative (and could overflow to +∞); other sums are unbounded
  if (a.lo >= 0) return { lo: 0, hi: Infinity, nan: a.nan };
  if (a.hi <= 0) return { lo: -Infinity, hi: 0, nan: a.nan };
  return { lo: -Infinity, hi: Infinity, nan: a.nan || (a.lo === -Infinity && a.hi === Infinity) };
}

function castToInt(a: Interval): Interval {
  return {
    lo: Math.trunc(Math.max(a.lo, -2147483648)),
    hi: Math.trunc(Math.min(a.hi, 2147483647)),
    nan: false,
  };
}
