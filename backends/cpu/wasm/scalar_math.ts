/**
 * Float64 scalar definitions of the ops that have no single `Math` function (erf, sigmoid, softplus, log1mexp,
 * logaddexp). Float64 kernels import them per lane, and tests use them as the oracle for the float32 SIMD
 * approximations. Each follows the stable formula from the op's definition.
 * @module
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/** `exp(-x²)` without the rounding error of `x²` (split into exact high and low parts, Dekker style). */
function expMinusSquare(x: number): number {
  const split = 134217729 * x; // 2^27 + 1
  const high = split - (split - x);
  const low = x - high;
  const square = x * x;
  const squareError = high * high - square + 2 * high * low + low * low;
  return Math.exp(-square) * (1 - squareError);
}

/**
 * The error function, accurate to a few float64 ulps: the all-positive series
 * `erf(x) = 2/√π · e^{-x²} · Σ 2ⁿ x^{2n+1} / (2n+1)!!` below 2.5 (no cancellation), and `1 - erfc(x)` with
 * erfc's continued fraction above (where erfc < 4e-4, so its error barely reaches erf).
 *
 * @example
 * ```ts
 * import { erf } from "./scalar_math.ts";
 * erf(1); // 0.8427007929497149
 * ```
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a === 0) return x;
  if (a >= 6) return x > 0 ? 1 : -1;
  if (a < 2.5) {
    const twoSquare = 2 * a * a;
    let term = a, sum = a;
    for (let n = 1; term > 1e-17 * sum; n++) {
      term *= twoSquare / (2 * n + 1);
      sum += term;
    }
    return Math.sign(x) * TWO_OVER_SQRT_PI * expMinusSquare(a) * sum;
  }
  return Math.sign(x) * (1 - erfcLarge(a));
}

/** erfc(a) for a ≥ 2.5 by the continued fraction `e^{-a²}/√π / (a + ½/(a + 1/(a + 3/2/(a + …))))`. */
function erfcLarge(a: number): number {
  let tail = a;
  for (let j = 80; j >= 1; j--) tail = a + (j / 2) / tail;
  return ONE_OVER_SQRT_PI * expMinusSquare(a) / tail;
}

/** `1 / (1 + e^{-x})`, written so that neither branch overflows. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** `log(1 + e^x)` as `max(x, 0) + log1p(e^{-|x|})`, exact for large |x|. */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** `log(1 - e^x)` for x ≤ 0: `log(-expm1(x))` near 0, `log1p(-exp(x))` below -ln 2 (Mächler's rule). */
export function log1mexp(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/** `log(e^a + e^b)` as `max + log1p(e^{-|a-b|})`; equal infinities give that infinity. */
export function logaddexp(a: number, b: number): number {
  const high = Math.max(a, b);
  const difference = a - b;
  if (Number.isNaN(difference)) return high; // NaN input (high is NaN) or equal infinities
  return high + Math.log1p(Math.exp(-Math.abs(difference)));
}
