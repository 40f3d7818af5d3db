/**
 * Copies of shared variables kept in the WebAssembly arena, keyed by the variable's `version`: parameters are
 * copied in once, not on every call, and refreshed only when someone `set()`s them. After an update the backend
 * writes the new value both here and (as a fresh array) into the variable, so `get()` stays right.
 * @module
 */
import type { SharedVariable } from "../../cas/shared.ts";
import { BYTES_PER_ELEMENT, type WasmArena } from "./wasm/memory.ts";

interface Entry {
  readonly ptr: number;
  readonly bytes: number;
  /** The variable version the arena copy holds. */
  version: number;
}

const entries = new WeakMap<SharedVariable, Entry>();
const release = new FinalizationRegistry<{ arena: WasmArena; ptr: number }>(({ arena, ptr }) => arena.free(ptr));

/** The byte offset of `v`'s current value in `arena`, copying it in first if the arena copy is stale. */
export function sharedPointer(v: SharedVariable, arena: WasmArena): number {
  const value = v.get();
  const bytes = value.size * BYTES_PER_ELEMENT[value.dtype];
  let entry = entries.get(v);
  if (!entry || entry.bytes !== bytes) {
    const ptr = arena.alloc(Math.max(bytes, 1), 64);
    entry = { ptr, bytes, version: -1 };
    entries.set(v, entry);
    release.register(v, { arena, ptr });
  }
  if (entry.version !== v.version) {
    const data = value.data;
    arena.u8View(entry.ptr, bytes).set(new Uint8Array(data.buffer, data.byteOffset, bytes));
    entry.version = v.version;
  }
  return entry.ptr;
}

/** Records that the arena copy of `v` already holds its current value (after the backend wrote both). */
export function markShared(v: SharedVariable): void {
  const entry = entries.get(v);
  if (entry) entry.version = v.version;
}
