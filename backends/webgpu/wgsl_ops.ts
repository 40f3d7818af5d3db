/**
 * WGSL rendering of the elementwise ops: one row per op name (a missing row is a compile error), and the renderer
 * that turns a fused-kernel expression (`kernel_ir.ts`) into WGSL statements.
 *
 * Each row receives its arguments already converted to the dtype the op computes in, as WGSL expressions
 * (`f32`, `i32` or `bool`), and returns a WGSL expression. Float rows call the accurate helpers of `wgsl_math.ts`;
 * ops that also compute on int32 have a second row in {@linkcode WGSL_INT_OPS}.
 * @module
 */
import { type DType, promoteTypes } from "../../cas/dtype.ts";
import type { ElementwiseOp } from "../../cas/ops/names.ts";
import { BOOL_RESULT_OPS } from "../../cas/ops/names.ts";
import type { ElementwiseKernel, ScalarExpr } from "../kernel_ir.ts";
import { f32Bits, f32Literal, literalOf } from "./wgsl_literals.ts";

/** Renders one op applied to WGSL argument expressions. */
export type WgslRender = (args: readonly string[]) => string;

const call = (name: string): WgslRender => (args) => `${name}(${args.join(", ")})`;
const infix = (symbol: string): WgslRender => ([a, b]) => `(${a} ${symbol} ${b})`;

/** How each elementwise op is written in WGSL when it computes in float32 (or, for logic ops, in bool). */
export const WGSL_OPS: { readonly [K in ElementwiseOp]: WgslRender } = {
  neg: ([x]) => `(-${x})`,
  exp: call("th_exp"),
  log: call("th_log"),
  log1p: call("th_log1p"),
  expm1: call("th_expm1"),
  sqrt: call("th_sqrt"),
  square: ([x]) => `(${x} * ${x})`,
  abs: call("abs"),
  sign: call("th_sign"),
  floor: call("floor"),
  ceil: call("ceil"),
  round: call("round"), // WGSL's round() goes to even on halves, as NumPy's
  sin: call("th_sin"),
  cos: call("th_cos"),
  tan: call("th_tan"),
  asin: call("th_asin"),
  acos: call("th_acos"),
  atan: call("th_atan"),
  sinh: call("th_sinh"),
  cosh: call("th_cosh"),
  tanh: call("th_tanh"),
  asinh: call("th_asinh"),
  acosh: call("th_acosh"),
  atanh: call("th_atanh"),
  erf: call("th_erf"),
  sigmoid: call("th_sigmoid"),
  softplus: call("th_softplus"),
  // `!(x <= 0)` keeps NaN (as the reference does) where max(x, 0) may drop it.
  relu: ([x]) => `select(0.0f, ${x}, !(${x} <= 0.0f))`,
  log1mexp: call("th_log1mexp"),
  not: ([x]) => `(!${x})`,
  add: infix("+"),
  sub: infix("-"),
  mul: infix("*"),
  div: infix("/"),
  pow: call("th_pow"),
  hypot: call("th_hypot"),
  maximum: call("th_maximum"),
  minimum: call("th_minimum"),
  logaddexp: call("th_logaddexp"),
  eq: infix("=="),
  // `!(a == b)`: some drivers compile `a != b` as an ordered comparison, false for NaN.
  neq: ([a, b]) => `(!(${a} == ${b}))`,
  lt: infix("<"),
  le: infix("<="),
  gt: infix(">"),
  ge: infix(">="),
  and: infix("&&"),
  or: infix("||"),
  where: ([c, a, b]) => `select(${b}, ${a}, ${c})`,
  cast: ([x]) => x, // the renderer converts the argument to the target dtype
};

/** The ops that can compute in int32 (NumPy's integer arithmetic: the "numeric" dtype rule). */
export type IntegerOp =
  | "neg"
  | "square"
  | "abs"
  | "sign"
  | "floor"
  | "ceil"
  | "round"
  | "relu"
  | "add"
  | "sub"
  | "mul"
  | "pow"
  | "maximum"
  | "minimum";

/** How the int32-capable ops are written when they compute in int32 (wrapping, as int32 storage does). */
export const WGSL_INT_OPS: { readonly [K in IntegerOp]: WgslRender } = {
  neg: ([x]) => `(-${x})`,
  square: ([x]) => `(${x} * ${x})`,
  abs: call("abs"),
  sign: call("sign"),
  floor: ([x]) => x,
  ceil: ([x]) => x,
  round: ([x]) => x,
  relu: ([x]) => `max(${x}, 0i)`,
  add: infix("+"),
  sub: infix("-"),
  mul: infix("*"),
  pow: call("th_ipow"),
  maximum: call("max"),
  minimum: call("min"),
};

function isIntegerOp(op: ElementwiseOp): op is IntegerOp {
  return Object.hasOwn(WGSL_INT_OPS, op);
}

/** The WGSL type a dtype computes in. */
export function wgslType(dtype: DType): "f32" | "i32" | "bool" {
  switch (dtype) {
    case "float32":
      return "f32";
    case "int32":
      return "i32";
    case "bool":
      return "bool";
    case "float64":
      throw new TypeError("WebGPU computes in float32: float64 has no WGSL type here");
  }
}

/** The WGSL element type a dtype is stored as in a buffer (`bool` as `u32` 0/1: WGSL has no byte arrays). */
export function storageType(dtype: DType): "f32" | "i32" | "u32" {
  const t = wgslType(dtype);
  return t === "bool" ? "u32" : t;
}

/** A stored element (`storageType`) read as its computing type. */
export function fromStorage(expr: string, dtype: DType): string {
  return dtype === "bool" ? `(${expr} != 0u)` : expr;
}

/** A computed value converted to its storage type. */
export function toStorage(expr: string, dtype: DType): string {
  return dtype === "bool" ? `select(0u, 1u, ${expr})` : expr;
}

/** Converts a WGSL value computed in `from` to `to`, with the reference's semantics (NumPy's astype). */
export function convert(expr: string, from: DType, to: DType): string {
  if (from === to) return expr;
  switch (`${from}->${to}`) {
    case "float32->int32":
      return `th_f32_to_i32(${expr})`;
    case "float32->bool":
      return `(!(${expr} == 0.0f))`; // NaN is true, as in NumPy
    case "int32->float32":
      return `f32(${expr})`;
    case "int32->bool":
      return `(${expr} != 0i)`;
    case "bool->float32":
      return `select(0.0f, 1.0f, ${expr})`;
    case "bool->int32":
      return `select(0i, 1i, ${expr})`;
    default:
      throw new TypeError(
        `WebGPU: cannot convert ${from} to ${to} (WebGPU computes in float32, int32 and bool)`,
      );
  }
}

const COMPARISONS = new Set<ElementwiseOp>(["eq", "neq", "lt", "le", "gt", "ge"]);

/** The dtypes op `op` reads its arguments in, given the arguments' dtypes and the result dtype. */
function argumentDTypes(op: ElementwiseOp, argDTypes: readonly DType[], result: DType): DType[] {
  if (op === "where") return ["bool", result, result];
  if (op === "cast") return [result];
  if (op === "and" || op === "or" || op === "not") return argDTypes.map(() => "bool");
  if (COMPARISONS.has(op)) {
    const joined = argDTypes.reduce(promoteTypes);
    return argDTypes.map(() => (joined === "bool" ? "int32" : joined));
  }
  return argDTypes.map(() => result);
}

/** An input's value as the renderer sees it: a WGSL expression already in its computing type. */
export type InputReader = (index: number) => string;

/** What {@linkcode renderExpression} returns: `let` statements, then the name of the final value and its dtype. */
export interface RenderedExpression {
  readonly statements: readonly string[];
  readonly value: string;
  readonly dtype: DType;
}

/**
 * Renders `kernel.expr` as SSA `let` statements (each shared subexpression once). Constants are bound by `let`
 * too, so that no part of the expression is a WGSL constant expression (whose overflow or NaN would be a
 * shader-creation error rather than the IEEE result). `cast` nodes whose argument is a constant become typed
 * literals: that is how int32 and bool constants are written in the IR.
 *
 * @example
 * ```ts
 * import { renderExpression } from "./wgsl_ops.ts";
 * const kernel = {
 *   inputDtypes: ["float32"] as const,
 *   outDtype: "float32" as const,
 *   expr: { kind: "op" as const, op: "exp" as const, args: [{ kind: "input" as const, index: 0 }], dtype: "float32" as const },
 * };
 * renderExpression(kernel, (i) => `x${i}`, "v").statements; // ["let v0: f32 = th_exp(x0);"]
 * ```
 */
export function renderExpression(
  kernel: ElementwiseKernel,
  read: InputReader,
  prefix: string,
): RenderedExpression {
  const statements: string[] = [];
  const memo = new Map<ScalarExpr, { name: string; dtype: DType }>();
  const bind = (code: string, dtype: DType) => {
    const name = `${prefix}${statements.length}`;
    statements.push(`let ${name}: ${wgslType(dtype)} = ${code};`);
    return { name, dtype };
  };
  const visit = (e: ScalarExpr): { name: string; dtype: DType } => {
    const seen = memo.get(e);
    if (seen) return seen;
    let out: { name: string; dtype: DType };
    if (e.kind === "input") {
      out = { name: read(e.index), dtype: kernel.inputDtypes[e.index] };
    } else if (e.kind === "const") {
      out = bind(finiteOrRuntime(e.value), "float32");
    } else if (e.op === "cast" && e.args[0].kind === "const") {
      const dtype = e.dtype ?? kernel.outDtype;
      out = bind(literalOf(e.args[0].value, dtype), dtype);
    } else {
      const args = e.args.map(visit);
      const result = e.dtype ?? kernel.outDtype;
      const wanted = argumentDTypes(e.op, args.map((a) => a.dtype), result);
      const converted = args.map((a, i) => convert(a.name, a.dtype, wanted[i]));
      const computeIn = BOOL_RESULT_OPS.has(e.op) ? wanted[0] : result;
      const render =
        computeIn === "int32" && e.op !== "cast" && e.op !== "where" && !BOOL_RESULT_OPS.has(e.op)
          ? integerRow(e.op)
          : WGSL_OPS[e.op];
      out = bind(render(converted), result);
    }
    memo.set(e, out);
    return out;
  };
  const root = visit(kernel.expr);
  const value = convert(root.name, root.dtype, kernel.outDtype);
  return { statements, value, dtype: kernel.outDtype };
}

/**
 * A float32 literal; ±∞ and NaN are built at run time from their bits (`th_zero` is a zero that is not a constant
 * expression), since a non-finite constant expression is a shader-creation error in WGSL.
 */
function finiteOrRuntime(value: number): string {
  if (Number.isFinite(value)) return f32Literal(value);
  return `bitcast<f32>(0x${f32Bits(value).toString(16)}u | th_zero)`;
}

function integerRow(op: ElementwiseOp): WgslRender {
  if (!isIntegerOp(op)) {
    throw new TypeError(
      `WebGPU: ${op} has no int32 form (it computes in float32); this is a bug in the lowering`,
    );
  }
  return WGSL_INT_OPS[op];
}
