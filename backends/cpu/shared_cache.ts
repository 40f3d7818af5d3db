/**
 * Copies of shared variables kept in the WebAssembly arena, keyed by the variable's `version`: parameters are
 * copied in once, not on every call, and refreshed only when someone `set()`s them. Each variable that is
 * updated also gets a spare block: the update is computed straight into it, then the two swap (so the new value
 * needs no copy inside the arena), and the variable gets a fresh array copy so that `get()` stays right.
 * @module
 */
import { NDArray } from "../../cas/ndarray.ts";
import { sizeOf } from "../../cas/shape.ts";
import type { SharedVariable } from "../../cas/shared.ts";
import { BYTES_PER_ELEMENT, type WasmArena } from "./wasm/memory.ts";

interface Entry {
  /** The block holding the current value. */
  current: number;
  /** The block the next update is written to (0 until the variable is first updated). */
  spare: number;
  readonly bytes: number;
  /** The variable version the current block holds. */
  version: number;
  /** Every block of the entry, freed together when the variable is collected. */
  readonly blocks: number[];
}

const entries = new WeakMap<SharedVariable, Entry>();
const release = new FinalizationRegistry<{ arena: WasmArena; blocks: number[] }>(({ arena, blocks }) => {
  for (const ptr of blocks) arena.free(ptr);
});

function entryOf(v: SharedVariable, arena: WasmArena): Entry {
  let entry = entries.get(v);
  if (!entry) {
    const value = v.get();
    const bytes = value.size * BYTES_PER_ELEMENT[value.dtype];
    const current = arena.alloc(Math.max(bytes, 1), 64);
    entry = { current, spare: 0, bytes, version: -1, blocks: [current] };
    entries.set(v, entry);
    release.register(v, { arena, blocks: entry.blocks });
  }
  return entry;
}

/** The byte offset of `v`'s current value in `arena`, copying it in first if the arena copy is stale. */
export function sharedPointer(v: SharedVariable, arena: WasmArena): number {
  const entry = entryOf(v, arena);
  if (entry.version !== v.version) {
    const data = v.get().data;
    arena.u8View(entry.current, entry.bytes).set(new Uint8Array(data.buffer, data.byteOffset, entry.bytes));
    entry.version = v.version;
  }
  return entry.current;
}

/** The byte offset of the block that `v`'s next value is computed into. */
export function sparePointer(v: SharedVariable, arena: WasmArena): number {
  const entry = entryOf(v, arena);
  if (entry.spare === 0) {
    entry.spare = arena.alloc(Math.max(entry.bytes, 1), 64);
    entry.blocks.push(entry.spare);
  }
  return entry.spare;
}

/**
 * Makes the spare block (which holds the variable's new value) `v`'s current block; the old current block becomes
 * the spare. The variable reads its value out of the arena only if someone asks (`get()`), which saves a copy
 * of every parameter on every training step. The block stays valid until the call after next writes into it,
 * and by then a newer commit has replaced the deferred read.
 */
export function commitShared(v: SharedVariable, arena: WasmArena, shape: readonly number[]): void {
  const entry = entryOf(v, arena);
  [entry.current, entry.spare] = [entry.spare, entry.current];
  const ptr = entry.current, dtype = v.dtype, size = sizeOf(shape);
  v.setDeferred(() => new NDArray(arena.view(dtype, ptr, size).slice(), shape));
  entry.version = v.version;
}
