/**
 * Vectorized float32 transcendentals, emitted as f32x4 code: range reduction plus short polynomials (Taylor,
 * or Chebyshev fits from `tests/backends/cpu/wasm/fit_polynomials.ts`), with NaN/±Inf/±0/subnormal handling
 * that matches `Math.fround(Math.f(x))`. Trigonometric functions reduce and evaluate in float64 lanes, so they
 * are correctly rounded in practice; arguments beyond 2^18 take a per-lane `Math` call.
 * @module
 */
import { FloatLanes, type SimdValues, type Vec } from "./simd_values.ts";
import { Simd } from "./opcodes.ts";

/** Functions float32 kernels compute by a float64 `Math` call per lane (logaddexp: its max + log1p(e^-|a-b|)
 * cancels to far more than a few float32 ulps near 0, so it is evaluated in float64). */
export type ViaImport = "asin" | "acos" | "atan" | "pow" | "logaddexp";

/** The imported float64 functions a float32 kernel may call per lane (their function indices). */
export interface MathImports {
  /** The function index of the imported float64 function `name`. */
  index(name: ViaImport | "sin" | "cos" | "tan"): number;
}

const LOG2E = 1.4426950408889634;
/** ln 2 = LN2_HI + LN2_LO, LN2_HI with 15 significant bits so that n·LN2_HI is exact for |n| < 512. */
const LN2_HI = 22713 / 32768;
const LN2_LO = 1.4286068203094172e-6;
/** Adding 1.5·2^23 rounds a float32 below 2^22 to an integer, left in the low mantissa bits. */
const ROUND_MAGIC = 12582912;
const ROUND_MAGIC_BITS = 0x4b400000;
const SQRT_HALF_BITS = 0x3f3504f3;
const MIN_NORMAL = 2 ** -126;
/** π/2 as three float64 parts, the first two with 33 significant bits (k·part exact for |k| < 2^20). */
const PIO2_1 = 1.570796326734125614166259765625;
const PIO2_2 = 6.077100506303965976595549136618501506745815277099609375e-11;
const PIO2_3 = 2.0222662487959506e-21;
/** Beyond this |x| the float64 Cody–Waite reduction is no longer exact enough; a Math call per lane. */
const TRIG_FAST_LIMIT = 262144;

/** (e^r - 1 - r)/r² on |r| ≤ ln2/2 (degree-4 Chebyshev fit; e^r = 1 + r + r²·Q(r) within 1e-8 relative). */
export const EXPM1_TAIL: readonly number[] = [0.5, 0.166665778, 0.0416665561, 0.00836317334, 0.00139261759];
/** e^r = 1 + r + r²·Q(r), evaluated as one Horner chain. */
const EXP_POLY = [1, 1, ...EXPM1_TAIL];

/** (log1p(g) - g + g²/2)/g³ on [√½-1, ½] (degree-8 Chebyshev fit; log1p error < 0.85 ulp in float32). */
export const LOG1P_TAIL: readonly number[] = [
  0.333333313,
  -0.250000745,
  0.20000957,
  -0.166611999,
  0.142361149,
  -0.125662312,
  0.119499706,
  -0.106183156,
  0.0521774068,
];

/** erf(x) = x + x·P(x²) on |x| < 1, P = erf(x)/x - 1 (degree-6 Chebyshev fit, f32 error < 0.4 ulp). */
export const ERF_SMALL: readonly number[] = [
  0.128379166,
  -0.376126260,
  0.112835944,
  -0.0268542115,
  0.00518908724,
  -0.000801686430,
  0.0000787587487,
];
/** erfc(x)·e^{x²} on 1 ≤ x ≤ 4 in s = (x - 2.5)/1.5 (degree-10 Chebyshev fit). */
export const ERFC_SCALED: readonly number[] = [
  0.21080637,
  -0.111521393,
  0.0561106279,
  -0.026997935,
  0.0124867018,
  -0.00561124319,
  0.00241837394,
  -0.000916255871,
  0.000376494834,
  -0.000245195552,
  0.000092940194,
];

/** Emits float32 math on f32x4 values. Each method returns a new value and leaves its argument untouched. */
export class MathF32 {
  /** f32x4 arithmetic. */
  readonly f: FloatLanes;
  /** f64x2 arithmetic (for the trigonometric functions and hypot). */
  readonly d: FloatLanes;

  /** `fma`: polynomials use relaxed_madd (see `FloatLanes`); results meet the same bounds either way. */
  constructor(readonly v: SimdValues, readonly imports: MathImports, fma = false) {
    this.f = new FloatLanes(v, "f32", fma);
    this.d = new FloatLanes(v, "f64", fma);
  }

  // ---- exp family -------------------------------------------------------------------------------------------

  /**
   * Splits x = n·ln2 + r, |r| ≤ ln2/2, for x already clamped to |x| < 2^21. Returns n as a float and as the
   * int32 `n + bias` (read from the low mantissa bits of the rounding sum).
   */
  private reduceLn2(x: Vec, bias = 0): { n: Vec; ni: Vec; r: Vec } {
    const { f, v } = this;
    const t = f.mulAdd(x, f.c(LOG2E), f.c(ROUND_MAGIC));
    const n = f.sub(t, f.c(ROUND_MAGIC));
    const ni = v.op(Simd.i32x4_sub, t, v.i32(ROUND_MAGIC_BITS - bias));
    const r = f.mulAdd(n, f.c(-LN2_LO), f.mulAdd(n, f.c(-LN2_HI), x));
    return { n, ni, r };
  }

  /** 2^ni as float32 for integer lanes -126 ≤ ni ≤ 127. */
  private pow2(ni: Vec): Vec {
    return this.v.shift(Simd.i32x4_shl, this.v.op(Simd.i32x4_add, ni, this.v.i32(127)), 23);
  }

  /** expm1(r) - r = r²·Q(r) on |r| ≤ ln2/2; Q is a degree-4 Chebyshev fit (relative error < 1e-8). */
  private expm1Tail(r: Vec): Vec {
    const { f } = this;
    return f.mul(f.mul(r, r), f.horner(r, EXPM1_TAIL));
  }

  /**
   * e^x · 2^extraExponent. Clamping to [-104, 90] sends overflow to Inf and underflow to 0 through the final
   * scaling, which is split in two factors so that subnormal results round only once (a branch to a rare
   * slow path measured slower: V8 spills every live vector around it). `nonPositive` skips the upper clamp.
   */
  expScaled(x: Vec, extraExponent = 0, nonPositive = false): Vec {
    const { f, v } = this;
    const low = f.pmax(x, f.c(-104));
    const clamped = nonPositive ? low : f.pmin(low, f.c(90));
    // biased = n + 254 + extra; its halves are both valid biased exponents for n in [-150, 130].
    const { ni: biased, r } = this.reduceLn2(clamped, 254 + extraExponent);
    const p = f.horner(r, EXP_POLY);
    const half = v.shift(Simd.i32x4_shr_s, biased, 1);
    const rest = v.op(Simd.i32x4_sub, biased, half);
    return f.mul(f.mul(p, v.shift(Simd.i32x4_shl, half, 23)), v.shift(Simd.i32x4_shl, rest, 23));
  }

  /** e^x. */
  exp(x: Vec): Vec {
    return this.expScaled(x);
  }

  /** e^x - 1 without cancellation near 0: 2^n·expm1(r) + (2^n - 1). */
  expm1(x: Vec): Vec {
    const { f, v } = this;
    const clamped = f.pmax(f.pmin(x, f.c(89)), f.c(-30));
    const { ni, r } = this.reduceLn2(clamped);
    const q = f.add(r, this.expm1Tail(r));
    // 2^128 is not a float32: scale by 2^min(n,127), then by the remaining factor (1 or 2).
    const capped = v.op(Simd.i32x4_min_s, ni, v.i32(127));
    const scale = this.pow2(capped);
    const y = f.mulAdd(scale, q, f.sub(scale, f.c(1)));
    const result = f.mul(y, this.pow2(v.op(Simd.i32x4_sub, ni, capped)));
    return this.keepZeroSign(x, result);
  }

  /** Returns x itself where x is ±0, so odd functions keep the sign of zero. */
  private keepZeroSign(x: Vec, result: Vec): Vec {
    return this.v.select(this.f.eq(x, this.f.c(0)), x, result);
  }

  // ---- log family -------------------------------------------------------------------------------------------

  /** Splits a positive finite u = 2^k·(1 + f), 1 + f in [√½, √2): returns k (float and int) and f. */
  private splitLog(u: Vec, subnormals: boolean): { k: Vec; ki: Vec; f: Vec } {
    const { f, v } = this;
    let scaled = u, isSubnormal: Vec | undefined;
    if (subnormals) {
      isSubnormal = f.lt(u, f.c(MIN_NORMAL));
      scaled = v.select(isSubnormal, f.mul(u, f.c(2 ** 23)), u);
    }
    const shifted = v.op(Simd.i32x4_sub, scaled, v.i32(SQRT_HALF_BITS));
    let ki = v.shift(Simd.i32x4_shr_s, shifted, 23);
    if (isSubnormal) ki = v.op(Simd.i32x4_add, ki, v.and(isSubnormal, v.i32(-23)));
    const mantissa = v.op(Simd.i32x4_add, v.and(shifted, v.i32(0x007fffff)), v.i32(SQRT_HALF_BITS));
    return { k: v.op(Simd.f32x4_convert_i32x4_s, ki), ki, f: f.sub(mantissa, f.c(1)) };
  }

  /**
   * k·ln2 + log1p(g) for g in [√½-1, ½]: log1p(g) = (g - g²/2) + (g³·P(g) + k·ln2_lo) + k·ln2_hi, P a
   * degree-8 Chebyshev fit. No division (the s = g/(2+g) form cost more here).
   */
  private logFromParts(k: Vec, g: Vec): Vec {
    const { f } = this;
    const square = f.mul(g, g);
    const tail = f.mul(f.mul(square, g), f.horner(g, LOG1P_TAIL));
    const low = f.mulAdd(k, f.c(LN2_LO), tail);
    const y = f.add(f.mulAdd(square, f.c(-0.5), g), low);
    return f.mulAdd(k, f.c(LN2_HI), y);
  }

  /** log(u) results for the inputs the polynomial does not cover: +Inf, ±0 → -Inf, negative or NaN → NaN. */
  private logSpecials(u: Vec, y: Vec): Vec {
    const { f, v } = this;
    let result = v.select(f.eq(u, f.c(Infinity)), u, y);
    result = v.select(f.eq(u, f.c(0)), f.c(-Infinity), result);
    return v.select(f.ge(u, f.c(0)), result, f.c(NaN));
  }

  /** Natural logarithm. */
  log(x: Vec): Vec {
    const { k, f } = this.splitLog(x, true);
    return this.logSpecials(x, this.logFromParts(k, f));
  }

  /**
   * log(1 + x): log of u = 1 + x plus the rounding error of that sum, c = x - (u - 1), folded into f as
   * c/2^k (negligible, and masked, once u ≥ 2^25).
   */
  log1p(x: Vec): Vec {
    const { f, v } = this;
    const u = f.add(x, f.c(1));
    const { k, ki, f: g } = this.splitLog(u, false);
    const error = f.sub(x, f.sub(u, f.c(1)));
    const inRange = v.op(Simd.i32x4_lt_s, ki, v.i32(25));
    const correction = v.and(inRange, f.mul(error, this.pow2(v.op(Simd.i32x4_sub, v.i32(0), ki))));
    const y = this.logFromParts(k, f.add(g, correction));
    return this.keepZeroSign(x, this.logSpecials(u, y));
  }

  /**
   * log1p(e) for e in [0, 1] (or NaN), as in softplus: e itself below ½ (k = 0), else (e - 1)/2 with k = 1,
   * both exact, so no exponent split and no rounding correction are needed.
   */
  private log1pUnit(e: Vec): Vec {
    const { f, v } = this;
    const upper = f.ge(e, f.c(0.5));
    const g = v.select(upper, f.mulAdd(e, f.c(0.5), f.c(-0.5)), e);
    return this.logFromParts(v.and(upper, f.c(1)), g);
  }

  // ---- exp/log compositions --------------------------------------------------------------------------------

  /** 1 / (1 + e^-x) as num/(1 + e^-|x|), num = 1 for x ≥ 0 and e^-|x| below (never overflows). */
  sigmoid(x: Vec): Vec {
    const { f, v } = this;
    const e = this.expScaled(f.negAbs(x), 0, true);
    return f.div(v.select(f.ge(x, f.c(0)), f.c(1), e), f.add(e, f.c(1)));
  }

  /** log(1 + e^x) as max(x, 0) + log1p(e^-|x|). */
  softplus(x: Vec): Vec {
    const { f } = this;
    const e = this.expScaled(f.negAbs(x), 0, true);
    return f.add(f.pmax(x, f.c(0)), this.log1pUnit(e));
  }

  /** tanh x = sign(x)·e/(e + 2), e = expm1(2|x|); |x| > 9.5 rounds to ±1 anyway. */
  tanh(x: Vec): Vec {
    const { f } = this;
    const a = f.pmin(f.abs(x), f.c(9.5));
    const e = this.expm1(f.add(a, a));
    return f.copySign(f.div(e, f.add(e, f.c(2))), x);
  }

  /** sinh: (E + E/(E+1))/2 with E = expm1(|x|) below 9, e^|x|/2 (scaled, no overflow) above. */
  sinh(x: Vec): Vec {
    const { f, v } = this;
    const a = f.abs(x);
    const e = this.expm1(f.pmin(a, f.c(9)));
    const small = f.mul(f.add(e, f.div(e, f.add(e, f.c(1)))), f.c(0.5));
    const large = this.expScaled(a, -1);
    return f.copySign(v.select(f.lt(a, f.c(9)), small, large), x);
  }

  /** cosh = h + 1/(4h), h = e^|x|/2 (the second term vanishes where h overflows). */
  cosh(x: Vec): Vec {
    const { f } = this;
    const h = this.expScaled(f.abs(x), -1);
    return f.add(h, f.div(f.c(0.25), h));
  }

  /** log(1 - e^x): log(-expm1(x)) for x > -ln2, log1p(-e^x) below. */
  log1mexp(x: Vec): Vec {
    const { f, v } = this;
    const near = this.log(f.neg(this.expm1(x)));
    const far = this.log1p(f.neg(this.exp(x)));
    return v.select(f.gt(x, f.c(-Math.LN2)), near, far);
  }

  /** asinh: log1p(a + a²/(1 + √(1 + a²))) below 2^12, log(a) + ln2 above; odd. */
  asinh(x: Vec): Vec {
    const { f, v } = this;
    const a = f.abs(x);
    const square = f.mul(a, a);
    const small = this.log1p(f.add(a, f.div(square, f.add(f.sqrt(f.add(square, f.c(1))), f.c(1)))));
    const large = f.add(this.log(a), f.c(Math.LN2));
    return f.copySign(v.select(f.lt(a, f.c(4096)), small, large), x);
  }

  /** acosh: log1p(t + √(2t + t²)), t = x - 1, below 2^12; log(x) + ln2 above; NaN below 1. */
  acosh(x: Vec): Vec {
    const { f, v } = this;
    const t = f.sub(x, f.c(1));
    const small = this.log1p(f.add(t, f.sqrt(f.add(f.add(t, t), f.mul(t, t)))));
    const large = f.add(this.log(x), f.c(Math.LN2));
    const result = v.select(f.lt(x, f.c(4096)), small, large);
    return v.select(f.ge(x, f.c(1)), result, f.c(NaN));
  }

  /** atanh = sign(x)·½·log1p(2a/(1 - a)). */
  atanh(x: Vec): Vec {
    const { f } = this;
    const a = f.abs(x);
    const half = f.mul(this.log1p(f.div(f.add(a, a), f.sub(f.c(1), a))), f.c(0.5));
    return f.copySign(half, x);
  }

  /** erf: x + x·P(x²) below 1; 1 - e^{-x²}·Q(x) from 1 to 4 (where erf rounds to 1); odd. */
  erf(x: Vec): Vec {
    const { f, v } = this;
    const a = f.pmin(f.abs(x), f.c(4));
    const small = f.add(x, f.mul(x, f.horner(f.mul(x, x), ERF_SMALL)));
    const s = f.mul(f.sub(a, f.c(2.5)), f.c(2 / 3));
    const tail = f.mul(this.expScaled(f.neg(f.mul(a, a)), 0, true), f.horner(s, ERFC_SCALED));
    const large = f.copySign(f.sub(f.c(1), tail), x);
    return v.select(f.lt(a, f.c(1)), small, large);
  }

  // ---- trigonometry (float64 inside) -----------------------------------------------------------------------

  /** The f64x2 halves of an f32x4 (lanes 0–1 and 2–3). */
  private widen(x: Vec): [Vec, Vec] {
    const { v } = this;
    const high = v.shuffle(x, x, [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]);
    return [v.op(Simd.f64x2_promote_low_f32x4, x), v.op(Simd.f64x2_promote_low_f32x4, high)];
  }

  /** Rounds two f64x2 halves back into one f32x4. */
  private narrow(low: Vec, high: Vec): Vec {
    const { v } = this;
    const a = v.op(Simd.f32x4_demote_f64x2_zero, low), b = v.op(Simd.f32x4_demote_f64x2_zero, high);
    return v.shuffle(a, b, [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]);
  }

  /** For one f64x2 half: k = round(x·2/π), r = x - k·π/2 (exact enough), and sin r, cos r. */
  private sinCosParts(x: Vec): { k: Vec; sin: Vec; cos: Vec } {
    const { d, v } = this;
    const kf = d.nearest(d.mul(x, d.c(2 / Math.PI)));
    const r = d.sub(d.sub(d.sub(x, d.mul(kf, d.c(PIO2_1))), d.mul(kf, d.c(PIO2_2))), d.mul(kf, d.c(PIO2_3)));
    const z = d.mul(r, r);
    // Taylor series on |r| ≤ π/4: truncation below 1e-11 relative, far under float32's half ulp.
    const sin = d.add(
      r,
      d.mul(d.mul(r, z), d.horner(z, [-1 / 6, 1 / 120, -1 / 5040, 1 / 362880, -1 / 39916800])),
    );
    const cos = d.horner(z, [1, -1 / 2, 1 / 24, -1 / 720, 1 / 40320, -1 / 3628800, 1 / 479001600]);
    const k = v.op(Simd.i64x2_extend_low_i32x4_s, v.op(Simd.i32x4_trunc_sat_f64x2_s_zero, kf));
    return { k, sin, cos };
  }

  /** All ones in 64-bit lanes where bit `bit` of k is set. */
  private bitMask(k: Vec, bit: number): Vec {
    return this.v.shift(Simd.i64x2_shr_s, this.v.shift(Simd.i64x2_shl, k, 63 - bit), 63);
  }

  /** sin, cos or tan of x by quadrant: the fast float64 path, then Math calls for lanes with |x| > 2^18. */
  private trig(x: Vec, which: "sin" | "cos" | "tan"): Vec {
    const { d, f, v } = this;
    const halves = this.widen(x).map((half) => {
      const { k, sin, cos } = this.sinCosParts(half);
      const odd = this.bitMask(k, 0);
      const signBit = v.i64(0, -0x80000000);
      if (which === "tan") {
        const ratio = d.div(v.select(odd, cos, sin), v.select(odd, sin, cos));
        return v.xor(ratio, v.and(odd, signBit));
      }
      const quadrant = which === "sin" ? k : v.op(Simd.i64x2_add, k, v.i64(1, 0));
      const flip = v.and(this.bitMask(quadrant, 1), signBit);
      return v.xor(which === "sin" ? v.select(odd, cos, sin) : v.select(odd, sin, cos), flip);
    });
    let fast = this.narrow(halves[0], halves[1]);
    // sin and tan are x itself below 2^-12 in float32; this also keeps the sign of -0.
    if (which !== "cos") fast = v.select(f.lt(f.abs(x), f.c(2 ** -12)), x, fast);
    const result = v.mutable(fast);
    v.ifAny(f.gt(f.abs(x), f.c(TRIG_FAST_LIMIT)), () => {
      v.perLaneCall(result, "f32", this.imports.index(which), [x]);
    });
    return result;
  }

  /** Sine. */
  sin(x: Vec): Vec {
    return this.trig(x, "sin");
  }

  /** Cosine. */
  cos(x: Vec): Vec {
    return this.trig(x, "cos");
  }

  /** Tangent. */
  tan(x: Vec): Vec {
    return this.trig(x, "tan");
  }

  /** √(a² + b²) in float64 (exact squares, no overflow), rounded once; an infinite side gives +Inf. */
  hypot(a: Vec, b: Vec): Vec {
    const { d, f, v } = this;
    const [a0, a1] = this.widen(a), [b0, b1] = this.widen(b);
    const half = (x: Vec, y: Vec) => d.sqrt(d.add(d.mul(x, x), d.mul(y, y)));
    const result = this.narrow(half(a0, b0), half(a1, b1));
    const infinite = v.or(f.eq(f.abs(a), f.c(Infinity)), f.eq(f.abs(b), f.c(Infinity)));
    return v.select(infinite, f.c(Infinity), result);
  }

  /** A function with no vector form here: `Math.fround(f(...))` per lane, `f` the float64 definition. */
  viaImport(name: ViaImport, args: Vec[]): Vec {
    const result = this.v.mutable(args[0]);
    this.v.perLaneCall(result, "f32", this.imports.index(name), args);
    return result;
  }
}
