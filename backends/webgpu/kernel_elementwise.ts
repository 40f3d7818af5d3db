/**
 * Fused elementwise kernels: one invocation per output element evaluates the fused expression, reading each input
 * at its broadcast position by index arithmetic (strides from the uniform block: 0 on broadcast axes). Operands
 * that are contiguous in the iteration order are read at the flat index, with no index arithmetic.
 * @module
 */
import type { DType } from "../../cas/dtype.ts";
import type { ElementwiseKernel } from "../kernel_ir.ts";
import {
  addressingOf,
  bufferDeclarations,
  collapseAxes,
  decompose,
  ENTRY_PARAMETERS,
  gridFor,
  GROUP_INDEX,
  type KernelLaunch,
  linearOffset,
  UniformBlock,
  WORKGROUP_SIZE,
} from "./kernel_common.ts";
import { preludeFor } from "./wgsl_math.ts";
import { fromStorage, renderExpression, toStorage } from "./wgsl_ops.ts";

/** One operand of a kernel: which input binding, and where its elements are over the iteration axes. */
export interface Operand {
  /** The input binding (0-based among the inputs). */
  readonly binding: number;
  /** Offset of element (0, …, 0), in elements. */
  readonly offset: number;
  /** Stride per iteration axis, in elements (0 where broadcast). */
  readonly strides: readonly number[];
}

/** Everything an elementwise launch needs. */
export interface ElementwiseSpec {
  /** The fused expression; input `i` reads `operands[i]`. */
  readonly kernel: ElementwiseKernel;
  readonly operands: readonly Operand[];
  /** The dtype stored in each input binding. */
  readonly inputDtypes: readonly DType[];
  /** The iteration shape (the output's shape). */
  readonly shape: readonly number[];
  /** Where the output element at each position goes (row-major from 0 for a fresh buffer). */
  readonly out: { readonly offset: number; readonly strides: readonly number[] };
}

/**
 * The WGSL and uniforms of a fused elementwise kernel.
 *
 * @example
 * ```ts
 * import { elementwiseKernel } from "./kernel_elementwise.ts";
 * const launch = elementwiseKernel({
 *   kernel: { inputDtypes: ["float32"], outDtype: "float32", expr: { kind: "op", op: "exp", args: [{ kind: "input", index: 0 }] } },
 *   operands: [{ binding: 0, offset: 0, strides: [1] }],
 *   inputDtypes: ["float32"],
 *   shape: [10],
 *   out: { offset: 0, strides: [1] },
 * });
 * launch.workgroups; // [1, 1, 1]
 * ```
 */
export function elementwiseKernel(spec: ElementwiseSpec): KernelLaunch {
  const collapsed = collapseAxes(spec.shape, [spec.out.strides, ...spec.operands.map((o) => o.strides)]);
  const shape = collapsed.shape;
  const [outStrides, ...operandStrides] = collapsed.strides;
  const count = shape.reduce((a, b) => a * b, 1);
  const u = new UniformBlock();
  const total = u.push(count);
  const sizes = shape.map((d) => u.push(d));
  const names = shape.map((_, d) => `i${d}`);

  const outMode = addressingOf(shape, outStrides);
  const modes = operandStrides.map((s) => addressingOf(shape, s));
  const needsIndex = outMode === "strided" || modes.includes("strided");

  const body: string[] = [];
  if (needsIndex) body.push(...decompose("i", names, sizes, "rest"));
  const address = (mode: string, offset: number, strides: readonly number[]): string => {
    const off = u.push(offset);
    if (mode === "scalar") return off;
    if (mode === "flat") return `${off} + i`;
    return linearOffset(off, names, strides.map((s) => u.push(s)));
  };
  const reads = spec.operands.map((o, k) => {
    const name = `x${k}`;
    const raw = `b${o.binding}[${address(modes[k], o.offset, operandStrides[k])}]`;
    body.push(`let ${name} = ${fromStorage(raw, spec.inputDtypes[o.binding])};`);
    return name;
  });
  const rendered = renderExpression(spec.kernel, (index) => reads[index], "v");
  body.push(...rendered.statements);
  const outAt = address(outMode === "scalar" ? "flat" : outMode, spec.out.offset, outStrides);
  body.push(`out[${outAt}] = ${toStorage(rendered.value, spec.kernel.outDtype)};`);

  const main = `@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(${ENTRY_PARAMETERS}) {
  let i = ${GROUP_INDEX} * ${WORKGROUP_SIZE} + i32(lid);
  if (i >= ${total}) { return; }
  ${body.join("\n  ")}
}`;
  const wgsl = [
    u.declaration(),
    bufferDeclarations(spec.kernel.outDtype, spec.inputDtypes),
    preludeFor(main),
    main,
  ].join("\n");
  return {
    wgsl,
    uniforms: u.data(),
    workgroups: gridFor(Math.ceil(count / WORKGROUP_SIZE)),
    inputCount: spec.inputDtypes.length,
  };
}
