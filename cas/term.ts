/**
 * The term: one immutable, hash-consed node type for every expression (leaves included). Building the same term
 * twice gives the same object, so structural sharing and common subexpressions are free, and `===` is equality.
 * @module
 */
import type { DType } from "./dtype.ts";
import type { Shape } from "./shape.ts";
import type { OpName } from "./ops/names.ts";
import { rowOf } from "./ops/table.ts";
// api.ts imports this module too; the cycle is safe because each side uses the other only inside functions
import * as api from "./api.ts";
import type { OpAttrs, TermType } from "./ops/types.ts";

/** Attributes of any op (the union of every row's attribute type). */
export type AnyAttrs = OpAttrs[OpName];

let nextId = 0;
const interned = new Map<string, WeakRef<Term>>();
const forget = new FinalizationRegistry<string>((key) => {
  const ref = interned.get(key);
  if (ref && ref.deref() === undefined) interned.delete(key);
});

/** Constants with more elements than this are not deduplicated by value (the key would cost more than it saves). */
const CONST_KEY_LIMIT = 64;
let nextBigConst = 0;

function attrsKey(op: OpName, attrs: AnyAttrs): string {
  switch (op) {
    case "const": {
      const value = (attrs as OpAttrs["const"]).value;
      const body = value.size <= CONST_KEY_LIMIT
        ? Array.from(value.data, (v) => (Object.is(v, -0) ? "-0" : String(v))).join(",")
        : `#${nextBigConst++}`;
      return `${value.dtype}[${value.shape.join(",")}]${body}`;
    }
    case "shared":
      return `#${(attrs as OpAttrs["shared"]).slot.id}`;
    default:
      return JSON.stringify(attrs);
  }
}

/**
 * A symbolic expression over arrays. Terms are made by the functions of `api.ts` (or `Term.make`); they are
 * immutable and hash-consed. Users see them as `Expr`.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const x = T.scalar("x");
 * const y = T.log(T.add(1, T.exp(x)));
 * String(y); // "log(1 + exp(x))"
 * y === T.log(T.add(1, T.exp(x))); // true: the same term is the same object
 * ```
 */
export class Term implements TermType {
  /** The op at the root of this term. */
  readonly op: OpName;
  /** The argument terms. */
  readonly args: readonly Term[];
  /** The op's attributes (axes, shapes, the value of a constant, the name of a variable …). */
  readonly attrs: AnyAttrs;
  /** Element type. */
  readonly dtype: DType;
  /** Static shape, `null` where a size is known only at call time. */
  readonly shape: Shape;
  /** A small integer unique to this term for the life of the process. */
  readonly id: number;
  /** The hash-consing key: op, attributes and argument ids. */
  readonly key: string;

  /** Terms are made with `Term.make` (which hash-conses); the constructor is for it and subclasses only. */
  protected constructor(op: OpName, args: readonly Term[], attrs: AnyAttrs, type: TermType, key: string) {
    this.op = op;
    this.args = Object.freeze([...args]);
    this.attrs = Object.freeze(attrs);
    this.dtype = type.dtype;
    this.shape = Object.freeze([...type.shape]);
    this.id = nextId++;
    this.key = key;
  }

  /**
   * The term `op(args)` with `attrs`: checks arity, normalizes the attributes and infers the type with the op's
   * row (throwing a `ShapeError` that names the op on bad input), then returns the existing term if there is one.
   *
   * @example
   * ```ts
   * import { Term } from "./term.ts";
   * import * as T from "../mod.ts";
   * const x = T.vector("x");
   * Term.make("exp", [x], {}) === T.exp(x); // true
   * ```
   */
  static make<K extends OpName>(op: K, args: readonly Term[], attrs: OpAttrs[K]): Term {
    const row = rowOf(op);
    const arity = row.arity;
    if (arity === "variadic" ? args.length === 0 : args.length !== arity) {
      throw new TypeError(
        `${op}: expected ${arity === "variadic" ? "at least 1" : arity} argument(s), got ${args.length}`,
      );
    }
    const normalized = row.normalize ? row.normalize(args, attrs) : attrs;
    const key = `${op}(${args.map((a) => a.id).join(",")})${attrsKey(op, normalized)}`;
    const existing = interned.get(key)?.deref();
    if (existing) return existing;
    const type = row.infer(args, normalized);
    const term = op === "shared"
      ? makeShared(op, args, normalized, type, key)
      : new Term(op, args, normalized, type, key);
    interned.set(key, new WeakRef(term));
    forget.register(term, key);
    return term;
  }

  /** The number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** True for constants, variables and shared variables. */
  get isLeaf(): boolean {
    return this.args.length === 0;
  }

  // ---- methods, where they read well: x.mul(y).add(1) ----------------------------------------------------
  /** `this + y`. */
  add(y: api.TermLike): Term {
    return api.add(this, y);
  }
  /** `this - y`. */
  sub(y: api.TermLike): Term {
    return api.sub(this, y);
  }
  /** `this * y` (elementwise). */
  mul(y: api.TermLike): Term {
    return api.mul(this, y);
  }
  /** `this / y`. */
  div(y: api.TermLike): Term {
    return api.div(this, y);
  }
  /** `this ^ y`. */
  pow(y: api.TermLike): Term {
    return api.pow(this, y);
  }
  /** `-this`. */
  neg(): Term {
    return api.neg(this);
  }
  /** `exp(this)`. */
  exp(): Term {
    return api.exp(this);
  }
  /** `log(this)`. */
  log(): Term {
    return api.log(this);
  }
  /** `sqrt(this)`. */
  sqrt(): Term {
    return api.sqrt(this);
  }
  /** `square(this)`. */
  square(): Term {
    return api.square(this);
  }
  /** `abs(this)`. */
  abs(): Term {
    return api.abs(this);
  }
  /** `tanh(this)`. */
  tanh(): Term {
    return api.tanh(this);
  }
  /** `sigmoid(this)`. */
  sigmoid(): Term {
    return api.sigmoid(this);
  }
  /** `softplus(this)`. */
  softplus(): Term {
    return api.softplus(this);
  }
  /** `relu(this)`. */
  relu(): Term {
    return api.relu(this);
  }
  /** `this == y`. */
  eq(y: api.TermLike): Term {
    return api.eq(this, y);
  }
  /** `this != y`. */
  neq(y: api.TermLike): Term {
    return api.neq(this, y);
  }
  /** `this < y`. */
  lt(y: api.TermLike): Term {
    return api.lt(this, y);
  }
  /** `this <= y`. */
  le(y: api.TermLike): Term {
    return api.le(this, y);
  }
  /** `this > y`. */
  gt(y: api.TermLike): Term {
    return api.gt(this, y);
  }
  /** `this >= y`. */
  ge(y: api.TermLike): Term {
    return api.ge(this, y);
  }
  /** Sum over `axis` (all if omitted). */
  sum(axis?: api.Axis, keepdims?: boolean): Term {
    return api.sum(this, axis, keepdims);
  }
  /** Mean over `axis`. */
  mean(axis?: api.Axis, keepdims?: boolean): Term {
    return api.mean(this, axis, keepdims);
  }
  /** Maximum over `axis`. */
  max(axis?: api.Axis, keepdims?: boolean): Term {
    return api.max(this, axis, keepdims);
  }
  /** Minimum over `axis`. */
  min(axis?: api.Axis, keepdims?: boolean): Term {
    return api.min(this, axis, keepdims);
  }
  /** Product over `axis`. */
  prod(axis?: api.Axis, keepdims?: boolean): Term {
    return api.prod(this, axis, keepdims);
  }
  /** logsumexp over `axis`. */
  logsumexp(axis?: api.Axis, keepdims?: boolean): Term {
    return api.logsumexp(this, axis, keepdims);
  }
  /** `dot(this, y)`. */
  dot(y: api.TermLike): Term {
    return api.dot(this, y);
  }
  /** `matmul(this, y)`. */
  matmul(y: api.TermLike): Term {
    return api.matmul(this, y);
  }
  /** Axes permuted (reversed by default). */
  transpose(perm?: readonly number[]): Term {
    return api.transpose(this, perm);
  }
  /** The transpose (axes reversed). */
  get T(): Term {
    return api.transpose(this);
  }
  /** Same elements, new shape. */
  reshape(shape: readonly number[]): Term {
    return api.reshape(this, shape);
  }
  /** softmax along `axis`. */
  softmax(axis?: number): Term {
    return api.softmax(this, axis);
  }
  /** logSoftmax along `axis`. */
  logSoftmax(axis?: number): Term {
    return api.logSoftmax(this, axis);
  }
  /** Entry `i` of the leading axis. */
  index(i: number): Term {
    return api.index(this, i);
  }
  /** Rows `start:stop:step` of the leading axis. */
  slice(start?: number, stop?: number | null, step?: number): Term {
    return api.slice(this, start, stop, step);
  }
  /** Converted to `dtype`. */
  astype(dtype: DType): Term {
    return api.cast(this, dtype);
  }

  /** The mathjs-syntax text of this term (see `print.ts`); `T.parse` reads it back to an equal term. */
  toString(): string {
    return printer(this);
  }
}

/** Hook that `shared.ts` fills in: shared variables are a subclass that holds a value. */
let makeShared: (op: OpName, args: readonly Term[], attrs: AnyAttrs, type: TermType, key: string) => Term =
  () => {
    throw new Error("shared: shared.ts is not loaded");
  };

/** Installs the constructor of shared-variable terms (called once by `shared.ts`). */
export function setSharedFactory(factory: typeof makeShared): void {
  makeShared = factory;
}

/** Hook that `print.ts` fills in, so `toString` works without an import cycle. */
let printer: (t: Term) => string = (t) => `<${t.op} term>`;

/** Installs the printer used by `Term.prototype.toString` (called once by `print.ts`). */
export function setPrinter(print: (t: Term) => string): void {
  printer = print;
}

/** Visits every distinct subterm of `roots` once, children before parents (a topological order). */
export function topoSort(roots: readonly Term[]): Term[] {
  const order: Term[] = [];
  const seen = new Set<Term>();
  // iterative post-order so deep graphs (long chains) do not overflow the stack
  const stack: [Term, number][] = roots.map((r) => [r, 0]);
  stack.reverse();
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (seen.has(t)) {
      stack.pop();
      continue;
    }
    if (i < t.args.length) {
      top[1]++;
      const child = t.args[i];
      if (!seen.has(child)) stack.push([child, 0]);
    } else {
      stack.pop();
      seen.add(t);
      order.push(t);
    }
  }
  return order;
}

export type { OpAttrs, TermType } from "./ops/types.ts";
export type { OpName } from "./ops/names.ts";
