/**
 * Where fused elementwise kernels switch to WebAssembly: the SIMD compiler of `wasm/elementwise.ts`, cached per
 * kernel, used when it supports the kernel; otherwise the caller generates JavaScript.
 * @module
 */
import type { ElementwiseKernel, ScalarExpr } from "../kernel_ir.ts";
import { type CompiledElementwise, compileElementwise } from "./wasm/elementwise.ts";
import type { WasmArena } from "./wasm/memory.ts";

const compiled = new WeakMap<ElementwiseKernel, CompiledElementwise | null>();

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
  let found = compiled.get(kernel);
  if (found === undefined) {
    found = null;
    if ((kernel.outDtype === "float32" || kernel.outDtype === "float64") && !usesInt32(kernel)) {
      const candidate = compileElementwise(kernel, arena);
      if (candidate.supported) found = candidate;
    }
    compiled.set(kernel, found);
  }
  return found ?? undefined;
}
