/**
 * Lowers a typed fused elementwise kernel to one WebAssembly function
 * `run(out, n, ptr0, [stride0], ptr1, …)` that computes `n` output elements. Values are v128 vectors of
 * `W` elements: W = 4 (f32x4 / i32x4 / 32-bit masks) or, when float64 appears anywhere, W = 2 (f64x2, and the
 * other dtypes in the low lanes, booleans as 64-bit masks). A vector loop runs W elements at a time and a
 * scalar-width tail loop finishes with the same code on splatted loads.
 * @module
 */
import type { DType } from "../../../cas/dtype.ts";
import type { ElementwiseOp } from "../../../cas/ops/names.ts";
import type { ElementwiseKernel } from "../../kernel_ir.ts";
import { dtypesIn, type TypedNode, UnsupportedKernelError } from "./elementwise_types.ts";
import { MathF32 } from "./math_f32.ts";
import { ARENA_MEMORY, BYTES_PER_ELEMENT } from "./memory.ts";
import { ModuleBuilder, supportsRelaxedSimd } from "./module_builder.ts";
import { Op, Simd, ValType } from "./opcodes.ts";
import { FloatLanes, SimdValues, type Vec } from "./simd_values.ts";

/** How one input is read along the innermost loop: advancing by one element, fixed, or by a byte stride. */
export type InputMode = "contiguous" | "scalar" | "strided";

/** Code generation choices (exposed for benchmarks and for testing both multiply-add paths). */
export interface CodegenOptions {
  /** Vectors interleaved per iteration of the main loop. */
  readonly unroll: number;
  /** Math polynomials use relaxed_madd (fused on FMA CPUs). */
  readonly fma: boolean;
}

/**
 * The defaults: 5 interleaved vectors (softplus(a)·b + c per element, CPU time: 2.15 ns with 2, 1.88 with 3,
 * 1.56 with 4, 1.48 with 5, 1.65 with 6), FMA where available.
 */
export function defaultCodegenOptions(): CodegenOptions {
  return { unroll: 5, fma: supportsRelaxedSimd() };
}

/** A value in the vector loop: its dtype and the v128 holding W elements. */
interface Value {
  readonly dtype: DType;
  readonly vec: Vec;
}

/** f64 functions float64 kernels call per lane (and float32 kernels for some), by import name. */
export const F64_UNARY_IMPORTS = [
  "exp",
  "log",
  "log1p",
  "expm1",
  "sin",
  "cos",
  "tan",
  "asin",
  "acos",
  "atan",
  "sinh",
  "cosh",
  "tanh",
  "asinh",
  "acosh",
  "atanh",
  "erf",
  "sigmoid",
  "softplus",
  "log1mexp",
] as const;
/** Two-argument f64 imports. */
export const F64_BINARY_IMPORTS = ["pow", "hypot", "logaddexp"] as const;

/** The name of an imported float64 function (`math.<name>`). */
export type ImportName = typeof F64_UNARY_IMPORTS[number] | typeof F64_BINARY_IMPORTS[number];
const F32_VIA_IMPORT = new Set<string>(["sin", "cos", "tan", "asin", "acos", "atan", "pow", "logaddexp"]);

/** The import names a kernel needs, so they can be declared before any function. */
function importsNeeded(root: TypedNode): ImportName[] {
  const names = new Set<ImportName>();
  const all = new Set<string>([...F64_UNARY_IMPORTS, ...F64_BINARY_IMPORTS]);
  const visit = (node: TypedNode) => {
    if (node.expr.kind === "op" && all.has(node.expr.op)) {
      if (node.compute === "float64" || F32_VIA_IMPORT.has(node.expr.op)) {
        names.add(node.expr.op as ImportName);
      }
    }
    node.args.forEach(visit);
  };
  visit(root);
  return [...names];
}

/** Emits the body of one kernel variant (for one loop: `v.copies` interleaved vectors of W elements). */
class KernelEmitter {
  readonly f32: FloatLanes;
  readonly f64: FloatLanes;
  readonly math: MathF32;

  constructor(
    readonly v: SimdValues,
    readonly width: 2 | 4,
    readonly importIndex: Map<string, number>,
    options: CodegenOptions,
  ) {
    // Op semantics (a * b + c) stay unfused; only the math polynomials may use fused multiply-adds.
    this.f32 = new FloatLanes(v, "f32");
    this.f64 = new FloatLanes(v, "f64");
    this.math = new MathF32(v, { index: (name) => this.importIndex.get(name)! }, options.fma);
  }

  /** A 32-bit-lane mask (from an f32/i32 comparison) as this width's boolean. */
  boolFromMask32(mask: Vec): Vec {
    return this.width === 4 ? mask : this.v.op(Simd.i64x2_extend_low_i32x4_s, mask);
  }

  /** This width's boolean as a 32-bit-lane mask (to select f32/i32 lanes). */
  mask32FromBool(mask: Vec): Vec {
    if (this.width === 4) return mask;
    return this.v.shuffle(mask, mask, [0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]);
  }

  constant(value: number, dtype: DType): Value {
    const { v } = this;
    switch (dtype) {
      case "float32":
        return { dtype, vec: v.f32(Math.fround(value)) };
      case "float64":
        return { dtype, vec: v.f64(value) };
      case "int32":
        return { dtype, vec: v.i32(value | 0) };
      case "bool":
        return { dtype, vec: v.i32(value ? -1 : 0) };
    }
  }

  /** JS `x | 0` (truncate, wrap modulo 2^32, NaN and ±Inf → 0) for one f64x2 half, as int32 lanes 0–1. */
  private toInt32(x: Vec): Vec {
    const { f64: d, v } = this;
    const t = d.v.op(Simd.f64x2_trunc, x);
    let wrapped = d.sub(t, d.mul(d.floor(d.mul(t, d.c(2 ** -32))), d.c(2 ** 32)));
    wrapped = v.select(d.ge(wrapped, d.c(2 ** 31)), d.sub(wrapped, d.c(2 ** 32)), wrapped);
    return v.op(Simd.i32x4_trunc_sat_f64x2_s_zero, wrapped);
  }

  convert(value: Value, to: DType): Value {
    const from = value.dtype, x = value.vec;
    if (from === to) return value;
    const { v, f32, f64 } = this;
    const out = (vec: Vec): Value => ({ dtype: to, vec });
    if (from === "bool") {
      if (to === "float64") return out(v.and(x, v.f64(1)));
      return out(v.and(this.mask32FromBool(x), to === "float32" ? v.f32(1) : v.i32(1)));
    }
    if (to === "bool") {
      // NumPy's truthiness: x != 0, so NaN is true (IEEE's ne is true for NaN)
      if (from === "float64") return out(v.op(Simd.f64x2_ne, x, f64.c(0)));
      if (from === "float32") return out(this.boolFromMask32(v.op(Simd.f32x4_ne, x, f32.c(0))));
      return out(this.boolFromMask32(v.op(Simd.i32x4_ne, x, v.i32(0))));
    }
    if (from === "float32" && to === "float64") return out(v.op(Simd.f64x2_promote_low_f32x4, x));
    if (from === "float64" && to === "float32") return out(v.op(Simd.f32x4_demote_f64x2_zero, x));
    if (from === "int32" && to === "float32") return out(v.op(Simd.f32x4_convert_i32x4_s, x));
    if (from === "int32" && to === "float64") return out(v.op(Simd.f64x2_convert_low_i32x4_s, x));
    if (from === "float64") return out(this.toInt32(x));
    // float32 → int32 through float64 halves, for JS's exact wrap-around.
    const low = this.toInt32(v.op(Simd.f64x2_promote_low_f32x4, x));
    if (this.width === 2) return out(low);
    const highHalf = v.shuffle(x, x, [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]);
    const high = this.toInt32(v.op(Simd.f64x2_promote_low_f32x4, highHalf));
    return out(v.shuffle(low, high, [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]));
  }

  /** Emits a node, converting its arguments to its compute dtype and its value to its result dtype. */
  emit(node: TypedNode, input: (index: number) => Value, cache: Map<TypedNode, Value>): Value {
    const cached = cache.get(node);
    if (cached) return cached;
    let value: Value;
    const expr = node.expr;
    if (expr.kind === "input") value = input(expr.index);
    else if (expr.kind === "const") value = this.constant(expr.value, node.compute);
    else {
      // A where's condition is a boolean; every other argument converts to the compute dtype.
      const args = node.args.map((arg, i) =>
        this.convert(this.emit(arg, input, cache), expr.op === "where" && i === 0 ? "bool" : node.compute)
      );
      value = this.convert(this.apply(expr.op, node.compute, args, node), node.result);
    }
    cache.set(node, value);
    return value;
  }

  private apply(op: ElementwiseOp, compute: DType, args: Value[], node: TypedNode): Value {
    const x = args.map((arg) => arg.vec);
    if (op === "cast") return args[0];
    if (op === "where") {
      const mask = compute === "float64" || compute === "bool" ? x[0] : this.mask32FromBool(x[0]);
      return { dtype: compute, vec: this.v.select(mask, x[1], x[2]) };
    }
    if (op === "and" || op === "or" || op === "not") {
      const { v } = this;
      const vec = op === "and" ? v.and(x[0], x[1]) : op === "or" ? v.or(x[0], x[1]) : v.not(x[0]);
      return { dtype: "bool", vec };
    }
    if (["eq", "neq", "lt", "le", "gt", "ge"].includes(op)) return this.compare(op, compute, x[0], x[1]);
    if (compute === "int32") return { dtype: compute, vec: this.integerOp(op, x) };
    if (compute === "float32" || compute === "float64") {
      return { dtype: compute, vec: this.floatOp(op, compute, x, node) };
    }
    throw new UnsupportedKernelError(`${op} on ${compute} is not compiled`);
  }

  private compare(op: ElementwiseOp, compute: DType, a: Vec, b: Vec): Value {
    const { v } = this;
    if (compute === "float32" || compute === "float64") {
      const lanes = compute === "float32" ? this.f32 : this.f64;
      const table = { eq: lanes.eq, neq: lanes.ne, lt: lanes.lt, le: lanes.le, gt: lanes.gt, ge: lanes.ge };
      const mask = table[op as keyof typeof table].call(lanes, a, b);
      return { dtype: "bool", vec: compute === "float32" ? this.boolFromMask32(mask) : mask };
    }
    const opcode = {
      eq: Simd.i32x4_eq,
      neq: Simd.i32x4_ne,
      lt: Simd.i32x4_lt_s,
      le: Simd.i32x4_le_s,
      gt: Simd.i32x4_gt_s,
      ge: Simd.i32x4_ge_s,
    }[op as "eq"];
    return { dtype: "bool", vec: this.boolFromMask32(v.op(opcode, a, b)) };
  }

  private integerOp(op: ElementwiseOp, x: Vec[]): Vec {
    const { v } = this;
    switch (op) {
      case "add":
        return v.op(Simd.i32x4_add, x[0], x[1]);
      case "sub":
        return v.op(Simd.i32x4_sub, x[0], x[1]);
      case "mul":
        return v.op(Simd.i32x4_mul, x[0], x[1]);
      case "square":
        return v.op(Simd.i32x4_mul, x[0], x[0]);
      case "neg":
        return v.op(Simd.i32x4_neg, x[0]);
      case "abs":
        return v.op(Simd.i32x4_abs, x[0]);
      case "maximum":
        return v.op(Simd.i32x4_max_s, x[0], x[1]);
      case "minimum":
        return v.op(Simd.i32x4_min_s, x[0], x[1]);
      case "relu":
        return v.op(Simd.i32x4_max_s, x[0], v.i32(0));
      case "sign":
        return v.op(
          Simd.i32x4_sub,
          v.op(Simd.i32x4_lt_s, x[0], v.i32(0)),
          v.op(Simd.i32x4_gt_s, x[0], v.i32(0)),
        );
      case "floor":
      case "ceil":
      case "round":
        return x[0];
      default:
        throw new UnsupportedKernelError(`${op} on int32 is not compiled`);
    }
  }

  private floatOp(op: ElementwiseOp, compute: "float32" | "float64", x: Vec[], node: TypedNode): Vec {
    const lanes = compute === "float32" ? this.f32 : this.f64;
    const { v } = this;
    switch (op) {
      case "add":
        return lanes.add(x[0], x[1]);
      case "sub":
        return lanes.sub(x[0], x[1]);
      case "mul":
        return lanes.mul(x[0], x[1]);
      case "div":
        return lanes.div(x[0], x[1]);
      case "neg":
        return lanes.neg(x[0]);
      case "abs":
        return lanes.abs(x[0]);
      case "sqrt":
        return lanes.sqrt(x[0]);
      case "square":
        return lanes.mul(x[0], x[0]);
      case "floor":
        return lanes.floor(x[0]);
      case "ceil":
        return lanes.ceil(x[0]);
      case "round":
        return lanes.nearest(x[0]);
      case "maximum":
        return lanes.max(x[0], x[1]);
      case "minimum":
        return lanes.min(x[0], x[1]);
      case "relu":
        return lanes.max(x[0], lanes.c(0));
      case "sign": {
        const nonZero = v.or(lanes.gt(x[0], lanes.c(0)), lanes.lt(x[0], lanes.c(0)));
        return v.select(nonZero, lanes.copySign(lanes.c(1), x[0]), x[0]);
      }
      case "pow": {
        const exponent = node.args[1].expr;
        if (exponent.kind === "const" && exponent.value === 2) return lanes.mul(x[0], x[0]);
        break;
      }
    }
    if (compute === "float64") return this.perLane(op, "f64", x);
    const math = this.math;
    switch (op) {
      case "exp":
      case "log":
      case "log1p":
      case "expm1":
      case "tanh":
      case "sigmoid":
      case "softplus":
      case "erf":
      case "sin":
      case "cos":
      case "tan":
      case "sinh":
      case "cosh":
      case "asinh":
      case "acosh":
      case "atanh":
      case "log1mexp":
        return math[op](x[0]);
      case "hypot":
        return math.hypot(x[0], x[1]);
      case "asin":
      case "acos":
      case "atan":
      case "pow":
      case "logaddexp":
        return math.viaImport(op, x);
    }
    throw new UnsupportedKernelError(`${op} on ${compute} is not compiled`);
  }

  private perLane(op: ElementwiseOp, lanes: "f32" | "f64", x: Vec[]): Vec {
    const index = this.importIndex.get(op);
    if (index === undefined) throw new UnsupportedKernelError(`${op} on float64 is not compiled`);
    const result = this.v.mutable(x[0]);
    this.v.perLaneCall(result, lanes, index, x);
    return result;
  }
}

/** The byte size of a dtype's element. */
function sizeOf(dtype: DType): number {
  return BYTES_PER_ELEMENT[dtype];
}

/**
 * Loads `count` (W or 1) elements of `dtype` per copy, copy c starting `c·count` elements after `address`
 * (a count of 1 is splatted to all lanes). With `stride` (bytes) the elements are gathered.
 */
function emitLoad(e: KernelEmitter, dtype: DType, address: number, count: number, stride?: number): Value {
  const fn = e.v.fn;
  const size = sizeOf(dtype);
  const splat = { 1: Simd.v128_load8_splat, 4: Simd.v128_load32_splat, 8: Simd.v128_load64_splat }[size]!;
  const laneLoad = { 1: Simd.v128_load8_lane, 4: Simd.v128_load32_lane, 8: Simd.v128_load64_lane }[size]!;
  const alignLog2 = Math.log2(size);
  const elementAddress = (element: number) => {
    fn.get(address);
    if (element > 0) fn.get(stride!).i32Const(element).op(Op.i32_mul).op(Op.i32_add);
  };
  let vec = e.v.each((copy) => {
    const offset = copy * count * size;
    if (count === 1) {
      fn.get(address).simdMem(splat, offset, alignLog2);
    } else if (stride !== undefined) {
      // Gather: lane 0 by a splat load, the others one lane at a time.
      const gathered = fn.addLocal(ValType.v128);
      elementAddress(copy * count);
      fn.simdMem(splat, 0, alignLog2).set(gathered);
      for (let lane = 1; lane < count; lane++) {
        elementAddress(copy * count + lane);
        fn.get(gathered).simdMemLane(laneLoad, lane, 0, alignLog2).set(gathered);
      }
      fn.get(gathered);
    } else {
      const opcode =
        { 16: Simd.v128_load, 8: Simd.v128_load64_zero, 4: Simd.v128_load32_zero }[size * count] ??
          Simd.v128_load16_splat;
      fn.get(address).simdMem(opcode, offset, alignLog2);
    }
  });
  if (dtype !== "bool") return { dtype, vec };
  // Bytes → lanes of the boolean width, then nonzero → all ones.
  vec = e.v.op(Simd.i16x8_extend_low_i8x16_u, vec);
  vec = e.v.op(Simd.i32x4_extend_low_i16x8_u, vec);
  if (e.width === 4) return { dtype, vec: e.v.op(Simd.i32x4_ne, vec, e.v.i32(0)) };
  vec = e.v.op(Simd.i64x2_extend_low_i32x4_u, vec);
  return { dtype, vec: e.v.op(Simd.i64x2_ne, vec, e.v.i64(0, 0)) };
}

/** Stores `count` (W or 1) elements per copy of a value (already of the output dtype) at `address`. */
function emitStore(e: KernelEmitter, value: Value, address: number, count: number): void {
  const fn = e.v.fn;
  const size = sizeOf(value.dtype);
  let vec = value.vec;
  if (value.dtype === "bool") {
    // Masks → 0/1 bytes packed at the front.
    const laneBytes = e.width === 4 ? 4 : 8;
    const ones = e.v.and(vec, e.v.i32(1));
    vec = e.v.shuffle(ones, ones, Array.from({ length: 16 }, (_, i) => (i * laneBytes) % 16));
  }
  const bytes = size * count;
  const alignLog2 = Math.log2(size);
  for (let copy = 0; copy < e.v.copies; copy++) {
    fn.get(address);
    e.v.push(vec, copy);
    if (bytes === 16) fn.simdMem(Simd.v128_store, copy * bytes, alignLog2);
    else {
      const laneStore =
        { 1: Simd.v128_store8_lane, 2: Simd.v128_store16_lane, 4: Simd.v128_store32_lane }[bytes] ??
          Simd.v128_store64_lane;
      fn.simdMemLane(laneStore, 0, copy * bytes, alignLog2);
    }
  }
}

/** Builds the module of one variant: `run(out, n, ptr0, [stride0], ...)` plus the import names it needs. */
export function buildElementwiseModule(
  kernel: ElementwiseKernel,
  typed: TypedNode,
  modes: readonly InputMode[],
  options: CodegenOptions = defaultCodegenOptions(),
): { module: WebAssembly.Module; imports: ImportName[] } {
  const { unroll } = options;
  const { i32 } = ValType;
  const width = dtypesIn(typed, kernel).has("float64") ? 2 : 4;
  const builder = new ModuleBuilder().importMemory("env", "memory", 0, ARENA_MEMORY);
  const imports = importsNeeded(typed);
  const importIndex = new Map<string, number>();
  for (const name of imports) {
    const arity = (F64_BINARY_IMPORTS as readonly string[]).includes(name) ? 2 : 1;
    importIndex.set(
      name,
      builder.importFunction("math", name, Array(arity).fill(ValType.f64), [ValType.f64]),
    );
  }
  const params = [i32, i32];
  const pointer: number[] = [], stride: (number | undefined)[] = [];
  for (const mode of modes) {
    pointer.push(params.length);
    params.push(i32);
    stride.push(mode === "strided" ? params.length : undefined);
    if (mode === "strided") params.push(i32);
  }
  const fn = builder.addFunction("run", params, []);
  const base = new SimdValues(fn);
  const emitter = (copies: number) => new KernelEmitter(base.withCopies(copies), width, importIndex, options);
  const [out, n] = [0, 1];
  const i = fn.addLocal(i32), end = fn.addLocal(i32);
  const outSize = sizeOf(kernel.outDtype);

  // Inputs read once: broadcast scalars are loaded before the loops.
  const scalars = modes.map((mode, k) =>
    mode === "scalar" ? emitLoad(emitter(1), kernel.inputDtypes[k], pointer[k], 1) : undefined
  );
  /** A loop over `copies` vectors of `count` elements per iteration, up to the largest multiple below n. */
  const loop = (count: number, copies: number) => {
    const step = count * copies;
    fn.get(n).get(n).i32Const(step).op(Op.i32_rem_u).op(Op.i32_sub).set(end);
    fn.block().loop();
    fn.get(i).get(end).op(Op.i32_ge_u).brIf(1);
    const e = emitter(copies);
    const value = e.emit(typed, (k) => {
      return scalars[k] ??
        emitLoad(e, kernel.inputDtypes[k], pointer[k], count, count > 1 ? stride[k] : undefined);
    }, new Map());
    emitStore(e, e.convert(value, kernel.outDtype), out, count);
    fn.get(out).i32Const(step * outSize).op(Op.i32_add).set(out);
    modes.forEach((mode, k) => {
      if (mode === "scalar") return;
      fn.get(pointer[k]);
      if (mode === "contiguous") fn.i32Const(step * sizeOf(kernel.inputDtypes[k]));
      else fn.get(stride[k]!).i32Const(step).op(Op.i32_mul);
      fn.op(Op.i32_add).set(pointer[k]);
    });
    fn.get(i).i32Const(step).op(Op.i32_add).set(i);
    fn.br(0).end().end();
  };
  loop(width, unroll);
  if (unroll > 1) loop(width, 1);
  loop(1, 1);
  return { module: builder.compile(), imports };
}
