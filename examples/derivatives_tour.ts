/**
 * Symbolic derivatives are ordinary terms: printed, simplified, differentiated again and compiled.
 * `deno run --allow-read --allow-env examples/derivatives_tour.ts`
 * @module
 */
import * as T from "../mod.ts";

T.config.floatX = "float64";
const x = T.scalar("x");
for (
  const source of ["softplus(x)", "log(1 + exp(x))", "x^3 * sin(x)", "sigmoid(x)", "tanh(x)^2", "exp(x^2)"]
) {
  const f = T.parse(source);
  const d1 = T.grad(f, x);
  const d2 = T.grad(d1, x);
  console.log(`d/dx ${source} = ${T.simplify(d1)}`);
  console.log(`d²/dx² ${source} = ${T.simplify(d2)}`);
}

// A Hessian of a quadratic form, compiled and evaluated: (A + Aᵀ) / 2.
const v = T.vector("v");
const A = T.constant(T.array([[1, 2], [0, 3]], { dtype: "float64" }));
const H = T.hessian(T.mul(0.5, T.dot(v, T.dot(A, v))), v);
console.log(`hessian of v·Av/2 at any v:\n${await T.compile([v], H)([1, 1])}`);
