import assert from "node:assert/strict";
import {
  ensureDeviceAlive,
  type GpuContext,
  type GpuEntryPoint,
  loadGpuEntryPoint,
  openGpuContext,
  REQUESTED_LIMITS,
  WebGpuDeviceLostError,
  WebGpuUnavailableError,
} from "../../../backends/webgpu/device.ts";
import { webgpuTest } from "../../_webgpu.ts";

const MULTIPLY_ADD_ONE = /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i < arrayLength(&c)) {
    c[i] = a[i] * b[i] + 1.0;
  }
}`;

function storageBufferWith(device: GPUDevice, data: Float32Array): GPUBuffer {
  const buffer = device.createBuffer({
    size: data.byteLength,
    usage: GPUBufferUsage.STORAGE,
    mappedAtCreation: true,
  });
  new Float32Array(buffer.getMappedRange()).set(data);
  buffer.unmap();
  return buffer;
}

async function multiplyAddOneOnGpu(
  { device }: GpuContext,
  a: Float32Array,
  b: Float32Array,
): Promise<Float32Array> {
  const module = device.createShaderModule({ code: MULTIPLY_ADD_ONE });
  const pipeline = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
  const aBuffer = storageBufferWith(device, a);
  const bBuffer = storageBufferWith(device, b);
  const cBuffer = device.createBuffer({
    size: a.byteLength,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
  });
  const readback = device.createBuffer({
    size: a.byteLength,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [aBuffer, bBuffer, cBuffer].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.ceil(a.length / 64));
  pass.end();
  encoder.copyBufferToBuffer(cBuffer, 0, readback, 0, a.byteLength);
  device.queue.submit([encoder.finish()]);
  await readback.mapAsync(GPUMapMode.READ);
  const result = new Float32Array(readback.getMappedRange()).slice();
  readback.unmap();
  for (const buffer of [aBuffer, bBuffer, cBuffer, readback]) buffer.destroy();
  return result;
}

function randomFloats(length: number, seed: number): Float32Array {
  // A small LCG: reproducible inputs without a dependency, spread over [-8, 8).
  let state = seed >>> 0;
  return Float32Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32) * 16 - 8;
  });
}

webgpuTest("WebGPU computes c[i] = a[i] * b[i] + 1 over 1000 floats", async (context) => {
  const a = randomFloats(1000, 1);
  const b = randomFloats(1000, 2);
  const c = await multiplyAddOneOnGpu(context, a, b);
  assert.equal(c.length, 1000);
  for (let i = 0; i < c.length; i++) {
    // The GPU may fuse into one FMA (one rounding) where JS rounds twice: allow a few ulps of the result.
    const expected = Math.fround(Math.fround(a[i] * b[i]) + 1);
    const tolerance = 4 * 2 ** -23 * Math.max(1, Math.abs(a[i] * b[i]));
    assert.ok(Math.abs(c[i] - expected) <= tolerance, `c[${i}] = ${c[i]}, expected ${expected}`);
  }
});

// The default path in Deno is navigator.gpu (wgpu); Dawn stays tested here, on its own device, where it has an
// adapter (on CI, where lavapipe is installed, it must: THEANO_REQUIRE_WEBGPU turns its absence into a failure).
webgpuTest("Dawn (npm:webgpu) runs the same kernel on its own device", async () => {
  let dawn: GpuContext;
  try {
    dawn = await openGpuContext(await loadGpuEntryPoint("dawn"), "dawn");
  } catch (error) {
    if (Deno.env.get("THEANO_REQUIRE_WEBGPU") === "1") throw error;
    console.log(`SKIPPED (no Dawn adapter): ${(error as Error).message.split("\n")[0]}`);
    return;
  }
  const a = randomFloats(256, 3), b = randomFloats(256, 4);
  const c = await multiplyAddOneOnGpu(dawn, a, b);
  for (let i = 0; i < c.length; i++) {
    const expected = Math.fround(Math.fround(a[i] * b[i]) + 1);
    assert.ok(
      Math.abs(c[i] - expected) <= 4 * 2 ** -23 * Math.max(1, Math.abs(a[i] * b[i])),
      `c[${i}] = ${c[i]}`,
    );
  }
  dawn.device.destroy();
});

webgpuTest("requestWebGpuDevice() raises the storage limits to the adapter's maxima", (context) => {
  assert.ok(context.path === "dawn" || context.path === "navigator");
  assert.equal(typeof context.adapterInfo.description, "string");
  for (const name of REQUESTED_LIMITS) {
    const value = context.limits[name];
    if (typeof value === "number") assert.ok(value > 0, `${name} = ${value}`);
  }
  // At least the WebGPU defaults: raising them must never lower them.
  assert.ok(context.limits.maxStorageBufferBindingSize >= 134_217_728);
  assert.ok(context.limits.maxBufferSize >= 268_435_456);
  assert.equal(context.lostInfo, undefined);
});

webgpuTest("a destroyed device is reported as lost, naming the loss", async (context) => {
  // A second device, so that the shared one stays usable for the other tests.
  const separate = await openGpuContext(await loadGpuEntryPoint(context.path), context.path);
  ensureDeviceAlive(separate);
  separate.device.destroy();
  await separate.device.lost;
  await Promise.resolve(); // let openGpuContext's own `lost` handler record the loss first
  assert.throws(() => ensureDeviceAlive(separate), (error: unknown) => {
    assert.ok(error instanceof WebGpuDeviceLostError);
    assert.match(error.message, /was lost \(reason: destroyed\)/);
    return true;
  });
});

Deno.test("openGpuContext() without an adapter says what to install", async () => {
  const noAdapter: GpuEntryPoint = { requestAdapter: () => Promise.resolve(null) };
  await assert.rejects(openGpuContext(noAdapter, "navigator"), (error: unknown) => {
    assert.ok(error instanceof WebGpuUnavailableError);
    assert.deepEqual(error.attempts, ["navigator: no adapter (requestAdapter() returned null)"]);
    assert.match(error.message, /mesa-vulkan-drivers/);
    assert.match(error.message, /bookworm-backports/);
    assert.match(error.message, /--allow-ffi/);
    return true;
  });
});

Deno.test("openGpuContext() records a device loss reported by the implementation", async () => {
  let reportLoss: (info: GPUDeviceLostInfo) => void = () => {};
  const lost = new Promise<GPUDeviceLostInfo>((resolve) => reportLoss = resolve);
  const fakeDevice = { lost, limits: {} } as unknown as GPUDevice;
  const fakeAdapter = {
    info: { vendor: "fake", architecture: "test", description: "a fake adapter" },
    limits: { maxBufferSize: 1024 },
    requestDevice: () => Promise.resolve(fakeDevice),
  } as unknown as GPUAdapter;
  const context = await openGpuContext({ requestAdapter: () => Promise.resolve(fakeAdapter) }, "dawn");
  assert.deepEqual(context.adapterInfo, {
    vendor: "fake",
    architecture: "test",
    description: "a fake adapter",
    isFallbackAdapter: false,
  });
  ensureDeviceAlive(context);
  reportLoss({ reason: "unknown", message: "driver reset" } as unknown as GPUDeviceLostInfo);
  await lost;
  await Promise.resolve();
  assert.throws(() => ensureDeviceAlive(context), /\(dawn\) was lost \(reason: unknown\): driver reset/);
});
