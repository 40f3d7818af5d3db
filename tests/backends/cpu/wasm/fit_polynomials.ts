/**
 * Derives the polynomial coefficients used in `backends/cpu/wasm/math_f32.ts` where no Taylor series is short
 * enough (erf). Chebyshev interpolation in float64 (near-minimax), converted to the power basis and rounded
 * to float32, then the float32 evaluation error is measured. Run: `deno run tests/backends/cpu/wasm/fit_polynomials.ts`.
 * @module
 */
import { erf } from "../../../../backends/cpu/wasm/scalar_math.ts";

/**
 * Power-basis coefficients (lowest first) of the Chebyshev interpolant of `g` on [lo, hi] with `degree`, in
 * `t` itself, or (`centered`) in `s = (t - mid) / half`, which is far better conditioned away from 0.
 */
export function chebyshevFit(
  g: (t: number) => number,
  lo: number,
  hi: number,
  degree: number,
  centered = false,
): number[] {
  const n = degree + 1;
  const mid = (lo + hi) / 2, half = (hi - lo) / 2;
  const values = Array.from({ length: n }, (_, j) => g(mid + half * Math.cos(Math.PI * (j + 0.5) / n)));
  // Chebyshev coefficients c_k of the interpolant in s = (t - mid) / half.
  const cheb = Array.from({ length: n }, (_, k) => {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += values[j] * Math.cos(Math.PI * k * (j + 0.5) / n);
    return (k === 0 ? 1 : 2) * sum / n;
  });
  // Power basis in s: T_0 = 1, T_1 = s, T_{k+1} = 2 s T_k - T_{k-1}.
  let previous = [1], current = [0, 1];
  const inS = new Array(n).fill(0);
  inS[0] += cheb[0];
  if (n > 1) inS[1] += cheb[1];
  for (let k = 2; k < n; k++) {
    const next = new Array(k + 1).fill(0);
    for (let i = 0; i < current.length; i++) next[i + 1] += 2 * current[i];
    for (let i = 0; i < previous.length; i++) next[i] -= previous[i];
    for (let i = 0; i <= k; i++) inS[i] += cheb[k] * next[i];
    previous = current;
    current = next;
  }
  if (centered) return inS;
  // Substitute s = (t - mid) / half: expand Σ a_i ((t - mid)/half)^i into powers of t.
  const inT = new Array(n).fill(0);
  for (let i = 0; i < n; i++) {
    let binomial = 1;
    for (let j = 0; j <= i; j++) {
      inT[j] += inS[i] * binomial * (-mid) ** (i - j) / half ** i;
      binomial = binomial * (i - j) / (j + 1);
    }
  }
  return inT;
}

function hornerF32(t: number, coefficients: number[]): number {
  let sum = Math.fround(coefficients[coefficients.length - 1]);
  for (let i = coefficients.length - 2; i >= 0; i--) {
    sum = Math.fround(Math.fround(sum * t) + coefficients[i]);
  }
  return sum;
}

function report(
  name: string,
  g: (t: number) => number,
  lo: number,
  hi: number,
  degree: number,
  options: { centered?: boolean; minusOne?: boolean } = {},
): void {
  const { centered = false, minusOne = false } = options;
  const fitted = chebyshevFit(minusOne ? (t) => g(t) - 1 : g, lo, hi, degree, centered);
  const coefficients = fitted.map(Math.fround);
  const mid = Math.fround((lo + hi) / 2), invHalf = Math.fround(2 / (hi - lo));
  let worst64 = 0, worst32 = 0;
  for (let i = 0; i <= 20000; i++) {
    const t = Math.fround(lo + (hi - lo) * i / 20000);
    const s = centered ? Math.fround(Math.fround(t - mid) * invHalf) : t;
    let exact = 0;
    for (let k = fitted.length - 1; k >= 0; k--) {
      exact = exact * (centered ? (t - (lo + hi) / 2) * 2 / (hi - lo) : t) + fitted[k];
    }
    const approx32 = hornerF32(s, coefficients) + (minusOne ? 1 : 0);
    worst64 = Math.max(worst64, Math.abs((exact + (minusOne ? 1 : 0)) / g(t) - 1));
    worst32 = Math.max(worst32, Math.abs(approx32 / g(t) - 1));
  }
  console.log(
    `${name} degree ${degree}: max relative error ${worst64.toExponential(2)} (f64), ${
      worst32.toExponential(2)
    } (f32 Horner)`,
  );
  console.log(`  [${coefficients.map((c) => c.toPrecision(9)).join(", ")}]`);
}

if (import.meta.main) {
  const erfOverX = (z: number) => z === 0 ? 1.1283791670955126 : erf(Math.sqrt(z)) / Math.sqrt(z);
  // erf(x) = x + x · P(x²) for |x| ≤ 1, with P = erf(x)/x - 1 (small, so its rounding matters less).
  for (const degree of [5, 6, 7]) report("erf(x)/x - 1 in x²", erfOverX, 0, 1, degree, { minusOne: true });
  // erfc(x) = e^{-x²} · Q(s) for 1 < x < 4, s the centered 1/x.
  const q = (u: number) => (1 - erf(1 / u)) * Math.exp(1 / (u * u));
  for (const degree of [6, 7, 8, 9]) {
    report("erfc(x)·e^{x²} in centered 1/x", q, 0.25, 1, degree, { centered: true });
  }
}
