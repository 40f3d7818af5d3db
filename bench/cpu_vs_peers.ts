/**
 * The CPU backend side by side with JavaScript peers, in one process, on the workloads of issue 5:
 *   1. fused `log(1 + exp(a)) * b + c`, float32, 1e6 and 1e7 elements (ns/element, and max ulp error)
 *   2. matmul float32 256/512/1024 (GFLOP/s)
 *   3. MLP training step 784-256-10, softmax crossentropy, batch 128, SGD (ms/step)
 *   4. first call of that training step: graph building, optimizer, code generation, first run (ms; each
 *      library measured in fresh processes, the median of 7, so nothing is warm)
 * Peers (bench-only imports): TensorFlow.js with its `cpu` and `wasm` backends, jax-js (`jit`, WebAssembly,
 * one thread), and plain JavaScript loops. Medians of repeated runs; every result is read back into a
 * JavaScript typed array, as a caller would.
 *
 *   deno run -A bench/cpu_vs_peers.ts [--quick] [--only=fused,matmul,mlp,first]
 *
 * @module
 */
import * as T from "../mod.ts";
import { NDArray, RandomState, shared, type SharedVariable, type Term } from "../mod.ts";
import { evaluate } from "../backends/reference/interpreter.ts";
import { compileCpu } from "../backends/cpu/executable.ts";
import { ulpDistance32 } from "../tests/backends/cpu/_compare.ts";

const TFJS = "npm:@tensorflow/tfjs@4.22.0";
const TFJS_WASM = "npm:@tensorflow/tfjs-backend-wasm@4.22.0";
const JAX = "npm:@jax-js/jax@0.1.25";

const args = new Set(Deno.args);
const quick = args.has("--quick");
const onlyArg = Deno.args.find((a) => a.startsWith("--only="));
const only = onlyArg ? new Set(onlyArg.slice(7).split(",")) : undefined;
const wants = (w: string) => !only || only.has(w);

// ---- measuring -------------------------------------------------------------------------------------------

/** Median milliseconds of `fn` over repeated runs (after warm-up), within a time budget. */
async function median(fn: () => unknown, budgetMs = quick ? 400 : 1500, minReps = 5): Promise<number> {
  // warm up for a fifth of the budget (at least two calls): JIT tiers, caches and allocators settle first
  const warmStart = performance.now();
  for (let i = 0; i < 2 || performance.now() - warmStart < budgetMs / 5; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minReps || (performance.now() - start < budgetMs && times.length < 200)) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
    if (times.length >= 1 && performance.now() - start > budgetMs * 4) break;
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

type Row = { workload: string; library: string; value: number | string; unit: string; note?: string };
const rows: Row[] = [];
function report(workload: string, library: string, value: number | string, unit: string, note?: string) {
  rows.push({ workload, library, value, unit, note });
  const shown = typeof value === "number" ? value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2) : value;
  console.log(
    `${workload.padEnd(26)} ${library.padEnd(30)} ${String(shown).padStart(9)} ${unit}${
      note ? `  (${note})` : ""
    }`,
  );
}

/** Runs `fn`, reporting an error as the row's value instead of stopping the whole bench. */
async function attempt(workload: string, library: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    report(workload, library, "failed", "", (error as Error).message.split("\n")[0].slice(0, 100));
  }
}

// ---- peers, loaded lazily --------------------------------------------------------------------------------

// deno-lint-ignore no-explicit-any
type Any = any;
let tfModule: Any;
async function tf(backend: "cpu" | "wasm"): Promise<Any> {
  // the "running in Node.js" banner of tfjs is noise here
  const log = console.log;
  console.log = () => {};
  try {
    if (!tfModule) {
      tfModule = await import(TFJS);
      await import(TFJS_WASM); // registers the wasm backend; its .wasm loads from the npm cache, offline
    }
    if (!(await tfModule.setBackend(backend))) throw new Error(`tfjs backend ${backend} unavailable`);
  } finally {
    console.log = log;
  }
  return tfModule;
}

let jaxModule: Any;
async function jax(): Promise<Any> {
  if (!jaxModule) {
    // one thread of compute: jax-js sizes its worker pool by navigator.hardwareConcurrency
    Object.defineProperty(navigator, "hardwareConcurrency", { value: 1, configurable: true });
    jaxModule = await import(JAX);
    await jaxModule.init("wasm");
    jaxModule.defaultDevice("wasm");
  }
  return jaxModule;
}

// ---- our side --------------------------------------------------------------------------------------------

/** `T.compile` (optimizer included) on the CPU backend; also returns the optimized output terms. */
function ourCompile(
  inputs: Term[],
  outputs: Term[],
  updates: [SharedVariable, Term][] = [],
  optimize = true,
): { run: (...values: NDArray[]) => Promise<NDArray[]>; optimized: readonly Term[] } {
  const f = T.compile(inputs, outputs, { updates, backend: "cpu", optimize });
  return { run: (...values) => f(...values), optimized: f.plan.roots.slice(0, outputs.length) };
}

const rng = new RandomState(2026);

/** The spacing of float32 values at magnitude `x`. */
function ulp32(x: number): number {
  const a = Math.fround(Math.abs(x));
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

// ---- 1. fused elementwise ---------------------------------------------------------------------------------

async function fused(): Promise<void> {
  for (const n of quick ? [1e6] : [1e6, 1e7]) {
    const w = `fused ${n.toExponential(0)}`;
    const [av, bv, cv] = [rng.uniform([n], -10, 10), rng.uniform([n], -3, 3), rng.uniform([n], -3, 3)];
    const [a, b, c] = ["a", "b", "c"].map((name) => T.vector(name));
    const expr = T.add(T.mul(T.log(T.add(1, T.exp(a))), b), c);
    const perElement = (ms: number) => (ms * 1e6) / n;

    await attempt(w, "theano-ts cpu", async () => {
      const f = ourCompile([a, b, c], [expr]);
      report(
        w,
        "theano-ts cpu",
        perElement(await median(() => f.run(av, bv, cv))),
        "ns/el",
        String(f.optimized[0]),
      );
      // accuracy against the reference backend on the same (optimized) graph, each op in float64 then rounded:
      // in ulp of the larger of the two terms (the result itself can cancel to nearly 0)
      const [out] = await f.run(av, bv, cv);
      const [expected] = evaluate(f.optimized, new Map([[a, av], [b, bv], [c, cv]]));
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const scale = Math.max(Math.abs(out.data[i] - cv.data[i]), Math.abs(cv.data[i]));
        worst = Math.max(worst, Math.abs(out.data[i] - expected.data[i]) / ulp32(scale));
      }
      report(w, "theano-ts cpu max error", worst, "ulp", "of the larger term, vs the reference backend");
      const sp = ourCompile([a], [T.softplus(a)]);
      const [spOut] = await sp.run(av);
      const [spRef] = evaluate(sp.optimized, new Map([[a, av]]));
      let spWorst = 0;
      for (let i = 0; i < n; i++) spWorst = Math.max(spWorst, ulpDistance32(spOut.data[i], spRef.data[i]));
      report(w, "theano-ts softplus max error", spWorst, "ulp", "float32 kernel vs the reference backend");
    });
    await attempt(w, "theano-ts cpu (borrowed output)", async () => {
      // the same optimized graph, with the output array reused across calls (no fresh memory to fault in)
      const { optimized } = ourCompile([a, b, c], [expr]);
      const exe = compileCpu({ inputs: [a, b, c], roots: optimized, outputCount: 1, updated: [] }, {
        borrowOutputs: true,
      });
      report(
        w,
        "theano-ts cpu (borrowed output)",
        perElement(await median(() => exe.run([av, bv, cv]))),
        "ns/el",
      );
    });
    await attempt(w, "theano-ts cpu (shared inputs)", async () => {
      // inputs held by the backend (shared variables stay in WebAssembly memory between calls), as tfjs and
      // jax-js tensors are; then also with the output reused (what the C loop measures: no fresh memory at all)
      const [sa, sb, sc] = [shared(av, "sa"), shared(bv, "sb"), shared(cv, "sc")];
      const fresh = T.compile([], T.add(T.mul(T.log(T.add(1, T.exp(sa))), sb), sc));
      report(w, "theano-ts cpu (shared inputs)", perElement(await median(() => fresh())), "ns/el");
      const reused = T.compile([], T.add(T.mul(T.log(T.add(1, T.exp(sa))), sb), sc), { borrow: true });
      report(
        w,
        "theano-ts cpu (shared inputs, borrowed out)",
        perElement(await median(() => reused())),
        "ns/el",
      );
    });
    const A = av.data as Float32Array, B = bv.data as Float32Array, C = cv.data as Float32Array;
    const loop = (out: Float32Array) => {
      for (let i = 0; i < n; i++) out[i] = Math.log(1 + Math.exp(A[i])) * B[i] + C[i];
      return out;
    };
    report(w, "plain JS loop", perElement(await median(() => loop(new Float32Array(n)))), "ns/el");
    const reused = new Float32Array(n);
    report(w, "plain JS loop (reused output)", perElement(await median(() => loop(reused))), "ns/el");
    for (const backend of ["cpu", "wasm"] as const) {
      await attempt(w, `tfjs-${backend}`, async () => {
        const t = await tf(backend);
        const [ta, tb, tc] = [A, B, C].map((d) => t.tensor1d(d));
        const ms = await median(() => {
          const y = t.tidy(() => t.add(t.mul(t.log(t.add(1, t.exp(ta))), tb), tc));
          y.dataSync();
          y.dispose();
        });
        report(w, `tfjs-${backend}`, perElement(ms), "ns/el");
        [ta, tb, tc].forEach((x) => x.dispose());
      });
    }
    await attempt(w, "jax-js jit (wasm)", async () => {
      const j = await jax();
      const np = j.numpy;
      const f = j.jit((x: Any, y: Any, z: Any) => np.log(np.exp(x).add(1)).mul(y).add(z));
      const [ja, jb, jc] = [A, B, C].map((d) => np.array(d));
      const ms = await median(async () => {
        const y = f(ja.ref, jb.ref, jc.ref);
        await y.data();
      });
      report(w, "jax-js jit (wasm)", perElement(ms), "ns/el");
    });
  }
}

// ---- 2. matmul -------------------------------------------------------------------------------------------

async function matmul(): Promise<void> {
  for (const n of quick ? [256, 512] : [256, 512, 1024]) {
    const w = `matmul ${n}`;
    const av = rng.uniform([n, n], -1, 1), bv = rng.uniform([n, n], -1, 1);
    const gflops = (ms: number) => (2 * n ** 3) / ms / 1e6;
    await attempt(w, "theano-ts cpu", async () => {
      const a = T.matrix("a"), b = T.matrix("b");
      const f = ourCompile([a, b], [T.matmul(a, b)]);
      report(w, "theano-ts cpu", gflops(await median(() => f.run(av, bv))), "GFLOP/s");
    });
    for (const backend of ["cpu", "wasm"] as const) {
      if (backend === "cpu" && n > 512 && quick) continue;
      await attempt(w, `tfjs-${backend}`, async () => {
        const t = await tf(backend);
        const ta = t.tensor2d(av.data, [n, n]), tb = t.tensor2d(bv.data, [n, n]);
        const ms = await median(
          () => {
            const y = t.matMul(ta, tb);
            y.dataSync();
            y.dispose();
          },
          1500,
          3,
        );
        report(w, `tfjs-${backend}`, gflops(ms), "GFLOP/s");
        ta.dispose();
        tb.dispose();
      });
    }
    await attempt(w, "jax-js jit (wasm)", async () => {
      const j = await jax();
      const np = j.numpy;
      const f = j.jit((x: Any, y: Any) => np.matmul(x, y));
      const ja = np.array(av.data).reshape([n, n]), jb = np.array(bv.data).reshape([n, n]);
      const ms = await median(async () => {
        const y = f(ja.ref, jb.ref);
        await y.data();
      });
      report(w, "jax-js jit (wasm)", gflops(ms), "GFLOP/s");
    });
  }
}

// ---- 3. MLP training step ---------------------------------------------------------------------------------

const BATCH = 128;

function mlpData() {
  const r = new RandomState(5);
  const x = r.uniform([BATCH, 784], 0, 1);
  const labels = new Float32Array(BATCH * 10);
  for (let i = 0; i < BATCH; i++) labels[i * 10 + Math.floor(r.random() * 10)] = 1;
  return {
    x,
    y: new NDArray(labels, [BATCH, 10]),
    w1: r.normal([784, 256], 0, 0.05),
    w2: r.normal([256, 10], 0, 0.05),
  };
}

/** Our training graph: a 784-256-10 network, its loss, gradients (T.grad) and SGD updates. */
function ourTrainingGraph(data: ReturnType<typeof mlpData>) {
  const W1 = shared(data.w1, "W1"), b1 = shared(T.zeros([256]), "b1");
  const W2 = shared(data.w2, "W2"), b2 = shared(T.zeros([10]), "b2");
  const x = T.matrix("x"), y = T.matrix("y");
  const hidden = T.relu(T.add(T.matmul(x, W1), b1));
  const logits = T.add(T.matmul(hidden, W2), b2);
  const loss = T.mean(T.neg(T.sum(T.mul(y, T.logSoftmax(logits)), 1)));
  const params = [W1, b1, W2, b2];
  const grads = T.grad(loss, params);
  const updates = params.map((p, i) => [p, T.sub(p, T.mul(0.1, grads[i]))] as [SharedVariable, Term]);
  return { x, y, loss, updates };
}

/** Our training step, compiled. */
function ourTrainingStep(data: ReturnType<typeof mlpData>) {
  const { x, y, loss, updates } = ourTrainingGraph(data);
  const step = ourCompile([x, y], [loss], updates);
  return () => step.run(data.x, data.y);
}

function tfTrainingStep(t: Any, data: ReturnType<typeof mlpData>) {
  const w1 = t.variable(t.tensor2d(data.w1.data, [784, 256])), b1 = t.variable(t.zeros([256]));
  const w2 = t.variable(t.tensor2d(data.w2.data, [256, 10])), b2 = t.variable(t.zeros([10]));
  const X = t.tensor2d(data.x.data, [BATCH, 784]), Y = t.tensor2d(data.y.data, [BATCH, 10]);
  const optimizer = t.train.sgd(0.1);
  return () => {
    const cost = optimizer.minimize(() => {
      const hidden = t.relu(t.add(t.matMul(X, w1), b1));
      return t.losses.softmaxCrossEntropy(Y, t.add(t.matMul(hidden, w2), b2));
    }, true);
    cost.dataSync();
    cost.dispose();
  };
}

function jaxTrainingStep(j: Any, data: ReturnType<typeof mlpData>) {
  const np = j.numpy, nn = j.nn;
  const lossOf = (params: Any[], x: Any, y: Any) => {
    const [w1, b1, w2, b2] = params;
    const hidden = nn.relu(np.matmul(x, w1).add(b1));
    return nn.logSoftmax(np.matmul(hidden, w2).add(b2)).mul(y).sum(1).mean().neg();
  };
  const step = j.jit((params: Any[], x: Any, y: Any) => {
    const [loss, grads] = j.valueAndGrad(lossOf)(params.map((p: Any) => p.ref), x, y);
    return [loss, params.map((p: Any, i: number) => p.sub(grads[i].mul(0.1)))];
  });
  let params = [
    np.array(data.w1.data).reshape([784, 256]),
    np.zeros([256]),
    np.array(data.w2.data).reshape([256, 10]),
    np.zeros([10]),
  ];
  const X = np.array(data.x.data).reshape([BATCH, 784]), Y = np.array(data.y.data).reshape([BATCH, 10]);
  return async () => {
    const [loss, next] = step(params, X.ref, Y.ref);
    params = next;
    await loss.data();
  };
}

async function mlp(): Promise<void> {
  const w = "MLP step 784-256-10 b128";
  const data = mlpData();
  await attempt(w, "theano-ts cpu", async () => {
    const step = ourTrainingStep(data);
    report(w, "theano-ts cpu", await median(step), "ms/step");
  });
  for (const backend of ["wasm", "cpu"] as const) {
    await attempt(w, `tfjs-${backend}`, async () => {
      const step = tfTrainingStep(await tf(backend), data);
      report(w, `tfjs-${backend}`, await median(step, 1500, 3), "ms/step");
    });
  }
  await attempt(w, "jax-js jit (wasm)", async () => {
    const step = jaxTrainingStep(await jax(), data);
    report(w, "jax-js jit (wasm)", await median(step), "ms/step");
  });
}

// ---- 4. first call, each in a fresh process ----------------------------------------------------------------

/** In a child process: builds one library's training step and times building plus the first call. */
async function firstCallChild(library: string): Promise<void> {
  const data = mlpData();
  let ms: number;
  let parts: string | undefined;
  if (library.startsWith("theano-ts")) {
    const start = performance.now();
    const { x, y, loss, updates } = ourTrainingGraph(data);
    const built = performance.now();
    const step = ourCompile([x, y], [loss], updates, library === "theano-ts");
    const compiled = performance.now();
    await step.run(data.x, data.y);
    ms = performance.now() - start;
    const f = (t: number) => t.toFixed(1);
    parts = `graph+grad ${f(built - start)}, optimizer ${f(compiled - built)}, ` +
      `plan+codegen+first run ${f(start + ms - compiled)}`;
  } else if (library.startsWith("tfjs")) {
    const t = await tf(library === "tfjs-wasm" ? "wasm" : "cpu");
    const start = performance.now();
    const step = tfTrainingStep(t, data);
    step();
    ms = performance.now() - start;
  } else {
    const j = await jax();
    const start = performance.now();
    const step = jaxTrainingStep(j, data);
    await step();
    ms = performance.now() - start;
  }
  console.log(JSON.stringify({ ms, parts }));
}

/** Fresh processes per library for the first call: single cold runs vary by ±10 ms (JIT timing). */
const FIRST_CALL_RUNS = quick ? 3 : 7;

async function firstCall(): Promise<void> {
  const w = "MLP first call";
  for (const library of ["theano-ts", "theano-ts (optimize: false)", "tfjs-wasm", "tfjs-cpu", "jax-js"]) {
    await attempt(w, library, async () => {
      const runs: { ms: number; parts?: string }[] = [];
      for (let i = 0; i < FIRST_CALL_RUNS; i++) {
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", import.meta.filename!, `--first-call-child=${library}`],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop() ?? "";
        if (!out.success) throw new Error(new TextDecoder().decode(out.stderr).split("\n")[0]);
        runs.push(JSON.parse(text));
      }
      runs.sort((a, b) => a.ms - b.ms);
      const median = runs[runs.length >> 1];
      const note =
        `median of ${runs.length} processes, ${runs[0].ms.toFixed(0)}–${
          runs[runs.length - 1].ms.toFixed(0)
        }` +
        (median.parts ? `; median run: ${median.parts}` : "");
      report(w, library === "jax-js" ? "jax-js jit (wasm)" : library, median.ms, "ms", note);
    });
  }
}

// ---- main -------------------------------------------------------------------------------------------------

const child = Deno.args.find((a) => a.startsWith("--first-call-child="));
if (child) {
  await firstCallChild(child.slice("--first-call-child=".length));
  Deno.exit(0); // jax-js keeps a worker alive
} else {
  console.log(`theano-ts CPU backend vs peers — ${new Date().toISOString()} — deno ${Deno.version.deno}`);
  if (wants("fused")) await fused();
  if (wants("matmul")) await matmul();
  if (wants("mlp")) await mlp();
  if (wants("first")) await firstCall();
  Deno.exit(0); // jax-js keeps a worker alive
}
