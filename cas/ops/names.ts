/**
 * The names of every op, grouped by kind. Each layer (type rules, reference evaluation, VJP, kernel rendering)
 * keeps one row per name in a record typed over these unions, so the compiler names any missing row.
 * @module
 */

/** Elementwise ops of one argument. */
export const UNARY_OPS = [
  "neg",
  "exp",
  "log",
  "log1p",
  "expm1",
  "sqrt",
  "square",
  "abs",
  "sign",
  "floor",
  "ceil",
  "round",
  "sin",
  "cos",
  "tan",
  "asin",
  "acos",
  "atan",
  "sinh",
  "cosh",
  "tanh",
  "asinh",
  "acosh",
  "atanh",
  "erf",
  "sigmoid",
  "softplus",
  "relu",
  "log1mexp",
  "not",
] as const;

/** Elementwise ops of two arguments (NumPy broadcasting). */
export const BINARY_OPS = [
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "hypot",
  "maximum",
  "minimum",
  "logaddexp",
  "eq",
  "neq",
  "lt",
  "le",
  "gt",
  "ge",
  "and",
  "or",
] as const;

/** Reductions over axes, with `keepdims`. */
export const REDUCE_OPS = ["sum", "mean", "max", "min", "prod", "logsumexp"] as const;

/** A unary elementwise op name. */
export type UnaryOp = typeof UNARY_OPS[number];
/** A binary elementwise op name. */
export type BinaryOp = typeof BINARY_OPS[number];
/** A reduction op name. */
export type ReduceOp = typeof REDUCE_OPS[number];
/** Elementwise ops that a fused kernel can compute point by point. */
export type ElementwiseOp = UnaryOp | BinaryOp | "where" | "cast";

/** Every op name. Leaves (`const`, `var`, `shared`) are ops too, so a term is one uniform node type. */
export type OpName =
  | "const"
  | "var"
  | "shared"
  | ElementwiseOp
  | ReduceOp
  | "matmul"
  | "transpose"
  | "reshape"
  | "broadcastTo"
  | "count"
  | "concatenate"
  | "index"
  | "slice"
  | "softmax"
  | "logSoftmax"
  | "stopGradient";

/** Comparison and logic ops, whose result is `bool`. */
export const BOOL_RESULT_OPS: ReadonlySet<OpName> = new Set<OpName>([
  "eq",
  "neq",
  "lt",
  "le",
  "gt",
  "ge",
  "and",
  "or",
  "not",
]);
