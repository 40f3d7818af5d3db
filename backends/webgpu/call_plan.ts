/**
 * A call plan: everything needed to run a lowered program for one set of input shapes, built once and reused for
 * every call with those shapes. Building it computes the concrete shapes, turns structural ops into views, emits
 * one kernel launch per materialized term, gives temporaries pooled buffers (reusing a buffer once its last
 * reader has run), compiles (or finds) the pipelines and creates the bind groups. Running it uploads the inputs,
 * records every launch into one compute pass, copies the outputs and update values to one read-back buffer and the
 * update values into the shared variables' buffers, submits once, and maps once.
 * @module
 */
import type { DType } from "../../cas/dtype.ts";
import { NDArray } from "../../cas/ndarray.ts";
import { sizeOf } from "../../cas/shape.ts";
import type { SharedVariable } from "../../cas/shared.ts";
import { sliceIndices } from "../../cas/ops/structure.ts";
import type { OpAttrs, ReduceAttrs } from "../../cas/ops/types.ts";
import type { Term } from "../../cas/term.ts";
import type { ElementwiseKernel } from "../kernel_ir.ts";
import { concreteShapes, type ShapeMap } from "./concrete_shapes.ts";
import type { FusedSource, Program, ProgramNode } from "./fusion.ts";
import { deviceData, type GpuResources, sizeClass } from "./gpu_resources.ts";
import type { KernelLaunch } from "./kernel_common.ts";
import { elementwiseKernel, type Operand } from "./kernel_elementwise.ts";
import { matmulKernel, type MatmulOperand } from "./kernel_matmul.ts";
import { type Monoid, rowKernel, type RowKind } from "./kernel_reduce.ts";
import {
  broadcastStridesOf,
  broadcastView,
  type BufferSlot,
  contiguousView,
  indexView,
  isContiguous,
  reshapeView,
  sizeOfView,
  sliceView,
  transposeView,
  type View,
} from "./views.ts";

const BYTES = 4; // every stored element is 4 bytes (f32, i32, or bool as u32)
const MAP_READ = 0x1; // GPUMapMode.READ (Node has no WebGPU globals)
/** Rows at most this long are walked by one invocation instead of a workgroup. */
const THREAD_ROW_LIMIT = 64;
/** Fewer output cells than this, with rows at least SPLIT_ROW_LENGTH long, split each row over workgroups. */
const SPLIT_CELL_LIMIT = 32;
const SPLIT_ROW_LENGTH = 32768;
/** Elements per workgroup when a row is split. */
const SPLIT_CHUNK = 8192;

interface Launch {
  readonly launch: KernelLaunch;
  readonly output: BufferSlot;
  readonly inputs: readonly BufferSlot[];
}

interface Readback {
  readonly view: View;
  readonly stagingOffset: number;
}

interface UpdateCopy {
  readonly view: View;
  readonly variable: SharedVariable;
}

/** Supplies device buffers that outlive one call plan (constants, shared variables). */
export interface PlanEnvironment {
  readonly resources: GpuResources;
  /** The device buffer of a constant (uploaded once per executable). */
  constantBuffer(term: Term): GPUBuffer;
}

/** The parts of a built plan. */
interface PlanParts {
  readonly resources: GpuResources;
  readonly passes: readonly {
    pipeline: GPUComputePipeline;
    bindGroup: GPUBindGroup;
    workgroups: readonly number[];
  }[];
  readonly inputs: readonly { position: number; buffer: GPUBuffer; size: number }[];
  readonly shared: readonly SharedVariable[];
  readonly readbacks: readonly {
    buffer: GPUBuffer;
    byteOffset: number;
    bytes: number;
    stagingOffset: number;
    view: View;
  }[];
  readonly updates: readonly { buffer: GPUBuffer; byteOffset: number; bytes: number; target: GPUBuffer }[];
  readonly updated: readonly SharedVariable[];
  readonly outputCount: number;
  readonly staging: GPUBuffer;
  readonly stagingBytes: number;
  /** Storage buffers taken from the pool, returned on dispose. */
  readonly owned: readonly GPUBuffer[];
  readonly uniform: GPUBuffer;
}

/** A plan ready to run; see the module comment. */
export class CallPlan {
  readonly #parts: PlanParts;
  #validated = false;

  private constructor(parts: PlanParts) {
    this.#parts = parts;
  }

  /** Builds the plan of `program` for these input values' shapes. */
  static async build(program: Program, inputs: readonly NDArray[], env: PlanEnvironment): Promise<CallPlan> {
    const builder = new PlanBuilder(program, inputs, env);
    builder.lowerAll();
    return new CallPlan(await builder.finish());
  }

  /** How many kernels one call launches (for tests and benchmarks). */
  get launchCount(): number {
    return this.#parts.passes.filter((p) => p.workgroups[0] > 0).length;
  }

  /**
   * Runs the plan on `inputs` (of the shapes it was built for): returns every root's value, and leaves the update
   * values in the shared variables (on the device, and read back into `set()`).
   */
  async run(inputs: readonly NDArray[]): Promise<NDArray[]> {
    const parts = this.#parts;
    const device = parts.resources.device;
    const queue = device.queue;
    for (const input of parts.inputs) {
      if (input.size > 0) queue.writeBuffer(input.buffer, 0, deviceData(inputs[input.position]));
    }
    for (const variable of parts.shared) parts.resources.sharedBuffer(variable);
    const checking = !this.#validated;
    if (checking) device.pushErrorScope("validation");
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (const p of parts.passes) {
      if (p.workgroups[0] === 0) continue;
      pass.setPipeline(p.pipeline);
      pass.setBindGroup(0, p.bindGroup);
      pass.dispatchWorkgroups(p.workgroups[0], p.workgroups[1], p.workgroups[2]);
    }
    pass.end();
    // Outputs are read before updates land: outputs are functions of the old values.
    for (const r of parts.readbacks) {
      if (r.bytes > 0) {
        encoder.copyBufferToBuffer(r.buffer, r.byteOffset, parts.staging, r.stagingOffset, r.bytes);
      }
    }
    for (const u of parts.updates) {
      if (u.bytes > 0) encoder.copyBufferToBuffer(u.buffer, u.byteOffset, u.target, 0, u.bytes);
    }
    queue.submit([encoder.finish()]);
    if (checking) {
      const error = await device.popErrorScope();
      if (error) throw new Error(`WebGPU backend: a launch was rejected (a bug): ${error.message}`);
      this.#validated = true;
    }
    let bytes: ArrayBuffer;
    if (parts.stagingBytes > 0) {
      await parts.staging.mapAsync(MAP_READ, 0, parts.stagingBytes);
      bytes = parts.staging.getMappedRange(0, parts.stagingBytes).slice(0);
      parts.staging.unmap();
    } else {
      bytes = new ArrayBuffer(0);
    }
    const values = parts.readbacks.map((r) => arrayFrom(bytes, r.stagingOffset, r.view));
    parts.updated.forEach((variable, i) => {
      variable.set(values[parts.outputCount + i]);
      parts.resources.markSharedCurrent(variable);
    });
    return values;
  }

  /** Returns the plan's buffers to the pool (the plan must not run again). */
  dispose(): void {
    const parts = this.#parts;
    for (const buffer of parts.owned) parts.resources.releaseStorage(buffer);
    parts.resources.releaseReadback(parts.staging);
    parts.uniform.destroy();
  }
}

function arrayFrom(bytes: ArrayBuffer, offset: number, view: View): NDArray {
  const n = sizeOfView(view);
  switch (view.dtype) {
    case "float32":
      return new NDArray(new Float32Array(bytes.slice(offset, offset + n * BYTES)), view.shape);
    case "int32":
      return new NDArray(new Int32Array(bytes.slice(offset, offset + n * BYTES)), view.shape);
    case "bool":
      return new NDArray(Uint8Array.from(new Uint32Array(bytes, offset, n)), view.shape);
    default:
      throw new TypeError(`WebGPU: cannot read back ${view.dtype}`);
  }
}

/** The accumulator dtype of a reduction: int32 sums of bool/int, float32 otherwise; max/min of bool in int32. */
function accumulatorOf(op: string, resultDtype: DType): DType {
  if (op === "mean" || op === "logsumexp") return "float32";
  return resultDtype === "bool" ? "int32" : resultDtype;
}

const MONOIDS: Record<string, Monoid> = { sum: "sum", mean: "sum", prod: "prod", max: "max", min: "min" };

class PlanBuilder {
  readonly program: Program;
  readonly env: PlanEnvironment;
  readonly shapes: ShapeMap;
  readonly inputsGiven: readonly NDArray[];
  readonly views = new Map<Term, View>();
  readonly launches: Launch[] = [];
  readonly inputSlots: { position: number; slot: BufferSlot; size: number }[] = [];
  readonly sharedSlots = new Map<SharedVariable, BufferSlot>();
  readonly constSlots = new Map<BufferSlot, Term>();
  readonly countSlots = new Map<BufferSlot, number>();
  readonly readbacks: Readback[] = [];
  readonly updates: UpdateCopy[] = [];
  #nextSlot = 0;
  #stagingBytes = 0;

  constructor(program: Program, inputs: readonly NDArray[], env: PlanEnvironment) {
    this.program = program;
    this.env = env;
    this.inputsGiven = inputs;
    const inputShapes = new Map(program.plan.inputs.map((t, i) => [t, inputs[i].shape]));
    this.shapes = concreteShapes(program.terms, (t) => inputShapes.get(t)!);
  }

  slot(kind: BufferSlot["kind"], elements: number): BufferSlot {
    return { id: this.#nextSlot++, bytes: Math.max(1, elements) * BYTES, kind };
  }

  shapeOf(t: Term): readonly number[] {
    return this.shapes.get(t)!;
  }

  lowerAll(): void {
    for (const node of this.program.nodes) this.views.set(node.term, this.lower(node));
    const { roots, outputCount, updated } = this.program.plan;
    roots.forEach((root, i) => {
      let view = this.views.get(root)!;
      const isUpdate = i >= outputCount;
      // Read-back and update copies need contiguous data; update sources must not be shared buffers (which the
      // copies overwrite, in an order that must not matter).
      if (!isContiguous(view) || (isUpdate && view.slot.kind === "shared")) view = this.copy(view);
      this.readbacks.push({ view, stagingOffset: this.#stagingBytes });
      this.#stagingBytes += sizeOfView(view) * BYTES;
      if (isUpdate) this.updates.push({ view, variable: updated[i - outputCount] });
    });
  }

  lower(node: ProgramNode): View {
    const t = node.term;
    const shape = this.shapeOf(t);
    switch (node.kind) {
      case "input": {
        const slot = this.slot("input", sizeOf(shape));
        this.inputSlots.push({ position: node.position, slot, size: sizeOf(shape) });
        return contiguousView(slot, t.dtype, shape);
      }
      case "shared": {
        const slot = this.slot("shared", sizeOf(shape));
        this.sharedSlots.set(t as SharedVariable, slot);
        return contiguousView(slot, t.dtype, shape);
      }
      case "const": {
        const slot = this.slot("const", sizeOf(shape));
        this.constSlots.set(slot, t);
        return contiguousView(slot, t.dtype, shape);
      }
      case "count": {
        const { axes } = t.attrs as OpAttrs["count"];
        const x = this.shapeOf(t.args[0]);
        const slot = this.slot("const", 1);
        this.countSlots.set(slot, axes.reduce((c, a) => c * x[a], 1));
        return contiguousView(slot, t.dtype, shape);
      }
      case "elementwise":
        return this.elementwise(this.bind(node.source), shape);
      case "reduce":
        return this.reduce(t, this.bind(node.source));
      case "softmax":
        return this.softmax(t, this.bind(node.source));
      case "matmul":
        return this.matmul(t);
      case "concatenate":
        return this.concatenate(t);
      case "view":
        return this.view(t);
    }
  }

  /** A fused source with the views of its leaves. */
  bind(source: FusedSource): BoundSource {
    return { kernel: source.kernel, leaves: source.leaves.map((t) => this.views.get(t)!) };
  }

  /** The operands of a bound source read over `shape`, and its input bindings (each buffer bound once). */
  operands(source: BoundSource, shape: readonly number[]): {
    operands: Operand[];
    inputs: BufferSlot[];
    inputDtypes: DType[];
  } {
    const inputs: BufferSlot[] = [];
    const inputDtypes: DType[] = [];
    const operands = source.leaves.map((view) => {
      let binding = inputs.indexOf(view.slot);
      if (binding < 0) {
        binding = inputs.length;
        inputs.push(view.slot);
        inputDtypes.push(view.dtype);
      }
      return { binding, offset: view.offset, strides: broadcastStridesOf(view, shape) };
    });
    return { operands, inputs, inputDtypes };
  }

  elementwise(source: BoundSource, shape: readonly number[], into?: View): View {
    const { operands, inputs, inputDtypes } = this.operands(source, shape);
    const out = into ?? contiguousView(this.slot("temp", sizeOf(shape)), source.kernel.outDtype, shape);
    const launch = elementwiseKernel({
      kernel: source.kernel,
      operands,
      inputDtypes,
      shape,
      out: { offset: out.offset, strides: out.strides },
    });
    this.launches.push({ launch, output: out.slot, inputs });
    return out;
  }

  /** A contiguous copy of `view` in a fresh buffer. */
  copy(view: View): View {
    return this.elementwise(identitySource(view), view.shape);
  }

  reduce(t: Term, source: BoundSource): View {
    const { axes } = t.attrs as ReduceAttrs;
    const inShape = this.shapeOf(t.args[0]);
    const outShape = this.shapeOf(t);
    const reduced = inShape.map((_, d) => axes.includes(d));
    const cells = sizeOf(outShape);
    const rowLength = axes.reduce((c, a) => c * inShape[a], 1);
    const acc = accumulatorOf(t.op, t.dtype);
    const row: RowKind = t.op === "logsumexp"
      ? { kind: "logsumexp" }
      : { kind: "reduce", monoid: MONOIDS[t.op], mean: t.op === "mean" };
    const { operands, inputs, inputDtypes } = this.operands(source, inShape);
    const schedule: "thread" | "workgroup" = rowLength <= THREAD_ROW_LIMIT ? "thread" : "workgroup";
    const split = row.kind === "reduce" && schedule === "workgroup" && cells < SPLIT_CELL_LIMIT &&
      rowLength >= SPLIT_ROW_LENGTH;
    const chunks = split ? Math.min(256, Math.ceil(rowLength / SPLIT_CHUNK)) : 1;
    const common = {
      kernel: source.kernel,
      operands,
      inputDtypes,
      shape: inShape,
      reduced,
      accDtype: acc,
      schedule,
    };
    if (chunks === 1) {
      const out = contiguousView(this.slot("temp", cells), t.dtype, outShape);
      const launch = rowKernel({ ...common, row, outDtype: t.dtype, chunks: 1, meanCount: rowLength });
      this.launches.push({ launch, output: out.slot, inputs });
      return out;
    }
    // Pass 1: `chunks` partial results per cell, in the accumulator dtype; pass 2 combines them (and divides).
    const partial = contiguousView(this.slot("temp", cells * chunks), acc, [cells, chunks]);
    const partialRow: RowKind = { kind: "reduce", monoid: MONOIDS[t.op], mean: false };
    const first = rowKernel({ ...common, row: partialRow, outDtype: acc, chunks, meanCount: rowLength });
    this.launches.push({ launch: first, output: partial.slot, inputs });
    const out = contiguousView(this.slot("temp", cells), t.dtype, outShape);
    const second = rowKernel({
      row,
      kernel: identitySource(partial).kernel,
      operands: [{ binding: 0, offset: 0, strides: [chunks, 1] }],
      inputDtypes: [acc],
      shape: [cells, chunks],
      reduced: [false, true],
      outDtype: t.dtype,
      accDtype: acc,
      schedule: chunks <= THREAD_ROW_LIMIT ? "thread" : "workgroup",
      chunks: 1,
      meanCount: rowLength,
    });
    this.launches.push({ launch: second, output: out.slot, inputs: [partial.slot] });
    return out;
  }

  softmax(t: Term, source: BoundSource): View {
    const { axis } = t.attrs as OpAttrs["softmax"];
    const shape = this.shapeOf(t);
    const { operands, inputs, inputDtypes } = this.operands(source, shape);
    const out = contiguousView(this.slot("temp", sizeOf(shape)), t.dtype, shape);
    const launch = rowKernel({
      row: { kind: "softmax", log: t.op === "logSoftmax" },
      kernel: source.kernel,
      operands,
      inputDtypes,
      shape,
      reduced: shape.map((_, d) => d === axis),
      outDtype: t.dtype,
      accDtype: "float32",
      schedule: shape[axis] <= THREAD_ROW_LIMIT ? "thread" : "workgroup",
      chunks: 1,
      meanCount: shape[axis],
    });
    this.launches.push({ launch, output: out.slot, inputs });
    return out;
  }

  matmul(t: Term): View {
    const a = this.views.get(t.args[0])!;
    const b = this.views.get(t.args[1])!;
    // NumPy's 1-D promotion: a vector on the left is a row, on the right a column.
    const a2 = a.shape.length === 1 ? { ...a, shape: [1, a.shape[0]], strides: [0, a.strides[0]] } : a;
    const b2 = b.shape.length === 1 ? { ...b, shape: [b.shape[0], 1], strides: [b.strides[0], 0] } : b;
    const m = a2.shape[a2.shape.length - 2],
      k = a2.shape[a2.shape.length - 1],
      n = b2.shape[b2.shape.length - 1];
    const outShape = this.shapeOf(t);
    const batchShape = outShape.slice(
      0,
      outShape.length - (a.shape.length > 1 ? 1 : 0) - (b.shape.length > 1 ? 1 : 0),
    );
    const inputs = a.slot === b.slot ? [a.slot] : [a.slot, b.slot];
    const operand = (v: View, binding: number): MatmulOperand => {
      const batch = { ...v, shape: v.shape.slice(0, -2), strides: v.strides.slice(0, -2) };
      return {
        binding,
        offset: v.offset,
        rowStride: v.strides[v.strides.length - 2],
        colStride: v.strides[v.strides.length - 1],
        batchStrides: broadcastStridesOf(batch, batchShape),
      };
    };
    const out = contiguousView(this.slot("temp", sizeOf(outShape)), t.dtype, outShape);
    const launch = matmulKernel({
      dtype: t.dtype,
      a: operand(a2, 0),
      b: operand(b2, inputs.length - 1),
      inputDtypes: inputs.length === 1 ? [a.dtype] : [a.dtype, b.dtype],
      m,
      n,
      k,
      batchShape,
    });
    this.launches.push({ launch, output: out.slot, inputs });
    return out;
  }

  concatenate(t: Term): View {
    const { axis } = t.attrs as OpAttrs["concatenate"];
    const shape = this.shapeOf(t);
    const out = contiguousView(this.slot("temp", sizeOf(shape)), t.dtype, shape);
    let at = 0;
    for (const arg of t.args) {
      const part = this.views.get(arg)!;
      const into: View = { ...out, offset: at * out.strides[axis], shape: part.shape };
      at += part.shape[axis];
      if (sizeOfView(part) === 0) continue;
      this.elementwise(identitySource(part, t.dtype), part.shape, into);
    }
    return out;
  }

  view(t: Term): View {
    const x = this.views.get(t.args[0])!;
    const shape = this.shapeOf(t);
    switch (t.op) {
      case "transpose":
        return transposeView(x, (t.attrs as OpAttrs["transpose"]).perm);
      case "reshape":
        return reshapeView(x, shape) ?? reshapeView(this.copy(x), shape)!;
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

  /** Assigns buffers, compiles pipelines and creates bind groups. */
  async finish(): Promise<PlanParts> {
    const { resources } = this.env;
    const device = resources.device;
    const { physical, owned } = this.assignBuffers();

    const alignment = resources.context.limits.minUniformBufferOffsetAlignment ?? 256;
    const offsets: number[] = [];
    let uniformBytes = 0;
    for (const l of this.launches) {
      offsets.push(uniformBytes);
      uniformBytes += Math.ceil(l.launch.uniforms.byteLength / alignment) * alignment;
    }
    // Every launch binds the same size (the largest block): wgpu checks a binding's size against the previous
    // pipeline of the same layout, so a smaller block after a larger one was rejected.
    const bindSize = Math.max(16, ...this.launches.map((l) => l.launch.uniforms.byteLength));
    const uniformData = new Int32Array((Math.max(uniformBytes, 16) + bindSize) / BYTES);
    this.launches.forEach((l, i) => uniformData.set(l.launch.uniforms, offsets[i] / BYTES));
    const uniform = resources.uniformBuffer(uniformData);

    const passes = [];
    for (const [i, l] of this.launches.entries()) {
      const pipeline = await resources.pipeline(l.launch.wgsl, l.launch.inputCount);
      const entries: GPUBindGroupEntry[] = [
        { binding: 0, resource: { buffer: uniform, offset: offsets[i], size: bindSize } },
        { binding: 1, resource: { buffer: physical.get(l.output)! } },
        ...l.inputs.map((slot, j) => ({ binding: j + 2, resource: { buffer: physical.get(slot)! } })),
      ];
      const bindGroup = device.createBindGroup({
        layout: resources.layout(l.launch.inputCount).group,
        entries,
      });
      passes.push({ pipeline, bindGroup, workgroups: l.launch.workgroups });
    }
    const buffer = (v: View) => physical.get(v.slot)!;
    const readbacks = this.readbacks.map((r) => ({
      buffer: buffer(r.view),
      byteOffset: r.view.offset * BYTES,
      bytes: sizeOfView(r.view) * BYTES,
      stagingOffset: r.stagingOffset,
      view: r.view,
    }));
    const updates = this.updates.map((u) => ({
      buffer: buffer(u.view),
      byteOffset: u.view.offset * BYTES,
      bytes: sizeOfView(u.view) * BYTES,
      target: resources.sharedBuffer(u.variable),
    }));
    return {
      resources,
      passes,
      inputs: this.inputSlots.map((s) => ({
        position: s.position,
        buffer: physical.get(s.slot)!,
        size: s.size,
      })),
      shared: [...this.sharedSlots.keys()],
      readbacks,
      updates,
      updated: this.program.plan.updated,
      outputCount: this.program.plan.outputCount,
      staging: resources.acquireReadback(Math.max(this.#stagingBytes, 4)),
      stagingBytes: this.#stagingBytes,
      owned,
      uniform,
    };
  }

  /**
   * Physical buffers for every slot. Temporaries are taken when first written and given back (to this plan's free
   * list) after their last reader, so a chain of kernels ping-pongs between a few buffers. Launches run in order
   * within one pass, and WebGPU orders their storage accesses, so reuse after the last reader is safe.
   */
  assignBuffers(): { physical: Map<BufferSlot, GPUBuffer>; owned: GPUBuffer[] } {
    const { resources } = this.env;
    const physical = new Map<BufferSlot, GPUBuffer>();
    const owned: GPUBuffer[] = [];
    const acquire = (bytes: number) => {
      const buffer = resources.acquireStorage(bytes);
      owned.push(buffer);
      return buffer;
    };
    const lastRead = new Map<BufferSlot, number>();
    this.launches.forEach((l, i) => l.inputs.forEach((s) => lastRead.set(s, i)));
    for (const r of this.readbacks) lastRead.set(r.view.slot, Infinity);
    const free = new Map<number, GPUBuffer[]>();
    const take = (bytes: number) => free.get(sizeClass(bytes))?.pop() ?? acquire(bytes);
    const give = (buffer: GPUBuffer) => {
      const list = free.get(buffer.size) ?? [];
      list.push(buffer);
      free.set(buffer.size, list);
    };
    for (const s of this.inputSlots) physical.set(s.slot, acquire(s.slot.bytes));
    for (const [variable, slot] of this.sharedSlots) physical.set(slot, resources.sharedBuffer(variable));
    for (const [slot, term] of this.constSlots) physical.set(slot, this.env.constantBuffer(term));
    for (const [slot, value] of this.countSlots) {
      const buffer = acquire(slot.bytes);
      resources.device.queue.writeBuffer(buffer, 0, new Float32Array([value]));
      physical.set(slot, buffer);
    }
    this.launches.forEach((l, i) => {
      if (!physical.has(l.output)) physical.set(l.output, take(l.output.bytes));
      for (const s of new Set(l.inputs)) {
        if (s.kind === "temp" && lastRead.get(s) === i) give(physical.get(s)!);
      }
    });
    return { physical, owned };
  }
}

/** A fused expression with the views its inputs read. */
interface BoundSource {
  readonly kernel: ElementwiseKernel;
  readonly leaves: readonly View[];
}

/** The expression that reads one view as is (a copy, or a cast when `outDtype` differs). */
function identitySource(view: View, outDtype: DType = view.dtype): BoundSource {
  return {
    kernel: { inputDtypes: [view.dtype], outDtype, expr: { kind: "input", index: 0 } },
    leaves: [view],
  };
}
