import { chebyshevFit } from "./tests/backends/cpu/wasm/fit_polynomials.ts";
import { erf } from "./backends/cpu/wasm/scalar_math.ts";
const qx = (x: number) => (1 - erf(x)) * Math.exp(x * x);
for (const [lo, hi] of [[1, 4], [0.875, 4]]) for (const degree of [8, 10, 12]) {
  const c = chebyshevFit(qx, lo, hi, degree, true).map(Math.fround);
  const mid = (lo + hi) / 2, inv = Math.fround(2 / (hi - lo));
  let worst = 0;
  for (let i = 0; i <= 20000; i++) {
    const x = Math.fround(lo + (hi - lo) * i / 20000);
    const s = Math.fround(Math.fround(x - mid) * inv);
    let sum = c[c.length - 1];
    for (let k = c.length - 2; k >= 0; k--) sum = Math.fround(Math.fround(sum * s) + c[k]);
    const erfcErr = Math.abs(sum - qx(x)) * Math.exp(-x * x);
    worst = Math.max(worst, erfcErr / 2 ** -24);
  }
  console.log(lo, hi, degree, "max abs erf error in ulps of 1:", worst.toFixed(3), JSON.stringify(c.map(v => +v.toPrecision(9))));
}
