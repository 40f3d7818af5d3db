/**
 * The float32 math library that generated kernels call (`th_exp`, `th_log1p`, `th_sin`, …), written in WGSL from
 * additions, multiplications and bit manipulation only.
 *
 * Why not WGSL's builtins: their precision is implementation-defined and loose (`log` has an absolute error of
 * 2^-21 near 1, so `log(1.00001)` is off by 0.1% on Mesa's lavapipe; `tanh(1e-4)` by 2e-5; `atan` may be off by
 * 4096 ULP), `max`/`min` drop NaN, and `x != x` is false for NaN on some drivers. Each function here is accurate to
 * a few float32 ULP on every device and propagates NaN (tested by bits). Stable forms follow `cas/ops/scalar_math`.
 *
 * Every helper is a named WGSL declaration with its dependencies; {@linkcode preludeFor} includes, in order, only
 * the helpers a shader mentions.
 * @module
 */
import { f32Literal as F } from "./wgsl_literals.ts";

/** Rounds `v` to `bits` significant bits (a Cody–Waite split part whose products with small integers are exact). */
function roundToBits(v: number, bits: number): number {
  const scale = 2 ** (bits - 1 - Math.floor(Math.log2(Math.abs(v))));
  return Math.round(v * scale) / scale;
}

// ln 2 split so that n·LN2_HI is exact for |n| < 2^9 (exp's and log's exponents).
const LN2_HI = roundToBits(Math.LN2, 15);
const LN2_LO = Math.LN2 - LN2_HI;
// π/2 split in three 8-bit parts and a float32 tail: n·P1..n·P3 are exact for |n| < 2^16, so sin, cos and tan
// reduce accurately by Cody–Waite for |x| < 65536 (Payne–Hanek beyond).
const P1 = roundToBits(Math.PI / 2, 8);
const P2 = roundToBits(Math.PI / 2 - P1, 8);
const P3 = roundToBits(Math.PI / 2 - P1 - P2, 8);
const P4 = Math.PI / 2 - P1 - P2 - P3;

/**
 * The first `count` 32-bit words of the binary expansion of 2/π after the point, computed exactly with BigInt
 * (Machin's formula for π with two spare words), for Payne–Hanek reduction of huge arguments.
 */
function twoOverPiWords(count: number): number[] {
  const bits = BigInt(32 * (count + 2));
  const one = 1n << bits;
  const atanInverse = (k: bigint) => {
    let sum = 0n, term = one / k, n = 1n, sign = 1n;
    const k2 = k * k;
    while (term !== 0n) {
      sum += (sign * term) / n;
      term /= k2;
      n += 2n;
      sign = -sign;
    }
    return sum;
  };
  const pi = 16n * atanInverse(5n) - 4n * atanInverse(239n);
  const twoOverPi = (2n * one * one) / pi;
  return Array.from(
    { length: count },
    (_, k) => Number((twoOverPi >> (bits - 32n * BigInt(k + 1))) & 0xffffffffn),
  );
}

/** A leading zero word (the integer part) then 7 words of 2/π: enough for every float32 exponent. */
const TWO_OVER_PI_TABLE = [0, ...twoOverPiWords(7)];
/** Beyond this, Cody–Waite's three-part π/2 loses bits; Payne–Hanek takes over. */
const CODY_WAITE_LIMIT = 65536;

/** Horner form of Σ c_k·z^k, with each coefficient written exactly as a float32 literal. */
function horner(z: string, coefficients: readonly number[]): string {
  return coefficients.reduceRight(
    (acc, c, i) => (i === coefficients.length - 1 ? F(c) : `${F(c)} + ${z} * (${acc})`),
    "",
  );
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
/** 1/0!, 1/1!, …, 1/n!: Taylor coefficients of e^r. */
const expCoefficients = (n: number) => Array.from({ length: n + 1 }, (_, k) => 1 / factorial(k));
/** 1, 1/3, 1/5, …: 2·atanh(s)/(2s) = Σ s^(2k)/(2k+1). */
const atanhSeries = (terms: number) => Array.from({ length: terms }, (_, k) => 1 / (2 * k + 1));
/** 1, −1/3, 1/5, …: atan(a)/a = Σ (−1)^k a^(2k)/(2k+1). */
const atanSeries = (terms: number) =>
  Array.from({ length: terms }, (_, k) => (k % 2 === 0 ? 1 : -1) / (2 * k + 1));
/** sin(r)/r = Σ (−1)^k r^(2k)/(2k+1)!. */
const sinSeries = (terms: number) =>
  Array.from({ length: terms }, (_, k) => (k % 2 === 0 ? 1 : -1) / factorial(2 * k + 1));
/** cos(r) = Σ (−1)^k r^(2k)/(2k)!. */
const cosSeries = (terms: number) =>
  Array.from({ length: terms }, (_, k) => (k % 2 === 0 ? 1 : -1) / factorial(2 * k));

interface Helper {
  readonly deps: readonly string[];
  readonly code: string;
}

/** The helpers, in an order where each comes after its dependencies. */
const HELPERS: ReadonlyMap<string, Helper> = new Map<string, Helper>([
  // A private variable is zero-initialised but is not a constant expression, so `bitcast(bits | th_zero)` builds
  // ±∞ and NaN at run time without tripping WGSL's shader-creation error for non-finite constant expressions.
  ["th_zero", { deps: [], code: "var<private> th_zero: u32;" }],
  ["th_isnan", {
    deps: [],
    code: "fn th_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }",
  }],
  ["th_isinf", {
    deps: [],
    code: "fn th_isinf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }",
  }],
  ["th_inf", {
    deps: ["th_zero"],
    code: "fn th_inf() -> f32 { return bitcast<f32>(0x7f800000u | th_zero); }",
  }],
  ["th_nan", {
    deps: ["th_zero"],
    code: "fn th_nan() -> f32 { return bitcast<f32>(0x7fc00000u | th_zero); }",
  }],
  // 2^k for −126 ≤ k ≤ 127, built from its bits.
  ["th_pow2i", {
    deps: [],
    code: "fn th_pow2i(k: i32) -> f32 { return bitcast<f32>(u32(k + 127) << 23u); }",
  }],
  ["th_exp", {
    deps: ["th_isnan", "th_inf", "th_pow2i"],
    // e^x = 2^n·e^r with n = round(x/ln 2), r = x − n·ln 2 (|r| ≤ 0.35, Taylor to r^7: 0.1 ULP); 2^n is applied
    // in two halves so that n = 128 (just below overflow) and n = −150 (subnormal results) stay in range.
    code: `fn th_exp(x: f32) -> f32 {
  if (th_isnan(x)) { return x; }
  if (x > ${F(89)}) { return th_inf(); }
  if (x < ${F(-104)}) { return 0.0f; }
  let n = round(x * ${F(Math.LOG2E)});
  let r = (x - n * ${F(LN2_HI)}) - n * ${F(LN2_LO)};
  let p = ${horner("r", expCoefficients(7))};
  let k = i32(n);
  let h = k / 2;
  return p * th_pow2i(h) * th_pow2i(k - h);
}`,
  }],
  ["th_log_series", {
    deps: [],
    // 2·atanh(s) = log((1+s)/(1−s)) for |s| ≤ 1/3 (9 terms: below 1e-9 relative).
    code: `fn th_log_series(s: f32) -> f32 {
  let z = s * s;
  return 2.0f * s * (${horner("z", atanhSeries(9))});
}`,
  }],
  ["th_log", {
    deps: ["th_isnan", "th_isinf", "th_inf", "th_nan", "th_log_series"],
    // x = 2^k·f with f in (0.707, 1.414]; log f = 2·atanh((f−1)/(f+1)), where f − 1 is exact: accurate near 1,
    // where the builtin's absolute error bound makes relative errors unbounded.
    code: `fn th_log(x: f32) -> f32 {
  if (th_isnan(x) || x < 0.0f) { return th_nan(); }
  if (x == 0.0f) { return -th_inf(); }
  if (th_isinf(x)) { return x; }
  var m = x;
  var k = 0;
  if (m < ${F(2 ** -126)}) { m = m * ${F(2 ** 24)}; k = -24; }
  let bits = bitcast<u32>(m);
  k = k + i32(bits >> 23u) - 127;
  var f = bitcast<f32>((bits & 0x007fffffu) | 0x3f800000u);
  if (f > ${F(Math.SQRT2)}) { f = f * 0.5f; k = k + 1; }
  let kf = f32(k);
  return kf * ${F(LN2_HI)} + (kf * ${F(LN2_LO)} + th_log_series((f - 1.0f) / (f + 1.0f)));
}`,
  }],
  ["th_log1p", {
    deps: ["th_log", "th_log_series"],
    // log(1+x) = 2·atanh(x/(2+x)): no rounding of 1 + x for small x (WGSL has no log1p).
    code: `fn th_log1p(x: f32) -> f32 {
  if (abs(x) < 0.5f) { return th_log_series(x / (2.0f + x)); }
  return th_log(1.0f + x);
}`,
  }],
  ["th_expm1", {
    deps: ["th_exp"],
    // Taylor to x^9 for |x| < 1/2 (where e^x − 1 cancels), e^x − 1 beyond (at most a factor 1.6 of cancellation).
    code: `fn th_expm1(x: f32) -> f32 {
  if (abs(x) < 0.5f) { return x * (${horner("x", expCoefficients(10).slice(1))}); }
  return th_exp(x) - 1.0f;
}`,
  }],
  ["th_sqrt", {
    deps: ["th_nan"],
    code: "fn th_sqrt(x: f32) -> f32 { if (x < 0.0f) { return th_nan(); } return sqrt(x); }",
  }],
  ["th_sigmoid", {
    deps: ["th_exp"],
    // 1/(1+e^−x) for x ≥ 0 and e^x/(1+e^x) below: e^−|x| never overflows.
    code: `fn th_sigmoid(x: f32) -> f32 {
  let e = th_exp(-abs(x));
  return select(e / (1.0f + e), 1.0f / (1.0f + e), x >= 0.0f);
}`,
  }],
  ["th_softplus", {
    deps: ["th_exp", "th_log1p"],
    // max(x, 0) + log1p(e^−|x|): exact at ±1000, where log(1 + e^x) overflows or returns 0.
    code: "fn th_softplus(x: f32) -> f32 { return max(x, 0.0f) + th_log1p(th_exp(-abs(x))); }",
  }],
  ["th_log1mexp", {
    deps: ["th_log", "th_expm1", "th_log1p", "th_exp"],
    // Mächler's split at −ln 2 (see cas/ops/scalar_math.ts).
    code: `fn th_log1mexp(x: f32) -> f32 {
  if (x > ${F(-Math.LN2)}) { return th_log(-th_expm1(x)); }
  return th_log1p(-th_exp(x));
}`,
  }],
  ["th_logaddexp", {
    deps: ["th_isnan", "th_nan", "th_exp", "th_log1p"],
    code: `fn th_logaddexp(a: f32, b: f32) -> f32 {
  if (th_isnan(a) || th_isnan(b)) { return th_nan(); }
  if (a == b) { return a + ${F(Math.LN2)}; }
  return max(a, b) + th_log1p(th_exp(-abs(a - b)));
}`,
  }],
  ["th_tanh", {
    deps: ["th_expm1"],
    // tanh|x| = −t/(t+2) with t = expm1(−2|x|) ∈ [−1, 0]: no overflow, no cancellation for small x.
    code: `fn th_tanh(x: f32) -> f32 {
  let t = th_expm1(-2.0f * abs(x));
  let r = -t / (t + 2.0f);
  return select(r, -r, x < 0.0f);
}`,
  }],
  ["th_sinh", {
    deps: ["th_exp", "th_expm1"],
    // Near overflow e^a/2 = e^(a − ln 2): a − LN2_HI is exact there, and e^(−LN2_LO) a constant factor.
    code: `fn th_sinh(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a > 88.0f) { r = th_exp(a - ${F(LN2_HI)}) * ${
      F(Math.exp(-LN2_LO))
    }; } else { let e = th_expm1(a); r = 0.5f * (e + e / (e + 1.0f)); }
  return select(r, -r, x < 0.0f);
}`,
  }],
  ["th_cosh", {
    deps: ["th_exp"],
    code: `fn th_cosh(x: f32) -> f32 {
  let a = abs(x);
  if (a > 88.0f) { return th_exp(a - ${F(LN2_HI)}) * ${F(Math.exp(-LN2_LO))}; }
  let e = th_exp(a);
  return 0.5f * (e + 1.0f / e);
}`,
  }],
  ["th_asinh", {
    deps: ["th_log", "th_log1p"],
    code: `fn th_asinh(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a > ${F(2 ** 28)}) { r = th_log(a) + ${F(Math.LN2)}; } else {
    let a2 = a * a;
    r = th_log1p(a + a2 / (1.0f + sqrt(1.0f + a2)));
  }
  return select(r, -r, x < 0.0f);
}`,
  }],
  ["th_acosh", {
    deps: ["th_nan", "th_log", "th_log1p"],
    code: `fn th_acosh(x: f32) -> f32 {
  if (x < 1.0f) { return th_nan(); }
  if (x > ${F(2 ** 28)}) { return th_log(x) + ${F(Math.LN2)}; }
  let t = x - 1.0f;
  return th_log1p(t + sqrt(2.0f * t + t * t));
}`,
  }],
  ["th_atanh", {
    deps: ["th_log1p"],
    code: `fn th_atanh(x: f32) -> f32 {
  let a = abs(x);
  let r = 0.5f * th_log1p(2.0f * a / (1.0f - a));
  return select(r, -r, x < 0.0f);
}`,
  }],
  ["th_atan", {
    deps: ["th_isnan"],
    // |x| > 1 → π/2 − atan(1/|x|); above tan(π/8) → π/4 + atan((a−1)/(a+1)); then 12 series terms (|a| ≤ 0.4142).
    code: `fn th_atan(x: f32) -> f32 {
  if (th_isnan(x)) { return x; }
  var a = abs(x);
  let inverted = a > 1.0f;
  if (inverted) { a = 1.0f / a; }
  var base = 0.0f;
  if (a > ${F(Math.SQRT2 - 1)}) { a = (a - 1.0f) / (a + 1.0f); base = ${F(Math.PI / 4)}; }
  let z = a * a;
  var r = base + a * (${horner("z", atanSeries(12))});
  if (inverted) { r = ${F(Math.PI / 2)} - r; }
  return select(r, -r, x < 0.0f);
}`,
  }],
  ["th_asin", {
    deps: ["th_nan", "th_atan"],
    code: `fn th_asin(x: f32) -> f32 {
  if (abs(x) > 1.0f) { return th_nan(); }
  return th_atan(x / sqrt((1.0f - x) * (1.0f + x)));
}`,
  }],
  ["th_acos", {
    deps: ["th_nan", "th_atan"],
    // 2·atan(√((1−x)/(1+x))): no cancellation near x = 1, where π/2 − asin(x) would lose every bit.
    code: `fn th_acos(x: f32) -> f32 {
  if (abs(x) > 1.0f) { return th_nan(); }
  return 2.0f * th_atan(sqrt((1.0f - x) / (1.0f + x)));
}`,
  }],
  ["th_reduced", { deps: [], code: "struct ThReduced { r: f32, q: i32 }" }],
  ["th_mul_wide", {
    deps: [],
    // The 64-bit product of two u32 as (high, low), from 16-bit halves (WGSL has no 64-bit integers).
    code: `fn th_mul_wide(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return vec2<u32>(a1 * b1 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u), (p00 & 0xffffu) | (mid << 16u));
}`,
  }],
  ["th_two_over_pi", {
    deps: [],
    code:
      `var<private> th_two_over_pi: array<u32, ${TWO_OVER_PI_TABLE.length}> = array<u32, ${TWO_OVER_PI_TABLE.length}>(${
        TWO_OVER_PI_TABLE.map((w) => `0x${w.toString(16)}u`).join(", ")
      });`,
  }],
  ["th_reduce_payne_hanek", {
    deps: ["th_reduced", "th_mul_wide", "th_two_over_pi"],
    // |x| = M·2^E with M a 24-bit integer. (x·2/π) mod 4 only needs the bits of 2/π from position E − 1 on: the
    // earlier ones give multiples of 4. M times a 96-bit window of them has the quadrant in bits 94–95 and 64
    // fraction bits below, plenty for the closest float32 approaches to a multiple of π/2.
    code: `fn th_reduce_payne_hanek(x: f32) -> ThReduced {
  let bits = bitcast<u32>(abs(x));
  let m = (bits & 0x7fffffu) | 0x800000u;
  let p = i32(bits >> 23u) - 150 - 1 + 31;
  let k = p / 32;
  let s = u32(p % 32);
  var w: array<u32, 3>;
  for (var j = 0; j < 3; j = j + 1) {
    let hi = th_two_over_pi[k + j];
    let lo = th_two_over_pi[k + j + 1];
    w[j] = select((hi << s) | (lo >> (32u - s)), hi, s == 0u);
  }
  let m2 = th_mul_wide(m, w[2]);
  let m1 = th_mul_wide(m, w[1]);
  let m0 = th_mul_wide(m, w[0]);
  let r3 = m2.y;
  let r2 = m2.x + m1.y;
  let c2 = select(0u, 1u, r2 < m2.x);
  // word 1 (bits 64–95); carries out of it, and word 0, only add multiples of 4 to x·2/π
  let r1 = m1.x + m0.y + c2;
  var q = i32(r1 >> 30u);
  var fHi = (r1 << 2u) | (r2 >> 30u);
  var fLo = (r2 << 2u) | (r3 >> 30u);
  var sign = 1.0f;
  if ((fHi & 0x80000000u) != 0u) {
    // fraction ≥ 1/2: use f − 1 (its magnitude is the two's complement) and the next quadrant
    fLo = ~fLo + 1u;
    fHi = ~fHi + select(0u, 1u, fLo == 0u);
    sign = -1.0f;
    q = q + 1;
  }
  let f = f32(fHi) * ${F(2 ** -32)} + f32(fLo) * ${F(2 ** -64)};
  var r = sign * f * ${F(Math.PI / 2)};
  if (x < 0.0f) { r = -r; q = -q; }
  return ThReduced(r, q);
}`,
  }],
  ["th_reduce_half_pi", {
    deps: ["th_reduced", "th_reduce_payne_hanek"],
    // x = n·π/2 + r with |r| ≤ π/4: Cody–Waite for moderate |x|, Payne–Hanek beyond.
    code: `fn th_reduce_half_pi(x: f32) -> ThReduced {
  if (abs(x) >= ${F(CODY_WAITE_LIMIT)}) { return th_reduce_payne_hanek(x); }
  let n = round(x * ${F(2 / Math.PI)});
  let r = (((x - n * ${F(P1)}) - n * ${F(P2)}) - n * ${F(P3)}) - n * ${F(P4)};
  return ThReduced(r, i32(n));
}`,
  }],
  ["th_sin_poly", {
    deps: [],
    code: `fn th_sin_poly(r: f32) -> f32 {
  let z = r * r;
  return r * (${horner("z", sinSeries(7))});
}`,
  }],
  ["th_cos_poly", {
    deps: [],
    code: `fn th_cos_poly(r: f32) -> f32 {
  let z = r * r;
  return ${horner("z", cosSeries(8))};
}`,
  }],
  ["th_sin_quadrant", {
    deps: ["th_isnan", "th_isinf", "th_nan", "th_reduce_half_pi", "th_sin_poly", "th_cos_poly"],
    // sin(x + q·π/2) for the quadrant shift q (0 for sin, 1 for cos).
    code: `fn th_sin_quadrant(x: f32, shift: i32) -> f32 {
  if (th_isnan(x) || th_isinf(x)) { return th_nan(); }
  let t = th_reduce_half_pi(x);
  let q = (t.q + shift) & 3;
  var v: f32;
  if ((q & 1) == 0) { v = th_sin_poly(t.r); } else { v = th_cos_poly(t.r); }
  return select(v, -v, q >= 2);
}`,
  }],
  ["th_sin", {
    deps: ["th_sin_quadrant"],
    code: "fn th_sin(x: f32) -> f32 { return th_sin_quadrant(x, 0); }",
  }],
  ["th_cos", {
    deps: ["th_sin_quadrant"],
    code: "fn th_cos(x: f32) -> f32 { return th_sin_quadrant(x, 1); }",
  }],
  ["th_tan", {
    deps: ["th_isnan", "th_isinf", "th_nan", "th_reduce_half_pi", "th_sin_poly", "th_cos_poly"],
    code: `fn th_tan(x: f32) -> f32 {
  if (th_isnan(x) || th_isinf(x)) { return th_nan(); }
  let t = th_reduce_half_pi(x);
  let s = th_sin_poly(t.r);
  let c = th_cos_poly(t.r);
  return select(s / c, -c / s, (t.q & 1) == 1);
}`,
  }],
  ["th_erf", {
    deps: ["th_isnan", "th_exp"],
    // The reference's series (all terms positive, so no cancellation); |erf| rounds to 1 in float32 beyond 3.92.
    code: `fn th_erf(x: f32) -> f32 {
  if (th_isnan(x)) { return x; }
  let a = abs(x);
  if (a >= 4.0f) { return select(1.0f, -1.0f, x < 0.0f); }
  let a2 = a * a;
  var term = a;
  var sum = a;
  for (var n = 1; n < 128; n = n + 1) {
    term = term * (2.0f * a2) / f32(2 * n + 1);
    sum = sum + term;
    if (term <= sum * ${F(1e-8)}) { break; }
  }
  let r = ${F(2 / Math.sqrt(Math.PI))} * th_exp(-a2) * sum;
  return select(r, -r, x < 0.0f);
}`,
  }],
  ["th_pow", {
    deps: ["th_isnan", "th_isinf", "th_nan", "th_exp", "th_log"],
    // JavaScript's Math.pow semantics (the reference): x^0 = 1, NaN otherwise propagates, 1^±∞ = NaN, negative
    // bases only with integer exponents (odd ones keep the sign).
    code: `fn th_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0f) { return 1.0f; }
  if (th_isnan(a) || th_isnan(b)) { return th_nan(); }
  var r = th_exp(b * th_log(abs(a)));
  if (a < 0.0f) {
    if (floor(b) != b && !th_isinf(a)) { return th_nan(); }
    let odd = abs(b) < ${F(2 ** 24)} && (i32(abs(b)) & 1) == 1;
    if (odd) { r = -r; }
  }
  return r;
}`,
  }],
  ["th_ipow", {
    deps: [],
    // int32 powers by squaring (wrapping like int32 storage); negative exponents give the truncated value.
    code: `fn th_ipow(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) != 0); }
    return 0;
  }
  var result = 1;
  var base = a;
  var e = b;
  loop {
    if (e == 0) { break; }
    if ((e & 1) != 0) { result = result * base; }
    base = base * base;
    e = e >> 1u;
  }
  return result;
}`,
  }],
  ["th_hypot", {
    deps: ["th_isinf", "th_isnan", "th_inf", "th_nan"],
    // m·√(1 + (n/m)²) with m the larger magnitude: no overflow of a² + b².
    code: `fn th_hypot(a: f32, b: f32) -> f32 {
  if (th_isinf(a) || th_isinf(b)) { return th_inf(); }
  if (th_isnan(a) || th_isnan(b)) { return th_nan(); }
  let m = max(abs(a), abs(b));
  if (m == 0.0f) { return 0.0f; }
  let r = min(abs(a), abs(b)) / m;
  return m * sqrt(1.0f + r * r);
}`,
  }],
  ["th_maximum", {
    deps: ["th_isnan", "th_nan"],
    code: `fn th_maximum(a: f32, b: f32) -> f32 {
  if (th_isnan(a) || th_isnan(b)) { return th_nan(); }
  return select(b, a, a >= b);
}`,
  }],
  ["th_minimum", {
    deps: ["th_isnan", "th_nan"],
    code: `fn th_minimum(a: f32, b: f32) -> f32 {
  if (th_isnan(a) || th_isnan(b)) { return th_nan(); }
  return select(b, a, a <= b);
}`,
  }],
  ["th_sign", {
    deps: ["th_isnan"],
    code: `fn th_sign(x: f32) -> f32 {
  if (th_isnan(x)) { return x; }
  return select(select(0.0f, -1.0f, x < 0.0f), 1.0f, x > 0.0f);
}`,
  }],
  ["th_f32_to_i32", {
    deps: ["th_isnan", "th_isinf"],
    // As Int32Array stores Math.trunc(x): NaN and ±∞ become 0, and out-of-range values wrap modulo 2^32
    // (WGSL's i32() would saturate).
    code: `fn th_f32_to_i32(x: f32) -> i32 {
  if (th_isnan(x) || th_isinf(x)) { return 0; }
  let t = trunc(x);
  if (abs(t) < ${F(2 ** 31)}) { return i32(t); }
  var m = t - ${F(2 ** 32)} * floor(t / ${F(2 ** 32)});
  if (m >= ${F(2 ** 31)}) { m = m - ${F(2 ** 32)}; }
  return i32(m);
}`,
  }],
]);

const HELPER_NAME = /\bth_[a-z0-9_]+\b|\bThReduced\b/g;

/**
 * The WGSL declarations of every `th_*` helper that `code` uses, dependencies first, each once.
 *
 * @example
 * ```ts
 * import { preludeFor } from "./wgsl_math.ts";
 * preludeFor("out[i] = th_softplus(x);").includes("fn th_log1p"); // true
 * ```
 */
export function preludeFor(code: string): string {
  const included = new Set<string>();
  const visit = (name: string) => {
    if (included.has(name)) return;
    const helper = HELPERS.get(name);
    if (helper === undefined) return;
    for (const dep of helper.deps) visit(dep);
    included.add(name);
  };
  for (const match of code.matchAll(HELPER_NAME)) visit(match[0] === "ThReduced" ? "th_reduced" : match[0]);
  return [...included].map((name) => HELPERS.get(name)!.code).join("\n");
}

/** The names of all helpers (for tests that compile each one). */
export const HELPER_NAMES: readonly string[] = [...HELPERS.keys()];
