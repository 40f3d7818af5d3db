/**
 * Strided views of device buffers. Transpose, broadcast, index, slice and (contiguous) reshape change only a view's
 * offset, shape and strides; kernels read through the strides, so these ops never copy.
 * @module
 */
import type { DType } from "../../cas/dtype.ts";
import { stridesOf } from "../../cas/shape.ts";

// the strided-view algebra both backends share
export { broadcastStridesOf, broadcastView, indexView, sliceView, transposeView } from "../strided_view.ts";

/** A buffer of a call plan, before or after it is given a physical GPU buffer. */
export interface BufferSlot {
  /** Unique within a call plan. */
  readonly id: number;
  /** How many bytes it must hold. */
  readonly bytes: number;
  /** Who owns it: temporaries are pooled and reused within a call; the others live longer. */
  readonly kind: "temp" | "input" | "shared" | "const";
}

/** An array stored in a buffer: element `idx` is at `offset + Σ idx[d]·strides[d]` (in elements). */
export interface View {
  readonly slot: BufferSlot;
  readonly dtype: DType;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
}

/** A row-major view of a whole buffer. */
export function contiguousView(slot: BufferSlot, dtype: DType, shape: readonly number[]): View {
  return { slot, dtype, offset: 0, shape, strides: stridesOf(shape) };
}

/** True when the view's elements are in row-major order without gaps (size-1 axes may have any stride). */
export function isContiguous(view: View): boolean {
  const rowMajor = stridesOf(view.shape);
  return view.shape.every((d, i) => d <= 1 || view.strides[i] === rowMajor[i]);
}

/** The number of elements of a view. */
export function sizeOfView(view: View): number {
  return view.shape.reduce((a, b) => a * b, 1);
}

/** `view` seen with `shape`, or null when its layout cannot be (the caller copies it to a contiguous buffer first). */
export function reshapeView(view: View, shape: readonly number[]): View | null {
  if (!isContiguous(view)) return null;
  return { ...view, shape, strides: stridesOf(shape) };
}
