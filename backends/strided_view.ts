/**
 * The algebra of strided views shared by the CPU and WebGPU backends: transposing, broadcasting, indexing and
 * slicing an array change only its offset, shape and strides, never its data. Each backend's view type adds
 * where the data lives (an arena slot, a GPU buffer); these functions keep those fields as they are.
 * @module
 */

/** The part of a view these functions change: element `idx` is at `offset + Σ idx[d]·strides[d]`. */
export interface Strided {
  /** Element offset of index 0. */
  readonly offset: number;
  /** The view's shape. */
  readonly shape: readonly number[];
  /** Element strides per axis (0 on broadcast axes). */
  readonly strides: readonly number[];
}

/** Axis `i` of the result is axis `perm[i]` of `view`. */
export function transposeView<V extends Strided>(view: V, perm: readonly number[]): V {
  return { ...view, shape: perm.map((p) => view.shape[p]), strides: perm.map((p) => view.strides[p]) };
}

/** Strides of `view` read inside an output of `outShape` (NumPy broadcasting: 0 on broadcast axes). */
export function broadcastStridesOf(view: Strided, outShape: readonly number[]): number[] {
  const lead = outShape.length - view.shape.length;
  return outShape.map((size, axis) => {
    const j = axis - lead;
    if (j < 0) return 0;
    return view.shape[j] === 1 && size !== 1 ? 0 : view.strides[j];
  });
}

/** `view` broadcast to `shape`. */
export function broadcastView<V extends Strided>(view: V, shape: readonly number[]): V {
  return { ...view, shape, strides: broadcastStridesOf(view, shape) };
}

/** Entry `i` (already non-negative) of the leading axis. */
export function indexView<V extends Strided>(view: V, i: number): V {
  return {
    ...view,
    offset: view.offset + i * view.strides[0],
    shape: view.shape.slice(1),
    strides: view.strides.slice(1),
  };
}

/** Rows `first, first+step, …` (`count` of them) of the leading axis. */
export function sliceView<V extends Strided>(view: V, first: number, step: number, count: number): V {
  return {
    ...view,
    offset: view.offset + (count > 0 ? first * view.strides[0] : 0),
    shape: [count, ...view.shape.slice(1)],
    strides: [view.strides[0] * step, ...view.strides.slice(1)],
  };
}
