/**
 * theano-ts: define, optimize, differentiate and run array math in TypeScript — Theano, rebuilt for Deno.
 *
 * Write math on symbolic arrays, take symbolic gradients, let the equality-saturation optimizer find stable and
 * fast forms, and compile to the CPU (JavaScript + WebAssembly) or WebGPU.
 *
 * @example
 * ```ts
 * import * as T from "./mod.ts";
 * const x = T.vector("x");
 * const y = T.log(T.add(1, T.exp(x)));
 * String(T.simplify(y)); // "softplus(x)"
 * const f = T.compile([x], [y, T.grad(T.sum(y), x)]);
 * const [value, slope] = await f([0, 1000]);
 * ```
 * @module
 */
import "./cas/print.ts";
import "./backends/cpu/backend.ts";
import "./backends/webgpu/backend.ts";

export { config, type DataArray, type DType, type FloatDType } from "./cas/dtype.ts";
export { type ConcreteShape, type Shape, ShapeError } from "./cas/shape.ts";
export {
  arange,
  array,
  type ArrayOptions,
  eye,
  full,
  linspace,
  NDArray,
  type NestedArray,
  ones,
  zeros,
} from "./cas/ndarray.ts";
export { decodeNpy, encodeNpy, load, save } from "./cas/npy.ts";
export { RandomState, randomState } from "./cas/random.ts";
export { type AnyAttrs, type OpAttrs, type OpName, Term, Term as Expr, type TermType } from "./cas/term.ts";
export type { ReduceAttrs, SharedSlot } from "./cas/ops/types.ts";
export {
  BINARY_OPS,
  type BinaryOp,
  type ElementwiseOp,
  REDUCE_OPS,
  type ReduceOp,
  UNARY_OPS,
  type UnaryOp,
} from "./cas/ops/names.ts";
export { shared, SharedVariable } from "./cas/shared.ts";
export * from "./cas/api.ts";
export { print } from "./cas/print.ts";
export { FUNCTION_NAMES, parse, ParseError, type Vars } from "./cas/parse.ts";
export {
  type BackoffOptions,
  BackoffScheduler,
  type Cost,
  explain,
  type Explanation,
  type ExplanationStep,
  lastReport,
  type RunReport,
  type Scheduler,
  SimpleScheduler,
  simplify,
  simplifyMany,
  type SimplifyOptions,
  type SimplifyReport,
  simplifyWithReport,
  type StopReason,
} from "./rewrite/simplify.ts";
export type { ClassInfo, RuleSet, RuleSpec } from "./rewrite/rule.ts";
export {
  ALGEBRA_RULES,
  DEFAULT_RULES,
  SPEED_RULES,
  STABILITY_RULES,
  TENSOR_RULES,
} from "./rewrite/rules/index.ts";
export { grad, type GradOptions, hessian, jacobian, jvp, vjp } from "./autodiff/grad.ts";
export {
  compile,
  type CompiledFunction,
  type CompileOptions,
  type InputValue,
  registerBackend,
} from "./backends/compile.ts";
export type { Backend, BackendName, Executable, GraphPlan } from "./backends/backend.ts";
export { type DotOptions, toDot, toSvg } from "./cas/dot.ts";
