import assert from "node:assert/strict";
import fc from "fast-check";
import { Decimal } from "decimal.js";
import { softmaxLines } from "../../../../backends/cpu/kernels.ts";
import { ARENA_MEMORY, WasmArena } from "../../../../backends/cpu/wasm/memory.ts";
import { ModuleBuilder } from "../../../../backends/cpu/wasm/module_builder.ts";
import { Simd, ValType } from "../../../../backends/cpu/wasm/opcodes.ts";
import { FloatLanes, SimdValues, type Vec } from "../../../../backends/cpu/wasm/simd_values.ts";
import {
  emitExpNonPositive,
  emitLogPositive,
  EXPM1_OVER_R,
  LN2_HI,
  LN2_LO,
  softmaxRowsF32,
} from "../../../../backends/cpu/wasm/softmax.ts";
import { chebyshevFit } from "./fit_polynomials.ts";
import { random, SPECIAL_VALUES, ulpDistance } from "./_ulp.ts";

const arena = new WasmArena();

/** The JavaScript kernel's float32 results for `rows` rows of `length` elements. */
function javascript(data: Float32Array, rows: number, length: number, log: boolean): Float32Array {
  const out = new Float32Array(rows * length);
  const x = { array: data, base: 0, shape: [rows, length], strides: [length, 1] };
  softmaxLines(x, 1, out, 0, log, new Float64Array(length));
  return out;
}

/** The WebAssembly kernel's results (`inPlace`: the output overwrites the input). */
function wasm(data: Float32Array, rows: number, length: number, log: boolean, inPlace = false): Float32Array {
  const n = rows * length;
  const src = arena.alloc(n * 4 + 4), dst = inPlace ? src : arena.alloc(n * 4 + 4);
  arena.f32View(src, n).set(data);
  softmaxRowsF32(src, dst, rows, length, log, arena);
  const out = arena.f32View(dst, n).slice();
  arena.free(src);
  if (!inPlace) arena.free(dst);
  return out;
}

/**
 * Allowed distance from the JavaScript kernel: 2 float32 ulps, or for log-softmax an absolute (length + 2)·2^-52:
 * both kernels compute log s of a float64 sum rounded in a different order, which shows where the result
 * (x_j − m − log s) is itself near 0.
 */
function agrees(got: number, want: number, length: number, log: boolean): boolean {
  if (Number.isNaN(want) || !Number.isFinite(want)) return Object.is(got, want);
  if (ulpDistance(got, want) <= 2) return true;
  return log && Math.abs(got - want) <= (length + 2) * 2 ** -52;
}

function assertAgrees(data: Float32Array, rows: number, length: number, log: boolean, inPlace = false): void {
  const want = javascript(data, rows, length, log);
  const got = wasm(data, rows, length, log, inPlace);
  for (let i = 0; i < rows * length; i++) {
    if (!agrees(got[i], want[i], length, log)) {
      const r = Math.floor(i / length);
      assert.fail(
        `${log ? "logSoftmax" : "softmax"} row ${r} of ${rows}×${length}, element ${i % length}: got ${
          got[i]
        }, ` +
          `JavaScript ${want[i]} (${ulpDistance(got[i], want[i])} ulp); row ${
            Array.from(data.subarray(r * length, (r + 1) * length))
          }`,
      );
    }
  }
}

/** Values rows are drawn from: ordinary, spread out, special (±∞, NaN, ±0, subnormal, huge). */
const element = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -30, max: 30, noNaN: true }) },
  { weight: 2, arbitrary: fc.double({ min: -1000, max: 1000, noNaN: true }) },
  { weight: 1, arbitrary: fc.float({ noNaN: false }) },
  { weight: 1, arbitrary: fc.constantFrom(...SPECIAL_VALUES) },
).map(Math.fround);

Deno.test("softmaxRowsF32 agrees with the JavaScript kernel on random rows (fast-check)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 11 }),
      fc.integer({ min: 0, max: 40 }),
      fc.boolean(),
      fc.boolean(),
      fc.infiniteStream(element),
      (rows, length, log, inPlace, values) => {
        const data = new Float32Array(rows * length);
        const it = values[Symbol.iterator]();
        for (let i = 0; i < data.length; i++) data[i] = it.next().value;
        assertAgrees(data, rows, length, log, inPlace);
      },
    ),
    { numRuns: 1500 },
  );
});

Deno.test("softmaxRowsF32 agrees on every tail shape and row count (lengths 0–1000, 1–300 rows)", () => {
  const next = random(7);
  for (const length of [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 17, 33, 1000]) {
    for (const rows of [1, 2, 3, 4, 5, 7, 8, 9, 300]) {
      if (rows * length > 40000) continue;
      const data = new Float32Array(rows * length).map(() => (next() * 2 - 1) * 20);
      for (const log of [false, true]) assertAgrees(data, rows, length, log);
    }
  }
});

Deno.test("softmaxRowsF32 reproduces the JavaScript kernel's infinities and NaNs exactly", () => {
  const rows: number[][] = [
    [-Infinity, -Infinity, -Infinity],
    [NaN, NaN, NaN, NaN, NaN],
    [NaN, 1, 2],
    [1, 2, NaN, 3, 4, 5, 6, 7, 8],
    [Infinity, 1, 800, -Infinity, 2],
    [Infinity, Infinity, 0],
    [709, 710, Infinity, -3e38, 3e38],
    [3e38, -3e38, 0, 1],
    [-Infinity, 0, -Infinity],
    [0, -1e30, -800, -745.2, -708.1, -707.9],
    [-0, 0, -0],
    [1e-45, -1e-45, 0],
  ];
  for (const values of rows) {
    // alone, and as one row of a group of four whose other rows are ordinary
    const group = [values, values.map((_, i) => i), values.map((_, i) => -i), values.map(() => 1)];
    for (const [data, count] of [[values, 1], [group.flat(), 4]] as const) {
      for (const log of [false, true]) {
        const want = javascript(new Float32Array(data), count, values.length, log);
        const got = wasm(new Float32Array(data), count, values.length, log);
        for (let i = 0; i < want.length; i++) {
          if (!Number.isFinite(want[i]) || want[i] === 0) {
            assert.ok(Object.is(got[i], want[i]), `${log} [${data}] element ${i}: ${got[i]} vs ${want[i]}`);
          } else assert.ok(agrees(got[i], want[i], values.length, log), `${log} [${data}] element ${i}`);
        }
      }
    }
  }
});

Deno.test("softmaxRowsF32 with no rows or empty rows writes nothing", () => {
  const dst = arena.alloc(16);
  arena.f32View(dst, 4).fill(7);
  softmaxRowsF32(dst, dst, 0, 4, false, arena);
  softmaxRowsF32(dst, dst, 4, 0, true, arena);
  assert.deepEqual(Array.from(arena.f32View(dst, 4)), [7, 7, 7, 7]);
  arena.free(dst);
});

Deno.test("softmaxRowsF32 keeps its pointers valid when its scratch grows the memory", () => {
  const small = new WasmArena(65536);
  const length = 5000, before = small.capacity;
  const src = small.alloc(length * 4), dst = small.alloc(length * 4);
  const next = random(3);
  const data = new Float32Array(length).map(() => next() * 10);
  small.f32View(src, length).set(data);
  softmaxRowsF32(src, dst, 1, length, false, small);
  assert.ok(small.capacity > before, "the scratch should have grown the memory");
  const want = javascript(data, 1, length, false);
  const got = small.f32View(dst, length);
  for (let i = 0; i < length; i++) assert.ok(ulpDistance(got[i], want[i]) <= 2);
});

/** Runs `emit` over f64x2 lanes of a fresh module, element by element of `inputs`. */
function mapF64(emit: (f: FloatLanes, x: Vec) => Vec, inputs: Float64Array): Float64Array {
  const builder = new ModuleBuilder().importMemory("env", "memory", 0, ARENA_MEMORY);
  const fn = builder.addFunction("map", [ValType.i32], []);
  const v = new SimdValues(fn);
  const f = new FloatLanes(v, "f64");
  const x = v.each(() => fn.get(0).simdMem(Simd.v128_load, 0, 3));
  const y = emit(f, x);
  fn.get(0);
  v.push(y, 0);
  fn.simdMem(Simd.v128_store, 0, 3);
  const local = new WasmArena(65536);
  const run = new WebAssembly.Instance(builder.compile(), { env: { memory: local.memory } }).exports
    .map as (p: number) => void;
  const ptr = local.alloc(16);
  const out = new Float64Array(inputs.length);
  for (let i = 0; i < inputs.length; i += 2) {
    local.f64View(ptr, 2).set([inputs[i], inputs[i + 1] ?? 0]);
    run(ptr);
    out[i] = local.f64View(ptr, 2)[0];
    if (i + 1 < inputs.length) out[i + 1] = local.f64View(ptr, 2)[1];
  }
  return out;
}

Deno.test("emitExpNonPositive: within 1e-13 of Math.exp on [-708, 0], exactly 1 at 0, NaN for NaN", () => {
  const next = random(11);
  const inputs = [0, -0, NaN, -708, -1e-300, -Math.LN2 / 2, -Math.LN2, -1];
  for (let i = 0; i < 20000; i++) inputs.push(-next() * (i % 2 ? 708 : 2));
  const got = mapF64(emitExpNonPositive, new Float64Array(inputs));
  let worst = 0;
  inputs.forEach((d, i) => {
    if (Number.isNaN(d)) return assert.ok(Number.isNaN(got[i]));
    worst = Math.max(worst, Math.abs(got[i] / Math.exp(d) - 1));
  });
  assert.ok(worst < 1e-13, `relative error ${worst}`);
  assert.equal(got[0], 1);
  assert.equal(got[1], 1);
  const below = mapF64(emitExpNonPositive, new Float64Array([-708, -709, -800, -Infinity, -1e300]));
  for (const e of below) assert.equal(e, below[0], "arguments below -708 count as -708");
});

Deno.test("emitLogPositive: within 4e-16 (absolute, or relative above e) of Math.log, NaN for NaN", () => {
  const next = random(12);
  const inputs = [1, 2, Math.SQRT2, Math.SQRT1_2, 1 + 2 ** -52, 1 - 2 ** -53, 1e300, 2 ** -1022, 10, NaN];
  for (let i = 0; i < 20000; i++) inputs.push(i % 2 ? 1 + next() * 1e-6 : 2 ** (next() * 40 - 10));
  const got = mapF64(emitLogPositive, new Float64Array(inputs));
  let worst = 0;
  inputs.forEach((s, i) => {
    if (Number.isNaN(s)) return assert.ok(Number.isNaN(got[i]));
    const want = Math.log(s);
    worst = Math.max(worst, Math.abs(got[i] - want) / Math.max(1, Math.abs(want)));
  });
  assert.ok(worst < 4e-16, `error ${worst}`);
  assert.ok(Object.is(got[0], 0), "log 1 = +0");
  // near 1, where log s is the size of s − 1, the error is relative too
  const tiny = mapF64(emitLogPositive, new Float64Array([1 + 2 ** -40, 1 + 3 * 2 ** -50]));
  assert.ok(Math.abs(tiny[0] / Math.log1p(2 ** -40) - 1) < 1e-15);
  assert.ok(Math.abs(tiny[1] / Math.log1p(3 * 2 ** -50) - 1) < 1e-15);
});

Deno.test("EXPM1_OVER_R is the degree-8 Chebyshev fit of (e^r − 1)/r, and LN2_HI + LN2_LO is ln 2", () => {
  const h = (Math.LN2 / 2) * 1.0001;
  const g = (r: number) => (Math.abs(r) < 1e-5 ? 1 + r / 2 + r * r / 6 + r ** 3 / 24 : Math.expm1(r) / r);
  const fit = chebyshevFit(g, -h, h, 8);
  fit.forEach((c, i) =>
    assert.ok(Math.abs(c - EXPM1_OVER_R[i]) <= 1e-15 * Math.max(1, Math.abs(c)), `c${i}`)
  );
  // the fit itself: 1 + r·Q(r) against a 40-digit e^r
  Decimal.set({ precision: 100 });
  // the exact value of a float64 (a Decimal made from a number takes its shortest decimal form instead)
  const exact = (x: number) => new Decimal(x.toPrecision(100));
  let worst = 0;
  for (let i = 0; i <= 2000; i++) {
    const r = -h + (2 * h * i) / 2000;
    const q = EXPM1_OVER_R.reduceRight((acc, c) => acc * r + c, 0);
    const truth = exact(r).exp();
    worst = Math.max(worst, exact(1 + r * q).minus(truth).div(truth).abs().toNumber());
  }
  assert.ok(worst < 5e-14, `fit error ${worst}`);
  const ln2 = new Decimal(2).ln();
  // LN2_LO is the float64 nearest to ln 2 − LN2_HI: within half its ulp (2^-86)
  assert.ok(ln2.minus(exact(LN2_HI)).minus(exact(LN2_LO)).abs().lte(2 ** -86));
  assert.equal(LN2_HI * 2 ** 32 % 1, 0, "LN2_HI has at most 32 significant bits");
});
