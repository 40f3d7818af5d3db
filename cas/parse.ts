/**
 * Reading terms from math text in mathjs syntax. mathjs only tokenizes and builds its syntax tree; this module
 * turns that tree into terms node by node, through a whitelist: arithmetic, comparison and logic operators,
 * number and boolean literals, names, and the functions of `FUNCTIONS`. Anything else (statements, assignments,
 * property access, strings, unknown functions) is a `ParseError`. Nothing is ever evaluated.
 * @module
 */
import { parse as parseMathjs } from "mathjs/number";
import * as api from "./api.ts";
import type { DType } from "./dtype.ts";
import type { NestedArray } from "./ndarray.ts";
import { Term } from "./term.ts";
import {
  BINARY_OPS,
  type BinaryOp,
  REDUCE_OPS,
  type ReduceOp,
  UNARY_OPS,
  type UnaryOp,
} from "./ops/names.ts";

/** Longer sources are refused before mathjs sees them (mathjs parses ~100k characters in well under 0.1 s). */
export const MAX_SOURCE_LENGTH = 100_000;

/**
 * Math text that is not a supported expression. The message names the offending construct and its text, and
 * the character position where mathjs reports one.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * try {
 *   T.parse("x = 1");
 * } catch (e) {
 *   e instanceof T.ParseError; // true: parse: assignment "x = 1" is not allowed; give one expression
 * }
 * ```
 */
export class ParseError extends Error {
  /** The text that was being parsed. */
  readonly source: string;
  /** The 1-based character position of the error, where known (syntax errors). */
  readonly position: number | undefined;

  /** Creates the error; `message` should name the construct and its text. */
  constructor(message: string, source: string, position?: number) {
    super(message);
    this.name = "ParseError";
    this.source = source;
    this.position = position;
  }
}

/** Variables the text may refer to by name. */
export type Vars = Readonly<Record<string, Term>> | ReadonlyMap<string, Term>;

/**
 * The term written by `source` in mathjs syntax. Names are looked up in `vars`; other names become float scalars
 * (`scalar(name)`, dtype `config.floatX`); `e` and `pi` are constants unless `vars` defines them. Plain numbers
 * take the dtype of the term they meet, as in the builder functions (`x * 2` stays float64 for a float64 `x`);
 * `float64(2)`, `int32(3)` give constants of a stated dtype. `c ? a : b` reads as `where(c, a, b)` and
 * `a < b < c` as `a < b and b < c`. Reads back `String(term)` exactly: `parse(String(e), vars) === e`.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const x = T.vector("x");
 * const y = T.parse("log(1 + exp(x))", { x });
 * y === T.log(T.add(1, T.exp(x))); // true
 * T.parse("sum(X, 1) / 2", { X: T.matrix("X") }).shape; // [null]
 * ```
 */
export function parse(source: string, vars?: Vars): Term {
  if (typeof source !== "string") throw new TypeError(`parse: expected a string, got ${typeof source}`);
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new ParseError(
      `parse: the text is ${source.length} characters long; at most ${MAX_SOURCE_LENGTH} are accepted`,
      source,
    );
  }
  // leading or trailing line breaks would make mathjs see several (empty) statements
  const start = source.length - source.trimStart().length;
  const text = source.trim();
  if (text === "") throw new ParseError("parse: the text is empty; give an expression", source);
  let root: AnyNode;
  try {
    root = parseMathjs(text) as unknown as AnyNode;
  } catch (e) {
    if (isStackOverflow(e)) throw tooDeep(source);
    const char = (e as { char?: unknown }).char;
    const position = typeof char === "number" ? char + start : undefined;
    const reason = String((e as Error).message ?? e).replace(/\s*\(char \d+\)$/, "");
    const where = position === undefined ? "" : ` at character ${position}`;
    throw new ParseError(`parse: syntax error${where} of ${quote(source)}: ${reason}`, source, position);
  }
  try {
    return api.asTerm(new Converter(source, vars).value(root));
  } catch (e) {
    throw isStackOverflow(e) ? tooDeep(source) : e;
  }
}

/** mathjs's parser is recursive: a few hundred levels of nesting exhaust the stack. */
function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

function tooDeep(source: string): ParseError {
  return new ParseError(`parse: ${quote(source)} is nested too deeply to parse`, source);
}

// ---------------------------------------------------------------------------------------------- syntax tree

/** The parts of mathjs's nodes that are read here (structural, so mathjs's generic node types stay out). */
interface AnyNode {
  readonly type: string;
  toString(): string;
}
interface OperatorNode extends AnyNode {
  readonly fn: string;
  readonly op: string;
  readonly args: readonly AnyNode[];
}
interface ConstantNode extends AnyNode {
  readonly value: unknown;
}
interface SymbolNode extends AnyNode {
  readonly name: string;
}
interface FunctionNode extends AnyNode {
  readonly fn: AnyNode;
  readonly args: readonly AnyNode[];
}
interface ArrayNode extends AnyNode {
  readonly items: readonly AnyNode[];
}
interface ParenthesisNode extends AnyNode {
  readonly content: AnyNode;
}
interface RelationalNode extends AnyNode {
  readonly conditionals: readonly string[];
  readonly params: readonly AnyNode[];
}
interface ConditionalNode extends AnyNode {
  readonly condition: AnyNode;
  readonly trueExpr: AnyNode;
  readonly falseExpr: AnyNode;
}

/** What an expression stands for: a term, or a literal that takes its dtype from where it is used. */
type Value = Term | number | boolean | NestedArray;

/** mathjs's binary operators (by function name) and the builders they mean. */
const BINARY_OPERATORS: Readonly<Record<string, (a: Value, b: Value) => Term>> = {
  add: api.add,
  subtract: api.sub,
  multiply: api.mul, // `*` is elementwise here, as in NumPy; `matmul`/`dot` are the matrix products
  dotMultiply: api.mul,
  divide: api.div,
  dotDivide: api.div,
  pow: api.pow,
  dotPow: api.pow,
  equal: api.eq,
  unequal: api.neq,
  smaller: api.lt,
  smallerEq: api.le,
  larger: api.gt,
  largerEq: api.ge,
  and: api.and,
  or: api.or,
};

/** Syntax that is refused: what the construct is called, and a hint. */
const REFUSED: Readonly<Record<string, readonly [what: string, hint: string]>> = {
  BlockNode: ["several statements", "; give one expression (no `;` or line breaks)"],
  AssignmentNode: ["assignment", "; give one expression"],
  FunctionAssignmentNode: ["function definition", "; give one expression"],
  AccessorNode: ["property access or indexing", "; use index(x, i) or slice(x, start, stop, step)"],
  IndexNode: ["indexing", "; use index(x, i) or slice(x, start, stop, step)"],
  ObjectNode: ["object", ""],
  RangeNode: ["range", "; use slice(x, start, stop, step)"],
};

/** Names that read as numbers unless `vars` defines them. */
const NAMED_NUMBERS: Readonly<Record<string, number>> = { e: Math.E, pi: Math.PI };

class Converter {
  constructor(readonly source: string, readonly vars: Vars | undefined) {}

  /** A ParseError about `node`: `message`, then the node's text. */
  fail(node: AnyNode, message: string): never {
    throw new ParseError(`parse: ${message} (in ${quote(node.toString())})`, this.source);
  }

  /** A ParseError for syntax that is not allowed: `parse: assignment "x = 1" is not allowed; give one expression`. */
  refuse(node: AnyNode, what: string, hint = ""): never {
    const named = what === "" ? "" : `${what} `;
    throw new ParseError(`parse: ${named}${quote(node.toString())} is not allowed${hint}`, this.source);
  }

  value(node: AnyNode): Value {
    switch (node.type) {
      case "ParenthesisNode":
        return this.value((node as ParenthesisNode).content);
      case "ConstantNode":
        return this.constant(node as ConstantNode);
      case "SymbolNode":
        return this.symbol(node as SymbolNode);
      case "OperatorNode":
        return this.operator(node as OperatorNode);
      case "RelationalNode":
        return this.relational(node as RelationalNode);
      case "ConditionalNode": {
        // `c ? a : b` is the elementwise choice where(c, a, b); mathjs has the syntax, so it is accepted
        const { condition, trueExpr, falseExpr } = node as ConditionalNode;
        return api.where(this.value(condition), this.value(trueExpr), this.value(falseExpr));
      }
      case "FunctionNode":
        return this.call(node as FunctionNode);
      case "ArrayNode":
        return this.arrayLiteral(node as ArrayNode);
      default: {
        const [what, hint] = REFUSED[node.type] ?? [`syntax (${node.type})`, ""];
        return this.refuse(node, what, hint);
      }
    }
  }

  term(node: AnyNode): Term {
    return api.asTerm(this.value(node));
  }

  constant(node: ConstantNode): number | boolean {
    const v = node.value;
    if (typeof v === "number" || typeof v === "boolean") return v;
    if (typeof v === "string") return this.refuse(node, "string", "; only numbers, booleans and names");
    if (v === null) return this.refuse(node, "", " except as the stop of slice(x, start, null, step)");
    return this.refuse(node, "constant");
  }

  symbol(node: SymbolNode): Value {
    const name = node.name;
    const bound = lookup(this.vars, name);
    if (bound !== undefined) return bound;
    if (Object.hasOwn(NAMED_NUMBERS, name)) return NAMED_NUMBERS[name];
    try {
      return api.scalar(name);
    } catch (e) {
      return this.fail(node, (e as Error).message);
    }
  }

  operator(node: OperatorNode): Value {
    if (node.args.length === 1) {
      const [x] = node.args;
      switch (node.fn) {
        case "unaryMinus": {
          // `-3` is the constant -3 (the printer writes the negation of a constant as `-(3)`)
          const literal = this.numberLiteral(x);
          return literal === undefined ? api.neg(this.value(x)) : -literal;
        }
        case "unaryPlus":
          return this.value(x);
        case "not":
          return api.not(this.value(x));
      }
    } else if (node.args.length === 2 && Object.hasOwn(BINARY_OPERATORS, node.fn)) {
      // walk down the left spine without recursion: `a + b + … + z` is a left-deep tree thousands deep
      const spine: OperatorNode[] = [];
      let left: AnyNode = node;
      while (isBinaryOperator(left)) {
        spine.push(left);
        left = left.args[0];
      }
      let acc = this.value(left);
      for (let i = spine.length - 1; i >= 0; i--) {
        acc = BINARY_OPERATORS[spine[i].fn](acc, this.value(spine[i].args[1]));
      }
      return acc;
    }
    return this.refuse(node, `operator ${node.op} (${node.fn})`);
  }

  /** The number a bare number node stands for (`3`, `Infinity`, `e` when not a variable), else undefined. */
  numberLiteral(node: AnyNode): number | undefined {
    if (node.type === "ConstantNode" && typeof (node as ConstantNode).value === "number") {
      return (node as ConstantNode).value as number;
    }
    if (node.type === "SymbolNode") {
      const name = (node as SymbolNode).name;
      if (lookup(this.vars, name) === undefined && Object.hasOwn(NAMED_NUMBERS, name)) {
        return NAMED_NUMBERS[name];
      }
    }
    return undefined;
  }

  /** `a < b <= c` is `(a < b) and (b <= c)`. */
  relational(node: RelationalNode): Term {
    const operands = node.params.map((p) => this.value(p));
    let acc: Term | undefined;
    node.conditionals.forEach((fn, i) => {
      const build = BINARY_OPERATORS[fn];
      if (build === undefined) this.refuse(node, `comparison ${fn}`);
      const pair = build(operands[i], operands[i + 1]);
      acc = acc === undefined ? pair : api.and(acc, pair);
    });
    return acc!;
  }

  call(node: FunctionNode): Term {
    if (node.fn.type !== "SymbolNode") {
      return this.refuse(node, "call of an expression", "; call functions by name");
    }
    const name = (node.fn as SymbolNode).name;
    if (!Object.hasOwn(FUNCTIONS, name)) {
      const similar = similarNames(name);
      const hint = similar.length > 0
        ? `did you mean ${similar.join(", ")}?`
        : "only the library's math functions are allowed";
      return this.fail(node, `unknown function ${name}(); ${hint}`);
    }
    const row = FUNCTIONS[name];
    const [min, max] = row.arity;
    if (node.args.length < min || node.args.length > max) {
      const count = min === max ? `${min}` : `${min} to ${max}`;
      return this.fail(node, `${name} takes ${count} argument(s) (${row.usage}), got ${node.args.length}`);
    }
    return row.build(node.args, this, node);
  }

  /** `[[1, 2], [3, 4]]`: a constant written out; its items must be numbers or booleans. */
  arrayLiteral(node: ArrayNode): NestedArray {
    return node.items.map((item) => {
      const v = this.value(item);
      if (v instanceof Term) {
        return this.fail(
          node,
          "an array literal may hold only numbers and booleans; join terms with stack([a, b])",
        );
      }
      return v;
    });
  }

  // ---- attribute arguments: literals only ----

  /** An integer literal such as an axis or an index. */
  integer(node: AnyNode, call: AnyNode, what: string): number {
    const v = node.type === "ConstantNode" || node.type === "OperatorNode" || node.type === "ParenthesisNode"
      ? this.value(node)
      : undefined;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      this.fail(call, `${what} must be an integer, got ${node}`);
    }
    return v as number;
  }

  /** A list of integer literals such as a shape or a permutation. */
  integers(node: AnyNode, call: AnyNode, what: string): number[] {
    if (node.type !== "ArrayNode") {
      this.fail(call, `${what} must be a list of integers like [0, 1], got ${node}`);
    }
    return (node as ArrayNode).items.map((item) => this.integer(item, call, `each entry of ${what}`));
  }

  /** One axis or a list of them. */
  axes(node: AnyNode, call: AnyNode): number | number[] {
    return node.type === "ArrayNode"
      ? this.integers(node, call, "the axis")
      : this.integer(node, call, "the axis");
  }

  boolean(node: AnyNode, call: AnyNode, what: string): boolean {
    const v = node.type === "ConstantNode" ? (node as ConstantNode).value : undefined;
    if (typeof v !== "boolean") this.fail(call, `${what} must be true or false, got ${node}`);
    return v as boolean;
  }

  /** `[a, b, …]` as the list argument of concatenate and stack: its items are expressions. */
  list(node: AnyNode, call: AnyNode): Value[] {
    if (node.type !== "ArrayNode") {
      this.fail(call, `the first argument must be a list [a, b, …], got ${node}`);
    }
    return (node as ArrayNode).items.map((item) => this.value(item));
  }
}

function isBinaryOperator(node: AnyNode): node is OperatorNode {
  return node.type === "OperatorNode" && (node as OperatorNode).args.length === 2 &&
    Object.hasOwn(BINARY_OPERATORS, (node as OperatorNode).fn);
}

function lookup(vars: Vars | undefined, name: string): Term | undefined {
  if (vars === undefined) return undefined;
  const found = vars instanceof Map
    ? (vars as ReadonlyMap<string, Term>).get(name)
    : Object.hasOwn(vars, name) // never a name inherited from Object.prototype
    ? (vars as Readonly<Record<string, Term>>)[name]
    : undefined;
  if (found !== undefined && !(found instanceof Term)) {
    throw new TypeError(`parse: vars.${name} must be a term (a variable or expression), got ${typeof found}`);
  }
  return found;
}

/** `"text"` for messages: line breaks and tabs shown as spaces (positions still count), long texts cut. */
function quote(text: string): string {
  const flat = text.replace(/\s/g, " ");
  return `"${flat.length > 80 ? `${flat.slice(0, 77)}...` : flat}"`;
}

// ---------------------------------------------------------------------------------------------- functions

/** One callable function: how many arguments it takes, how to show its use, and how to build its term. */
interface FunctionRow {
  readonly arity: readonly [min: number, max: number];
  readonly usage: string;
  readonly build: (args: readonly AnyNode[], cx: Converter, call: AnyNode) => Term;
}

function unaryRow(op: UnaryOp): FunctionRow {
  const f = api[op] as (x: Value) => Term;
  return { arity: [1, 1], usage: `${op}(x)`, build: ([x], cx) => f(cx.value(x)) };
}

function binaryRow(op: BinaryOp): FunctionRow {
  const f = api[op] as (a: Value, b: Value) => Term;
  return { arity: [2, 2], usage: `${op}(a, b)`, build: ([a, b], cx) => f(cx.value(a), cx.value(b)) };
}

function reductionRow(op: ReduceOp): FunctionRow {
  return {
    arity: [1, 3],
    usage: `${op}(x, axis?, keepdims?)`,
    build: ([x, axis, keepdims], cx, call) =>
      api[op](
        cx.value(x),
        axis === undefined ? undefined : cx.axes(axis, call),
        keepdims === undefined ? false : cx.boolean(keepdims, call, "keepdims"),
      ),
  };
}

/** `float32(x)` converts a term; applied to a literal it is a constant of that dtype (`float64(2)`). */
function castRow(dtype: DType): FunctionRow {
  return {
    arity: [1, 1],
    usage: `${dtype}(x)`,
    build: ([x], cx) => {
      const v = cx.value(x);
      return v instanceof Term ? api.cast(v, dtype) : api.constant(v, dtype);
    },
  };
}

/** Every function the text may call, by name. */
const FUNCTIONS: Readonly<Record<string, FunctionRow>> = {
  ...Object.fromEntries(UNARY_OPS.map((op) => [op, unaryRow(op)])),
  ...Object.fromEntries(BINARY_OPS.map((op) => [op, binaryRow(op)])),
  ...Object.fromEntries(REDUCE_OPS.map((op) => [op, reductionRow(op)])),
  float32: castRow("float32"),
  float64: castRow("float64"),
  int32: castRow("int32"),
  bool: castRow("bool"),
  where: {
    arity: [3, 3],
    usage: "where(cond, a, b)",
    build: ([c, a, b], cx) => api.where(cx.value(c), cx.value(a), cx.value(b)),
  },
  count: {
    arity: [1, 2],
    usage: "count(x, axis?)",
    build: ([x, axis], cx, call) =>
      api.count(cx.value(x), axis === undefined ? undefined : cx.axes(axis, call)),
  },
  matmul: {
    arity: [2, 2],
    usage: "matmul(a, b)",
    build: ([a, b], cx) => api.matmul(cx.value(a), cx.value(b)),
  },
  dot: { arity: [2, 2], usage: "dot(a, b)", build: ([a, b], cx) => api.dot(cx.value(a), cx.value(b)) },
  transpose: {
    arity: [1, 2],
    usage: "transpose(x, perm?)",
    build: ([x, perm], cx, call) =>
      api.transpose(cx.value(x), perm === undefined ? undefined : cx.integers(perm, call, "the permutation")),
  },
  reshape: {
    arity: [2, 2],
    usage: "reshape(x, [sizes])",
    build: ([x, shape], cx, call) => api.reshape(cx.value(x), cx.integers(shape, call, "the shape")),
  },
  broadcastTo: {
    arity: [2, 2],
    usage: "broadcastTo(x, [sizes]) or broadcastTo(x, like)",
    build: ([x, target], cx, call) =>
      api.broadcastTo(
        cx.value(x),
        target.type === "ArrayNode" ? cx.integers(target, call, "the shape") : cx.term(target),
      ),
  },
  concatenate: {
    arity: [1, 2],
    usage: "concatenate([a, b, …], axis?)",
    build: ([xs, axis], cx, call) =>
      api.concatenate(cx.list(xs, call), axis === undefined ? 0 : cx.integer(axis, call, "the axis")),
  },
  stack: {
    arity: [1, 2],
    usage: "stack([a, b, …], axis?)",
    build: ([xs, axis], cx, call) =>
      api.stack(cx.list(xs, call), axis === undefined ? 0 : cx.integer(axis, call, "the axis")),
  },
  expandDims: {
    arity: [2, 2],
    usage: "expandDims(x, axis)",
    build: ([x, axis], cx, call) => api.expandDims(cx.value(x), cx.integer(axis, call, "the axis")),
  },
  index: {
    arity: [2, 2],
    usage: "index(x, i)",
    build: ([x, i], cx, call) => api.index(cx.value(x), cx.integer(i, call, "the index")),
  },
  slice: {
    arity: [1, 4],
    usage: "slice(x, start?, stop?, step?)",
    build: ([x, start, stop, step], cx, call) => {
      const isNull = stop?.type === "ConstantNode" && (stop as ConstantNode).value === null;
      return api.slice(
        cx.value(x),
        start === undefined ? 0 : cx.integer(start, call, "the start"),
        stop === undefined || isNull ? null : cx.integer(stop, call, "the stop"),
        step === undefined ? 1 : cx.integer(step, call, "the step"),
      );
    },
  },
  softmax: {
    arity: [1, 2],
    usage: "softmax(x, axis?)",
    build: ([x, axis], cx, call) =>
      api.softmax(cx.value(x), axis === undefined ? -1 : cx.integer(axis, call, "the axis")),
  },
  logSoftmax: {
    arity: [1, 2],
    usage: "logSoftmax(x, axis?)",
    build: ([x, axis], cx, call) =>
      api.logSoftmax(cx.value(x), axis === undefined ? -1 : cx.integer(axis, call, "the axis")),
  },
  stopGradient: {
    arity: [1, 1],
    usage: "stopGradient(x)",
    build: ([x], cx) => api.stopGradient(cx.value(x)),
  },
  categoricalCrossentropy: {
    arity: [2, 2],
    usage: "categoricalCrossentropy(p, t)",
    build: ([p, t], cx) => api.categoricalCrossentropy(cx.value(p), cx.value(t)),
  },
  binaryCrossentropy: {
    arity: [2, 2],
    usage: "binaryCrossentropy(p, t)",
    build: ([p, t], cx) => api.binaryCrossentropy(cx.value(p), cx.value(t)),
  },
};

/** Known function names close to `name` (edit distance ≤ 2, or one contains the other), for error hints. */
function similarNames(name: string): string[] {
  const lower = name.toLowerCase();
  return Object.keys(FUNCTIONS)
    .map((known) => ({ known, d: editDistance(lower, known.toLowerCase()) }))
    .filter(({ known, d }) =>
      d <= Math.min(2, Math.floor(known.length / 2)) ||
      (lower.length >= 3 && known.toLowerCase().includes(lower))
    )
    .sort((a, b) => a.d - b.d)
    .slice(0, 5)
    .map(({ known }) => known);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}

/** The names of the functions `parse` accepts (for completion and documentation). */
export const FUNCTION_NAMES: readonly string[] = Object.keys(FUNCTIONS);
