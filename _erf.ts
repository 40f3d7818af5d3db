import Decimal from "decimal.js";
import { erf } from "./backends/cpu/wasm/scalar_math.ts";
Decimal.set({ precision: 60 });
function erfD(x: number): number {
  const X = new Decimal(x);
  const x2 = X.mul(X);
  let term = X, sum = X;
  for (let n = 1; n < 400; n++) {
    term = term.mul(x2).neg().div(n);
    const add = term.div(2 * n + 1);
    sum = sum.add(add);
    if (add.abs().lt(new Decimal(10).pow(-45))) break;
  }
  return sum.mul(2).div(Decimal.acos(-1).sqrt()).toNumber();
}
let worst = 0, at = 0;
for (let i = 0; i < 3000; i++) {
  const x = i < 2000 ? (i / 2000) * 6 : Math.random() * 6;
  const e = erfD(x), g = erf(x);
  const ulps = Math.abs(e - g) / (Number.EPSILON * Math.max(Math.abs(e), 1e-300)) ;
  if (ulps > worst) { worst = ulps; at = x; }
}
console.log("max rel err in eps units", worst.toFixed(2), "at", at);
