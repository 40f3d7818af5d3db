/**
 * A plain JS evaluator of fused elementwise kernels, element by element, with the library's semantics: every
 * op computes in float64 on its arguments converted to its compute dtype, and its result is rounded to its
 * dtype (`roundTo`). Used as the oracle for the WebAssembly kernels.
 * @module
 */
import { type DataArray, roundTo } from "../../../../cas/dtype.ts";
import type { ElementwiseKernel } from "../../../../backends/kernel_ir.ts";
import { inferKernelTypes, type TypedNode } from "../../../../backends/cpu/wasm/elementwise_types.ts";
import * as scalar from "../../../../backends/cpu/wasm/scalar_math.ts";

/** Round half to even, like NumPy. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

const FLOAT_OPS: Record<string, (...args: number[]) => number> = {
  neg: (a) => -a,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  square: (a) => a * a,
  abs: Math.abs,
  sign: Math.sign,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  erf: scalar.erf,
  sigmoid: scalar.sigmoid,
  softplus: scalar.softplus,
  relu: (a) => Math.max(a, 0),
  log1mexp: scalar.log1mexp,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  hypot: Math.hypot,
  maximum: Math.max,
  minimum: Math.min,
  logaddexp: scalar.logaddexp,
};

/** int32 ops that wrap differently from float64-then-`| 0` (multiplication wraps like `Math.imul`). */
const INT_OPS: Record<string, (...args: number[]) => number> = {
  mul: Math.imul,
  square: (a) => Math.imul(a, a),
};

const COMPARE_OPS: Record<string, (a: number, b: number) => boolean> = {
  eq: (a, b) => a === b,
  neq: (a, b) => a !== b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
  and: (a, b) => Boolean(a) && Boolean(b),
  or: (a, b) => Boolean(a) || Boolean(b),
};

function evaluate(node: TypedNode, input: (index: number) => number): number {
  const expr = node.expr;
  if (expr.kind === "input") return input(expr.index);
  if (expr.kind === "const") return roundTo(node.result, expr.value);
  const args = node.args.map((arg) => roundTo(node.compute, evaluate(arg, input)));
  const op = expr.op;
  if (op === "cast") return roundTo(node.result, args[0]);
  if (op === "where") return args[0] ? args[1] : args[2];
  if (op === "not") return roundTo(node.result, args[0] ? 0 : 1);
  if (COMPARE_OPS[op]) return roundTo(node.result, COMPARE_OPS[op](args[0], args[1]) ? 1 : 0);
  const fn = (node.compute === "int32" && INT_OPS[op]) || FLOAT_OPS[op];
  if (!fn) throw new Error(`No reference for ${op}`);
  return roundTo(node.result, fn(...args));
}

/**
 * Evaluates a kernel over `outShape` with inputs read through element strides (0 where broadcast), into a
 * new typed array of the output dtype.
 */
export function referenceElementwise(
  kernel: ElementwiseKernel,
  inputs: readonly DataArray[],
  outShape: readonly number[],
  inputStrides: readonly (readonly number[])[],
  out: DataArray,
): void {
  const typed = inferKernelTypes(kernel);
  const size = outShape.reduce((a, b) => a * b, 1);
  const index = new Array(outShape.length).fill(0);
  for (let flat = 0; flat < size; flat++) {
    let rest = flat;
    for (let d = outShape.length - 1; d >= 0; d--) {
      index[d] = rest % outShape[d];
      rest = Math.floor(rest / outShape[d]);
    }
    const value = evaluate(typed, (k) => {
      let offset = 0;
      for (let d = 0; d < index.length; d++) offset += index[d] * inputStrides[k][d];
      return inputs[k][offset];
    });
    out[flat] = roundTo(kernel.outDtype, value);
  }
}
