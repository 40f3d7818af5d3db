/**
 * Strided views: how the CPU backend reads a value without copying it. Transposes, reshapes of contiguous data,
 * broadcasts, `index` and `slice` are all views of their argument's storage; kernels read views through strides.
 * @module
 */
import type { DType } from "../../cas/dtype.ts";
import { stridesOf } from "../../cas/shape.ts";

// the strided-view algebra both backends share
export { broadcastStridesOf, broadcastView, indexView, sliceView, transposeView } from "../strided_view.ts";

/** A value as kernels see it: a storage slot, an element offset into it, a shape and per-axis strides. */
export interface View {
  /** The storage slot (an arena buffer, a caller's input, an output array …) of the instance. */
  readonly slot: number;
  /** Element offset of index 0 within the slot. */
  readonly offset: number;
  readonly shape: readonly number[];
  /** Element strides per axis (0 on broadcast axes). */
  readonly strides: readonly number[];
  readonly dtype: DType;
}

/** A contiguous row-major view of a whole slot. */
export function contiguousView(slot: number, shape: readonly number[], dtype: DType, offset = 0): View {
  return { slot, offset, shape, strides: stridesOf(shape), dtype };
}

/** True when the view is its elements in row-major order with no gaps (size-1 axes' strides don't matter). */
export function isContiguous(view: View): boolean {
  let expected = 1;
  for (let d = view.shape.length - 1; d >= 0; d--) {
    if (view.shape[d] === 1) continue;
    if (view.strides[d] !== expected) return false;
    expected *= view.shape[d];
  }
  return true;
}

/** The same contiguous elements with another shape (callers materialize non-contiguous views first). */
export function reshapeView(view: View, shape: readonly number[]): View {
  return { ...view, shape, strides: stridesOf(shape) };
}

/** Loop dims and per-operand strides after merging axes that are contiguous for every operand. */
export interface Collapsed {
  readonly dims: number[];
  readonly strides: number[][];
}

/**
 * Merges adjacent axes wherever every operand (and the contiguous output) steps through them as one, and drops
 * size-1 axes, so a broadcast add over [m, n] + [n] becomes two loops and a plain add one loop.
 * `strides[i]` are operand `i`'s strides over `shape`. Always returns at least one loop dim.
 */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): Collapsed {
  const out = stridesOf(shape);
  const all = [out, ...strides];
  const dims: number[] = [];
  const merged: number[][] = all.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = dims.length - 1;
    const joins = last >= 0 && all.every((s, i) => merged[i][last] === s[d] * shape[d]);
    if (joins) {
      dims[last] *= shape[d];
      all.forEach((s, i) => (merged[i][last] = s[d]));
    } else {
      dims.push(shape[d]);
      all.forEach((s, i) => merged[i].push(s[d]));
    }
  }
  if (dims.length === 0) {
    dims.push(shape.some((d) => d === 0) ? 0 : 1);
    merged.forEach((m) => m.push(0));
  }
  if (shape.some((d) => d === 0)) dims[0] = 0;
  return { dims, strides: merged.slice(1) };
}
