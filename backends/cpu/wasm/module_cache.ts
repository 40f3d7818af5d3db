/**
 * Compiled WebAssembly modules of the fixed kernels (matmul variants, row sums, softmax rows), by name: built
 * once per process, or decoded from the bytes shipped in `prebuilt.ts` so that a process's first product or
 * reduction pays no code generation (measured ~7 ms of cold JavaScript for the first matmul module).
 * @module
 */
import { decodeBase64 } from "./base64.ts";
import { ARENA_MEMORY } from "./memory.ts";
import { PREBUILT_MODULES } from "./prebuilt.ts";

const modules = new Map<string, WebAssembly.Module>();

/**
 * The module named `name`: from this process's cache, else the shipped bytes (which import a shared memory,
 * so only where arenas are shared), else `build()`.
 *
 * @example
 * ```ts
 * import { fixedModule } from "./module_cache.ts";
 * import { ModuleBuilder } from "./module_builder.ts";
 * const module = fixedModule("example: empty", () => new ModuleBuilder().build());
 * ```
 */
export function fixedModule(name: string, build: () => Uint8Array): WebAssembly.Module {
  let module = modules.get(name);
  if (!module) {
    // shipped modules import a shared memory (as Deno's arenas are); elsewhere they are generated here
    const shipped = ARENA_MEMORY.shared ? PREBUILT_MODULES[name] : undefined;
    const bytes = shipped === undefined ? build() : decodeBase64(shipped);
    module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    modules.set(name, module);
  }
  return module;
}
