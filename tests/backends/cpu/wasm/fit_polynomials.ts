/**
 * Derives the fitted polynomial coefficients of `backends/cpu/wasm/math_f32.ts`: Chebyshev interpolation in
 * float64 (near-minimax), converted to the power basis and rounded to float32. `math_f32_test.ts` checks the
 * tables there against these fits. Run `deno run tests/backends/cpu/wasm/fit_polynomials.ts` to print them.
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

/** The functions behind each coefficient table of `math_f32.ts`, with their fit intervals and degrees. */
export const FITS: Record<
  string,
  { g: (t: number) => number; lo: number; hi: number; degree: number; centered?: boolean }
> = {
  // (e^r - 1 - r)/r² (series near 0, where the quotient cancels).
  expm1Tail: {
    g: (r) => Math.abs(r) < 1e-3 ? 0.5 + r / 6 + r * r / 24 + r ** 3 / 120 : (Math.expm1(r) - r) / (r * r),
    lo: -Math.LN2 / 2,
    hi: Math.LN2 / 2,
    degree: 4,
  },
  // (log1p(g) - g + g²/2)/g³.
  log1pTail: {
    g: (x) =>
      Math.abs(x) < 1e-3 ? 1 / 3 - x / 4 + x * x / 5 - x ** 3 / 6 : (Math.log1p(x) - x + x * x / 2) / x ** 3,
    lo: Math.SQRT1_2 - 1,
    hi: 0.5,
    degree: 8,
  },
  // erf(x)/x - 1 as a function of z = x².
  erfSmall: {
    g: (z) => (z === 0 ? 2 / Math.sqrt(Math.PI) : erf(Math.sqrt(z)) / Math.sqrt(z)) - 1,
    lo: 0,
    hi: 1,
    degree: 6,
  },
  // erfc(x)·e^{x²} in s = (x - 2.5)/1.5.
  erfcScaled: { g: (x) => (1 - erf(x)) * Math.exp(x * x), lo: 1, hi: 4, degree: 10, centered: true },
};

/** The float32 coefficients of one fit. */
export function fitCoefficients(name: keyof typeof FITS): number[] {
  const { g, lo, hi, degree, centered } = FITS[name];
  return chebyshevFit(g, lo, hi, degree, centered).map(Math.fround);
}

if (import.meta.main) {
  for (const name of Object.keys(FITS)) {
    console.log(`${name}: [${fitCoefficients(name).map((c) => c.toPrecision(9)).join(", ")}]`);
  }
}
