/**
 * Steps for fused elementwise kernels: generated JavaScript (any dtype, any strides, any storage), or the SIMD
 * WebAssembly kernel where it pays off, with operands outside the arena staged through it chunk by chunk.
 * @module
 */
import type { DataArray, DType } from "../../cas/dtype.ts";
import { sizeOf, stridesOf } from "../../cas/shape.ts";
import type { ScalarExpr } from "../kernel_ir.ts";
import { elementwiseKernel } from "./js_kernels.ts";
import type { Step, StepHost } from "./step_host.ts";
import { broadcastStridesOf, collapse, contiguousView, type View } from "./views.ts";
import { wasmKernelFor, type WasmMode, wasmPreferred } from "./wasm_bridge.ts";
import type { CompiledElementwise, PreparedElementwise } from "./wasm/elementwise.ts";
import { BYTES_PER_ELEMENT } from "./wasm/memory.ts";

/** Bytes per staging buffer when operands pass through the arena in chunks (a few fit in L2 together). */
const STAGE_BYTES = 131072;
/** Below this row length, a SIMD kernel's per-call cost outweighs its speed (measured on [128, n] arrays). */
const MIN_WASM_ROW = 64;
/** Below this size, copying outside operands into the arena for a SIMD kernel costs more than it saves. */
const MIN_WASM_STAGED = 4096;
/**
 * Kernels up to this size run their first call as JavaScript and build their WebAssembly module on the second
 * (as a JIT tiers up): a first call then pays no module builds, which for small kernels cost more than they
 * save once. Bigger kernels build at once: a first JavaScript pass runs in V8's interpreter, measured at
 * 2–2.7 ms for a 32,768-element relu in a fresh process, more than a module build (0.3–1 ms once warm).
 */
const TIER_UP_SIZE = 4096;

/** A fused elementwise kernel to add: `dest[i] = expr(operands at i)` over `shape`, stored as `dtype`. */
export interface ElementwiseStep {
  readonly expr: ScalarExpr;
  readonly operands: readonly View[];
  readonly shape: readonly number[];
  readonly dest: number;
  readonly dtype: DType;
  /** The operands' dtypes; absent for internal copies (which always run as JavaScript). */
  readonly inputDtypes?: readonly DType[];
}

/** Adds the step computing `step`, choosing WebAssembly or JavaScript by `mode`. */
export function addElementwiseStep(host: StepHost, step: ElementwiseStep, mode: WasmMode): void {
  const { expr, operands, shape, dest, dtype, inputDtypes } = step;
  const { dims } = collapse(shape, operands.map((v) => broadcastStridesOf(v, shape)));
  const kernel = inputDtypes && { inputDtypes, outDtype: dtype, expr };
  const outside = operands.some((v) => !host.inArena(v.slot)) || !host.inArena(dest);
  const wanted = kernel && mode !== "never" &&
    (mode === "always" || (wasmWorthIt(outside, dims) && wasmPreferred(kernel, outside)));
  const wasm = wanted ? wasmKernelFor(kernel, host.arena) : undefined;
  if (wasm) {
    addWasmStep(host, wasm, expr, operands, shape, dest, dtype);
    return;
  }
  host.addStep(javascriptStep(expr, operands, shape, dest), operands, [dest]);
}

/** The generated JavaScript loop computing `expr` over `operands` (any storage, any strides) into `dest`. */
function javascriptStep(
  expr: ScalarExpr,
  operands: readonly View[],
  shape: readonly number[],
  dest: number,
): Step {
  const { dims, strides } = collapse(shape, operands.map((v) => broadcastStridesOf(v, shape)));
  const runner = elementwiseKernel(expr, strides.map((s) => s[s.length - 1]), dims.length);
  const flat = strides.flat();
  const slots = operands.map((v) => v.slot);
  const offsets = operands.map((v) => v.offset);
  const arrays: DataArray[] = new Array(slots.length);
  const bases: number[] = new Array(slots.length);
  return (ctx) => {
    for (let i = 0; i < slots.length; i++) {
      arrays[i] = ctx.arrays[slots[i]];
      bases[i] = ctx.bases[slots[i]] + offsets[i];
    }
    runner(ctx.arrays[dest], ctx.bases[dest], arrays, bases, dims, flat);
  };
}

/** `wasm`, except that small kernels run `expr` as JavaScript on their first call (see `TIER_UP_SIZE`). */
function tiered(
  wasm: Step,
  expr: ScalarExpr,
  operands: readonly View[],
  shape: readonly number[],
  dest: number,
): Step {
  if (sizeOf(shape) > TIER_UP_SIZE) return wasm;
  let first = true;
  return (ctx) => {
    if (first) {
      first = false;
      javascriptStep(expr, operands, shape, dest)(ctx);
    } else {
      wasm(ctx);
    }
  };
}

/**
 * Whether a SIMD kernel pays off over generated JavaScript for loops `dims`: each call of the compiled kernel
 * costs about as much as a few dozen elements, so short rows (a [128, 10] array broadcast by rows) run better
 * as JavaScript, as do small kernels whose operands would first have to be copied into the arena.
 */
function wasmWorthIt(outside: boolean, dims: readonly number[]): boolean {
  const inner = dims[dims.length - 1];
  if (dims.length > 1 && inner < MIN_WASM_ROW) return false;
  return !outside || sizeOf(dims) >= MIN_WASM_STAGED;
}

/**
 * A SIMD kernel step. WebAssembly reads only the arena: when the operands are whole contiguous arrays (or
 * broadcast scalars) and some live outside it (a caller's input, the fresh output), they are staged through
 * small arena buffers chunk by chunk, which stays in cache; otherwise outside operands are copied in first.
 */
function addWasmStep(
  host: StepHost,
  kernel: CompiledElementwise,
  expr: ScalarExpr,
  operands: readonly View[],
  shape: readonly number[],
  dest: number,
  dtype: DType,
): void {
  const outStrides = stridesOf(shape);
  const strides = operands.map((v) => broadcastStridesOf(v, shape));
  const full = strides.map((s) => s.every((x, d) => x === outStrides[d] || shape[d] === 1));
  const scalar = strides.map((s) => s.every((x, d) => x === 0 || shape[d] === 1));
  const size = sizeOf(shape);
  const outside = operands.some((v) => !host.inArena(v.slot)) || !host.inArena(dest);
  const note = `wasm [${shape}]`;
  const chunk = STAGE_BYTES /
    Math.max(BYTES_PER_ELEMENT[dtype], ...operands.map((v) => BYTES_PER_ELEMENT[v.dtype]));
  if (outside && operands.every((_, i) => full[i] || scalar[i]) && size > chunk) {
    const staged = operands.map((v, i) => (full[i] || host.inArena(v.slot) ? v : host.toArena(v)));
    addStagedStep(host, kernel, staged, full, dest, dtype, size, chunk);
    return;
  }
  const ready = operands.map((v) => (host.inArena(v.slot) ? v : host.toArena(v)));
  const target = host.inArena(dest) ? dest : host.temp(dtype, size);
  const bytes = ready.map((v) => BYTES_PER_ELEMENT[v.dtype]);
  const outBytes = BYTES_PER_ELEMENT[dtype];
  const pointers = new Array<number>(ready.length);
  // prepared on its first WebAssembly call, which builds the module: not while planning (see `tiered`)
  let prepared: PreparedElementwise | undefined;
  const run: Step = (ctx) => {
    for (let i = 0; i < ready.length; i++) {
      pointers[i] = (ctx.bases[ready[i].slot] + ready[i].offset) * bytes[i];
    }
    (prepared ??= kernel.prepare(shape, strides))(ctx.bases[target] * outBytes, pointers);
  };
  host.addStep(tiered(run, expr, ready, shape, target), ready, [target], note);
  if (target !== dest) host.copyInto(contiguousView(target, shape, dtype), dest, dtype);
}

/** Runs a flat kernel in chunks, copying outside operands into arena scratch and results out of it. */
function addStagedStep(
  host: StepHost,
  kernel: CompiledElementwise,
  operands: readonly View[],
  full: readonly boolean[],
  dest: number,
  dtype: DType,
  size: number,
  chunk: number,
): void {
  const staged = operands.map((v) => (host.inArena(v.slot) ? -1 : host.temp(v.dtype, chunk)));
  const outScratch = host.inArena(dest) ? -1 : host.temp(dtype, chunk);
  const bytes = operands.map((v) => BYTES_PER_ELEMENT[v.dtype]);
  const outBytes = BYTES_PER_ELEMENT[dtype];
  const unit = operands.map((_, i) => [full[i] ? 1 : 0]);
  const pointers = new Array<number>(operands.length);
  const scratchSlots = [...staged, outScratch].filter((s) => s >= 0);
  host.addStep(
    (ctx) => {
      for (let start = 0; start < size; start += chunk) {
        const n = Math.min(chunk, size - start);
        for (let i = 0; i < operands.length; i++) {
          const v = operands[i];
          const at = ctx.bases[v.slot] + v.offset + (full[i] ? start : 0);
          if (staged[i] < 0) {
            pointers[i] = at * bytes[i];
          } else {
            const scratch = ctx.bases[staged[i]];
            ctx.arrays[staged[i]].set(ctx.arrays[v.slot].subarray(at, at + n), scratch);
            pointers[i] = scratch * bytes[i];
          }
        }
        const out = outScratch < 0 ? (ctx.bases[dest] + start) * outBytes : ctx.bases[outScratch] * outBytes;
        kernel.run(out, pointers, [n], unit);
        if (outScratch >= 0) {
          const from = ctx.bases[outScratch];
          ctx.arrays[dest].set(ctx.arrays[outScratch].subarray(from, from + n), ctx.bases[dest] + start);
        }
      }
    },
    [...operands.map((v) => v.slot), ...scratchSlots],
    [dest, ...scratchSlots],
    `wasm staged [${size}]`,
  );
}
