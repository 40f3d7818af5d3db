import { WasmArena } from "./backends/cpu/wasm/memory.ts";
import { buildMatmulModule } from "./backends/cpu/wasm/matmul_codegen.ts";
const arena = new WasmArena();
const cfgs = JSON.parse(Deno.args[0]);
for (const cfg of cfgs) {
  const shape = { precision: "f32", mr: 6, nv: 2, unroll: 4, fma: true, aLoad: "splat", ...cfg } as const;
  const ex = new WebAssembly.Instance(buildMatmulModule(shape), { env: { memory: arena.memory } }).exports as any;
  const kc = 256, nr = shape.nv * 4;
  const pa = arena.alloc(shape.mr * kc * 4, 64), pb = arena.alloc(nr * kc * 4, 64), c = arena.alloc(shape.mr * nr * 4, 64);
  arena.f32View(pa, shape.mr * kc).fill(0.001); arena.f32View(pb, nr * kc).fill(0.001);
  const calls = 20000;
  let best = 0;
  for (let rep = 0; rep < 8; rep++) {
    const t = performance.now();
    for (let i = 0; i < calls; i++) ex.micro(pa, pb, kc, c, nr * 4, 0, 0);
    const dt = performance.now() - t;
    best = Math.max(best, calls * 2 * shape.mr * nr * kc / dt / 1e6);
  }
  console.log(JSON.stringify(cfg), best.toFixed(1), "GFLOP/s");
}
