/**
 * Pieces every generated kernel shares: the uniform block that carries sizes, offsets and strides (so that one
 * pipeline serves every size), binding declarations, axis collapsing and flat-index decomposition.
 *
 * Binding convention of every kernel: 0 is the uniform block, 1 the output (read-write storage), 2… the inputs
 * (read-only storage), so a kernel's layout depends only on how many inputs it reads.
 * @module
 */
import type { DType } from "../../cas/dtype.ts";
import { stridesOf } from "../../cas/shape.ts";
import { storageType } from "./wgsl_ops.ts";

/** Invocations per workgroup of the 1-D kernels. */
export const WORKGROUP_SIZE = 256;
/** The largest workgroup count per dimension WebGPU guarantees. */
const MAX_GROUPS_PER_DIMENSION = 65535;

/** What a kernel generator returns: the shader, its uniform words, and how many workgroups to dispatch. */
export interface KernelLaunch {
  /** The WGSL source (the pipeline cache key: it depends on structure only, never on sizes). */
  readonly wgsl: string;
  /** The uniform block, as i32 words (a multiple of 4). */
  readonly uniforms: Int32Array;
  /** Workgroup counts `[x, y, z]`; a zero count means there is nothing to do. */
  readonly workgroups: readonly [number, number, number];
  /** How many input bindings the shader declares. */
  readonly inputCount: number;
}

/** Collects the i32 words of a uniform block and hands out the WGSL that reads each. */
export class UniformBlock {
  readonly #words: number[] = [];

  /** Appends `value` (an integer in i32 range) and returns the WGSL expression reading it. */
  push(value: number): string {
    if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
      throw new RangeError(
        `WebGPU: ${value} does not fit a 32-bit index (arrays are limited to 2^31 elements)`,
      );
    }
    const k = this.#words.length;
    this.#words.push(value);
    return `u.m[${k >> 2}].${"xyzw"[k & 3]}`;
  }

  /** The struct and binding declaration of the block. */
  declaration(): string {
    return `struct Meta { m: array<vec4<i32>, ${this.#vec4Count()}> }\n@group(0) @binding(0) var<uniform> u: Meta;`;
  }

  /** The words, padded to whole vec4s. */
  data(): Int32Array {
    const out = new Int32Array(this.#vec4Count() * 4);
    out.set(this.#words);
    return out;
  }

  #vec4Count(): number {
    return Math.max(1, Math.ceil(this.#words.length / 4));
  }
}

/** Declarations of the output binding (`out`) and the input bindings (`b0`, `b1`, …). */
export function bufferDeclarations(outDtype: DType, inputDtypes: readonly DType[]): string {
  const lines = [`@group(0) @binding(1) var<storage, read_write> out: array<${storageType(outDtype)}>;`];
  inputDtypes.forEach((d, i) => {
    lines.push(`@group(0) @binding(${i + 2}) var<storage, read> b${i}: array<${storageType(d)}>;`);
  });
  return lines.join("\n");
}

/** Workgroup counts for `groups` workgroups, folded into 2-D when they exceed one dimension's limit. */
export function gridFor(groups: number): [number, number, number] {
  if (groups === 0) return [0, 0, 0];
  const x = Math.min(groups, MAX_GROUPS_PER_DIMENSION);
  return [x, Math.ceil(groups / x), 1];
}

/** The builtins 1-D kernels take, and the linear index of the workgroup within a 2-D grid. */
export const ENTRY_PARAMETERS =
  "@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, " +
  "@builtin(local_invocation_index) lid: u32";
/** WGSL expression: the linear workgroup index (as i32). */
export const GROUP_INDEX = "i32(wid.y * nwg.x + wid.x)";

/** Axes after collapsing, with the strides of each walker (output, inputs) and each axis's group. */
export interface Collapsed {
  readonly shape: number[];
  readonly strides: number[][];
  readonly groups: number[];
}

/**
 * Drops size-1 axes and merges neighbouring axes of the same group that every stride list walks as one (stride of
 * the outer = stride of the inner × its size). A contiguous elementwise kernel becomes rank 1; a reduction over
 * trailing axes becomes one kept and one reduced axis.
 */
export function collapseAxes(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  groups: readonly number[] = shape.map(() => 0),
): Collapsed {
  const out: Collapsed = { shape: [], strides: strides.map(() => []), groups: [] };
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = out.shape.length - 1;
    const mergeable = last >= 0 && out.groups[last] === groups[d] &&
      strides.every((s, k) => out.strides[k][last] === s[d] * shape[d]);
    if (mergeable) {
      out.shape[last] *= shape[d];
      strides.forEach((s, k) => (out.strides[k][last] = s[d]));
    } else {
      out.shape.push(shape[d]);
      strides.forEach((s, k) => out.strides[k].push(s[d]));
      out.groups.push(groups[d]);
    }
  }
  return out;
}

/** How a kernel addresses one operand over its iteration axes. */
export type Addressing = "scalar" | "flat" | "strided";

/** `scalar` when every stride is 0, `flat` when the strides are row-major over `shape`, else `strided`. */
export function addressingOf(shape: readonly number[], strides: readonly number[]): Addressing {
  if (strides.every((s) => s === 0)) return "scalar";
  const rowMajor = stridesOf(shape);
  return strides.every((s, i) => s === rowMajor[i]) ? "flat" : "strided";
}

/**
 * WGSL statements that split the flat index `flat` into `names` over the axis sizes `sizes` (WGSL expressions),
 * last axis fastest.
 */
export function decompose(
  flat: string,
  names: readonly string[],
  sizes: readonly string[],
  scratch: string,
): string[] {
  if (names.length === 0) return [];
  if (names.length === 1) return [`let ${names[0]} = ${flat};`];
  const lines = [`var ${scratch} = ${flat};`];
  for (let d = names.length - 1; d > 0; d--) {
    lines.push(`let ${names[d]} = ${scratch} % ${sizes[d]};`, `${scratch} = ${scratch} / ${sizes[d]};`);
  }
  lines.push(`let ${names[0]} = ${scratch};`);
  return lines;
}

/** `offset + Σ names[d]·strides[d]` as WGSL (terms with a known-zero stride are left out by the caller). */
export function linearOffset(offset: string, names: readonly string[], strides: readonly string[]): string {
  return [offset, ...names.map((n, d) => `${n} * ${strides[d]}`)].join(" + ");
}
