/**
 * Element types, NumPy-style promotion, and the library-wide configuration.
 * @module
 */

/** The element types an array or a term can have. */
export type DType = "float32" | "float64" | "int32" | "bool";

/** The floating-point element types. */
export type FloatDType = "float32" | "float64";

/** Every dtype, in promotion order (a later entry wins over an earlier one). */
export const DTYPES: readonly DType[] = ["bool", "int32", "float32", "float64"];

/** The typed array that stores each dtype (`bool` is stored as 0/1 bytes). */
export type TypedArrayFor<D extends DType> = D extends "float32" ? Float32Array
  : D extends "float64" ? Float64Array
  : D extends "int32" ? Int32Array
  : Uint8Array;

/** Any typed array used to store array data. */
export type DataArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * Library-wide settings, in the spirit of Theano's `theano.config`.
 *
 * @example
 * ```ts
 * import { config } from "./dtype.ts";
 * config.floatX; // "float32" unless changed
 * ```
 */
export const config: { floatX: FloatDType } = { floatX: "float32" };

/** True for `float32` and `float64`. */
export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === "float32" || dtype === "float64";
}

/** Checks that a value names a dtype, for input coming from users. */
export function isDType(value: unknown): value is DType {
  return value === "float32" || value === "float64" || value === "int32" || value === "bool";
}

/**
 * NumPy's promotion of two dtypes (`int32` with `float32` gives `float64` in NumPy; we follow
 * Theano/JAX and give `float32`, so float32 graphs stay float32 when integer data is mixed in).
 */
export function promoteTypes(a: DType, b: DType): DType {
  return DTYPES.indexOf(a) >= DTYPES.indexOf(b) ? a : b;
}

/** The float dtype an op on `dtype` computes in (integers and booleans compute in `config.floatX`). */
export function floatTypeOf(dtype: DType): FloatDType {
  return isFloat(dtype) ? dtype : config.floatX;
}

/** A new zero-filled typed array of `size` elements for `dtype`. */
export function allocate(dtype: DType, size: number): DataArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(size);
    case "float64":
      return new Float64Array(size);
    case "int32":
      return new Int32Array(size);
    case "bool":
      return new Uint8Array(size);
  }
}

/** The dtype whose storage a typed array is (`Uint8Array` is `bool`). */
export function dtypeOfData(data: DataArray): DType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int32Array) return "int32";
  return "bool";
}

/** Rounds a float64 value to what storing it as `dtype` gives. */
export function roundTo(dtype: DType, value: number): number {
  switch (dtype) {
    case "float64":
      return value;
    case "float32":
      return Math.fround(value);
    case "int32":
      return value | 0;
    case "bool":
      return value !== 0 ? 1 : 0; // NaN is true, as in NumPy
  }
}
