/**
 * Op-table rows of softmax and log-softmax along one axis (evaluated in their stable, max-shifted forms), and of
 * `stopGradient`, the identity that autodiff treats as a constant.
 * @module
 */
import { floatTypeOf } from "../dtype.ts";
import { normalizeAxis } from "../shape.ts";
import { NDArray } from "../ndarray.ts";
import { REDUCE_ROWS } from "./reduce.ts";
import { mapBroadcast } from "./_broadcast.ts";
import type { OpRow, TermType } from "./types.ts";

function softmaxRow<K extends "softmax" | "logSoftmax">(op: K, log: boolean): OpRow<K> {
  return {
    arity: 1,
    normalize: ([x], { axis }) => ({ axis: normalizeAxis(op, axis, x.shape.length) }),
    infer: ([x]: readonly TermType[]) => ({ dtype: floatTypeOf(x.dtype), shape: x.shape }),
    evaluate: ([x], { axis }, type) => {
      // shift by the row maximum (exact), then exp: no overflow, and no rounding of a large logsumexp leaks in
      const keep = { axes: [axis], keepdims: true };
      const f64 = { dtype: "float64" as const, shape: [] };
      const m = REDUCE_ROWS.max.evaluate([x], keep, f64, [type]);
      const shifted = mapBroadcast(op, [x, m], "float64", (v, mx) => (Number.isFinite(mx) ? v - mx : v));
      const e = mapBroadcast(op, [shifted], "float64", Math.exp);
      const s = REDUCE_ROWS.sum.evaluate([e], keep, f64, [type]);
      return log
        ? mapBroadcast(op, [shifted, s], type.dtype, (v, t) => v - Math.log(t))
        : mapBroadcast(op, [e, s], type.dtype, (v, t) => v / t);
    },
    print: { kind: "call", name: op },
  };
}

/** `softmax(x, axis)`: exp(x) / Σ exp(x) along `axis`. */
export const SOFTMAX_ROW: OpRow<"softmax"> = softmaxRow("softmax", false);
/** `logSoftmax(x, axis)`: x − logsumexp(x) along `axis`. */
export const LOG_SOFTMAX_ROW: OpRow<"logSoftmax"> = softmaxRow("logSoftmax", true);

/** `stopGradient(x)`: `x` itself; its derivative is taken to be zero. */
export const STOP_GRADIENT_ROW: OpRow<"stopGradient"> = {
  arity: 1,
  infer: ([x]) => x,
  evaluate: ([x]) => new NDArray(x.data.slice(), x.shape),
  print: { kind: "call", name: "stopGradient" },
};
