/**
 * WebAssembly kernels generated at run time for the CPU backend: one shared memory with an allocator, blocked
 * SIMD matrix products, and a compiler from fused elementwise kernels to SIMD loops.
 *
 * @example
 * ```ts
 * import { matmulF32, sharedArena } from "./mod.ts";
 * const arena = sharedArena();
 * const a = arena.alloc(4 * 4), b = arena.alloc(4 * 4), c = arena.alloc(4 * 4);
 * arena.f32View(a, 4).set([1, 2, 3, 4]);
 * arena.f32View(b, 4).set([0, 1, 1, 0]);
 * matmulF32(a, b, c, 2, 2, 2);
 * arena.f32View(c, 4); // [2, 1, 4, 3]
 * ```
 * @module
 */
export { BYTES_PER_ELEMENT, sharedArena, WasmArena } from "./memory.ts";
export {
  DEFAULT_MATMUL_CONFIGS,
  type MatmulConfig,
  matmulF32,
  matmulF64,
  type MatmulOptions,
  matmulWithConfig,
} from "./matmul.ts";
export { type CompiledElementwise, compileElementwise } from "./elementwise.ts";
export { type CodegenOptions, defaultCodegenOptions } from "./elementwise_codegen.ts";
export { UnsupportedKernelError } from "./elementwise_types.ts";
export { supportsRelaxedSimd } from "./module_builder.ts";
