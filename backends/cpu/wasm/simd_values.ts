/**
 * Writing SIMD code as values instead of stack juggling: every operation pushes its operands (locals or
 * constants), emits one instruction and stores the result in a fresh v128 local, which it returns. The math
 * emitters and the elementwise compiler read like straight-line formulas on top of it; V8's optimizing tier
 * turns the locals into SSA values, so the extra locals cost nothing in the fast code.
 * @module
 */
import type { FunctionBuilder } from "./module_builder.ts";
import { Op, Simd, type SimdOp, ValType } from "./opcodes.ts";

/** A v128 operand: a local, or a constant inlined at each use. */
export type Vec = { readonly local: number } | { readonly constant: Uint8Array };

/** The 16 bytes of a vector with every lane of the typed array's kind set to `lanes`. */
function constantOf(array: Float32Array | Float64Array | Int32Array): Vec {
  return { constant: new Uint8Array(array.buffer) };
}

/** Emits SIMD operations on `Vec` values into one function. */
export class SimdValues {
  constructor(readonly fn: FunctionBuilder) {}

  /** Pushes a value onto the wasm stack. */
  push(value: Vec): void {
    if ("local" in value) this.fn.get(value.local);
    else this.fn.v128Const(value.constant);
  }

  /** Pops the v128 on top of the stack into a fresh local. */
  keep(): Vec {
    const local = this.fn.addLocal(ValType.v128);
    this.fn.set(local);
    return { local };
  }

  /** Copies a value into a fresh local (to update it later, e.g. lane by lane). */
  mutable(value: Vec): { readonly local: number } {
    this.push(value);
    return this.keep() as { local: number };
  }

  /** One instruction over the operands in order: `opcode(args…)`. */
  op(opcode: SimdOp, ...args: Vec[]): Vec {
    for (const arg of args) this.push(arg);
    this.fn.simd(opcode);
    return this.keep();
  }

  /** A shift (`i32x4.shl` etc.) by a constant bit count. */
  shift(opcode: SimdOp, value: Vec, bits: number): Vec {
    this.push(value);
    this.fn.i32Const(bits).simd(opcode);
    return this.keep();
  }

  /** An `i8x16.shuffle` of two values. */
  shuffle(a: Vec, b: Vec, bytes: ArrayLike<number>): Vec {
    this.push(a);
    this.push(b);
    this.fn.shuffle(bytes);
    return this.keep();
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

  /** `a & ~b`. */
  andNot(a: Vec, b: Vec): Vec {
    return this.op(Simd.v128_andnot, a, b);
  }

  /** A constant with four float32 lanes. */
  f32(value: number): Vec {
    return constantOf(new Float32Array([value, value, value, value]));
  }

  /** A constant with two float64 lanes. */
  f64(value: number): Vec {
    return constantOf(new Float64Array([value, value]));
  }

  /** A constant with four int32 lanes. */
  i32(value: number): Vec {
    return constantOf(new Int32Array([value, value, value, value]));
  }

  /** A constant with two int64 lanes given as signed 32-bit halves (low, high). */
  i64(low: number, high: number): Vec {
    return constantOf(new Int32Array([low, high, low, high]));
  }

  /** Runs `body` only when any lane of `mask` is set (a vector-wide branch, e.g. into a slow path). */
  ifAny(mask: Vec, body: () => void): void {
    this.push(mask);
    this.fn.simd(Simd.v128_any_true).if();
    body();
    this.fn.end();
  }

  /**
   * Sets each lane of `target` to `fn(lanes of args)`, with `fn` an imported f64 function of `args.length`
   * parameters (f32 lanes are widened for the call and rounded back: exactly `Math.fround(Math.f(x))`).
   */
  perLaneCall(target: { readonly local: number }, lanes: "f32" | "f64", functionIndex: number, args: Vec[]): void {
    const count = lanes === "f32" ? 4 : 2;
    const extract = lanes === "f32" ? Simd.f32x4_extract_lane : Simd.f64x2_extract_lane;
    const replace = lanes === "f32" ? Simd.f32x4_replace_lane : Simd.f64x2_replace_lane;
    for (let lane = 0; lane < count; lane++) {
      this.fn.get(target.local);
      for (const arg of args) {
        this.push(arg);
        this.fn.simdLane(extract, lane);
        if (lanes === "f32") this.fn.op(Op.f64_promote_f32);
      }
      this.fn.call(functionIndex);
      if (lanes === "f32") this.fn.op(Op.f32_demote_f64);
      this.fn.simdLane(replace, lane).set(target.local);
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

  constructor(readonly v: SimdValues, readonly kind: "f32" | "f64") {
    this.code = kind === "f32" ? F32_OPCODES : F64_OPCODES;
  }

  /** A constant in every lane. */
  c(value: number): Vec {
    return this.kind === "f32" ? this.v.f32(value) : this.v.f64(value);
  }
  add(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.add, a, b);
  }
  sub(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.sub, a, b);
  }
  mul(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.mul, a, b);
  }
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
  abs(a: Vec): Vec {
    return this.v.op(this.code.abs, a);
  }
  neg(a: Vec): Vec {
    return this.v.op(this.code.neg, a);
  }
  sqrt(a: Vec): Vec {
    return this.v.op(this.code.sqrt, a);
  }
  eq(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.eq, a, b);
  }
  ne(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.ne, a, b);
  }
  lt(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.lt, a, b);
  }
  le(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.le, a, b);
  }
  gt(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.gt, a, b);
  }
  ge(a: Vec, b: Vec): Vec {
    return this.v.op(this.code.ge, a, b);
  }
  floor(a: Vec): Vec {
    return this.v.op(this.code.floor, a);
  }
  ceil(a: Vec): Vec {
    return this.v.op(this.code.ceil, a);
  }
  /** Round half to even. */
  nearest(a: Vec): Vec {
    return this.v.op(this.code.nearest, a);
  }
  /** `a * b + c` with two roundings (deterministic on every CPU, unlike relaxed_madd). */
  mulAdd(a: Vec, b: Vec, c: Vec): Vec {
    return this.add(this.mul(a, b), c);
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
