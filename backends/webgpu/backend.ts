/**
 * The WebGPU backend: `T.compile(inputs, outputs, { backend: "webgpu" })` runs float32 graphs on the GPU, through
 * Dawn (`npm:webgpu`, needs `--allow-ffi`) in Deno and Node, or `navigator.gpu` (Deno's wgpu, browsers).
 *
 * Importing this module registers the backend and nothing else: the device is acquired (and Dawn loaded) by the
 * first compile.
 *
 * - Elementwise chains are fused into one generated WGSL kernel (accurate float32 math: see `wgsl_math.ts`);
 *   reductions, softmax and matmul have their own kernels, and may take a fused elementwise input; transpose,
 *   broadcast, index, slice and reshape are strided views (no copy).
 * - Pipelines are cached by WGSL text, buffers pooled, sizes passed in uniform buffers (one pipeline serves every
 *   size); each call is one command-buffer submission and one read-back of the outputs.
 * - Shared variables live on the device between calls; updates are applied there (`appliesUpdates`) and their new
 *   values read back in the same map, so `get()` stays correct.
 * - float64 graphs are rejected at compile time (`WebGpuDTypeError`): WebGPU computes in float32.
 * - Device loss makes calls fail with `WebGpuDeviceLostError`. To fall back to the CPU, compile again with
 *   `backend: "cpu"`:
 *   ```ts ignore
 *   try { await f(x); } catch (e) {
 *     if (e instanceof WebGpuDeviceLostError) f = T.compile(inputs, outputs, { ...options, backend: "cpu" });
 *   }
 *   ```
 * @module
 */
import type { Backend } from "../backend.ts";
import { registerBackend } from "../compile.ts";
import { compileForWebGpu } from "./executable.ts";

export { WebGpuDTypeError } from "./executable.ts";
export { WebGpuDeviceLostError, WebGpuUnavailableError } from "./device.ts";

/**
 * The WebGPU backend (name `"webgpu"`), registered with `compile` when this module loads.
 *
 * @example
 * ```ts ignore
 * import * as T from "../../mod.ts";
 * import "./backend.ts";
 * const x = T.vector("x");
 * const f = T.compile([x], T.softplus(x), { backend: "webgpu" });
 * (await f([-1000, 0, 1000])).toArray(); // [0, 0.6931471824645996, 1000]
 * ```
 */
export const webgpuBackend: Backend = {
  name: "webgpu",
  compile: compileForWebGpu,
};

registerBackend(webgpuBackend);
