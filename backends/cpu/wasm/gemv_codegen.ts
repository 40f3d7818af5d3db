/**
 * Matrix-vector products, for products with one row or one column (`m = 1` or `n = 1`: a prediction for one
 * sample, `dot(matrix, vector)`, a layer with one output). The blocked kernel would pack the whole matrix for a
 * single row or column of work, reading it three times; these read every matrix element once.
 *
 * - `gemvDot(out, mat, vec, rows, depth, ldm)`: out[r] = Σ_p mat[r·ldm + p]·vec[p], where the matrix's rows
 *   are contiguous (four vector accumulators per row, then the leftover elements).
 * - `gemvAxpy(out, mat, vec, cols, depth, ldm)`: out[j] = Σ_p vec[p]·mat[p·ldm + j], where the matrix's columns
 *   run along its rows: row by row, `out += vec[p] · row p`.
 *
 * Pointers and `ldm` are bytes, sizes elements. The driver (`matmul.ts`) merges `out` into C with the epilogue.
 * @module
 */
import { forLoop, precisionOps, whileFits } from "./float_codegen.ts";
import type { MatmulShape } from "./matmul_codegen.ts";
import type { FunctionBuilder, ModuleBuilder } from "./module_builder.ts";
import { Op, Simd, ValType } from "./opcodes.ts";

const { i32, v128 } = ValType;

type Ops = ReturnType<typeof precisionOps>;

/** Pushes `base + index · bytes`. */
function address(fn: FunctionBuilder, base: number, index: number, ops: Ops): FunctionBuilder {
  return fn.get(base).get(index).i32Const(ops.bytes).op(Op.i32_mul).op(Op.i32_add);
}

function zeroVector(fn: FunctionBuilder, ops: Ops): FunctionBuilder {
  return (ops.bytes === 4 ? fn.f32Const(0) : fn.f64Const(0)).simd(ops.splatScalar);
}

function emitDot(builder: ModuleBuilder, ops: Ops): void {
  const fn = builder.addFunction("gemvDot", [i32, i32, i32, i32, i32, i32], []);
  const [out, mat, vec, rows, depth, ldm] = [0, 1, 2, 3, 4, 5];
  const r = fn.addLocal(i32), p = fn.addLocal(i32), row = fn.addLocal(i32), at = fn.addLocal(i32);
  const from = fn.addLocal(i32);
  const acc = [0, 1, 2, 3].map(() => fn.addLocal(v128));
  const sum = fn.addLocal(ops.scalar);
  const step = 4 * ops.lanes;
  forLoop(fn, r, rows, 1, () => {
    fn.get(mat).get(r).get(ldm).op(Op.i32_mul).op(Op.i32_add).set(row);
    for (const a of acc) zeroVector(fn, ops).set(a);
    fn.i32Const(0).set(p);
    const multiplyAdd = (a: number, offset: number) => {
      fn.get(a).get(at).simdMem(Simd.v128_load, offset, ops.alignLog2).get(from)
        .simdMem(Simd.v128_load, offset, ops.alignLog2).simd(ops.mul).simd(ops.add).set(a);
    };
    const pointers = () => {
      address(fn, row, p, ops).set(at);
      address(fn, vec, p, ops).set(from);
    };
    whileFits(fn, p, depth, step, () => {
      pointers();
      acc.forEach((a, i) => multiplyAdd(a, i * 16));
    });
    whileFits(fn, p, depth, ops.lanes, () => {
      pointers();
      multiplyAdd(acc[0], 0);
    });
    fn.get(acc[0]).get(acc[1]).simd(ops.add).get(acc[2]).get(acc[3]).simd(ops.add).simd(ops.add).set(acc[0]);
    fn.get(acc[0]).simdLane(ops.extractLane, 0);
    for (let lane = 1; lane < ops.lanes; lane++) {
      fn.get(acc[0]).simdLane(ops.extractLane, lane).op(ops.scalarAdd);
    }
    fn.set(sum);
    whileFits(fn, p, depth, 1, () => {
      fn.get(sum);
      address(fn, row, p, ops).mem(ops.load, 0, ops.alignLog2);
      address(fn, vec, p, ops).mem(ops.load, 0, ops.alignLog2);
      fn.op(ops.scalarMul).op(ops.scalarAdd).set(sum);
    });
    address(fn, out, r, ops).get(sum).mem(ops.store, 0, ops.alignLog2);
  });
}

function emitAxpy(builder: ModuleBuilder, ops: Ops): void {
  const fn = builder.addFunction("gemvAxpy", [i32, i32, i32, i32, i32, i32], []);
  const [out, mat, vec, cols, depth, ldm] = [0, 1, 2, 3, 4, 5];
  const j = fn.addLocal(i32), p = fn.addLocal(i32), row = fn.addLocal(i32), at = fn.addLocal(i32);
  const scale = fn.addLocal(ops.scalar), scaleVector = fn.addLocal(v128);
  forLoop(fn, j, cols, 1, () => {
    address(fn, out, j, ops);
    (ops.bytes === 4 ? fn.f32Const(0) : fn.f64Const(0)).mem(ops.store, 0, ops.alignLog2);
  });
  forLoop(fn, p, depth, 1, () => {
    address(fn, vec, p, ops).mem(ops.load, 0, ops.alignLog2).tee(scale).simd(ops.splatScalar).set(
      scaleVector,
    );
    fn.get(mat).get(p).get(ldm).op(Op.i32_mul).op(Op.i32_add).set(row);
    fn.i32Const(0).set(j);
    whileFits(fn, j, cols, ops.lanes, () => {
      address(fn, out, j, ops).tee(at).get(at).simdMem(Simd.v128_load, 0, ops.alignLog2).get(scaleVector);
      address(fn, row, j, ops).simdMem(Simd.v128_load, 0, ops.alignLog2);
      fn.simd(ops.mul).simd(ops.add).simdMem(Simd.v128_store, 0, ops.alignLog2);
    });
    whileFits(fn, j, cols, 1, () => {
      address(fn, out, j, ops).tee(at).get(at).mem(ops.load, 0, ops.alignLog2).get(scale);
      address(fn, row, j, ops).mem(ops.load, 0, ops.alignLog2);
      fn.op(ops.scalarMul).op(ops.scalarAdd).mem(ops.store, 0, ops.alignLog2);
    });
  });
}

/** Columns of C per block of `rowsAxpy`: `rows` rows of them stay in L1 while B streams by. */
const ROWS_BLOCK = 1024;

/**
 * `rowsAxpy{R}(out, mat, a, cols, depth, ldm, aRow, aDepth)` for R rows: out[i][j] = Σ_p a_i[p]·mat[p·ldm + j]
 * with out row-major (`cols` per row), a_i[p] at `a + i·aRow + p·aDepth` bytes. B streams row by row (each of
 * its elements read once, in order) while blocks of the R output rows stay in L1: a product of a few rows with
 * a wide B, where reading B in column strips crosses a page every few steps.
 */
function emitRowsAxpy(builder: ModuleBuilder, ops: Ops, rows: number): void {
  const fn = builder.addFunction(`rowsAxpy${rows}`, [i32, i32, i32, i32, i32, i32, i32, i32], []);
  const [out, mat, a, cols, depth, ldm, aRow, aDepth] = [0, 1, 2, 3, 4, 5, 6, 7];
  const j = fn.addLocal(i32), p = fn.addLocal(i32), row = fn.addLocal(i32), j0 = fn.addLocal(i32);
  const end = fn.addLocal(i32), at = fn.addLocal(i32), b = fn.addLocal(v128);
  const scales = Array.from({ length: rows }, () => fn.addLocal(ops.scalar));
  const splats = Array.from({ length: rows }, () => fn.addLocal(v128));
  const zero = () => (ops.bytes === 4 ? fn.f32Const(0) : fn.f64Const(0));
  // out row i, element j: out + (i·cols + j)·bytes
  const outAt = (i: number) => {
    fn.get(out).get(cols).i32Const(i).op(Op.i32_mul).get(j).op(Op.i32_add).i32Const(ops.bytes).op(Op.i32_mul);
    fn.op(Op.i32_add);
  };
  forLoop(fn, j, cols, 1, () => {
    for (let i = 0; i < rows; i++) {
      outAt(i);
      zero().mem(ops.store, 0, ops.alignLog2);
    }
  });
  forLoop(fn, j0, cols, ROWS_BLOCK, () => {
    // end = min(j0 + block, cols)
    fn.get(j0).i32Const(ROWS_BLOCK).op(Op.i32_add).tee(end).get(cols).get(end).get(cols).op(Op.i32_lt_s);
    fn.op(Op.select).set(end);
    forLoop(fn, p, depth, 1, () => {
      for (let i = 0; i < rows; i++) {
        fn.get(a).get(aRow).i32Const(i).op(Op.i32_mul).op(Op.i32_add).get(p).get(aDepth).op(Op.i32_mul);
        fn.op(Op.i32_add).mem(ops.load, 0, ops.alignLog2).tee(scales[i]).simd(ops.splatScalar).set(splats[i]);
      }
      fn.get(mat).get(p).get(ldm).op(Op.i32_mul).op(Op.i32_add).set(row);
      fn.get(j0).set(j);
      whileFits(fn, j, end, ops.lanes, () => {
        address(fn, row, j, ops).simdMem(Simd.v128_load, 0, ops.alignLog2).set(b);
        for (let i = 0; i < rows; i++) {
          outAt(i);
          fn.tee(at).get(at).simdMem(Simd.v128_load, 0, ops.alignLog2).get(splats[i]).get(b).simd(ops.mul);
          fn.simd(ops.add).simdMem(Simd.v128_store, 0, ops.alignLog2);
        }
      });
      whileFits(fn, j, end, 1, () => {
        for (let i = 0; i < rows; i++) {
          outAt(i);
          fn.tee(at).get(at).mem(ops.load, 0, ops.alignLog2).get(scales[i]);
          address(fn, row, j, ops).mem(ops.load, 0, ops.alignLog2);
          fn.op(ops.scalarMul).op(ops.scalarAdd).mem(ops.store, 0, ops.alignLog2);
        }
      });
    });
  });
}

/** Most rows `rowsAxpy` handles (`rowsAxpy2` … `rowsAxpy{MAX_AXPY_ROWS}`). */
export const MAX_AXPY_ROWS = 4;

/**
 * Adds the exports `gemvDot`, `gemvAxpy` and `rowsAxpy2` … `rowsAxpy4` for the shape's precision to a matmul
 * module.
 */
export function emitGemv(builder: ModuleBuilder, shape: MatmulShape): void {
  const ops = precisionOps(shape.precision);
  emitDot(builder, ops);
  emitAxpy(builder, ops);
  for (let rows = 2; rows <= MAX_AXPY_ROWS; rows++) emitRowsAxpy(builder, ops, rows);
}
