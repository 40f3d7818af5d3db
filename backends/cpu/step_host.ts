/**
 * The small surface that step builders (elementwise, matmul) use to add kernel steps to a specialized graph:
 * storage slots, the steps list, and copies into the arena.
 * @module
 */
import type { DataArray, DType } from "../../cas/dtype.ts";
import type { View } from "./views.ts";
import type { WasmArena } from "./wasm/memory.ts";

/** What kernels see while a call runs: per slot, the array holding it and the element offset where it starts. */
export interface RunContext {
  readonly arrays: DataArray[];
  readonly bases: number[];
  /** The arena buffer the arena arrays were made over (growing the memory replaces it). */
  buffer: ArrayBufferLike | null;
}

/** One kernel invocation. */
export type Step = (ctx: RunContext) => void;

/** Adds steps and storage to the graph being specialized. */
export interface StepHost {
  /** The arena WebAssembly kernels read. */
  readonly arena: WasmArena;
  /** True when slot `slot` is arena storage (WebAssembly can read and write it). */
  inArena(slot: number): boolean;
  /** A new arena slot of `size` elements, placed by the memory plan. */
  temp(dtype: DType, size: number): number;
  /** Appends a step; `reads` and `writes` feed the memory plan. */
  addStep(run: Step, reads: readonly (View | number)[], writes: readonly number[], note?: string): void;
  /** `view` over arena storage (inputs are copied in once per call). */
  toArena(view: View): View;
  /** A contiguous copy of `view` in a new arena slot. */
  materialize(view: View, dtype?: DType): View;
  /** Adds the step copying `view` into the contiguous slot `dest`. */
  copyInto(view: View, dest: number, dtype: DType): void;
}
