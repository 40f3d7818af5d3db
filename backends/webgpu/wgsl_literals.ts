/**
 * Numbers written into WGSL exactly. Generated shaders contain no user text, only op names, indices and numbers;
 * every number goes through here so that what the shader computes with is bit-for-bit the value the graph holds.
 * @module
 */
import type { DType } from "../../cas/dtype.ts";

const F32_EXACT_INTEGER = 2 ** 24;
const scratch = new DataView(new ArrayBuffer(4));

/** The IEEE-754 bits of `value` rounded to float32. */
export function f32Bits(value: number): number {
  scratch.setFloat32(0, value);
  return scratch.getUint32(0);
}

/**
 * A WGSL `f32` expression equal to `Math.fround(value)`: small integers as decimal literals (`3.0f`), everything
 * else (fractions, -0, huge values, ±∞, NaN) as `bitcast<f32>(0x…u)`, which is exact by construction.
 *
 * @example
 * ```ts
 * import { f32Literal } from "./wgsl_literals.ts";
 * f32Literal(2); // "2.0f"
 * f32Literal(0.1); // "bitcast<f32>(0x3dcccccdu)"
 * ```
 */
export function f32Literal(value: number): string {
  const v = Math.fround(value);
  if (Number.isInteger(v) && Math.abs(v) <= F32_EXACT_INTEGER && !Object.is(v, -0)) {
    return v < 0 ? `(${v}.0f)` : `${v}.0f`;
  }
  return `bitcast<f32>(0x${f32Bits(v).toString(16).padStart(8, "0")}u)`;
}

/** A WGSL `i32` expression for an int32 value (wrapped to 32 bits as `Int32Array` stores it). */
export function i32Literal(value: number): string {
  const v = value | 0;
  if (v === -0x80000000) return "bitcast<i32>(0x80000000u)"; // `-2147483648i` would negate an out-of-range literal
  return v < 0 ? `(${v}i)` : `${v}i`;
}

/** A WGSL `u32` literal for a non-negative integer below 2^32. */
export function u32Literal(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`u32Literal: ${value} is not a u32`);
  }
  return `${value}u`;
}

/** The WGSL literal of `value` computed in `dtype` (`bool` is `true`/`false`, as NumPy's `value != 0`). */
export function literalOf(value: number, dtype: DType): string {
  switch (dtype) {
    case "float32":
      return f32Literal(value);
    case "int32":
      return i32Literal(Number.isNaN(value) ? 0 : Math.trunc(value));
    case "bool":
      return value !== 0 ? "true" : "false";
    case "float64":
      throw new TypeError("WebGPU computes in float32: a float64 literal cannot be written into WGSL");
  }
}
