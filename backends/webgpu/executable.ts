/**
 * Compiling a graph plan for WebGPU: rejects float64, gets the device, lowers the plan once (fusion), and returns an
 * executable that builds a call plan per distinct input shapes (cached) and runs it.
 * @module
 */
import type { NDArray } from "../../cas/ndarray.ts";
import type { OpAttrs } from "../../cas/ops/types.ts";
import { type Term, topoSort } from "../../cas/term.ts";
import type { Executable, GraphPlan } from "../backend.ts";
import { CallPlan } from "./call_plan.ts";
import { ensureDeviceAlive, type GpuContext, requestWebGpuDevice, WebGpuDeviceLostError } from "./device.ts";
import { lowerPlan, type Program } from "./fusion.ts";
import { deviceData, type GpuResources, resourcesFor } from "./gpu_resources.ts";

/** Call plans kept per executable (distinct input shapes); the least recently used is dropped beyond this. */
const PLAN_CACHE_SIZE = 8;
/** Most op nodes fused into one kernel (keeps shaders small enough to compile quickly). */
const MAX_FUSED_OPS = 256;
/** Most distinct buffers one fused kernel reads (below the device's storage-binding limit). */
const MAX_FUSED_INPUTS = 16;

/** Thrown at compile time for a graph WebGPU cannot run as written (float64 terms). */
export class WebGpuDTypeError extends TypeError {
  /** Builds the message; `term` is the first offending term. */
  constructor(readonly term: Term) {
    super(
      `WebGPU backend: ${describeTerm(term)} has dtype float64, but WebGPU computes in float32 only. ` +
        `Cast it to float32 (x.astype("float32"), or build the graph with float32 variables), or compile with ` +
        `backend: "cpu".`,
    );
    this.name = "WebGpuDTypeError";
  }
}

function describeTerm(t: Term): string {
  switch (t.op) {
    case "var":
      return `variable ${(t.attrs as OpAttrs["var"]).name}`;
    case "shared":
      return `shared variable ${(t.attrs as OpAttrs["shared"]).slot.name}`;
    case "const":
      return `a float64 constant of shape [${(t.attrs as OpAttrs["const"]).value.shape.join(",")}]`;
    default:
      return `the result of ${t.op} (${String(t)})`;
  }
}

/** Throws {@linkcode WebGpuDTypeError} naming the first float64 term (leaves first, so the cause is named). */
export function rejectFloat64(plan: GraphPlan): void {
  const offending = [...plan.inputs, ...topoSort(plan.roots)].find((t) => t.dtype === "float64");
  if (offending !== undefined) throw new WebGpuDTypeError(offending);
}

/**
 * Compiles `plan` for the process's WebGPU device (acquired on first use). Rejects with `WebGpuDTypeError` for
 * float64 graphs, `WebGpuUnavailableError` without an adapter, `WebGpuDeviceLostError` after a device loss.
 * `context` picks another device than the process's shared one (tests use it to lose a device on purpose).
 *
 * @example
 * ```ts
 * import * as T from "../../cas/api.ts";
 * import { compileForWebGpu } from "./executable.ts";
 * const x = T.vector("x");
 * const exe = await compileForWebGpu({ inputs: [x], roots: [T.exp(x)], outputCount: 1, updated: [] });
 * const [y] = await exe.run([T.constant([0, 1]).attrs.value]);
 * ```
 */
export async function compileForWebGpu(plan: GraphPlan, context?: GpuContext): Promise<Executable> {
  rejectFloat64(plan);
  context ??= await requestWebGpuDevice();
  const storageLimit = context.limits.maxStorageBuffersPerShaderStage ?? 8;
  const program = lowerPlan(plan, {
    maxLeaves: Math.max(1, Math.min(MAX_FUSED_INPUTS, storageLimit - 1)),
    maxOps: MAX_FUSED_OPS,
  });
  return new WebGpuExecutable(program, resourcesFor(context));
}

/** What an executable owns on the device, kept apart so that a finalizer can free it after the executable. */
class DeviceHoldings {
  readonly plans = new Map<string, Promise<CallPlan>>();
  readonly constants = new Map<Term, GPUBuffer>();

  dispose(): void {
    for (const plan of this.plans.values()) plan.then((p) => p.dispose(), () => {});
    this.plans.clear();
    for (const buffer of this.constants.values()) buffer.destroy();
    this.constants.clear();
  }
}

const holdingsFinalizer = new FinalizationRegistry<DeviceHoldings>((holdings) => holdings.dispose());

/** A compiled WebGPU graph; see {@linkcode compileForWebGpu}. */
export class WebGpuExecutable implements Executable {
  /** Updates are written on the device and read back into the shared variables by `run`. */
  readonly appliesUpdates = true;
  readonly #program: Program;
  readonly #resources: GpuResources;
  readonly #holdings = new DeviceHoldings();
  /** Calls run one at a time: a plan's input and read-back buffers serve one call at a time. */
  #queue: Promise<unknown> = Promise.resolve();

  /** Wraps a lowered program; call plans are built on the first call with each input shape. */
  constructor(program: Program, resources: GpuResources) {
    this.#program = program;
    this.#resources = resources;
    holdingsFinalizer.register(this, this.#holdings);
  }

  /** The lowered program (for tests: which terms got their own kernel). */
  get program(): Program {
    return this.#program;
  }

  /** Computes every root of the plan (outputs, then update values) and applies the updates. */
  run(inputs: readonly NDArray[]): Promise<NDArray[]> {
    const result = this.#queue.then(() => this.#runNow(inputs));
    this.#queue = result.catch(() => {});
    return result;
  }

  /** The call plan for these inputs' shapes (built on first use). */
  async planFor(inputs: readonly NDArray[]): Promise<CallPlan> {
    const key = inputs.map((a) => a.shape.join("x")).join(";");
    const plans = this.#holdings.plans;
    let plan = plans.get(key);
    if (plan === undefined) {
      plan = CallPlan.build(this.#program, inputs, {
        resources: this.#resources,
        constantBuffer: (term) => this.#constantBuffer(term),
      });
      plan.catch(() => plans.delete(key));
      if (plans.size >= PLAN_CACHE_SIZE) {
        const [oldestKey, oldest] = plans.entries().next().value!;
        plans.delete(oldestKey);
        oldest.then((p) => p.dispose(), () => {});
      }
    } else {
      plans.delete(key); // re-inserted below: Map order is the recency order
    }
    plans.set(key, plan);
    return await plan;
  }

  async #runNow(inputs: readonly NDArray[]): Promise<NDArray[]> {
    const context = this.#resources.context;
    ensureDeviceAlive(context);
    try {
      const plan = await this.planFor(inputs);
      return await plan.run(inputs);
    } catch (error) {
      throw lostOr(context, error);
    }
  }

  #constantBuffer(term: Term): GPUBuffer {
    let buffer = this.#holdings.constants.get(term);
    if (buffer === undefined) {
      const data = deviceData((term.attrs as OpAttrs["const"]).value);
      buffer = this.#resources.device.createBuffer({
        size: Math.max(16, Math.ceil(data.byteLength / 4) * 4),
        usage: 0x80 | 0x8, // STORAGE | COPY_DST
        label: "theano constant",
      });
      this.#resources.device.queue.writeBuffer(buffer, 0, data);
      this.#holdings.constants.set(term, buffer);
    }
    return buffer;
  }
}

/** A failure during a call becomes WebGpuDeviceLostError when the device was lost meanwhile. */
function lostOr(context: GpuContext, error: unknown): unknown {
  if (error instanceof WebGpuDeviceLostError) return error;
  if (context.lostInfo !== undefined) return new WebGpuDeviceLostError(context.path, context.lostInfo);
  return error;
}
