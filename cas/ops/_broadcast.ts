/**
 * Reference evaluation of n-ary elementwise functions with NumPy broadcasting, under the static rule of
 * `shape.ts`: a size-1 dimension broadcasts at call time only if its static size said so.
 * @module
 */
import { allocate, type DType } from "../dtype.ts";
import { formatShape, type Shape, ShapeError, sizeOf } from "../shape.ts";
import { NDArray } from "../ndarray.ts";

/** The call-time broadcast shape of `arrays`, checked against their static shapes. */
export function runtimeBroadcast(
  op: string,
  arrays: readonly NDArray[],
  staticShapes?: readonly Shape[],
): number[] {
  const rank = Math.max(0, ...arrays.map((a) => a.shape.length));
  const out = new Array<number>(rank).fill(1);
  for (let axis = 0; axis < rank; axis++) {
    for (const a of arrays) {
      const d = a.shape[axis - (rank - a.shape.length)];
      if (d === undefined || d === 1) continue;
      if (out[axis] === 1) out[axis] = d;
      else if (out[axis] !== d) {
        throw new ShapeError(
          `${op}: cannot broadcast shapes ${arrays.map((x) => formatShape(x.shape)).join(" and ")}: ` +
            `sizes ${out[axis]} and ${d} differ at axis ${axis}`,
        );
      }
    }
  }
  if (staticShapes) {
    arrays.forEach((a, i) => {
      const s = staticShapes[i];
      a.shape.forEach((d, j) => {
        const axis = j + rank - a.shape.length;
        if (d === 1 && out[axis] !== 1 && s[j] !== 1) {
          throw new ShapeError(
            `${op}: argument ${i} has size 1 at axis ${j} but its declared shape ${
              formatShape(s)
            } does not ` +
              `make that axis broadcastable; declare the size as 1 to broadcast it`,
          );
        }
      });
    });
  }
  return out;
}

/** Element strides of `shape` as read inside an output of rank `rank` (0 where broadcast). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let j = shape.length - 1; j >= 0; j--) {
    const axis = j + rank - shape.length;
    strides[axis] = shape[j] === 1 && outShape[axis] !== 1 ? 0 : s;
    s *= shape[j];
  }
  return strides;
}

/** Applies `f` elementwise over broadcast `args`, storing into a new array of `dtype` (which rounds). */
export function mapBroadcast(
  op: string,
  args: readonly NDArray[],
  dtype: DType,
  f: (...xs: number[]) => number,
  staticShapes?: readonly Shape[],
): NDArray {
  const outShape = runtimeBroadcast(op, args, staticShapes);
  const n = sizeOf(outShape);
  const out = allocate(dtype, n);
  const datas = args.map((a) => a.data);
  const strides = args.map((a) => broadcastStrides(a.shape, outShape));
  const rank = outShape.length;
  const index = new Array<number>(rank).fill(0);
  const offsets = new Array<number>(args.length).fill(0);
  const xs = new Array<number>(args.length);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < args.length; a++) xs[a] = datas[a][offsets[a]];
    out[i] = f(...xs);
    // advance the multi-index, odometer style
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      for (let a = 0; a < args.length; a++) offsets[a] += strides[a][axis];
      if (index[axis] < outShape[axis]) break;
      for (let a = 0; a < args.length; a++) offsets[a] -= strides[a][axis] * outShape[axis];
      index[axis] = 0;
    }
  }
  return new NDArray(out, outShape);
}
