/**
 * Op-table rows of the elementwise ops: each is a scalar function (float64 semantics, see `scalar_math.ts`), a
 * dtype rule and a print rule; broadcasting and float32 rounding are shared.
 * @module
 */
import { type DType, floatTypeOf, promoteTypes } from "../dtype.ts";
import { broadcastShapes, ShapeError } from "../shape.ts";
import { mapBroadcast } from "./_broadcast.ts";
import type { BinaryOp, UnaryOp } from "./names.ts";
import * as M from "./scalar_math.ts";
import type { OpRow, PrintRule, TermType } from "./types.ts";

/** How an elementwise op picks its result dtype from its arguments'. */
type DTypeRule = "float" | "same" | "bool" | "numeric";

/** Print precedences, following mathjs: or < and < comparison < add < mul < unary < pow. */
export const PRECEDENCE = { or: 1, and: 2, compare: 3, add: 4, mul: 5, unary: 6, pow: 7 } as const;

function resultDType(op: string, rule: DTypeRule, dtypes: readonly DType[]): DType {
  const joined = dtypes.reduce(promoteTypes);
  switch (rule) {
    case "bool":
      return "bool";
    case "float":
      return floatTypeOf(joined);
    case "same":
      return joined;
    case "numeric":
      if (joined === "bool") return "int32"; // arithmetic on booleans counts them, as in NumPy's sum
      return joined;
    default:
      throw new ShapeError(`${op}: unknown dtype rule`);
  }
}

function elementwiseRow<K extends UnaryOp | BinaryOp>(
  op: K,
  arity: number,
  rule: DTypeRule,
  f: (...xs: number[]) => number,
  print: PrintRule,
): OpRow<K> {
  return {
    arity,
    infer: (args: readonly TermType[]) => ({
      dtype: resultDType(op, rule, args.map((a) => a.dtype)),
      shape: broadcastShapes(op, args.map((a) => a.shape)),
    }),
    evaluate: (args, _attrs, type, argTypes) =>
      mapBroadcast(op, args, type.dtype, f, argTypes.map((t) => t.shape)),
    print,
  };
}

const call = (name: string): PrintRule => ({ kind: "call", name });
const infix = (symbol: string, precedence: number, rightAssoc = false): PrintRule => ({
  kind: "infix",
  symbol,
  precedence,
  rightAssoc,
});

function unary<K extends UnaryOp>(op: K, rule: DTypeRule, f: (x: number) => number): OpRow<K> {
  return elementwiseRow(op, 1, rule, f, call(op));
}

function binary<K extends BinaryOp>(
  op: K,
  rule: DTypeRule,
  f: (a: number, b: number) => number,
  print: PrintRule = call(op),
): OpRow<K> {
  return elementwiseRow(op, 2, rule, f, print);
}

/** Division is true division: integer arguments give a float result, as in NumPy and Theano's `/`. */
const trueDiv = (a: number, b: number) => a / b;

/** The unary elementwise rows. */
export const UNARY_ROWS: { readonly [K in UnaryOp]: OpRow<K> } = {
  neg: elementwiseRow("neg", 1, "numeric", (x) => -x, {
    kind: "prefix",
    symbol: "-",
    precedence: PRECEDENCE.unary,
  }),
  exp: unary("exp", "float", Math.exp),
  log: unary("log", "float", Math.log),
  log1p: unary("log1p", "float", Math.log1p),
  expm1: unary("expm1", "float", Math.expm1),
  sqrt: unary("sqrt", "float", Math.sqrt),
  square: unary("square", "numeric", (x) => x * x),
  abs: unary("abs", "numeric", Math.abs),
  sign: unary("sign", "numeric", M.sign),
  floor: unary("floor", "numeric", Math.floor),
  ceil: unary("ceil", "numeric", Math.ceil),
  round: unary("round", "numeric", M.roundHalfEven),
  sin: unary("sin", "float", Math.sin),
  cos: unary("cos", "float", Math.cos),
  tan: unary("tan", "float", Math.tan),
  asin: unary("asin", "float", Math.asin),
  acos: unary("acos", "float", Math.acos),
  atan: unary("atan", "float", Math.atan),
  sinh: unary("sinh", "float", Math.sinh),
  cosh: unary("cosh", "float", Math.cosh),
  tanh: unary("tanh", "float", Math.tanh),
  asinh: unary("asinh", "float", Math.asinh),
  acosh: unary("acosh", "float", Math.acosh),
  atanh: unary("atanh", "float", Math.atanh),
  erf: unary("erf", "float", M.erf),
  sigmoid: unary("sigmoid", "float", M.sigmoid),
  softplus: unary("softplus", "float", M.softplus),
  relu: unary("relu", "numeric", (x) => (Number.isNaN(x) ? NaN : x > 0 ? x : 0)),
  log1mexp: unary("log1mexp", "float", M.log1mexp),
  not: elementwiseRow("not", 1, "bool", (x) => (x !== 0 ? 0 : 1), {
    kind: "prefix",
    symbol: "not ",
    precedence: PRECEDENCE.unary,
  }),
};

/** The binary elementwise rows. */
export const BINARY_ROWS: { readonly [K in BinaryOp]: OpRow<K> } = {
  add: binary("add", "numeric", (a, b) => a + b, infix("+", PRECEDENCE.add)),
  sub: binary("sub", "numeric", (a, b) => a - b, infix("-", PRECEDENCE.add)),
  mul: binary("mul", "numeric", (a, b) => a * b, infix("*", PRECEDENCE.mul)),
  div: binary("div", "float", trueDiv, infix("/", PRECEDENCE.mul)),
  pow: binary("pow", "numeric", Math.pow, infix("^", PRECEDENCE.pow, true)),
  hypot: binary("hypot", "float", Math.hypot),
  maximum: binary("maximum", "numeric", M.maximum),
  minimum: binary("minimum", "numeric", M.minimum),
  logaddexp: binary("logaddexp", "float", M.logaddexp),
  eq: binary("eq", "bool", (a, b) => (a === b ? 1 : 0), infix("==", PRECEDENCE.compare)),
  neq: binary("neq", "bool", (a, b) => (a !== b ? 1 : 0), infix("!=", PRECEDENCE.compare)),
  lt: binary("lt", "bool", (a, b) => (a < b ? 1 : 0), infix("<", PRECEDENCE.compare)),
  le: binary("le", "bool", (a, b) => (a <= b ? 1 : 0), infix("<=", PRECEDENCE.compare)),
  gt: binary("gt", "bool", (a, b) => (a > b ? 1 : 0), infix(">", PRECEDENCE.compare)),
  ge: binary("ge", "bool", (a, b) => (a >= b ? 1 : 0), infix(">=", PRECEDENCE.compare)),
  and: binary("and", "bool", (a, b) => (a !== 0 && b !== 0 ? 1 : 0), infix("and", PRECEDENCE.and)),
  or: binary("or", "bool", (a, b) => (a !== 0 || b !== 0 ? 1 : 0), infix("or", PRECEDENCE.or)),
};

/** `where(cond, a, b)`: `a` where `cond` is true, else `b`, all broadcast together. */
export const WHERE_ROW: OpRow<"where"> = {
  arity: 3,
  infer: ([c, a, b]) => {
    if (c.dtype !== "bool") {
      throw new ShapeError(
        `where: the condition must have dtype bool, got ${c.dtype}; compare it first (e.g. gt(x, 0))`,
      );
    }
    return {
      dtype: promoteTypes(a.dtype, b.dtype),
      shape: broadcastShapes("where", [c.shape, a.shape, b.shape]),
    };
  },
  evaluate: (args, _attrs, type, argTypes) =>
    mapBroadcast("where", args, type.dtype, (c, a, b) => (c ? a : b), argTypes.map((t) => t.shape)),
  print: call("where"),
};

/** `cast(x, dtype)`: converts the element type (floats to int32 truncate toward zero, as NumPy's astype). */
export const CAST_ROW: OpRow<"cast"> = {
  arity: 1,
  infer: ([x], attrs) => ({ dtype: attrs.dtype, shape: x.shape }),
  evaluate: (args, attrs, type, argTypes) =>
    mapBroadcast(
      "cast",
      args,
      type.dtype,
      // NaN is truthy, as in NumPy's astype(bool)
      attrs.dtype === "int32" ? Math.trunc : attrs.dtype === "bool" ? (x) => (x !== 0 ? 1 : 0) : (x) => x,
      argTypes.map((t) => t.shape),
    ),
  print: call("cast"),
};
