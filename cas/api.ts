/**
 * The functions users build terms with: variables, constants, every op of the table with NumPy broadcasting, and
 * the compositions (`dot`, `stack`, the crossentropies) that are defined in terms of them.
 * @module
 */
import { config, type DType, isDType, isFloat } from "./dtype.ts";
import { array, NDArray, type NestedArray } from "./ndarray.ts";
import { formatShape, type Shape, ShapeError } from "./shape.ts";
import { Term } from "./term.ts";
import { checkName } from "./_identifier.ts";
import type { BinaryOp, ReduceOp, UnaryOp } from "./ops/names.ts";

/** Anything accepted where a term is expected: a term, a number or boolean, an `NDArray` or nested arrays. */
export type TermLike = Term | number | boolean | NDArray | NestedArray;

/** Axis arguments of reductions: one axis, several, or all (`undefined`). */
export type Axis = number | readonly number[] | undefined;

/**
 * Turns a plain value into a constant term. A plain number takes the dtype of the term it is combined with
 * (`like`) when that is a float — so `x * 2` stays float32 for a float32 `x` — as NumPy's scalars and JAX's
 * weak types do; otherwise it is `config.floatX` (an integer meeting an int32 term stays int32).
 */
export function asTerm(value: TermLike, like?: DType): Term {
  if (value instanceof Term) return value;
  if (value instanceof NDArray) return Term.make("const", [], { value });
  if (typeof value === "boolean") return Term.make("const", [], { value: array(value, { dtype: "bool" }) });
  if (typeof value === "number") {
    const dtype: DType = like !== undefined && isFloat(like)
      ? like
      : like === "int32" && Number.isInteger(value)
      ? "int32"
      : config.floatX;
    return Term.make("const", [], { value: array(value, { dtype }) });
  }
  return Term.make("const", [], { value: array(value, { dtype: like && isFloat(like) ? like : undefined }) });
}

/** Converts several values, giving plain numbers the dtype of the first real term among them. */
function asTerms(values: readonly TermLike[]): Term[] {
  const anchor = values.find((v): v is Term => v instanceof Term) ??
    values.find((v): v is NDArray => v instanceof NDArray);
  return values.map((v) => asTerm(v, anchor?.dtype));
}

// ---------------------------------------------------------------------------------------------- variables

/**
 * A symbolic input of any rank: `shape` entries are sizes, or `null` for sizes known only at call time.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const images = T.tensor("images", { shape: [null, 28, 28] });
 * images.shape; // [null, 28, 28]
 * ```
 */
export function tensor(name: string, options: { dtype?: DType; shape: Shape }): Term {
  const dtype = options.dtype ?? config.floatX;
  if (!isDType(dtype)) throw new TypeError(`tensor: unknown dtype ${JSON.stringify(dtype)}`);
  for (const d of options.shape) {
    if (d !== null && (!Number.isInteger(d) || d < 0)) {
      throw new ShapeError(
        `tensor ${name}: sizes must be non-negative integers or null, got ${formatShape(options.shape)}`,
      );
    }
  }
  return Term.make("var", [], { name: checkName(name), dtype, shape: [...options.shape] });
}

let unnamed = 0;
const freshName = (kind: string) => `${kind}${unnamed++}`;

/**
 * A symbolic scalar (rank 0). Variables are identified by name, dtype and shape: `scalar("x")` twice is the same
 * term, as in a computer-algebra system.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const x = T.scalar("x");
 * String(x.mul(2).add(1)); // "x * 2 + 1"
 * ```
 */
export function scalar(name?: string, dtype?: DType): Term {
  return tensor(name ?? freshName("s"), { dtype, shape: [] });
}

/**
 * A symbolic vector of unknown length.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.vector("v").shape; // [null]
 * ```
 */
export function vector(name?: string, dtype?: DType): Term {
  return tensor(name ?? freshName("v"), { dtype, shape: [null] });
}

/**
 * A symbolic matrix of unknown size.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.matrix("X").shape; // [null, null]
 * ```
 */
export function matrix(name?: string, dtype?: DType): Term {
  return tensor(name ?? freshName("m"), { dtype, shape: [null, null] });
}

/**
 * A symbolic rank-3 tensor of unknown size.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.tensor3("t").shape; // [null, null, null]
 * ```
 */
export function tensor3(name?: string, dtype?: DType): Term {
  return tensor(name ?? freshName("t"), { dtype, shape: [null, null, null] });
}

/**
 * A constant term.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.constant([1, 2, 3]).shape; // [3]
 * ```
 */
export function constant(value: TermLike, dtype?: DType): Term {
  if (value instanceof Term) {
    if (value.op !== "const") throw new TypeError(`constant: ${value} is not a constant`);
    return dtype && dtype !== value.dtype ? cast(value, dtype) : value;
  }
  if (value instanceof NDArray) return asTerm(dtype && dtype !== value.dtype ? value.astype(dtype) : value);
  return Term.make("const", [], {
    value: array(value, { dtype: dtype ?? (typeof value === "boolean" ? "bool" : undefined) }),
  });
}

// ---------------------------------------------------------------------------------------------- elementwise

function unary(op: UnaryOp) {
  return (x: TermLike): Term => Term.make(op, [asTerm(x)], {});
}

function binary(op: BinaryOp) {
  return (a: TermLike, b: TermLike): Term => Term.make(op, asTerms([a, b]), {});
}

/** `-x`. @example `T.neg(T.scalar("x"))` prints `-x`. */
export const neg: (x: TermLike) => Term = unary("neg");
/** eˣ. @example `T.exp(T.scalar("x"))` */
export const exp: (x: TermLike) => Term = unary("exp");
/** Natural logarithm. @example `T.log(T.scalar("x"))` */
export const log: (x: TermLike) => Term = unary("log");
/** log(1 + x), accurate for small x. @example `T.log1p(T.scalar("x"))` */
export const log1p: (x: TermLike) => Term = unary("log1p");
/** eˣ − 1, accurate for small x. @example `T.expm1(T.scalar("x"))` */
export const expm1: (x: TermLike) => Term = unary("expm1");
/** Square root. @example `T.sqrt(T.scalar("x"))` */
export const sqrt: (x: TermLike) => Term = unary("sqrt");
/** x². @example `T.square(T.scalar("x"))` */
export const square: (x: TermLike) => Term = unary("square");
/** |x|. @example `T.abs(T.scalar("x"))` */
export const abs: (x: TermLike) => Term = unary("abs");
/** −1, 0 or 1 (NaN for NaN). @example `T.sign(T.scalar("x"))` */
export const sign: (x: TermLike) => Term = unary("sign");
/** Rounds down. @example `T.floor(T.scalar("x"))` */
export const floor: (x: TermLike) => Term = unary("floor");
/** Rounds up. @example `T.ceil(T.scalar("x"))` */
export const ceil: (x: TermLike) => Term = unary("ceil");
/** Rounds to nearest, halves to even (NumPy's `round`). @example `T.round(T.scalar("x"))` */
export const round: (x: TermLike) => Term = unary("round");
/** Sine. @example `T.sin(T.scalar("x"))` */
export const sin: (x: TermLike) => Term = unary("sin");
/** Cosine. @example `T.cos(T.scalar("x"))` */
export const cos: (x: TermLike) => Term = unary("cos");
/** Tangent. @example `T.tan(T.scalar("x"))` */
export const tan: (x: TermLike) => Term = unary("tan");
/** Arcsine. @example `T.asin(T.scalar("x"))` */
export const asin: (x: TermLike) => Term = unary("asin");
/** Arccosine. @example `T.acos(T.scalar("x"))` */
export const acos: (x: TermLike) => Term = unary("acos");
/** Arctangent. @example `T.atan(T.scalar("x"))` */
export const atan: (x: TermLike) => Term = unary("atan");
/** Hyperbolic sine. @example `T.sinh(T.scalar("x"))` */
export const sinh: (x: TermLike) => Term = unary("sinh");
/** Hyperbolic cosine. @example `T.cosh(T.scalar("x"))` */
export const cosh: (x: TermLike) => Term = unary("cosh");
/** Hyperbolic tangent. @example `T.tanh(T.scalar("x"))` */
export const tanh: (x: TermLike) => Term = unary("tanh");
/** Inverse hyperbolic sine. @example `T.asinh(T.scalar("x"))` */
export const asinh: (x: TermLike) => Term = unary("asinh");
/** Inverse hyperbolic cosine. @example `T.acosh(T.scalar("x"))` */
export const acosh: (x: TermLike) => Term = unary("acosh");
/** Inverse hyperbolic tangent. @example `T.atanh(T.scalar("x"))` */
export const atanh: (x: TermLike) => Term = unary("atanh");
/** The error function. @example `T.erf(T.scalar("x"))` */
export const erf: (x: TermLike) => Term = unary("erf");
/** 1 / (1 + e⁻ˣ), computed stably. @example `T.sigmoid(T.scalar("x"))` */
export const sigmoid: (x: TermLike) => Term = unary("sigmoid");
/** log(1 + eˣ), computed stably. @example `T.softplus(T.scalar("x"))` */
export const softplus: (x: TermLike) => Term = unary("softplus");
/** max(x, 0). @example `T.relu(T.scalar("x"))` */
export const relu: (x: TermLike) => Term = unary("relu");
/** log(1 − eˣ) for x ≤ 0, computed stably. @example `T.log1mexp(T.scalar("x"))` */
export const log1mexp: (x: TermLike) => Term = unary("log1mexp");
/** Logical not. @example `T.not(T.gt(T.scalar("x"), 0))` */
export const not: (x: TermLike) => Term = unary("not");

/** a + b. @example `T.add(T.scalar("x"), 1)` prints `x + 1`. */
export const add: (a: TermLike, b: TermLike) => Term = binary("add");
/** a − b. @example `T.sub(T.scalar("x"), 1)` */
export const sub: (a: TermLike, b: TermLike) => Term = binary("sub");
/** a · b (elementwise). @example `T.mul(T.scalar("x"), 2)` */
export const mul: (a: TermLike, b: TermLike) => Term = binary("mul");
/** a / b (true division). @example `T.div(T.scalar("x"), 2)` */
export const div: (a: TermLike, b: TermLike) => Term = binary("div");
/** aᵇ. @example `T.pow(T.scalar("x"), 5)` prints `x^5`. */
export const pow: (a: TermLike, b: TermLike) => Term = binary("pow");
/** √(a² + b²) without overflow. @example `T.hypot(T.scalar("a"), T.scalar("b"))` */
export const hypot: (a: TermLike, b: TermLike) => Term = binary("hypot");
/** Elementwise maximum (NaN propagates). @example `T.maximum(T.scalar("x"), 0)` */
export const maximum: (a: TermLike, b: TermLike) => Term = binary("maximum");
/** Elementwise minimum (NaN propagates). @example `T.minimum(T.scalar("x"), 0)` */
export const minimum: (a: TermLike, b: TermLike) => Term = binary("minimum");
/** log(eᵃ + eᵇ), computed stably. @example `T.logaddexp(T.scalar("a"), T.scalar("b"))` */
export const logaddexp: (a: TermLike, b: TermLike) => Term = binary("logaddexp");
/** a == b. @example `T.eq(T.scalar("x"), 0)` */
export const eq: (a: TermLike, b: TermLike) => Term = binary("eq");
/** a != b. @example `T.neq(T.scalar("x"), 0)` */
export const neq: (a: TermLike, b: TermLike) => Term = binary("neq");
/** a < b. @example `T.lt(T.scalar("x"), 0)` */
export const lt: (a: TermLike, b: TermLike) => Term = binary("lt");
/** a <= b. @example `T.le(T.scalar("x"), 0)` */
export const le: (a: TermLike, b: TermLike) => Term = binary("le");
/** a > b. @example `T.gt(T.scalar("x"), 0)` */
export const gt: (a: TermLike, b: TermLike) => Term = binary("gt");
/** a >= b. @example `T.ge(T.scalar("x"), 0)` */
export const ge: (a: TermLike, b: TermLike) => Term = binary("ge");
/** Logical and. @example `T.and(T.gt(T.scalar("x"), 0), T.lt(T.scalar("x"), 1))` */
export const and: (a: TermLike, b: TermLike) => Term = binary("and");
/** Logical or. @example `T.or(T.lt(T.scalar("x"), 0), T.gt(T.scalar("x"), 1))` */
export const or: (a: TermLike, b: TermLike) => Term = binary("or");

/**
 * `a` where `cond` is true, else `b` (all broadcast together).
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const x = T.vector("x");
 * T.where(T.gt(x, 0), x, 0); // relu by hand
 * ```
 */
export function where(cond: TermLike, a: TermLike, b: TermLike): Term {
  const [ta, tb] = asTerms([a, b]);
  return Term.make("where", [asTerm(cond), ta, tb], {});
}

/**
 * Converts the element type.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.cast(T.scalar("x"), "float64").dtype; // "float64"
 * ```
 */
export function cast(x: TermLike, dtype: DType): Term {
  if (!isDType(dtype)) throw new TypeError(`cast: unknown dtype ${JSON.stringify(dtype)}`);
  const t = asTerm(x);
  return t.dtype === dtype ? t : Term.make("cast", [t], { dtype });
}

// ---------------------------------------------------------------------------------------------- reductions

function axesOf(x: Term, axis: Axis): number[] {
  if (axis === undefined) return x.shape.map((_, i) => i);
  return typeof axis === "number" ? [axis] : [...axis];
}

function reduction(op: ReduceOp) {
  return (x: TermLike, axis?: Axis, keepdims = false): Term => {
    const t = asTerm(x);
    return Term.make(op, [t], { axes: axesOf(t, axis), keepdims });
  };
}

/** Sum over `axis` (all axes if omitted). @example `T.sum(T.matrix("X"), 1)` */
export const sum: (x: TermLike, axis?: Axis, keepdims?: boolean) => Term = reduction("sum");
/** Mean over `axis`. @example `T.mean(T.vector("v"))` */
export const mean: (x: TermLike, axis?: Axis, keepdims?: boolean) => Term = reduction("mean");
/** Maximum over `axis`. @example `T.max(T.vector("v"))` */
export const max: (x: TermLike, axis?: Axis, keepdims?: boolean) => Term = reduction("max");
/** Minimum over `axis`. @example `T.min(T.vector("v"))` */
export const min: (x: TermLike, axis?: Axis, keepdims?: boolean) => Term = reduction("min");
/** Product over `axis`. @example `T.prod(T.vector("v"))` */
export const prod: (x: TermLike, axis?: Axis, keepdims?: boolean) => Term = reduction("prod");
/** log Σ exp over `axis`, computed stably. @example `T.logsumexp(T.vector("v"))` */
export const logsumexp: (x: TermLike, axis?: Axis, keepdims?: boolean) => Term = reduction("logsumexp");

/**
 * The number of elements a reduction over `axis` combines, as a float scalar (known at call time).
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.count(T.matrix("X"), 0); // the number of rows
 * ```
 */
export function count(x: TermLike, axis?: Axis): Term {
  const t = asTerm(x);
  return Term.make("count", [t], { axes: axesOf(t, axis) });
}

// ---------------------------------------------------------------------------------------------- shapes and linear algebra

/**
 * Matrix product with NumPy's `matmul` semantics (1-D arguments promoted, batch axes broadcast).
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.matmul(T.matrix("A"), T.vector("v")).shape; // [null]
 * ```
 */
export function matmul(a: TermLike, b: TermLike): Term {
  return Term.make("matmul", asTerms([a, b]), {});
}

/**
 * NumPy/Theano `dot`: the inner product of vectors, matrix products, and for an N-D first argument the sum over
 * its last axis and the second-to-last of `b` (which must have at most 2 dimensions; use `matmul` for batches).
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.dot(T.vector("u"), T.vector("v")).shape; // []
 * ```
 */
export function dot(a: TermLike, b: TermLike): Term {
  const [ta, tb] = asTerms([a, b]);
  if (ta.ndim === 0 || tb.ndim === 0) return mul(ta, tb);
  if (tb.ndim > 2) {
    throw new ShapeError(
      `dot: a second argument with more than 2 dimensions (${
        formatShape(tb.shape)
      }) is not supported; use matmul`,
    );
  }
  return matmul(ta, tb);
}

/**
 * Permutes axes (reverses them when `perm` is omitted).
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.transpose(T.tensor("x", { shape: [2, 3] })).shape; // [3, 2]
 * ```
 */
export function transpose(x: TermLike, perm?: readonly number[]): Term {
  const t = asTerm(x);
  const p = perm ?? t.shape.map((_, i) => t.ndim - 1 - i);
  if (t.ndim < 2 && perm === undefined) return t;
  return Term.make("transpose", [t], { perm: [...p] });
}

/**
 * Same elements, new shape; one size may be `-1`.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.reshape(T.tensor("x", { shape: [2, 3] }), [3, -1]).shape; // [3, 2]
 * ```
 */
export function reshape(x: TermLike, shape: readonly number[]): Term {
  return Term.make("reshape", [asTerm(x)], { shape: [...shape] });
}

/**
 * Broadcasts `x` to a concrete `shape`, or to the shape of the term `like`.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.broadcastTo(T.scalar("x"), [2, 2]).shape; // [2, 2]
 * ```
 */
export function broadcastTo(x: TermLike, shape: readonly number[] | Term): Term {
  const t = asTerm(x);
  if (shape instanceof Term) return Term.make("broadcastTo", [t, shape], { shape: shape.shape });
  return Term.make("broadcastTo", [t], { shape: [...shape] });
}

/**
 * Joins arrays along an existing axis.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.concatenate([T.constant([1, 2]), T.constant([3])], 0).shape; // [3]
 * ```
 */
export function concatenate(xs: readonly TermLike[], axis = 0): Term {
  if (xs.length === 0) throw new ShapeError("concatenate: needs at least one array");
  return Term.make("concatenate", asTerms(xs), { axis });
}

/**
 * Joins arrays along a new axis (each gets a size-1 axis at `axis`, then they are concatenated).
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.stack([T.vector("a"), T.vector("b")]).shape; // [2, null]
 * ```
 */
export function stack(xs: readonly TermLike[], axis = 0): Term {
  if (xs.length === 0) throw new ShapeError("stack: needs at least one array");
  const terms = asTerms(xs);
  const rank = terms[0].ndim;
  const ax = axis < 0 ? axis + rank + 1 : axis;
  if (ax < 0 || ax > rank) {
    throw new ShapeError(`stack: axis ${axis} is out of range for arrays of rank ${rank}`);
  }
  const expanded = terms.map((t) => expandDims(t, ax));
  return concatenate(expanded, ax);
}

/**
 * Inserts a size-1 axis at `axis` (a reshape when sizes are known, a broadcast-free view otherwise).
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.expandDims(T.vector("v"), 0).shape; // [1, null]
 * ```
 */
export function expandDims(x: TermLike, axis: number): Term {
  const t = asTerm(x);
  const ax = axis < 0 ? axis + t.ndim + 1 : axis;
  const known = t.shape.filter((d) => d === null).length <= 1;
  if (!known) {
    throw new ShapeError(
      `expandDims: shape ${formatShape(t.shape)} has more than one unknown size; give sizes to reshape it`,
    );
  }
  const target = t.shape.map((d) => d ?? -1);
  target.splice(ax, 0, 1);
  return reshape(t, target);
}

/**
 * Entry `i` of the leading axis (negative counts from the end).
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.index(T.matrix("X"), 0).shape; // [null]
 * ```
 */
export function index(x: TermLike, i: number): Term {
  return Term.make("index", [asTerm(x)], { index: i });
}

/**
 * Rows `start:stop:step` of the leading axis, as Python slices them (`stop` null for "to the end").
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.slice(T.tensor("x", { shape: [10, 3] }), 2, 8, 2).shape; // [3, 3]
 * ```
 */
export function slice(x: TermLike, start = 0, stop: number | null = null, step = 1): Term {
  return Term.make("slice", [asTerm(x)], { start, stop, step });
}

// ---------------------------------------------------------------------------------------------- neural networks

/**
 * exp(x) / Σ exp(x) along `axis` (default the last), computed stably.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.softmax(T.matrix("logits")).shape; // [null, null]
 * ```
 */
export function softmax(x: TermLike, axis = -1): Term {
  return Term.make("softmax", [asTerm(x)], { axis });
}

/**
 * x − logsumexp(x) along `axis` (default the last), computed stably.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.logSoftmax(T.vector("z"));
 * ```
 */
export function logSoftmax(x: TermLike, axis = -1): Term {
  return Term.make("logSoftmax", [asTerm(x)], { axis });
}

/**
 * Categorical crossentropy −Σ t·log(p) over the last axis, on probabilities `p` as users write it; the
 * optimizer turns `log(softmax(z))` into `logSoftmax(z)`, so it stays finite for huge logits.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const z = T.matrix("z"), t = T.matrix("t");
 * T.categoricalCrossentropy(T.softmax(z), t).shape; // [null]
 * ```
 */
export function categoricalCrossentropy(p: TermLike, t: TermLike): Term {
  const [tp, tt] = asTerms([p, t]);
  return neg(sum(mul(tt, log(tp)), -1));
}

/**
 * Binary crossentropy −(t·log p + (1 − t)·log(1 − p)), elementwise; with `p = sigmoid(z)` the optimizer rewrites
 * it to the softplus form.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * T.binaryCrossentropy(T.sigmoid(T.vector("z")), T.vector("t"));
 * ```
 */
export function binaryCrossentropy(p: TermLike, t: TermLike): Term {
  const [tp, tt] = asTerms([p, t]);
  return neg(add(mul(tt, log(tp)), mul(sub(1, tt), log(sub(1, tp)))));
}

/**
 * `x` itself, with derivative taken to be zero.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const x = T.scalar("x");
 * T.grad(T.mul(x, T.stopGradient(x)), x); // x, not 2x
 * ```
 */
export function stopGradient(x: TermLike): Term {
  return Term.make("stopGradient", [asTerm(x)], {});
}
