/**
 * `deno bench` for the WebAssembly kernels against plain JS loops: the fused softplus(a)·b + c over float32
 * and square matrix products. `bench/wasm_kernels_report.ts` prints the same as ns/element and GFLOP/s.
 * @module
 */
import type { ScalarExpr } from "../backends/kernel_ir.ts";
import { compileElementwise } from "../backends/cpu/wasm/elementwise.ts";
import { matmulF32, matmulF64 } from "../backends/cpu/wasm/matmul.ts";
import { sharedArena } from "../backends/cpu/wasm/memory.ts";

const arena = sharedArena();
const N = 1_000_000;
const [a, b, c, out] = [0, 1, 2, 3].map(() => arena.alloc(N * 4));
arena.f32View(a, N).forEach((_, i, data) => data[i] = ((i * 7919) % 4001 - 2000) / 100);
arena.f32View(b, N).fill(1.5);
arena.f32View(c, N).fill(0.25);

const input = (index: number): ScalarExpr => ({ kind: "input", index });
const softplusKernel = compileElementwise({
  inputDtypes: ["float32", "float32", "float32"],
  outDtype: "float32",
  expr: {
    kind: "op",
    op: "add",
    args: [
      { kind: "op", op: "mul", args: [{ kind: "op", op: "softplus", args: [input(0)] }, input(1)] },
      input(2),
    ],
  },
});

Deno.bench("softplus(a)*b+c, 1e6 float32, wasm", { group: "softplus", baseline: true }, () => {
  softplusKernel.run(out, [a, b, c], [N], [[1], [1], [1]]);
});

Deno.bench("softplus(a)*b+c, 1e6 float32, plain JS", { group: "softplus" }, () => {
  const x = arena.f32View(a, N), y = arena.f32View(b, N), z = arena.f32View(c, N), o = arena.f32View(out, N);
  for (let i = 0; i < N; i++) {
    o[i] = (Math.max(x[i], 0) + Math.log1p(Math.exp(-Math.abs(x[i])))) * y[i] + z[i];
  }
});

function squareOperands(size: number, bytes: number): [number, number, number] {
  const [pa, pb, pc] = [0, 1, 2].map(() => arena.alloc(size * size * bytes, 64));
  const view = (ptr: number) =>
    bytes === 4 ? arena.f32View(ptr, size * size) : arena.f64View(ptr, size * size);
  view(pa).forEach((_, i, data) => data[i] = Math.sin(i));
  view(pb).forEach((_, i, data) => data[i] = Math.cos(i));
  return [pa, pb, pc];
}

for (const size of [256, 512, 1024]) {
  const [pa, pb, pc] = squareOperands(size, 4);
  Deno.bench(`matmul f32 ${size}³, wasm`, { group: `matmul ${size}`, baseline: true }, () => {
    matmulF32(pa, pb, pc, size, size, size);
  });
  if (size === 256) {
    Deno.bench(`matmul f32 ${size}³, plain JS`, { group: `matmul ${size}` }, () => {
      const x = arena.f32View(pa, size * size),
        y = arena.f32View(pb, size * size),
        z = arena.f32View(pc, size * size);
      z.fill(0);
      for (let i = 0; i < size; i++) {
        for (let p = 0; p < size; p++) {
          const scale = x[i * size + p];
          for (let j = 0; j < size; j++) z[i * size + j] += scale * y[p * size + j];
        }
      }
    });
  }
}

{
  const size = 256;
  const [pa, pb, pc] = squareOperands(size, 8);
  Deno.bench(`matmul f64 ${size}³, wasm`, { group: "matmul f64" }, () => {
    matmulF64(pa, pb, pc, size, size, size);
  });
  Deno.bench(`matmul f64 ${size}³ with Aᵀ and Bᵀ, wasm`, { group: "matmul f64" }, () => {
    matmulF64(pa, pb, pc, size, size, size, { transA: true, transB: true });
  });
}
