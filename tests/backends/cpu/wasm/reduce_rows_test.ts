import assert from "node:assert/strict";
import fc from "fast-check";
import { WasmArena } from "../../../../backends/cpu/wasm/memory.ts";
import { sumRows } from "../../../../backends/cpu/wasm/reduce_rows.ts";

const arena = new WasmArena();
const special = [NaN, Infinity, -Infinity, -0, 1e30, -1e-30, 3e38];

for (const precision of ["f32", "f64"] as const) {
  Deno.test(`sumRows ${precision} equals a float64 sum in row order, bit for bit (property)`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom(1, 3, 7.5),
        fc.integer(),
        (rows, cols, divisor, seed) => {
          let state = seed >>> 0;
          const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
          const bytes = precision === "f32" ? 4 : 8;
          const src = arena.alloc(Math.max(1, rows * cols) * bytes),
            dst = arena.alloc(Math.max(1, cols) * bytes);
          const view = (ptr: number, n: number) =>
            precision === "f32" ? arena.f32View(ptr, n) : arena.f64View(ptr, n);
          const x = view(src, rows * cols);
          for (let i = 0; i < x.length; i++) {
            x[i] = next() < 0.05
              ? special[Math.floor(next() * special.length)]
              : (next() - 0.5) * 10 ** (next() * 8);
          }
          sumRows(precision, src, dst, rows, cols, divisor, arena);
          const got = Array.from(view(dst, cols));
          const round = precision === "f32" ? Math.fround : (v: number) => v;
          const expected = Array.from({ length: cols }, (_, j) => {
            let acc = 0;
            for (let i = 0; i < rows; i++) acc = acc + x[i * cols + j];
            return round(acc / divisor);
          });
          arena.free(src);
          arena.free(dst);
          assert.deepEqual(got, expected);
        },
      ),
      { numRuns: 300 },
    );
  });
}
