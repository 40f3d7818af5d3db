import assert from "node:assert/strict";
import { Decimal } from "decimal.js";
import { erf, log1mexp, logaddexp, sigmoid, softplus } from "../../../../backends/cpu/wasm/scalar_math.ts";

/** erf by its Taylor series in 60-digit decimals (slow, exact enough to judge float64). */
function erfExact(x: number): number {
  const D = Decimal.clone({ precision: 60 });
  const X = new D(x), square = X.mul(X);
  let term = X, sum = X;
  for (let n = 1; n < 500; n++) {
    term = term.mul(square).neg().div(n);
    const next = term.div(2 * n + 1);
    sum = sum.add(next);
    if (next.abs().lt(1e-45)) break;
  }
  return sum.mul(2).div(D.acos(-1).sqrt()).toNumber();
}

Deno.test("erf() is within 8 float64 ulps of a 60-digit series, and odd", () => {
  for (let i = 0; i <= 300; i++) {
    const x = i / 50;
    const exact = erfExact(x);
    assert.ok(
      Math.abs(erf(x) - exact) <= 8 * Number.EPSILON * exact,
      `erf(${x}) = ${erf(x)}, exact ${exact}`,
    );
    assert.equal(erf(-x), -erf(x));
  }
  assert.equal(erf(Infinity), 1);
  assert.ok(Number.isNaN(erf(NaN)));
  assert.ok(Object.is(erf(-0), -0));
});

Deno.test("the stable compositions keep their limits without overflow", () => {
  assert.equal(softplus(1000), 1000);
  assert.equal(softplus(-1000), 0);
  assert.equal(sigmoid(-1000), 0);
  assert.equal(sigmoid(1000), 1);
  assert.equal(logaddexp(Infinity, Infinity), Infinity);
  assert.equal(logaddexp(-Infinity, -Infinity), -Infinity);
  assert.equal(logaddexp(1000, 1000), 1000 + Math.LN2);
  assert.equal(log1mexp(0), -Infinity);
  assert.ok(Number.isNaN(log1mexp(1)));
  // log(1 - e^-ε) = log ε - ε/2 + O(ε²): no cancellation near 0.
  assert.ok(Math.abs(log1mexp(-1e-10) - (Math.log(1e-10) - 5e-11)) < 1e-13);
});

Deno.test("π/2 splits into the three parts math_f32 uses", () => {
  const D = Decimal.clone({ precision: 80 });
  const parts = [
    1.570796326734125614166259765625,
    6.077100506303965976595549136618501506745815277099609375e-11,
    2.0222662487959506e-21,
  ];
  // toPrecision(100) writes a float64's exact binary value in decimal.
  const sum = parts.reduce((total, part) => total.add(new D(part.toPrecision(100))), new D(0));
  const error = D.acos(-1).div(2).sub(sum).abs();
  assert.ok(error.lt(2 ** -53 * 2.1e-21), error.toString()); // as close as the last float64 part allows
  // The first two parts have 33 significant bits, so k·part is exact for |k| < 2^20.
  for (const part of parts.slice(0, 2)) {
    assert.ok(Number.isInteger(part * 2 ** (32 - Math.floor(Math.log2(part)))));
  }
});
