/**
 * A plan specialized to one signature of call-time input shapes: every value's storage and view, the kernel
 * steps, and the memory plan. Intermediates live in one arena slab whose blocks are reused as soon as a value
 * is dead (liveness over the step list), so calls with the same shapes allocate nothing but their outputs.
 * @module
 */
import { allocate, type DataArray, type DType } from "../../cas/dtype.ts";
import { NDArray } from "../../cas/ndarray.ts";
import { broadcastShapes, sizeOf, stridesOf } from "../../cas/shape.ts";
import type { SharedVariable } from "../../cas/shared.ts";
import type { Term } from "../../cas/term.ts";
import type { OpAttrs } from "../../cas/ops/types.ts";
import { sliceIndices } from "../../cas/ops/structure.ts";
import type { GraphPlan } from "../backend.ts";
import { concatenateInto, matmulStrided, softmaxLines } from "./kernels.ts";
import { elementwiseKernel, reductionKernel } from "./js_kernels.ts";
import type { Plan, PlanNode } from "./plan.ts";
import { concreteShapes } from "./shapes.ts";
import { commitShared, sharedPointer, sparePointer } from "./shared_cache.ts";
import {
  broadcastStridesOf,
  broadcastView,
  collapse,
  contiguousView,
  indexView,
  isContiguous,
  reshapeView,
  sliceView,
  transposeView,
  type View,
} from "./views.ts";
import { BYTES_PER_ELEMENT, type WasmArena } from "./wasm/memory.ts";
import { matmulF32, matmulF64 } from "./wasm/matmul.ts";
import { wasmKernelFor, type WasmMode } from "./wasm_bridge.ts";
import type { CompiledElementwise } from "./wasm/elementwise.ts";

/** Where a slot's storage is: an arena block of this instance, a caller's input, a fresh output, … */
type SlotKind = "temp" | "input" | "output" | "shared" | "spare" | "fixed";

interface Slot {
  readonly kind: SlotKind;
  readonly dtype: DType;
  /** Elements (temp and output slots). */
  readonly size: number;
  /** Input position (input slots). */
  readonly index?: number;
  readonly variable?: SharedVariable;
  /** Byte offset in the arena (fixed slots: constants owned by the program). */
  readonly ptr?: number;
}

/** What kernels see while a call runs: per slot, the array holding it and the element offset where it starts. */
export interface RunContext {
  readonly arrays: DataArray[];
  readonly bases: number[];
  /** The arena buffer the arena arrays were made over (growing the memory replaces it). */
  buffer: ArrayBufferLike | null;
}

/** One kernel invocation. */
export type Step = (ctx: RunContext) => void;

interface PlannedStep {
  /** What the step computes (the op of the term being lowered), for profiles. */
  readonly label: string;
  readonly run: Step;
  readonly reads: readonly number[];
  readonly writes: readonly number[];
}

/** What an instance needs from its compiled program. */
export interface ProgramContext {
  readonly graph: GraphPlan;
  readonly plan: Plan;
  readonly arena: WasmArena;
  /** When fused elementwise kernels run as WebAssembly. */
  readonly wasm: WasmMode;
  /** The arena offset of a constant's value (copied in once per program). */
  constPointer(t: Term): number;
}

const ARENA_KINDS: ReadonlySet<SlotKind> = new Set(["temp", "shared", "spare", "fixed"]);
const ALIGN = 64;
/** Elements per chunk when staging operands through the arena (a few of them fit in L2 together). */
const STAGE_CHUNK = 32768;
/** Below this row length, a SIMD kernel's per-call cost outweighs its speed (measured on [128, n] arrays). */
const MIN_WASM_ROW = 64;
/** Below this size, copying outside operands into the arena for a SIMD kernel costs more than it saves. */
const MIN_WASM_STAGED = 4096;

/** The runnable form of a plan for one signature of input shapes. */
export class Instance {
  private readonly slots: Slot[] = [];
  private readonly steps: PlannedStep[] = [];
  private readonly views = new Map<Term, View>();
  private readonly inputCopies = new Map<number, number>();
  /** For each root, the output slot holding its value at the end of a call. */
  private readonly rootSlots: number[] = [];
  private readonly rootShapes: (readonly number[])[] = [];
  private readonly tempOffsets = new Map<number, number>();
  private slab = 0;
  private slabBytes = 0;
  private readonly ctx: RunContext = { arrays: [], bases: [], buffer: null };
  /** The op being lowered (labels the steps it adds). */
  private label = "";

  constructor(private readonly program: ProgramContext, inputShapes: readonly (readonly number[])[]) {
    const { graph, plan } = program;
    const shapes = concreteShapes(plan.order, graph.inputs, inputShapes);
    for (const node of plan.nodes) this.lower(node, shapes);
    graph.roots.forEach((root, i) => this.finishRoot(root, i, shapes.get(root)!));
    this.allocate();
  }

  /**
   * Runs one call; returns the values of every root (outputs, then the new values of updated variables).
   * With `borrow`, output arrays are reused from call to call (valid until the next call, as Theano's
   * `borrow=True`), which saves allocating fresh memory for them.
   */
  run(inputs: readonly NDArray[], borrow = false): NDArray[] {
    const { ctx, slots, program } = this;
    const borrowable = borrow ? this.outputSlots() : undefined;
    slots.forEach((slot, s) => {
      if (slot.kind === "input") {
        ctx.arrays[s] = inputs[slot.index!].data;
        ctx.bases[s] = 0;
      } else if (slot.kind === "output") {
        if (borrowable?.has(s) && ctx.arrays[s]?.length === slot.size) return;
        ctx.arrays[s] = allocate(slot.dtype, slot.size);
        ctx.bases[s] = 0;
      } else if (slot.kind === "shared") {
        ctx.bases[s] = sharedPointer(slot.variable!, program.arena) / BYTES_PER_ELEMENT[slot.dtype];
      } else if (slot.kind === "spare") {
        ctx.bases[s] = sparePointer(slot.variable!, program.arena) / BYTES_PER_ELEMENT[slot.dtype];
      }
    });
    this.refresh();
    const memory = program.arena.memory;
    for (const step of this.steps) {
      step.run(ctx);
      if (memory.buffer !== ctx.buffer) this.refresh();
    }
    const { outputCount } = program.graph;
    const results = this.rootSlots.map((s, i) => {
      if (i < outputCount) return new NDArray(ctx.arrays[s], this.rootShapes[i]);
      // an update value, in the variable's spare arena block: the variable gets a fresh copy
      const size = this.slots[s].size, from = ctx.bases[s];
      const data = allocate(this.slots[s].dtype, size);
      data.set(ctx.arrays[s].subarray(from, from + size));
      return new NDArray(data, this.rootShapes[i]);
    });
    program.graph.updated.forEach((v, i) => commitShared(v, program.arena, results[outputCount + i]));
    return results;
  }

  /** The slots of output roots (not update values, which become the variables' own arrays). */
  private outputSlots(): Set<number> {
    return new Set(this.rootSlots.slice(0, this.program.graph.outputCount));
  }

  /** What each step computes, in order (for profiles). */
  get stepLabels(): string[] {
    return this.steps.map((s) => s.label);
  }

  /** Frees the arena memory of this instance. */
  dispose(): void {
    if (this.slab !== 0) this.program.arena.free(this.slab);
    this.slab = 0;
  }

  /** Bytes of arena memory this instance holds for intermediates. */
  get bytes(): number {
    return this.slabBytes;
  }

  /** The arena block holding the intermediates (0 when there are none). */
  get pointer(): number {
    return this.slab;
  }

  // ---- call time -------------------------------------------------------------------------------------------

  private refresh(): void {
    const { ctx } = this;
    const buffer = this.program.arena.memory.buffer;
    ctx.buffer = buffer;
    const whole: Record<DType, DataArray> = {
      float32: new Float32Array(buffer),
      float64: new Float64Array(buffer, 0, buffer.byteLength >> 3),
      int32: new Int32Array(buffer, 0, buffer.byteLength >> 2),
      bool: new Uint8Array(buffer),
    };
    this.slots.forEach((slot, s) => {
      if (!ARENA_KINDS.has(slot.kind)) return;
      ctx.arrays[s] = whole[slot.dtype];
      if (slot.kind === "temp") {
        ctx.bases[s] = (this.slab + this.tempOffsets.get(s)!) / BYTES_PER_ELEMENT[slot.dtype];
      }
      if (slot.kind === "fixed") ctx.bases[s] = slot.ptr! / BYTES_PER_ELEMENT[slot.dtype];
    });
  }

  // ---- planning --------------------------------------------------------------------------------------------

  private slot(slot: Slot): number {
    this.slots.push(slot);
    return this.slots.length - 1;
  }

  private temp(dtype: DType, size: number): number {
    return this.slot({ kind: "temp", dtype, size });
  }

  private addStep(run: Step, reads: readonly View[] | readonly number[], writes: readonly number[]): void {
    const readSlots = (reads as readonly (View | number)[]).map((r) => (typeof r === "number" ? r : r.slot));
    this.steps.push({ label: this.label, run, reads: readSlots, writes });
  }

  private view(t: Term): View {
    const v = this.views.get(t);
    if (!v) throw new Error(`cpu backend: no value planned for ${t.op} term #${t.id}`);
    return v;
  }

  /** A contiguous copy of `view` in a new temp slot. */
  private materialize(view: View, dtype: DType = view.dtype): View {
    const slot = this.temp(dtype, sizeOf(view.shape));
    this.copyInto(view, slot, dtype);
    return contiguousView(slot, view.shape, dtype);
  }

  /** Adds the step copying `view` (any strides, any slot) into the contiguous slot `dest`, converting dtypes. */
  private copyInto(view: View, dest: number, dtype: DType): void {
    this.elementwiseStep({ kind: "input", index: 0 }, [view], view.shape, dest, dtype);
  }

  /**
   * `view` over arena storage (what WebAssembly kernels read). A caller's input is copied into the arena whole,
   * once per call however many kernels need it, keeping the view's offset and strides (so a transposed input
   * still folds into a matmul flag); anything else outside the arena is materialized.
   */
  private toArena(view: View): View {
    const slot = this.slots[view.slot];
    if (ARENA_KINDS.has(slot.kind)) return view;
    if (slot.kind !== "input") return this.materialize(view);
    let copy = this.inputCopies.get(view.slot);
    if (copy === undefined) {
      copy = this.temp(slot.dtype, slot.size);
      this.copyInto(contiguousView(view.slot, [slot.size], slot.dtype), copy, slot.dtype);
      this.inputCopies.set(view.slot, copy);
    }
    return { ...view, slot: copy };
  }

  /**
   * The slot a kernel computing `t` writes: when `t` is a root (an output or an update value) that no kernel
   * reads, the fresh array handed to the caller (so the result needs no copy); else an arena temp.
   */
  private destination(t: Term, size: number, arenaOnly = false): number {
    const { graph, plan } = this.program;
    const rootIndex = graph.roots.indexOf(t);
    const onlyRoot = rootIndex >= 0 && plan.readers.get(t) === 1 && this.rootSlots[rootIndex] === undefined;
    if (onlyRoot && rootIndex >= graph.outputCount) {
      return this.rootSlots[rootIndex] = this.spareSlot(rootIndex, size);
    }
    if (onlyRoot && !arenaOnly) {
      return this.rootSlots[rootIndex] = this.slot({ kind: "output", dtype: t.dtype, size });
    }
    return this.temp(t.dtype, size);
  }

  /** The slot of the spare arena block of the variable that root `rootIndex` (an update value) replaces. */
  private spareSlot(rootIndex: number, size: number): number {
    const variable = this.program.graph.updated[rootIndex - this.program.graph.outputCount];
    return this.slot({ kind: "spare", dtype: variable.dtype, size, variable });
  }

  private elementwiseStep(
    expr: Parameters<typeof elementwiseKernel>[0],
    operands: readonly View[],
    shape: readonly number[],
    dest: number,
    dtype: DType,
    inputDtypes?: readonly DType[],
  ): void {
    const { dims, strides } = collapse(shape, operands.map((v) => broadcastStridesOf(v, shape)));
    const mode = this.program.wasm;
    const wasm = inputDtypes && mode !== "never" &&
      (mode === "always" || this.wasmWorthIt(operands, dest, dims)) &&
      wasmKernelFor({ inputDtypes, outDtype: dtype, expr }, this.program.arena);
    if (wasm) {
      const label = this.label;
      this.label = `${label} [wasm ${shape}]`;
      this.wasmElementwiseStep(wasm, operands, shape, dest, dtype);
      this.label = label;
      return;
    }
    const runner = elementwiseKernel(expr, strides.map((s) => s[s.length - 1]), dims.length);
    const flat = strides.flat();
    const slots = operands.map((v) => v.slot);
    const offsets = operands.map((v) => v.offset);
    const arrays: DataArray[] = new Array(slots.length);
    const bases: number[] = new Array(slots.length);
    this.addStep(
      (ctx) => {
        for (let i = 0; i < slots.length; i++) {
          arrays[i] = ctx.arrays[slots[i]];
          bases[i] = ctx.bases[slots[i]] + offsets[i];
        }
        runner(ctx.arrays[dest], ctx.bases[dest], arrays, bases, dims, flat);
      },
      operands,
      [dest],
    );
  }

  /**
   * Whether a SIMD kernel pays off over generated JavaScript for loops `dims`: each call of the compiled
   * kernel costs about as much as a few dozen elements, so short rows (a [128, 10] array broadcast by rows) run
   * better as JavaScript, as do small kernels whose operands would first have to be copied into the arena.
   */
  private wasmWorthIt(operands: readonly View[], dest: number, dims: readonly number[]): boolean {
    const inner = dims[dims.length - 1];
    if (dims.length > 1 && inner < MIN_WASM_ROW) return false;
    const outside = operands.some((v) => !ARENA_KINDS.has(this.slots[v.slot].kind)) ||
      !ARENA_KINDS.has(this.slots[dest].kind);
    return !outside || sizeOf(dims) >= MIN_WASM_STAGED;
  }

  /**
   * A SIMD kernel step. WebAssembly reads only the arena: when the operands are whole contiguous arrays (or
   * broadcast scalars) and some live outside it (a caller's input, the fresh output), they are staged through
   * small arena buffers chunk by chunk, which stays in cache; otherwise outside operands are copied in first.
   */
  private wasmElementwiseStep(
    kernel: CompiledElementwise,
    operands: readonly View[],
    shape: readonly number[],
    dest: number,
    dtype: DType,
  ): void {
    const inArena = (slot: number) => ARENA_KINDS.has(this.slots[slot].kind);
    const outStrides = stridesOf(shape);
    const strides = operands.map((v) => broadcastStridesOf(v, shape));
    const full = strides.map((s) => s.every((x, d) => x === outStrides[d] || shape[d] === 1));
    const scalar = strides.map((s) => s.every((x, d) => x === 0 || shape[d] === 1));
    const size = sizeOf(shape);
    const outside = operands.some((v) => !inArena(v.slot)) || !inArena(dest);
    if (outside && operands.every((_, i) => full[i] || scalar[i]) && size > STAGE_CHUNK) {
      this.stagedWasmStep(
        kernel,
        operands.map((v, i) => (full[i] || inArena(v.slot) ? v : this.toArena(v))),
        full,
        dest,
        dtype,
        size,
      );
      return;
    }
    const ready = operands.map((v) => (inArena(v.slot) ? v : this.toArena(v)));
    const target = inArena(dest) ? dest : this.temp(dtype, size);
    const bytes = ready.map((v) => BYTES_PER_ELEMENT[v.dtype]);
    const outBytes = BYTES_PER_ELEMENT[dtype];
    const pointers = new Array<number>(ready.length);
    this.addStep(
      (ctx) => {
        for (let i = 0; i < ready.length; i++) {
          pointers[i] = (ctx.bases[ready[i].slot] + ready[i].offset) *
            bytes[i];
        }
        kernel.run(ctx.bases[target] * outBytes, pointers, shape, strides);
      },
      ready,
      [target],
    );
    if (target !== dest) this.copyInto(contiguousView(target, shape, dtype), dest, dtype);
  }

  /** Runs a flat kernel in chunks, copying outside operands into arena scratch and results out of it. */
  private stagedWasmStep(
    kernel: CompiledElementwise,
    operands: readonly View[],
    full: readonly boolean[],
    dest: number,
    dtype: DType,
    size: number,
  ): void {
    const inArena = (slot: number) => ARENA_KINDS.has(this.slots[slot].kind);
    const staged = operands.map((v) => (inArena(v.slot) ? -1 : this.temp(v.dtype, STAGE_CHUNK)));
    const outScratch = inArena(dest) ? -1 : this.temp(dtype, STAGE_CHUNK);
    const bytes = operands.map((v) => BYTES_PER_ELEMENT[v.dtype]);
    const outBytes = BYTES_PER_ELEMENT[dtype];
    const unit = operands.map((_, i) => [full[i] ? 1 : 0]);
    const pointers = new Array<number>(operands.length);
    const scratchSlots = [...staged, outScratch].filter((s) => s >= 0);
    this.addStep(
      (ctx) => {
        for (let start = 0; start < size; start += STAGE_CHUNK) {
          const n = Math.min(STAGE_CHUNK, size - start);
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
          const out = outScratch < 0
            ? (ctx.bases[dest] + start) * outBytes
            : ctx.bases[outScratch] * outBytes;
          kernel.run(out, pointers, [n], unit);
          if (outScratch >= 0) {
            const from = ctx.bases[outScratch];
            ctx.arrays[dest].set(ctx.arrays[outScratch].subarray(from, from + n), ctx.bases[dest] + start);
          }
        }
      },
      [...operands.map((v) => v.slot), ...scratchSlots],
      [dest, ...scratchSlots],
    );
  }

  private lower(node: PlanNode, shapes: ReadonlyMap<Term, readonly number[]>): void {
    const t = node.term;
    this.label = `${node.kind} ${t.op}`;
    const shape = shapes.get(t)!;
    const size = sizeOf(shape);
    switch (node.kind) {
      case "input": {
        const slot = this.slot({ kind: "input", dtype: t.dtype, size, index: node.index });
        this.views.set(t, contiguousView(slot, shape, t.dtype));
        return;
      }
      case "shared": {
        const slot = this.slot({ kind: "shared", dtype: t.dtype, size, variable: t as SharedVariable });
        this.views.set(t, contiguousView(slot, shape, t.dtype));
        return;
      }
      case "const": {
        const slot = this.slot({ kind: "fixed", dtype: t.dtype, size, ptr: this.program.constPointer(t) });
        this.views.set(t, contiguousView(slot, shape, t.dtype));
        return;
      }
      case "view":
        this.views.set(t, this.lowerView(t, shape));
        return;
      case "elementwise": {
        const dest = this.destination(t, size);
        const operands = node.operands.map((o) => this.view(o));
        this.elementwiseStep(node.kernel.expr, operands, shape, dest, t.dtype, node.kernel.inputDtypes);
        this.views.set(t, contiguousView(dest, shape, t.dtype));
        return;
      }
      case "reduce":
        this.views.set(t, this.lowerReduce(node, shapes.get(t.args[0])!, shape));
        return;
      case "matmul":
        this.views.set(t, this.lowerMatmul(node, shapes));
        return;
      case "softmax": {
        const x = this.view(t.args[0]);
        const dest = this.destination(t, size);
        const scratch = new Float64Array(shape[node.axis] ?? 1);
        this.addStep(
          (ctx) => {
            const input = { array: ctx.arrays[x.slot], base: ctx.bases[x.slot] + x.offset, ...x };
            softmaxLines(input, node.axis, ctx.arrays[dest], ctx.bases[dest], node.log, scratch);
          },
          [x],
          [dest],
        );
        this.views.set(t, contiguousView(dest, shape, t.dtype));
        return;
      }
      case "concatenate": {
        const { axis } = t.attrs as OpAttrs["concatenate"];
        const parts = t.args.map((a) => {
          const v = this.view(a);
          return isContiguous(v) ? v : this.materialize(v);
        });
        const dest = this.destination(t, size);
        this.addStep(
          (ctx) => {
            const inputs = parts.map((p) => ({
              array: ctx.arrays[p.slot],
              base: ctx.bases[p.slot] + p.offset,
              shape: p.shape,
            }));
            concatenateInto(inputs, axis, shape, ctx.arrays[dest], ctx.bases[dest]);
          },
          parts,
          [dest],
        );
        this.views.set(t, contiguousView(dest, shape, t.dtype));
        return;
      }
      case "count": {
        const { axes } = t.attrs as OpAttrs["count"];
        const argShape = shapes.get(t.args[0])!;
        const value = axes.reduce((c, a) => c * argShape[a], 1);
        const dest = this.temp(t.dtype, 1);
        this.addStep(
          (ctx) => {
            ctx.arrays[dest][ctx.bases[dest]] = value;
          },
          [],
          [dest],
        );
        this.views.set(t, contiguousView(dest, shape, t.dtype));
        return;
      }
    }
  }

  private lowerView(t: Term, shape: readonly number[]): View {
    let x = this.view(t.args[0]);
    switch (t.op) {
      case "transpose":
        return transposeView(x, (t.attrs as OpAttrs["transpose"]).perm);
      case "reshape":
        if (!isContiguous(x)) x = this.materialize(x);
        return reshapeView(x, shape);
      case "broadcastTo":
        return broadcastView(x, shape);
      case "index": {
        const { index } = t.attrs as OpAttrs["index"];
        return indexView(x, index < 0 ? index + x.shape[0] : index);
      }
      case "slice": {
        const { start, stop, step } = t.attrs as OpAttrs["slice"];
        const rows = sliceIndices(start, stop, step, x.shape[0]);
        return sliceView(x, rows[0] ?? 0, step, rows.length);
      }
      default: // stopGradient
        return x;
    }
  }

  private lowerReduce(
    node: Extract<PlanNode, { kind: "reduce" }>,
    inShape: readonly number[],
    shape: readonly number[],
  ): View {
    const t = node.term;
    const { axes } = t.attrs as OpAttrs["sum"];
    const operands = node.operands.map((o) => this.view(o));
    const kept = inShape.map((_, d) => d).filter((d) => !axes.includes(d));
    const pick = (list: readonly number[], dims: readonly number[]) => dims.map((d) => list[d]);
    const strides = operands.map((v) => broadcastStridesOf(v, inShape));
    const keptLoops = collapse(pick(inShape, kept), strides.map((s) => pick(s, kept)));
    const reducedLoops = collapse(pick(inShape, axes), strides.map((s) => pick(s, axes)));
    // an empty reduced group is one pass of the body (collapse gives a single size-1 loop)
    const runner = reductionKernel(
      node.op,
      node.expr,
      operands.length,
      keptLoops.dims.length,
      reducedLoops.dims.length,
    );
    const dims = [...keptLoops.dims, ...reducedLoops.dims];
    const flat = operands.flatMap((_, i) => [...keptLoops.strides[i], ...reducedLoops.strides[i]]);
    const dest = this.destination(t, sizeOf(shape));
    const slots = operands.map((v) => v.slot);
    const offsets = operands.map((v) => v.offset);
    const arrays: DataArray[] = new Array(slots.length);
    const bases: number[] = new Array(slots.length);
    this.addStep(
      (ctx) => {
        for (let i = 0; i < slots.length; i++) {
          arrays[i] = ctx.arrays[slots[i]];
          bases[i] = ctx.bases[slots[i]] + offsets[i];
        }
        runner(ctx.arrays[dest], ctx.bases[dest], arrays, bases, dims, flat);
      },
      operands,
      [dest],
    );
    return contiguousView(dest, shape, t.dtype);
  }

  private lowerMatmul(
    node: Extract<PlanNode, { kind: "matmul" }>,
    shapes: ReadonlyMap<Term, readonly number[]>,
  ): View {
    const t = node.term;
    const shape = shapes.get(t)!;
    // NumPy's promotion of 1-D arguments: a row on the left, a column on the right
    const promote = (v: View, left: boolean): View =>
      v.shape.length > 1
        ? v
        : left
        ? { ...v, shape: [1, v.shape[0]], strides: [0, v.strides[0]] }
        : { ...v, shape: [v.shape[0], 1], strides: [v.strides[0], 0] };
    const wasm = (t.dtype === "float32" || t.dtype === "float64") && node.a.dtype === t.dtype &&
      node.b.dtype === t.dtype;
    const source = (u: Term) => (wasm ? this.toArena(this.view(u)) : this.view(u));
    let a = promote(source(node.a), true);
    let b = promote(source(node.b), false);
    const ra = a.shape.length, rb = b.shape.length;
    const m = a.shape[ra - 2], k = a.shape[ra - 1], n = b.shape[rb - 1];
    const batch = broadcastShapes("matmul", [a.shape.slice(0, -2), b.shape.slice(0, -2)]) as number[];
    const expand = (v: View, r: number): View => {
      const full = [...batch, v.shape[r - 2], v.shape[r - 1]];
      return { ...v, shape: full, strides: broadcastStridesOf(v, full) };
    };
    a = expand(a, ra);
    b = expand(b, rb);
    const dest = this.destination(t, sizeOf(shape), true);
    const biasView = node.bias ? this.view(node.bias) : undefined;
    if (!wasm) {
      const reads = [a, b, ...(biasView ? [biasView] : [])];
      this.addStep(
        (ctx) => {
          const strided = (v: View) => ({
            array: ctx.arrays[v.slot],
            base: ctx.bases[v.slot] + v.offset,
            ...v,
          });
          const bias = biasView && {
            array: ctx.arrays[biasView.slot],
            base: ctx.bases[biasView.slot] + biasView.offset,
            stride: biasView.strides[biasView.strides.length - 1],
          };
          matmulStrided(strided(a), strided(b), batch, ctx.arrays[dest], ctx.bases[dest], bias, node.relu);
        },
        reads,
        [dest],
      );
      return contiguousView(dest, shape, t.dtype);
    }
    const bytes = BYTES_PER_ELEMENT[t.dtype];
    const r = batch.length;
    // Each operand must be row-major or transposed in its last two axes, in the arena: else copied once.
    const layout = (v: View, rows: number, cols: number): "n" | "t" | undefined => {
      const [sr, sc] = [v.strides[r], v.strides[r + 1]];
      if ((sc === 1 || cols === 1) && (sr === cols || rows === 1)) return "n";
      if ((sr === 1 || rows === 1) && (sc === rows || cols === 1)) return "t";
      return undefined;
    };
    const prepare = (v: View, rows: number, cols: number) => {
      const ready = layout(v, rows, cols) ? v : this.materialize(v);
      return { view: ready, trans: layout(ready, rows, cols) === "t" };
    };
    const pa = prepare(a, m, k);
    const pb = prepare(b, k, n);
    let bias: View | undefined;
    if (biasView) {
      const row = broadcastView(biasView, [n]);
      bias = ARENA_KINDS.has(this.slots[row.slot].kind) && (row.strides[0] === 1 || n === 1)
        ? row
        : this.materialize(row);
    }
    const product = t.dtype === "float32" ? matmulF32 : matmulF64;
    const arena = this.program.arena;
    const plain = { transA: pa.trans, transB: pb.trans, relu: node.relu, arena };
    const withBias = { ...plain, biasPtr: 0 };
    const batchCount = sizeOf(batch);
    const index = new Array<number>(r).fill(0);
    const reads = [pa.view, pb.view, ...(bias ? [bias] : [])];
    this.addStep(
      (ctx) => {
        if (bias) withBias.biasPtr = (ctx.bases[bias.slot] + bias.offset) * bytes;
        const options = bias ? withBias : plain;
        const aBase = ctx.bases[pa.view.slot] + pa.view.offset;
        const bBase = ctx.bases[pb.view.slot] + pb.view.offset;
        const cBase = ctx.bases[dest];
        index.fill(0);
        for (let i = 0; i < batchCount; i++) {
          let ao = aBase, bo = bBase;
          for (let d = 0; d < r; d++) {
            ao += index[d] * pa.view.strides[d];
            bo += index[d] * pb.view.strides[d];
          }
          product(ao * bytes, bo * bytes, (cBase + i * m * n) * bytes, m, k, n, options);
          for (let d = r - 1; d >= 0; d--) {
            if (++index[d] < batch[d]) break;
            index[d] = 0;
          }
        }
      },
      reads,
      [dest],
    );
    return contiguousView(dest, shape, t.dtype);
  }

  /** Makes sure root `i`'s value ends in a slot the caller gets: a fresh output array, or an arena temp. */
  private finishRoot(root: Term, i: number, shape: readonly number[]): void {
    this.rootShapes[i] = shape;
    this.label = `result ${i}`;
    if (this.rootSlots[i] !== undefined) return;
    const view = this.view(root);
    const slot = i >= this.program.graph.outputCount
      ? this.spareSlot(i, sizeOf(shape))
      : this.slot({ kind: "output", dtype: root.dtype, size: sizeOf(shape) });
    this.copyInto(view, slot, root.dtype);
    this.rootSlots[i] = slot;
  }

  /** Gives every temp slot a block of the slab, reusing blocks of values that are already dead. */
  private allocate(): void {
    const lastUse = new Map<number, number>();
    this.steps.forEach((step, i) => {
      for (const s of [...step.reads, ...step.writes]) lastUse.set(s, i);
    });
    const free: { offset: number; bytes: number }[] = [];
    let top = 0;
    const take = (bytes: number): number => {
      const fit = free.findIndex((b) => b.bytes >= bytes);
      if (fit < 0) {
        const offset = top;
        top += bytes;
        return offset;
      }
      const block = free[fit];
      if (block.bytes === bytes) free.splice(fit, 1);
      else free[fit] = { offset: block.offset + bytes, bytes: block.bytes - bytes };
      return block.offset;
    };
    const give = (offset: number, bytes: number) => {
      free.push({ offset, bytes });
      free.sort((x, y) => x.offset - y.offset);
      for (let j = free.length - 1; j > 0; j--) {
        if (free[j - 1].offset + free[j - 1].bytes === free[j].offset) {
          free[j - 1] = { offset: free[j - 1].offset, bytes: free[j - 1].bytes + free[j].bytes };
          free.splice(j, 1);
        }
      }
    };
    const sizeOfSlot = (s: number) => {
      const slot = this.slots[s];
      return Math.ceil((slot.size * BYTES_PER_ELEMENT[slot.dtype]) / ALIGN) * ALIGN;
    };
    this.steps.forEach((step, i) => {
      for (const s of step.writes) {
        if (this.slots[s].kind === "temp" && !this.tempOffsets.has(s)) {
          this.tempOffsets.set(s, take(sizeOfSlot(s)));
        }
      }
      for (const s of new Set([...step.reads, ...step.writes])) {
        if (this.slots[s].kind === "temp" && lastUse.get(s) === i) {
          give(this.tempOffsets.get(s)!, sizeOfSlot(s));
        }
      }
    });
    this.slabBytes = top;
    this.slab = top > 0 ? this.program.arena.alloc(top, ALIGN) : 0;
  }
}
