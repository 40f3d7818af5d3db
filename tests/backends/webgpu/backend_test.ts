/**
 * The WebGPU backend as a backend: float64 rejection, lazy device acquisition, pipeline and plan reuse across
 * sizes, shared variables kept on the device, and device loss.
 */
import assert from "node:assert/strict";
import * as T from "../../../mod.ts";
import { webgpuBackend, WebGpuDeviceLostError, WebGpuDTypeError } from "../../../backends/webgpu/backend.ts";
import { loadGpuEntryPoint, openGpuContext } from "../../../backends/webgpu/device.ts";
import { compileForWebGpu, type WebGpuExecutable } from "../../../backends/webgpu/executable.ts";
import { resourcesFor } from "../../../backends/webgpu/gpu_resources.ts";
import { webgpuTest } from "../../_webgpu.ts";

Deno.test("webgpu backend is registered under its name, and compile rejects float64 before touching a device", async () => {
  assert.equal(webgpuBackend.name, "webgpu");
  const x = T.vector("x64", "float64");
  const f = T.compile([x], T.exp(x), { backend: "webgpu" });
  await assert.rejects(() => f([1, 2]), (error: Error) => {
    assert.ok(error instanceof WebGpuDTypeError);
    assert.match(error.message, /variable x64 has dtype float64/);
    assert.match(error.message, /float32 only/);
    assert.match(error.message, /backend: "cpu"/);
    return true;
  });
  const y = T.vector("y");
  const promoted = T.compile([y], T.add(y, T.constant(1, "float64")), { backend: "webgpu", optimize: false });
  await assert.rejects(() => promoted([1]), /a float64 constant of shape \[\] has dtype float64/);
  const cast = T.compile([y], T.cast(y, "float64"), { backend: "webgpu", optimize: false });
  await assert.rejects(() => cast([1]), /the result of cast .* has dtype float64/);
});

Deno.test({
  name: "webgpu importing the backend module loads neither Dawn nor a device (it runs without --allow-ffi)",
  ignore: Deno.permissions.querySync({ name: "run" }).state !== "granted",
  fn: async () => {
    const root = new URL("../../../", import.meta.url);
    const script = new URL("backends/webgpu/backend.ts", root).pathname;
    const config = new URL("deno.json", root).pathname;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--config", config, "--allow-read", "--allow-env", "--no-prompt", script],
      stdout: "piped",
      stderr: "piped",
    });
    const { code, stderr } = await child.output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
  },
});

webgpuTest(
  "webgpu one pipeline serves every size: a new input shape builds a plan but compiles nothing",
  async (context) => {
    const m = T.matrix("m");
    const f = T.compile([m], [T.softmax(T.mul(m, 2)), T.sum(T.exp(m), 0), T.matmul(m, T.transpose(m))], {
      backend: "webgpu",
      optimize: false,
    });
    const resources = resourcesFor(context);
    await f(T.ones([5, 7]));
    const compiled = resources.pipelineCount;
    const [softmax, sums] = await f(T.ones([9, 3]));
    assert.equal(resources.pipelineCount, compiled, "no new pipeline for new sizes");
    assert.deepEqual(softmax.shape, [9, 3]);
    for (const total of sums.data) {
      assert.ok(
        Math.abs(total - 9 * Math.E) < 1e-5 * 9 * Math.E,
        `Σ e = ${total}`,
      );
    }
  },
);

webgpuTest(
  "webgpu shared variables stay on the device; outputs see the values from before the update",
  async () => {
    const w = T.shared(T.array([1, 2, 3]), "w");
    const x = T.vector("x");
    const step = T.compile([x], [w, T.sum(T.mul(w, x))], { backend: "webgpu", updates: [[w, T.add(w, x)]] });
    const [before, dot] = await step([1, 1, 1]);
    assert.deepEqual(before.toArray(), [1, 2, 3]);
    assert.equal(dot.item(), 6);
    assert.deepEqual(w.get().toArray(), [2, 3, 4], "get() sees the update made on the device");
    await step([1, 1, 1]);
    assert.deepEqual(w.get().toArray(), [3, 4, 5]);
    w.set([0, 0, 10]);
    const [after] = await step([1, 1, 1]);
    assert.deepEqual(after.toArray(), [0, 0, 10], "a set() between calls is uploaded");
    assert.deepEqual(w.get().toArray(), [1, 1, 11]);
    // Two variables swapping values: both updates read the old values.
    const a = T.shared(T.array([1]), "a"), b = T.shared(T.array([2]), "b");
    const swap = T.compile([], [], { backend: "webgpu", updates: [[a, b], [b, a]] });
    await swap();
    assert.deepEqual([a.get().item(), b.get().item()], [2, 1]);
  },
);

webgpuTest(
  "webgpu fuses elementwise producers into reductions and softmax, and views cost no kernel",
  async () => {
    const m = T.matrix("m");
    const program = async (outputs: T.Expr[]) => {
      const f = T.compile([m], outputs, { backend: "webgpu", optimize: false });
      return ((await webgpuBackend.compile(f.plan)) as WebGpuExecutable).program.nodes.map((n) => n.kind);
    };
    assert.deepEqual(await program([T.softmax(T.mul(T.transpose(m), 3))]), ["input", "view", "softmax"]);
    assert.deepEqual(await program([T.logsumexp(T.add(m, 1), 1)]), ["input", "reduce"]);
  },
);

webgpuTest(
  "webgpu device loss makes calls fail with an error that names it; a fresh compile falls back to the CPU",
  async (shared) => {
    const context = await openGpuContext(await loadGpuEntryPoint(shared.path), shared.path);
    const x = T.vector("x");
    const f = T.compile([x], T.exp(x), { backend: "reference" });
    const exe = await compileForWebGpu(f.plan, context);
    assert.deepEqual((await exe.run([T.array([0])]))[0].toArray(), [1]);
    context.device.destroy();
    await context.device.lost;
    await assert.rejects(() => exe.run([T.array([0])]), (error: Error) => {
      assert.ok(error instanceof WebGpuDeviceLostError);
      assert.match(error.message, /was lost/);
      return true;
    });
    const onCpu = T.compile([x], T.exp(x), { backend: "cpu" });
    assert.deepEqual((await onCpu([0])).toArray(), [1]);
  },
);
