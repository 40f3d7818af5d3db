/**
 * Where fused elementwise kernels switch to WebAssembly: the SIMD compiler of `wasm/elementwise.ts`, cached per
 * kernel, used when it supports the kernel; otherwise the caller generates JavaScript.
 * @module
 */
import type { ElementwiseKernel, ScalarExpr } from "../kernel_ir.ts";
import { type CompiledElementwise, compileElementwise } from "./wasm/elementwise.ts";
import { F64_BINARY_IMPORTS, F64_UNARY_IMPORTS } from "./wasm/elementwise_codegen.ts";
import type { WasmArena } from "./wasm/memory.ts";

/** Compiled kernels by expression (plan nodes keep theirs across signatures), then by dtypes. */
const compiled = new WeakMap<ScalarExpr, Map<string, CompiledElementwise | null>>();

/** True when some node or input of the kernel is an int32 value. */
function usesInt32(kernel: ElementwiseKernel): boolean {
  const visit = (e: ScalarExpr): boolean =>
    e.kind === "input"
      ? kernel.inputDtypes[e.index] === "int32"
      : e.kind === "op" && (e.dtype === "int32" || e.args.some(visit));
  return visit(kernel.expr);
}

/**
 * When fused elementwise kernels run as WebAssembly: `"auto"` where it pays off (long enough rows, operands in
 * the arena or big enough to stage), `"always"` wherever the compiler supports the kernel, `"never"`.
 */
export type WasmMode = "auto" | "always" | "never";

let mode: WasmMode = "auto";

const CALLS_MATH: ReadonlySet<string> = new Set<string>([...F64_UNARY_IMPORTS, ...F64_BINARY_IMPORTS]);

/** True when some op of the kernel is a transcendental function (float64 kernels call `Math` per lane). */
function callsMath(expr: ScalarExpr): boolean {
  return expr.kind === "op" && (CALLS_MATH.has(expr.op) || expr.args.some(callsMath));
}

/**
 * Whether, given the choice, `kernel` runs better as WebAssembly than as generated JavaScript (measured on 1e6
 * elements): float32 kernels always (vectorized polynomials; JavaScript pays float64 math and `fround`);
 * float64 kernels only for plain arithmetic on operands already in the arena (`outside` false): their
 * transcendentals call the same `Math` functions per lane, and moving float64 operands into the arena costs
 * more than the SIMD arithmetic saves.
 */
export function wasmPreferred(kernel: ElementwiseKernel, outside: boolean): boolean {
  if (kernel.outDtype === "float32") return true;
  return !outside && !callsMath(kernel.expr);
}

/**
 * Sets when graphs compiled afterwards run fused elementwise kernels as WebAssembly (tests compare every mode
 * with the reference).
 */
export function setWasmMode(next: WasmMode): void {
  mode = next;
}

/** The current mode (part of the compiled-program cache key). */
export function wasmMode(): WasmMode {
  return mode;
}

/**
 * The compiled SIMD kernel for `kernel`, or `undefined` when it is better run as JavaScript: the compiler does
 * not support it, the output is not a float, or it involves int32 values (WebAssembly converts an int32 to
 * float32 before a float op and wraps integer products modulo 2³², while the reference computes both in
 * float64 first, so large integers would give different results).
 */
export function wasmKernelFor(kernel: ElementwiseKernel, arena: WasmArena): CompiledElementwise | undefined {
  let byDtypes = compiled.get(kernel.expr);
  if (!byDtypes) compiled.set(kernel.expr, byDtypes = new Map());
  const key = `${kernel.inputDtypes.join(",")}>${kernel.outDtype}`;
  let found = byDtypes.get(key);
  if (found === undefined) {
    found = null;
    if ((kernel.outDtype === "float32" || kernel.outDtype === "float64") && !usesInt32(kernel)) {
      const candidate = compileElementwise(kernel, arena);
      if (candidate.supported) found = candidate;
    }
    byDtypes.set(key, found);
  }
  return found ?? undefined;
}
