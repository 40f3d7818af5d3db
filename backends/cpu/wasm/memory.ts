/**
 * One growable `WebAssembly.Memory` that every generated kernel imports as `env.memory`, with an allocator over
 * it. The CPU backend keeps its array buffers here, so kernels read and write them in place, without copies.
 * Where the engine allows it (Deno does; browsers only when cross-origin isolated) the memory is shared: growing
 * a shared memory never detaches views handed out before, so arrays can live in the arena (borrowed outputs).
 * @module
 */
import type { DataArray, DType } from "../../../cas/dtype.ts";

const PAGE_BYTES = 65536;
/** The wasm32 limit: 65536 pages of 64 KiB. */
const MAX_PAGES = 65536;
/** Whether this engine makes shared WebAssembly memories (checked once). */
function sharedMemorySupported(): boolean {
  try {
    return new WebAssembly.Memory({ initial: 0, maximum: 1, shared: true }).buffer instanceof
      SharedArrayBuffer;
  } catch {
    return false;
  }
}

/** How a kernel module declares its `env.memory` import so that it links with the arenas' memory. */
export interface MemoryLimits {
  /** A shared memory (then `maxPages` is declared too). */
  readonly shared: boolean;
  /** The declared maximum in 64 KiB pages. */
  readonly maxPages: number;
}

/**
 * The memory every arena makes in this engine: shared where supported.
 *
 * @example
 * ```ts
 * import { ARENA_MEMORY } from "./memory.ts";
 * ARENA_MEMORY.shared; // true in Deno
 * ```
 */
export const ARENA_MEMORY: MemoryLimits = { shared: sharedMemorySupported(), maxPages: MAX_PAGES };

/** Offsets below this are never handed out, so 0 can mean "no buffer". */
const FIRST_OFFSET = 1024;

/** The bytes one element of each dtype takes in the arena (`bool` is one byte, like `Uint8Array`). */
export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  int32: 4,
  bool: 1,
};

/**
 * The size class a request is served from: multiples of 16 bytes up to 256, then four classes per power of two,
 * so a freed block is reused by any later request of the same class and at most a quarter is wasted.
 */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return Math.max(16, Math.ceil(bytes / 16) * 16);
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 2);
  return Math.ceil(bytes / step) * step;
}

/**
 * An allocator over one growable WebAssembly memory: a bump pointer plus one free list per size class.
 * Views are created on demand because growing the memory detaches every earlier `ArrayBuffer` view.
 *
 * @example
 * ```ts
 * import { WasmArena } from "./memory.ts";
 * const arena = new WasmArena();
 * const ptr = arena.alloc(3 * 4);
 * arena.f32View(ptr, 3).set([1, 2, 3]);
 * arena.f32View(ptr, 3)[2]; // 3
 * arena.free(ptr);
 * ```
 */
export class WasmArena {
  /** The memory that kernels import as `env.memory`. */
  readonly memory: WebAssembly.Memory;
  private top = FIRST_OFFSET;
  private readonly freeLists = new Map<number, number[]>();
  private readonly liveSizes = new Map<number, number>();
  private used = 0;

  /** Starts with `initialBytes` of memory (rounded up to 64 KiB pages); it grows as allocations need. */
  constructor(initialBytes: number = 16 * 1024 * 1024) {
    const pages = Math.max(1, Math.ceil(initialBytes / PAGE_BYTES));
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: ARENA_MEMORY.shared });
  }

  /** True when views into the memory survive growth (a shared memory), so arrays may live here. */
  get shared(): boolean {
    return ARENA_MEMORY.shared;
  }

  /** Allocates `bytes` (aligned to `align`, a power of two ≥ 16 is typical) and returns the byte offset. */
  alloc(bytes: number, align = 16): number {
    if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new RangeError(`Cannot allocate ${bytes} bytes`);
    if (align < 1 || (align & (align - 1)) !== 0) {
      throw new RangeError(`Alignment ${align} is not a power of 2`);
    }
    const size = sizeClass(bytes);
    const reusable = this.freeLists.get(size);
    if (reusable && reusable.length > 0) {
      const index = reusable.findLastIndex((ptr) => ptr % align === 0);
      if (index >= 0) {
        const ptr = reusable[index];
        reusable.splice(index, 1);
        return this.track(ptr, size);
      }
    }
    const ptr = Math.ceil(this.top / align) * align;
    this.ensureCapacity(ptr + size);
    this.top = ptr + size;
    return this.track(ptr, size);
  }

  /** Returns a block to its size-class free list. Freeing an unknown offset is an error (double free). */
  free(ptr: number): void {
    const size = this.liveSizes.get(ptr);
    if (size === undefined) throw new Error(`Cannot free offset ${ptr}: it is not a live allocation`);
    this.liveSizes.delete(ptr);
    this.used -= size;
    const list = this.freeLists.get(size);
    if (list) list.push(ptr);
    else this.freeLists.set(size, [ptr]);
  }

  /** Forgets every allocation at once (the memory keeps its size). */
  reset(): void {
    this.top = FIRST_OFFSET;
    this.freeLists.clear();
    this.liveSizes.clear();
    this.used = 0;
  }

  /** Bytes held by live allocations (after size-class rounding). */
  get bytesInUse(): number {
    return this.used;
  }

  /** The current size of the memory in bytes. */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  /** Grows the memory (at least doubling) so that offsets below `end` are valid. */
  ensureCapacity(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const havePages = have / PAGE_BYTES;
    const needPages = Math.ceil(end / PAGE_BYTES);
    if (needPages > MAX_PAGES) {
      throw new RangeError(`Cannot grow WebAssembly memory to ${end} bytes (4 GiB max)`);
    }
    this.memory.grow(Math.min(MAX_PAGES, Math.max(needPages, havePages * 2)) - havePages);
  }

  /** A `Float32Array` over `n` elements at `ptr` (valid until the memory grows, unless it is shared). */
  f32View(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  /** A `Float64Array` over `n` elements at `ptr` (valid until the memory grows, unless it is shared). */
  f64View(ptr: number, n: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, n);
  }

  /** An `Int32Array` over `n` elements at `ptr` (valid until the memory grows, unless it is shared). */
  i32View(ptr: number, n: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, n);
  }

  /** A `Uint8Array` over `n` bytes at `ptr` (valid until the memory grows, unless it is shared). */
  u8View(ptr: number, n: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, n);
  }

  /** The typed view that stores `dtype`, over `n` elements at `ptr`. */
  view(dtype: DType, ptr: number, n: number): DataArray {
    switch (dtype) {
      case "float32":
        return this.f32View(ptr, n);
      case "float64":
        return this.f64View(ptr, n);
      case "int32":
        return this.i32View(ptr, n);
      case "bool":
        return this.u8View(ptr, n);
    }
  }

  /** Allocates room for `data` and copies it in; returns the offset. */
  allocCopy(data: DataArray): number {
    const ptr = this.alloc(data.byteLength);
    this.u8View(ptr, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return ptr;
  }

  /** Records a live block and returns its offset. */
  private track(ptr: number, size: number): number {
    this.liveSizes.set(ptr, size);
    this.used += size;
    return ptr;
  }
}

let shared: WasmArena | undefined;

/** The arena the CPU backend and the kernels share by default (created on first use). */
export function sharedArena(): WasmArena {
  shared ??= new WasmArena();
  return shared;
}
