/**
 * Steps for matrix products: the blocked SIMD kernel for float32/float64 (transposed operands folded into its
 * transA/transB flags, bias and relu epilogues, batch axes walked here), or a strided JavaScript product for
 * integer and mixed dtypes.
 * @module
 */
import type { DType } from "../../cas/dtype.ts";
import { broadcastShapes, sizeOf } from "../../cas/shape.ts";
import { matmulStrided } from "./kernels.ts";
import type { StepHost } from "./step_host.ts";
import { broadcastStridesOf, broadcastView, isContiguous, type View } from "./views.ts";
import { matmulF32, matmulF64 } from "./wasm/matmul.ts";
import { BYTES_PER_ELEMENT } from "./wasm/memory.ts";

/**
 * A product to add: `dest = a · b (+ bias) (relu)`, or `dest = scale · a · b + addend` (2-D, addend of the
 * result's shape), NumPy's matmul semantics.
 */
export interface MatmulStep {
  readonly a: View;
  readonly b: View;
  readonly bias?: View;
  readonly relu: boolean;
  readonly scale?: number;
  readonly addend?: View;
  /** The contiguous arena slot receiving the result. */
  readonly dest: number;
  readonly dtype: DType;
}

/** NumPy's promotion of a 1-D argument: a row on the left, a column on the right. */
function promote(v: View, left: boolean): View {
  if (v.shape.length > 1) return v;
  return left
    ? { ...v, shape: [1, v.shape[0]], strides: [0, v.strides[0]] }
    : { ...v, shape: [v.shape[0], 1], strides: [v.strides[0], 0] };
}

/** How the last two axes are laid out: row-major (`n`), transposed (`t`), or neither (needs a copy). */
function layout(v: View, rows: number, cols: number): "n" | "t" | undefined {
  const r = v.shape.length - 2;
  const [sr, sc] = [v.strides[r], v.strides[r + 1]];
  if ((sc === 1 || cols === 1) && (sr === cols || rows === 1)) return "n";
  if ((sr === 1 || rows === 1) && (sc === rows || cols === 1)) return "t";
  return undefined;
}

/** True when the WebAssembly kernel computes this product (same float dtype everywhere). */
export function wasmMatmul(dtype: DType, a: DType, b: DType): boolean {
  return (dtype === "float32" || dtype === "float64") && a === dtype && b === dtype;
}

/** Adds the steps of one (batched) product. With the WebAssembly kernel, `a` and `b` must be arena views. */
export function addMatmulStep(host: StepHost, step: MatmulStep): void {
  const { dest, dtype, relu } = step;
  let a = promote(step.a, true), b = promote(step.b, false);
  const ra = a.shape.length, rb = b.shape.length;
  const m = a.shape[ra - 2], k = a.shape[ra - 1], n = b.shape[rb - 1];
  const batch = broadcastShapes("matmul", [a.shape.slice(0, -2), b.shape.slice(0, -2)]) as number[];
  const expand = (v: View, r: number): View => {
    const full = [...batch, v.shape[r - 2], v.shape[r - 1]];
    return { ...v, shape: full, strides: broadcastStridesOf(v, full) };
  };
  a = expand(a, ra);
  b = expand(b, rb);
  if (!wasmMatmul(dtype, a.dtype, b.dtype)) {
    const biasView = step.bias, addendView = step.addend;
    host.addStep(
      (ctx) => {
        const strided = (v: View) => ({
          array: ctx.arrays[v.slot],
          base: ctx.bases[v.slot] + v.offset,
          ...v,
        });
        const bias = biasView && {
          array: ctx.arrays[biasView.slot],
          base: ctx.bases[biasView.slot] + biasView.offset,
          stride: biasView.strides[biasView.strides.length - 1],
        };
        matmulStrided(strided(a), strided(b), batch, ctx.arrays[dest], ctx.bases[dest], bias, relu);
        if (addendView) {
          const out = ctx.arrays[dest], o = ctx.bases[dest], d = strided(addendView), scale = step.scale ?? 1;
          const [rows, cols] = addendView.shape, [rs, cs] = addendView.strides;
          for (let i = 0; i < rows; i++) {
            for (let j = 0; j < cols; j++) {
              out[o + i * cols + j] = scale * out[o + i * cols + j] + d.array[d.base + i * rs + j * cs];
            }
          }
        }
      },
      [a, b, ...(biasView ? [biasView] : []), ...(addendView ? [addendView] : [])],
      [dest],
      "js",
    );
    return;
  }
  const bytes = BYTES_PER_ELEMENT[dtype];
  const r = batch.length;
  // each operand must be row-major or transposed in its last two axes, in the arena: else copied once
  const prepare = (v: View, rows: number, cols: number) => {
    const ready = layout(v, rows, cols) ? v : host.materialize(v);
    return { view: ready, trans: layout(ready, rows, cols) === "t" };
  };
  const pa = prepare(a, m, k);
  const pb = prepare(b, k, n);
  let bias: View | undefined;
  if (step.bias) {
    const row = broadcastView(step.bias, [n]);
    bias = host.inArena(row.slot) && (row.strides[0] === 1 || n === 1) ? row : host.materialize(row);
  }
  // the addend is read where C is written, so it must be m×n row-major in the arena
  const addend = step.addend &&
    (host.inArena(step.addend.slot) && isContiguous(step.addend)
      ? step.addend
      : host.materialize(step.addend));
  const product = dtype === "float32" ? matmulF32 : matmulF64;
  const plain = { transA: pa.trans, transB: pb.trans, relu, arena: host.arena, scale: step.scale };
  const withBias = { ...plain, biasPtr: 0 };
  const withAddend = { ...plain, addendPtr: 0 };
  const batchCount = sizeOf(batch);
  const index = new Array<number>(r).fill(0);
  const flags = `${pa.trans ? "transA " : ""}${pb.trans ? "transB " : ""}${bias ? "bias " : ""}${
    addend ? "scale+addend " : ""
  }${relu ? "relu" : ""}`;
  host.addStep(
    (ctx) => {
      if (bias) withBias.biasPtr = (ctx.bases[bias.slot] + bias.offset) * bytes;
      if (addend) withAddend.addendPtr = (ctx.bases[addend.slot] + addend.offset) * bytes;
      const options = bias ? withBias : addend ? withAddend : plain;
      const aBase = ctx.bases[pa.view.slot] + pa.view.offset;
      const bBase = ctx.bases[pb.view.slot] + pb.view.offset;
      const cBase = ctx.bases[dest];
      index.fill(0);
      for (let i = 0; i < batchCount; i++) {
        let ao = aBase, bo = bBase;
        for (let d = 0; d < r; d++) {
          ao += index[d] * pa.view.strides[d];
          bo += index[d] * pb.view.strides[d];
        }
        product(ao * bytes, bo * bytes, (cBase + i * m * n) * bytes, m, k, n, options);
        for (let d = r - 1; d >= 0; d--) {
          if (++index[d] < batch[d]) break;
          index[d] = 0;
        }
      }
    },
    [pa.view, pb.view, ...(bias ? [bias] : []), ...(addend ? [addend] : [])],
    [dest],
    `wasm ${m}×${k}×${n} ${flags}`.trim(),
  );
}
