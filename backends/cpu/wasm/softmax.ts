/**
 * softmax and log-softmax of float32 rows in arena memory, as one generated WebAssembly SIMD module (a fixed
 * module, see `module_cache.ts`, instantiated once per arena). Each row is computed as the JavaScript kernel
 * (`softmaxLines`) and the reference do: the row maximum m, shift = m if m is finite else 0,
 * e_j = exp(x_j − shift), s = Σ e_j, then e_j / s or (x_j − shift) − log s. The data is float32, but everything
 * after the load runs in float64 lanes: x_j − shift is exact, as in JavaScript, and exp is a float64 polynomial
 * accurate to ~4e-14, so results stay within a float32 ulp or two of the float64 computation.
 *
 * Rows whose maximum is finite (all but rows of ±∞ and NaN) take the SIMD path, four rows at a time so that
 * short rows overlap; the others call `Math.exp` and `Math.log` per element in JavaScript's order, so their
 * infinities and NaNs come out exactly as there.
 * @module
 */
import { ARENA_MEMORY, sharedArena, type WasmArena } from "./memory.ts";
import { fixedExports, forArena } from "./module_cache.ts";
import { type FunctionBuilder, ModuleBuilder, supportsRelaxedSimd } from "./module_builder.ts";
import { Op, Simd, type SimdOp, ValType } from "./opcodes.ts";
import { FloatLanes, SimdValues, type Vec } from "./simd_values.ts";

/**
 * (e^r − 1)/r on |r| ≤ ln2/2 (degree-8 Chebyshev fit, see the test), so e^r = 1 + r·Q(r) within 4e-14
 * relative, and exactly 1 at r = 0: the row maximum's term is exactly 1, as `Math.exp(0)`.
 */
export const EXPM1_OVER_R: readonly number[] = [
  1.0000000000000002,
  0.49999999999796674,
  0.16666666666636704,
  0.041666666891806974,
  0.008333333359621343,
  0.001388882152975324,
  0.00019841199988769454,
  0.00002487623772943695,
  0.000002762900677380596,
];

/** ln 2 = LN2_HI + LN2_LO, LN2_HI with 32 significant bits, so k·LN2_HI is exact for |k| < 2^21. */
export const LN2_HI = 6.93147180369123816490e-1;
/** The rest of ln 2 beyond `LN2_HI`. */
export const LN2_LO = 1.90821492927058770002e-10;
/** Adding 1.5·2^52 rounds a float64 of magnitude below 2^51 to an integer, left in the low mantissa bits. */
const ROUND_MAGIC = 6755399441055744;
/**
 * Arguments below this count as this: the result (e^-708 ≈ 3.3e-308 instead of something smaller or 0) keeps
 * 2^k a normal float64, and the difference never shows: next to the maximum's exact 1 it vanishes from the sum,
 * and e_j / s rounds to float32 zero either way.
 */
const EXP_FLOOR = -708;

/** atanh(z)/z = Σ w^i/(2i + 1), w = z², from i = 1 (truncation error < 3e-17 relative for w ≤ 0.0295). */
const ATANH_SERIES: readonly number[] = Array.from({ length: 9 }, (_, i) => 1 / (2 * i + 3));
/** The bits of √½ as int32 halves (low, high): mantissas are reduced to [√½, √2). */
const SQRT_HALF_BITS = [0x667f3bcd, 0x3fe6a09e] as const;
/** The high half of the bits of 1.5·2^52 (`ROUND_MAGIC`): adding it to an int64 k gives the float 1.5·2^52 + k. */
const ROUND_MAGIC_HIGH = 0x43380000;

/**
 * `Σ c_i·x^i` by Estrin's scheme: pairs `c_2i + c_2i+1·x`, then pairs of those with x², x⁴, … The dependency
 * chain is log2(degree) multiply-adds long instead of Horner's degree.
 */
function estrin(f: FloatLanes, x: Vec, coefficients: readonly number[]): Vec {
  let terms: Vec[] = [];
  for (let i = 0; i < coefficients.length; i += 2) {
    const constant = f.c(coefficients[i]);
    terms.push(i + 1 < coefficients.length ? f.mulAdd(f.c(coefficients[i + 1]), x, constant) : constant);
  }
  let power = x;
  while (terms.length > 1) {
    power = f.mul(power, power);
    const next: Vec[] = [];
    for (let i = 0; i < terms.length; i += 2) {
      next.push(i + 1 < terms.length ? f.mulAdd(terms[i + 1], power, terms[i]) : terms[i]);
    }
    terms = next;
  }
  return terms[0];
}

/**
 * e^d on f64x2 lanes for d ≤ 0 (or NaN, which propagates): d = k·ln2 + r with k = round(d·log2 e),
 * |r| ≤ ln2/2, e^d = (1 + r·Q(r))·2^k, 2^k built from its exponent bits. Below -708 it returns e^-708.
 */
export function emitExpNonPositive(f: FloatLanes, d: Vec): Vec {
  const { v } = f;
  // pmax(a, b) = a < b ? b : a passes NaN through
  const clamped = f.pmax(d, f.c(EXP_FLOOR));
  // t = d·log2e + 1.5·2^52 rounds d·log2e to the integer k, which t keeps in its low mantissa bits
  const t = f.mulAdd(clamped, f.c(Math.LOG2E), f.c(ROUND_MAGIC));
  const k = f.sub(t, f.c(ROUND_MAGIC));
  const r = f.mulAdd(k, f.c(-LN2_LO), f.mulAdd(k, f.c(-LN2_HI), clamped));
  const p = f.mulAdd(r, estrin(f, r, EXPM1_OVER_R), f.c(1));
  // 2^k = (k + 1023) << 52: the shift drops t's high bits and keeps its low 12, k + 1023 (1 … 1023 here)
  const scale = v.shift(Simd.i64x2_shl, v.op(Simd.i64x2_add, t, v.i64(1023, 0)), 52);
  return f.mul(p, scale);
}

/**
 * log s on f64x2 lanes for positive normal s (or NaN, which propagates): s = 2^k·u with u in [√½, √2),
 * log u = 2·atanh(z) with z = (u − 1)/(u + 1), |z| ≤ 0.172, and k·ln2 added in two parts. Accurate to a few
 * 1e-16, like `Math.log`, and it saves a call out of WebAssembly per row.
 */
export function emitLogPositive(f: FloatLanes, s: Vec): Vec {
  const { v } = f;
  const k = v.shift(Simd.i64x2_shr_s, v.op(Simd.i64x2_sub, s, v.i64(...SQRT_HALF_BITS)), 52);
  const u = v.op(Simd.i64x2_sub, s, v.shift(Simd.i64x2_shl, k, 52));
  const kFloat = f.sub(v.op(Simd.i64x2_add, k, v.i64(0, ROUND_MAGIC_HIGH)), f.c(ROUND_MAGIC));
  const g = f.sub(u, f.c(1)); // exact: u is within a factor 2 of 1
  const z = f.div(g, f.add(g, f.c(2)));
  const w = f.mul(z, z);
  const twoZ = f.add(z, z);
  const tail = f.mulAdd(f.mul(twoZ, w), estrin(f, w, ATANH_SERIES), f.mul(kFloat, f.c(LN2_LO)));
  const y = f.mulAdd(kFloat, f.c(LN2_HI), f.add(twoZ, tail));
  // NaN bits decode to some finite y: s − s puts the NaN back (and adds 0 otherwise)
  return f.add(y, f.sub(s, s));
}

/**
 * How one generated row function spreads its work over four f64x2 dependency chains: `rows` rows at once
 * (short rows: their chains overlap) with `units` element pairs of each per loop iteration (long rows).
 */
interface Layout {
  readonly rows: number;
  readonly units: number;
}
/** The per-row function: a row of any length, with the slow path for a maximum of ±∞. */
const ONE_ROW: Layout = { rows: 1, units: 4 };
/** The group function: four rows side by side, all with finite maxima. */
const ROW_GROUP: Layout = { rows: 4, units: 1 };

/** Function indices of the imported `Math` functions. */
interface Imports {
  readonly exp: number;
  readonly log: number;
}

/** The bytes between the scratch rows of a group: `length + 1` float64s rounded up to whole pairs (16 bytes). */
function emitScratchStride(fn: FunctionBuilder, lengthLocal: number): void {
  fn.get(lengthLocal).i32Const(3).op(Op.i32_add).i32Const(~1).op(Op.i32_and).i32Const(3).op(Op.i32_shl);
}

/**
 * Emits `(src, dst, length, scratch) → i32` computing `layout.rows` contiguous rows (byte offsets; src may equal
 * dst; scratch, for softmax, has `layout.rows` scratch rows, see `emitScratchStride`). Returns 1 when done.
 * A group returns 0, having written nothing, when a row's maximum is not finite; a single row then takes the
 * slow path: shift 0, `Math.exp` and `Math.log` per element in JavaScript's order, so its infinities and NaNs
 * are exactly JavaScript's.
 */
function emitRowFunction(
  builder: ModuleBuilder,
  layout: Layout,
  log: boolean,
  imports: Imports,
  fma: boolean,
): FunctionBuilder {
  const { i32, f64 } = ValType;
  const fn = builder.addFunction(undefined, [i32, i32, i32, i32], [i32]);
  const [SRC, DST, LENGTH, SCRATCH] = [0, 1, 2, 3];
  const R = layout.rows, U = layout.units;
  const p = fn.addLocal(i32), q = fn.addLocal(i32), end = fn.addLocal(i32);
  // byte offsets of rows 1 … R-1 from row 0, in the data and in the scratch
  const dataOffset = [-1], scratchOffset = [-1];
  for (let row = 1; row < R; row++) {
    dataOffset.push(fn.addLocal(i32));
    scratchOffset.push(fn.addLocal(i32));
    fn.get(LENGTH).i32Const(4 * row).op(Op.i32_mul).set(dataOffset[row]);
    emitScratchStride(fn, LENGTH);
    fn.i32Const(row).op(Op.i32_mul).set(scratchOffset[row]);
  }
  const shift = Array.from({ length: R }, () => fn.addLocal(f64));
  const total = Array.from({ length: R }, () => fn.addLocal(f64));
  const perRow = new SimdValues(fn, R);
  const all = perRow.withCopies(R * U);
  const lanes = (values: SimdValues) => new FloatLanes(values, "f64", fma);
  const rowOf = (values: SimdValues, copy: number) => (values.copies === R ? copy : Math.floor(copy / U));
  const unitOf = (values: SimdValues, copy: number) => (values.copies === R ? 0 : copy % U);
  /** A per-row value seen from `values`' copies (each copy reads its row's local). */
  const spread = (values: SimdValues, value: Vec): Vec =>
    value.locals.length === 1 ? value : {
      locals: Array.from({ length: values.copies }, (_, copy) => value.locals[rowOf(values, copy)]),
    };
  /** Pushes `pointer` plus the offset of `row` (data rows or scratch rows). */
  const address = (pointer: number, row: number, scratch = false) => {
    fn.get(pointer);
    if (row > 0) fn.get(scratch ? scratchOffset[row] : dataOffset[row]).op(Op.i32_add);
  };

  /** `while (p < end) { body; p += pStep; q += qStep }` */
  const whileBelow = (pStep: number, qStep: number, body: () => void) => {
    fn.block().loop();
    fn.get(p).get(end).op(Op.i32_ge_u).brIf(1);
    body();
    fn.get(p).i32Const(pStep).op(Op.i32_add).set(p);
    if (qStep !== 0) fn.get(q).i32Const(qStep).op(Op.i32_add).set(q);
    fn.br(0).end().end();
  };
  /** `end = start + (length & mask) · elementBytes`: where the whole blocks of a row end. */
  const setEnd = (start: number, mask: number, elementBytes = 4) => {
    fn.get(start).get(LENGTH).i32Const(mask).op(Op.i32_and).i32Const(Math.log2(elementBytes)).op(Op.i32_shl);
    fn.op(Op.i32_add).set(end);
  };
  /** Runs `body` when bit `bit` of the length is set (the tails). */
  const ifLengthBit = (bit: number, body: () => void) => {
    fn.get(LENGTH).i32Const(bit).op(Op.i32_and).if();
    body();
    fn.end();
  };
  /** Float32 pairs (at p, per copy), widened to f64x2 (load64_zero, then promote the low lanes). */
  const loadPairs = (values: SimdValues) =>
    values.each((copy) => {
      address(p, rowOf(values, copy));
      fn.simdMem(Simd.v128_load64_zero, 8 * unitOf(values, copy), 2).simd(Simd.f64x2_promote_low_f32x4);
    });
  /** Stores the f64x2 `value` rounded to two float32s (at q, per copy). */
  const storePairs = (values: SimdValues, value: Vec) => {
    for (let copy = 0; copy < values.copies; copy++) {
      address(q, rowOf(values, copy));
      values.push(value, copy);
      fn.simd(Simd.f32x4_demote_f64x2_zero);
      fn.simdMemLane(Simd.v128_store64_lane, 0, 8 * unitOf(values, copy), 2);
    }
  };
  /** Pushes element 0 of the row at `pointer` (+ `row`'s offset) as a float64. */
  const loadScalar = (pointer: number, row = 0) => {
    address(pointer, row);
    fn.mem(Op.f32_load, 0, 2).op(Op.f64_promote_f32);
  };

  // ---- the maximum of each row, ignoring NaN: pmax (a < b ? b : a) is one instruction, while f32x4.max's NaN
  // and ±0 rules take several; a NaN element makes the sum NaN, and then every output NaN, whatever the shift.
  // The tails load splats, which cannot change the maximum.
  const max = perRow.mutable(perRow.f32(-Infinity));
  const f32Max = (load: SimdOp, offset: number) => {
    const x = perRow.each((row) => {
      address(p, row);
      fn.simdMem(load, offset, 2);
    });
    perRow.assign(max, perRow.op(Simd.f32x4_pmax, max, x));
  };
  fn.get(SRC).set(p);
  setEnd(SRC, ~3);
  whileBelow(16, 0, () => f32Max(Simd.v128_load, 0));
  ifLengthBit(2, () => {
    f32Max(Simd.v128_load64_splat, 0);
    fn.get(p).i32Const(8).op(Op.i32_add).set(p);
  });
  ifLengthBit(1, () => f32Max(Simd.v128_load32_splat, 0));
  const swapHalves = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
  const swapLanes = [4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11];
  const halves = perRow.op(Simd.f32x4_pmax, max, perRow.shuffle(max, max, swapHalves));
  const maxima = perRow.op(Simd.f32x4_pmax, halves, perRow.shuffle(halves, halves, swapLanes));
  for (let row = 0; row < R; row++) {
    perRow.push(maxima, row);
    fn.simdLane(Simd.f32x4_extract_lane, 0).op(Op.f64_promote_f32).set(shift[row]);
  }
  // all maxima finite (m − m == 0): the SIMD path
  for (let row = 0; row < R; row++) {
    fn.get(shift[row]).get(shift[row]).op(Op.f64_sub);
    if (row > 0) fn.op(Op.f64_add);
  }
  fn.f64Const(0).op(Op.f64_eq);
  if (R > 1) fn.op(Op.i32_eqz).if().i32Const(0).op(Op.return).end();
  else fn.if();

  // ---- e_j = exp(x_j − m) ≤ 1 (kept in scratch for softmax) and each row's sum
  const shiftSplat = perRow.each((row) => fn.get(shift[row]).simd(Simd.f64x2_splat));
  const expStep = (values: SimdValues, x: Vec, sums: Vec, keep: (e: Vec) => Vec = (e) => e) => {
    const f = lanes(values);
    const e = emitExpNonPositive(f, f.sub(x, spread(values, shiftSplat)));
    if (!log) {
      for (let copy = 0; copy < values.copies; copy++) {
        address(q, rowOf(values, copy), true);
        values.push(e, copy);
        fn.simdMem(Simd.v128_store, 16 * unitOf(values, copy), 3);
      }
    }
    values.assign(sums, f.add(sums, keep(e)));
  };
  fn.get(SRC).set(p);
  if (!log) fn.get(SCRATCH).set(q);
  let sums = perRow.mutable(perRow.f64(0));
  if (U > 1) {
    const unitSums = all.mutable(all.f64(0));
    setEnd(SRC, ~(2 * U - 1));
    whileBelow(8 * U, log ? 0 : 16 * U, () => expStep(all, loadPairs(all), unitSums));
    sums = perRow.mutable(perRow.each((row) => {
      for (let unit = 0; unit < U; unit++) {
        fn.get(unitSums.locals[row * U + unit]);
        if (unit > 0) fn.simd(Simd.f64x2_add);
      }
    }));
  }
  setEnd(SRC, ~1);
  whileBelow(8, log ? 0 : 16, () => expStep(perRow, loadPairs(perRow), sums));
  ifLengthBit(1, () => {
    // the last element, loaded into both lanes; only lane 0 joins the sum (scratch has room for the pair)
    const x = perRow.each((row) => {
      address(p, row);
      fn.simdMem(Simd.v128_load32_splat, 0, 2).simd(Simd.f64x2_promote_low_f32x4);
    });
    expStep(perRow, x, sums, (e) => perRow.and(e, perRow.constant(new Int32Array([-1, -1, 0, 0]))));
  });
  // Per pair of rows, both sums in one f64x2 (lane 0 + lane 1 of each row's partial sums), then log s for
  // log-softmax or 1/s for softmax (multiplying by it rounds twice, a few 1e-16, where a division per element
  // took a quarter of the time of short rows). `totalSplat` has it in both lanes per row, `total` as a scalar.
  const one = perRow.withCopies(1);
  const g = lanes(one);
  const totalSplat: Vec = { locals: Array.from({ length: R }, () => fn.addLocal(ValType.v128)) };
  const low = [0, 1, 2, 3, 4, 5, 6, 7], high = [8, 9, 10, 11, 12, 13, 14, 15];
  const row = (r: number): Vec => ({ locals: [sums.locals[r]] });
  for (let a = 0; a < R; a += 2) {
    const b = Math.min(a + 1, R - 1);
    const pair = g.add(
      one.shuffle(row(a), row(b), [...low, ...low.map((i) => i + 16)]),
      one.shuffle(row(a), row(b), [...high, ...high.map((i) => i + 16)]),
    );
    const result = log ? emitLogPositive(g, pair) : g.div(g.c(1), pair);
    for (const [r, copy] of [[a, 0], [b, 1]]) {
      one.push(result, 0);
      fn.simdLane(Simd.f64x2_extract_lane, copy).set(total[r]);
      one.push(result, 0);
      one.push(result, 0);
      const half = copy === 0 ? low : high;
      fn.shuffle([...half, ...half]).set(totalSplat.locals[r]);
    }
  }

  // ---- the outputs
  if (log) {
    // (x_j − m) − log s, both subtractions in float64 as in JavaScript
    const outputs = (values: SimdValues) => {
      const g = lanes(values);
      storePairs(
        values,
        g.sub(g.sub(loadPairs(values), spread(values, shiftSplat)), spread(values, totalSplat)),
      );
    };
    fn.get(SRC).set(p);
    fn.get(DST).set(q);
    if (U > 1) {
      setEnd(SRC, ~(2 * U - 1));
      whileBelow(8 * U, 8 * U, () => outputs(all));
    }
    setEnd(SRC, ~1);
    whileBelow(8, 8, () => outputs(perRow));
    ifLengthBit(1, () => {
      for (let row = 0; row < R; row++) {
        address(q, row);
        loadScalar(p, row);
        fn.get(shift[row]).op(Op.f64_sub).get(total[row]).op(Op.f64_sub).op(Op.f32_demote_f64);
        fn.mem(Op.f32_store, 0, 2);
      }
    });
  } else {
    // e_j · (1/s) (p walks the scratch, q the output)
    const outputs = (values: SimdValues) => {
      const e = values.each((copy) => {
        address(p, rowOf(values, copy), true);
        fn.simdMem(Simd.v128_load, 16 * unitOf(values, copy), 3);
      });
      storePairs(values, lanes(values).mul(e, spread(values, totalSplat)));
    };
    fn.get(SCRATCH).set(p);
    fn.get(DST).set(q);
    if (U > 1) {
      setEnd(SCRATCH, ~(2 * U - 1), 8);
      whileBelow(16 * U, 8 * U, () => outputs(all));
    }
    setEnd(SCRATCH, ~1, 8);
    whileBelow(16, 8, () => outputs(perRow));
    ifLengthBit(1, () => {
      for (let row = 0; row < R; row++) {
        address(q, row);
        address(p, row, true);
        fn.mem(Op.f64_load, 0, 3).get(total[row]).op(Op.f64_mul).op(Op.f32_demote_f64);
        fn.mem(Op.f32_store, 0, 2);
      }
    });
  }

  if (R === 1) {
    // ---- a maximum of ±∞ (or only NaN): shift 0, Math.exp and Math.log element by element, in order
    fn.else();
    fn.f64Const(0).set(total[0]);
    fn.get(SRC).set(p);
    fn.get(SRC).get(LENGTH).i32Const(2).op(Op.i32_shl).op(Op.i32_add).set(end);
    whileBelow(4, 0, () => {
      fn.get(total[0]);
      loadScalar(p);
      fn.call(imports.exp).op(Op.f64_add).set(total[0]);
    });
    if (log) fn.get(total[0]).call(imports.log).set(total[0]);
    fn.get(SRC).set(p);
    fn.get(DST).set(q);
    whileBelow(4, 4, () => {
      fn.get(q);
      loadScalar(p);
      if (!log) fn.call(imports.exp);
      fn.get(total[0]).op(log ? Op.f64_sub : Op.f64_div).op(Op.f32_demote_f64).mem(Op.f32_store, 0, 2);
    });
    fn.end();
  }
  fn.i32Const(1);
  return fn;
}

/**
 * Emits the exported `softmaxRows(src, dst, rows, length, scratch)` or `logSoftmaxRows(src, dst, rows, length)`:
 * groups of four rows, each group redone row by row when it has a maximum of ±∞, then the remaining rows.
 */
function emitDriver(
  builder: ModuleBuilder,
  log: boolean,
  group: FunctionBuilder,
  single: FunctionBuilder,
): void {
  const i32 = ValType.i32;
  const params = log ? [i32, i32, i32, i32] : [i32, i32, i32, i32, i32];
  const fn = builder.addFunction(log ? "logSoftmaxRows" : "softmaxRows", params, []);
  const [SRC, DST, ROWS, LENGTH, SCRATCH] = [0, 1, 2, 3, 4];
  const rowBytes = fn.addLocal(i32);
  const pushScratch = () => (log ? fn.i32Const(0) : fn.get(SCRATCH));
  const advance = (rows: number) => {
    fn.get(SRC).get(rowBytes).i32Const(rows).op(Op.i32_mul).op(Op.i32_add).set(SRC);
    fn.get(DST).get(rowBytes).i32Const(rows).op(Op.i32_mul).op(Op.i32_add).set(DST);
    fn.get(ROWS).i32Const(rows).op(Op.i32_sub).set(ROWS);
  };
  fn.get(LENGTH).i32Const(2).op(Op.i32_shl).set(rowBytes);
  fn.block().loop();
  fn.get(ROWS).i32Const(ROW_GROUP.rows).op(Op.i32_lt_u).brIf(1);
  fn.get(SRC).get(DST).get(LENGTH);
  pushScratch().call(group.index).op(Op.i32_eqz).if();
  for (let row = 0; row < ROW_GROUP.rows; row++) {
    fn.get(SRC).get(rowBytes).i32Const(row).op(Op.i32_mul).op(Op.i32_add);
    fn.get(DST).get(rowBytes).i32Const(row).op(Op.i32_mul).op(Op.i32_add).get(LENGTH);
    pushScratch().call(single.index).op(Op.drop);
  }
  fn.end();
  advance(ROW_GROUP.rows);
  fn.br(0).end().end();
  fn.block().loop();
  fn.get(ROWS).op(Op.i32_eqz).brIf(1);
  fn.get(SRC).get(DST).get(LENGTH);
  pushScratch().call(single.index).op(Op.drop);
  advance(1);
  fn.br(0).end().end();
}

/**
 * The module's bytes: `softmaxRows` and `logSoftmaxRows` over the imported `env.memory`, importing `math.exp`
 * and `math.log` (`fma`: polynomials use relaxed_madd). `softmaxRowsF32` instantiates it per arena.
 *
 * @example
 * ```ts
 * import { softmaxModuleBytes } from "./softmax.ts";
 * WebAssembly.validate(softmaxModuleBytes(false) as Uint8Array<ArrayBuffer>); // true
 * ```
 */
export function softmaxModuleBytes(fma: boolean): Uint8Array {
  const builder = new ModuleBuilder().importMemory("env", "memory", 0, ARENA_MEMORY);
  const imports = {
    exp: builder.importFunction("math", "exp", [ValType.f64], [ValType.f64]),
    log: builder.importFunction("math", "log", [ValType.f64], [ValType.f64]),
  };
  for (const log of [false, true]) {
    const group = emitRowFunction(builder, ROW_GROUP, log, imports, fma);
    const single = emitRowFunction(builder, ONE_ROW, log, imports, fma);
    emitDriver(builder, log, group, single);
  }
  return builder.build();
}

/**
 * The module's name for `fixedExports` (one per FMA setting), under which its bytes may ship prebuilt.
 *
 * @example
 * ```ts
 * import { softmaxModuleName } from "./softmax.ts";
 * softmaxModuleName(true); // "softmax rows fma"
 * ```
 */
export function softmaxModuleName(fma: boolean): string {
  return fma ? "softmax rows fma" : "softmax rows";
}

interface SoftmaxExports {
  softmaxRows(src: number, dst: number, rows: number, length: number, scratch: number): void;
  logSoftmaxRows(src: number, dst: number, rows: number, length: number): void;
}

/** The kernels of one arena, with the float64 scratch row softmax keeps its exponentials in. */
interface ArenaKernels {
  readonly exports: SoftmaxExports;
  scratch: number;
  scratchLength: number;
}

function kernelsFor(arena: WasmArena): ArenaKernels {
  const fma = supportsRelaxedSimd();
  const name = softmaxModuleName(fma);
  return forArena(arena, name, () => ({
    exports: fixedExports<SoftmaxExports>(arena, name, () => softmaxModuleBytes(fma), {
      math: { exp: Math.exp, log: Math.log },
    }),
    scratch: 0,
    scratchLength: 0,
  }));
}

/**
 * softmax (or, with `log`, log-softmax) of `rows` contiguous float32 rows of `length` elements at byte offset
 * `srcPtr` of the arena, written to `dstPtr` (which may equal `srcPtr`). Agrees with `softmaxLines` of the CPU
 * backend: the same NaNs and infinities, and finite results within 2 float32 ulps of its float64 computation
 * (for log-softmax, plus the float64 rounding of log s, a few 1e-16, which shows where the result is near 0).
 *
 * @example
 * ```ts
 * import { sharedArena } from "./memory.ts";
 * import { softmaxRowsF32 } from "./softmax.ts";
 * const arena = sharedArena();
 * const x = arena.alloc(2 * 3 * 4), y = arena.alloc(2 * 3 * 4);
 * arena.f32View(x, 6).set([1, 2, 3, 0, 0, 0]);
 * softmaxRowsF32(x, y, 2, 3, false);
 * arena.f32View(y, 6); // [0.0900, 0.2447, 0.6652, 0.3333, 0.3333, 0.3333]
 * ```
 */
export function softmaxRowsF32(
  srcPtr: number,
  dstPtr: number,
  rows: number,
  length: number,
  log: boolean,
  arena: WasmArena = sharedArena(),
): void {
  if (rows === 0 || length === 0) return;
  const kernels = kernelsFor(arena);
  if (log) {
    kernels.exports.logSoftmaxRows(srcPtr, dstPtr, rows, length);
    return;
  }
  if (length > kernels.scratchLength) {
    // a group's scratch rows (see emitScratchStride)
    if (kernels.scratch !== 0) arena.free(kernels.scratch);
    kernels.scratchLength = Math.max(length, 1024);
    kernels.scratch = arena.alloc(ROW_GROUP.rows * (kernels.scratchLength + 3) * 8, 16);
  }
  kernels.exports.softmaxRows(srcPtr, dstPtr, rows, length, kernels.scratch);
}
