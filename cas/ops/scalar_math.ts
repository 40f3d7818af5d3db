/**
 * Scalar definitions of the elementwise ops, in float64: the reference semantics every backend is compared with.
 * Stable formulas are used where the naive one overflows or cancels (each says why).
 * @module
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * The error function to float64 accuracy. Uses erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)), whose terms
 * are all positive (no cancellation); beyond |x| = 6, erf is ±1 to within float64 rounding.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  const x2 = ax * ax;
  let term = ax;
  let sum = ax;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  // the series' rounding can overshoot by an ulp near |x| = 6 (erf(−5.7435…) came out −1.0000000000000002)
  const r = Math.min(1, TWO_OVER_SQRT_PI * Math.exp(-x2) * sum);
  return x < 0 ? -r : r;
}

/** 1/(1+e^−x), written so that neither branch overflows. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1+e^x) as max(x,0) + log1p(e^−|x|): exact for large |x| where the naive form overflows or gives 0. */
export function softplus(x: number): number {
  if (Number.isNaN(x)) return NaN;
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/**
 * log(1 − e^x) for x ≤ 0. Mächler's split at −ln 2: log(−expm1 x) near 0 (where 1 − e^x cancels),
 * log1p(−e^x) below (where e^x is small).
 */
export function log1mexp(x: number): number {
  if (x > -Math.LN2) return Math.log(-Math.expm1(x));
  return Math.log1p(-Math.exp(x));
}

/** log(e^a + e^b) as max + log1p(e^−|a−b|), so it never overflows. */
export function logaddexp(a: number, b: number): number {
  if (a === b) return a + Math.LN2; // also covers ±Infinity, where a − b would be NaN
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** NumPy's sign: −1, 0 or 1, and NaN for NaN. */
export function sign(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN;
}

/** NumPy's round: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** NumPy's maximum: NaN if either is NaN. */
export function maximum(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : a >= b ? a : b;
}

/** NumPy's minimum: NaN if either is NaN. */
export function minimum(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : a <= b ? a : b;
}
