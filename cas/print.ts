/**
 * Printing terms as mathjs-syntax text: infix operators with the fewest parentheses that keep the exact tree,
 * function calls for named ops (attributes as extra arguments), and constants written so that `parse` reads
 * them back with the same dtype. `parse(print(e), vars) === e` for every term whose variables are in `vars`.
 * @module
 */
import { asTerm } from "./api.ts";
import type { DType } from "./dtype.ts";
import type { NestedArray } from "./ndarray.ts";
import { setPrinter, type Term, topoSort } from "./term.ts";
import { PRECEDENCE } from "./ops/elementwise.ts";
import { BINARY_OPS, type OpName, REDUCE_OPS } from "./ops/names.ts";
import { rowOf } from "./ops/table.ts";
import type { OpAttrs, ReduceAttrs } from "./ops/types.ts";

/** The precedence of text that never needs parentheses: names, calls, array literals. */
const ATOM = 100;

/** A printed operand: its text and how tightly it binds. */
interface Printed {
  readonly text: string;
  readonly precedence: number;
  /** A bare number literal: `-3` would fold into a constant, so `neg` must parenthesize it. */
  readonly numberLiteral?: boolean;
}

/**
 * The mathjs-syntax text of `term`: `log(1 + exp(x))`, `x * y + 2`, `x^5`, `sum(X, 1)`, `float64(2)`.
 * Runs in time linear in the length of the text (each distinct subterm is printed once).
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const x = T.scalar("x");
 * String(T.log(T.add(1, T.exp(x)))); // "log(1 + exp(x))"
 * String(T.neg(T.pow(x, 2))); // "-x^2"
 * String(T.pow(T.neg(x), 2)); // "(-x)^2"
 * ```
 */
export function print(term: Term): string {
  if (term.op === "const") return constantText(term, !readsBackAs(term, undefined)).text;
  const printed = new Map<Term, Printed>();
  // children before parents, without recursion: gradients can be thousands of terms deep
  for (const t of topoSort([term])) {
    if (t.op !== "const") printed.set(t, render(t, printed));
  }
  return printed.get(term)!.text;
}

setPrinter(print);

// ---------------------------------------------------------------------------------------------- terms

function render(t: Term, printed: ReadonlyMap<Term, Printed>): Printed {
  const rule = rowOf(t.op).print;
  const operands = operandTexts(t, printed);
  switch (rule.kind) {
    case "leaf":
      return { text: leafName(t), precedence: ATOM };
    case "prefix": {
      const [x] = operands;
      const wrap = x.precedence <= rule.precedence || x.numberLiteral === true;
      return { text: rule.symbol + (wrap ? `(${x.text})` : x.text), precedence: rule.precedence };
    }
    case "infix": {
      const [a, b] = operands;
      const p = rule.precedence;
      const comparison = p === PRECEDENCE.compare; // non-associative: `(a < b) < c`
      const wrapLeft = a.precedence < p || (a.precedence === p && (comparison || rule.rightAssoc === true));
      const wrapRight = b.precedence < p || (b.precedence === p && (comparison || rule.rightAssoc !== true));
      // `^` is written without spaces, as mathjs users write powers: `x^5`
      const symbol = rule.symbol === "^" ? "^" : ` ${rule.symbol} `;
      return { text: paren(a.text, wrapLeft) + symbol + paren(b.text, wrapRight), precedence: p };
    }
    case "call": {
      const name = t.op === "cast" ? (t.attrs as OpAttrs["cast"]).dtype : rule.name;
      return {
        text: `${name}(${callArguments(t, operands.map((o) => o.text)).join(", ")})`,
        precedence: ATOM,
      };
    }
  }
}

function paren(text: string, wrap: boolean): string {
  return wrap ? `(${text})` : text;
}

function leafName(t: Term): string {
  if (t.op === "var") return (t.attrs as OpAttrs["var"]).name;
  if (t.op === "shared") return (t.attrs as OpAttrs["shared"]).slot.name;
  throw new TypeError(`print: ${t.op} is not a named leaf`);
}

const REDUCTIONS: ReadonlySet<OpName> = new Set(REDUCE_OPS);

/** The argument list of a call: the operands, then the attributes in the form `parse` accepts back. */
function callArguments(t: Term, args: readonly string[]): string[] {
  const x = t.args[0];
  if (REDUCTIONS.has(t.op)) {
    const { axes, keepdims } = t.attrs as ReduceAttrs;
    if (keepdims) return [args[0], axesText(axes), "true"];
    return allAxes(axes, x.ndim) ? [args[0]] : [args[0], axesText(axes)];
  }
  switch (t.op) {
    case "count": {
      const { axes } = t.attrs as OpAttrs["count"];
      return allAxes(axes, x.ndim) ? [args[0]] : [args[0], axesText(axes)];
    }
    case "transpose": {
      const { perm } = t.attrs as OpAttrs["transpose"];
      // transpose(x) reverses the axes, but leaves arrays of rank < 2 untouched (no transpose term at all)
      const reversed = x.ndim >= 2 && perm.every((p, i) => p === x.ndim - 1 - i);
      return reversed ? [args[0]] : [args[0], listText(perm)];
    }
    case "reshape":
      return [args[0], listText((t.attrs as OpAttrs["reshape"]).shape)];
    case "broadcastTo":
      return args.length === 2
        ? [...args]
        : [args[0], listText((t.attrs as OpAttrs["broadcastTo"]).shape as number[])];
    case "concatenate": {
      const { axis } = t.attrs as OpAttrs["concatenate"];
      const list = `[${args.join(", ")}]`;
      return axis === 0 ? [list] : [list, String(axis)];
    }
    case "index":
      return [args[0], String((t.attrs as OpAttrs["index"]).index)];
    case "slice":
      return [args[0], ...sliceArguments(t.attrs as OpAttrs["slice"])];
    case "softmax":
    case "logSoftmax": {
      const { axis } = t.attrs as OpAttrs["softmax"];
      return axis === x.ndim - 1 ? [args[0]] : [args[0], String(axis)];
    }
    default:
      return [...args];
  }
}

function allAxes(axes: readonly number[], rank: number): boolean {
  return axes.length === rank && axes.every((a, i) => a === i);
}

function axesText(axes: readonly number[]): string {
  return axes.length === 1 ? String(axes[0]) : listText(axes);
}

function listText(values: readonly number[]): string {
  return `[${values.join(", ")}]`;
}

/** `start, stop, step`, dropping trailing defaults (0, null, 1) as Python's slices do. */
function sliceArguments({ start, stop, step }: OpAttrs["slice"]): string[] {
  if (step !== 1) return [String(start), String(stop), String(step)];
  if (stop !== null) return [String(start), String(stop)];
  return start !== 0 ? [String(start)] : [];
}

// ---------------------------------------------------------------------------------------------- constants

const BINARY: ReadonlySet<OpName> = new Set(BINARY_OPS);

/**
 * Which arguments of `t` the parser converts together (one `asTerms` call in api.ts: a plain number takes the
 * dtype of the first real term of its group), and which must read back as terms, never as literals.
 */
function argumentGroups(t: Term): { groups: number[][]; termOnly: number[] } {
  const n = t.args.length;
  if (BINARY.has(t.op) || t.op === "matmul") return { groups: [[0, 1]], termOnly: [] };
  switch (t.op) {
    case "where":
      return { groups: [[0], [1, 2]], termOnly: [] };
    case "concatenate":
      return { groups: [Array.from({ length: n }, (_, i) => i)], termOnly: [] };
    case "broadcastTo": // a literal second argument would be read as a target shape
      return { groups: [[0]], termOnly: n === 2 ? [1] : [] };
    case "cast": // `float64(2)` is read as a float64 constant, not as a cast of one
      return { groups: [], termOnly: [0] };
    default:
      return { groups: Array.from({ length: n }, (_, i) => [i]), termOnly: [] };
  }
}

/** The operands of `t` as printed in their places; constants depend on their place (see `constantText`). */
function operandTexts(t: Term, printed: ReadonlyMap<Term, Printed>): Printed[] {
  const out: Printed[] = t.args.map((a) => printed.get(a)!);
  if (!t.args.some((a) => a.op === "const")) return out;
  const { groups, termOnly } = argumentGroups(t);
  for (const i of termOnly) if (t.args[i].op === "const") out[i] = constantText(t.args[i], true);
  for (const group of groups) placeConstants(t, group, out);
  return out;
}

/**
 * Writes the constants of one argument group. The parser gives a plain literal the dtype of the group's first
 * term (its anchor); a constant written `dtype(literal)` is a term itself, so wrapping one before the first
 * non-constant moves the anchor to it. Start from the first non-constant as anchor; while some constant before
 * the anchor would not read back, the first such constant becomes the (wrapped) anchor. The anchor only moves
 * left, so this ends, and constants after the anchor are wrapped only where they must be.
 */
function placeConstants(t: Term, group: readonly number[], out: Printed[]): void {
  const isConstant = (i: number) => t.args[i].op === "const";
  let anchorAt = group.findIndex((i) => !isConstant(i));
  if (anchorAt === -1) anchorAt = group.length;
  let anchor = anchorAt < group.length ? t.args[group[anchorAt]].dtype : undefined;
  for (;;) {
    const failing = group.slice(0, anchorAt).findIndex((i) => !readsBackAs(t.args[i], anchor));
    if (failing === -1) break;
    anchorAt = failing;
    anchor = t.args[group[anchorAt]].dtype;
  }
  group.forEach((i, k) => {
    if (isConstant(i)) out[i] = constantText(t.args[i], k === anchorAt || !readsBackAs(t.args[i], anchor));
  });
}

/** The text of constant `c`: its plain literal, or `dtype(literal)` where the parser would give another dtype. */
function constantText(c: Term, wrapped: boolean): Printed {
  const literal = literalOf(c);
  return wrapped ? { text: `${c.dtype}(${literal.text})`, precedence: ATOM } : literal.printed;
}

/**
 * True when the plain literal of `c`, met next to a term of dtype `anchor`, is read as `c` again. The literal
 * holds `c`'s exact values, so only the dtype can differ; `asTerm` is the rule the parser uses.
 */
function readsBackAs(c: Term, anchor: DType | undefined): boolean {
  try {
    return asTerm(literalOf(c).value, anchor).dtype === c.dtype;
  } catch {
    return false; // e.g. float32 -2147483648 next to an int32 term: out of int32 range as a plain literal
  }
}

/** The plain literal of a constant: text, the value the parser gets from it, and its printed form. */
interface Literal {
  readonly text: string;
  readonly value: NestedArray;
  readonly printed: Printed;
}

const literals = new WeakMap<Term, Literal>();

function literalOf(c: Term): Literal {
  let literal = literals.get(c);
  if (literal === undefined) {
    literal = makeLiteral(c);
    literals.set(c, literal);
  }
  return literal;
}

function makeLiteral(c: Term): Literal {
  const { value } = c.attrs as OpAttrs["const"];
  const { dtype, data, shape } = value;
  const element = (i: number): { text: string; value: number | boolean } => {
    if (dtype === "bool") return { text: data[i] ? "true" : "false", value: data[i] !== 0 };
    const text = formatNumber(data[i], dtype);
    return { text, value: Number(text) };
  };
  if (shape.length === 0) {
    const { text, value } = element(0);
    const negative = text.startsWith("-");
    return {
      text,
      value,
      printed: {
        text,
        precedence: negative ? PRECEDENCE.unary : ATOM,
        numberLiteral: typeof value === "number",
      },
    };
  }
  // nested lists, row-major; sizes after a zero-size axis cannot be written as a literal (`[]` is shape [0])
  let next = 0;
  const nest = (axis: number): { text: string; value: NestedArray[] } => {
    const texts: string[] = [];
    const values: NestedArray[] = [];
    for (let k = 0; k < shape[axis]; k++) {
      const item = axis === shape.length - 1 ? element(next++) : nest(axis + 1);
      texts.push(item.text);
      values.push(item.value);
    }
    return { text: `[${texts.join(", ")}]`, value: values };
  };
  const { text, value: nested } = nest(0);
  return { text, value: nested, printed: { text, precedence: ATOM } };
}

/**
 * The shortest decimal text that reads back as `v` in `dtype` (`0.1` for float32's 0.100000001…), in a form
 * mathjs parses: `1e-10`, `Infinity`, `NaN`, and `-0` kept apart from `0`.
 */
function formatNumber(v: number, dtype: DType): string {
  if (Number.isNaN(v)) return "NaN";
  if (Object.is(v, -0)) return "-0";
  if (dtype === "float32" && Number.isFinite(v)) {
    for (let digits = 1; digits <= 9; digits++) {
      const shorter = Number(v.toPrecision(digits));
      if (Math.fround(shorter) === v) return String(shorter);
    }
  }
  return String(v);
}
