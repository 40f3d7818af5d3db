/**
 * Sums over the leading axes of a contiguous float32/float64 array in the arena (`out[j] = Σ_i x[i, j]`, or that
 * divided by a count for `mean`): the bias gradients of a batch. Vectorized across the kept columns, each
 * column accumulated in float64 from 0 in increasing row order, exactly as the reference does, so results are
 * bit-identical to it. Columns go 16 at a time (eight f64x2 accumulators hide the add latency), then 4 (float32)
 * or 2 (float64), then one.
 * @module
 */
import { type FunctionBuilder, ModuleBuilder } from "./module_builder.ts";
import { ARENA_MEMORY, sharedArena, type WasmArena } from "./memory.ts";
import { fixedExports, forArena } from "./module_cache.ts";
import { Op, Simd, ValType } from "./opcodes.ts";

const { i32, f64, v128 } = ValType;

interface ReduceRowsExports {
  /** `sumRowsF32(src, dst, rows, cols, divisor)`: byte offsets; dst[j] = f32((Σ_i src[i·cols + j]) / divisor). */
  sumRowsF32(src: number, dst: number, rows: number, cols: number, divisor: number): void;
  /** The same over float64. */
  sumRowsF64(src: number, dst: number, rows: number, cols: number, divisor: number): void;
}

/** `for (counter = start; counter + step <= limit; counter += step) body()` with `limit` a local. */
function stepLoop(fn: FunctionBuilder, counter: number, limit: number, step: number, body: () => void): void {
  fn.block().loop();
  fn.get(counter).i32Const(step).op(Op.i32_add).get(limit).op(Op.i32_gt_s).brIf(1);
  body();
  fn.get(counter).i32Const(step).op(Op.i32_add).set(counter).br(0);
  fn.end().end();
}

/** Lanes 2 and 3 of a float32 vector moved to lanes 0 and 1 (for the second f64x2 promotion). */
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];

function emitSumRows(builder: ModuleBuilder, precision: "f32" | "f64"): void {
  const bytes = precision === "f32" ? 4 : 8;
  const lanes = 16 / bytes;
  const fn = builder.addFunction(
    precision === "f32" ? "sumRowsF32" : "sumRowsF64",
    [i32, i32, i32, i32, f64],
    [],
  );
  const [src, dst, rows, cols, divisor] = [0, 1, 2, 3, 4];
  const j = fn.addLocal(i32), i = fn.addLocal(i32), at = fn.addLocal(i32), rowBytes = fn.addLocal(i32);
  const scalarSum = fn.addLocal(f64), div = fn.addLocal(v128), x = fn.addLocal(v128);
  fn.get(cols).i32Const(bytes).op(Op.i32_mul).set(rowBytes);
  fn.get(divisor).simd(Simd.f64x2_splat).set(div);
  fn.i32Const(0).set(j);

  /** Sums `width` columns (a multiple of `lanes`) from column j into f64x2 accumulators, then stores them. */
  const columns = (width: number) => {
    const vectors = width / lanes;
    const acc = Array.from({ length: precision === "f32" ? vectors * 2 : vectors }, () => fn.addLocal(v128));
    stepLoop(fn, j, cols, width, () => {
      acc.forEach((a) => fn.v128Const(new Array(16).fill(0)).set(a));
      fn.get(src).get(j).i32Const(bytes).op(Op.i32_mul).op(Op.i32_add).set(at);
      fn.i32Const(0).set(i);
      fn.block().loop();
      fn.get(i).get(rows).op(Op.i32_ge_s).brIf(1);
      for (let v = 0; v < vectors; v++) {
        fn.get(at).simdMem(Simd.v128_load, v * 16, 2).set(x);
        if (precision === "f32") {
          fn.get(acc[2 * v]).get(x).simd(Simd.f64x2_promote_low_f32x4).simd(Simd.f64x2_add).set(acc[2 * v]);
          fn.get(acc[2 * v + 1]).get(x).get(x).shuffle(HIGH_HALF).simd(Simd.f64x2_promote_low_f32x4)
            .simd(Simd.f64x2_add).set(acc[2 * v + 1]);
        } else {
          fn.get(acc[v]).get(x).simd(Simd.f64x2_add).set(acc[v]);
        }
      }
      fn.get(at).get(rowBytes).op(Op.i32_add).set(at);
      fn.get(i).i32Const(1).op(Op.i32_add).set(i);
      fn.br(0).end().end();
      const out = () => fn.get(dst).get(j).i32Const(bytes).op(Op.i32_mul).op(Op.i32_add);
      for (let v = 0; v < vectors; v++) {
        out();
        if (precision === "f32") {
          // two demoted halves joined: lanes 0,1 of each
          fn.get(acc[2 * v]).get(div).simd(Simd.f64x2_div).simd(Simd.f32x4_demote_f64x2_zero);
          fn.get(acc[2 * v + 1]).get(div).simd(Simd.f64x2_div).simd(Simd.f32x4_demote_f64x2_zero);
          fn.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]);
        } else {
          fn.get(acc[v]).get(div).simd(Simd.f64x2_div);
        }
        fn.simdMem(Simd.v128_store, v * 16, 2);
      }
    });
  };
  columns(16);
  columns(lanes);
  // the last columns one at a time
  fn.block().loop();
  fn.get(j).get(cols).op(Op.i32_ge_s).brIf(1);
  fn.f64Const(0).set(scalarSum);
  fn.get(src).get(j).i32Const(bytes).op(Op.i32_mul).op(Op.i32_add).set(at);
  fn.i32Const(0).set(i);
  fn.block().loop();
  fn.get(i).get(rows).op(Op.i32_ge_s).brIf(1);
  fn.get(scalarSum).get(at);
  if (precision === "f32") fn.mem(Op.f32_load, 0, 2).op(Op.f64_promote_f32);
  else fn.mem(Op.f64_load, 0, 3);
  fn.op(Op.f64_add).set(scalarSum);
  fn.get(at).get(rowBytes).op(Op.i32_add).set(at);
  fn.get(i).i32Const(1).op(Op.i32_add).set(i);
  fn.br(0).end().end();
  fn.get(dst).get(j).i32Const(bytes).op(Op.i32_mul).op(Op.i32_add);
  fn.get(scalarSum).get(divisor).op(Op.f64_div);
  if (precision === "f32") fn.op(Op.f32_demote_f64).mem(Op.f32_store, 0, 2);
  else fn.mem(Op.f64_store, 0, 3);
  fn.get(j).i32Const(1).op(Op.i32_add).set(j);
  fn.br(0).end().end();
}

/** The module's name for `fixedExports` (its bytes ship prebuilt). */
export const REDUCE_ROWS_MODULE = "reduce rows";

/** The module's bytes (both precisions). */
export function reduceRowsModuleBytes(): Uint8Array {
  const builder = new ModuleBuilder().importMemory("env", "memory", 0, ARENA_MEMORY);
  emitSumRows(builder, "f32");
  emitSumRows(builder, "f64");
  return builder.build();
}

function kernels(arena: WasmArena): ReduceRowsExports {
  return forArena(
    arena,
    REDUCE_ROWS_MODULE,
    () => fixedExports(arena, REDUCE_ROWS_MODULE, reduceRowsModuleBytes),
  );
}

/**
 * `dst[j] = (Σ_i src[i·cols + j]) / divisor` over `rows` rows of `cols` contiguous values (byte offsets in the
 * arena), accumulated in float64 in row order and rounded once to `precision`.
 *
 * @example
 * ```ts
 * import { sharedArena } from "./memory.ts";
 * import { sumRows } from "./reduce_rows.ts";
 * const arena = sharedArena();
 * const src = arena.alloc(6 * 4), dst = arena.alloc(3 * 4);
 * arena.f32View(src, 6).set([1, 2, 3, 4, 5, 6]);
 * sumRows("f32", src, dst, 2, 3, 1);
 * arena.f32View(dst, 3); // [5, 7, 9]
 * ```
 */
export function sumRows(
  precision: "f32" | "f64",
  src: number,
  dst: number,
  rows: number,
  cols: number,
  divisor: number,
  arena: WasmArena = sharedArena(),
): void {
  const k = kernels(arena);
  if (precision === "f32") k.sumRowsF32(src, dst, rows, cols, divisor);
  else k.sumRowsF64(src, dst, rows, cols, divisor);
}
