/**
 * Finite-difference checking of symbolic gradients: the analytic gradient (evaluated by the reference
 * interpreter) against a five-point central difference of the cost, element by element, in float64.
 */
import assert from "node:assert/strict";
import * as T from "../../cas/api.ts";
import { NDArray } from "../../cas/ndarray.ts";
import { RandomState } from "../../cas/random.ts";
import type { Shape } from "../../cas/shape.ts";
import type { Term } from "../../cas/term.ts";
import { evaluate } from "../../backends/reference/interpreter.ts";
import { grad } from "../../autodiff/grad.ts";

/** How to draw one input: its shape and the interval (or intervals, of either sign) its entries come from. */
export interface InputSpec {
  readonly shape: readonly number[];
  /** Entries uniform in [low, high]; with `bothSigns`, also negated at random (to keep |x| away from 0). */
  readonly low: number;
  readonly high: number;
  readonly bothSigns?: boolean;
  /** Entries used as given instead of random ones (row-major). */
  readonly values?: readonly number[];
  /** The shape the variable is declared with (defaults to `shape`); `null` entries test call-time sizes. */
  readonly declared?: Shape;
}

/** The largest relative error allowed, |analytic − numeric| / max(|analytic|, |numeric|, FLOOR). */
export const TOLERANCE = 1e-6;
const FLOOR = 1e-3;

/** The shape a variable is declared with when sizes are "known only at call time": every size but 1 unknown. */
export function dynamicShape(shape: readonly number[]): Shape {
  return shape.map((d) => (d === 1 ? 1 : null));
}

/** Draws input arrays for `specs` from a seeded generator. */
export function drawInputs(specs: readonly InputSpec[], rng: RandomState): NDArray[] {
  return specs.map((s) => {
    if (s.values) return new NDArray(Float64Array.from(s.values), s.shape);
    const a = rng.uniform(s.shape, s.low, s.high, "float64");
    if (s.bothSigns) { for (let i = 0; i < a.size; i++) if (rng.random() < 0.5) a.data[i] = -a.data[i]; }
    return a;
  });
}

/** Evaluates a scalar term with `vars` bound to `values`. */
export function evalScalar(t: Term, vars: readonly Term[], values: readonly NDArray[]): number {
  return evaluate([t], new Map(vars.map((v, i) => [v, values[i]] as [Term, NDArray])))[0].item();
}

/**
 * The five-point central difference of `f` at `values` along every entry of input `j`:
 * (−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h, whose error is O(h⁴).
 */
export function numericGradient(
  f: (values: NDArray[]) => number,
  values: readonly NDArray[],
  j: number,
): Float64Array {
  const base = values[j];
  const out = new Float64Array(base.size);
  for (let k = 0; k < base.size; k++) {
    const x = base.data[k];
    const h = 1e-3 * Math.max(1, Math.abs(x));
    const at = (dx: number) => {
      const moved = new NDArray(Float64Array.from(base.data), base.shape);
      moved.data[k] = x + dx;
      const vs = [...values];
      vs[j] = moved;
      return f(vs);
    };
    out[k] = (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h);
  }
  return out;
}

/** Asserts that two gradients agree entrywise to `TOLERANCE`, with a message naming the case and the entry. */
export function assertClose(
  label: string,
  analytic: NDArray,
  numeric: Float64Array,
  shape: readonly number[],
): void {
  assert.deepEqual([...analytic.shape], [...shape], `${label}: gradient shape`);
  for (let k = 0; k < numeric.length; k++) {
    const a = analytic.data[k], n = numeric[k];
    const error = Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), FLOOR);
    assert.ok(
      Number.isFinite(a) && error <= TOLERANCE,
      `${label}: entry ${k}: analytic ${a}, numeric ${n} (relative error ${error.toExponential(2)})`,
    );
  }
}

/**
 * Checks the first derivative of `build(vars)` against finite differences, through the cost Σ w·out for fixed
 * random weights w (so every entry of the output is checked, not just their sum); with `order: 2`, also the
 * second derivative: the gradient of ⟨∇cost, d⟩ for a random direction d, against finite differences of that
 * first-derivative term. With `dynamic`, variables are declared with unknown sizes (all but size-1 axes).
 */
export function checkGradient(
  label: string,
  build: (vars: Term[]) => Term,
  specs: readonly InputSpec[],
  options: { seed?: number; order?: 1 | 2; dynamic?: boolean } = {},
): void {
  const rng = new RandomState(options.seed ?? 1234);
  const vars = specs.map((s, i) =>
    T.tensor(`x${i}`, {
      dtype: "float64",
      shape: options.dynamic ? dynamicShape(s.shape) : s.declared ?? s.shape,
    })
  );
  const values = drawInputs(specs, rng);
  const bind = (vs: readonly NDArray[]) => new Map(vars.map((v, i) => [v, vs[i]] as [Term, NDArray]));
  const out = build(vars);
  const [outValue] = evaluate([out], bind(values));
  const weights = T.constant(rng.uniform(outValue.shape, 0.5, 1.5, "float64"));
  const c = T.sum(T.mul(out.dtype === "float64" ? out : T.cast(out, "float64"), weights));
  const grads = grad(c, vars);
  const analytic = evaluate(grads, bind(values));
  vars.forEach((_, j) => {
    const numeric = numericGradient((vs) => evalScalar(c, vars, vs), values, j);
    assertClose(`${label}: d/dx${j}`, analytic[j], numeric, specs[j].shape);
  });
  if ((options.order ?? 1) < 2) return;
  const directions = specs.map((s) => T.constant(rng.uniform(s.shape, -1, 1, "float64")));
  const directional = grads.map((g, j) => T.sum(T.mul(g, directions[j]))).reduce((a, b) => T.add(a, b));
  const second = grad(directional, vars, { disconnected: "zero" });
  const analytic2 = evaluate(second, bind(values));
  vars.forEach((_, j) => {
    const numeric = numericGradient((vs) => evalScalar(directional, vars, vs), values, j);
    assertClose(`${label}: second derivative, d/dx${j}`, analytic2[j], numeric, specs[j].shape);
  });
}
