/**
 * The small IR that fused elementwise kernels are generated from, shared by the CPU (JS/WASM) and WebGPU (WGSL)
 * backends. The backends lower terms to it; kernel generators never see user text, only op names from the op
 * table, input indices and numbers.
 * @module
 */
import type { DType } from "../cas/dtype.ts";
import type { ElementwiseOp } from "../cas/ops/names.ts";

/** One point-wise expression: `out[i] = expr`, where inputs are read at the broadcast index of `i`. */
export type ScalarExpr =
  | { readonly kind: "input"; readonly index: number }
  | { readonly kind: "const"; readonly value: number }
  | {
    readonly kind: "op";
    readonly op: ElementwiseOp;
    readonly args: readonly ScalarExpr[];
    readonly dtype?: DType;
  };

/** A fused elementwise kernel: which inputs it reads, with what dtype, and the expression of its output. */
export interface ElementwiseKernel {
  /** The dtype of each input buffer. */
  readonly inputDtypes: readonly DType[];
  /** The dtype the kernel computes in and stores (`cast` nodes inside may convert). */
  readonly outDtype: DType;
  /** The expression of one output element. */
  readonly expr: ScalarExpr;
}
