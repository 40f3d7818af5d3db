/**
 * A plan specialized to one signature of call-time input shapes: every value's storage and view, the kernel
 * steps, and the memory plan. Intermediates live in one arena slab whose blocks are reused as soon as a value
 * is dead (liveness over the step list), so calls with the same shapes allocate nothing but their outputs.
 * @module
 */
import { allocate, type DataArray, type DType } from "../../cas/dtype.ts";
import { NDArray } from "../../cas/ndarray.ts";
import { sizeOf } from "../../cas/shape.ts";
import type { SharedVariable } from "../../cas/shared.ts";
import type { Term } from "../../cas/term.ts";
import type { OpAttrs } from "../../cas/ops/types.ts";
import { sliceIndices } from "../../cas/ops/structure.ts";
import type { GraphPlan } from "../backend.ts";
import { addElementwiseStep, type ElementwiseStep } from "./elementwise_steps.ts";
import { concatenateInto, softmaxLines } from "./kernels.ts";
import { reductionKernel } from "./js_kernels.ts";
import { addMatmulStep, wasmMatmul } from "./matmul_step.ts";
import { planSlab } from "./memory_plan.ts";
import type { Plan, PlanNode } from "./plan.ts";
import { concreteShapes } from "./shapes.ts";
import { commitShared, sharedPointer, sparePointer } from "./shared_cache.ts";
import type { RunContext, Step, StepHost } from "./step_host.ts";
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
import { softmaxRowsF32 } from "./wasm/softmax.ts";
import { sumRows } from "./wasm/reduce_rows.ts";
import type { WasmMode } from "./wasm_bridge.ts";

/**
 * Where a slot's storage is: an arena block of this instance, a caller's input, a fresh output, an output
 * borrowed from the arena (kept at the end of the slab, handed out as a view), …
 */
type SlotKind = "temp" | "input" | "output" | "borrowed" | "shared" | "spare" | "fixed";

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

const ARENA_KINDS: ReadonlySet<SlotKind> = new Set(["temp", "borrowed", "shared", "spare", "fixed"]);

/** Borrowed outputs keep their instance (so its slab) alive as long as someone holds them. */
const owners = new WeakMap<object, Instance>();
/** Alignment of slab blocks (a cache line). */
const ALIGN = 64;

/** The runnable form of a plan for one signature of input shapes. */
export class Instance implements StepHost {
  private readonly slots: Slot[] = [];
  private readonly steps: PlannedStep[] = [];
  private readonly views = new Map<Term, View>();
  private readonly inputCopies = new Map<number, number>();
  /** For each root, the output slot holding its value at the end of a call. */
  private readonly rootSlots: number[] = [];
  private readonly rootShapes: (readonly number[])[] = [];
  private tempOffsets: ReadonlyMap<number, number> = new Map();
  private slab = 0;
  private slabBytes = 0;
  private readonly ctx: RunContext = { arrays: [], bases: [], buffer: null };
  /** Output arrays reused by borrowing calls, per slot (views of the arena, or arrays of their own). */
  private readonly borrowed: DataArray[] = [];
  /** The op being lowered (labels the steps it adds). */
  private label = "";

  /**
   * With `borrowInArena` (borrowing calls on a shared arena memory), outputs are computed straight into
   * arena blocks and handed out as views of them: no fresh memory, no copy out of the arena.
   */
  constructor(
    private readonly program: ProgramContext,
    inputShapes: readonly (readonly number[])[],
    private readonly borrowInArena = false,
  ) {
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
        // borrowed arrays are kept apart: an array once handed out without borrowing is never written again
        ctx.arrays[s] = borrowable?.has(s)
          ? (this.borrowed[s] ??= allocate(slot.dtype, slot.size))
          : allocate(slot.dtype, slot.size);
        ctx.bases[s] = 0;
      } else if (slot.kind === "shared") {
        ctx.bases[s] = sharedPointer(slot.variable!, program.arena) / BYTES_PER_ELEMENT[slot.dtype];
      } else if (slot.kind === "spare") {
        ctx.bases[s] = sparePointer(slot.variable!, program.arena) / BYTES_PER_ELEMENT[slot.dtype];
      }
    });
    const memory = program.arena.memory;
    // the arena views change only when the memory grows (a new buffer): otherwise last call's are still right
    if (memory.buffer !== ctx.buffer) this.refresh();
    for (const step of this.steps) {
      step.run(ctx);
      if (memory.buffer !== ctx.buffer) this.refresh();
    }
    const { outputCount } = program.graph;
    // outputs are handed over as they are; update values stay in the arena (see commitShared)
    const results = this.rootSlots.slice(0, outputCount).map((s, i) => {
      if (slots[s].kind !== "borrowed") return new NDArray(ctx.arrays[s], this.rootShapes[i]);
      // one view per output for the instance's life: views of a shared memory survive its growth
      let data = this.borrowed[s];
      if (data === undefined) {
        data = this.borrowed[s] = ctx.arrays[s].subarray(ctx.bases[s], ctx.bases[s] + slots[s].size);
        owners.set(data, this);
      }
      return new NDArray(data, this.rootShapes[i]);
    });
    program.graph.updated.forEach((v, i) => commitShared(v, program.arena, this.rootShapes[outputCount + i]));
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
      if (slot.kind === "temp" || slot.kind === "borrowed") {
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

  get arena(): WasmArena {
    return this.program.arena;
  }

  inArena(slot: number): boolean {
    return ARENA_KINDS.has(this.slots[slot].kind);
  }

  temp(dtype: DType, size: number): number {
    return this.slot({ kind: "temp", dtype, size });
  }

  addStep(run: Step, reads: readonly (View | number)[], writes: readonly number[], note?: string): void {
    const readSlots = reads.map((r) => (typeof r === "number" ? r : r.slot));
    this.steps.push({ label: note ? `${this.label} [${note}]` : this.label, run, reads: readSlots, writes });
  }

  private view(t: Term): View {
    const v = this.views.get(t);
    if (!v) throw new Error(`cpu backend: no value planned for ${t.op} term #${t.id}`);
    return v;
  }

  /** A contiguous copy of `view` in a new temp slot. */
  materialize(view: View, dtype: DType = view.dtype): View {
    const slot = this.temp(dtype, sizeOf(view.shape));
    this.copyInto(view, slot, dtype);
    return contiguousView(slot, view.shape, dtype);
  }

  /** Adds the step copying `view` (any strides, any slot) into the contiguous slot `dest`, converting dtypes. */
  copyInto(view: View, dest: number, dtype: DType): void {
    if (view.dtype !== dtype || !isContiguous(view)) {
      this.elementwise({
        expr: { kind: "input", index: 0 },
        operands: [view],
        shape: view.shape,
        dest,
        dtype,
      });
      return;
    }
    // same dtype and contiguous: a block copy (memcpy)
    const size = sizeOf(view.shape);
    this.addStep(
      (ctx) => {
        const from = ctx.bases[view.slot] + view.offset;
        ctx.arrays[dest].set(ctx.arrays[view.slot].subarray(from, from + size), ctx.bases[dest]);
      },
      [view],
      [dest],
      "copy",
    );
  }

  /**
   * `view` over arena storage (what WebAssembly kernels read). A caller's input is copied into the arena whole,
   * once per call however many kernels need it, keeping the view's offset and strides (so a transposed input
   * still folds into a matmul flag); anything else outside the arena is materialized.
   */
  toArena(view: View): View {
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
   * The slot a kernel computing `t` writes: for an update value, the variable's spare arena block (later
   * kernels may read it there: an optimizer's new moment is also read by the parameter's update); for an output
   * that no kernel reads, the fresh array handed to the caller; so neither needs a copy. Else an arena temp.
   */
  private destination(t: Term, size: number, arenaOnly = false): number {
    const { graph, plan } = this.program;
    const rootIndex = graph.roots.indexOf(t);
    const free = rootIndex >= 0 && this.rootSlots[rootIndex] === undefined;
    if (free && rootIndex >= graph.outputCount) {
      return this.rootSlots[rootIndex] = this.spareSlot(rootIndex, size);
    }
    const onlyRoot = free && plan.readers.get(t) === 1;
    if (onlyRoot && this.borrowInArena) {
      return this.rootSlots[rootIndex] = this.slot({ kind: "borrowed", dtype: t.dtype, size });
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

  private elementwise(step: ElementwiseStep): void {
    addElementwiseStep(this, step, this.program.wasm);
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
        const { expr, inputDtypes } = node.kernel;
        this.elementwise({ expr, operands, shape, dest, dtype: t.dtype, inputDtypes });
        this.views.set(t, contiguousView(dest, shape, t.dtype));
        return;
      }
      case "reduce":
        this.views.set(t, this.lowerReduce(node, shapes.get(t.args[0])!, shape));
        return;
      case "matmul":
        this.views.set(t, this.lowerMatmul(node, shape));
        return;
      case "softmax": {
        let x = this.view(t.args[0]);
        const length = shape[shape.length - 1];
        if (
          shape.length > 0 && node.axis === shape.length - 1 && t.dtype === "float32" &&
          x.dtype === "float32" && isContiguous(x) && this.program.wasm !== "never"
        ) {
          // float32 rows along the last axis: the WebAssembly kernel, in the arena (an input is copied in once;
          // an output root is computed in a temp and copied out, which costs little next to the exponentials)
          x = this.toArena(x);
          const dest = this.destination(t, size, true);
          const rows = length === 0 ? 0 : size / length;
          const { arena } = this;
          this.addStep(
            (ctx) => {
              const src = (ctx.bases[x.slot] + x.offset) * 4;
              softmaxRowsF32(src, ctx.bases[dest] * 4, rows, length, node.log, arena);
            },
            [x],
            [dest],
            `wasm ${rows}×${length}`,
          );
          this.views.set(t, contiguousView(dest, shape, t.dtype));
          return;
        }
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
    const rowSums = this.rowSumsStep(node, operands, inShape, shape);
    if (rowSums) return rowSums;
    const kept = inShape.map((_, d) => d).filter((d) => !axes.includes(d));
    const pick = (list: readonly number[], dims: readonly number[]) => dims.map((d) => list[d]);
    const strides = operands.map((v) => broadcastStridesOf(v, inShape));
    const keptLoops = collapse(pick(inShape, kept), strides.map((s) => pick(s, kept)));
    const reducedLoops = collapse(pick(inShape, axes), strides.map((s) => pick(s, axes)));
    // an empty reduced group is one pass of the body (collapse gives a single size-1 loop)
    const innermost = (strides: readonly (readonly number[])[], i: number) =>
      strides[i][strides[i].length - 1];
    // reducing over leading axes: walk the kept axes innermost (contiguous), one accumulator per output cell
    const reducedOuter = keptLoops.dims.length > 0 &&
      operands.every((_, i) => Math.abs(innermost(keptLoops.strides, i)) <= 1) &&
      Math.abs(innermost(reducedLoops.strides, 0)) > 1;
    const runner = reductionKernel(
      node.op,
      node.expr,
      operands.length,
      keptLoops.dims.length,
      reducedLoops.dims.length,
      reducedOuter,
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

  /**
   * A float sum or mean over the leading axes of one contiguous arena array, as the SIMD kernel of
   * `wasm/reduce_rows.ts` (bit-identical to the JavaScript loop); undefined where that does not apply.
   */
  private rowSumsStep(
    node: Extract<PlanNode, { kind: "reduce" }>,
    operands: readonly View[],
    inShape: readonly number[],
    shape: readonly number[],
  ): View | undefined {
    const t = node.term;
    const { axes } = t.attrs as OpAttrs["sum"];
    const [x] = operands;
    const leading = axes.length > 0 && axes.length < inShape.length && axes.every((a, i) => a === i);
    const applies = (node.op === "sum" || node.op === "mean") && node.expr.kind === "input" && leading &&
      (t.dtype === "float32" || t.dtype === "float64") && x.dtype === t.dtype && this.inArena(x.slot) &&
      isContiguous(x) && this.program.wasm !== "never";
    if (!applies) return undefined;
    // an arena destination (a root's value is copied out by finishRoot, as a matmul's is)
    const dest = this.destination(t, sizeOf(shape), true);
    const rows = sizeOf(inShape.slice(0, axes.length)), cols = sizeOf(inShape.slice(axes.length));
    const precision = t.dtype === "float32" ? "f32" : "f64";
    const bytes = BYTES_PER_ELEMENT[t.dtype];
    const divisor = node.op === "mean" ? rows : 1;
    const arena = this.program.arena;
    this.addStep(
      (ctx) => {
        const src = (ctx.bases[x.slot] + x.offset) * bytes, out = ctx.bases[dest] * bytes;
        sumRows(precision, src, out, rows, cols, divisor, arena);
      },
      [x],
      [dest],
      "wasm rows",
    );
    return contiguousView(dest, shape, t.dtype);
  }

  private lowerMatmul(node: Extract<PlanNode, { kind: "matmul" }>, shape: readonly number[]): View {
    const t = node.term;
    // the WebAssembly kernel reads the arena: inputs are copied in (once per call, keeping their strides)
    const wasm = wasmMatmul(t.dtype, node.a.dtype, node.b.dtype);
    const source = (u: Term) => (wasm ? this.toArena(this.view(u)) : this.view(u));
    const dest = this.destination(t, sizeOf(shape), true);
    const bias = node.bias ? this.view(node.bias) : undefined;
    addMatmulStep(this, {
      a: source(node.a),
      b: source(node.b),
      bias,
      relu: node.relu,
      scale: node.scale,
      addend: node.addend ? this.view(node.addend) : undefined,
      dest,
      dtype: t.dtype,
    });
    return contiguousView(dest, shape, t.dtype);
  }

  /** Makes sure root `i`'s value ends in a slot the caller gets: a fresh output array, or an arena temp. */
  private finishRoot(root: Term, i: number, shape: readonly number[]): void {
    this.rootShapes[i] = shape;
    this.label = `result ${i}`;
    if (this.rootSlots[i] !== undefined) return;
    const view = this.view(root);
    const slot = i >= this.program.graph.outputCount ? this.spareSlot(i, sizeOf(shape)) : this.slot({
      kind: this.borrowInArena ? "borrowed" : "output",
      dtype: root.dtype,
      size: sizeOf(shape),
    });
    this.copyInto(view, slot, root.dtype);
    this.rootSlots[i] = slot;
  }

  /**
   * Gives every temp slot a block of the slab, reusing blocks of values that are already dead; borrowed outputs
   * get blocks of their own after them (they must outlive the call).
   */
  private allocate(): void {
    const bytesOf = (s: number) =>
      Math.ceil((this.slots[s].size * BYTES_PER_ELEMENT[this.slots[s].dtype]) / ALIGN) * ALIGN;
    const plan = planSlab(this.steps, (s) => (this.slots[s].kind === "temp" ? bytesOf(s) : undefined));
    const offsets = new Map(plan.offsets);
    let bytes = plan.bytes;
    this.slots.forEach((slot, s) => {
      if (slot.kind !== "borrowed") return;
      offsets.set(s, bytes);
      bytes += Math.max(bytesOf(s), ALIGN);
    });
    this.tempOffsets = offsets;
    this.slabBytes = bytes;
    this.slab = bytes > 0 ? this.program.arena.alloc(bytes, ALIGN) : 0;
  }
}
