/**
 * Op-table rows that move data without arithmetic: transpose, reshape, broadcastTo, concatenate, and indexing or
 * slicing of the leading axis.
 * @module
 */
import { allocate, promoteTypes } from "../dtype.ts";
import { formatShape, type Shape, ShapeError, sizeOf, stridesOf } from "../shape.ts";
import { NDArray } from "../ndarray.ts";
import { broadcastStrides } from "./_broadcast.ts";
import type { OpRow, TermType } from "./types.ts";

/** Copies `x` read through `strides` (per output axis, in elements of `x.data`) into a new array of `shape`. */
export function stridedCopy(
  x: NDArray,
  shape: readonly number[],
  strides: readonly number[],
  offset = 0,
): NDArray {
  const n = sizeOf(shape);
  const out = allocate(x.dtype, n);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let src = offset;
  for (let i = 0; i < n; i++) {
    out[i] = x.data[src];
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      src += strides[axis];
      if (index[axis] < shape[axis]) break;
      src -= strides[axis] * shape[axis];
      index[axis] = 0;
    }
  }
  return new NDArray(out, shape);
}

/** Checks that `perm` is a permutation of `0..rank-1`. */
function checkPerm(perm: readonly number[], rank: number): void {
  const seen = new Set(perm);
  if (
    perm.length !== rank || seen.size !== rank || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= rank)
  ) {
    throw new ShapeError(`transpose: [${perm.join(", ")}] is not a permutation of the ${rank} axes`);
  }
}

/** `transpose(x, perm)`: axis `i` of the result is axis `perm[i]` of `x`. */
export const TRANSPOSE_ROW: OpRow<"transpose"> = {
  arity: 1,
  normalize: ([x], attrs) => ({ perm: attrs.perm.map((p) => (p < 0 ? p + x.shape.length : p)) }),
  infer: ([x], { perm }) => {
    checkPerm(perm, x.shape.length);
    return { dtype: x.dtype, shape: perm.map((p) => x.shape[p]) };
  },
  evaluate: ([x], { perm }) => {
    const strides = stridesOf(x.shape);
    return stridedCopy(x, perm.map((p) => x.shape[p]), perm.map((p) => strides[p]));
  },
  print: { kind: "call", name: "transpose" },
};

/** Resolves a reshape target (one `-1` allowed) against a known element count. */
export function resolveReshape(target: readonly number[], size: number, from: Shape): number[] {
  const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const out = target.map((d) => (d === -1 ? size / known : d));
  if (out.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(out) !== size) {
    throw new ShapeError(
      `reshape: cannot reshape an array of shape ${formatShape(from)} (${size} elements) into [${
        target.join(",")
      }]`,
    );
  }
  return out;
}

/** `reshape(x, shape)`: same elements in row-major order, new shape (one size may be -1). */
export const RESHAPE_ROW: OpRow<"reshape"> = {
  arity: 1,
  normalize: ([x], attrs) => {
    if (attrs.shape.filter((d) => d === -1).length > 1) {
      throw new ShapeError(`reshape: at most one size may be -1, got [${attrs.shape.join(",")}]`);
    }
    if (attrs.shape.some((d) => !Number.isInteger(d) || d < -1)) {
      throw new ShapeError(
        `reshape: sizes must be non-negative integers or -1, got [${attrs.shape.join(",")}]`,
      );
    }
    const known = x.shape.every((d) => d !== null);
    return known ? { shape: resolveReshape(attrs.shape, sizeOf(x.shape as number[]), x.shape) } : attrs;
  },
  infer: ([x], { shape }) => ({ dtype: x.dtype, shape: shape.map((d) => (d === -1 ? null : d)) }),
  evaluate: ([x], { shape }) => new NDArray(x.data.slice(), resolveReshape(shape, x.size, x.shape)),
  print: { kind: "call", name: "reshape" },
};

/**
 * `broadcastTo(x, shape)` or `broadcastTo(x, like)`: `x` broadcast to a shape. With a second argument the target
 * is that argument's shape (only its shape is read), which is how gradients broadcast to sizes known only at
 * call time.
 */
export const BROADCAST_TO_ROW: OpRow<"broadcastTo"> = {
  arity: "variadic",
  normalize: (args, attrs) => (args.length === 2 ? { shape: args[1].shape } : attrs),
  infer: (args, { shape }) => {
    if (args.length > 2) throw new ShapeError(`broadcastTo: takes an array and a shape (or a term to match)`);
    const x = args[0];
    const offset = shape.length - x.shape.length;
    // an unknown size on either side may match (checked at call time), as in broadcastShapes
    const ok = offset >= 0 &&
      x.shape.every((d, i) => d === 1 || d === null || shape[i + offset] === null || d === shape[i + offset]);
    if (!ok || (args.length === 1 && shape.some((d) => d === null))) {
      throw new ShapeError(
        `broadcastTo: cannot broadcast shape ${formatShape(x.shape)} to ${formatShape(shape)}`,
      );
    }
    return { dtype: x.dtype, shape };
  },
  evaluate: (args, attrs) => {
    const x = args[0];
    // the two-argument form takes its target from the second argument's call-time shape
    const target = args.length === 2 ? args[1].shape : (attrs.shape as readonly number[]);
    return stridedCopy(x, target, broadcastStrides(x.shape, target));
  },
  print: { kind: "call", name: "broadcastTo" },
};

/** `concatenate([a, b, …], axis)`: joins along an existing axis; the other sizes must agree. */
export const CONCATENATE_ROW: OpRow<"concatenate"> = {
  arity: "variadic",
  normalize: (args, { axis }) => ({ axis: axis < 0 ? axis + args[0].shape.length : axis }),
  infer: (args: readonly TermType[], { axis }) => {
    const rank = args[0].shape.length;
    if (rank === 0 || axis < 0 || axis >= rank) {
      throw new ShapeError(`concatenate: axis ${axis} is out of range for arrays of rank ${rank}`);
    }
    const shape = [...args[0].shape];
    let total: number | null = 0;
    for (const a of args) {
      const ok = a.shape.length === rank &&
        a.shape.every((d, i) => i === axis || d === null || shape[i] === null || d === shape[i]);
      if (!ok) {
        throw new ShapeError(
          `concatenate: shapes ${args.map((t) => formatShape(t.shape)).join(", ")} differ off axis ${axis}`,
        );
      }
      a.shape.forEach((d, i) => {
        if (i !== axis && shape[i] === null) shape[i] = d;
      });
      const d = a.shape[axis];
      total = total === null || d === null ? null : total + d;
    }
    shape[axis] = total;
    return { dtype: args.map((a) => a.dtype).reduce(promoteTypes), shape };
  },
  evaluate: (args, { axis }, type) => {
    const shape = [...args[0].shape];
    shape[axis] = args.reduce((s, a) => s + a.shape[axis], 0);
    const out = allocate(type.dtype, sizeOf(shape));
    const outer = sizeOf(shape.slice(0, axis));
    const inner = sizeOf(shape.slice(axis + 1));
    let dst = 0;
    for (let o = 0; o < outer; o++) {
      for (const a of args) {
        const chunk = a.shape[axis] * inner;
        for (let j = 0; j < chunk; j++) out[dst++] = a.data[o * chunk + j];
      }
    }
    return new NDArray(out, shape);
  },
  print: { kind: "call", name: "concatenate" },
};

function leadingSize(op: string, x: { shape: Shape }): number | null {
  if (x.shape.length === 0) throw new ShapeError(`${op}: cannot index a scalar (shape [])`);
  return x.shape[0];
}

/** `index(x, i)`: the `i`-th entry along the leading axis (negative counts from the end). */
export const INDEX_ROW: OpRow<"index"> = {
  arity: 1,
  normalize: ([x], { index }) => {
    const n = leadingSize("index", x);
    if (!Number.isInteger(index)) throw new ShapeError(`index: ${index} is not an integer`);
    if (n !== null && (index < -n || index >= n)) {
      throw new ShapeError(
        `index: ${index} is out of range for leading size ${n} (shape ${formatShape(x.shape)})`,
      );
    }
    return { index: n !== null && index < 0 ? index + n : index };
  },
  infer: ([x]) => ({ dtype: x.dtype, shape: x.shape.slice(1) }),
  evaluate: ([x], { index }) => {
    const n = x.shape[0];
    const i = index < 0 ? index + n : index;
    if (i < 0 || i >= n) throw new ShapeError(`index: ${index} is out of range for leading size ${n}`);
    const inner = sizeOf(x.shape.slice(1));
    return new NDArray(x.data.slice(i * inner, (i + 1) * inner), x.shape.slice(1));
  },
  print: { kind: "call", name: "index" },
};

/** Python's slice resolution: the indices `start:stop:step` pick from a sequence of length `n`. */
export function sliceIndices(start: number, stop: number | null, step: number, n: number): number[] {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const out: number[] = [];
  if (step > 0) {
    const s = clamp(start < 0 ? start + n : start, 0, n);
    const e = stop === null ? n : clamp(stop < 0 ? stop + n : stop, 0, n);
    for (let i = s; i < e; i += step) out.push(i);
  } else {
    const s = clamp(start < 0 ? start + n : start, -1, n - 1);
    const e = stop === null ? -1 : clamp(stop < 0 ? stop + n : stop, -1, n - 1);
    for (let i = s; i > e; i += step) out.push(i);
  }
  return out;
}

/** `slice(x, start, stop, step)`: rows `start:stop:step` of the leading axis, as Python slices them. */
export const SLICE_ROW: OpRow<"slice"> = {
  arity: 1,
  normalize: ([x], attrs) => {
    leadingSize("slice", x);
    if (!Number.isInteger(attrs.step) || attrs.step === 0) {
      throw new ShapeError(`slice: step must be a non-zero integer, got ${attrs.step}`);
    }
    return attrs;
  },
  infer: ([x], { start, stop, step }) => {
    const n = x.shape[0];
    const size = n === null ? null : sliceIndices(start, stop, step, n).length;
    return { dtype: x.dtype, shape: [size, ...x.shape.slice(1)] };
  },
  evaluate: ([x], { start, stop, step }) => {
    const rows = sliceIndices(start, stop, step, x.shape[0]);
    const inner = sizeOf(x.shape.slice(1));
    const out = allocate(x.dtype, rows.length * inner);
    rows.forEach((r, k) => out.set(x.data.subarray(r * inner, (r + 1) * inner), k * inner));
    return new NDArray(out, [rows.length, ...x.shape.slice(1)]);
  },
  print: { kind: "call", name: "slice" },
};
