import { sharedArena } from "./backends/cpu/wasm/memory.ts";
import { matmulWithConfig, type MatmulConfig } from "./backends/cpu/wasm/matmul.ts";
const arena = sharedArena();
const size = Number(Deno.args[0] ?? 512);
const a = arena.alloc(size * size * 4), b = arena.alloc(size * size * 4), c = arena.alloc(size * size * 4);
const a2 = arena.alloc(size*size*8), b2 = arena.alloc(size*size*8), c2 = arena.alloc(size*size*8);
function bench(cfg: MatmulConfig) {
  for (let w = 0; w < 3; w++) (cfg.precision === 'f64' ? matmulWithConfig(cfg, a2, b2, c2, size, size, size) : matmulWithConfig(cfg, a, b, c, size, size, size));
  const times = [];
  const reps = Math.max(5, Math.round(1e9 / size ** 3));
  for (let r = 0; r < reps; r++) { const t = performance.now(); (cfg.precision === 'f64' ? matmulWithConfig(cfg, a2, b2, c2, size, size, size) : matmulWithConfig(cfg, a, b, c, size, size, size)); times.push(performance.now() - t); }
  times.sort((x, y) => x - y);
  return 2 * size ** 3 / times[times.length >> 1] / 1e6;
}
const base: MatmulConfig = { precision: "f32", mr: 5, nv: 2, unroll: 4, fma: true, aLoad: "shuffle", mc: 120, kc: 256, nc: 2048 };
const variants: Partial<MatmulConfig>[] = JSON.parse(Deno.args[1] ?? "[{}]");
for (const v of variants) {
  const cfg = { ...base, ...v };
  console.log(JSON.stringify(v), bench(cfg).toFixed(1));
}
