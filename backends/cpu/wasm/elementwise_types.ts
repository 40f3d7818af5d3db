/**
 * Type inference for fused elementwise kernels: which dtype every node of a `ScalarExpr` computes in and
 * produces, following the library's promotion (`promoteTypes`), with constants typed by their context (a
 * constant never widens an expression, like JAX's weak types), and which nodes this backend cannot compile.
 * @module
 */
import { type DType, floatTypeOf, isFloat, promoteTypes } from "../../../cas/dtype.ts";
import { BOOL_RESULT_OPS, type ElementwiseOp } from "../../../cas/ops/names.ts";
import { OPS } from "../../../cas/ops/table.ts";
import type { ElementwiseKernel, ScalarExpr } from "../../kernel_ir.ts";

/** A node with its types: `compute` is the dtype its arguments are converted to, `result` what it yields. */
export interface TypedNode {
  /** The expression node. */
  readonly expr: ScalarExpr;
  /** The dtype the node's arguments are converted to and the op computes in. */
  readonly compute: DType;
  /** The dtype the node yields. */
  readonly result: DType;
  /** The typed arguments. */
  readonly args: readonly TypedNode[];
}

/** Thrown for kernels this backend does not compile; the caller runs them another way. */
export class UnsupportedKernelError extends Error {
  /** The error's name. */
  override name = "UnsupportedKernelError";
}

/** Ops that also compute in int32 (everything else computes in a float dtype). */
const INTEGER_OPS: ReadonlySet<ElementwiseOp> = new Set<ElementwiseOp>([
  "neg",
  "abs",
  "sign",
  "square",
  "floor",
  "ceil",
  "round",
  "relu",
  "add",
  "sub",
  "mul",
  "maximum",
  "minimum",
]);

const LOGIC_OPS: ReadonlySet<ElementwiseOp> = new Set<ElementwiseOp>(["and", "or", "not"]);

/** The arity of an elementwise op, from the op table (one source of truth). */
function arityOf(op: ElementwiseOp): number {
  return OPS[op].arity as number;
}

function isConst(expr: ScalarExpr): expr is { kind: "const"; value: number } {
  return expr.kind === "const";
}

/**
 * A constant, or an op over constants only, is "weak": it adopts its context's dtype instead of widening the
 * expression (a fraction in an integer context still asks for floats).
 */
function isWeak(expr: ScalarExpr): boolean {
  if (expr.kind === "const") return true;
  if (expr.kind === "input" || expr.op === "cast" || expr.dtype !== undefined) return false;
  return expr.args.every(isWeak);
}

/** The dtypes of a kernel's nodes, root first; throws `UnsupportedKernelError` for what cannot compile. */
export function inferKernelTypes(kernel: ElementwiseKernel): TypedNode {
  const memo = new Map<ScalarExpr, Map<DType, TypedNode>>();
  const check = (expr: ScalarExpr, context: DType): TypedNode => {
    let byContext = memo.get(expr);
    if (!byContext) memo.set(expr, byContext = new Map());
    let typed = byContext.get(context);
    if (!typed) byContext.set(context, typed = inferNode(expr, context));
    return typed;
  };

  /** The promoted dtype of the non-constant arguments (undefined when all are constants). */
  const strongType = (args: readonly ScalarExpr[]): DType | undefined => {
    let type: DType | undefined;
    for (const arg of args) {
      if (isWeak(arg)) continue;
      const argType = check(arg, "float64").result;
      type = type === undefined ? argType : promoteTypes(type, argType);
    }
    return type;
  };
  const hasFraction = (args: readonly ScalarExpr[]) =>
    args.some((arg) => isConst(arg) && !Number.isInteger(arg.value) && Number.isFinite(arg.value));

  const inferNode = (expr: ScalarExpr, context: DType): TypedNode => {
    if (expr.kind === "input") {
      const dtype = kernel.inputDtypes[expr.index];
      if (dtype === undefined) {
        throw new RangeError(`Kernel reads input ${expr.index} but has no dtype for it`);
      }
      return { expr, compute: dtype, result: dtype, args: [] };
    }
    if (expr.kind === "const") return { expr, compute: context, result: context, args: [] };
    const { op } = expr;
    if (expr.args.length !== arityOf(op)) {
      throw new RangeError(`Op ${op} takes ${arityOf(op)} arguments, got ${expr.args.length}`);
    }
    if (op === "cast") {
      if (!expr.dtype) throw new UnsupportedKernelError("cast needs its target dtype");
      const arg = check(expr.args[0], expr.dtype);
      return { expr, compute: arg.result, result: expr.dtype, args: [arg] };
    }
    if (LOGIC_OPS.has(op)) {
      const args = expr.args.map((arg) => check(arg, "bool"));
      return { expr, compute: "bool", result: expr.dtype ?? "bool", args };
    }
    if (op === "where") {
      const [cond, a, b] = expr.args;
      let compute = expr.dtype ?? strongType([a, b]) ?? context;
      if (!isFloat(compute) && hasFraction([a, b])) compute = floatTypeOf(compute);
      const typedCond = check(cond, "bool");
      return { expr, compute, result: compute, args: [typedCond, check(a, compute), check(b, compute)] };
    }
    let compute = expr.dtype && !BOOL_RESULT_OPS.has(op) ? expr.dtype : strongType(expr.args) ?? context;
    if (!isFloat(compute) && hasFraction(expr.args)) compute = floatTypeOf(compute);
    if (BOOL_RESULT_OPS.has(op)) {
      // Ordering of booleans compares them as 0/1 integers.
      if (compute === "bool") compute = "int32";
      const args = expr.args.map((arg) => check(arg, compute));
      return { expr, compute, result: expr.dtype ?? "bool", args };
    }
    if (!isFloat(compute) && !INTEGER_OPS.has(op)) compute = floatTypeOf(compute);
    if (compute === "bool") {
      throw new UnsupportedKernelError(`${op} on bool values is not compiled (cast them first)`);
    }
    if (expr.dtype && expr.dtype !== compute) {
      throw new UnsupportedKernelError(
        `${op} with dtype ${expr.dtype} on ${compute} arguments is not compiled`,
      );
    }
    return { expr, compute, result: compute, args: expr.args.map((arg) => check(arg, compute)) };
  };
  return check(kernel.expr, kernel.outDtype);
}

/** Every dtype that appears in a typed tree (to choose the vector width). */
export function dtypesIn(root: TypedNode, kernel: ElementwiseKernel): Set<DType> {
  const seen = new Set<DType>([kernel.outDtype, ...kernel.inputDtypes]);
  const visit = (node: TypedNode) => {
    seen.add(node.compute);
    seen.add(node.result);
    node.args.forEach(visit);
  };
  visit(root);
  return seen;
}
