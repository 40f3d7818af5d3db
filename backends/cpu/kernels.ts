/**
 * Hand-written JavaScript kernels for the ops that are not fused loops: softmax rows, concatenation, and the
 * strided matrix product used where the WebAssembly kernel does not apply (integer dtypes, mixed dtypes).
 * All of them compute in float64 in the reference's order, so they agree with it exactly.
 * @module
 */
import type { DataArray } from "../../cas/dtype.ts";

/** A strided read of an array: where element `(i0, i1, …)` lives is `base + Σ i_d · strides[d]`. */
export interface Strided {
  readonly array: DataArray;
  readonly base: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
}

/** Calls `visit(offset_x, index)` for every index of `shape` except along `skip`, in row-major order. */
function forEachLine(
  shape: readonly number[],
  strides: readonly number[],
  skip: number,
  visit: (offset: number, line: number) => void,
): void {
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let lines = 1;
  for (let d = 0; d < rank; d++) if (d !== skip) lines *= shape[d];
  let offset = 0;
  for (let line = 0; line < lines; line++) {
    visit(offset, line);
    for (let d = rank - 1; d >= 0; d--) {
      if (d === skip) continue;
      index[d]++;
      offset += strides[d];
      if (index[d] < shape[d]) break;
      offset -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
}

/**
 * softmax or log-softmax of `x` along `axis` into the contiguous `out` (same shape): shifted by the line's
 * maximum (left unshifted when that is not finite, as the reference does), exponentials and their sum in float64.
 */
export function softmaxLines(
  x: Strided,
  axis: number,
  out: DataArray,
  outBase: number,
  log: boolean,
  scratch: Float64Array,
): void {
  const length = x.shape[axis];
  let outStep = 1;
  for (let d = axis + 1; d < x.shape.length; d++) outStep *= x.shape[d];
  if (x.strides[axis] === 1 && outStep === 1 && isContiguous(x.shape, x.strides)) {
    // rows of a contiguous array along its last axis: no index arithmetic
    const rows = length === 0 ? 0 : sizeOfShape(x.shape) / length;
    for (let r = 0; r < rows; r++) {
      softmaxLine(x.array, x.base + r * length, 1, length, out, outBase + r * length, 1, log, scratch);
    }
    return;
  }
  forEachLine(x.shape, x.strides, axis, (offset, line) => {
    // the output is contiguous: line `line` of the other axes starts at this element
    const outer = Math.floor(line / outStep), inner = line % outStep;
    const o = outBase + outer * length * outStep + inner;
    softmaxLine(x.array, x.base + offset, x.strides[axis], length, out, o, outStep, log, scratch);
  });
}

function softmaxLine(
  data: DataArray,
  start: number,
  step: number,
  length: number,
  out: DataArray,
  o: number,
  outStep: number,
  log: boolean,
  scratch: Float64Array,
): void {
  let m = -Infinity;
  for (let j = 0; j < length; j++) {
    const v = data[start + j * step];
    m = m !== m || v !== v ? NaN : m >= v ? m : v;
  }
  const shift = m - m === 0 ? m : 0;
  let s = 0;
  for (let j = 0; j < length; j++) {
    const shifted = data[start + j * step] - shift;
    const e = Math.exp(shifted);
    scratch[j] = log ? shifted : e;
    s += e;
  }
  if (log) {
    const ls = Math.log(s);
    for (let j = 0; j < length; j++) out[o + j * outStep] = scratch[j] - ls;
  } else {
    for (let j = 0; j < length; j++) out[o + j * outStep] = scratch[j] / s;
  }
}

function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/** Joins contiguous `parts` along `axis` into the contiguous `out` of shape `shape`. */
export function concatenateInto(
  parts: readonly { array: DataArray; base: number; shape: readonly number[] }[],
  axis: number,
  shape: readonly number[],
  out: DataArray,
  outBase: number,
): void {
  let outer = 1, inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  let dst = outBase;
  for (let o = 0; o < outer; o++) {
    for (const part of parts) {
      const chunk = part.shape[axis] * inner;
      const src = part.base + o * chunk;
      const data = part.array;
      for (let j = 0; j < chunk; j++) out[dst++] = data[src + j];
    }
  }
}

/**
 * `out[b] = a[b] · c[b]` for every batch index `b` of `batch` (operands already broadcast: `a.shape` is
 * `[...batch, m, k]`, `b.shape` `[...batch, k, n]`), each dot product summed in float64 in order `p = 0…k-1`,
 * then the optional bias row and relu.
 */
export function matmulStrided(
  a: Strided,
  b: Strided,
  batch: readonly number[],
  out: DataArray,
  outBase: number,
  bias?: { array: DataArray; base: number; stride: number },
  relu = false,
): void {
  const r = a.shape.length;
  const m = a.shape[r - 2], k = a.shape[r - 1], n = b.shape[r - 1];
  const [ai, ap] = [a.strides[r - 2], a.strides[r - 1]];
  const [bp, bj] = [b.strides[r - 2], b.strides[r - 1]];
  const A = a.array, B = b.array;
  let count = 1;
  for (const d of batch) count *= d;
  const index = new Array<number>(batch.length).fill(0);
  let dst = outBase;
  for (let t = 0; t < count; t++) {
    let ao = a.base, bo = b.base;
    for (let d = 0; d < batch.length; d++) {
      ao += index[d] * a.strides[d];
      bo += index[d] * b.strides[d];
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A[ao + i * ai + p * ap] * B[bo + p * bp + j * bj];
        if (bias) s += bias.array[bias.base + j * bias.stride];
        out[dst++] = relu && !(s > 0) && s === s ? 0 : s;
      }
    }
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++index[d] < batch[d]) break;
      index[d] = 0;
    }
  }
}
