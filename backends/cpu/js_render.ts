/**
 * Renders fused elementwise expressions (the `ScalarExpr` IR) to JavaScript source, one table row per op.
 *
 * Safety: the source is assembled only from the fixed strings of `JS_RENDER`, identifiers this module makes up
 * (`x0`, `t3`, `k1`, …) and integer indices. Numbers never appear in the text: constants are read from an array
 * passed in as data, and user names never reach this module at all.
 *
 * Semantics: every node is rounded to its dtype as soon as it is computed (`Math.fround` for float32, `| 0` for
 * int32, `!== 0 ? 1 : 0` for bool: NaN is true), which is exactly what the reference interpreter does by storing each op's result
 * in a typed array. Fused JavaScript kernels therefore agree with the reference bit for bit.
 * @module
 */
import type { DType } from "../../cas/dtype.ts";
import { BOOL_RESULT_OPS, type ElementwiseOp } from "../../cas/ops/names.ts";
import * as M from "../../cas/ops/scalar_math.ts";
import type { ScalarExpr } from "../kernel_ir.ts";

/** Renders one op applied to already-rendered argument expressions. */
export type RenderRow = (args: readonly string[]) => string;

/** The scalar helpers generated code may call, passed in as data (never looked up by name at run time). */
export const HELPERS = {
  sign: M.sign,
  round: M.roundHalfEven,
  erf: M.erf,
  sigmoid: M.sigmoid,
  softplus: M.softplus,
  log1mexp: M.log1mexp,
  maximum: M.maximum,
  minimum: M.minimum,
  logaddexp: M.logaddexp,
} as const;

/** The name a helper has inside generated code. */
type Helper = keyof typeof HELPERS;
const helper = (name: Helper): RenderRow => (a) => `H_${name}(${a.join(", ")})`;
const math = (name: string): RenderRow => (a) => `Math.${name}(${a.join(", ")})`;
const infix = (symbol: string): RenderRow => ([a, b]) => `(${a} ${symbol} ${b})`;
const compare = (symbol: string): RenderRow => ([a, b]) => `(${a} ${symbol} ${b} ? 1 : 0)`;

/**
 * One row per elementwise op: how it reads in JavaScript (float64 math, the reference's scalar functions).
 * `cast` is the identity here: the conversion is the rounding to the node's dtype that follows every node.
 */
export const JS_RENDER: { readonly [K in ElementwiseOp]: RenderRow } = {
  neg: ([a]) => `(-${a})`,
  exp: math("exp"),
  log: math("log"),
  log1p: math("log1p"),
  expm1: math("expm1"),
  sqrt: math("sqrt"),
  square: ([a]) => `(${a} * ${a})`,
  abs: math("abs"),
  sign: helper("sign"),
  floor: math("floor"),
  ceil: math("ceil"),
  round: helper("round"),
  sin: math("sin"),
  cos: math("cos"),
  tan: math("tan"),
  asin: math("asin"),
  acos: math("acos"),
  atan: math("atan"),
  sinh: math("sinh"),
  cosh: math("cosh"),
  tanh: math("tanh"),
  asinh: math("asinh"),
  acosh: math("acosh"),
  atanh: math("atanh"),
  erf: helper("erf"),
  sigmoid: helper("sigmoid"),
  softplus: helper("softplus"),
  // NaN stays NaN; -0 becomes +0 as in the reference's `x > 0 ? x : 0`
  relu: ([a]) => `(${a} > 0 ? ${a} : (${a} === ${a} ? 0 : ${a}))`,
  log1mexp: helper("log1mexp"),
  not: ([a]) => `(${a} !== 0 ? 0 : 1)`,
  add: infix("+"),
  sub: infix("-"),
  mul: infix("*"),
  div: infix("/"),
  pow: math("pow"),
  hypot: math("hypot"),
  maximum: helper("maximum"),
  minimum: helper("minimum"),
  logaddexp: helper("logaddexp"),
  eq: compare("==="),
  neq: compare("!=="),
  lt: compare("<"),
  le: compare("<="),
  gt: compare(">"),
  ge: compare(">="),
  and: ([a, b]) => `(${a} !== 0 && ${b} !== 0 ? 1 : 0)`,
  or: ([a, b]) => `(${a} !== 0 || ${b} !== 0 ? 1 : 0)`,
  where: ([c, a, b]) => `(${c} ? ${a} : ${b})`,
  cast: ([a]) => a,
};

/** Wraps a rendered value so it holds what storing it as `dtype` would give. */
export function roundFor(dtype: DType, code: string): string {
  switch (dtype) {
    case "float64":
      return code;
    case "float32":
      return `Math.fround(${code})`;
    case "int32":
      return `(${code} | 0)`;
    case "bool":
      return `(${code} !== 0 ? 1 : 0)`; // NaN is true, as in NumPy
  }
}

/** What rendering an expression produced: statements computing it, the name holding it, what it needs. */
export interface RenderedExpr {
  /** `const tN = …;` lines, children first, each shared subexpression once. */
  readonly lines: string[];
  /** The identifier (or constant name) holding the result. */
  readonly result: string;
  /** Helpers the lines call. */
  readonly helpers: ReadonlySet<Helper>;
}

/**
 * Renders `expr` to statements. Inputs are read as `x{index}` (the caller declares them), constants as
 * `k{index}` of `constants` (the caller hoists them), and nodes shared by object identity are computed once.
 */
export function renderExpr(expr: ScalarExpr, constants: number[], prefix = "t"): RenderedExpr {
  const lines: string[] = [];
  const helpers = new Set<Helper>();
  const names = new Map<ScalarExpr, string>();
  const constIndex = new Map<number, number>();
  const visit = (e: ScalarExpr): string => {
    const known = names.get(e);
    if (known !== undefined) return known;
    let name: string;
    switch (e.kind) {
      case "input":
        name = `x${e.index}`;
        break;
      case "const": {
        // Maps compare keys with SameValueZero, which would merge -0 into 0: -0 always gets its own slot
        const negativeZero = Object.is(e.value, -0);
        let i = negativeZero ? undefined : constIndex.get(e.value);
        if (i === undefined) {
          i = constants.length;
          constants.push(e.value);
          if (!negativeZero) constIndex.set(e.value, i);
        }
        name = `k${i}`;
        break;
      }
      case "op": {
        const args = e.args.map(visit);
        const code = JS_RENDER[e.op](args);
        for (const match of code.matchAll(/H_([a-z0-9]+)\(/gi)) helpers.add(match[1] as Helper);
        const rounded = e.dtype === undefined || BOOL_RESULT_OPS.has(e.op) ? code : roundFor(e.dtype, code);
        name = `${prefix}${lines.length}`;
        lines.push(`const ${name} = ${rounded};`);
        break;
      }
    }
    names.set(e, name);
    return name;
  };
  const result = visit(expr);
  return { lines, result, helpers };
}

/** The lines that bring the used helpers and constants into scope at the top of a generated function. */
export function preamble(helpers: ReadonlySet<string>, constantCount: number): string[] {
  const lines = [...helpers].sort().map((h) => `const H_${h} = H.${h};`);
  for (let i = 0; i < constantCount; i++) lines.push(`const k${i} = K[${i}];`);
  return lines;
}

const compiled = new Map<string, (...args: unknown[]) => void>();

/**
 * Compiles generated source once per distinct text (kernels that render alike share one function).
 * `params` are this module's fixed parameter names; `body` comes from the renderers above.
 */
export function compileSource(params: readonly string[], body: string): (...args: unknown[]) => void {
  const key = `${params.join(",")}\n${body}`;
  let fn = compiled.get(key);
  if (!fn) {
    fn = new Function(...params, `"use strict";\n${body}`) as (...args: unknown[]) => void;
    compiled.set(key, fn);
  }
  return fn;
}

/** How many distinct generated functions exist (for tests of the code cache). */
export function compiledSourceCount(): number {
  return compiled.size;
}

/** The source text of every generated function so far (for tests that inspect what was generated). */
export function generatedSources(): string[] {
  return [...compiled.keys()];
}
