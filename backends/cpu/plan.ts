/**
 * Kernel planning, independent of call-time sizes: which terms are computed by which kernel. Chains of
 * elementwise ops (broadcasting included) fuse into one loop; a reduction absorbs the elementwise expression
 * that feeds it; `add(matmul(a, b), bias)` and `relu(…)` of it become matmul epilogues; structural ops become
 * views. A term is a kernel boundary when it is an output or update value, feeds a non-elementwise op, is used
 * by kernels that cannot all absorb it, or would be recomputed once per element of a broadcast.
 * @module
 */
import {
  BINARY_OPS,
  type ElementwiseOp,
  type OpName,
  REDUCE_OPS,
  type ReduceOp,
  UNARY_OPS,
} from "../../cas/ops/names.ts";
import type { OpAttrs } from "../../cas/ops/types.ts";
import { type Term, topoSort } from "../../cas/term.ts";
import type { ElementwiseKernel, ScalarExpr } from "../kernel_ir.ts";

/** The ops a fused loop computes point by point. */
export const ELEMENTWISE: ReadonlySet<OpName> = new Set<OpName>([
  ...UNARY_OPS,
  ...BINARY_OPS,
  "where",
  "cast",
]);
const REDUCTIONS: ReadonlySet<OpName> = new Set<OpName>(REDUCE_OPS);
/** Ops whose value is a view of their first argument's storage (no arithmetic). */
export const VIEW_OPS: ReadonlySet<OpName> = new Set<OpName>([
  "transpose",
  "reshape",
  "broadcastTo",
  "index",
  "slice",
  "stopGradient",
]);

/** One kernel (or view, or leaf) of the plan, in execution order. */
export type PlanNode =
  | { readonly kind: "input"; readonly term: Term; readonly index: number }
  | { readonly kind: "shared" | "const" | "view" | "concatenate" | "count"; readonly term: Term }
  | {
    readonly kind: "elementwise";
    readonly term: Term;
    /** Terms the kernel reads, in `kernel.inputDtypes` order. */
    readonly operands: readonly Term[];
    readonly kernel: ElementwiseKernel;
  }
  | {
    readonly kind: "reduce";
    readonly term: Term;
    readonly op: ReduceOp;
    /** Terms the fused input expression reads (broadcast to the reduction's input shape). */
    readonly operands: readonly Term[];
    readonly expr: ScalarExpr;
  }
  | {
    readonly kind: "matmul";
    readonly term: Term;
    readonly a: Term;
    readonly b: Term;
    /** A row vector added to every row of the product (`add(matmul(a, b), bias)`). */
    readonly bias?: Term;
    readonly relu: boolean;
    /** The product is multiplied by this and `addend` added: `D ± c·matmul(a, b)` (an SGD step). */
    readonly scale?: number;
    readonly addend?: Term;
  }
  | { readonly kind: "softmax"; readonly term: Term; readonly log: boolean; readonly axis: number };

/** The call-size-independent plan of a graph. */
export interface Plan {
  /** Every distinct term, children first (for shape inference). */
  readonly order: readonly Term[];
  /** The kernels, in an order that respects dependencies. */
  readonly nodes: readonly PlanNode[];
  /** How many kernels read each term's value (roots count once more per time they are a root). */
  readonly readers: ReadonlyMap<Term, number>;
}

/**
 * A matmul whose result is consumed only by `top`: through an optional bias add and relu, or scaled by a
 * constant and added to a matrix of its own shape.
 */
interface Epilogue {
  readonly matmul: Term;
  readonly bias?: Term;
  readonly relu: boolean;
  readonly scale?: number;
  readonly addend?: Term;
}

/** True for the static shape of a constant holding a single element. */
function isScalarConst(t: Term): boolean {
  return t.op === "const" && t.shape.every((d) => d === 1);
}

/** True when a term of shape `inner` is not broadcast inside a kernel of shape `outer` (no recomputation). */
function sameExtent(inner: Term["shape"], outer: Term["shape"]): boolean {
  return inner.length === outer.length && inner.every((d, i) => d !== 1 || outer[i] === 1);
}

/**
 * Plans the kernels computing `roots`; `inputs` are the caller's variables (their index is their position).
 *
 * @example
 * ```ts
 * import * as T from "../../cas/api.ts";
 * import { planKernels } from "./plan.ts";
 * const x = T.vector("x");
 * const plan = planKernels([x], [T.mul(T.softplus(x), 2)]);
 * plan.nodes.map((n) => n.kind); // ["input", "const", "elementwise"]
 * ```
 */
export function planKernels(inputs: readonly Term[], roots: readonly Term[]): Plan {
  const order = topoSort(roots);
  const consumers = new Map<Term, Set<Term>>();
  for (const t of order) {
    for (const a of t.args) {
      let set = consumers.get(a);
      if (!set) consumers.set(a, set = new Set());
      set.add(t);
    }
  }
  const rootSet = new Set(roots);
  const only = (t: Term): Term | undefined => {
    const set = consumers.get(t);
    return !rootSet.has(t) && set?.size === 1 ? [...set][0] : undefined;
  };

  // Matmul epilogues, keyed by the term whose value the matmul kernel produces.
  const epilogues = new Map<Term, Epilogue>();
  const absorbed = new Set<Term>();
  const plainMatmul = (m: Term) =>
    m.op === "matmul" && m.args.every((a) => a.ndim === 2 && a.dtype === m.dtype) &&
    (m.dtype === "float32" || m.dtype === "float64");
  /**
   * `c·P` or `P·c` with c a scalar constant and P a plain matmul read only there (also through a reshape that
   * keeps its shape, as gradients of matrices have): the product, the factor and the terms it absorbs.
   */
  const scaledProduct = (u: Term): { matmul: Term; factor: number; through: Term[] } | undefined => {
    if (u.op !== "mul") return undefined;
    const [x, y] = u.args;
    const [c, p] = isScalarConst(x) ? [x, y] : [y, x];
    if (!isScalarConst(c) || only(p) !== u) return undefined;
    const factor = (c.attrs as OpAttrs["const"]).value.data[0];
    if (plainMatmul(p)) return { matmul: p, factor, through: [u] };
    const m = p.args[0];
    const keepsShape = p.op === "reshape" && p.ndim === 2 && m?.ndim === 2 && p.shape[1] !== null &&
      p.shape[1] !== 0 && p.shape[1] === m.shape[1];
    if (keepsShape && plainMatmul(m) && only(m) === p) return { matmul: m, factor, through: [u, p] };
    return undefined;
  };

  for (const t of order) {
    if ((t.op === "sub" || t.op === "add") && (t.dtype === "float32" || t.dtype === "float64")) {
      // D − c·P or D + c·P (either order for +): the matmul computes it as scale·A·B + D
      const [x, y] = t.args;
      const candidates: [Term, Term, number][] = t.op === "sub" ? [[x, y, -1]] : [[x, y, 1], [y, x, 1]];
      const fullMatrix = (d: Term) =>
        d.dtype === t.dtype && d.ndim === 2 && t.ndim === 2 &&
        d.shape.every((n, i) => n !== null && n === t.shape[i]);
      // the scaled product must be read here only: absorbed into two sums, the product would run twice
      const found = candidates.find(([d, p]) => fullMatrix(d) && only(p) === t && scaledProduct(p));
      if (found) {
        const [addend, product, sign] = found;
        const { matmul, factor, through } = scaledProduct(product)!;
        if (matmul.dtype === t.dtype) {
          epilogues.set(t, { matmul, relu: false, scale: sign * factor, addend });
          for (const u of [matmul, ...through]) absorbed.add(u);
          continue;
        }
      }
    }
    if (t.op === "add" && t.dtype !== "int32") {
      const [x, y] = t.args;
      const [m, bias] = plainMatmul(x) ? [x, y] : [y, x];
      const n = m.shape[1];
      const biasFits = bias.dtype === m.dtype && bias.ndim >= 1 && bias.ndim <= 2 &&
        (bias.ndim === 1 || bias.shape[0] === 1) && (bias.shape[bias.ndim - 1] === n || n === null) &&
        bias.shape[bias.ndim - 1] !== 1;
      if (plainMatmul(m) && only(m) === t && biasFits && t.dtype === m.dtype) {
        epilogues.set(t, { matmul: m, bias, relu: false });
        absorbed.add(m);
      }
    } else if (t.op === "relu") {
      const [x] = t.args;
      const inner = epilogues.get(x);
      if (inner && only(x) === t) {
        epilogues.delete(x);
        absorbed.add(x);
        epilogues.set(t, { ...inner, relu: true });
      } else if (plainMatmul(x) && only(x) === t) {
        epilogues.set(t, { matmul: x, relu: true });
        absorbed.add(x);
      }
    }
  }

  // Fusion groups, decided consumers first: an elementwise term joins its consumers' group when they all are
  // in one group and it is not broadcast there. The group is named by its root (an elementwise or reduce term).
  const groupOf = new Map<Term, Term>();
  const fusable = (t: Term) => ELEMENTWISE.has(t.op) && !epilogues.has(t) && !absorbed.has(t);
  const extentOf = (g: Term) => (REDUCTIONS.has(g.op) ? g.args[0].shape : g.shape);
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    if (!fusable(t) || rootSet.has(t)) continue;
    let target: Term | null | undefined;
    for (const c of consumers.get(t) ?? []) {
      const g = fusable(c) ? (groupOf.get(c) ?? c) : REDUCTIONS.has(c.op) ? c : null;
      target = target === undefined || target === g ? g : null;
      if (target === null) break;
    }
    if (target && sameExtent(t.shape, extentOf(target))) groupOf.set(t, target);
  }

  const lower = (group: Term, top: Term, operands: Term[]): ScalarExpr => {
    const memo = new Map<Term, ScalarExpr>();
    const visit = (u: Term): ScalarExpr => {
      const known = memo.get(u);
      if (known) return known;
      let e: ScalarExpr;
      // the group's own root (elementwise groups start there) and the terms fused into it expand in place
      if (u === group || groupOf.get(u) === group) {
        e = { kind: "op", op: u.op as ElementwiseOp, args: u.args.map(visit), dtype: u.dtype };
      } else if (isScalarConst(u)) {
        e = { kind: "const", value: (u.attrs as OpAttrs["const"]).value.data[0] };
      } else {
        let index = operands.indexOf(u);
        if (index < 0) index = operands.push(u) - 1;
        e = { kind: "input", index };
      }
      memo.set(u, e);
      return e;
    };
    return visit(top);
  };

  const nodes: PlanNode[] = [];
  for (const t of order) {
    if (groupOf.has(t) || absorbed.has(t)) continue;
    const epilogue = epilogues.get(t);
    if (epilogue) {
      const [a, b] = epilogue.matmul.args;
      const { bias, relu, scale, addend } = epilogue;
      nodes.push({ kind: "matmul", term: t, a, b, bias, relu, scale, addend });
    } else if (t.op === "var") {
      nodes.push({ kind: "input", term: t, index: inputs.indexOf(t) });
    } else if (t.op === "shared" || t.op === "const" || t.op === "concatenate" || t.op === "count") {
      nodes.push({ kind: t.op, term: t });
    } else if (ELEMENTWISE.has(t.op)) {
      const operands: Term[] = [];
      const expr = lower(t, t, operands);
      const kernel = { inputDtypes: operands.map((o) => o.dtype), outDtype: t.dtype, expr };
      nodes.push({ kind: "elementwise", term: t, operands, kernel });
    } else if (REDUCTIONS.has(t.op)) {
      const operands: Term[] = [];
      const expr = lower(t, t.args[0], operands);
      nodes.push({ kind: "reduce", term: t, op: t.op as ReduceOp, operands, expr });
    } else if (t.op === "matmul") {
      nodes.push({ kind: "matmul", term: t, a: t.args[0], b: t.args[1], relu: false });
    } else if (t.op === "softmax" || t.op === "logSoftmax") {
      const { axis } = t.attrs as OpAttrs["softmax"];
      nodes.push({ kind: "softmax", term: t, log: t.op === "logSoftmax", axis });
    } else if (VIEW_OPS.has(t.op)) {
      nodes.push({ kind: "view", term: t });
    } else {
      throw new Error(`cpu backend: no kernel for op ${t.op}`);
    }
  }

  const readers = new Map<Term, number>();
  const read = (t: Term) => readers.set(t, (readers.get(t) ?? 0) + 1);
  for (const node of nodes) {
    switch (node.kind) {
      case "elementwise":
      case "reduce":
        node.operands.forEach(read);
        break;
      case "matmul":
        [node.a, node.b, ...(node.bias ? [node.bias] : []), ...(node.addend ? [node.addend] : [])].forEach(
          read,
        );
        break;
      case "input":
      case "shared":
      case "const":
        break;
      default:
        node.term.args.forEach(read);
    }
  }
  roots.forEach(read);
  return { order, nodes, readers };
}
