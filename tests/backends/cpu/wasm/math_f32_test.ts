import assert from "node:assert/strict";
import { compileElementwise } from "../../../../backends/cpu/wasm/elementwise.ts";
import { WasmArena } from "../../../../backends/cpu/wasm/memory.ts";
import * as scalar from "../../../../backends/cpu/wasm/scalar_math.ts";
import { ERF_SMALL, ERFC_SCALED, EXPM1_TAIL, LOG1P_TAIL } from "../../../../backends/cpu/wasm/math_f32.ts";
import { fitCoefficients } from "./fit_polynomials.ts";
import { float32Sweep, random, SPECIAL_VALUES, ulpDistance } from "./_ulp.ts";

const arena = new WasmArena();

/** Each float32 op, its float64 definition, and the ulps it is allowed from `Math.fround(definition)`. */
const UNARY: Record<string, { f: (x: number) => number; ulps: number }> = {
  exp: { f: Math.exp, ulps: 1 },
  log: { f: Math.log, ulps: 1 },
  log1p: { f: Math.log1p, ulps: 2 },
  expm1: { f: Math.expm1, ulps: 2 },
  tanh: { f: Math.tanh, ulps: 2 },
  sigmoid: { f: scalar.sigmoid, ulps: 2 },
  softplus: { f: scalar.softplus, ulps: 2 },
  erf: { f: scalar.erf, ulps: 1 },
  sin: { f: Math.sin, ulps: 1 },
  cos: { f: Math.cos, ulps: 1 },
  tan: { f: Math.tan, ulps: 1 },
  sinh: { f: Math.sinh, ulps: 2 },
  cosh: { f: Math.cosh, ulps: 2 },
  asinh: { f: Math.asinh, ulps: 2 },
  acosh: { f: Math.acosh, ulps: 2 },
  atanh: { f: Math.atanh, ulps: 2 },
  log1mexp: { f: scalar.log1mexp, ulps: 2 },
  asin: { f: Math.asin, ulps: 0 },
  acos: { f: Math.acos, ulps: 0 },
  atan: { f: Math.atan, ulps: 0 },
};

const BINARY: Record<string, { f: (a: number, b: number) => number; ulps: number }> = {
  pow: { f: Math.pow, ulps: 0 },
  hypot: { f: Math.hypot, ulps: 0 },
  logaddexp: { f: scalar.logaddexp, ulps: 0 },
};

/** Runs `op` over float32 inputs and returns the outputs. */
function runOp(name: string, inputs: Float32Array[], fma: boolean): Float32Array {
  const n = inputs[0].length;
  const kernel = compileElementwise(
    {
      inputDtypes: inputs.map(() => "float32"),
      outDtype: "float32",
      expr: { kind: "op", op: name as "exp", args: inputs.map((_, index) => ({ kind: "input", index })) },
    },
    arena,
    { unroll: 4, fma },
  );
  const pointers = inputs.map((data) => arena.allocCopy(data));
  const out = arena.alloc(n * 4);
  kernel.run(out, pointers, [n], inputs.map(() => [1]));
  const result = arena.f32View(out, n).slice();
  [...pointers, out].forEach((ptr) => arena.free(ptr));
  return result;
}

function checkUlps(name: string, inputs: Float32Array[], f: (...x: number[]) => number, ulps: number) {
  for (const fma of [true, false]) {
    const out = runOp(name, inputs, fma);
    for (let i = 0; i < out.length; i++) {
      const args = inputs.map((xs) => xs[i]);
      const expected = Math.fround(f(...args));
      const distance = ulpDistance(out[i], expected);
      if (distance > ulps) {
        assert.fail(
          `${name}(${args}) = ${out[i]}, expected ${expected}: ${distance} ulps > ${ulps} (fma ${fma})`,
        );
      }
      // ±0 must come out with the sign the definition gives.
      if (expected === 0) {
        assert.ok(Object.is(out[i], expected), `${name}(${args}) = ${out[i]}, expected ${expected}`);
      }
    }
  }
}

const sweep = float32Sweep({ seed: 3, perBinade: 40, dense: 40000 });

for (const [name, { f, ulps }] of Object.entries(UNARY)) {
  Deno.test(`float32 ${name} is within ${ulps} ulp of Math.fround(float64 ${name}) over the sweep`, () => {
    checkUlps(name, [sweep], f, ulps);
  });
}

for (const [name, { f, ulps }] of Object.entries(BINARY)) {
  Deno.test(`float32 ${name} is within ${ulps} ulp of Math.fround(float64 ${name}) on pairs`, () => {
    const next = random(11);
    const n = 30000, a = new Float32Array(n), b = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = sweep[Math.floor(next() * sweep.length)];
      b[i] = sweep[Math.floor(next() * sweep.length)];
    }
    // Every pair of special values too.
    let k = 0;
    for (const x of SPECIAL_VALUES.slice(0, 12)) {
      for (const y of SPECIAL_VALUES.slice(0, 12)) [a[k], b[k++]] = [x, y];
    }
    checkUlps(name, [a, b], f, ulps);
  });
}

Deno.test("float32 transcendentals give the limits of Math on extreme inputs", () => {
  const xs = new Float32Array([1000, -1000, Infinity, -Infinity, NaN, 0, -0, 1e-45]);
  const expect = (name: string, values: number[]) =>
    assert.deepEqual(Array.from(runOp(name, [xs], true)), values.map(Math.fround), name);
  expect("exp", [Infinity, 0, Infinity, 0, NaN, 1, 1, 1]);
  expect("log", [Math.log(1000), NaN, Infinity, NaN, NaN, -Infinity, -Infinity, Math.log(2 ** -149)]);
  expect("softplus", [1000, 0, Infinity, 0, NaN, Math.LN2, Math.LN2, Math.LN2]);
  expect("sigmoid", [1, 0, 1, 0, NaN, 0.5, 0.5, 0.5]);
  expect("tanh", [1, -1, 1, -1, NaN, 0, -0, 1e-45]);
});

Deno.test("the fitted coefficient tables are the Chebyshev fits of fit_polynomials.ts", () => {
  const tables = {
    expm1Tail: EXPM1_TAIL,
    log1pTail: LOG1P_TAIL,
    erfSmall: ERF_SMALL,
    erfcScaled: ERFC_SCALED,
  };
  for (const [name, table] of Object.entries(tables)) {
    assert.deepEqual(table.map(Math.fround), fitCoefficients(name), name);
  }
});
