/**
 * Symbolic differentiation by reverse accumulation over the term DAG: each distinct subterm is visited once, in
 * reverse topological order, and the adjoints flowing into it are summed as terms. The gradient graph therefore
 * grows linearly with the forward graph, and it is an ordinary term: printable, simplifiable, compilable and
 * differentiable again.
 * @module
 */
import * as api from "../cas/api.ts";
import { isFloat } from "../cas/dtype.ts";
import { formatShape, ShapeError } from "../cas/shape.ts";
import { Term, topoSort } from "../cas/term.ts";
import type { OpAttrs } from "../cas/ops/types.ts";
import { fitAdjoint, isConcrete, refineShape, zerosLike } from "./_shapes.ts";
import { carriesGradient, vjpRuleOf } from "./vjp.ts";

/** Options of `grad`, `vjp`, `jvp` and `jacobian`. */
export interface GradOptions {
  /**
   * What to do with a `wrt` the output does not depend on (Theano's `disconnected_inputs`): `"raise"` (the
   * default) throws an error naming it, `"zero"` gives zeros of its shape.
   */
  readonly disconnected?: "raise" | "zero";
}

/** A readable name for a term in error messages: a variable's name, or the term's text, with its shape. */
function describe(t: Term): string {
  const name = t.op === "var"
    ? (t.attrs as OpAttrs["var"]).name
    : t.op === "shared"
    ? (t.attrs as OpAttrs["shared"]).slot.name
    : String(t);
  return `${name} (shape ${formatShape(t.shape)}, ${t.dtype})`;
}

/** The terms reachable from `roots` through arguments, not looking inside `stopGradient`. */
function reachable(roots: readonly Term[]): Set<Term> {
  const seen = new Set<Term>();
  const stack = [...roots];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t.op !== "stopGradient") stack.push(...t.args);
  }
  return seen;
}

/**
 * Reverse accumulation: the adjoints of `wrt` given the adjoints `seeds` of `roots` (each of its root's shape).
 * A term is only differentiated into when some `wrt` lies below it, so inputs such as data matrices cost nothing.
 * A `wrt` whose adjoint never arrives (only zero-gradient ops lead to it) is missing from the result.
 */
function backpropagate(
  roots: readonly Term[],
  seeds: readonly Term[],
  wrt: readonly Term[],
): Map<Term, Term> {
  const order = topoSort(roots);
  const targets = new Set(wrt);
  // the terms through which a gradient can reach some wrt: only their adjoints are built
  const leadsToTarget = new Set<Term>();
  for (const t of order) {
    if (targets.has(t) || t.args.some((a, i) => leadsToTarget.has(a) && carriesGradient(t.op, i))) {
      leadsToTarget.add(t);
    }
  }
  const incoming = new Map<Term, Term[]>();
  const receive = (t: Term, adjoint: Term) => {
    const list = incoming.get(t);
    if (list) list.push(adjoint);
    else incoming.set(t, [adjoint]);
  };
  roots.forEach((r, i) => receive(r, seeds[i]));
  const adjoints = new Map<Term, Term>();
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    const parts = incoming.get(t);
    if (!parts || !leadsToTarget.has(t)) continue;
    incoming.delete(t);
    const g = parts.reduce((sum, part) => api.add(sum, part));
    if (targets.has(t)) adjoints.set(t, g);
    const rule = vjpRuleOf(t.op);
    t.args.forEach((arg, i) => {
      // integer and boolean terms carry no gradient: the functions through them are piecewise constant
      if (!leadsToTarget.has(arg) || !carriesGradient(t.op, i) || !isFloat(arg.dtype)) return;
      const adjoint = rule({ g, args: t.args, out: t, attrs: t.attrs }, i);
      if (adjoint !== null) receive(arg, fitAdjoint(adjoint, arg));
    });
  }
  return adjoints;
}

/** Checks the `wrt` list and returns, for each, its adjoint (or zeros, or the disconnection error). */
function adjointsOf(
  caller: string,
  roots: readonly Term[],
  seeds: readonly Term[],
  wrt: readonly Term[],
  options: GradOptions,
): Term[] {
  const connected = reachable(roots);
  for (const w of wrt) {
    if (!(w instanceof Term)) throw new TypeError(`${caller}: wrt must be terms, got ${typeof w}`);
    const what = describe(w);
    if (!isFloat(w.dtype)) {
      throw new TypeError(
        `${caller}: cannot differentiate with respect to ${what}: gradients need float terms`,
      );
    }
    if (!connected.has(w) && (options.disconnected ?? "raise") === "raise") {
      throw new Error(
        `${caller}: the output does not depend on ${what}; pass { disconnected: "zero" } for zeros`,
      );
    }
  }
  const adjoints = backpropagate(roots, seeds, wrt);
  return wrt.map((w) => {
    const adjoint = adjoints.get(w);
    return adjoint === undefined ? zerosLike(w) : refineShape(adjoint, w);
  });
}

/**
 * The gradient of the scalar `cost` with respect to `wrt` (one term, or an array of them: variables, shared
 * variables or any intermediate term), as terms of `wrt`'s shapes. A `wrt` the cost does not depend on is an
 * error unless `options.disconnected` is `"zero"`; one reached only through zero-gradient ops (comparisons,
 * `sign`, `floor`, integer casts…) gets zeros; `stopGradient(t)` hides `t` from the cost entirely.
 *
 * Conventions at the points where a derivative does not exist: relu'(0) = abs'(0) = 0; elementwise
 * `maximum`/`minimum` and the `max`/`min` reductions split the gradient evenly among tied entries (so
 * d/dx max(x, x) = 1); `prod` is exact with zeros in the product (no division by zero).
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const x = T.scalar("x", "float64");
 * String(T.grad(T.softplus(x), x)); // "1 * sigmoid(x)" (the seed 1 times softplus' = sigmoid)
 * const w = T.vector("w"), unused = T.vector("b");
 * const [dw, db] = T.grad(T.sum(T.square(w)), [w, unused], { disconnected: "zero" }); // db: zeros
 * ```
 */
export function grad(cost: Term, wrt: Term, options?: GradOptions): Term;
/** The gradients of the scalar `cost` with respect to each term of `wrt`, in order. */
export function grad(cost: Term, wrt: readonly Term[], options?: GradOptions): Term[];
export function grad(cost: Term, wrt: Term | readonly Term[], options: GradOptions = {}): Term | Term[] {
  if (!(cost instanceof Term)) throw new TypeError(`grad: the cost must be a term, got ${typeof cost}`);
  if (cost.ndim !== 0) {
    throw new ShapeError(
      `grad: the cost must be a scalar, got ${describe(cost)}; reduce it first (e.g. T.sum or T.mean)`,
    );
  }
  if (!isFloat(cost.dtype)) {
    throw new TypeError(`grad: the cost must be a float scalar, got ${describe(cost)}`);
  }
  const list = wrt instanceof Term ? [wrt] : wrt;
  const result = adjointsOf("grad", [cost], [api.constant(1, cost.dtype)], list, options);
  return wrt instanceof Term ? result[0] : result;
}

/** `v` as a term of `y`'s dtype, checked to have `y`'s shape (unknown sizes match anything). */
function cotangentFor(caller: string, y: Term, v: api.TermLike): Term {
  const t = api.asTerm(v, y.dtype);
  const fits = t.ndim === y.ndim &&
    t.shape.every((d, i) => d === null || y.shape[i] === null || d === y.shape[i]);
  if (!fits) {
    throw new ShapeError(
      `${caller}: v must have the shape of y, ${formatShape(y.shape)}; got ${formatShape(t.shape)}`,
    );
  }
  return t.dtype === y.dtype ? t : api.cast(t, y.dtype);
}

/**
 * The vector-Jacobian product vᵀ·∂y/∂x (Theano's `Lop`): the gradient of Σ v·y with respect to `x`, without
 * forming the Jacobian. `v` has the shape of `y`.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const x = T.vector("x", "float64");
 * T.vjp(T.exp(x), x, T.vector("v", "float64")); // v * exp(x)
 * ```
 */
export function vjp(y: Term, x: Term, v: api.TermLike, options?: GradOptions): Term;
/** The vector-Jacobian products vᵀ·∂y/∂xᵢ for each term of `x`, in order. */
export function vjp(y: Term, x: readonly Term[], v: api.TermLike, options?: GradOptions): Term[];
export function vjp(
  y: Term,
  x: Term | readonly Term[],
  v: api.TermLike,
  options: GradOptions = {},
): Term | Term[] {
  if (!isFloat(y.dtype)) throw new TypeError(`vjp: y must be a float term, got ${describe(y)}`);
  const list = x instanceof Term ? [x] : x;
  const result = adjointsOf("vjp", [y], [cotangentFor("vjp", y, v)], list, options);
  return x instanceof Term ? result[0] : result;
}

let nextDual = 0;

/**
 * The Jacobian-vector product ∂y/∂x·v (Theano's `Rop`, forward mode), by the double-VJP trick: u ↦ uᵀ·∂y/∂x is
 * linear in a fresh variable u, so its own VJP with v is ∂y/∂x·v and no longer mentions u. `x` and `v` are a
 * term and a tangent of its shape, or arrays of them (the products are summed).
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const x = T.vector("x", "float64");
 * T.jvp(T.sin(x), x, T.vector("v", "float64")); // cos(x) * v, up to simplification
 * ```
 */
export function jvp(
  y: Term,
  x: Term | readonly Term[],
  v: api.TermLike | readonly api.TermLike[],
  options: GradOptions = {},
): Term {
  if (!isFloat(y.dtype)) throw new TypeError(`jvp: y must be a float term, got ${describe(y)}`);
  const xs = x instanceof Term ? [x] : x;
  const vs = x instanceof Term ? [v as api.TermLike] : v as readonly api.TermLike[];
  if (!Array.isArray(vs) || vs.length !== xs.length) {
    throw new TypeError(
      `jvp: give one tangent per term of x (${xs.length}), got ${Array.isArray(vs) ? vs.length : 0}`,
    );
  }
  const u = api.tensor(`_jvp_dual${nextDual++}`, { dtype: y.dtype, shape: y.shape });
  const pulled = vjp(y, xs, u, options);
  const tangents = xs.map((xi, i) => cotangentFor("jvp", xi, vs[i]));
  const inner = pulled.map((p, i) => api.sum(api.mul(p, tangents[i]))).reduce((s, t) => api.add(s, t));
  if (!reachable([inner]).has(u)) return zerosLike(y);
  const [pushed] = adjointsOf("jvp", [inner], [api.constant(1, inner.dtype)], [u], {});
  if (topoSort([pushed]).includes(u)) {
    throw new Error(`jvp: internal error: the product still depends on ${u}`);
  }
  return pushed;
}

/**
 * The Jacobian ∂y/∂x, of shape `y.shape ++ x.shape`: the gradients of each element of `y`, stacked. `y` needs a
 * static shape (each element is a separate reverse pass); a scalar `y` gives `grad(y, x)`.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const x = T.tensor("x", { shape: [3], dtype: "float64" });
 * T.jacobian(T.exp(x), x).shape; // [3, 3]
 * ```
 */
export function jacobian(y: Term, x: Term, options: GradOptions = {}): Term {
  if (!isFloat(y.dtype)) throw new TypeError(`jacobian: y must be a float term, got ${describe(y)}`);
  if (y.ndim === 0) return grad(y, x, options);
  if (!isConcrete(y.shape)) {
    throw new ShapeError(
      `jacobian: y must have a static shape (one reverse pass per element), got ${describe(y)}; ` +
        `declare its sizes, e.g. T.tensor("x", { shape: [3] })`,
    );
  }
  if (!reachable([y]).has(x) && (options.disconnected ?? "raise") === "raise") {
    throw new Error(
      `jacobian: y does not depend on ${describe(x)}; pass { disconnected: "zero" } to get zeros`,
    );
  }
  const flat = y.ndim === 1 ? y : api.reshape(y, [-1]);
  const size = flat.shape[0] as number;
  const rows = Array.from({ length: size }, (_, i) => grad(api.index(flat, i), x, { disconnected: "zero" }));
  const stacked = api.stack(rows, 0);
  return y.ndim === 1 ? stacked : api.reshape(stacked, [...y.shape, ...x.shape.map((d) => d ?? -1)]);
}

/**
 * The Hessian of the scalar `cost` with respect to `x`: the Jacobian of its gradient, of shape
 * `x.shape ++ x.shape`; `x` needs a static shape.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const x = T.tensor("x", { shape: [2], dtype: "float64" });
 * T.hessian(T.sum(T.pow(x, 3)), x).shape; // [2, 2]
 * ```
 */
export function hessian(cost: Term, x: Term, options: GradOptions = {}): Term {
  return jacobian(grad(cost, x, options), x, { disconnected: "zero" });
}
