/**
 * Matrix products over arena buffers: C[m×n] (=|+=) op(A)·op(B) (+ bias row) (relu), row-major, float32
 * (f32x4) or float64 (f64x2), with `op` the identity or the transpose. Blocked as in GotoBLAS: B is packed in
 * `kc × nc` blocks, A in `mc × kc` blocks, and a register-blocked micro-kernel runs over the packed panels.
 * @module
 */
import { MAX_AXPY_ROWS } from "./gemv_codegen.ts";
import { MatmulFlags, matmulModuleBytes, matmulModuleName, type MatmulShape } from "./matmul_codegen.ts";
import { fixedExports, forArena } from "./module_cache.ts";
import { sharedArena, type WasmArena } from "./memory.ts";
import { supportsRelaxedSimd } from "./module_builder.ts";

/** How a product is laid out and what is done with the result. */
export interface MatmulOptions {
  /** A is stored transposed (k×m row-major): the product uses Aᵀ. */
  readonly transA?: boolean;
  /** B is stored transposed (n×k row-major): the product uses Bᵀ. */
  readonly transB?: boolean;
  /** Add the product to C instead of overwriting it. */
  readonly accumulate?: boolean;
  /** Offset of a row vector of `n` elements added to every row of the result. */
  readonly biasPtr?: number;
  /** Replace negative results by zero (after the bias). */
  readonly relu?: boolean;
  /** Multiply the product by this factor (BLAS's alpha; not with `accumulate`). */
  readonly scale?: number;
  /**
   * Offset of an m×n row-major matrix D added to the (scaled) product: C = scale·op(A)·op(B) + D (not with
   * `accumulate`; D may be C itself only when k ≤ the depth block, so keep them apart).
   */
  readonly addendPtr?: number;
  /** The arena holding the buffers (the shared one by default). */
  readonly arena?: WasmArena;
}

/** The register and cache blocking of one matmul variant (exposed for tuning benchmarks). */
export interface MatmulConfig extends MatmulShape {
  /** Rows of A packed at once (a multiple of `mr`). */
  readonly mc: number;
  /** Depth of one packed block. */
  readonly kc: number;
  /** Columns of B packed at once (a multiple of the micro-tile width). */
  readonly nc: number;
}

/** The blocking used by `matmulF32` and `matmulF64` (tuned on a 1-core AVX-512 EPYC, see the bench). */
export const DEFAULT_MATMUL_CONFIGS: Readonly<Record<"f32" | "f64", MatmulConfig>> = {
  // 5×8 tile: 10 accumulators + 2 B vectors + A vector + lane splat fit V8's 15 allocatable xmm registers.
  f32: { precision: "f32", mr: 5, nv: 2, unroll: 4, fma: true, aLoad: "shuffle", mc: 120, kc: 256, nc: 2048 },
  f64: { precision: "f64", mr: 5, nv: 2, unroll: 4, fma: true, aLoad: "shuffle", mc: 60, kc: 256, nc: 1024 },
};

interface MatmulExports {
  packA(
    dst: number,
    src: number,
    strideOuter: number,
    strideDepth: number,
    nOuter: number,
    depth: number,
  ): void;
  packB(
    dst: number,
    src: number,
    strideOuter: number,
    strideDepth: number,
    nOuter: number,
    depth: number,
  ): void;
  macro(
    aPack: number,
    bPack: number,
    c: number,
    ldc: number,
    mc: number,
    nc: number,
    kc: number,
    flags: number,
    bias: number,
    scratch: number,
    alpha: number,
    delta: number,
  ): void;
  merge(
    tile: number,
    c: number,
    ldc: number,
    rows: number,
    cols: number,
    flags: number,
    bias: number,
    alpha: number,
    delta: number,
    rowStep: number,
    colStep: number,
  ): void;
  microStrided(
    aPanel: number,
    b: number,
    k: number,
    c: number,
    ldc: number,
    flags: number,
    bias: number,
    alpha: number,
    delta: number,
    rows: number,
    ldb: number,
  ): void;
  gemvDot(out: number, mat: number, vec: number, rows: number, depth: number, ldm: number): void;
  [rowsAxpy: `rowsAxpy${number}`]: (
    out: number,
    mat: number,
    a: number,
    cols: number,
    depth: number,
    ldm: number,
    aRow: number,
    aDepth: number,
  ) => void;
  gemvAxpy(out: number, mat: number, vec: number, cols: number, depth: number, ldm: number): void;
}

/** Scratch buffers one variant keeps in one arena: packed blocks, an edge tile, a result to merge into C. */
interface Workspace {
  aPack: number;
  bPack: number;
  tile: number;
  /** Where a product computed as Cᵀ, or one row or column, lands before its epilogue (grown on demand). */
  result: number;
  resultBytes: number;
}

/** The cache key of each config object, serialized once (JSON.stringify per product call cost 0.5 µs). */
const configKeys = new WeakMap<MatmulConfig, string>();

function kernelsFor(
  config: MatmulConfig,
  arena: WasmArena,
): { exports: MatmulExports; workspace: Workspace } {
  let key = configKeys.get(config);
  if (key === undefined) configKeys.set(config, key = `matmul ${JSON.stringify(config)}`);
  return forArena(arena, key, () => {
    const shape = { ...config, fma: config.fma && supportsRelaxedSimd() };
    // the default shapes ship prebuilt (tools/prebuild_kernels.ts): no code generation on a first product
    const exports = fixedExports<MatmulExports>(
      arena,
      matmulModuleName(shape),
      () => matmulModuleBytes(shape),
    );
    const bytes = config.precision === "f32" ? 4 : 8;
    const nr = config.nv * (16 / bytes);
    const workspace = {
      aPack: arena.alloc((config.mc + config.mr) * config.kc * bytes + 64, 64),
      bPack: arena.alloc(config.kc * (config.nc + nr) * bytes, 64),
      tile: arena.alloc(config.mr * nr * bytes, 64),
      result: 0,
      resultBytes: 0,
    };
    return { exports, workspace };
  });
}

/**
 * Runs a matrix product with an explicit blocking `config` (`matmulF32`/`matmulF64` use the defaults).
 * Pointers are byte offsets into the arena; sizes are element counts.
 */
export function matmulWithConfig(
  config: MatmulConfig,
  aPtr: number,
  bPtr: number,
  cPtr: number,
  m: number,
  k: number,
  n: number,
  options: MatmulOptions = {},
): void {
  const arena = options.arena ?? sharedArena();
  if (m === 0 || n === 0) return;
  const bytes = config.precision === "f32" ? 4 : 8;
  const { exports, workspace } = kernelsFor(config, arena);
  const finalFlags = (options.biasPtr !== undefined ? MatmulFlags.bias : 0) |
    (options.relu ? MatmulFlags.relu : 0) | (options.scale !== undefined ? MatmulFlags.scale : 0) |
    (options.addendPtr !== undefined ? MatmulFlags.addend : 0);
  if (options.accumulate && (options.scale !== undefined || options.addendPtr !== undefined)) {
    throw new RangeError("matmul: `scale` and `addendPtr` do not combine with `accumulate`");
  }
  const bias = options.biasPtr ?? 0;
  const alpha = options.scale ?? 1;
  // the addend is found at the same place as C, `delta` bytes away (both m×n row-major)
  const delta = options.addendPtr === undefined ? 0 : options.addendPtr - cPtr;
  if (k === 0) {
    // An empty sum: C keeps its values (accumulate) or becomes zero, then the epilogue.
    if (!options.accumulate) arena.u8View(cPtr, m * n * bytes).fill(0);
    const flags = MatmulFlags.accumulate | finalFlags;
    if (finalFlags !== 0) {
      exports.macro(0, 0, cPtr, n * bytes, m, n, 0, flags, bias, workspace.tile, alpha, delta);
    }
    return;
  }
  const call: ProductCall = { config, exports, workspace, arena, aPtr, bPtr, cPtr, m, k, n, options };
  if (m === 1 || n === 1) {
    productWithVector(call, (options.accumulate ? MatmulFlags.accumulate : 0) | finalFlags);
    return;
  }
  if (streamsRows(config, m, n, options)) {
    productRowsStreaming(call, (options.accumulate ? MatmulFlags.accumulate : 0) | finalFlags);
    return;
  }
  if (fewRowsInPlace(config, m, k, n, options)) {
    productFewRows(call, (options.accumulate ? MatmulFlags.accumulate : 0) | finalFlags);
    return;
  }
  if (!options.accumulate && computeTransposed(config, m, k, n)) {
    productByTranspose(call, finalFlags);
    return;
  }
  // Byte strides of element (i, p) of op(A) and element (j, p) of op(B).
  const aStrideRow = options.transA ? bytes : k * bytes;
  const aStrideDepth = options.transA ? m * bytes : bytes;
  const bStrideCol = options.transB ? k * bytes : bytes;
  const bStrideDepth = options.transB ? bytes : n * bytes;
  const ldc = n * bytes;
  for (let j0 = 0; j0 < n; j0 += config.nc) {
    const nc = Math.min(config.nc, n - j0);
    for (let p0 = 0; p0 < k; p0 += config.kc) {
      const kc = Math.min(config.kc, k - p0);
      const first = p0 === 0, last = p0 + kc >= k;
      const flags = (first && !options.accumulate ? 0 : MatmulFlags.accumulate) | (last ? finalFlags : 0);
      exports.packB(
        workspace.bPack,
        bPtr + j0 * bStrideCol + p0 * bStrideDepth,
        bStrideCol,
        bStrideDepth,
        nc,
        kc,
      );
      for (let i0 = 0; i0 < m; i0 += config.mc) {
        const mc = Math.min(config.mc, m - i0);
        exports.packA(
          workspace.aPack,
          aPtr + i0 * aStrideRow + p0 * aStrideDepth,
          aStrideRow,
          aStrideDepth,
          mc,
          kc,
        );
        exports.macro(
          workspace.aPack,
          workspace.bPack,
          cPtr + i0 * ldc + j0 * bytes,
          ldc,
          mc,
          nc,
          kc,
          flags,
          bias + j0 * bytes,
          workspace.tile,
          alpha,
          delta,
        );
      }
    }
  }
}

/** One product as `matmulWithConfig` was asked for it, for the strategies below. */
interface ProductCall {
  readonly config: MatmulConfig;
  readonly exports: MatmulExports;
  readonly workspace: Workspace;
  readonly arena: WasmArena;
  readonly aPtr: number;
  readonly bPtr: number;
  readonly cPtr: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly options: MatmulOptions;
}

/** The workspace's result buffer, grown to hold `bytes`. */
function resultBuffer({ workspace, arena }: ProductCall, bytes: number): number {
  if (workspace.resultBytes < bytes) {
    if (workspace.result !== 0) arena.free(workspace.result);
    workspace.resultBytes = Math.max(bytes, 2 * workspace.resultBytes);
    workspace.result = arena.alloc(workspace.resultBytes, 64);
  }
  return workspace.result;
}

/**
 * Merges the m × n result whose element (i, j) is at `from + (i·rowStep + j·colStep)` elements into C with the
 * epilogue of `flags` (the kernel's own merge, so the rounding is the kernel's).
 */
function mergeResult(call: ProductCall, from: number, flags: number, rowStep: number, colStep: number): void {
  const { exports, cPtr, m, n, options } = call;
  const bytes = call.config.precision === "f32" ? 4 : 8;
  const delta = options.addendPtr === undefined ? 0 : options.addendPtr - cPtr;
  const [bias, alpha] = [options.biasPtr ?? 0, options.scale ?? 1];
  exports.merge(from, cPtr, n * bytes, m, n, flags, bias, alpha, delta, rowStep, colStep);
}

/**
 * A product with one row or one column as matrix-vector products (`gemv_codegen.ts`): one pass over the matrix
 * instead of packing it, then merged into C. The vector operand's elements are consecutive whichever way it is
 * stored.
 */
function productWithVector(call: ProductCall, flags: number): void {
  const { exports, aPtr, bPtr, m, k, n, options } = call;
  const bytes = call.config.precision === "f32" ? 4 : 8;
  const y = resultBuffer(call, Math.max(m, n) * bytes);
  if (n === 1) {
    // y[i] = Σ_p A(i, p)·b[p]: rows of A are contiguous, or (transposed) its columns are
    if (options.transA) exports.gemvAxpy(y, aPtr, bPtr, m, k, m * bytes);
    else exports.gemvDot(y, aPtr, bPtr, m, k, k * bytes);
    mergeResult(call, y, flags, 1, 0);
  } else {
    // y[j] = Σ_p a[p]·B(p, j)
    if (options.transB) exports.gemvDot(y, bPtr, aPtr, n, k, k * bytes);
    else exports.gemvAxpy(y, bPtr, aPtr, n, k, n * bytes);
    mergeResult(call, y, flags, 0, 1);
  }
}

/**
 * When B is read in place: up to this many row blocks (each reads all of B again, from cache), and rows of B at
 * most this many bytes apart. Measured on 784×256 to 2048×2048 matrices: with rows 2 KB or more apart, the
 * micro-kernel's walk down a column strip touches a new page every few steps and packing wins instead.
 */
const FEW_ROW_BLOCKS = 4;
const MAX_IN_PLACE_ROW_BYTES = 1024;

/**
 * True when a product has few row blocks and a row-major B at least one tile wide with short rows, and its
 * depth fits the packing buffers whole: then the micro-kernel reads B in place instead of packing it first
 * (packing costs a pass over B that only a few tiles per column strip would use).
 */
export function fewRowsInPlace(
  config: MatmulConfig,
  m: number,
  k: number,
  n: number,
  options: MatmulOptions,
): boolean {
  const bytes = config.precision === "f32" ? 4 : 8;
  const nr = config.nv * (16 / bytes);
  return m <= FEW_ROW_BLOCKS * config.mr && !options.transB && n >= nr &&
    n * bytes <= MAX_IN_PLACE_ROW_BYTES &&
    config.mr * k <= (config.mc + config.mr) * config.kc && k * nr <= config.kc * (config.nc + nr);
}

/** True when a product of 2–4 rows with a wide row-major B streams B row by row (`productRowsStreaming`). */
export function streamsRows(config: MatmulConfig, m: number, n: number, options: MatmulOptions): boolean {
  const bytes = config.precision === "f32" ? 4 : 8;
  return m >= 2 && m <= MAX_AXPY_ROWS && !options.transB && n * bytes > MAX_IN_PLACE_ROW_BYTES;
}

/**
 * A product of 2–4 rows with a wide row-major B (`rowsAxpy`): B streams row by row, read once, while blocks of
 * the result rows stay in L1; then merged into C. Packing B for so few rows, or reading it in column strips,
 * costs about twice as much (4×1024·1024×1024: 716 µs packed).
 */
function productRowsStreaming(call: ProductCall, flags: number): void {
  const { config, exports, aPtr, bPtr, m, k, n, options } = call;
  const bytes = config.precision === "f32" ? 4 : 8;
  const y = resultBuffer(call, m * n * bytes);
  const aRow = options.transA ? bytes : k * bytes, aDepth = options.transA ? m * bytes : bytes;
  exports[`rowsAxpy${m}`](y, bPtr, aPtr, n, k, n * bytes, aRow, aDepth);
  mergeResult(call, y, flags, n, 1);
}

/**
 * A product of a few row blocks: per block, A packed as one panel (all of its depth) and whole-width column
 * tiles with B read in place (`microStrided`); the leftover columns are packed once and run by the macro kernel.
 */
function productFewRows(call: ProductCall, flags: number): void {
  const { config, exports, workspace, aPtr, bPtr, cPtr, m, k, n, options } = call;
  const bytes = config.precision === "f32" ? 4 : 8;
  const nr = config.nv * (16 / bytes);
  const bias = options.biasPtr ?? 0, alpha = options.scale ?? 1;
  const delta = options.addendPtr === undefined ? 0 : options.addendPtr - cPtr;
  const ldc = n * bytes;
  const whole = n - (n % nr);
  const aRow = options.transA ? bytes : k * bytes, aDepth = options.transA ? m * bytes : bytes;
  if (whole < n) exports.packB(workspace.bPack, bPtr + whole * bytes, bytes, ldc, n - whole, k);
  for (let i0 = 0; i0 < m; i0 += config.mr) {
    const rows = Math.min(config.mr, m - i0), c = cPtr + i0 * ldc;
    exports.packA(workspace.aPack, aPtr + i0 * aRow, aRow, aDepth, rows, k);
    for (let j = 0; j < whole; j += nr) {
      const at = j * bytes;
      exports.microStrided(
        workspace.aPack,
        bPtr + at,
        k,
        c + at,
        ldc,
        flags,
        bias + at,
        alpha,
        delta,
        rows,
        ldc,
      );
    }
    if (whole < n) {
      const at = whole * bytes;
      exports.macro(
        workspace.aPack,
        workspace.bPack,
        c + at,
        ldc,
        rows,
        n - whole,
        k,
        flags,
        bias + at,
        workspace.tile,
        alpha,
        delta,
      );
    }
  }
}

/** The share of the work of `mr × nr` tiles over an m × n result that computes real entries. */
function tileEfficiency(config: MatmulConfig, m: number, n: number): number {
  const nr = config.nv * (config.precision === "f32" ? 4 : 2);
  return (m / (Math.ceil(m / config.mr) * config.mr)) * (n / (Math.ceil(n / nr) * nr));
}

/** Largest result (elements) computed as Cᵀ: it passes through a workspace buffer of that size. */
const MAX_TRANSPOSED_RESULT = 1 << 16;

/**
 * True when `matmulWithConfig` computes this product as Cᵀ = op(B)ᵀ·op(A)ᵀ: when that wastes clearly less of
 * the tiles than C = op(A)·op(B) — a narrow result such as a 128×10 layer output fills 8-wide tiles to 62%, its
 * 10×128 transpose fills 5-row tiles exactly — and the saved multiply-adds (2k per entry and wasted share)
 * outweigh the transposing merge (scalar, worth ~100 of them per entry).
 */
export function computeTransposed(config: MatmulConfig, m: number, k: number, n: number): boolean {
  if (m * n > MAX_TRANSPOSED_RESULT) return false;
  const direct = tileEfficiency(config, m, n), transposed = tileEfficiency(config, n, m);
  return transposed > 1.25 * direct && 2 * k * (1 / direct - 1 / transposed) >= 100;
}

/**
 * C = op(A)·op(B) computed as Cᵀ = op(B)ᵀ·op(A)ᵀ into the workspace (a row-major operand read as transposed is
 * the transpose, so this only swaps the operands and flips both flags), then merged into C transposed.
 */
function productByTranspose(call: ProductCall, flags: number): void {
  const { config, arena, aPtr, bPtr, m, k, n, options } = call;
  const t = resultBuffer(call, m * n * (config.precision === "f32" ? 4 : 8));
  matmulWithConfig(config, bPtr, aPtr, t, n, k, m, {
    transA: !options.transB,
    transB: !options.transA,
    arena,
  });
  mergeResult(call, t, flags, 1, m);
}

/**
 * float32 matrix product over arena buffers: C[m×n] (=|+=) op(A)·op(B), then an optional bias row and relu.
 * A is m×k (k×m with `transA`), B is k×n (n×k with `transB`), all row-major.
 *
 * @example
 * ```ts
 * import { sharedArena } from "./memory.ts";
 * import { matmulF32 } from "./matmul.ts";
 * const arena = sharedArena();
 * const a = arena.alloc(4 * 4), b = arena.alloc(4 * 4), c = arena.alloc(4 * 4);
 * arena.f32View(a, 4).set([1, 2, 3, 4]);
 * arena.f32View(b, 4).set([1, 0, 0, 1]);
 * matmulF32(a, b, c, 2, 2, 2);
 * arena.f32View(c, 4); // [1, 2, 3, 4]
 * ```
 */
export function matmulF32(
  aPtr: number,
  bPtr: number,
  cPtr: number,
  m: number,
  k: number,
  n: number,
  options: MatmulOptions = {},
): void {
  matmulWithConfig(DEFAULT_MATMUL_CONFIGS.f32, aPtr, bPtr, cPtr, m, k, n, options);
}

/** float64 matrix product over arena buffers; same layout and options as `matmulF32`. */
export function matmulF64(
  aPtr: number,
  bPtr: number,
  cPtr: number,
  m: number,
  k: number,
  n: number,
  options: MatmulOptions = {},
): void {
  matmulWithConfig(DEFAULT_MATMUL_CONFIGS.f64, aPtr, bPtr, cPtr, m, k, n, options);
}
