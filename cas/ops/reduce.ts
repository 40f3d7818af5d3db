/**
 * Op-table rows of the reductions (`sum mean max min prod logsumexp`) and of `count`, the number of elements a
 * reduction averages over (needed where sizes are known only at call time, e.g. the gradient of `mean`).
 * @module
 */
import { allocate, type DType, floatTypeOf } from "../dtype.ts";
import { formatShape, type Shape, ShapeError, sizeOf, stridesOf } from "../shape.ts";
import { NDArray } from "../ndarray.ts";
import type { ReduceOp } from "./names.ts";
import type { OpRow, ReduceAttrs, TermType } from "./types.ts";

/** Normalizes reduction axes: negatives made positive, sorted, duplicates and out-of-range rejected. */
export function normalizeAxes(op: string, axes: readonly number[], rank: number): number[] {
  const out = axes.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw new ShapeError(`${op}: axis ${a} is out of range for an array of rank ${rank}`);
    }
    return a < 0 ? a + rank : a;
  }).sort((a, b) => a - b);
  if (out.some((a, i) => i > 0 && out[i - 1] === a)) {
    throw new ShapeError(`${op}: repeated axis in [${axes.join(", ")}]`);
  }
  return out;
}

/** The static shape after reducing `axes` of `shape`. */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): (number | null)[] {
  const out: (number | null)[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

/**
 * Visits the input in order, handing each element with the flat index of its output cell. Accumulation is in
 * float64 (`Float64Array` scratch), whatever the dtype, then rounded once on store.
 */
function forEachCell(
  x: NDArray,
  axes: readonly number[],
  visit: (outIndex: number, value: number) => void,
): void {
  const shape = x.shape;
  const rank = shape.length;
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const keptStrides = stridesOf(kept);
  const outStride = shape.map((_, i) => (axes.includes(i) ? 0 : keptStrides[i]));
  const index = new Array<number>(rank).fill(0);
  let o = 0;
  const data = x.data;
  for (let i = 0; i < data.length; i++) {
    visit(o, data[i]);
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      o += outStride[axis];
      if (index[axis] < shape[axis]) break;
      o -= outStride[axis] * shape[axis];
      index[axis] = 0;
    }
  }
}

function reduceInto(
  x: NDArray,
  attrs: ReduceAttrs,
  dtype: DType,
  init: number,
  combine: (acc: number, v: number) => number,
  finish: (acc: number, count: number) => number = (acc) => acc,
): NDArray {
  const outShape = reducedShape(x.shape, attrs.axes, attrs.keepdims) as number[];
  const n = sizeOf(outShape);
  const acc = new Float64Array(n).fill(init);
  forEachCell(x, attrs.axes, (o, v) => {
    acc[o] = combine(acc[o], v);
  });
  const count = attrs.axes.reduce((c, a) => c * x.shape[a], 1);
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) out[i] = finish(acc[i], count);
  return new NDArray(out, outShape);
}

const nanMax = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a >= b ? a : b);
const nanMin = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a <= b ? a : b);

function requireNonEmpty(op: string, x: NDArray, axes: readonly number[]): void {
  if (axes.some((a) => x.shape[a] === 0)) {
    throw new ShapeError(`${op}: cannot reduce an empty axis of shape ${formatShape(x.shape)} (no identity)`);
  }
}

/** log Σ exp, shifted by the maximum so no exponential overflows (and −∞ inputs stay −∞). */
function logsumexpEval(x: NDArray, attrs: ReduceAttrs, dtype: DType): NDArray {
  const keep = { axes: attrs.axes, keepdims: true };
  const m = reduceInto(x, keep, "float64", -Infinity, nanMax).data;
  const s = new Float64Array(m.length);
  forEachCell(x, attrs.axes, (o, v) => {
    const shift = Number.isFinite(m[o]) ? m[o] : 0;
    s[o] += Math.exp(v - shift);
  });
  const outShape = reducedShape(x.shape, attrs.axes, attrs.keepdims) as number[];
  const out = allocate(dtype, s.length);
  for (let i = 0; i < s.length; i++) out[i] = (Number.isFinite(m[i]) ? m[i] : 0) + Math.log(s[i]);
  return new NDArray(out, outShape);
}

type Evaluator = (x: NDArray, attrs: ReduceAttrs, dtype: DType) => NDArray;

function reduceRow<K extends ReduceOp>(
  op: K,
  resultDType: (d: DType) => DType,
  evaluate: Evaluator,
): OpRow<K> {
  return {
    arity: 1,
    normalize: ([x], attrs) => ({
      axes: normalizeAxes(op, attrs.axes, x.shape.length),
      keepdims: attrs.keepdims,
    }),
    infer: ([x], attrs) => ({
      dtype: resultDType(x.dtype),
      shape: reducedShape(x.shape, attrs.axes, attrs.keepdims),
    }),
    evaluate: ([x], attrs, type) => evaluate(x, attrs, type.dtype),
    print: { kind: "call", name: op },
  };
}

const sumType = (d: DType): DType => (d === "bool" ? "int32" : d);

/** The reduction rows. */
export const REDUCE_ROWS: { readonly [K in ReduceOp]: OpRow<K> } = {
  sum: reduceRow("sum", sumType, (x, a, d) => reduceInto(x, a, d, 0, (s, v) => s + v)),
  prod: reduceRow("prod", sumType, (x, a, d) => reduceInto(x, a, d, 1, (s, v) => s * v)),
  mean: reduceRow("mean", floatTypeOf, (x, a, d) => reduceInto(x, a, d, 0, (s, v) => s + v, (s, n) => s / n)),
  max: reduceRow("max", (d) => d, (x, a, d) => {
    requireNonEmpty("max", x, a.axes);
    return reduceInto(x, a, d, -Infinity, nanMax);
  }),
  min: reduceRow("min", (d) => d, (x, a, d) => {
    requireNonEmpty("min", x, a.axes);
    return reduceInto(x, a, d, Infinity, nanMin);
  }),
  logsumexp: reduceRow("logsumexp", floatTypeOf, logsumexpEval),
};

/** `count(x, axes)`: how many elements of `x` one output cell of a reduction over `axes` sees, as a scalar. */
export const COUNT_ROW: OpRow<"count"> = {
  arity: 1,
  normalize: ([x], attrs) => ({ axes: normalizeAxes("count", attrs.axes, x.shape.length) }),
  infer: ([x]: readonly TermType[]) => ({ dtype: floatTypeOf(x.dtype), shape: [] }),
  evaluate: ([x], attrs, type) => {
    const out = allocate(type.dtype, 1);
    out[0] = attrs.axes.reduce((c, a) => c * x.shape[a], 1);
    return new NDArray(out, []);
  },
  print: { kind: "call", name: "count" },
};
