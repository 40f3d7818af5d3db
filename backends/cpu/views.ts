/**
 * Strided views: how the CPU backend reads a value without copying it. Transposes, reshapes of contiguous data,
 * broadcasts, `index` and `slice` are all views of their argument's storage; kernels read views through strides.
 * @module
 */
import type { DType } from "../../cas/dtype.ts";
import { stridesOf } from "../../cas/shape.ts";

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

/** Axis `i` of the result is axis `perm[i]` of `view`. */
export function transposeView(view: View, perm: readonly number[]): View {
  return { ...view, shape: perm.map((p) => view.shape[p]), strides: perm.map((p) => view.strides[p]) };
}

/** The same contiguous elements with another shape (callers materialize non-contiguous views first). */
export function reshapeView(view: View, shape: readonly number[]): View {
  return { ...view, shape, strides: stridesOf(shape) };
}

/** Strides of `view` read inside an output of `outShape` (NumPy broadcasting: 0 on broadcast axes). */
export function broadcastStridesOf(view: View, outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const lead = rank - view.shape.length;
  return outShape.map((size, axis) => {
    const j = axis - lead;
    if (j < 0) return 0;
    return view.shape[j] === 1 && size !== 1 ? 0 : view.strides[j];
  });
}

/** `view` broadcast to `shape`. */
export function broadcastView(view: View, shape: readonly number[]): View {
  return { ...view, shape, strides: broadcastStridesOf(view, shape) };
}

/** Entry `i` of the leading axis. */
export function indexView(view: View, i: number): View {
  return {
    ...view,
    offset: view.offset + i * view.strides[0],
    shape: view.shape.slice(1),
    strides: view.strides.slice(1),
  };
}

/** Rows `first, first+step, …` (`count` of them) of the leading axis. */
export function sliceView(view: View, first: number, step: number, count: number): View {
  return {
    ...view,
    offset: view.offset + (count > 0 ? first * view.strides[0] : 0),
    shape: [count, ...view.shape.slice(1)],
    strides: [view.strides[0] * step, ...view.strides.slice(1)],
  };
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
