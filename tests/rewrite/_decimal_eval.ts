/**
 * A high-precision evaluator of terms (decimal.js, 250 significant digits): the mathematical value of a term at
 * float64 inputs, up to an error far below float64's. The rule soundness test uses it to tell a rewrite that
 * changes a value (unsound) from one that only rounds differently (two float64 results apart, one exact value),
 * and the stability benchmark measures bits of error against it.
 *
 * NaN and ±∞ follow IEEE/JavaScript semantics (∞ − ∞ is NaN, 1/0 is ∞). Where a value's magnitude leaves
 * decimal.js's range (exp(1e200)) the evaluator throws `OutOfRange` rather than return a wrong ∞ or 0: such an
 * input cannot be decided.
 *
 * Structural ops (transpose, reshape, broadcastTo, index, slice, concatenate) are evaluated by running the
 * reference op on arrays of element indices and gathering: their semantics cannot drift from the op table's.
 * @module
 */
import { Decimal } from "decimal.js";
import { NDArray } from "../../cas/ndarray.ts";
import { type Term, topoSort } from "../../cas/term.ts";
import { broadcastShapes, sizeOf } from "../../cas/shape.ts";
import { rowOf } from "../../cas/ops/table.ts";
import { reducedShape } from "../../cas/ops/reduce.ts";
import { matmulShape } from "../../cas/ops/linalg.ts";
import type { OpAttrs, ReduceAttrs } from "../../cas/ops/types.ts";
import type { OpName } from "../../cas/ops/names.ts";
import type { SharedVariable } from "../../cas/shared.ts";

/** The default number of significant digits. */
export const HIGH_PRECISION = 250;
/** The most digits `exactValues` uses (decimal.js keeps ln 10 and π to about 1000 digits). */
export const MAX_DIGITS = 620;

/** decimal.js configured for this evaluator: 250 digits (by default), the widest exponent range. */
export const D: typeof Decimal = Decimal.clone({ precision: HIGH_PRECISION, maxE: 9e15, minE: -9e15 });
type Dec = InstanceType<typeof Decimal>;

/** A value of the evaluator: elements in row-major order and a shape. */
export interface DecimalArray {
  readonly data: readonly Dec[];
  readonly shape: readonly number[];
}

/** Thrown when a value is too large or too small for decimal.js, or (`needsDigits`) for the precision used. */
export class OutOfRange extends Error {
  /** True when more digits might succeed (an addend was absorbed); false for exponent overflow. */
  readonly needsDigits: boolean;
  constructor(what: string, needsDigits = false) {
    super(`out of the high-precision range: ${what}`);
    this.name = "OutOfRange";
    this.needsDigits = needsDigits;
  }
}

/** Thrown for an op this evaluator does not know (the caller should treat it as a test failure). */
export class Unsupported extends Error {
  constructor(what: string) {
    super(`the decimal evaluator does not support ${what}`);
    this.name = "Unsupported";
  }
}

const ZERO = new D(0), ONE = new D(1);
const LN2 = D.ln(2);
const TWO_OVER_SQRT_PI = new D(2).div(D.sqrt(D.acos(-1)));
const NAN = new D(NaN);
const TINY = new D("1e-20");

/** Thrown where an addition would drop nearly all digits of its smaller addend: more precision is needed. */
class Absorbed extends Error {}
let checkAbsorption = true;

/**
 * a + b, throwing `Absorbed` where the smaller addend would keep fewer than 30 of its digits (1 + 1e-300 at 250
 * digits is 1, and a later log or subtraction would expose that as a wrong value, not a rounding).
 */
function plus(a: Dec, b: Dec): Dec {
  if (checkAbsorption && a.isFinite() && b.isFinite() && !a.isZero() && !b.isZero()) {
    const gap = Math.abs(a.e - b.e);
    if (gap > MAX_DIGITS - 30) throw new OutOfRange(`an addend ${gap} orders of magnitude below the other`);
    if (gap > D.precision - 30) throw new Absorbed();
  }
  return a.plus(b);
}
const minus = (a: Dec, b: Dec) => plus(a, b.neg());

/**
 * Throws `Absorbed` where `t`, the distance of a function's argument from a point where the function is a
 * nonzero constant (e^t near t = 0), is too small to show in the result: e^1e-300 at 250 digits is exactly 1,
 * and e^x − 1 would then be 0.
 */
function nearFixedPoint(t: Dec | number): void {
  const e = typeof t === "number" ? Math.floor(Math.log10(Math.abs(t))) : t.e;
  const zero = typeof t === "number" ? t === 0 : t.isZero();
  if (!zero && Number.isFinite(e) && e < -(D.precision - 30)) throw new Absorbed();
}

/** eˣ, throwing where a finite x gives ∞ or 0 (the true value is out of range, not infinite). */
function exp(x: Dec): Dec {
  nearFixedPoint(x);
  const r = D.exp(x);
  if (x.isFinite() && (!r.isFinite() || r.isZero())) throw new OutOfRange(`exp(${x.toPrecision(5)})`);
  return r;
}

function log1p(x: Dec): Dec {
  if (x.abs().lt(TINY)) return x.minus(x.pow(2).div(2)).plus(x.pow(3).div(3));
  return D.ln(plus(x, ONE));
}

function expm1(x: Dec): Dec {
  if (x.abs().lt(TINY)) return x.plus(x.pow(2).div(2)).plus(x.pow(3).div(6));
  return minus(exp(x), ONE);
}

function sign(x: Dec): Dec {
  return x.isNaN() ? NAN : x.isZero() ? ZERO : x.isPositive() ? ONE : ONE.neg();
}

function sinh(x: Dec): Dec {
  if (!x.isFinite()) return x;
  if (x.abs().lt(TINY)) return x.plus(x.pow(3).div(6));
  const e = exp(x);
  return minus(e, ONE.div(e)).div(2);
}

function cosh(x: Dec): Dec {
  if (x.isNaN()) return x;
  if (!x.isFinite()) return x.abs();
  const e = exp(x);
  return plus(e, ONE.div(e)).div(2);
}

function tanh(x: Dec): Dec {
  if (x.isNaN()) return x;
  if (!x.isFinite()) return sign(x);
  if (x.abs().lt(TINY)) return x.minus(x.pow(3).div(3));
  const e = exp(x.abs().times(-2)); // tanh|x| = (1 − e^−2|x|)/(1 + e^−2|x|)
  const r = minus(ONE, e).div(plus(ONE, e));
  return x.isNegative() ? r.neg() : r;
}

/** erf by its all-positive series (no cancellation); beyond 27, 1 − |erf| < 1e-318. */
function erf(x: Dec): Dec {
  if (x.isNaN()) return x;
  const ax = x.abs();
  if (ax.gt(27)) return sign(x);
  const x2 = ax.times(ax);
  let term = ax, sum = ax;
  for (let n = 1; n < 100000; n++) {
    term = term.times(x2.times(2)).div(2 * n + 1);
    sum = sum.plus(term);
    if (term.lt(sum.times("1e-260"))) break;
  }
  const r = TWO_OVER_SQRT_PI.times(D.exp(x2.neg())).times(sum);
  return x.isNegative() ? r.neg() : r;
}

function sigmoid(x: Dec): Dec {
  if (x.isNaN()) return x;
  if (!x.isFinite()) return x.isPositive() ? ONE : ZERO;
  if (x.isPositive()) return ONE.div(plus(ONE, exp(x.neg())));
  const e = exp(x);
  return e.div(plus(ONE, e));
}

function softplus(x: Dec): Dec {
  if (x.isNaN()) return x;
  if (!x.isFinite()) return x.isPositive() ? x : ZERO;
  if (x.isPositive()) return plus(x, log1p(exp(x.neg())));
  return log1p(exp(x));
}

function logaddexp(a: Dec, b: Dec): Dec {
  if (a.isNaN() || b.isNaN()) return NAN;
  if (a.eq(b)) return plus(a, LN2);
  const m = D.max(a, b), d = minus(a, b).abs();
  if (!d.isFinite()) return m;
  return plus(m, log1p(exp(d.neg())));
}

function pow(a: Dec, b: Dec): Dec {
  // special values follow Math.pow exactly (they are exact float64 numbers)
  if (!a.isFinite() || !b.isFinite() || a.isZero()) return new D(Math.pow(a.toNumber(), b.toNumber()));
  nearFixedPoint(b.toNumber() * Math.log(Math.abs(a.toNumber()))); // aᵇ = e^(b ln a)
  const r = D.pow(a, b);
  if (!r.isNaN() && (!r.isFinite() || r.isZero())) {
    throw new OutOfRange(`pow(${a.toPrecision(5)}, ${b.toPrecision(5)})`);
  }
  return r;
}

const truthy = (x: Dec) => !x.isZero() && !x.isNaN();
const bool = (b: boolean) => (b ? ONE : ZERO);
const nanOr = (a: Dec, b: Dec, f: () => Dec) => (a.isNaN() || b.isNaN() ? NAN : f());

const UNARY: Record<string, (x: Dec) => Dec> = {
  neg: (x) => x.neg(),
  exp,
  log: (x) => D.ln(x),
  log1p,
  expm1,
  sqrt: (x) => D.sqrt(x),
  square: (x) => x.times(x),
  abs: (x) => x.abs(),
  sign,
  floor: (x) => x.floor(),
  ceil: (x) => x.ceil(),
  round: (x) => x.toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN),
  sin: (x) => D.sin(x),
  cos: (x) => {
    if (x.isFinite()) nearFixedPoint(x.times(x)); // cos x = 1 − x²/2 + …
    return D.cos(x);
  },
  tan: (x) => D.tan(x),
  asin: (x) => D.asin(x),
  acos: (x) => {
    if (x.isFinite()) nearFixedPoint(x); // acos x = π/2 − x − …
    return D.acos(x);
  },
  atan: (x) => D.atan(x),
  sinh,
  cosh,
  tanh,
  asinh: (x) => D.asinh(x),
  acosh: (x) => D.acosh(x),
  atanh: (x) => D.atanh(x),
  erf,
  sigmoid,
  softplus,
  relu: (x) => (x.isNaN() ? x : x.gt(0) ? x : ZERO),
  log1mexp: (x) => D.ln(expm1(x).neg()),
  not: (x) => bool(!truthy(x)),
  stopGradient: (x) => x,
};

const BINARY: Record<string, (a: Dec, b: Dec) => Dec> = {
  add: plus,
  sub: minus,
  mul: (a, b) => a.times(b),
  div: (a, b) => a.div(b),
  pow,
  hypot: (a, b) => D.hypot(a, b),
  maximum: (a, b) => nanOr(a, b, () => (a.gte(b) ? a : b)),
  minimum: (a, b) => nanOr(a, b, () => (a.lte(b) ? a : b)),
  logaddexp,
  eq: (a, b) => bool(a.eq(b)),
  neq: (a, b) => bool(!a.eq(b)),
  lt: (a, b) => bool(a.lt(b)),
  le: (a, b) => bool(a.lte(b)),
  gt: (a, b) => bool(a.gt(b)),
  ge: (a, b) => bool(a.gte(b)),
  and: (a, b) => bool(truthy(a) && truthy(b)),
  or: (a, b) => bool(truthy(a) || truthy(b)),
};

/** For each cell of `outShape`, the flat index of the element of `shape` broadcast to it. */
function broadcastIndex(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = sizeOf(outShape), rank = outShape.length, offset = rank - shape.length;
  const out = new Int32Array(n);
  const strides = new Array<number>(shape.length);
  for (let s = 1, i = shape.length - 1; i >= 0; i--) {
    strides[i] = shape[i] === 1 ? 0 : s;
    s *= shape[i];
  }
  const index = new Array<number>(rank).fill(0);
  for (let k = 0; k < n; k++) {
    let flat = 0;
    for (let a = offset; a < rank; a++) flat += index[a] * strides[a - offset];
    out[k] = flat;
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a] < outShape[a]) break;
      index[a] = 0;
    }
  }
  return out;
}

function elementwise(args: readonly DecimalArray[], f: (...xs: Dec[]) => Dec): DecimalArray {
  const shape = broadcastShapes("decimal", args.map((a) => a.shape)) as number[];
  const maps = args.map((a) => broadcastIndex(a.shape, shape));
  const data = Array.from({ length: sizeOf(shape) }, (_, k) => f(...args.map((a, i) => a.data[maps[i][k]])));
  return { data, shape };
}

/** The flat input indices that each output cell of a reduction over `axes` combines. */
function reductionGroups(shape: readonly number[], axes: readonly number[]): number[][] {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const groups: number[][] = Array.from({ length: sizeOf(kept) }, () => []);
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < sizeOf(shape); flat++) {
    let o = 0;
    for (let a = 0; a < shape.length; a++) o = o * kept[a] + (axes.includes(a) ? 0 : index[a]);
    groups[o].push(flat);
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++index[a] < shape[a]) break;
      index[a] = 0;
    }
  }
  return groups;
}

function logsumexp(xs: Dec[]): Dec {
  if (xs.some((x) => x.isNaN())) return NAN;
  const m = xs.reduce((a, b) => (b.gt(a) ? b : a), new D(-Infinity));
  if (!m.isFinite()) return m; // all −∞ gives −∞; any +∞ gives +∞
  // terms below the maximum's may underflow to 0: they are then negligible next to its e⁰ = 1
  return plus(m, D.ln(xs.reduce((s, x) => plus(s, D.exp(minus(x, m))), ZERO)));
}

const REDUCERS: Record<string, (xs: Dec[]) => Dec> = {
  sum: (xs) => xs.reduce(plus, ZERO),
  prod: (xs) => xs.reduce((s, x) => s.times(x), ONE),
  mean: (xs) => xs.reduce(plus, ZERO).div(xs.length),
  max: (xs) => xs.reduce((a, b) => nanOr(a, b, () => (b.gt(a) ? b : a))),
  min: (xs) => xs.reduce((a, b) => nanOr(a, b, () => (b.lt(a) ? b : a))),
  logsumexp,
};

function reduce(x: DecimalArray, attrs: ReduceAttrs, f: (xs: Dec[]) => Dec): DecimalArray {
  const groups = reductionGroups(x.shape, attrs.axes);
  return {
    data: groups.map((g) => f(g.map((i) => x.data[i]))),
    shape: reducedShape(x.shape, attrs.axes, attrs.keepdims) as number[],
  };
}

function softmax(x: DecimalArray, axis: number, log: boolean): DecimalArray {
  const lse = reduce(x, { axes: [axis], keepdims: true }, logsumexp);
  return elementwise([x, lse], (v, l) => (log ? minus(v, l) : D.exp(minus(v, l))));
}

/** NumPy matmul: vectors promoted to matrices, batch axes broadcast. */
function matmul(a: DecimalArray, b: DecimalArray): DecimalArray {
  const as = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const bs = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  const [n, k] = as.slice(-2), [k2, m] = bs.slice(-2);
  if (k !== k2) throw new Unsupported(`matmul of [${a.shape}] and [${b.shape}]`);
  const batch = broadcastShapes("matmul", [as.slice(0, -2), bs.slice(0, -2)]) as number[];
  const aBatch = broadcastIndex(as.slice(0, -2), batch), bBatch = broadcastIndex(bs.slice(0, -2), batch);
  const data: Dec[] = [];
  for (let t = 0; t < sizeOf(batch); t++) {
    const ao = aBatch[t] * n * k, bo = bBatch[t] * k * m;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let s = ZERO;
        for (let p = 0; p < k; p++) s = plus(s, a.data[ao + i * k + p].times(b.data[bo + p * m + j]));
        data.push(s);
      }
    }
  }
  return { data, shape: matmulShape(a.shape, b.shape) as number[] };
}

const STRUCTURAL = new Set<OpName>(["transpose", "reshape", "broadcastTo", "index", "slice", "concatenate"]);

/** Runs a structural op on arrays of element indices, then gathers the elements those indices name. */
function structural(t: Term, args: readonly DecimalArray[]): DecimalArray {
  let offset = 0;
  const indexArrays = args.map((a) => {
    const idx = new Float64Array(a.data.length);
    for (let i = 0; i < idx.length; i++) idx[i] = offset + i;
    offset += idx.length;
    return new NDArray(idx, a.shape);
  });
  const all = args.flatMap((a) => a.data);
  const type = { dtype: "float64" as const, shape: t.shape };
  const gathered = rowOf(t.op).evaluate(indexArrays, t.attrs, type, indexArrays);
  return { data: Array.from(gathered.data, (i) => all[i]), shape: gathered.shape };
}

function castValue(x: Dec, dtype: string): Dec {
  if (dtype === "int32") return x.isFinite() ? x.trunc() : ZERO;
  if (dtype === "bool") return bool(truthy(x));
  return x;
}

/** Converts a concrete array to decimals (exactly: every float64 is a finite decimal). */
export function toDecimalArray(a: NDArray): DecimalArray {
  return { data: Array.from(a.data, (v) => new D(v)), shape: a.shape };
}

/**
 * Evaluates `outputs` with `digits` significant digits (250 by default); `bindings` give the `var` leaves (shared
 * variables read their value). The result is only as exact as the precision allows: exp(1e-300) − 1 is 0 at 250
 * digits; `exactValues` checks convergence. Throws `OutOfRange` where an intermediate value leaves decimal.js's
 * range or (unless `absorption` is false) an addition absorbs its smaller addend (1 + 1e-300), `Unsupported`
 * for unknown ops.
 */
export function evaluateDecimal(
  outputs: readonly Term[],
  bindings: ReadonlyMap<Term, NDArray>,
  digits: number = HIGH_PRECISION,
  absorption = true,
): DecimalArray[] {
  D.set({ precision: digits });
  checkAbsorption = absorption;
  try {
    return evaluateAll(outputs, bindings);
  } catch (error) {
    if (error instanceof Absorbed) throw new OutOfRange(`an addend absorbed at ${digits} digits`, true);
    throw error;
  } finally {
    D.set({ precision: HIGH_PRECISION });
    checkAbsorption = true;
  }
}

/**
 * The exact values of `outputs`, or `undefined` when they cannot be had: evaluated at 60, 250 and 600 digits
 * (up to `maxDigits` in all), each checked against a run with 20 more; the first precision where no addend is absorbed (1 + 1e-300) and
 * every element agrees with its check to 25 digits (catching cancellation after rounding, exp(1e-300) − 1)
 * gives the values. decimal.js keeps ln 10 and π to about 1000 digits, which
 * bounds the precision of its logarithms and trigonometry.
 */
export function exactValues(
  outputs: readonly Term[],
  bindings: ReadonlyMap<Term, NDArray>,
  maxDigits: number = MAX_DIGITS,
): DecimalArray[] | undefined {
  for (const digits of [60, HIGH_PRECISION, MAX_DIGITS - 20].filter((d) => d + 20 <= maxDigits)) {
    try {
      const values = evaluateDecimal(outputs, bindings, digits);
      const check = evaluateDecimal(outputs, bindings, digits + 20);
      if (values.every((v, i) => v.data.every((x, k) => agree(x, check[i].data[k])))) return check;
    } catch (error) {
      if (!(error instanceof OutOfRange)) throw error;
      if (!error.needsDigits) return undefined; // out of decimal.js's exponent range: more digits do not help
    }
  }
  return undefined;
}

function evaluateAll(outputs: readonly Term[], bindings: ReadonlyMap<Term, NDArray>): DecimalArray[] {
  const values = new Map<Term, DecimalArray>();
  for (const t of topoSort(outputs)) {
    const bound = bindings.get(t);
    if (bound !== undefined) {
      values.set(t, toDecimalArray(bound));
      continue;
    }
    const args = t.args.map((a) => values.get(a)!);
    values.set(t, evaluateNode(t, args));
  }
  return outputs.map((o) => values.get(o)!);
}

function evaluateNode(t: Term, args: readonly DecimalArray[]): DecimalArray {
  const op = t.op;
  if (op === "const") return toDecimalArray((t.attrs as OpAttrs["const"]).value);
  if (op === "shared") return toDecimalArray((t as SharedVariable).get());
  if (op === "var") throw new TypeError(`evaluateDecimal: no value given for ${String(t)}`);
  if (op in UNARY) return elementwise(args, UNARY[op]);
  if (op in BINARY) return elementwise(args, BINARY[op]);
  if (op === "where") return elementwise(args, (c, a, b) => (truthy(c) ? a : b));
  if (op === "cast") return elementwise(args, (x) => castValue(x, (t.attrs as OpAttrs["cast"]).dtype));
  if (op in REDUCERS) return reduce(args[0], t.attrs as ReduceAttrs, REDUCERS[op]);
  if (op === "count") {
    const n = (t.attrs as OpAttrs["count"]).axes.reduce((c, a) => c * args[0].shape[a], 1);
    return { data: [new D(n)], shape: [] };
  }
  if (op === "softmax" || op === "logSoftmax") {
    return softmax(args[0], (t.attrs as OpAttrs["softmax"]).axis, op === "logSoftmax");
  }
  if (op === "matmul") return matmul(args[0], args[1]);
  if (STRUCTURAL.has(op)) return structural(t, args);
  throw new Unsupported(op);
}

/** True when two high-precision values agree to `digits` significant digits (NaN agrees with NaN, ∞ with ∞). */
export function agree(a: Dec, b: Dec, digits = 25): boolean {
  if (a.isNaN() || b.isNaN()) return a.isNaN() && b.isNaN();
  if (!a.isFinite() || !b.isFinite()) return a.eq(b);
  const scale = D.max(a.abs(), b.abs());
  return a.minus(b).abs().lte(scale.times(new D(10).pow(-digits)));
}

/** The exact value of a scalar term at `bindings` (see `exactValues`), or `undefined`. */
export function exactScalar(term: Term, bindings: ReadonlyMap<Term, NDArray>): Dec | undefined {
  return exactValues([term], bindings)?.[0].data[0];
}

/** A float's position in the ordered sequence of all floats of its width (so adjacent floats differ by 1). */
function orderedIndex(x: number, dtype: "float32" | "float64"): bigint {
  if (dtype === "float32") {
    const bits = new Int32Array(new Float32Array([x]).buffer)[0];
    return BigInt(bits < 0 ? -(bits & 0x7fffffff) : bits);
  }
  const bits = new BigInt64Array(new Float64Array([x]).buffer)[0];
  return bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits;
}

/**
 * Herbie's bits of error: log2(1 + the number of floats of `dtype` between `value` and `exact` rounded to
 * `dtype`). NaN against a number counts the full width (64 or 32 bits); NaN against NaN counts 0.
 *
 * @example
 * ```ts
 * import { bitsOfError, D } from "./_decimal_eval.ts";
 * bitsOfError(0.1, new D("0.1"), "float64"); // 0
 * ```
 */
export function bitsOfError(value: number, exact: Dec, dtype: "float32" | "float64"): number {
  const width = dtype === "float32" ? 32 : 64;
  if (exact.isNaN() || Number.isNaN(value)) return exact.isNaN() && Number.isNaN(value) ? 0 : width;
  const rounded = dtype === "float32" ? Math.fround(exact.toNumber()) : exact.toNumber();
  const ulps = orderedIndex(value, dtype) - orderedIndex(rounded, dtype);
  return Math.log2(1 + Math.abs(Number(ulps)));
}
