/**
 * Call-time shapes: the concrete shape of every term of a program, given the shapes of the inputs, with the same
 * checks (and error messages) as the reference evaluator: Theano's static broadcasting rule, index ranges, …
 * @module
 */
import type { NDArray } from "../../cas/ndarray.ts";
import { formatShape, ShapeError, sizeOf } from "../../cas/shape.ts";
import { runtimeBroadcast } from "../../cas/ops/_broadcast.ts";
import { matmulShape } from "../../cas/ops/linalg.ts";
import { reducedShape } from "../../cas/ops/reduce.ts";
import { resolveReshape, sliceIndices } from "../../cas/ops/structure.ts";
import type { OpAttrs } from "../../cas/ops/types.ts";
import type { Term } from "../../cas/term.ts";
import { isElementwise } from "./fusion.ts";

/** Concrete shapes by term. */
export type ShapeMap = ReadonlyMap<Term, readonly number[]>;

/**
 * The shape of every term in `terms` (children first), with `leafShape` giving those of `var` leaves.
 * Throws a `ShapeError` naming the op when the call's shapes do not fit the graph.
 */
export function concreteShapes(terms: readonly Term[], leafShape: (t: Term) => readonly number[]): ShapeMap {
  const shapes = new Map<Term, readonly number[]>();
  const of = (t: Term) => shapes.get(t)!;
  for (const t of terms) shapes.set(t, shapeOf(t, t.args.map(of), leafShape));
  return shapes;
}

function shapeOf(
  t: Term,
  args: readonly (readonly number[])[],
  leafShape: (t: Term) => readonly number[],
): number[] {
  if (isElementwise(t.op)) {
    // runtimeBroadcast only reads `.shape`; it applies the static rule with the reference's messages.
    const arrays = args.map((shape) => ({ shape }) as unknown as NDArray);
    return runtimeBroadcast(t.op, arrays, t.args.map((a) => a.shape));
  }
  switch (t.op) {
    case "var":
      return [...leafShape(t)];
    case "shared":
      return t.shape as number[];
    case "const":
      return [...(t.attrs as OpAttrs["const"]).value.shape];
    case "sum":
    case "mean":
    case "max":
    case "min":
    case "prod":
    case "logsumexp": {
      const { axes, keepdims } = t.attrs as OpAttrs["sum"];
      if ((t.op === "max" || t.op === "min") && axes.some((a) => args[0][a] === 0)) {
        throw new ShapeError(
          `${t.op}: cannot reduce an empty axis of shape ${formatShape(args[0])} (no identity)`,
        );
      }
      return reducedShape(args[0], axes, keepdims) as number[];
    }
    case "count":
      return [];
    case "matmul":
      return matmulShape(args[0], args[1]) as number[];
    case "transpose":
      return (t.attrs as OpAttrs["transpose"]).perm.map((p) => args[0][p]);
    case "reshape":
      return resolveReshape((t.attrs as OpAttrs["reshape"]).shape, sizeOf(args[0]), args[0]);
    case "broadcastTo": {
      const target = args.length === 2 ? args[1] : (t.attrs as OpAttrs["broadcastTo"]).shape as number[];
      const x = args[0];
      const offset = target.length - x.length;
      if (offset < 0 || x.some((d, i) => d !== 1 && d !== target[i + offset])) {
        throw new ShapeError(
          `broadcastTo: cannot broadcast shape ${formatShape(x)} to ${formatShape(target)}`,
        );
      }
      return [...target];
    }
    case "index": {
      const { index } = t.attrs as OpAttrs["index"];
      const n = args[0][0];
      const i = index < 0 ? index + n : index;
      if (i < 0 || i >= n) throw new ShapeError(`index: ${index} is out of range for leading size ${n}`);
      return args[0].slice(1);
    }
    case "slice": {
      const { start, stop, step } = t.attrs as OpAttrs["slice"];
      return [sliceIndices(start, stop, step, args[0][0]).length, ...args[0].slice(1)];
    }
    case "concatenate": {
      const { axis } = t.attrs as OpAttrs["concatenate"];
      const out = [...args[0]];
      out[axis] = 0;
      for (const a of args) {
        if (a.length !== out.length || a.some((d, i) => i !== axis && d !== out[i])) {
          throw new ShapeError(
            `concatenate: shapes ${args.map(formatShape).join(", ")} differ off axis ${axis}`,
          );
        }
        out[axis] += a[axis];
      }
      return out;
    }
    case "softmax":
    case "logSoftmax":
    case "stopGradient":
      return [...args[0]];
    default:
      throw new TypeError(`WebGPU: no shape rule for op ${t.op}`);
  }
}
