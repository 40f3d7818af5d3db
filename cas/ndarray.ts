/**
 * `NDArray`: a concrete array of numbers (shape, dtype and a row-major typed array), the values that go in and
 * come out of compiled functions, with NumPy-like construction and printing.
 * @module
 */

import {
  allocate,
  config,
  type DataArray,
  type DType,
  dtypeOfData,
  type FloatDType,
  isDType,
} from "./dtype.ts";
import { formatShape, ShapeError, sizeOf, stridesOf } from "./shape.ts";

/**
 * Plain nested arrays of numbers or booleans, as `toArray()` returns them and `array()` accepts them.
 *
 * @example
 * ```ts
 * import type { NestedArray } from "./ndarray.ts";
 * const rows: NestedArray = [[1, 2], [3, 4]];
 * ```
 */
export type NestedArray = number | boolean | readonly NestedArray[];

/**
 * A concrete n-dimensional array: `shape`, `dtype`, and `data`, a contiguous row-major typed array
 * (`bool` is stored as a `Uint8Array` of 0 and 1).
 *
 * The constructor wraps `data` without copying; `array()` is the friendlier way to make one.
 *
 * @example
 * ```ts
 * import { NDArray } from "./ndarray.ts";
 * const a = new NDArray(new Float32Array([1, 2, 3, 4]), [2, 2]);
 * a.shape; // [2, 2]
 * a.dtype; // "float32"
 * String(a); // "[[1. 2.]\n [3. 4.]]"
 * ```
 */
export class NDArray {
  /** The size of each axis (frozen). */
  readonly shape: readonly number[];
  /** The element type, given by the kind of typed array in `data`. */
  readonly dtype: DType;
  /** The elements in row-major order. */
  readonly data: DataArray;

  /**
   * Wraps `data` (not copied) as an array of `shape`; `shape` defaults to `[data.length]`.
   * Throws if `shape` has a size that is not a non-negative integer or does not hold `data.length` elements.
   */
  constructor(data: DataArray, shape: readonly number[] = [data.length]) {
    if (!isDataArray(data)) {
      throw new TypeError(
        `NDArray: data must be a Float32Array, Float64Array, Int32Array or Uint8Array, got ${
          describe(data)
        }` +
          " (use array() for plain arrays)",
      );
    }
    checkShape("NDArray", shape);
    if (sizeOf(shape) !== data.length) {
      throw new ShapeError(
        `NDArray: shape ${formatShape(shape)} holds ${sizeOf(shape)} elements but data has ${data.length}`,
      );
    }
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOfData(data);
    this.data = data;
  }

  /** The number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** The number of axes (0 for a scalar). */
  get ndim(): number {
    return this.shape.length;
  }

  /**
   * The elements as nested plain arrays; a 0-d array gives its plain value. `bool` elements become booleans.
   *
   * @example
   * ```ts
   * import { array } from "./ndarray.ts";
   * array([[1, 2], [3, 4]]).toArray(); // [[1, 2], [3, 4]]
   * array(true).toArray(); // true
   * ```
   */
  toArray(): NestedArray {
    const { data, shape } = this;
    const isBool = this.dtype === "bool";
    const strides = stridesOf(shape);
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === shape.length) return isBool ? data[offset] !== 0 : data[offset];
      const out: NestedArray[] = new Array(shape[axis]);
      for (let i = 0; i < shape[axis]; i++) out[i] = build(axis + 1, offset + i * strides[axis]);
      return out;
    };
    return build(0, 0);
  }

  /**
   * The single element of a one-element array, as a number (`bool` gives 0 or 1).
   *
   * @example
   * ```ts
   * import { array } from "./ndarray.ts";
   * array([[2.5]]).item(); // 2.5
   * ```
   */
  item(): number {
    if (this.size !== 1) {
      throw new ShapeError(
        `item(): only one-element arrays convert to a number; this one has shape ${formatShape(this.shape)}`,
      );
    }
    return this.data[0];
  }

  /**
   * The element at an index, one integer per axis; negative integers count from the end.
   *
   * @example
   * ```ts
   * import { array } from "./ndarray.ts";
   * array([[1, 2], [3, 4]]).get(1, -1); // 4
   * ```
   */
  get(...indices: number[]): number {
    if (indices.length !== this.ndim) {
      throw new ShapeError(
        `get(): ${indices.length} indices given for an array of shape ${formatShape(this.shape)}` +
          ` (one per axis needed)`,
      );
    }
    let offset = 0;
    const strides = stridesOf(this.shape);
    indices.forEach((index, axis) => {
      const n = this.shape[axis];
      if (!Number.isInteger(index) || index < -n || index >= n) {
        throw new RangeError(
          `get(): index ${index} is out of range for axis ${axis} of size ${n} (shape ${
            formatShape(this.shape)
          })`,
        );
      }
      offset += (index < 0 ? index + n : index) * strides[axis];
    });
    return this.data[offset];
  }

  /**
   * A copy converted to `dtype`: floats to `int32` truncate toward zero (values outside the int32 range or not
   * finite are an error), anything to `bool` is `value !== 0` (so NaN is true, as in NumPy).
   *
   * @example
   * ```ts
   * import { array } from "./ndarray.ts";
   * array([1.7, -1.7]).astype("int32").toArray(); // [1, -1]
   * ```
   */
  astype(dtype: DType): NDArray {
    return new NDArray(convertData(this.data, dtype, "astype()"), this.shape);
  }

  /**
   * The same elements seen with another shape of the same size; one size may be `-1` (inferred).
   * The result shares `data` with this array, like a NumPy view.
   *
   * @example
   * ```ts
   * import { arange } from "./ndarray.ts";
   * arange(6).reshape([2, -1]).shape; // [2, 3]
   * ```
   */
  reshape(shape: number | readonly number[]): NDArray {
    const wanted = typeof shape === "number" ? [shape] : [...shape];
    const fail = (why: string) =>
      new ShapeError(
        `reshape(): cannot reshape an array of shape ${formatShape(this.shape)} (size ${this.size}) into ` +
          `${formatShape(wanted)}: ${why}`,
      );
    const inferred = wanted.flatMap((d, i) => (d === -1 ? [i] : []));
    if (inferred.length > 1) throw fail("only one size can be -1");
    wanted.forEach((d) => {
      if (d !== -1 && !(Number.isInteger(d) && d >= 0)) throw fail(`size ${d} is not a non-negative integer`);
    });
    if (inferred.length === 1) {
      const known = sizeOf(wanted.filter((d) => d !== -1));
      if (known === 0 || this.size % known !== 0) throw fail(`the -1 size cannot be inferred`);
      wanted[inferred[0]] = this.size / known;
    }
    if (sizeOf(wanted) !== this.size) throw fail(`sizes differ`);
    return new NDArray(this.data, wanted);
  }

  /**
   * True when `other` has the same shape, dtype and elements (NaN equals NaN here, so a copy equals its original).
   *
   * @example
   * ```ts
   * import { array } from "./ndarray.ts";
   * array([1, 2]).equals(array([1, 2])); // true
   * ```
   */
  equals(other: NDArray): boolean {
    if (this.dtype !== other.dtype || this.shape.length !== other.shape.length) return false;
    if (!this.shape.every((d, i) => d === other.shape[i])) return false;
    for (let i = 0; i < this.data.length; i++) {
      const a = this.data[i], b = other.data[i];
      if (a !== b && !(a !== a && b !== b)) return false;
    }
    return true;
  }

  /**
   * NumPy's `str()` of the array: aligned columns, 8 significant decimals at most for floats, lines wrapped at
   * 75 characters, and arrays over 1000 elements summarised with `...` around 3 edge items per axis.
   *
   * @example
   * ```ts
   * import { array } from "./ndarray.ts";
   * array([[1, 2.5], [3, 4]]).toString(); // "[[1.  2.5]\n [3.  4. ]]"
   * array([1, 2, 3], { dtype: "int32" }).toString(); // "[1 2 3]"
   * ```
   */
  toString(): string {
    return formatArray(this);
  }

  /** Deno's `console.log` shows the array as `toString()` does. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}

/** Options for `array()`. */
export interface ArrayOptions {
  /** The element type; by default `bool` for booleans, the typed array's own dtype, else `config.floatX`. */
  dtype?: DType;
  /** The shape to give the (row-major) elements; by default the nested structure's, or `[length]`. */
  shape?: readonly number[];
}

/**
 * Makes an array (always a fresh copy) from a number or boolean (0-d), nested plain arrays (shape inferred),
 * a typed array (with `options.shape`, default `[length]`), or another `NDArray`.
 *
 * The dtype defaults to `config.floatX` for numbers, `bool` when every element is a boolean, and the typed
 * array's own dtype for a typed array (a `Uint8Array` is `bool`: nonzero bytes become true). Values are rounded
 * to the dtype: float32 to nearest, int32 truncates toward zero (out-of-range values are an error), bool is
 * `value !== 0`.
 *
 * @example
 * ```ts
 * import { array } from "./ndarray.ts";
 * array([[1, 2], [3, 4]]).shape; // [2, 2]
 * array(3).shape; // []
 * array([true, false]).dtype; // "bool"
 * array(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] }).dtype; // "float64"
 * array([1.9, -2.9], { dtype: "int32" }).toArray(); // [1, -2]
 * ```
 */
export function array(
  data: NestedArray | DataArray | NDArray,
  options: ArrayOptions = {},
): NDArray {
  if (options.dtype !== undefined && !isDType(options.dtype)) {
    throw new TypeError(`array(): unknown dtype ${JSON.stringify(options.dtype)}`);
  }
  let values: ArrayLike<number>, shape: readonly number[], dtype: DType;
  if (data instanceof NDArray) {
    values = data.data;
    shape = data.shape;
    dtype = options.dtype ?? data.dtype;
  } else if (isDataArray(data)) {
    values = data;
    shape = [data.length];
    dtype = options.dtype ?? dtypeOfData(data);
  } else {
    const nested = flattenNested(data);
    values = nested.values;
    shape = nested.shape;
    dtype = options.dtype ?? (nested.allBoolean ? "bool" : config.floatX);
  }
  if (options.shape !== undefined) {
    checkShape("array()", options.shape);
    if (sizeOf(options.shape) !== values.length) {
      throw new ShapeError(
        `array(): shape ${formatShape(options.shape)} holds ${sizeOf(options.shape)} elements ` +
          `but the data has ${values.length}`,
      );
    }
    shape = options.shape;
  }
  return new NDArray(convertData(values, dtype, "array()"), shape);
}

/**
 * An array of zeros.
 *
 * @example
 * ```ts
 * import { zeros } from "./ndarray.ts";
 * zeros([2, 3]).toArray(); // [[0, 0, 0], [0, 0, 0]]
 * ```
 */
export function zeros(shape: number | readonly number[], dtype: DType = config.floatX): NDArray {
  const dims = shapeArgument("zeros()", shape);
  return new NDArray(allocate(dtype, sizeOf(dims)), dims);
}

/**
 * An array of ones.
 *
 * @example
 * ```ts
 * import { ones } from "./ndarray.ts";
 * ones(3, "int32").toArray(); // [1, 1, 1]
 * ```
 */
export function ones(shape: number | readonly number[], dtype: DType = config.floatX): NDArray {
  return full(shape, 1, dtype);
}

/**
 * An array with every element `value` (a boolean `value` makes a `bool` array unless `dtype` says otherwise).
 *
 * @example
 * ```ts
 * import { full } from "./ndarray.ts";
 * full([2], 7).toArray(); // [7, 7]
 * ```
 */
export function full(shape: number | readonly number[], value: number | boolean, dtype?: DType): NDArray {
  const dims = shapeArgument("full()", shape);
  const type = dtype ?? (typeof value === "boolean" ? "bool" : config.floatX);
  const data = allocate(type, sizeOf(dims));
  data.fill(convertData([Number(value)], type, "full()")[0]);
  return new NDArray(data, dims);
}

/**
 * Evenly spaced values in `[start, stop)` with `step` (`arange(n)` is `0 … n-1`), like NumPy's `arange` but
 * `config.floatX` by default.
 *
 * @example
 * ```ts
 * import { arange } from "./ndarray.ts";
 * arange(4).toArray(); // [0, 1, 2, 3]
 * arange(1, 2, 0.25, "float64").toArray(); // [1, 1.25, 1.5, 1.75]
 * ```
 */
export function arange(start: number, stop?: number, step = 1, dtype: DType = config.floatX): NDArray {
  if (stop === undefined) [start, stop] = [0, start];
  if (![start, stop, step].every(Number.isFinite) || step === 0) {
    throw new RangeError(
      `arange(): start ${start}, stop ${stop} and step ${step} must be finite, step nonzero`,
    );
  }
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return new NDArray(convertData(values, dtype, "arange()"), [n]);
}

/**
 * `num` evenly spaced values from `start` to `stop`, both included.
 *
 * @example
 * ```ts
 * import { linspace } from "./ndarray.ts";
 * linspace(0, 1, 5).toArray(); // [0, 0.25, 0.5, 0.75, 1]
 * ```
 */
export function linspace(start: number, stop: number, num: number, dtype: DType = config.floatX): NDArray {
  if (!Number.isInteger(num) || num < 0) {
    throw new RangeError(`linspace(): num ${num} must be an integer >= 0`);
  }
  const values = new Float64Array(num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) values[i] = start + i * step;
  if (num > 1) values[num - 1] = stop; // the exact end point, whatever the rounding of the steps
  return new NDArray(convertData(values, dtype, "linspace()"), [num]);
}

/**
 * The `n`×`n` identity matrix.
 *
 * @example
 * ```ts
 * import { eye } from "./ndarray.ts";
 * eye(2).toArray(); // [[1, 0], [0, 1]]
 * ```
 */
export function eye(n: number, dtype: DType = config.floatX): NDArray {
  const dims = shapeArgument("eye()", [n, n]);
  const data = allocate(dtype, n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return new NDArray(data, dims);
}

// ---------------------------------------------------------------------------------------------------------------
// Construction helpers

function isDataArray(x: unknown): x is DataArray {
  return x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array ||
    x instanceof Uint8Array;
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return typeof x;
}

function checkShape(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape)) {
    throw new TypeError(`${op}: shape must be an array of sizes, got ${describe(shape)}`);
  }
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new ShapeError(
        `${op}: shape ${formatShape(shape)} has size ${d}; sizes must be non-negative integers`,
      );
    }
  }
}

function shapeArgument(op: string, shape: number | readonly number[]): number[] {
  const dims = typeof shape === "number" ? [shape] : [...shape];
  checkShape(op, dims);
  return dims;
}

/** Copies `values` into a new typed array of `dtype`, rounding each value as storing it as `dtype` does. */
function convertData(values: ArrayLike<number>, dtype: DType, op: string): DataArray {
  switch (dtype) {
    // an array of the same type is copied as one block (`slice`), about twice as fast as `from` for 100k floats
    case "float32":
      return values instanceof Float32Array ? values.slice() : Float32Array.from(values);
    case "float64":
      return values instanceof Float64Array ? values.slice() : Float64Array.from(values);
    case "int32": {
      const out = new Int32Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = Math.trunc(values[i]);
        // Int32Array would wrap 2**31 to -2**31 and store NaN as 0: silent corruption, so refuse instead.
        if (!(v >= -2147483648 && v <= 2147483647)) {
          throw new RangeError(`${op}: value ${values[i]} at flat index ${i} cannot be stored as int32`);
        }
        out[i] = v;
      }
      return out;
    }
    case "bool": {
      const out = new Uint8Array(values.length);
      for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
      return out;
    }
  }
}

function isSequence(x: unknown): x is ArrayLike<unknown> {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
}

/** Flattens nested arrays row-major; the shape comes from the first element at each depth. */
function flattenNested(data: unknown): { values: number[]; shape: number[]; allBoolean: boolean } {
  const shape: number[] = [];
  for (let x = data; isSequence(x); x = x[0]) {
    shape.push(x.length);
    if (x.length === 0) break;
  }
  const values: number[] = [];
  let allBoolean = true;
  const firstAt = (depth: number) => "data" + "[0]".repeat(depth);
  const walk = (x: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof x === "number") allBoolean = false;
      else if (typeof x !== "boolean") {
        const what = isSequence(x) ? `an array, but ${firstAt(depth)} is not` : describe(x);
        throw new TypeError(`array(): ragged or invalid nested array: ${path} is ${what}`);
      }
      values.push(Number(x));
      return;
    }
    if (!isSequence(x)) {
      throw new TypeError(
        `array(): ragged nested array: ${path} is ${describe(x)}, but ${firstAt(depth)} is an array ` +
          `of length ${shape[depth]}`,
      );
    }
    if (x.length !== shape[depth]) {
      throw new ShapeError(
        `array(): ragged nested array: ${path} has length ${x.length}, but ${firstAt(depth)} has length ` +
          `${shape[depth]}`,
      );
    }
    for (let i = 0; i < x.length; i++) walk(x[i], depth + 1, `${path}[${i}]`);
  };
  walk(data, 0, "data");
  return { values, shape, allBoolean: allBoolean && values.length > 0 };
}

// ---------------------------------------------------------------------------------------------------------------
// Printing, following NumPy's array2string defaults (precision 8, threshold 1000, edgeitems 3, linewidth 75)

const PRECISION = 8;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 75;

function formatArray(a: NDArray): string {
  if (a.ndim === 0) return formatScalar(a.data[0], a.dtype);
  if (a.size === 0) return "[]";
  const summarize = a.size > THRESHOLD;
  const strides = stridesOf(a.shape);
  // The indices shown along an axis; null marks the "..." of a summarised axis.
  const shown = (axis: number): (number | null)[] => {
    const n = a.shape[axis];
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    if (!summarize || n <= 2 * EDGE_ITEMS) return range(0, n);
    return [...range(0, EDGE_ITEMS), null, ...range(n - EDGE_ITEMS, n)];
  };
  // Column widths come from the elements actually printed, as in NumPy.
  const visible: number[] = [];
  const collect = (axis: number, offset: number): void => {
    if (axis === a.ndim) visible.push(a.data[offset]);
    else for (const i of shown(axis)) if (i !== null) collect(axis + 1, offset + i * strides[axis]);
  };
  collect(0, 0);
  const format = elementFormatter(visible, a.dtype);

  const render = (axis: number, offset: number, indent: string, width: number): string => {
    if (axis === a.ndim) return format(a.data[offset]);
    const items = shown(axis).map((i) =>
      i === null ? "..." : render(axis + 1, offset + i * strides[axis], indent + " ", width - 1)
    );
    let s: string;
    if (axis === a.ndim - 1) {
      // Fill lines with elements, wrapping before one would reach the closing bracket's column.
      s = "";
      let line = indent;
      items.forEach((word, k) => {
        if (line.length + word.length > width - 1 && line.length > indent.length) {
          s += line.trimEnd() + "\n";
          line = indent;
        }
        line += word + (k < items.length - 1 ? " " : "");
      });
      s += line;
    } else {
      s = items.map((item) => indent + item).join("\n".repeat(a.ndim - axis - 1));
    }
    return "[" + s.slice(indent.length) + "]";
  };
  return render(0, 0, " ", LINE_WIDTH);
}

function elementFormatter(values: readonly number[], dtype: DType): (x: number) => string {
  if (dtype === "bool") {
    return (x) => (x ? " True" : "False"); // NumPy pads True even in an all-true array
  }
  if (dtype === "int32") {
    const width = maxOf(values.map((v) => String(v).length));
    return (x) => String(x).padStart(width);
  }
  return floatFormatter(values, dtype);
}

/** A float's decimal digits: `|x| = d0.d1d2… × 10^exponent`, no trailing zeros ("0" for zero). */
interface Digits {
  digits: string;
  exponent: number;
}

const ZERO: Digits = { digits: "0", exponent: 0 };

function floatFormatter(values: readonly number[], dtype: FloatDType): (x: number) => string {
  const finite = values.filter(Number.isFinite);
  const nonzero = finite.filter((v) => v !== 0).map(Math.abs);
  // NumPy compares in the array's own dtype (NEP 50), which matters for float32 values near 1e-4 and ratio 1000.
  const cast = dtype === "float32" ? Math.fround : (v: number) => v;
  let scientific = false;
  if (nonzero.length > 0) {
    const max = maxOf(nonzero), min = -maxOf(nonzero.map((v) => -v));
    // Since NumPy 2.3 the upper cutoff follows the dtype's precision: 1e6 for float32, 1e8 for float64.
    scientific = max >= (dtype === "float32" ? 1e6 : 1e8) || min < cast(1e-4) || cast(max / min) > 1000;
  }
  const sign = (v: number) => (v < 0 || Object.is(v, -0) ? "-" : "");
  let padLeft = 0, padRight = 0;
  let body: (v: number) => string;
  if (finite.length === 0) {
    body = () => "";
  } else if (scientific) {
    const parts = finite.map((v) => roundSignificant(v, PRECISION + 1, dtype));
    const fracDigits = maxOf(parts.map((p) => p.digits.length - 1));
    const expDigits = Math.max(2, maxOf(parts.map((p) => String(Math.abs(p.exponent)).length)));
    padLeft = maxOf(finite.map((v) => sign(v).length + 1));
    padRight = expDigits + 2 + fracDigits;
    body = (v) => {
      // Every value gets the same number of digits; NumPy's Dragon4 fills them with the exact value's digits
      // (not zeros), which shows for float32 (0.3 -> 3.0000001e-01) and subnormals.
      const p = v === 0 ? ZERO : roundExact(Math.abs(v), fracDigits + 1);
      const exp = (p.exponent < 0 ? "-" : "+") + String(Math.abs(p.exponent)).padStart(expDigits, "0");
      return (sign(v) + p.digits[0]).padStart(padLeft) + "." + p.digits.slice(1).padEnd(fracDigits, "0") +
        "e" +
        exp;
    };
  } else {
    const positional = (v: number) => {
      const [int, frac] = positionalParts(roundFractional(v, PRECISION, dtype));
      return [sign(v) + int, frac];
    };
    const parts = finite.map(positional);
    padLeft = maxOf(parts.map(([int]) => int.length));
    padRight = maxOf(parts.map(([, frac]) => frac.length));
    body = (v) => {
      const [int, frac] = positional(v);
      return int.padStart(padLeft) + "." + frac.padEnd(padRight);
    };
  }
  if (finite.length < values.length) {
    const negInf = values.some((v) => v === -Infinity) ? 1 : 0;
    padLeft = Math.max(padLeft, 3 - (padRight + 1), 3 + negInf - (padRight + 1));
  }
  const width = padLeft + padRight + 1;
  return (v) => (Number.isFinite(v) ? body(v) : nonFinite(v).padStart(width));
}

/** The largest of many numbers (spreading a summarised high-rank array's elements into Math.max could overflow). */
function maxOf(xs: readonly number[]): number {
  let max = -Infinity;
  for (const x of xs) if (x > max) max = x;
  return max;
}

function nonFinite(v: number): string {
  return v !== v ? "nan" : v > 0 ? "inf" : "-inf";
}

/** NumPy's `str()` of a scalar: the shortest round-trip digits, scientific outside [1e-4, 1e16) (1e6 for f32). */
function formatScalar(v: number, dtype: DType): string {
  if (dtype === "bool") return v ? "True" : "False";
  if (dtype === "int32") return String(v);
  if (!Number.isFinite(v)) return nonFinite(v);
  const sign = v < 0 || Object.is(v, -0) ? "-" : "";
  const abs = Math.abs(v);
  const p = abs === 0 ? ZERO : shortestDigits(abs, dtype);
  const upper = dtype === "float32" ? 1e6 : 1e16;
  if (abs === 0 || (abs >= 1e-4 && abs < upper)) {
    const [int, frac] = positionalParts(p);
    return `${sign}${int}.${frac || "0"}`;
  }
  const mantissa = p.digits.length > 1 ? `${p.digits[0]}.${p.digits.slice(1)}` : p.digits;
  const exp = String(Math.abs(p.exponent)).padStart(2, "0");
  return `${sign}${mantissa}e${p.exponent < 0 ? "-" : "+"}${exp}`;
}

function positionalParts(p: Digits): [string, string] {
  if (p.exponent >= 0) {
    return [p.digits.slice(0, p.exponent + 1).padEnd(p.exponent + 1, "0"), p.digits.slice(p.exponent + 1)];
  }
  return ["0", "0".repeat(-p.exponent - 1) + p.digits];
}

/** The shortest digits of |v| that read back as the same `dtype` value, cut to `fractional` decimals. */
function roundFractional(v: number, fractional: number, dtype: FloatDType): Digits {
  const abs = Math.abs(v);
  if (abs === 0) return ZERO;
  const p = shortestDigits(abs, dtype);
  return roundDigits(p, p.exponent + 1 + fractional, abs);
}

/** The shortest digits of |v| that read back as the same `dtype` value, cut to `significant` digits. */
function roundSignificant(v: number, significant: number, dtype: FloatDType): Digits {
  const abs = Math.abs(v);
  if (abs === 0) return ZERO;
  return roundDigits(shortestDigits(abs, dtype), significant, abs);
}

function shortestDigits(abs: number, dtype: FloatDType): Digits {
  if (dtype === "float64") return parseDecimal(String(abs)); // JS gives the shortest round-trip digits, ties to even
  // The fewest digits that read back as the same float32 (9 always suffice), rounding the exact value ties to even
  // as NumPy's Dragon4 does (toExponential would round 373.328125 up to 373.32813 instead of 373.32812).
  const exact = exactDigits(abs);
  for (let n = 1; n < 9; n++) {
    const p = roundExactDigits(exact, n);
    if (Math.fround(Number(`${p.digits[0]}.${p.digits.slice(1)}e${p.exponent}`)) === abs) return p;
  }
  return roundExactDigits(exact, 9);
}

/** Parses JS's decimal rendering of a positive number ("0.00123", "1.5e+21", "1e-7"). */
function parseDecimal(s: string): Digits {
  const [mantissa, exp = "0"] = s.split("e");
  const [int, frac = ""] = mantissa.split(".");
  const all = int + frac;
  const lead = all.search(/[1-9]/);
  if (lead < 0) return ZERO;
  return { digits: all.slice(lead).replace(/0+$/, ""), exponent: Number(exp) + int.length - 1 - lead };
}

/**
 * `p` if it has at most `significant` digits, else the exact value `abs` rounded to that many digits, ties to
 * even (NumPy's Dragon4 rounds the exact binary value; JS's toFixed would round ties up).
 */
function roundDigits(p: Digits, significant: number, abs: number): Digits {
  return p.digits.length <= significant ? p : roundExact(abs, significant);
}

/** The exact value of `abs` rounded to `significant` digits, ties to even. */
function roundExact(abs: number, significant: number): Digits {
  return roundExactDigits(exactDigits(abs), significant);
}

function roundExactDigits(exact: Digits, significant: number): Digits {
  if (significant <= 0) {
    const up = significant === 0 &&
      (exact.digits[0] > "5" || (exact.digits[0] === "5" && exact.digits.length > 1));
    return up ? { digits: "1", exponent: exact.exponent + 1 } : ZERO;
  }
  if (exact.digits.length <= significant) return exact;
  const kept = exact.digits.slice(0, significant);
  const next = exact.digits[significant];
  const tail = exact.digits.slice(significant + 1);
  const odd = Number(kept[kept.length - 1]) % 2 === 1;
  const up = next > "5" || (next === "5" && (tail.length > 0 || odd));
  if (!up) return { digits: kept.replace(/0+$/, "") || "0", exponent: exact.exponent };
  const bumped = (BigInt(kept) + 1n).toString();
  const carried = bumped.length > kept.length;
  return {
    digits: bumped.slice(0, significant).replace(/0+$/, "") || "0",
    exponent: exact.exponent + (carried ? 1 : 0),
  };
}

/** The exact decimal expansion of a positive finite float64 (every binary fraction is a finite decimal). */
function exactDigits(abs: number): Digits {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, abs);
  const high = view.getUint32(0), low = view.getUint32(4);
  const biased = (high >>> 20) & 0x7ff;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  let exp2 = -1074;
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    exp2 = biased - 1075;
  }
  // abs = mantissa * 2^exp2 = (mantissa * 5^-exp2) * 10^exp2 when exp2 < 0
  const n = exp2 >= 0 ? mantissa << BigInt(exp2) : mantissa * 5n ** BigInt(-exp2);
  const s = n.toString();
  return { digits: s.replace(/0+$/, "") || "0", exponent: s.length - 1 + Math.min(exp2, 0) };
}
