/**
 * Helpers for comparing the CPU backend with the reference interpreter: run both on the same graph and assert
 * the results agree within a tolerance stated in ULPs (float32) or relative error (float64), with NaN and
 * infinity positions equal.
 */
import assert from "node:assert/strict";
import { NDArray } from "../../../cas/ndarray.ts";
import "../../../cas/shared.ts";
import type { Term } from "../../../cas/term.ts";
import type { SharedVariable } from "../../../cas/shared.ts";
import { evaluate } from "../../../backends/reference/interpreter.ts";
import { compileCpu } from "../../../backends/cpu/executable.ts";

/** How close two results must be. */
export interface Tolerance {
  /** Allowed relative error (default 0: exact). */
  readonly rel?: number;
  /** Allowed absolute error (default 0). */
  readonly abs?: number;
  /** Allowed distance in float32 units in the last place (default 0). */
  readonly ulps?: number;
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** The number of float32 values between `a` and `b` (both float32-representable). */
export function ulpDistance32(a: number, b: number): number {
  const ordered = (x: number) => {
    f32[0] = x;
    const bits = i32[0];
    return bits < 0 ? -(bits & 0x7fffffff) : bits;
  };
  return Math.abs(ordered(a) - ordered(b));
}

/** Asserts `actual` matches `expected` in dtype, shape and values (within `tol`), naming the first mismatch. */
export function assertClose(actual: NDArray, expected: NDArray, tol: Tolerance = {}, label = ""): void {
  assert.equal(actual.dtype, expected.dtype, `${label}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  const { rel = 0, abs = 0, ulps = 0 } = tol;
  for (let i = 0; i < expected.size; i++) {
    const a = actual.data[i], e = expected.data[i];
    if (Object.is(a, e) || a === e) continue;
    let ok = false;
    if (Number.isNaN(e) || !Number.isFinite(e)) ok = false;
    else if (!Number.isFinite(a)) ok = false;
    else {
      const diff = Math.abs(a - e);
      ok = diff <= abs || diff <= rel * Math.abs(e) ||
        (expected.dtype === "float32" && ulps > 0 && ulpDistance32(a, e) <= ulps);
    }
    if (!ok) {
      assert.fail(
        `${label}: element ${i} of ${expected.size} (shape [${expected.shape}]) is ${a}, expected ${e}` +
          (expected.dtype === "float32" ? ` (${ulpDistance32(a, e)} ulp)` : ""),
      );
    }
  }
}

/** Runs `roots` on the CPU backend (with `updated` shared variables updated by the trailing roots). */
export function runCpu(
  inputs: readonly Term[],
  roots: readonly Term[],
  values: readonly NDArray[],
  updated: readonly SharedVariable[] = [],
): Promise<NDArray[]> {
  const exe = compileCpu({ inputs, roots, outputCount: roots.length - updated.length, updated });
  return exe.run(values);
}

/**
 * Asserts the CPU backend and the reference agree on every root of a graph, on a first call and on a second
 * call with the elements of each input in reverse order (small kernels run as JavaScript on their first call
 * and as WebAssembly from the second on; new values make sure the second call computes afresh).
 */
export async function assertMatchesReference(
  inputs: readonly Term[],
  roots: readonly Term[],
  values: readonly NDArray[],
  tol: Tolerance = {},
  label = "",
): Promise<void> {
  const exe = compileCpu({ inputs, roots, outputCount: roots.length, updated: [] });
  const reversed = values.map((v) => new NDArray(v.data.slice().reverse(), v.shape));
  for (const [call, given] of [["first", values], ["second", reversed]] as const) {
    const expected = evaluate(roots, new Map(inputs.map((v, i) => [v, given[i]])));
    const actual = await exe.run(given);
    actual.forEach((a, i) => assertClose(a, expected[i], tol, `${label} root ${i} (${call} call)`));
  }
}
