/**
 * Shape-independent lowering of a graph plan for the WebGPU backend: decides which terms get a buffer
 * ("materialized") and fuses every elementwise term with a single consumer into that consumer's kernel, as an
 * expression of the fused-kernel IR (`kernel_ir.ts`). Reductions and softmax take a fused expression as their
 * input too (`sum((x − y)²)` is one kernel). Sizes are not known here; `call_plan.ts` does the rest per call shape.
 * @module
 */
import type { DType } from "../../cas/dtype.ts";
import { BINARY_OPS, type ElementwiseOp, type OpName, REDUCE_OPS, UNARY_OPS } from "../../cas/ops/names.ts";
import type { OpAttrs } from "../../cas/ops/types.ts";
import { type Term, topoSort } from "../../cas/term.ts";
import type { GraphPlan } from "../backend.ts";
import type { ElementwiseKernel, ScalarExpr } from "../kernel_ir.ts";

const ELEMENTWISE: ReadonlySet<OpName> = new Set<OpName>([...UNARY_OPS, ...BINARY_OPS, "where", "cast"]);
const REDUCTIONS: ReadonlySet<OpName> = new Set<OpName>(REDUCE_OPS);
const VIEWS: ReadonlySet<OpName> = new Set<OpName>([
  "transpose",
  "reshape",
  "broadcastTo",
  "index",
  "slice",
  "stopGradient",
]);

/** True for ops computed point by point (the ones a fused kernel can contain). */
export function isElementwise(op: OpName): op is ElementwiseOp {
  return ELEMENTWISE.has(op);
}

/** An expression over materialized terms: what a fused kernel computes at each point of its iteration space. */
export interface FusedSource {
  /** The expression; input `i` is `leaves[i]`, read at the broadcast position. */
  readonly kernel: ElementwiseKernel;
  /** The materialized terms the expression reads, without repeats. */
  readonly leaves: readonly Term[];
}

/** One materialized term and how it is computed. */
export type ProgramNode =
  | { readonly kind: "input"; readonly term: Term; readonly position: number }
  | { readonly kind: "shared"; readonly term: Term }
  | { readonly kind: "const"; readonly term: Term }
  | { readonly kind: "elementwise"; readonly term: Term; readonly source: FusedSource }
  | { readonly kind: "reduce"; readonly term: Term; readonly source: FusedSource }
  | { readonly kind: "softmax"; readonly term: Term; readonly source: FusedSource }
  | { readonly kind: "matmul"; readonly term: Term }
  | { readonly kind: "view"; readonly term: Term }
  | { readonly kind: "concatenate"; readonly term: Term }
  | { readonly kind: "count"; readonly term: Term };

/** The lowered graph: materialized terms in dependency order, plus every term whose shape must be known. */
export interface Program {
  /** Materialized terms, children before parents. */
  readonly nodes: readonly ProgramNode[];
  /** Every term of the graph, children first (shape-only arguments included), for call-time shape inference. */
  readonly terms: readonly Term[];
  /** The plan this program lowers. */
  readonly plan: GraphPlan;
}

/** Limits that keep a fused kernel within the device's binding count and a reasonable shader size. */
export interface FusionLimits {
  /** Most distinct buffers one fused expression may read. */
  readonly maxLeaves: number;
  /** Most op nodes in one fused expression. */
  readonly maxOps: number;
}

/** Arguments whose value is never read, only their shape (`broadcastTo(x, like)`, `count(x)`). */
function valueArgs(t: Term): readonly Term[] {
  if (t.op === "count") return [];
  if (t.op === "broadcastTo") return t.args.slice(0, 1);
  return t.args;
}

function takesFusedSource(op: OpName): boolean {
  return ELEMENTWISE.has(op) || REDUCTIONS.has(op) || op === "softmax" || op === "logSoftmax";
}

function isInlineConstant(t: Term): boolean {
  return t.op === "const" && (t.attrs as OpAttrs["const"]).value.size === 1;
}

/**
 * Lowers a plan: fuses elementwise chains and decides what is materialized. Pure and shape-independent.
 *
 * @example
 * ```ts
 * import * as T from "../../mod.ts";
 * import { lowerPlan } from "./fusion.ts";
 * const x = T.vector("x");
 * const y = T.exp(T.mul(x, 2));
 * const program = lowerPlan({ inputs: [x], roots: [y], outputCount: 1, updated: [] }, { maxLeaves: 8, maxOps: 200 });
 * program.nodes.map((n) => n.kind); // ["input", "elementwise"]: mul is fused into exp's kernel
 * ```
 */
export function lowerPlan(plan: GraphPlan, limits: FusionLimits): Program {
  const terms = topoSort(plan.roots);
  const roots = new Set(plan.roots);
  // Terms whose values are needed (reached from the roots through value arguments), and who reads each.
  const needed = new Set<Term>();
  const consumers = new Map<Term, Set<Term>>();
  const stack = [...plan.roots];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (needed.has(t)) continue;
    needed.add(t);
    for (const a of valueArgs(t)) {
      let set = consumers.get(a);
      if (set === undefined) consumers.set(a, set = new Set());
      set.add(t);
      stack.push(a);
    }
  }
  const forced = new Set<Term>();
  const inlinable = (t: Term): boolean => {
    if (!isElementwise(t.op) || roots.has(t) || forced.has(t)) return false;
    const users = consumers.get(t);
    if (users === undefined || users.size !== 1) return false;
    return takesFusedSource([...users][0].op);
  };
  const materialized = (t: Term): boolean => {
    if (!needed.has(t)) return false;
    if (isInlineConstant(t)) {
      return roots.has(t) || [...consumers.get(t) ?? []].some((u) => !takesFusedSource(u.op));
    }
    return !inlinable(t);
  };

  const sources = new Map<Term, FusedSource>();
  const ordered = terms.filter((t) => needed.has(t));
  // Consumers first, so that forcing a producer to be materialized happens before the producer is visited.
  for (let i = ordered.length - 1; i >= 0; i--) {
    const t = ordered[i];
    if (!takesFusedSource(t.op) || !materialized(t)) continue;
    const argument = isElementwise(t.op) ? t : t.args[0];
    const startsAt = isElementwise(t.op) ? t : null;
    for (;;) {
      const built = buildSource(argument, startsAt, inlinable);
      const overflow = built.leaves.length > limits.maxLeaves || built.opCount > limits.maxOps;
      if (!overflow || built.inlined.length === 0) {
        sources.set(t, built.source);
        break;
      }
      // Too big for one kernel: give the largest inlined argument its own buffer and build again.
      forced.add(built.inlined.reduce((a, b) => (b.size > a.size ? b : a)).term);
    }
  }

  const nodes: ProgramNode[] = [];
  for (const t of ordered) {
    if (!materialized(t)) continue;
    nodes.push(nodeOf(t, plan, sources));
  }
  return { nodes, terms, plan };
}

function nodeOf(t: Term, plan: GraphPlan, sources: ReadonlyMap<Term, FusedSource>): ProgramNode {
  switch (t.op) {
    case "var": {
      const position = plan.inputs.indexOf(t);
      return { kind: "input", term: t, position };
    }
    case "shared":
      return { kind: "shared", term: t };
    case "const":
      return { kind: "const", term: t };
    case "matmul":
      return { kind: "matmul", term: t };
    case "concatenate":
      return { kind: "concatenate", term: t };
    case "count":
      return { kind: "count", term: t };
    case "softmax":
    case "logSoftmax":
      return { kind: "softmax", term: t, source: sources.get(t)! };
    default:
      if (VIEWS.has(t.op)) return { kind: "view", term: t };
      if (REDUCTIONS.has(t.op)) return { kind: "reduce", term: t, source: sources.get(t)! };
      if (isElementwise(t.op)) return { kind: "elementwise", term: t, source: sources.get(t)! };
      throw new TypeError(`WebGPU: no lowering for op ${t.op}`);
  }
}

interface BuiltSource {
  readonly source: FusedSource;
  readonly opCount: number;
  /** Direct and indirect inlined terms with the size of their subtree, candidates to materialize on overflow. */
  readonly inlined: { term: Term; size: number }[];
  readonly leaves: readonly Term[];
}

/**
 * The expression of `root`: inlinable elementwise arguments are expanded, size-1 constants become literals, and
 * anything else is a leaf. `top` is the term whose own op is the expression's root (for an elementwise node), or
 * null when `root` is an argument read by a reduction or softmax.
 */
function buildSource(root: Term, top: Term | null, inlinable: (t: Term) => boolean): BuiltSource {
  const leaves: Term[] = [];
  const leafIndex = new Map<Term, number>();
  const memo = new Map<Term, ScalarExpr>();
  const inlined: { term: Term; size: number }[] = [];
  let opCount = 0;
  const leaf = (t: Term): ScalarExpr => {
    let index = leafIndex.get(t);
    if (index === undefined) {
      index = leaves.length;
      leaves.push(t);
      leafIndex.set(t, index);
    }
    return { kind: "input", index };
  };
  const visit = (t: Term, expand: boolean): ScalarExpr => {
    const seen = memo.get(t);
    if (seen) return seen;
    let e: ScalarExpr;
    if (isInlineConstant(t)) {
      e = constantExpr(t);
    } else if (expand) {
      const before = opCount;
      opCount++;
      const args = t.args.map((a) => visit(a, inlinable(a)));
      e = { kind: "op", op: t.op as ElementwiseOp, args, dtype: t.dtype };
      if (t !== top) inlined.push({ term: t, size: opCount - before });
    } else {
      e = leaf(t);
    }
    memo.set(t, e);
    return e;
  };
  const expr = visit(root, top !== null || inlinable(root));
  const kernel: ElementwiseKernel = { inputDtypes: leaves.map((t) => t.dtype), outDtype: root.dtype, expr };
  return { source: { kernel, leaves }, opCount, inlined, leaves };
}

/** A size-1 constant as IR: float32 as a bare constant, other dtypes as a cast of it (rendered as a typed literal). */
function constantExpr(t: Term): ScalarExpr {
  const value = (t.attrs as OpAttrs["const"]).value.data[0];
  const dtype: DType = t.dtype;
  const constant: ScalarExpr = { kind: "const", value };
  return dtype === "float32" ? constant : { kind: "op", op: "cast", args: [constant], dtype };
}
