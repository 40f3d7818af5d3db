import assert from "node:assert/strict";
import fc from "fast-check";
import {
  computeTransposed,
  DEFAULT_MATMUL_CONFIGS,
  fewRowsInPlace,
  type MatmulConfig,
  matmulF32,
  matmulF64,
  type MatmulOptions,
  matmulWithConfig,
  streamsRows,
} from "../../../../backends/cpu/wasm/matmul.ts";
import { WasmArena } from "../../../../backends/cpu/wasm/memory.ts";
import { random } from "./_ulp.ts";

const arena = new WasmArena();

interface Case {
  m: number;
  k: number;
  n: number;
  precision: "f32" | "f64";
  options?: Omit<MatmulOptions, "arena" | "biasPtr" | "addendPtr"> & { bias?: boolean; addend?: boolean };
  config?: MatmulConfig;
}

/** Runs one product and compares every element with a float64 triple loop (error bound ∝ Σ|a·b|). */
function check({ m, k, n, precision, options = {}, config }: Case, seed = 1): void {
  const next = random(seed);
  const bytes = precision === "f32" ? 4 : 8;
  const view = (ptr: number, len: number) =>
    precision === "f32" ? arena.f32View(ptr, len) : arena.f64View(ptr, len);
  const fill = (len: number) => {
    const ptr = arena.alloc(Math.max(1, len) * bytes);
    const data = view(ptr, len);
    for (let i = 0; i < len; i++) data[i] = next() * 2 - 1;
    return ptr;
  };
  const a = fill(m * k), b = fill(k * n), c = fill(m * n), bias = options.bias ? fill(n) : undefined;
  const addend = options.addend ? fill(m * n) : undefined;
  const before = Array.from(view(c, m * n));
  const run = { ...options, biasPtr: bias, addendPtr: addend, arena };
  if (config) matmulWithConfig(config, a, b, c, m, k, n, run);
  else (precision === "f32" ? matmulF32 : matmulF64)(a, b, c, m, k, n, run);

  const av = view(a, m * k), bv = view(b, k * n), cv = view(c, m * n);
  const biasView = bias === undefined ? undefined : view(bias, n);
  const addendView = addend === undefined ? undefined : view(addend, m * n);
  const epsilon = precision === "f32" ? 2 ** -22 : 2 ** -50;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = options.accumulate ? before[i * n + j] : 0, magnitude = Math.abs(sum);
      for (let p = 0; p < k; p++) {
        const x = options.transA ? av[p * m + i] : av[i * k + p];
        const y = options.transB ? bv[j * k + p] : bv[p * n + j];
        sum += x * y;
        magnitude += Math.abs(x * y);
      }
      if (options.scale !== undefined) sum *= options.scale, magnitude *= Math.abs(options.scale);
      if (addendView) sum += addendView[i * n + j], magnitude += Math.abs(addendView[i * n + j]);
      if (biasView) sum += biasView[j], magnitude += Math.abs(biasView[j]);
      if (options.relu) sum = Math.max(sum, 0);
      const got = cv[i * n + j];
      const tolerance = (k + 2) * epsilon * magnitude;
      if (!(Math.abs(got - sum) <= tolerance)) {
        assert.fail(
          `C[${i},${j}] of ${m}×${k}·${k}×${n} ${JSON.stringify(options)}: got ${got}, expected ${sum}`,
        );
      }
    }
  }
  [a, b, c, ...(bias === undefined ? [] : [bias]), ...(addend === undefined ? [] : [addend])].forEach((ptr) =>
    arena.free(ptr)
  );
}

const SHAPES: [number, number, number][] = [[67, 129, 33], [1, 1, 1], [5, 1, 7], [13, 300, 17], [
  130,
  520,
  70,
]];

for (const precision of ["f32", "f64"] as const) {
  Deno.test(`matmul ${precision} matches a float64 triple loop on odd shapes and every transpose`, () => {
    for (const [m, k, n] of SHAPES) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) check({ m, k, n, precision, options: { transA, transB } });
      }
    }
  });

  Deno.test(`matmul ${precision} accumulates into C and applies the bias row and relu`, () => {
    for (const [m, k, n] of SHAPES) {
      check({ m, k, n, precision, options: { accumulate: true } }, 2);
      check({ m, k, n, precision, options: { bias: true, relu: true } }, 3);
      check({ m, k, n, precision, options: { accumulate: true, bias: true, relu: true, transA: true } }, 4);
    }
  });

  Deno.test(`matmul ${precision} computes scale·A·B + D (BLAS alpha, an addend matrix) with the epilogues`, () => {
    for (const [m, k, n] of SHAPES) {
      check({ m, k, n, precision, options: { scale: -0.1, addend: true } }, 5);
      check(
        { m, k, n, precision, options: { scale: 3, addend: true, bias: true, relu: true, transA: true } },
        6,
      );
      check({ m, k, n, precision, options: { scale: 0.5, transB: true } }, 7);
    }
    check({ m: 3, k: 0, n: 9, precision, options: { scale: 2, addend: true } });
    // several depth blocks: the partial sums stay unscaled until the last block
    const config = { ...DEFAULT_MATMUL_CONFIGS[precision], kc: 7 };
    check({ m: 13, k: 30, n: 17, precision, options: { scale: -2, addend: true }, config }, 8);
    assert.throws(
      () => check({ m: 2, k: 2, n: 2, precision, options: { scale: 2, accumulate: true } }),
      /accumulate/,
    );
  });

  Deno.test(`matmul ${precision} computes narrow results as Cᵀ with every epilogue and transpose`, () => {
    const config = DEFAULT_MATMUL_CONFIGS[precision];
    const narrow: [number, number, number][] = [[128, 256, 10], [256, 128, 10], [130, 256, 5], [255, 128, 5]];
    for (const [m, k, n] of narrow) {
      if (precision === "f32" || n === 5) assert.ok(computeTransposed(config, m, k, n), `${m}×${k}×${n}`);
      assert.equal(computeTransposed(config, n, k, m), false);
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          check({ m, k, n, precision, options: { transA, transB, bias: true, relu: true } }, 9);
          check({ m, k, n, precision, options: { transA, transB, scale: -0.1, addend: true } }, 10);
        }
      }
      check({ m, k, n, precision, options: { accumulate: true, bias: true } }, 11);
    }
    // a short depth gains too little to pay for the transposing epilogue
    assert.equal(computeTransposed(config, 128, 4, 10), false);
  });

  Deno.test(`matmul ${precision} with one row or one column (matrix-vector) and every epilogue`, () => {
    const shapes: [number, number, number][] = [[1, 300, 77], [77, 300, 1], [1, 7, 1], [1, 1, 9], [9, 1, 1], [
      1,
      1029,
      5,
    ], [33, 4, 1]];
    for (const [m, k, n] of shapes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          check({ m, k, n, precision, options: { transA, transB } }, 12);
          check({ m, k, n, precision, options: { transA, transB, bias: true, relu: true } }, 13);
          check({ m, k, n, precision, options: { transA, transB, scale: -0.5, addend: true } }, 14);
          check({ m, k, n, precision, options: { transA, transB, accumulate: true, bias: true } }, 15);
        }
      }
    }
  });

  Deno.test(`matmul ${precision} with a few row blocks reads B in place, with every epilogue`, () => {
    const shapes: [number, number, number][] = [
      [2, 300, 128],
      [5, 7, 17],
      [3, 1, 8],
      [4, 129, 33],
      [5, 300, 9],
      [13, 50, 37],
      [20, 64, 16],
    ];
    const config = DEFAULT_MATMUL_CONFIGS[precision];
    for (const [m, k, n] of shapes) {
      assert.ok(fewRowsInPlace(config, m, k, n, {}), `${m}×${k}×${n} reads B in place`);
      assert.equal(fewRowsInPlace(config, m, k, n, { transB: true }), false);
    }
    for (const [m, k, n] of shapes) {
      for (const transA of [false, true]) {
        check({ m, k, n, precision, options: { transA } }, 16);
        check({ m, k, n, precision, options: { transA, bias: true, relu: true } }, 17);
        check({ m, k, n, precision, options: { transA, scale: 2, addend: true } }, 18);
        check({ m, k, n, precision, options: { transA, accumulate: true, bias: true } }, 19);
      }
    }
  });

  Deno.test(`matmul ${precision} with 2–4 rows and a wide B streams B by rows, with every epilogue`, () => {
    const shapes: [number, number, number][] = [[2, 37, 300], [3, 5, 1031], [4, 300, 260], [4, 1, 2049]];
    const config = DEFAULT_MATMUL_CONFIGS[precision];
    for (const [m, k, n] of shapes) {
      assert.ok(streamsRows(config, m, n, {}), `${m}×${k}×${n} streams B`);
      assert.equal(streamsRows(config, m, n, { transB: true }), false);
      for (const transA of [false, true]) {
        check({ m, k, n, precision, options: { transA } }, 20);
        check({ m, k, n, precision, options: { transA, bias: true, relu: true } }, 21);
        check({ m, k, n, precision, options: { transA, scale: -3, addend: true } }, 22);
        check({ m, k, n, precision, options: { transA, accumulate: true, bias: true } }, 23);
      }
    }
  });

  Deno.test(`matmul ${precision} with k = 0 leaves C (accumulate) or zeroes it, then the epilogue`, () => {
    check({ m: 3, k: 0, n: 9, precision });
    check({ m: 3, k: 0, n: 9, precision, options: { accumulate: true, bias: true, relu: true } });
    check({ m: 0, k: 4, n: 5, precision });
  });

  Deno.test(`matmul ${precision} blocking is exact on random shapes with tiny cache blocks (property)`, () => {
    const base = DEFAULT_MATMUL_CONFIGS[precision];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.record({
          transA: fc.boolean(),
          transB: fc.boolean(),
          accumulate: fc.boolean(),
          bias: fc.boolean(),
          addend: fc.boolean(),
        }),
        fc.boolean(),
        (m, k, n, options, fma) => {
          const config = {
            ...base,
            fma,
            mc: base.mr * 2,
            kc: 7,
            nc: base.nv * (precision === "f32" ? 8 : 4),
          };
          // scale and addend only without accumulate
          const opts = options.accumulate
            ? { ...options, addend: false }
            : { ...options, scale: options.addend ? -0.5 : undefined };
          check({ m, k, n, precision, options: opts, config }, m * 1000 + k * 10 + n);
        },
      ),
      { numRuns: 40 },
    );
  });
}

Deno.test("matmul f32 also runs with broadcast loads and without fused multiply-adds", () => {
  const config: MatmulConfig = { ...DEFAULT_MATMUL_CONFIGS.f32, aLoad: "splat", fma: false, mr: 6 };
  check({ m: 37, k: 45, n: 29, precision: "f32", config, options: { transB: true, accumulate: true } });
});
