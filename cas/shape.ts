/**
 * Static shapes (sizes known when a term is built, `null` where known only at call time) and NumPy broadcasting.
 *
 * Broadcasting follows Theano's static rule: a dimension broadcasts only where its static size is 1 (or it is
 * missing). A `null` size must match the other operand at call time; a size-1 array given for a `null` dimension
 * is not silently broadcast. This keeps gradients exact: the axes a gradient sums over are known when it is built.
 * @module
 */

/** A static shape: each entry a size, or `null` for a size known only at call time. */
export type Shape = readonly (number | null)[];

/** A shape whose sizes are all known (the shape of an actual array). */
export type ConcreteShape = readonly number[];

/** An error about shapes or dtypes that names the op and what it expected. */
export class ShapeError extends Error {
  /** Creates the error; the message should name the op, the shapes and what was expected. */
  constructor(message: string) {
    super(message);
    this.name = "ShapeError";
  }
}

/** Formats a shape the way NumPy prints it, with `?` for unknown sizes: `[2,?,3]`. */
export function formatShape(shape: Shape): string {
  return `[${shape.map((d) => (d === null ? "?" : String(d))).join(",")}]`;
}

/** The number of elements of a concrete shape (1 for a scalar). */
export function sizeOf(shape: ConcreteShape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** True when two static shapes are the same, `null` matching only `null`. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Row-major strides (in elements) of a concrete shape. */
export function stridesOf(shape: ConcreteShape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * The broadcast shape of several static shapes, or a `ShapeError` naming `op`, the shapes and the axis at fault.
 *
 * @example
 * ```ts
 * import { broadcastShapes } from "./shape.ts";
 * broadcastShapes("add", [[2, 3], [3]]); // [2, 3]
 * ```
 */
export function broadcastShapes(op: string, shapes: readonly Shape[]): (number | null)[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: (number | null)[] = [];
  for (let axis = 0; axis < rank; axis++) {
    let size: number | null | undefined = undefined; // undefined: only broadcastable sizes seen so far
    for (const s of shapes) {
      const d = s[axis - (rank - s.length)];
      if (d === undefined || d === 1) continue;
      if (size === undefined) size = d;
      else if (size === null) size = d; // a known size refines an unknown one; the call-time check enforces it
      else if (d !== null && d !== size) {
        throw new ShapeError(
          `${op}: cannot broadcast shapes ${shapes.map(formatShape).join(" and ")}: ` +
            `sizes ${size} and ${d} differ at axis ${axis} of the result`,
        );
      }
    }
    out.push(size === undefined ? 1 : size);
  }
  return out;
}

/** Normalizes a possibly negative axis against `rank`, or throws naming `op`. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ShapeError(`${op}: axis ${axis} is out of range for an array of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}
