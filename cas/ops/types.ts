/**
 * The shape of one op-table row, and the attributes each op carries.
 * @module
 */
import type { DType } from "../dtype.ts";
import type { Shape } from "../shape.ts";
import type { NDArray } from "../ndarray.ts";
import type { BinaryOp, OpName, ReduceOp, UnaryOp } from "./names.ts";

/** The static type of a term: its dtype and static shape. */
export interface TermType {
  /** Element type. */
  readonly dtype: DType;
  /** Static shape, `null` where a size is known only at call time. */
  readonly shape: Shape;
}

/** Attributes of a reduction: the axes it reduces (sorted, non-negative) and whether they are kept as size 1. */
export interface ReduceAttrs {
  /** The reduced axes, sorted and non-negative. */
  readonly axes: readonly number[];
  /** Whether reduced axes stay as size 1. */
  readonly keepdims: boolean;
}

/** What a shared variable looks like to the term language (the value lives outside the term). */
export interface SharedSlot {
  /** Unique per shared variable: two shared variables are never the same term. */
  readonly id: number;
  /** The name it prints as. */
  readonly name: string;
  /** Its dtype, fixed when it is created. */
  readonly dtype: DType;
  /** Its static shape, fixed when it is created. */
  readonly shape: Shape;
}

/** The attributes of every op, by name. Ops with no attributes have `Record<never, never>`. */
export type OpAttrs =
  & { [K in UnaryOp | BinaryOp | "where" | "matmul" | "stopGradient"]: Record<never, never> }
  & { [K in ReduceOp]: ReduceAttrs }
  & {
    const: { readonly value: NDArray };
    var: { readonly name: string; readonly dtype: DType; readonly shape: Shape };
    shared: { readonly slot: SharedSlot };
    cast: { readonly dtype: DType };
    transpose: { readonly perm: readonly number[] };
    reshape: { readonly shape: readonly number[] };
    broadcastTo: { readonly shape: Shape };
    concatenate: { readonly axis: number };
    index: { readonly index: number };
    slice: { readonly start: number; readonly stop: number | null; readonly step: number };
    count: { readonly axes: readonly number[] };
    softmax: { readonly axis: number };
    logSoftmax: { readonly axis: number };
  };

/** How a term of an op prints in mathjs syntax. */
export type PrintRule =
  | {
    readonly kind: "infix";
    readonly symbol: string;
    readonly precedence: number;
    readonly rightAssoc?: boolean;
  }
  | { readonly kind: "prefix"; readonly symbol: string; readonly precedence: number }
  | { readonly kind: "call"; readonly name: string }
  | { readonly kind: "leaf" };

/** One row of the op table: everything the term language needs to know about op `K`. */
export interface OpRow<K extends OpName> {
  /** Number of term arguments, or `"variadic"` (at least one). */
  readonly arity: number | "variadic";
  /** Puts attributes in canonical form (e.g. negative axes made positive) so equal terms hash-cons together. */
  readonly normalize?: (args: readonly TermType[], attrs: OpAttrs[K]) => OpAttrs[K];
  /** The result type, or a `ShapeError` naming the op, the shapes/dtypes and what was expected. */
  readonly infer: (args: readonly TermType[], attrs: OpAttrs[K]) => TermType;
  /** Reference evaluation on concrete arrays (float64 math, float32 results rounded): the oracle. */
  readonly evaluate: (
    args: readonly NDArray[],
    attrs: OpAttrs[K],
    type: TermType,
    argTypes: readonly TermType[],
  ) => NDArray;
  /** How it prints in mathjs syntax. */
  readonly print: PrintRule;
}

/** The op table: one row per op, so a missing row is a compile error. */
export type OpTable = { readonly [K in OpName]: OpRow<K> };
