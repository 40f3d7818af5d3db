import { sharedArena } from "./backends/cpu/wasm/memory.ts";
import { matmulF64 } from "./backends/cpu/wasm/matmul.ts";
const arena = sharedArena();
for (const k of [256, 257, 300, 256, 10, 300]) {
const m=8,n=5;
const a = arena.alloc(m*k * 8), b = arena.alloc(k*n * 8), c = arena.alloc(m*n*8);
arena.f64View(a, m*k).fill(1); arena.f64View(b, k*n).fill(1);
console.log("c at", c, "a", a, "b", b);
matmulF64(a, b, c, m, k, n);
console.log(k, Array.from(arena.f64View(c,m*n)).join(" "));
}
