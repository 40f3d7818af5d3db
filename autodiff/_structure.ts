/**
 * The VJP rows of the ops that move data (matmul, reshape, concatenate, index, slice): each takes the output
 * adjoint `g` and builds the adjoint of one argument as terms. Sizes known statically give concrete forms;
 * where a size is known only at call time, a slice of the argument itself supplies the shape.
 * @module
 */
import * as api from "../cas/api.ts";
import { formatShape, ShapeError } from "../cas/shape.ts";
import type { Term } from "../cas/term.ts";
import { sliceIndices } from "../cas/ops/structure.ts";
import type { OpAttrs } from "../cas/ops/types.ts";
import {
  broadcastLike,
  expandReduced,
  insertAxis,
  isConcrete,
  range,
  swapToFront,
  zerosLike,
  zerosOfShape,
} from "./_shapes.ts";

/** `t` with its last two axes swapped. */
function swapLastTwo(t: Term): Term {
  const perm = range(t.ndim);
  [perm[t.ndim - 2], perm[t.ndim - 1]] = [perm[t.ndim - 1], perm[t.ndim - 2]];
  return api.transpose(t, perm);
}

/**
 * The adjoint of argument `i` of `matmul(a, b)` (NumPy semantics). Batch axes that broadcast are summed away by
 * the caller (`fitAdjoint`); a 1-D argument is the reduced axis of the product, so its partner's adjoint is
 * `g` broadcast over that axis.
 */
export function matmulVjp(g: Term, [a, b]: readonly Term[], i: number): Term {
  if (a.ndim === 1 && b.ndim === 1) return api.mul(g, i === 0 ? b : a);
  // a vector's adjoint against a matrix is a matrix-vector product (one pass over the matrix in the backends),
  // not an elementwise product and a sum; with batch axes it is that sum
  if (a.ndim === 1) {
    // out[..., n] = Σ_k a[k] b[..., k, n]: g spread over b's k axis
    if (i === 0 && b.ndim === 2) return api.matmul(b, g);
    const spread = expandReduced(g, b, [b.ndim - 2], false);
    return i === 0 ? api.sum(api.mul(b, spread), [b.ndim - 1]) : api.mul(spread, api.reshape(a, [-1, 1]));
  }
  if (b.ndim === 1) {
    // out[..., m] = Σ_k a[..., m, k] b[k]: g spread over a's k axis
    if (i === 1 && a.ndim === 2) return api.matmul(swapLastTwo(a), g);
    const spread = expandReduced(g, a, [a.ndim - 1], false);
    return i === 0 ? api.mul(spread, b) : api.sum(api.mul(a, spread), range(a.ndim - 1));
  }
  return i === 0 ? api.matmul(g, swapLastTwo(b)) : api.matmul(swapLastTwo(a), g);
}

/** The adjoint of `reshape(x, …)`: `g` reshaped to `x`'s shape, which must have at most one unknown size. */
export function reshapeVjp(g: Term, x: Term): Term {
  if (x.shape.filter((d) => d === null).length > 1) {
    const shape = formatShape(x.shape);
    throw new ShapeError(
      `reshape gradient: cannot reshape back to ${shape}, which has more than one unknown size; ` +
        `declare static sizes for the reshaped term`,
    );
  }
  return api.reshape(g, x.shape.map((d) => d ?? -1));
}

/** `count` zero rows shaped like the rows of `x`, for padding an adjoint; `rows()` gives such rows of `x`. */
function zeroRows(count: number | null, x: Term, g: Term, rows: () => Term): Term {
  return zerosOfShape([count, ...x.shape.slice(1)], g.dtype, rows);
}

/** Joins blocks along the leading axis; `null` stands for a block known to be empty. */
function joinRows(blocks: readonly (Term | null)[]): Term {
  const kept = blocks.filter((b): b is Term => b !== null);
  return kept.length === 1 ? kept[0] : api.concatenate(kept, 0);
}

/** The adjoint of argument `i` of `concatenate(args, axis)`: the slice of `g` that argument filled. */
export function concatenateVjp(
  g: Term,
  args: readonly Term[],
  { axis }: OpAttrs["concatenate"],
  i: number,
): Term | null {
  const sizes = args.map((a) => a.shape[axis]);
  const own = sizes[i];
  if (own === 0) return null;
  const before = sizes.slice(0, i), after = sizes.slice(i + 1);
  const sum = (ds: readonly (number | null)[]) => (isConcrete(ds) ? ds.reduce((s, d) => s + d, 0) : null);
  const start = sum(before), rest = sum(after);
  let bounds: [number, number | null];
  if (start !== null && own !== null) bounds = [start, start + own];
  else if (start !== null && rest !== null) bounds = [start, rest === 0 ? null : -rest];
  else if (rest !== null && own !== null) bounds = [-(rest + own), rest === 0 ? null : -rest];
  else {
    const known = formatShape(sizes);
    throw new ShapeError(
      `concatenate gradient: the sizes along axis ${axis} (${known}) leave the place of argument ${i} ` +
        `unknown; declare static sizes for all but one argument (a concatenate built by the gradient of ` +
        `slice or index needs the sliced array's leading size for second derivatives)`,
    );
  }
  return swapToFront(api.slice(swapToFront(g, axis), bounds[0], bounds[1]), axis);
}

/** The adjoint of `index(x, i)`: `g` put back as row `i` of an array of zeros shaped like `x`. */
export function indexVjp(g: Term, x: Term, { index }: OpAttrs["index"]): Term {
  const n = x.shape[0];
  const next = index + 1 === 0 ? null : index + 1;
  const row = g.shape.filter((d) => d === null).length <= 1
    ? api.expandDims(g, 0)
    : broadcastLike(g, api.slice(x, index, next));
  // the rows before and after: their counts are known when n is, or (for a negative index) the rows after are
  const countBefore = index >= 0 ? index : n === null ? null : n + index;
  const countAfter = index < 0 ? -index - 1 : n === null ? null : n - index - 1;
  return joinRows([
    countBefore === 0 ? null : zeroRows(countBefore, x, g, () => api.slice(x, 0, index)),
    row,
    countAfter === 0 ? null : zeroRows(countAfter, x, g, () => api.slice(x, next ?? 0, null)),
  ]);
}

/**
 * `t` (c rows) with `gap` zero rows after each row but the last: the rows a stride-`gap + 1` slice picked,
 * back in their places.
 */
function spreadRows(t: Term, gap: number, c: number): Term {
  const column = insertAxis("slice", t, 1); // (c, 1, …)
  const zero = zerosLike(column);
  const widened = api.concatenate([column, ...new Array<Term>(gap).fill(zero)], 1); // (c, gap + 1, …)
  const merged = api.reshape(widened, [c * (gap + 1), ...t.shape.slice(1).map((d) => d ?? -1)]);
  return api.slice(merged, 0, (c - 1) * (gap + 1) + 1);
}

/**
 * The adjoint of `slice(x, start, stop, step)`: `g` put back in the rows it came from, zeros elsewhere. Any step
 * works when the leading size of `x` is known; when it is not, only step 1 with `start` 0, `stop` null, or both of
 * the same sign (so that their order does not depend on the size).
 */
export function sliceVjp(g: Term, x: Term, { start, stop, step }: OpAttrs["slice"]): Term {
  const n = x.shape[0];
  if (n !== null) {
    const rows = sliceIndices(start, stop, step, n);
    if (rows.length === 0) return zerosLike(x, g.dtype);
    const ascending = step > 0 ? g : api.slice(g, -1, null, -1);
    const first = Math.min(rows[0], rows[rows.length - 1]);
    const stride = Math.abs(step);
    const spread = stride === 1 ? ascending : spreadRows(ascending, stride - 1, rows.length);
    const after = n - first - ((rows.length - 1) * stride + 1);
    return joinRows([
      first === 0 ? null : zeroRows(first, x, g, () => api.slice(x, 0, first)),
      spread,
      after === 0 ? null : zeroRows(after, x, g, () => api.slice(x, 0, after)),
    ]);
  }
  const sameSign = stop !== null && (start >= 0) === (stop >= 0);
  if (step === 1 && sameSign && start >= stop) return zerosLike(x, g.dtype); // empty whatever the size
  if (step !== 1 || !(stop === null || start === 0 || sameSign)) {
    const shape = formatShape(x.shape);
    throw new ShapeError(
      `slice gradient: slice(${start}, ${stop}, ${step}) of shape ${shape} needs the leading size to place ` +
        `the rows; declare it statically`,
    );
  }
  // x[:start], x[start:stop] and x[stop:] partition x, since start <= stop after normalization
  return joinRows([
    start === 0 ? null : zeroRows(null, x, g, () => api.slice(x, 0, start)),
    g,
    stop === null ? null : zeroRows(null, x, g, () => api.slice(x, stop, null)),
  ]);
}
