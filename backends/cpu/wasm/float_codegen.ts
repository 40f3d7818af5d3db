/**
 * What the float32 and float64 kernels' code generators share: the opcodes that differ by precision (element
 * size, SIMD lanes, vector and scalar arithmetic) and counted loops.
 * @module
 */
import type { FunctionBuilder } from "./module_builder.ts";
import { Op, Simd, ValType } from "./opcodes.ts";

/** Element size, lanes and the opcodes that differ between float32 and float64. */
export function precisionOps(precision: "f32" | "f64") {
  return precision === "f32"
    ? {
      bytes: 4,
      lanes: 4,
      splat: Simd.v128_load32_splat,
      add: Simd.f32x4_add,
      mul: Simd.f32x4_mul,
      max: Simd.f32x4_max,
      madd: Simd.f32x4_relaxed_madd,
      load: Op.f32_load,
      store: Op.f32_store,
      scalarAdd: Op.f32_add,
      scalarMax: Op.f32_max,
      scalarMul: Op.f32_mul,
      splatScalar: Simd.f32x4_splat,
      extractLane: Simd.f32x4_extract_lane,
      scalar: ValType.f32,
      alignLog2: 2,
    }
    : {
      bytes: 8,
      lanes: 2,
      splat: Simd.v128_load64_splat,
      add: Simd.f64x2_add,
      mul: Simd.f64x2_mul,
      max: Simd.f64x2_max,
      madd: Simd.f64x2_relaxed_madd,
      load: Op.f64_load,
      store: Op.f64_store,
      scalarAdd: Op.f64_add,
      scalarMax: Op.f64_max,
      scalarMul: Op.f64_mul,
      splatScalar: Simd.f64x2_splat,
      extractLane: Simd.f64x2_extract_lane,
      scalar: ValType.f64,
      alignLog2: 3,
    };
}

/** `for (counter = 0; counter < limit; counter += step) body()`, with `limit` a local. */
export function forLoop(
  fn: FunctionBuilder,
  counter: number,
  limit: number,
  step: number,
  body: () => void,
): void {
  fn.i32Const(0).set(counter);
  steppedLoop(fn, counter, step, () => fn.get(counter).get(limit).op(Op.i32_ge_s), body);
}

/** `while (counter + step <= limit) { body(); counter += step; }` (whole steps only; `counter` as it is). */
export function whileFits(
  fn: FunctionBuilder,
  counter: number,
  limit: number,
  step: number,
  body: () => void,
): void {
  steppedLoop(
    fn,
    counter,
    step,
    () => fn.get(counter).i32Const(step).op(Op.i32_add).get(limit).op(Op.i32_gt_s),
    body,
  );
}

/** The loop both forms share: leave when `pushDone()` leaves true on the stack, else `body()` and step on. */
function steppedLoop(
  fn: FunctionBuilder,
  counter: number,
  step: number,
  pushDone: () => void,
  body: () => void,
) {
  fn.block().loop();
  pushDone();
  fn.brIf(1);
  body();
  fn.get(counter).i32Const(step).op(Op.i32_add).set(counter).br(0);
  fn.end().end();
}
