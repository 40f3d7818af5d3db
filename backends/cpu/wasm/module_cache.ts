/**
 * Compiled WebAssembly modules of the fixed kernels (matmul variants, row sums, softmax rows), by name: built
 * once per process, or decoded from the bytes shipped in `prebuilt.ts` so that a process's first product or
 * reduction pays no code generation (measured ~7 ms of cold JavaScript for the first matmul module).
 * @module
 */
import { decodeBase64 } from "./base64.ts";
import { ARENA_MEMORY, type WasmArena } from "./memory.ts";
import { PREBUILT_MODULES } from "./prebuilt.ts";

const modules = new Map<string, WebAssembly.Module>();

/**
 * The module named `name`: from this process's cache, else the shipped bytes (which import a shared memory,
 * so only where arenas are shared), else `build()`.
 */
function fixedModule(name: string, build: () => Uint8Array): WebAssembly.Module {
  let module = modules.get(name);
  if (!module) {
    const shipped = ARENA_MEMORY.shared ? PREBUILT_MODULES[name] : undefined;
    const bytes = shipped === undefined ? build() : decodeBase64(shipped);
    module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    modules.set(name, module);
  }
  return module;
}

const perArena = new WeakMap<WasmArena, Map<string, unknown>>();

/**
 * What `create()` made for `arena` under `key` (kernel instances and their workspaces, one per arena), made
 * on first use and kept as long as the arena lives.
 *
 * @example
 * ```ts
 * import { forArena } from "./module_cache.ts";
 * import { sharedArena } from "./memory.ts";
 * const scratch = forArena(sharedArena(), "example scratch", () => ({ bytes: 0 }));
 * ```
 */
export function forArena<T>(arena: WasmArena, key: string, create: () => T): T {
  let entries = perArena.get(arena);
  if (!entries) perArena.set(arena, entries = new Map());
  if (!entries.has(key)) entries.set(key, create());
  return entries.get(key) as T;
}

/**
 * The exports of the fixed module `name` instantiated on `arena`'s memory (plus `imports`).
 *
 * @example
 * ```ts
 * import { fixedExports } from "./module_cache.ts";
 * import { ModuleBuilder } from "./module_builder.ts";
 * import { sharedArena } from "./memory.ts";
 * const exports = fixedExports(sharedArena(), "example: empty", () => new ModuleBuilder().build());
 * ```
 */
export function fixedExports<T>(
  arena: WasmArena,
  name: string,
  build: () => Uint8Array,
  imports: WebAssembly.Imports = {},
): T {
  const instance = new WebAssembly.Instance(fixedModule(name, build), {
    ...imports,
    env: { memory: arena.memory },
  });
  return instance.exports as unknown as T;
}
