/**
 * Shape plumbing for gradients, written as terms: summing an adjoint back over broadcast axes, broadcasting an
 * adjoint back over reduced axes, and zero blocks. Static shapes may hold `null` (a size known only at call
 * time); every helper picks a concrete form when the sizes are known and a shape-matching form otherwise.
 * @module
 */
import * as api from "../cas/api.ts";
import type { DType } from "../cas/dtype.ts";
import { formatShape, sameShape, type Shape, ShapeError } from "../cas/shape.ts";
import type { Term } from "../cas/term.ts";

/** True when every size of `shape` is known. */
export function isConcrete(shape: Shape): shape is readonly number[] {
  return shape.every((d) => d !== null);
}

/** `0, 1, …, n-1`. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The permutation that undoes `perm`. */
export function inversePerm(perm: readonly number[]): number[] {
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return inverse;
}

/**
 * True when an array of static shape `a` needs no broadcasting to have shape `b`: same rank, and no size of `a`
 * differs from `b`'s, except where one is unknown (a static 1 against an unknown size still broadcasts).
 */
function agreeUpToUnknowns(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i] || d === null || (b[i] === null && d !== 1));
}

/** True when `broadcastTo`'s static check accepts `from` → `to` (each size 1 or exactly the target's). */
function broadcastToAccepts(from: Shape, to: Shape): boolean {
  const offset = to.length - from.length;
  return offset >= 0 && from.every((d, i) => d === 1 || d === to[i + offset]);
}

/** `0` of `dtype` broadcast to the shape of `like` (read at call time where unknown). */
export function zerosLike(like: Term, dtype: DType = like.dtype): Term {
  const zero = api.constant(0, dtype);
  return isConcrete(like.shape) ? api.broadcastTo(zero, like.shape) : api.broadcastTo(zero, like);
}

/**
 * `0` of `dtype` with static shape `shape`; where a size is unknown the shape is read from `like()` (a term of
 * that shape at call time, built only when needed), and the static sizes `like` lacks are restored by a reshape
 * where one unknown size allows it (so a `concatenate` of such blocks can still place each block).
 */
export function zerosOfShape(shape: Shape, dtype: DType, like: () => Term): Term {
  const zero = api.constant(0, dtype);
  if (isConcrete(shape)) return api.broadcastTo(zero, shape);
  const zeros = api.broadcastTo(zero, like());
  const gains = shape.some((d, i) => d !== null && zeros.shape[i] === null);
  return gains && shape.filter((d) => d === null).length <= 1
    ? api.reshape(zeros, shape.map((d) => d ?? -1))
    : zeros;
}

/**
 * `t` broadcast to the shape of `like`. Static sizes of the two may differ in what is known (`[5]` against `[?]`),
 * which `broadcastTo`'s exact check refuses; adding a zero array of `like`'s shape broadcasts under the lenient
 * elementwise rule instead.
 */
export function broadcastLike(t: Term, like: Term): Term {
  if (agreeUpToUnknowns(t.shape, like.shape)) return t;
  if (broadcastToAccepts(t.shape, like.shape)) {
    return isConcrete(like.shape) ? api.broadcastTo(t, like.shape) : api.broadcastTo(t, like);
  }
  return api.add(t, zerosLike(like, t.dtype));
}

/**
 * Sums `adj` back to `target`'s static shape over the axes broadcasting added: leading extra axes, and axes
 * where `target`'s static size is 1 but the adjoint's is not. Static broadcasting (`cas/shape.ts`) makes these
 * exactly the axes that were broadcast at call time.
 */
export function sumToShape(adj: Term, target: Shape): Term {
  const extra = adj.ndim - target.length;
  if (extra < 0) return adj;
  const ones = range(target.length).filter((i) => target[i] === 1 && adj.shape[i + extra] !== 1);
  let t = adj;
  if (ones.length > 0) t = api.sum(t, ones.map((i) => i + extra), true);
  if (extra > 0) t = api.sum(t, range(extra), false);
  return t;
}

/**
 * An adjoint made to fit argument `arg`: summed over broadcast axes, broadcast where the rule returned something
 * smaller (e.g. a scalar), and cast to the argument's dtype.
 */
export function fitAdjoint(adj: Term, arg: Term): Term {
  let t = sumToShape(adj, arg.shape);
  if (!agreeUpToUnknowns(t.shape, arg.shape)) t = broadcastLike(t, arg);
  return t.dtype === arg.dtype ? t : api.cast(t, arg.dtype);
}

/**
 * Gives `t` (same rank as `like`, sizes equal at call time) `like`'s static sizes where `t`'s are unknown, with a
 * reshape that moves no data; used so `grad(cost, x)` has the static shape of `x`.
 */
export function refineShape(t: Term, like: Term): Term {
  if (sameShape(t.shape, like.shape) || t.ndim !== like.ndim) return t;
  const gains = like.shape.some((d, i) => d !== null && t.shape[i] === null);
  const unknown = like.shape.filter((d) => d === null).length;
  return gains && unknown <= 1 ? api.reshape(t, like.shape.map((d) => d ?? -1)) : t;
}

/**
 * `t`, the result of reducing `x` over `axes` (without `keepdims`) or an array of that shape, broadcast back to
 * the shape of `x`. The reduced axes are put back as size 1 with a reshape when at most one size is unknown;
 * otherwise `x`'s axes are permuted so the reduced ones lead (where `broadcastTo` adds axes) and permuted back.
 */
export function expandReduced(t: Term, x: Term, axes: readonly number[], keepdims: boolean): Term {
  if (keepdims || axes.every((a, i) => a === i)) return broadcastLike(t, x);
  const kept = range(x.ndim).filter((i) => !axes.includes(i));
  if (t.shape.filter((d) => d === null).length <= 1) {
    const target = x.shape.map(() => 1);
    kept.forEach((axis, j) => (target[axis] = t.shape[j] ?? -1));
    return broadcastLike(api.reshape(t, target), x);
  }
  const perm = [...axes, ...kept];
  return api.transpose(broadcastLike(t, api.transpose(x, perm)), inversePerm(perm));
}

/** Axis `axis` of `t` moved to the front (and back again: the permutation is its own inverse). */
export function swapToFront(t: Term, axis: number): Term {
  if (axis === 0) return t;
  const perm = range(t.ndim);
  perm[0] = axis;
  perm[axis] = 0;
  return api.transpose(t, perm);
}

/** `t` with a size-1 axis inserted at `axis`, or a `ShapeError` naming `op` when a reshape cannot say its size. */
export function insertAxis(op: string, t: Term, axis: number): Term {
  if (t.shape.filter((d) => d === null).length > 1) {
    throw new ShapeError(
      `${op} gradient: cannot insert an axis into shape ${formatShape(t.shape)}, which has more than one ` +
        `unknown size; declare static sizes`,
    );
  }
  return api.expandDims(t, axis);
}
