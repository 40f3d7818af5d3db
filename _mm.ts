import { sharedArena } from "./backends/cpu/wasm/memory.ts";
import { matmulF32, matmulF64, matmulWithConfig, DEFAULT_MATMUL_CONFIGS } from "./backends/cpu/wasm/matmul.ts";
const arena = sharedArena();
function ref(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, tA: boolean, tB: boolean) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += (tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]);
    c[i * n + j] = s;
  }
  return c;
}
for (const [m, k, n] of [[67, 129, 33], [1, 1, 1], [5, 1, 7], [13, 300, 17], [130, 520, 70]]) for (const tA of [false, true]) for (const tB of [false, true]) for (const prec of ["f32", "f64"]) {
  const E = prec === "f32" ? 4 : 8;
  const a = arena.alloc(m * k * E), b = arena.alloc(k * n * E), c = arena.alloc(m * n * E);
  const view = (p: number, len: number) => prec === "f32" ? arena.f32View(p, len) : arena.f64View(p, len);
  const av = view(a, m * k), bv = view(b, k * n);
  for (let i = 0; i < av.length; i++) av[i] = Math.random() - 0.5;
  for (let i = 0; i < bv.length; i++) bv[i] = Math.random() - 0.5;
  (prec === "f32" ? matmulF32 : matmulF64)(a, b, c, m, k, n, { transA: tA, transB: tB });
  const r = ref(view(a, m * k), view(b, k * n), m, k, n, tA, tB);
  const cv = view(c, m * n);
  let err = 0;
  for (let i = 0; i < r.length; i++) err = Math.max(err, Math.abs(r[i] - cv[i]));
  console.log(prec, m, k, n, tA, tB, err.toExponential(2));
}
for (const size of [256, 512, 1024]) {
  const a = arena.alloc(size * size * 4), b = arena.alloc(size * size * 4), c = arena.alloc(size * size * 4);
  arena.f32View(a, size * size).fill(1); arena.f32View(b, size * size).fill(0.5);
  const reps = Math.max(3, Math.round(2e9 / (size ** 3)));
  for (let w = 0; w < 3; w++) matmulF32(a, b, c, size, size, size);
  const times = [];
  for (let r = 0; r < reps; r++) { const t = performance.now(); matmulF32(a, b, c, size, size, size); times.push(performance.now() - t); }
  times.sort((x, y) => x - y);
  const med = times[times.length >> 1];
  console.log(size, "f32", med.toFixed(2), "ms", (2 * size ** 3 / med / 1e6).toFixed(1), "GFLOP/s");
}
