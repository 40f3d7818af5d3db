/**
 * Getting a WebGPU device: through Dawn (`npm:webgpu`, a native addon) in Deno and Node, falling back to the
 * runtime's own `navigator.gpu` (Deno's wgpu, or the browser's). One device is kept per process, its loss is
 * recorded, and the adapter's largest buffer and workgroup limits are requested so big arrays fit.
 * @module
 */

/** Where a device came from: Dawn's native addon, or the runtime's `navigator.gpu`. */
export type GpuPath = "dawn" | "navigator";

/** The one method of `GPU` this module needs; tests inject a fake one to simulate a machine without an adapter. */
export interface GpuEntryPoint {
  /** As `GPU.requestAdapter`: `null` when no adapter exists (e.g. no Vulkan driver). */
  requestAdapter(options?: GPURequestAdapterOptions): Promise<GPUAdapter | null>;
}

/** What the adapter says about itself, normalised across Dawn, wgpu and browsers (missing fields are `""`). */
export interface GpuAdapterSummary {
  /** e.g. `"mesa"`, `"nvidia"`; wgpu reports a PCI vendor number as a string. */
  readonly vendor: string;
  /** e.g. `"software"`, `"ampere"`. */
  readonly architecture: string;
  /** e.g. `"llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)"`. */
  readonly description: string;
  /** True for CPU implementations such as lavapipe: results are real, speeds are not a GPU's. */
  readonly isFallbackAdapter: boolean;
}

/** A usable device and what was learnt while getting it. */
export interface GpuContext {
  /** The device; check {@linkcode ensureDeviceAlive} before work if loss is possible. */
  readonly device: GPUDevice;
  /** The adapter the device was opened on. */
  readonly adapterInfo: GpuAdapterSummary;
  /** Which implementation provided the device. */
  readonly path: GpuPath;
  /** The device's limits (the adapter's maxima for {@linkcode REQUESTED_LIMITS}). */
  readonly limits: GPUSupportedLimits;
  /** Set once the device is lost (destroyed, driver reset, ...); `undefined` while it is usable. */
  readonly lostInfo: GPUDeviceLostInfo | undefined;
}

/** Options for {@linkcode requestWebGpuDevice}. */
export interface WebGpuDeviceOptions {
  /**
   * Which implementation to try first; the other is the fallback. Defaults to the environment variable
   * `THEANO_WEBGPU_PATH` (`dawn` or `navigator`) when set, else `"navigator"` in Deno (its own wgpu: Dawn under
   * Deno was measured to stall for seconds to minutes on lavapipe once mathjs is loaded), `"dawn"` in Node, and
   * `"navigator"` in a browser (its only path). Honoured by the call that creates the device; later calls
   * return that same device whatever they prefer.
   */
  readonly prefer?: GpuPath;
}

/**
 * Limits raised from the WebGPU defaults to what the adapter allows: the defaults (128 MiB bindings, 256 MiB
 * buffers, 8 storage buffers per stage, 256 invocations) are too small for large arrays and wide fused kernels.
 */
export const REQUESTED_LIMITS: readonly (keyof GPUSupportedLimits)[] = [
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxStorageBuffersPerShaderStage",
];

const INSTALL_HINT =
  "Install a Vulkan driver (on Debian 12: `mesa-vulkan-drivers` from bookworm-backports, " +
  "Mesa 25.x, whose lavapipe runs WebGPU on the CPU; see docs/WEBGPU_SETUP.md) and run Deno with --allow-ffi " +
  "so Dawn (npm:webgpu) can load.";

/**
 * Thrown when no WebGPU device can be had on any path; `attempts` says why each path failed.
 *
 * @example
 * ```ts
 * import { requestWebGpuDevice, WebGpuUnavailableError } from "./device.ts";
 * try {
 *   await requestWebGpuDevice();
 * } catch (error) {
 *   if (error instanceof WebGpuUnavailableError) console.log(error.attempts);
 * }
 * ```
 */
export class WebGpuUnavailableError extends Error {
  /** One line per path tried, e.g. `"dawn: no adapter (requestAdapter() returned null)"`. */
  readonly attempts: readonly string[];

  /** Builds the message from the failed attempts. */
  constructor(attempts: readonly string[]) {
    super(`No WebGPU device is available (${attempts.join("; ")}). ${INSTALL_HINT}`);
    this.name = "WebGpuUnavailableError";
    this.attempts = attempts;
  }
}

/** Thrown when a device that was handed out has since been lost; buffers made on it are gone too. */
export class WebGpuDeviceLostError extends Error {
  /** Why the device was lost, as WebGPU reported it. */
  readonly lostInfo: GPUDeviceLostInfo;

  /** Builds the message from the loss report. */
  constructor(path: GpuPath, lostInfo: GPUDeviceLostInfo) {
    super(
      `The WebGPU device (${path}) was lost (reason: ${
        lostInfo.reason ?? "unknown"
      }): ${lostInfo.message}. ` +
        "Arrays stored on it are gone; restart the process to get a new device.",
    );
    this.name = "WebGpuDeviceLostError";
    this.lostInfo = lostInfo;
  }
}

/**
 * Throws {@linkcode WebGpuDeviceLostError} if the context's device has been lost, so that work on a dead device
 * fails with a reason rather than as a validation error deep inside a dispatch.
 */
export function ensureDeviceAlive(context: GpuContext): void {
  if (context.lostInfo !== undefined) throw new WebGpuDeviceLostError(context.path, context.lostInfo);
}

// Dawn crashes (exit 139 on the next mapAsync) if the GPU object from `create([])` is garbage-collected, so it
// lives in a module variable for the whole process and is only ever read through `loadDawn`.
let dawnGpu: GpuEntryPoint | undefined;

async function loadDawn(): Promise<GpuEntryPoint> {
  if (dawnGpu === undefined) {
    // Dynamic import: importing this module must not load the native addon, and a missing --allow-ffi must
    // become a rejected promise here (Deno throws NotCapable) rather than a failure to load the module graph.
    const dawn = await import("webgpu");
    dawnGpu = dawn.create([]) as unknown as GpuEntryPoint;
  }
  return dawnGpu;
}

function loadNavigatorGpu(): GpuEntryPoint {
  const gpu = (globalThis.navigator as { gpu?: GpuEntryPoint } | undefined)?.gpu;
  if (gpu === undefined) throw new Error("navigator.gpu is not defined in this runtime");
  return gpu;
}

/**
 * The entry point (`GPU` object) for one path. Rejects when the path cannot be loaded here, e.g. Dawn without
 * --allow-ffi, or a runtime without `navigator.gpu`.
 */
export async function loadGpuEntryPoint(path: GpuPath): Promise<GpuEntryPoint> {
  return path === "dawn" ? await loadDawn() : loadNavigatorGpu();
}

function summariseAdapter(adapter: GPUAdapter): GpuAdapterSummary {
  // `adapter.info` is the current API; some older browsers lack it, hence the optional chaining.
  const info = adapter.info as Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean } | undefined;
  return {
    vendor: info?.vendor ?? "",
    architecture: info?.architecture ?? "",
    description: info?.description ?? "",
    isFallbackAdapter: info?.isFallbackAdapter ?? false,
  };
}

function maxLimitsOf(adapter: GPUAdapter): Record<string, number> {
  const wanted: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) {
    const value = adapter.limits[name];
    // An implementation may not know a limit; asking for an unknown one would fail requestDevice.
    if (typeof value === "number") wanted[name] = value;
  }
  return wanted;
}

/**
 * Opens a new device on the given entry point, uncached: one adapter request, one device request with the
 * adapter's maximum {@linkcode REQUESTED_LIMITS}. Rejects with {@linkcode WebGpuUnavailableError} when the entry
 * point has no adapter. Most callers want {@linkcode requestWebGpuDevice}; this is the seam for tests and tools.
 *
 * @example
 * ```ts
 * import { openGpuContext } from "./device.ts";
 * const noAdapter = { requestAdapter: () => Promise.resolve(null) };
 * await openGpuContext(noAdapter, "navigator").catch((error) => console.log(error.message));
 * ```
 */
export async function openGpuContext(entryPoint: GpuEntryPoint, path: GpuPath): Promise<GpuContext> {
  const adapter = await entryPoint.requestAdapter({ powerPreference: "high-performance" });
  if (adapter === null) {
    throw new WebGpuUnavailableError([`${path}: no adapter (requestAdapter() returned null)`]);
  }
  const device = await adapter.requestDevice({ requiredLimits: maxLimitsOf(adapter) });
  let lostInfo: GPUDeviceLostInfo | undefined;
  device.lost.then((info) => {
    lostInfo = info;
  });
  return {
    device,
    adapterInfo: summariseAdapter(adapter),
    path,
    limits: device.limits,
    get lostInfo() {
      return lostInfo;
    },
  };
}

function runsOnServerRuntime(): boolean {
  const global = globalThis as { Deno?: unknown; process?: { versions?: { node?: string } } };
  return global.Deno !== undefined || global.process?.versions?.node !== undefined;
}

/** `THEANO_WEBGPU_PATH`, when set to a path and readable (reading the environment may need a permission). */
function pathFromEnvironment(): GpuPath | undefined {
  try {
    const value = (globalThis as { Deno?: { env: { get(name: string): string | undefined } } }).Deno?.env.get(
      "THEANO_WEBGPU_PATH",
    ) ?? (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
      ?.THEANO_WEBGPU_PATH;
    return value === "dawn" || value === "navigator" ? value : undefined;
  } catch {
    return undefined;
  }
}

function pathsToTry(prefer: GpuPath | undefined): GpuPath[] {
  // A browser cannot load a native addon, so Dawn is never tried there.
  if (!runsOnServerRuntime()) return ["navigator"];
  const isDeno = (globalThis as { Deno?: unknown }).Deno !== undefined;
  const first = prefer ?? pathFromEnvironment() ?? (isDeno ? "navigator" : "dawn");
  return first === "navigator" ? ["navigator", "dawn"] : ["dawn", "navigator"];
}

function describeFailure(path: GpuPath, error: unknown): string {
  if (error instanceof WebGpuUnavailableError) return error.attempts.join("; ");
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `${path}: ${text.split("\n")[0]}`;
}

async function createSharedContext(prefer: GpuPath | undefined): Promise<GpuContext> {
  const attempts: string[] = [];
  for (const path of pathsToTry(prefer)) {
    try {
      return await openGpuContext(await loadGpuEntryPoint(path), path);
    } catch (error) {
      attempts.push(describeFailure(path, error));
    }
  }
  throw new WebGpuUnavailableError(attempts);
}

// One device per process: buffers cannot move between devices, so every backend must share it. A failure is
// kept too, so that asking again (e.g. `webGpuAvailable()` before each test) does not redo the slow probe.
let sharedContext: Promise<GpuContext> | undefined;

/**
 * The process's WebGPU device, created on first call from the preferred path (see `WebGpuDeviceOptions`), then
 * the other.
 * Rejects with {@linkcode WebGpuUnavailableError} (saying what to install) when neither path has an adapter,
 * and with {@linkcode WebGpuDeviceLostError} once the device has been lost.
 *
 * @example
 * ```ts
 * import { requestWebGpuDevice } from "./device.ts";
 * const { device, path, adapterInfo, limits } = await requestWebGpuDevice();
 * console.log(path, adapterInfo.description, limits.maxBufferSize);
 * const buffer = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE });
 * buffer.destroy();
 * ```
 */
export async function requestWebGpuDevice(options: WebGpuDeviceOptions = {}): Promise<GpuContext> {
  sharedContext ??= createSharedContext(options.prefer);
  const context = await sharedContext;
  ensureDeviceAlive(context);
  return context;
}

/**
 * Whether {@linkcode requestWebGpuDevice} can give a usable device here (it creates and keeps that device).
 *
 * @example
 * ```ts
 * import { webGpuAvailable } from "./device.ts";
 * const backend = (await webGpuAvailable()) ? "webgpu" : "cpu";
 * ```
 */
export async function webGpuAvailable(): Promise<boolean> {
  try {
    await requestWebGpuDevice();
    return true;
  } catch (error) {
    if (error instanceof WebGpuUnavailableError || error instanceof WebGpuDeviceLostError) return false;
    throw error;
  }
}
