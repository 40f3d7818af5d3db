/**
 * The e-class analysis of the term language, three facts per class:
 * - type: dtype and static shape, from the op table's `infer`. Equal classes must have equal types; a merge of
 *   different types is an engine bug and throws.
 * - constant: the value when every child is a known constant and the result is small (evaluated with the op
 *   table's reference `evaluate`); a folded class is pruned to its constant leaf, as egg's math example does.
 * - range: a sound interval of the values (see `range.ts`), refined by intersection when classes merge.
 * @module
 */
import { type DType, isFloat } from "../cas/dtype.ts";
import { NDArray } from "../cas/ndarray.ts";
import { rowOf } from "../cas/ops/table.ts";
import type { TermType } from "../cas/ops/types.ts";
import { formatShape, type Shape, sizeOf } from "../cas/shape.ts";
import type { Analysis, EGraph } from "./egraph.ts";
import { CONSTANT_FOLD } from "./proof_forest.ts";
import type { ClassInfo } from "./rule.ts";
import { inputRange, intersect, type Interval, rangeOf, rangeOfValues, sameRange } from "./range.ts";
import { CONST_CODE, type PayloadTable, TERM_OPS } from "./term_language.ts";

/** Constants with more elements than this are not folded (the e-graph would carry big arrays around). */
export const FOLD_LIMIT = 64;
/** Folding reads arguments up to this size (e.g. the sum of a 1,000-element constant is small and worth it). */
const FOLD_INPUT_LIMIT = 4096;
/** After this many refinements of one class's range, merges stop propagating range changes (ranges only narrow,
 * but a cycle like x = 0.5·x could narrow a bound toward 0 for thousands of steps). */
const MAX_REFINEMENTS = 8;

/** The analysis data of one e-class. Immutable: a change makes a new object. */
export interface TermData extends ClassInfo {
  /** The constant value, when known (at most `FOLD_LIMIT` elements, or a constant leaf of any size). */
  readonly value?: NDArray;
  /** How often the range was narrowed by merges. */
  readonly refinements: number;
}

function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function allEqual(value: NDArray): number | undefined {
  const d = value.data;
  if (d.length === 0) return undefined;
  const first = d[0];
  for (let i = 1; i < d.length; i++) if (!Object.is(d[i], first) && !(d[i] === first)) return undefined;
  return first;
}

function dataOf(type: TermType, range: Interval, value?: NDArray): TermData {
  const constant = value === undefined ? undefined : allEqual(value);
  const data: TermData = { dtype: type.dtype, shape: type.shape, range, refinements: 0 };
  if (value === undefined) return data;
  return constant === undefined ? { ...data, value } : { ...data, value, constant };
}

/** The static type of class data, as the op table's rows take it. */
export function typeOf(d: TermData): TermType {
  return { dtype: d.dtype, shape: d.shape };
}

/** The term analysis over a payload table. */
export function termAnalysis(table: PayloadTable): Analysis<TermData> {
  const childTypes: TermType[] = [];
  const childRanges: Interval[] = [];
  return {
    make(egraph, op, payload, kids, n) {
      const name = TERM_OPS[op];
      const leaf = table.leaf(payload);
      if (leaf !== undefined && n === 0) {
        if (name === "const") {
          const value = (leaf.attrs as { value: NDArray }).value;
          return dataOf(leaf, rangeOfValues(value.data), value);
        }
        return dataOf(leaf, inputRange(leaf.dtype));
      }
      childTypes.length = n;
      childRanges.length = n;
      let allConstant = true;
      for (let i = 0; i < n; i++) {
        const d = egraph.data(kids[i]);
        childTypes[i] = d;
        childRanges[i] = d.range;
        if (d.value === undefined || d.value.size > FOLD_INPUT_LIMIT) allConstant = false;
      }
      const attrs = table.attrs(payload);
      const row = rowOf(name);
      const type = row.infer(childTypes, attrs);
      let value: NDArray | undefined;
      if (
        allConstant && type.shape.every((s) => s !== null) && sizeOf(type.shape as number[]) <= FOLD_LIMIT
      ) {
        try {
          const args = Array.from({ length: n }, (_, i) => egraph.data(kids[i]).value!);
          value = row.evaluate(args, attrs, type, childTypes.slice());
        } catch {
          value = undefined; // e.g. an index out of range at run time: leave it to the evaluator to report
        }
      } else if (name === "count") {
        value = countValue(childTypes[0].shape, (attrs as { axes: readonly number[] }).axes, type.dtype);
      }
      if (value !== undefined) return dataOf(type, rangeOfValues(value.data), value);
      const same = n === 2 && egraph.find(kids[0]) === egraph.find(kids[1]);
      return dataOf(type, rangeOf(name, childRanges, same, type.dtype));
    },

    join(a, b) {
      if (a.dtype !== b.dtype || !sameShape(a.shape, b.shape)) {
        throw new Error(
          `e-graph: merging e-classes of different types ${a.dtype}${formatShape(a.shape)} and ` +
            `${b.dtype}${formatShape(b.shape)} (a rewrite changed a type; this is a bug in the engine)`,
        );
      }
      const value = a.value ?? b.value;
      const range = value !== undefined
        ? rangeOfValues(value.data)
        : a.refinements >= MAX_REFINEMENTS
        ? a.range
        : intersect(a.range, b.range);
      if (value === a.value && sameRange(range, a.range)) return a;
      if (value === b.value && sameRange(range, b.range) && b.refinements < MAX_REFINEMENTS) return b;
      const joined = dataOf(a, range, value);
      return { ...joined, refinements: Math.max(a.refinements, b.refinements) + 1 };
    },

    same: (a, b) => a === b,

    modify(egraph, id) {
      const data = egraph.data(id);
      if (data.value === undefined || data.value.size > FOLD_LIMIT) return;
      const pool = egraph.pool;
      const folded = egraph.nodes(id).find((r) => pool.arities[r] > 0);
      if (folded === undefined) return; // already only leaves
      const constant = egraph.addExact(CONST_CODE, table.ofArray(data.value), [], 0);
      // with explanations on, the union names the node that folded, so the proof can show its arguments
      const from = egraph.proofs ? foldingVertex(egraph, id) : id;
      egraph.union(from, constant, CONSTANT_FOLD);
      egraph.retainNodes(id, (r) => pool.arities[r] === 0);
    },
  };
}

/** The vertex of a node of class `id` whose children are all constants (the node that folded). */
function foldingVertex(egraph: EGraph<TermData>, id: number): number {
  const pool = egraph.pool;
  for (const r of egraph.nodes(id)) {
    const n = pool.arities[r];
    if (n === 0) continue;
    let constant = true;
    for (let k = 0; k < n; k++) if (egraph.data(pool.child(r, k)).value === undefined) constant = false;
    if (constant || TERM_OPS[pool.ops[r]] === "count") {
      const v = egraph.memoValue(r);
      if (v >= 0) return v;
    }
  }
  return id;
}

/** `count(x, axes)` when the sizes of those axes of x are known statically. */
function countValue(shape: Shape, axes: readonly number[], dtype: DType): NDArray | undefined {
  let n = 1;
  for (const a of axes) {
    const d = shape[a];
    if (d === null || d === undefined) return undefined;
    n *= d;
  }
  return scalarArray(n, isFloat(dtype) ? dtype : "float64");
}

function scalarArray(value: number, dtype: DType): NDArray {
  return new NDArray(dtype === "float32" ? new Float32Array([value]) : new Float64Array([value]), []);
}
