/**
 * `webgpuTest`: a `Deno.test` that gets the process's WebGPU device, and is reported as ignored (with a notice)
 * on machines without an adapter, unless THEANO_REQUIRE_WEBGPU=1 (as in CI), where it fails instead.
 * @module
 */
import { type GpuContext, requestWebGpuDevice, webGpuAvailable } from "../backends/webgpu/device.ts";

function webGpuRequired(): boolean {
  try {
    return Deno.env.get("THEANO_REQUIRE_WEBGPU") === "1";
  } catch {
    return false; // no --allow-env: nothing can require WebGPU
  }
}

// Decided once, when the test files load, so that `ignore` is known when each test is registered and the
// summary counts a skipped WebGPU test as ignored rather than passed.
const available = await webGpuAvailable();
const skipUnavailable = !available && !webGpuRequired();
if (available) {
  // One line in the log saying which implementation and adapter the WebGPU tests ran on.
  const { path, adapterInfo } = await requestWebGpuDevice();
  console.log(
    `WebGPU tests run on ${path}: ${adapterInfo.description || adapterInfo.vendor || "unknown adapter"}`,
  );
}

/**
 * Registers a test that runs `fn` with the shared WebGPU device. Without an adapter the test is ignored (or, with
 * THEANO_REQUIRE_WEBGPU=1, fails with the error saying what to install).
 */
export function webgpuTest(name: string, fn: (context: GpuContext) => void | Promise<void>): void {
  if (skipUnavailable) console.log(`SKIPPED (no WebGPU adapter): ${name}`);
  Deno.test({
    name,
    ignore: skipUnavailable,
    // The device, its queue and pending map callbacks outlive single tests by design (one device per process).
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => await fn(await requestWebGpuDevice()),
  });
}
