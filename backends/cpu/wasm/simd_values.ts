/**
 * Writing SIMD code as values instead of stack juggling: every operation pushes its operands, emits one
 * instruction and stores the result in a fresh v128 local, which it returns. The math emitters and the
 * elementwise compiler read like straight-line formulas on top of it; V8's optimizing tier turns the locals
 * into SSA values, so the extra locals cost nothing in the fast code.
 * @module
 */
import type { FunctionBuilder } from "./module_builder.ts";
import { Op, Simd, type SimdOp, ValType } from "./opcodes.ts";

/**
 * A vector value: one v128 local per interleaved copy. Kernels run `copies` independent vectors through the
 * same formula, emitted instruction by instruction side by side, so long dependency chains (a softplus is
 * ~60 dependent operations) overlap instead of leaving the CPU waiting on latency. Constants are a single
 * local shared by every copy, hoisted into the function's prologue.
 */
export interface Vec {
  /** The v128 local of each copy (one local shared by all copies for constants and hoisted values). */
  readonly locals: readonly number[];
}

/** Emits SIMD operations on `Vec` values into one function. */
export class SimdValues {
  /** `copies` interleaved vectors per value; `constants` is shared between emitters of one function. */
  constructor(
    readonly fn: FunctionBuilder,
    readonly copies: number = 1,
    private readonly constants: Map<string, Vec> = new Map(),
  ) {}

  /** The same emitter working on another number of copies (sharing the hoisted constants). */
  withCopies(copies: number): SimdValues {
    return new SimdValues(this.fn, copies, this.constants);
  }

  /** Pushes copy `copy` of a value onto the wasm stack. */
  push(value: Vec, copy: number): void {
    this.fn.get(value.locals.length === 1 ? value.locals[0] : value.locals[copy]);
  }

  /** A constant vector: a local set once in the prologue (shared by every use of the same bytes). */
  constant(array: Float32Array | Float64Array | Int32Array): Vec {
    const bytes = new Uint8Array(array.buffer);
    const key = bytes.join(",");
    let found = this.constants.get(key);
    if (!found) {
      const local = this.fn.addLocal(ValType.v128);
      this.fn.prologue.byte(0xfd).u32(Simd.v128_const).append(bytes).byte(Op.local_set).u32(local);
      this.constants.set(key, found = { locals: [local] });
    }
    return found;
  }

  /** For each copy, runs `emit` (which leaves one v128 on the stack) and stores it in a fresh local. */
  each(emit: (copy: number) => void): Vec {
    const locals: number[] = [];
    for (let copy = 0; copy < this.copies; copy++) {
      emit(copy);
      const local = this.fn.addLocal(ValType.v128);
      this.fn.set(local);
      locals.push(local);
    }
    return { locals };
  }

  /** Copies a value into fresh locals (to update them later, e.g. lane by lane). */
  mutable(value: Vec): Vec {
    return this.each((copy) => this.push(value, copy));
  }

  /** Overwrites `target`'s locals with `value` (for values updated inside a branch). */
  assign(target: Vec, value: Vec): void {
    for (let copy = 0; copy < this.copies; copy++) {
      this.push(value, copy);
      this.fn.set(target.locals[copy]);
    }
  }

  /** One instruction over the operands in order: `opcode(args…)`. */
  op(opcode: SimdOp, ...args: Vec[]): Vec {
    return this.each((copy) => {
      for (const arg of args) this.push(arg, copy);
      this.fn.simd(opcode);
    });
  }

  /** A shift (`i32x4.shl` etc.) by a constant bit count. */
  shift(opcode: SimdOp, value: Vec, bits: number): Vec {
    return this.each((copy) => {
      this.push(value, copy);
      this.fn.i32Const(bits).simd(opcode);
    });
  }

  /** An `i8x16.shuffle` of two values. */
  shuffle(a: Vec, b: Vec, bytes: ArrayLike<number>): Vec {
    return this.each((copy) => {
      this.push(a, copy);
      this.push(b, copy);
      this.fn.shuffle(bytes);
    });
  }

  /** Lanes of `ifTrue` where `mask` bits are set, else of `ifFalse`. */
  select(mask: Vec, ifTrue: Vec, ifFalse: Vec): Vec {
    return this.op(Simd.v128_bitselect, ifTrue, ifFalse, mask);
  }

  /** Bitwise and. */
  and(a: Vec, b: Vec): Vec {
    return this.op(Simd.v128_and, a, b);
  }

  /** Bitwise or. */
  or(a: Vec, b: Vec): Vec {
    return this.op(Simd.v128_or, a, b);
  }

  /** Bitwise xor. */
  xor(a: Vec, b: Vec): Vec {
    return this.op(Simd.v128_xor, a, b);
  }

  /** Bitwise not. */
  not(a: Vec): Vec {
    return this.op(Simd.v128_not, a);
  }

  /** A constant with four float32 lanes. */
  f32(value: number): Vec {
    return this.constant(new Float32Array([value, value, value, value]));
  }

  /** A constant with two float64 lanes. */
  f64(value: number): Vec {
    return this.constant(new Float64Array([value, value]));
  }

  /** A constant with four int32 lanes. */
  i32(value: number): Vec {
    return this.constant(new Int32Array([value, value, value, value]));
  }

  /** A constant with two int64 lanes given as signed 32-bit halves (low, high). */
  i64(low: number, high: number): Vec {
    return this.constant(new Int32Array([low, high, low, high]));
  }

  /** Runs `body` only when any lane of any copy of `mask` is set (a branch into a slow path). */
  ifAny(mask: Vec, body: () => void): void {
    for (let copy = 0; copy < this.copies; copy++) {
      this.push(mask, copy);
      this.fn.simd(Simd.v128_any_true);
      if (copy > 0) this.fn.op(Op.i32_or);
    }
    this.fn.if();
    body();
    this.fn.end();
  }

  /**
   * Sets each lane of `target` to `fn(lanes of args)`, with `fn` an imported f64 function of `args.length`
   * parameters (f32 lanes are widened for the call and rounded back: exactly `Math.fround(Math.f(x))`).
   */
  perLaneCall(target: Vec, lanes: "f32" | "f64", functionIndex: number, args: Vec[]): void {
    const count = lanes === "f32" ? 4 : 2;
    const extract = lanes === "f32" ? Simd.f32x4_extract_lane : Simd.f64x2_extract_lane;
    const replace = lanes === "f32" ? Simd.f32x4_replace_lane : Simd.f64x2_replace_lane;
    for (let copy = 0; copy < this.copies; copy++) {
      const local = target.locals[copy];
      for (let lane = 0; lane < count; lane++) {
        this.fn.get(local);
        for (const arg of args) {
          this.push(arg, copy);
          this.fn.simdLane(extract, lane);
          if (lanes === "f32") this.fn.op(Op.f64_promote_f32);
        }
        this.fn.call(functionIndex);
        if (lanes === "f32") this.fn.op(Op.f32_demote_f64);
        this.fn.simdLane(replace, lane).set(local);
      }
    }
  }
}

/** The opcodes of one float lane type, so formulas can be written once for f32x4 and f64x2. */
interface FloatOpcodes {
  readonly add: SimdOp;
  readonly sub: SimdOp;
  readonly mul: SimdOp;
  readonly div: SimdOp;
  readonly min: SimdOp;
  readonly max: SimdOp;
  readonly pmin: SimdOp;
  readonly pmax: SimdOp;
  readonly abs: SimdOp;
  readonly neg: SimdOp;
  readonly sqrt: SimdOp;
  readonly eq: SimdOp;
  readonly ne: SimdOp;
  readonly lt: SimdOp;
  readonly le: SimdOp;
  readonly gt: SimdOp;
  readonly ge: SimdOp;
  readonly floor: SimdOp;
  readonly ceil: SimdOp;
  readonly nearest: SimdOp;
}

const F32_OPCODES: FloatOpcodes = {
  add: Simd.f32x4_add,
  sub: Simd.f32x4_sub,
  mul: Simd.f32x4_mul,
  div: Simd.f32x4_div,
  min: Simd.f32x4_min,
  max: Simd.f32x4_max,
  pmin: Simd.f32x4_pmin,
  pmax: Simd.f32x4_pmax,
  abs: Simd.f32x4_abs,
  neg: Simd.f32x4_neg,
  sqrt: Simd.f32x4_sqrt,
  eq: Simd.f32x4_eq,
  ne: Simd.f32x4_ne,
  lt: Simd.f32x4_lt,
  le: Simd.f32x4_le,
  gt: Simd.f32x4_gt,
  ge: Simd.f32x4_ge,
  floor: Simd.f32x4_floor,
  ceil: Simd.f32x4_ceil,
  nearest: Simd.f32x4_nearest,
};

const F64_OPCODES: FloatOpcodes = {
  add: Simd.f64x2_add,
  sub: Simd.f64x2_sub,
  mul: Simd.f64x2_mul,
  div: Simd.f64x2_div,
  min: Simd.f64x2_min,
  max: Simd.f64x2_max,
  pmin: Simd.f64x2_pmin,
  pmax: Simd.f64x2_pmax,
  abs: Simd.f64x2_abs,
  neg: Simd.f64x2_neg,
  sqrt: Simd.f64x2_sqrt,
  eq: Simd.f64x2_eq,
  ne: Simd.f64x2_ne,
  lt: Simd.f64x2_lt,
  le: Simd.f64x2_le,
  gt: Simd.f64x2_gt,
  ge: Simd.f64x2_ge,
  floor: Simd.f64x2_floor,
  ceil: Simd.f64x2_ceil,
  nearest: Simd.f64x2_nearest,
};

/** Float arithmetic on one lane type (`f32x4` or `f64x2`), as `Vec` → `Vec` methods. */
export class FloatLanes {
  private readonly code: FloatOpcodes;

  /**
   * `fma`: evaluate `mulAdd` with relaxed_madd, which V8 fuses on CPUs with FMA (one rounding) and splits
   * elsewhere (two roundings); the formulas using it are accurate either way.
   */
  constructor(readonly v: SimdValues, readonly kind: "f32" | "f64", readonly fma = false) {
    this.code = kind === "f32" ? F32_OPCODES : F64_OPCODES;
  }

  /** A constant in every lane. */
  c(value: number): Vec {
    return this.kind === "f32" ? this.v.f32(value) : this.v.f64(value);
  }
  /** Lane-wise `a + b`. */
  add(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.add, a, b);
  }
  /** Lane-wise `a - b`. */
  sub(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.sub, a, b);
  }
  /** Lane-wise `a · b`. */
  mul(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.mul, a, b);
  }
  /** Lane-wise `a / b`. */
  div(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.div, a, b);
  }
  /** IEEE-754 2019 minimum: NaN if either is NaN, -0 < +0 (like `Math.min`). */
  min(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.min, a, b);
  }
  /** IEEE-754 2019 maximum (like `Math.max`). */
  max(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.max, a, b);
  }
  /** `b < a ? b : a`: one instruction; a NaN in `a` passes through. Used for clamping. */
  pmin(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.pmin, a, b);
  }
  /** `a < b ? b : a`: one instruction; a NaN in `a` passes through. */
  pmax(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.pmax, a, b);
  }
  /** Lane-wise |a|. */
  abs(a: Vec): Vec {
    return this.v.op(this.code.abs, a);
  }
  /** Lane-wise -a. */
  neg(a: Vec): Vec {
    return this.v.op(this.code.neg, a);
  }
  /** Lane-wise √a (correctly rounded). */
  sqrt(a: Vec): Vec {
    return this.v.op(this.code.sqrt, a);
  }
  /** Mask of `a == b`. */
  eq(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.eq, a, b);
  }
  /** Mask of `a != b` (true for NaN). */
  ne(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.ne, a, b);
  }
  /** Mask of `a < b`. */
  lt(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.lt, a, b);
  }
  /** Mask of `a <= b`. */
  le(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.le, a, b);
  }
  /** Mask of `a > b`. */
  gt(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.gt, a, b);
  }
  /** Mask of `a >= b`. */
  ge(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.ge, a, b);
  }
  /** Lane-wise floor. */
  floor(a: Vec): Vec {
    return this.v.op(this.code.floor, a);
  }
  /** Lane-wise ceiling. */
  ceil(a: Vec): Vec {
    return this.v.op(this.code.ceil, a);
  }
  /** Round half to even. */
  nearest(a: Vec): Vec {
    return this.v.op(this.code.nearest, a);
  }
  /** `a * b + c` (fused when `fma` is on and the CPU has FMA). */
  mulAdd(a: Vec, b: Vec, c: Vec): Vec {
    if (this.fma) {
      return this.v.op(this.kind === "f32" ? Simd.f32x4_relaxed_madd : Simd.f64x2_relaxed_madd, a, b, c);
    }
    return this.add(this.mul(a, b), c);
  }
  /** `-|a|`, one instruction (setting the sign bit). */
  negAbs(a: Vec): Vec {
    return this.v.or(a, this.kind === "f32" ? this.v.i32(-0x80000000) : this.v.i64(0, -0x80000000));
  }
  /** `c0 + x·(c1 + x·(c2 + …))`, Horner's scheme. */
  horner(x: Vec, coefficients: readonly number[]): Vec {
    let sum = this.c(coefficients[coefficients.length - 1]);
    for (let i = coefficients.length - 2; i >= 0; i--) sum = this.mulAdd(sum, x, this.c(coefficients[i]));
    return sum;
  }

  /** `magnitude` with the sign bit of `sign`. */
  copySign(magnitude: Vec, sign: Vec): Vec {
    const signBit = this.kind === "f32" ? this.v.i32(-0x80000000) : this.v.i64(0, -0x80000000);
    return this.v.select(signBit, sign, magnitude);
  }
}
