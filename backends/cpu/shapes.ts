/**
 * Call-time shapes: every term's concrete shape from the input shapes, with the checks the static types could
 * not make (sizes that were unknown, Theano's rule that only static size-1 axes broadcast, `-1` in reshapes).
 * @module
 */
import { formatShape, ShapeError, sizeOf } from "../../cas/shape.ts";
import { runtimeBroadcast } from "../../cas/ops/_broadcast.ts";
import { rowOf } from "../../cas/ops/table.ts";
import type { OpAttrs } from "../../cas/ops/types.ts";
import { resolveReshape, sliceIndices } from "../../cas/ops/structure.ts";
import type { NDArray } from "../../cas/ndarray.ts";
import type { SharedVariable } from "../../cas/shared.ts";
import type { Term } from "../../cas/term.ts";
import { ELEMENTWISE } from "./plan.ts";

/** The shape of `t` given its arguments' concrete shapes (leaves are looked up in `leafShape`). */
function concreteShape(t: Term, args: readonly (readonly number[])[]): number[] {
  switch (t.op) {
    case "const":
      return [...(t.attrs as OpAttrs["const"]).value.shape];
    case "shared":
      return [...(t as SharedVariable).get().shape];
    case "reshape":
      return resolveReshape((t.attrs as OpAttrs["reshape"]).shape, sizeOf(args[0]), args[0]);
    case "broadcastTo": {
      const target = t.args.length === 2 ? args[1] : (t.attrs as OpAttrs["broadcastTo"]).shape as number[];
      const x = args[0];
      const lead = target.length - x.length;
      if (lead < 0 || x.some((d, i) => d !== 1 && d !== target[i + lead])) {
        throw new ShapeError(
          `broadcastTo: cannot broadcast shape ${formatShape(x)} to ${formatShape(target)}`,
        );
      }
      return [...target];
    }
    case "index": {
      const n = args[0][0];
      const i = (t.attrs as OpAttrs["index"]).index;
      if (i < -n || i >= n) throw new ShapeError(`index: ${i} is out of range for leading size ${n}`);
      return args[0].slice(1);
    }
    case "slice": {
      const { start, stop, step } = t.attrs as OpAttrs["slice"];
      return [sliceIndices(start, stop, step, args[0][0]).length, ...args[0].slice(1)];
    }
    case "max":
    case "min": {
      const { axes } = t.attrs as OpAttrs["max"];
      if (axes.some((a) => args[0][a] === 0)) {
        throw new ShapeError(
          `${t.op}: cannot reduce an empty axis of shape ${formatShape(args[0])} (no identity)`,
        );
      }
      break;
    }
  }
  if (ELEMENTWISE.has(t.op)) {
    // the reference's check: a size-1 axis broadcasts only where its static size said so
    const arrays = args.map((shape) => ({ shape })) as unknown as NDArray[];
    return runtimeBroadcast(t.op, arrays, t.args.map((a) => a.shape));
  }
  const types = t.args.map((a, i) => ({ dtype: a.dtype, shape: args[i] }));
  return rowOf(t.op).infer(types, t.attrs).shape as number[];
}

/**
 * Concrete shapes of every term of `order` (a topological order), inputs taking `inputShapes`.
 * Throws a `ShapeError` naming the op when the call-time sizes do not fit together.
 */
export function concreteShapes(
  order: readonly Term[],
  inputs: readonly Term[],
  inputShapes: readonly (readonly number[])[],
): Map<Term, readonly number[]> {
  const shapes = new Map<Term, readonly number[]>();
  inputs.forEach((v, i) => shapes.set(v, inputShapes[i]));
  for (const t of order) {
    if (shapes.has(t)) continue;
    const shape = concreteShape(t, t.args.map((a) => shapes.get(a)!));
    shapes.set(t, Object.freeze(shape));
  }
  return shapes;
}
