/**
 * What the WebGPU backend keeps per device: compiled pipelines (cached by WGSL text), bind-group layouts (by input
 * count), a pool of storage and read-back buffers (by size class), and the device copy of each shared variable
 * (refreshed when its `version` changes).
 * @module
 */
import type { NDArray } from "../../cas/ndarray.ts";
import type { SharedVariable } from "../../cas/shared.ts";
import type { GpuContext } from "./device.ts";

/** Usage of every pooled storage buffer: bound to kernels, written by the queue, copied to read-back. */
const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x4 /* COPY_SRC */ | 0x8; /* COPY_DST */
const READBACK_USAGE = 0x1 /* MAP_READ */ | 0x8; /* COPY_DST */
const UNIFORM_USAGE = 0x40 /* UNIFORM */ | 0x8; /* COPY_DST */
/** GPUShaderStage.COMPUTE, spelled out: Node (unlike Deno) has no WebGPU globals. */
const COMPUTE_STAGE = 0x4;
/** Pooled buffers kept per size class; more are destroyed on release. */
const POOL_DEPTH = 8;

/**
 * Rounds a byte count up to its size class: powers of two split in four steps (at most 25% waste), 256 bytes at
 * least, so that buffers freed by one call shape serve the next.
 */
export function sizeClass(bytes: number): number {
  const n = Math.max(256, bytes);
  const power = 2 ** Math.floor(Math.log2(n));
  const step = Math.max(power / 4, 4);
  return Math.ceil(n / step) * step;
}

/** The data of an array as it is stored on the device (`bool` as u32 0/1, since WGSL has no byte arrays). */
export function deviceData(value: NDArray): ArrayBufferView<ArrayBuffer> {
  if (value.dtype === "bool") return Uint32Array.from(value.data);
  if (value.dtype === "float64") {
    throw new TypeError("WebGPU computes in float32: float64 data cannot be uploaded");
  }
  return value.data as Float32Array<ArrayBuffer> | Int32Array<ArrayBuffer>;
}

interface SharedCopy {
  readonly buffer: GPUBuffer;
  version: number;
}

/** Per-device caches and pools; get it with {@linkcode resourcesFor}. */
export class GpuResources {
  readonly context: GpuContext;
  readonly #pipelines = new Map<string, GPUComputePipeline>();
  readonly #layouts = new Map<number, { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout }>();
  readonly #storagePool = new Map<number, GPUBuffer[]>();
  readonly #readbackPool = new Map<number, GPUBuffer[]>();
  readonly #shared = new WeakMap<SharedVariable, SharedCopy>();
  readonly #sharedFinalizer = new FinalizationRegistry<GPUBuffer>((buffer) => buffer.destroy());

  constructor(context: GpuContext) {
    this.context = context;
  }

  /** The device. */
  get device(): GPUDevice {
    return this.context.device;
  }

  /** The layout of kernels with `inputCount` inputs: uniform block, output, inputs (see kernel_common.ts). */
  layout(inputCount: number): { group: GPUBindGroupLayout; pipeline: GPUPipelineLayout } {
    let layout = this.#layouts.get(inputCount);
    if (layout === undefined) {
      const entries: GPUBindGroupLayoutEntry[] = [
        { binding: 0, visibility: COMPUTE_STAGE, buffer: { type: "uniform" } },
        { binding: 1, visibility: COMPUTE_STAGE, buffer: { type: "storage" } },
      ];
      for (let i = 0; i < inputCount; i++) {
        entries.push({ binding: i + 2, visibility: COMPUTE_STAGE, buffer: { type: "read-only-storage" } });
      }
      const group = this.device.createBindGroupLayout({ entries });
      layout = { group, pipeline: this.device.createPipelineLayout({ bindGroupLayouts: [group] }) };
      this.#layouts.set(inputCount, layout);
    }
    return layout;
  }

  /**
   * The pipeline of `wgsl`, compiled once per device. Shader errors are bugs of the code generator, so they are
   * reported with the WGSL that caused them.
   */
  async pipeline(wgsl: string, inputCount: number): Promise<GPUComputePipeline> {
    const cached = this.#pipelines.get(wgsl);
    if (cached) return cached;
    this.device.pushErrorScope("validation");
    const module = this.device.createShaderModule({ code: wgsl });
    const pipeline = this.device.createComputePipeline({
      layout: this.layout(inputCount).pipeline,
      compute: { module, entryPoint: "main" },
    });
    const error = await this.device.popErrorScope();
    if (error) {
      const info = await module.getCompilationInfo();
      const messages = info.messages.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join("\n");
      throw new Error(
        `WebGPU backend: generated WGSL was rejected (a bug): ${error.message}\n${messages}\n${wgsl}`,
      );
    }
    this.#pipelines.set(wgsl, pipeline);
    return pipeline;
  }

  /** How many distinct pipelines have been compiled (for tests of the cache). */
  get pipelineCount(): number {
    return this.#pipelines.size;
  }

  /** A storage buffer of at least `bytes` bytes, from the pool when one is free. */
  acquireStorage(bytes: number): GPUBuffer {
    return this.#acquire(this.#storagePool, bytes, STORAGE_USAGE, "theano storage");
  }

  /** Returns a storage buffer to the pool. */
  releaseStorage(buffer: GPUBuffer): void {
    this.#release(this.#storagePool, buffer);
  }

  /** A mappable read-back buffer of at least `bytes` bytes. */
  acquireReadback(bytes: number): GPUBuffer {
    return this.#acquire(this.#readbackPool, bytes, READBACK_USAGE, "theano readback");
  }

  /** Returns a read-back buffer (unmapped) to the pool. */
  releaseReadback(buffer: GPUBuffer): void {
    this.#release(this.#readbackPool, buffer);
  }

  /** A uniform buffer holding `data` (not pooled: each call plan writes its own once). */
  uniformBuffer(data: Int32Array): GPUBuffer {
    const buffer = this.device.createBuffer({ size: Math.max(16, data.byteLength), usage: UNIFORM_USAGE });
    this.device.queue.writeBuffer(buffer, 0, data as Int32Array<ArrayBuffer>);
    return buffer;
  }

  /**
   * The device copy of a shared variable, uploaded when the variable's value changed since the last upload (its
   * `version` moved). Variables are never resized, so the buffer lives as long as the variable.
   */
  sharedBuffer(variable: SharedVariable): GPUBuffer {
    let copy = this.#shared.get(variable);
    if (copy === undefined) {
      const value = variable.get();
      const data = deviceData(value);
      const buffer = this.device.createBuffer({
        size: Math.max(16, Math.ceil(data.byteLength / 4) * 4),
        usage: STORAGE_USAGE,
        label: `theano shared ${variable.name}`,
      });
      this.device.queue.writeBuffer(buffer, 0, data);
      copy = { buffer, version: variable.version };
      this.#shared.set(variable, copy);
      this.#sharedFinalizer.register(variable, buffer);
    } else if (copy.version !== variable.version) {
      this.device.queue.writeBuffer(copy.buffer, 0, deviceData(variable.get()));
      copy.version = variable.version;
    }
    return copy.buffer;
  }

  /** Records that `variable`'s device copy already holds its current value (after an on-device update). */
  markSharedCurrent(variable: SharedVariable): void {
    const copy = this.#shared.get(variable);
    if (copy !== undefined) copy.version = variable.version;
  }

  #acquire(pool: Map<number, GPUBuffer[]>, bytes: number, usage: number, label: string): GPUBuffer {
    const size = sizeClass(bytes);
    const free = pool.get(size);
    if (free !== undefined && free.length > 0) return free.pop()!;
    return this.device.createBuffer({ size, usage, label });
  }

  #release(pool: Map<number, GPUBuffer[]>, buffer: GPUBuffer): void {
    let free = pool.get(buffer.size);
    if (free === undefined) pool.set(buffer.size, free = []);
    if (free.length < POOL_DEPTH) free.push(buffer);
    else buffer.destroy();
  }
}

const perDevice = new WeakMap<GPUDevice, GpuResources>();

/** The caches of `context`'s device (one set per device). */
export function resourcesFor(context: GpuContext): GpuResources {
  let resources = perDevice.get(context.device);
  if (resources === undefined) {
    resources = new GpuResources(context);
    perDevice.set(context.device, resources);
  }
  return resources;
}
