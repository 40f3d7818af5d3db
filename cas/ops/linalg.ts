/**
 * The op-table row of `matmul` with NumPy's semantics: 1-D arguments are promoted to a row/column and the added
 * axis removed again; leading (batch) axes broadcast. `dot` is built on it (see `cas/api`).
 * @module
 */
import { allocate, promoteTypes } from "../dtype.ts";
import { broadcastShapes, formatShape, type Shape, ShapeError, sizeOf } from "../shape.ts";
import { NDArray } from "../ndarray.ts";
import { broadcastStrides } from "./_broadcast.ts";
import type { OpRow } from "./types.ts";

/** The result shape of `matmul(a, b)`, or an error naming both shapes and the inner sizes. */
export function matmulShape(a: Shape, b: Shape): (number | null)[] {
  if (a.length === 0 || b.length === 0) {
    throw new ShapeError(
      `matmul: arguments must have at least 1 dimension, got ${formatShape(a)} and ${formatShape(b)}`,
    );
  }
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const k1 = a2[a2.length - 1];
  const k2 = b2[b2.length - 2];
  if (k1 !== null && k2 !== null && k1 !== k2) {
    throw new ShapeError(
      `matmul: inner sizes differ: ${formatShape(a)} @ ${formatShape(b)} needs ${k1} (last of the first) ` +
        `to equal ${k2} (second-to-last of the second)`,
    );
  }
  const batch = broadcastShapes("matmul", [a2.slice(0, -2), b2.slice(0, -2)]);
  const out: (number | null)[] = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]);
  if (b.length > 1) out.push(b2[b2.length - 1]);
  return out;
}

/** `matmul(a, b)`: matrix product with NumPy's promotion of 1-D arguments and broadcasting of batch axes. */
export const MATMUL_ROW: OpRow<"matmul"> = {
  arity: 2,
  infer: ([a, b]) => {
    const dtype = promoteTypes(a.dtype, b.dtype);
    return { dtype: dtype === "bool" ? "int32" : dtype, shape: matmulShape(a.shape, b.shape) };
  },
  evaluate: ([a, b], _attrs, type) => {
    const as = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
    const bs = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
    const m = as[as.length - 2], k = as[as.length - 1], n = bs[bs.length - 1];
    if (bs[bs.length - 2] !== k) {
      throw new ShapeError(`matmul: inner sizes differ: ${formatShape(a.shape)} @ ${formatShape(b.shape)}`);
    }
    const batch = broadcastShapes("matmul", [as.slice(0, -2), bs.slice(0, -2)]) as number[];
    const batchCount = sizeOf(batch);
    const aBatch = broadcastStrides(as.slice(0, -2), batch),
      bBatch = broadcastStrides(bs.slice(0, -2), batch);
    const out = allocate(type.dtype, batchCount * m * n);
    const index = new Array<number>(batch.length).fill(0);
    for (let t = 0; t < batchCount; t++) {
      let ao = 0, bo = 0;
      index.forEach((v, i) => {
        ao += v * aBatch[i];
        bo += v * bBatch[i];
      });
      ao *= m * k;
      bo *= k * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a.data[ao + i * k + p] * b.data[bo + p * n + j];
          out[t * m * n + i * n + j] = s;
        }
      }
      for (let axis = batch.length - 1; axis >= 0; axis--) {
        if (++index[axis] < batch[axis]) break;
        index[axis] = 0;
      }
    }
    return new NDArray(out, type.shape.map((d, i) => d ?? resultSize(a.shape, b.shape, batch, i)));
  },
  print: { kind: "call", name: "matmul" },
};

/** The call-time size of result axis `i` (for axes whose static size was unknown). */
function resultSize(a: readonly number[], b: readonly number[], batch: readonly number[], i: number): number {
  const full = [...batch];
  if (a.length > 1) full.push(a[a.length - 2]);
  if (b.length > 1) full.push(b[b.length - 1]);
  return full[i];
}
