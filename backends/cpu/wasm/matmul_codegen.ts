/**
 * Generates the WebAssembly of the blocked matrix product: packing of A and B into micro-panels and the macro
 * kernel that runs an `MR × NR` register-blocked micro-kernel over them (accumulators live in v128 locals).
 * The JS driver in `matmul.ts` chooses the cache blocks and calls these functions.
 * @module
 */
import { type FunctionBuilder, ModuleBuilder } from "./module_builder.ts";
import { forLoop, precisionOps } from "./float_codegen.ts";
import { emitGemv } from "./gemv_codegen.ts";
import { ARENA_MEMORY } from "./memory.ts";
import { Op, Simd, ValType } from "./opcodes.ts";

const { i32, v128 } = ValType;

/** What one generated matmul module computes with: element type and register-blocking shape. */
export interface MatmulShape {
  /** Element type: float32 (f32x4) or float64 (f64x2). */
  readonly precision: "f32" | "f64";
  /** Rows of C a micro-kernel computes. */
  readonly mr: number;
  /** Vectors of C a micro-kernel computes per row (columns = `nv × lanes`). */
  readonly nv: number;
  /** Steps of the k loop emitted per iteration. */
  readonly unroll: number;
  /** Use `relaxed_madd` (fused on CPUs with FMA) instead of a multiply and an add. */
  readonly fma: boolean;
  /** How A values reach all lanes: a broadcast load each, or vector loads and lane shuffles. */
  readonly aLoad: "splat" | "shuffle";
}

/** The `i8x16.shuffle` byte pattern that copies lane `lane` (of `bytes`-byte lanes) into every lane. */
function laneSplatPattern(lane: number, bytes: number): number[] {
  return Array.from({ length: 16 }, (_, i) => lane * bytes + (i % bytes));
}

/**
 * Epilogue flags passed to the macro kernel, applied in this order on the last depth block: add C's partial sums
 * (accumulate), multiply by `alpha` (scale), add the matrix D at C + `delta` bytes (addend), add the bias row,
 * relu. With scale and addend a product computes BLAS's C = alpha·A·B + D, e.g. an SGD step W − lr·gradient.
 */
export const MatmulFlags = { accumulate: 1, bias: 2, relu: 4, scale: 8, addend: 16 } as const;

/** `local += delta` where delta is a constant or another local. */
function addTo(fn: FunctionBuilder, local: number, delta: { const: number } | { local: number }): void {
  fn.get(local);
  if ("const" in delta) fn.i32Const(delta.const);
  else fn.get(delta.local);
  fn.op(Op.i32_add).set(local);
}

/**
 * Emits the transpose of `lanes` vectors (row r holding lanes of one outer index over `lanes` depth steps):
 * returns, per depth step j, an emitter pushing the vector of that step across the rows. float32: two rounds
 * of interleaving shuffles (8 in all); float64: one shuffle per output.
 */
function transposeInRegisters(
  fn: FunctionBuilder,
  rows: readonly number[],
  lanes: number,
  bytes: number,
): (() => void)[] {
  const pattern = (picks: number[]) =>
    picks.flatMap((lane) => Array.from({ length: bytes }, (_, b) => lane * bytes + b));
  if (lanes === 2) {
    return [0, 1].map((j) => () => fn.get(rows[0]).get(rows[1]).shuffle(pattern([j, 2 + j])));
  }
  // (a0 b0 a1 b1), (a2 b2 a3 b3), (c0 d0 c1 d1), (c2 d2 c3 d3), then pairs of halves
  const low = [0, 4, 1, 5], high = [2, 6, 3, 7];
  const t = [
    [rows[0], rows[1], low],
    [rows[0], rows[1], high],
    [rows[2], rows[3], low],
    [rows[2], rows[3], high],
  ].map(([x, y, picks]) => {
    const local = fn.addLocal(v128);
    fn.get(x as number).get(y as number).shuffle(pattern(picks as number[])).set(local);
    return local;
  });
  const halves = [[0, 1, 4, 5], [2, 3, 6, 7]];
  return [0, 1, 2, 3].map((j) => () => {
    const [x, y] = j < 2 ? [t[0], t[2]] : [t[1], t[3]];
    fn.get(x).get(y).shuffle(pattern(halves[j % 2]));
  });
}

/**
 * `pack(dst, src, strideOuter, strideDepth, nOuter, depth)`: copies the `nOuter × depth` block whose element
 * (o, p) sits at `src + o·strideOuter + p·strideDepth` (byte strides) into panels of `width` outer indices,
 * each panel depth-major (`width` values per depth step), zero-padding the last panel.
 */
function emitPack(builder: ModuleBuilder, name: string, width: number, shape: MatmulShape): void {
  const ops = precisionOps(shape.precision);
  const fn = builder.addFunction(name, [i32, i32, i32, i32, i32, i32], []);
  const [dst, src, strideOuter, strideDepth, nOuter, depth] = [0, 1, 2, 3, 4, 5];
  const o0 = fn.addLocal(i32), p = fn.addLocal(i32), count = fn.addLocal(i32);
  const panelSrc = fn.addLocal(i32), depthSrc = fn.addLocal(i32), rowSrc = fn.addLocal(i32);
  const r = fn.addLocal(i32);

  fn.get(src).set(panelSrc);
  forLoop(fn, o0, nOuter, width, () => {
    fn.get(nOuter).get(o0).op(Op.i32_sub).set(count);
    fn.get(panelSrc).set(depthSrc);
    fn.get(count).i32Const(width).op(Op.i32_ge_s).if();
    {
      // Full panel. Strided values: an unrolled gather of `steps` depth steps (from p onwards).
      const gatherFrom = () => {
        fn.block().loop();
        fn.get(p).get(depth).op(Op.i32_ge_s).brIf(1);
        fn.get(depthSrc).set(rowSrc);
        for (let lane = 0; lane < width; lane++) {
          fn.get(dst).get(rowSrc).mem(ops.load, 0, ops.alignLog2).mem(
            ops.store,
            lane * ops.bytes,
            ops.alignLog2,
          );
          if (lane < width - 1) addTo(fn, rowSrc, { local: strideOuter });
        }
        addTo(fn, dst, { const: width * ops.bytes });
        addTo(fn, depthSrc, { local: strideDepth });
        addTo(fn, p, { const: 1 });
        fn.br(0).end().end();
      };
      // Outer values contiguous (a transposed A, a plain B): `width` values per depth step are one run,
      // copied as vectors plus leftover lanes.
      fn.get(strideOuter).i32Const(ops.bytes).op(Op.i32_eq).if();
      {
        const whole = Math.floor(width / ops.lanes);
        const copyStep = (from: number, at: number) => {
          for (let v = 0; v < whole; v++) {
            fn.get(dst).get(from).simdMem(Simd.v128_load, v * 16).simdMem(Simd.v128_store, at + v * 16);
          }
          for (let lane = whole * ops.lanes; lane < width; lane++) {
            fn.get(dst).get(from).mem(ops.load, lane * ops.bytes, ops.alignLog2)
              .mem(ops.store, at + lane * ops.bytes, ops.alignLog2);
          }
        };
        // two depth steps per iteration (loop overhead and bounds checks dominate such short copies)
        const next = fn.addLocal(i32);
        fn.i32Const(0).set(p);
        fn.block().loop();
        fn.get(p).i32Const(2).op(Op.i32_add).get(depth).op(Op.i32_gt_s).brIf(1);
        fn.get(depthSrc).get(strideDepth).op(Op.i32_add).set(next);
        copyStep(depthSrc, 0);
        copyStep(next, width * ops.bytes);
        addTo(fn, dst, { const: 2 * width * ops.bytes });
        fn.get(next).get(strideDepth).op(Op.i32_add).set(depthSrc);
        addTo(fn, p, { const: 2 });
        fn.br(0).end().end();
        fn.get(p).get(depth).op(Op.i32_lt_s).if();
        copyStep(depthSrc, 0);
        addTo(fn, dst, { const: width * ops.bytes });
        addTo(fn, depthSrc, { local: strideDepth });
        fn.end();
      }
      fn.else();
      // Depth contiguous (a plain A, a transposed B): `lanes` depth steps of each outer index are one vector;
      // groups of `lanes` such vectors are transposed in registers, leftover rows stored lane by lane.
      fn.get(strideDepth).i32Const(ops.bytes).op(Op.i32_eq).if();
      {
        const rowVectors = Array.from({ length: width }, () => fn.addLocal(v128));
        fn.i32Const(0).set(p);
        fn.block().loop();
        fn.get(p).i32Const(ops.lanes).op(Op.i32_add).get(depth).op(Op.i32_gt_s).brIf(1);
        fn.get(depthSrc).set(rowSrc);
        rowVectors.forEach((vector, r) => {
          fn.get(rowSrc).simdMem(Simd.v128_load, 0).set(vector);
          if (r < width - 1) addTo(fn, rowSrc, { local: strideOuter });
        });
        const groups = Math.floor(width / ops.lanes);
        for (let g = 0; g < groups; g++) {
          const vs = rowVectors.slice(g * ops.lanes, (g + 1) * ops.lanes);
          transposeInRegisters(fn, vs, ops.lanes, ops.bytes).forEach((emit, j) => {
            fn.get(dst);
            emit();
            fn.simdMem(Simd.v128_store, (j * width + g * ops.lanes) * ops.bytes);
          });
        }
        for (let r = groups * ops.lanes; r < width; r++) {
          for (let j = 0; j < ops.lanes; j++) {
            fn.get(dst).get(rowVectors[r]).simdMemLane(
              ops.bytes === 4 ? Simd.v128_store32_lane : Simd.v128_store64_lane,
              j,
              (j * width + r) * ops.bytes,
            );
          }
        }
        addTo(fn, dst, { const: ops.lanes * width * ops.bytes });
        addTo(fn, depthSrc, { const: ops.lanes * ops.bytes });
        addTo(fn, p, { const: ops.lanes });
        fn.br(0).end().end();
        gatherFrom();
      }
      fn.else();
      fn.i32Const(0).set(p);
      gatherFrom();
      fn.end();
      fn.end();
    }
    fn.else();
    {
      // Last, partial panel: copy `count` values per depth step and zero the rest.
      forLoop(fn, p, depth, 1, () => {
        fn.get(depthSrc).set(rowSrc);
        const widthLocal = fn.addLocal(i32);
        fn.i32Const(width).set(widthLocal);
        forLoop(fn, r, widthLocal, 1, () => {
          fn.get(dst);
          fn.get(r).get(count).op(Op.i32_lt_s).if(shape.precision === "f32" ? ValType.f32 : ValType.f64);
          fn.get(rowSrc).mem(ops.load, 0, ops.alignLog2);
          addTo(fn, rowSrc, { local: strideOuter });
          fn.else();
          if (shape.precision === "f32") fn.f32Const(0);
          else fn.f64Const(0);
          fn.end();
          fn.mem(ops.store, 0, ops.alignLog2);
          addTo(fn, dst, { const: ops.bytes });
        });
        addTo(fn, depthSrc, { local: strideDepth });
      });
    }
    fn.end();
    fn.get(panelSrc).get(strideOuter).i32Const(width).op(Op.i32_mul).op(Op.i32_add).set(panelSrc);
  });
}

/**
 * `micro(aPanel, bPanel, kc, c, ldc, flags, bias, alpha, delta, rows)`: C[MR×NR] (=|+=) Apanel·Bpanel over
 * `kc` depth steps, then the epilogue of `flags` (see `MatmulFlags`). `ldc` is C's row stride in bytes. Only
 * the first `rows` rows of C are read and written (the last row block of a matrix whose height is not a
 * multiple of MR), so such tiles need no scratch tile and scalar merge.
 *
 * With `stridedB` the function is exported as `microStrided` and takes one more parameter, `ldb`: B is read in
 * place, NR consecutive columns of a row-major matrix whose rows are `ldb` bytes apart (a product with at most
 * MR rows reads each element of B once, so packing B would only add a pass).
 */
function emitMicroKernel(builder: ModuleBuilder, shape: MatmulShape, stridedB = false): number {
  const ops = precisionOps(shape.precision);
  const { mr, nv, unroll } = shape;
  const nr = nv * ops.lanes;
  const params = [i32, i32, i32, i32, i32, i32, i32, ops.scalar, i32, i32, ...(stridedB ? [i32] : [])];
  const fn = builder.addFunction(stridedB ? "microStrided" : undefined, params, []);
  const [aPanel, bPanel, kc, c, ldc, flags, bias, alpha, delta, rows, ldb] = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
  ];
  // with B in place, depth step s of an unrolled iteration is s·ldb bytes on
  const ldbTimes = stridedB ? Array.from({ length: unroll + 1 }, () => fn.addLocal(i32)) : [];
  ldbTimes.forEach((local, s) => fn.get(ldb).i32Const(s).op(Op.i32_mul).set(local));
  const p = fn.addLocal(i32), row = fn.addLocal(i32);
  const acc: number[][] = [];
  for (let r = 0; r < mr; r++) acc.push(Array.from({ length: nv }, () => fn.addLocal(v128)));
  const b = Array.from({ length: nv }, () => fn.addLocal(v128));
  const a = fn.addLocal(v128);

  // A values: either one broadcast load each, or one vector load per `lanes` values and a lane shuffle each.
  // Deno's V8 runs without the wasm trap handler, so every load carries an explicit bounds check (~5
  // instructions); shuffles from registers cost one. Measured on the 5×8 f32 tile in L1: 41 → 56 GFLOP/s.
  let aVectors = new Map<number, number>();

  const loadA = (s: number, r: number) => {
    const flat = s * mr + r;
    if (shape.aLoad === "splat") {
      fn.get(aPanel).simdMem(ops.splat, flat * ops.bytes, ops.alignLog2).set(a);
      return;
    }
    const q = Math.floor(flat / ops.lanes), lane = flat % ops.lanes;
    let vector = aVectors.get(q);
    if (vector === undefined) {
      aVectors.set(q, vector = fn.addLocal(v128));
      fn.get(aPanel).simdMem(Simd.v128_load, q * 16, 2).set(vector);
    }
    fn.get(vector).get(vector).shuffle(laneSplatPattern(lane, ops.bytes)).set(a);
  };
  const step = (s: number) => {
    for (let v = 0; v < nv; v++) {
      if (stridedB) {
        fn.get(bPanel);
        if (s > 0) fn.get(ldbTimes[s]).op(Op.i32_add);
        fn.simdMem(Simd.v128_load, v * ops.lanes * ops.bytes, ops.alignLog2).set(b[v]);
      } else {
        fn.get(bPanel).simdMem(Simd.v128_load, (s * nr + v * ops.lanes) * ops.bytes, 4).set(b[v]);
      }
    }
    for (let r = 0; r < mr; r++) {
      loadA(s, r);
      for (let v = 0; v < nv; v++) {
        if (shape.fma) fn.get(a).get(b[v]).get(acc[r][v]).simd(ops.madd);
        else fn.get(acc[r][v]).get(a).get(b[v]).simd(ops.mul).simd(ops.add);
        fn.set(acc[r][v]);
      }
    }
  };
  const advance = (steps: number) => {
    addTo(fn, aPanel, { const: steps * mr * ops.bytes });
    addTo(fn, bPanel, stridedB ? { local: ldbTimes[steps] } : { const: steps * nr * ops.bytes });
    addTo(fn, p, { const: steps });
  };

  // Accumulators start at zero (locals are zero-initialised); main loop `unroll` steps at a time.
  fn.get(kc).i32Const(unroll).op(Op.i32_ge_s).if();
  fn.loop();
  for (let s = 0; s < unroll; s++) step(s);
  aVectors = new Map();
  advance(unroll);
  fn.get(p).i32Const(unroll).op(Op.i32_add).get(kc).op(Op.i32_le_s).brIf(0);
  fn.end().end();
  fn.block().loop();
  fn.get(p).get(kc).op(Op.i32_ge_s).brIf(1);
  step(0);
  advance(1);
  fn.br(0).end().end();

  /** `body` for every vector of the tile, with `row` at its row of C; memory accesses only on valid rows. */
  const eachTile = (body: (r: number, v: number) => void, touchesMemory = false) => {
    fn.get(c).set(row);
    for (let r = 0; r < mr; r++) {
      const guarded = touchesMemory && r > 0;
      if (guarded) fn.get(rows).i32Const(r).op(Op.i32_gt_s).if();
      for (let v = 0; v < nv; v++) body(r, v);
      if (guarded) fn.end();
      if (r < mr - 1) addTo(fn, row, { local: ldc });
    }
  };
  const ifFlag = (flag: number, body: () => void) => {
    fn.get(flags).i32Const(flag).op(Op.i32_and).if();
    body();
    fn.end();
  };
  ifFlag(MatmulFlags.accumulate, () =>
    eachTile((r, v) => {
      fn.get(acc[r][v]).get(row).simdMem(Simd.v128_load, v * 16, 2).simd(ops.add).set(acc[r][v]);
    }, true));
  ifFlag(MatmulFlags.scale, () => {
    const scale = fn.addLocal(v128);
    fn.get(alpha).simd(ops.splatScalar).set(scale);
    eachTile((r, v) => fn.get(acc[r][v]).get(scale).simd(ops.mul).set(acc[r][v]));
  });
  ifFlag(MatmulFlags.addend, () =>
    eachTile((r, v) => {
      fn.get(acc[r][v]).get(row).get(delta).op(Op.i32_add).simdMem(Simd.v128_load, v * 16, 2).simd(ops.add)
        .set(acc[r][v]);
    }, true));
  ifFlag(MatmulFlags.bias, () =>
    eachTile((r, v) => {
      fn.get(acc[r][v]).get(bias).simdMem(Simd.v128_load, v * 16, 2).simd(ops.add).set(acc[r][v]);
    }));
  ifFlag(MatmulFlags.relu, () =>
    eachTile((r, v) => {
      fn.get(acc[r][v]).f32x4Const(0).simd(ops.max).set(acc[r][v]);
    }));
  eachTile((r, v) => {
    fn.get(row).get(acc[r][v]).simdMem(Simd.v128_store, v * 16, 2);
  }, true);
  return fn.index;
}

/**
 * `merge(tile, c, ldc, rows, cols, flags, bias, alpha, delta, rowStep, colStep)`: merges a `rows × cols` block
 * whose element (r, j) is at `tile + (r·rowStep + j·colStep)` elements into C, applying the micro-kernel's
 * epilogue. The macro kernel merges partial micro tiles with it (row step NR, column step 1); a product computed
 * as its transpose is stored with it (row step 1, column step = rows).
 */
function emitMerge(builder: ModuleBuilder, shape: MatmulShape): number {
  const ops = precisionOps(shape.precision);
  const fn = builder.addFunction("merge", [i32, i32, i32, i32, i32, i32, i32, ops.scalar, i32, i32, i32], []);
  const [tile, c, ldc, rows, cols, flags, bias, alpha, delta, rowStep, colStep] = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
  ];
  const r = fn.addLocal(i32), j = fn.addLocal(i32), at = fn.addLocal(i32);
  const value = fn.addLocal(shape.precision === "f32" ? ValType.f32 : ValType.f64);
  const ifFlag = (flag: number, body: () => void) => {
    fn.get(flags).i32Const(flag).op(Op.i32_and).if();
    body();
    fn.end();
  };
  forLoop(fn, r, rows, 1, () => {
    forLoop(fn, j, cols, 1, () => {
      fn.get(tile).get(r).get(rowStep).op(Op.i32_mul).get(j).get(colStep).op(Op.i32_mul).op(Op.i32_add)
        .i32Const(ops.bytes).op(Op.i32_mul).op(Op.i32_add).mem(ops.load, 0, ops.alignLog2).set(value);
      fn.get(c).get(r).get(ldc).op(Op.i32_mul).op(Op.i32_add).get(j).i32Const(ops.bytes).op(Op.i32_mul)
        .op(Op.i32_add).set(at);
      ifFlag(MatmulFlags.accumulate, () => {
        fn.get(value).get(at).mem(ops.load, 0, ops.alignLog2).op(ops.scalarAdd).set(value);
      });
      ifFlag(MatmulFlags.scale, () => {
        fn.get(value).get(alpha).op(ops.scalarMul).set(value);
      });
      ifFlag(MatmulFlags.addend, () => {
        fn.get(value).get(at).get(delta).op(Op.i32_add).mem(ops.load, 0, ops.alignLog2).op(ops.scalarAdd)
          .set(value);
      });
      ifFlag(MatmulFlags.bias, () => {
        fn.get(value).get(bias).get(j).i32Const(ops.bytes).op(Op.i32_mul).op(Op.i32_add)
          .mem(ops.load, 0, ops.alignLog2).op(ops.scalarAdd).set(value);
      });
      ifFlag(MatmulFlags.relu, () => {
        fn.get(value);
        if (shape.precision === "f32") fn.f32Const(0);
        else fn.f64Const(0);
        fn.op(ops.scalarMax).set(value);
      });
      fn.get(at).get(value).mem(ops.store, 0, ops.alignLog2);
    });
  });
  return fn.index;
}

/**
 * `macro(aPack, bPack, c, ldc, mc, nc, kc, flags, bias, scratch, alpha, delta)`: runs the micro-kernel over every tile of an
 * `mc × nc` block of C from packed panels; partial tiles go through `scratch` (MR×NR elements) and the merge.
 * Column panels are the outer loop so one B panel stays in L1 while the A panels stream from L2.
 */
function emitMacroKernel(builder: ModuleBuilder, shape: MatmulShape, micro: number, edge: number): void {
  const ops = precisionOps(shape.precision);
  const { mr } = shape;
  const nr = shape.nv * ops.lanes;
  const fn = builder.addFunction(
    "macro",
    [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, ops.scalar, i32],
    [],
  );
  const [aPack, bPack, c, ldc, mc, nc, kc, flags, bias, scratch, alpha, delta] = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
  ];
  const j0 = fn.addLocal(i32), i0 = fn.addLocal(i32), cols = fn.addLocal(i32), rows = fn.addLocal(i32);
  const bPanel = fn.addLocal(i32), aPanel = fn.addLocal(i32), cTile = fn.addLocal(i32);
  const biasAt = fn.addLocal(i32);
  const panelBytes = (width: number) => () => fn.get(kc).i32Const(width * ops.bytes).op(Op.i32_mul);

  fn.get(bPack).set(bPanel);
  forLoop(fn, j0, nc, nr, () => {
    // cols = min(nc - j0, NR); rows likewise: what of the micro tile lies inside the block.
    fn.i32Const(nr).get(nc).get(j0).op(Op.i32_sub).tee(cols).get(cols).i32Const(nr).op(Op.i32_gt_s)
      .op(Op.select).set(cols);
    fn.get(bias).get(j0).i32Const(ops.bytes).op(Op.i32_mul).op(Op.i32_add).set(biasAt);
    fn.get(aPack).set(aPanel);
    forLoop(fn, i0, mc, mr, () => {
      fn.i32Const(mr).get(mc).get(i0).op(Op.i32_sub).tee(rows).get(rows).i32Const(mr).op(Op.i32_gt_s)
        .op(Op.select).set(rows);
      fn.get(c).get(i0).get(ldc).op(Op.i32_mul).op(Op.i32_add).get(j0).i32Const(ops.bytes).op(Op.i32_mul)
        .op(Op.i32_add).set(cTile);
      // whole-width tiles (a short last row block included) go straight to C; narrow ones through scratch
      fn.get(cols).i32Const(nr).op(Op.i32_eq).if();
      fn.get(aPanel).get(bPanel).get(kc).get(cTile).get(ldc).get(flags).get(biasAt).get(alpha).get(delta)
        .get(rows).call(micro);
      fn.else();
      fn.get(aPanel).get(bPanel).get(kc).get(scratch).i32Const(nr * ops.bytes).i32Const(0).i32Const(0)
        .get(alpha).i32Const(0).i32Const(mr).call(micro);
      fn.get(scratch).get(cTile).get(ldc).get(rows).get(cols).get(flags).get(biasAt).get(alpha).get(delta)
        .i32Const(nr).i32Const(1).call(edge);
      fn.end();
      panelBytes(mr)();
      fn.get(aPanel).op(Op.i32_add).set(aPanel);
    });
    panelBytes(nr)();
    fn.get(bPanel).op(Op.i32_add).set(bPanel);
  });
}

/**
 * The module's bytes: exports `packA` (panels of MR rows), `packB` (panels of NR columns), `macro`, `merge`,
 * `microStrided` (the micro-kernel reading B in place), and the matrix-vector products `gemvDot` and `gemvAxpy`.
 *
 * @example
 * ```ts
 * import { matmulModuleBytes } from "./matmul_codegen.ts";
 * const shape = { precision: "f32", mr: 5, nv: 2, unroll: 4, fma: false, aLoad: "shuffle" } as const;
 * WebAssembly.validate(matmulModuleBytes(shape) as Uint8Array<ArrayBuffer>); // true
 * ```
 */
export function matmulModuleBytes(shape: MatmulShape): Uint8Array {
  const builder = new ModuleBuilder().importMemory("env", "memory", 0, ARENA_MEMORY);
  const lanes = precisionOps(shape.precision).lanes;
  emitPack(builder, "packA", shape.mr, shape);
  emitPack(builder, "packB", shape.nv * lanes, shape);
  const micro = emitMicroKernel(builder, shape);
  const edge = emitMerge(builder, shape);
  emitMacroKernel(builder, shape, micro, edge);
  emitGemv(builder, shape);
  emitMicroKernel(builder, shape, true);
  return builder.build();
}

/** The module name of a register-blocking shape (all a module depends on), for caches and prebuilt bytes. */
export function matmulModuleName(shape: MatmulShape): string {
  const { precision, mr, nv, unroll, fma, aLoad } = shape;
  return `matmul ${precision} mr${mr} nv${nv} u${unroll} ${fma ? "fma" : "nofma"} ${aLoad}`;
}
