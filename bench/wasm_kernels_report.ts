/**
 * Prints median timings of the WebAssembly kernels next to plain JS loops run in the same process:
 * ns/element for fused elementwise kernels over 1e7 float32 elements, GFLOP/s for matrix products.
 * Run: `deno run bench/wasm_kernels_report.ts [--quick]`. Wall-clock medians; the CPU-time minimum is shown
 * too, because on a shared machine other processes stretch wall time.
 * @module
 */
import process from "node:process";
import type { ElementwiseKernel, ScalarExpr } from "../backends/kernel_ir.ts";
import { compileElementwise } from "../backends/cpu/wasm/elementwise.ts";
import { matmulF32, matmulF64 } from "../backends/cpu/wasm/matmul.ts";
import { sharedArena } from "../backends/cpu/wasm/memory.ts";

const quick = Deno.args.includes("--quick");
const arena = sharedArena();

/** Median wall time and minimum CPU time (ms) of `runs` calls after `warmup` calls. */
function measure(fn: () => void, runs: number, warmup = 2): { wall: number; cpu: number } {
  for (let i = 0; i < warmup; i++) fn();
  const walls: number[] = [];
  let cpu = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage(), t = performance.now();
    fn();
    walls.push(performance.now() - t);
    const used = process.cpuUsage(start);
    cpu = Math.min(cpu, (used.user + used.system) / 1000);
  }
  walls.sort((a, b) => a - b);
  return { wall: walls[walls.length >> 1], cpu };
}

const input = (index: number): ScalarExpr => ({ kind: "input", index });
const op = (name: string, ...args: ScalarExpr[]): ScalarExpr => ({ kind: "op", op: name as "add", args });

// ---- elementwise ----------------------------------------------------------------------------------------------
const N = quick ? 1e6 : 1e7;
const [a, b, c, out] = [0, 1, 2, 3].map(() => arena.alloc(N * 4));
const av = arena.f32View(a, N);
for (let i = 0; i < N; i++) av[i] = ((i * 7919) % 4001 - 2000) / 100;
arena.f32View(b, N).fill(1.5);
arena.f32View(c, N).fill(0.25);

type Arrays = [Float32Array, Float32Array, Float32Array, Float32Array];
/** Each workload with its plain JS loop (one function per loop, so V8 specializes each). */
const elementwise: { name: string; expr: ScalarExpr; plain: (...arrays: Arrays) => void }[] = [
  {
    name: "softplus(a)*b+c",
    expr: op("add", op("mul", op("softplus", input(0)), input(1)), input(2)),
    plain: (x, y, z, o) => {
      for (let i = 0; i < o.length; i++) {
        o[i] = (Math.max(x[i], 0) + Math.log1p(Math.exp(-Math.abs(x[i])))) * y[i] + z[i];
      }
    },
  },
  {
    name: "a*b+c",
    expr: op("add", op("mul", input(0), input(1)), input(2)),
    plain: (x, y, z, o) => {
      for (let i = 0; i < o.length; i++) o[i] = x[i] * y[i] + z[i];
    },
  },
  {
    name: "exp(a)*b+c",
    expr: op("add", op("mul", op("exp", input(0)), input(1)), input(2)),
    plain: (x, y, z, o) => {
      for (let i = 0; i < o.length; i++) o[i] = Math.exp(x[i]) * y[i] + z[i];
    },
  },
  {
    name: "tanh(a)*b+c",
    expr: op("add", op("mul", op("tanh", input(0)), input(1)), input(2)),
    plain: (x, y, z, o) => {
      for (let i = 0; i < o.length; i++) o[i] = Math.tanh(x[i]) * y[i] + z[i];
    },
  },
  {
    name: "sin(a)*b+c",
    expr: op("add", op("mul", op("sin", input(0)), input(1)), input(2)),
    plain: (x, y, z, o) => {
      for (let i = 0; i < o.length; i++) o[i] = Math.sin(x[i]) * y[i] + z[i];
    },
  },
];
console.log(`Elementwise, float32, ${N} elements (ns/element: wall median | cpu min)`);
for (const { name, expr, plain } of elementwise) {
  const kernel: ElementwiseKernel = {
    inputDtypes: ["float32", "float32", "float32"],
    outDtype: "float32",
    expr,
  };
  const compiled = compileElementwise(kernel, arena);
  const wasm = measure(() => compiled.run(out, [a, b, c], [N], [[1], [1], [1]]), quick ? 5 : 9);
  const arrays = [a, b, c, out].map((ptr) => arena.f32View(ptr, N)) as Arrays;
  const js = measure(() => plain(...arrays), quick ? 3 : 5, 1);
  const perElement = (ms: number) => (ms * 1e6 / N).toFixed(2).padStart(6);
  console.log(
    `  ${name.padEnd(16)} wasm ${perElement(wasm.wall)} | ${perElement(wasm.cpu)}   ` +
      `plain JS ${perElement(js.wall)} | ${perElement(js.cpu)}   ×${(js.wall / wasm.wall).toFixed(1)}`,
  );
}
[a, b, c, out].forEach((ptr) => arena.free(ptr));

// ---- matmul ---------------------------------------------------------------------------------------------------
/** Plain JS i-p-j product on typed arrays (the loop order a JS author would write for speed). */
function plainMatmulF32(x: Float32Array, y: Float32Array, z: Float32Array, size: number): void {
  z.fill(0);
  for (let i = 0; i < size; i++) {
    for (let p = 0; p < size; p++) {
      const scale = x[i * size + p], row = p * size, target = i * size;
      for (let j = 0; j < size; j++) z[target + j] += scale * y[row + j];
    }
  }
}

/** The same loop on float64 arrays (a separate function, so each stays monomorphic). */
function plainMatmulF64(x: Float64Array, y: Float64Array, z: Float64Array, size: number): void {
  z.fill(0);
  for (let i = 0; i < size; i++) {
    for (let p = 0; p < size; p++) {
      const scale = x[i * size + p], row = p * size, target = i * size;
      for (let j = 0; j < size; j++) z[target + j] += scale * y[row + j];
    }
  }
}

console.log("Matmul C = A·B, square (GFLOP/s: wall median | cpu min)");
for (const precision of ["f32", "f64"] as const) {
  for (const size of quick ? [256, 512] : [256, 512, 1024]) {
    const bytes = precision === "f32" ? 4 : 8;
    const [pa, pb, pc] = [0, 1, 2].map(() => arena.alloc(size * size * bytes, 64));
    const view = (ptr: number) =>
      precision === "f32" ? arena.f32View(ptr, size * size) : arena.f64View(ptr, size * size);
    view(pa).forEach((_, i, data) => data[i] = Math.sin(i));
    view(pb).forEach((_, i, data) => data[i] = Math.cos(i));
    const runs = Math.max(5, Math.round((quick ? 2e8 : 2e9) / size ** 3));
    const product = precision === "f32" ? matmulF32 : matmulF64;
    const wasm = measure(() => product(pa, pb, pc, size, size, size), runs, 3);
    const plainRuns = size >= 1024 ? 1 : 3;
    const plain = precision === "f32"
      ? measure(
        () =>
          plainMatmulF32(
            arena.f32View(pa, size * size),
            arena.f32View(pb, size * size),
            arena.f32View(pc, size * size),
            size,
          ),
        plainRuns,
        size >= 1024 ? 0 : 1,
      )
      : measure(
        () =>
          plainMatmulF64(
            arena.f64View(pa, size * size),
            arena.f64View(pb, size * size),
            arena.f64View(pc, size * size),
            size,
          ),
        plainRuns,
        size >= 1024 ? 0 : 1,
      );
    const gflops = (ms: number) => (2 * size ** 3 / ms / 1e6).toFixed(1).padStart(5);
    console.log(
      `  ${precision} ${String(size).padStart(4)}  wasm ${gflops(wasm.wall)} | ${gflops(wasm.cpu)}   ` +
        `plain JS ${gflops(plain.wall)} | ${gflops(plain.cpu)}`,
    );
    [pa, pb, pc].forEach((ptr) => arena.free(ptr));
  }
}
