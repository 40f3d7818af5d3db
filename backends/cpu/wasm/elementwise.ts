/**
 * Compiles fused elementwise kernels (`ElementwiseKernel`) to WebAssembly SIMD over arena buffers, with NumPy
 * broadcasting given as per-input element strides (0 on broadcast dimensions). Dimensions are coalesced first;
 * the innermost run is one call of a compiled variant (each input contiguous, a broadcast scalar, or strided),
 * outer dimensions are walked here. Variants compile on first use and are cached per kernel.
 * @module
 */
import type { ElementwiseKernel } from "../../kernel_ir.ts";
import {
  buildElementwiseModule,
  type CodegenOptions,
  defaultCodegenOptions,
  type InputMode,
} from "./elementwise_codegen.ts";
import { inferKernelTypes, type TypedNode, UnsupportedKernelError } from "./elementwise_types.ts";
import { BYTES_PER_ELEMENT, sharedArena, type WasmArena } from "./memory.ts";
import { erf, log1mexp, logaddexp, sigmoid, softplus } from "./scalar_math.ts";

/** A compiled kernel: `run` computes every output element; `supported` is false when it cannot compile. */
export interface CompiledElementwise {
  /** False when the kernel uses something this backend does not compile (see `reason`); `run` then throws. */
  readonly supported: boolean;
  /** Why the kernel is unsupported. */
  readonly reason?: string;
  /**
   * Computes `out[i] = expr(inputs at i)` for every index of `outShape` (row-major, contiguous output).
   * `inputStrides[k][d]` is input k's step in elements along output dimension d (0 where it broadcasts).
   */
  run(
    outPtr: number,
    inputPtrs: readonly number[],
    outShape: readonly number[],
    inputStrides: readonly (readonly number[])[],
  ): void;
  /**
   * `run` with the shape and strides fixed once: checks, coalescing and the choice of variant happen now, and
   * each call of the result only walks the rows (a compiled graph calls the same step many times).
   */
  prepare(outShape: readonly number[], inputStrides: readonly (readonly number[])[]): PreparedElementwise;
}

/** A kernel prepared for one shape: computes the output at `outPtr` from inputs at `inputPtrs` (bytes). */
export type PreparedElementwise = (outPtr: number, inputPtrs: readonly number[]) => void;

/** Elements per call of a compiled variant: small enough that V8 tiers the function up after a few calls. */
const CHUNK = 16384;

/** The f64 functions kernels import, as JS implementations. */
const MATH_IMPORTS: Record<string, (...args: number[]) => number> = {
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  pow: Math.pow,
  hypot: Math.hypot,
  erf,
  sigmoid,
  softplus,
  log1mexp,
  logaddexp,
};

type VariantFunction = (out: number, n: number, ...pointersAndStrides: number[]) => void;

/** Dimensions after dropping size-1 axes and merging axes every input steps through contiguously. */
function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]) {
  const sizes: number[] = [];
  const merged: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = sizes.length - 1;
    if (last >= 0 && strides.every((s, k) => merged[k][last] === s[d] * shape[d])) {
      sizes[last] *= shape[d];
      strides.forEach((s, k) => merged[k][last] = s[d]);
    } else {
      sizes.push(shape[d]);
      strides.forEach((s, k) => merged[k].push(s[d]));
    }
  }
  if (sizes.length === 0) {
    sizes.push(1);
    merged.forEach((m) => m.push(0));
  }
  return { sizes, strides: merged };
}

/**
 * Compiles a fused elementwise kernel for the arena's memory (the shared arena by default).
 *
 * @example
 * ```ts
 * import { compileElementwise } from "./elementwise.ts";
 * import { sharedArena } from "./memory.ts";
 * // softplus(a) * b + c over float32
 * const kernel = compileElementwise({
 *   inputDtypes: ["float32", "float32", "float32"],
 *   outDtype: "float32",
 *   expr: { kind: "op", op: "add", args: [
 *     { kind: "op", op: "mul", args: [{ kind: "op", op: "softplus", args: [{ kind: "input", index: 0 }] },
 *       { kind: "input", index: 1 }] },
 *     { kind: "input", index: 2 }] },
 * });
 * const arena = sharedArena();
 * const [a, b, c, out] = [0, 1, 2, 3].map(() => arena.alloc(3 * 4));
 * arena.f32View(a, 3).set([0, 1, -1]);
 * arena.f32View(b, 3).fill(2);
 * arena.f32View(c, 3).fill(1);
 * kernel.run(out, [a, b, c], [3], [[1], [1], [1]]);
 * arena.f32View(out, 3); // ≈ [2.386, 3.627, 1.627]
 * ```
 */
export function compileElementwise(
  kernel: ElementwiseKernel,
  arena: WasmArena = sharedArena(),
  options: CodegenOptions = defaultCodegenOptions(),
): CompiledElementwise {
  let typed: TypedNode;
  try {
    typed = inferKernelTypes(kernel);
  } catch (error) {
    if (!(error instanceof UnsupportedKernelError)) throw error;
    const reason = error.message;
    return {
      supported: false,
      reason,
      run() {
        throw new UnsupportedKernelError(`Cannot run an unsupported kernel: ${reason}`);
      },
      prepare() {
        throw new UnsupportedKernelError(`Cannot run an unsupported kernel: ${reason}`);
      },
    };
  }
  const variants = new Map<string, VariantFunction>();
  const variant = (modes: InputMode[]): VariantFunction => {
    const key = modes.join(",");
    let found = variants.get(key);
    if (!found) {
      const { module, imports } = buildElementwiseModule(kernel, typed, modes, options);
      const math = Object.fromEntries(imports.map((name) => [name, MATH_IMPORTS[name]]));
      const instance = new WebAssembly.Instance(module, { env: { memory: arena.memory }, math });
      found = instance.exports.run as VariantFunction;
      variants.set(key, found);
    }
    return found;
  };
  const inputSizes = kernel.inputDtypes.map((dtype) => BYTES_PER_ELEMENT[dtype]);
  const outSize = BYTES_PER_ELEMENT[kernel.outDtype];

  const prepare = (
    outShape: readonly number[],
    inputStrides: readonly (readonly number[])[],
  ): PreparedElementwise => {
    if (inputStrides.length !== kernel.inputDtypes.length) {
      throw new RangeError(
        `Kernel takes ${kernel.inputDtypes.length} inputs, got ${inputStrides.length} strides`,
      );
    }
    for (const strides of inputStrides) {
      if (strides.length !== outShape.length) {
        throw new RangeError(`Input strides [${strides}] do not match output shape [${outShape}]`);
      }
    }
    const count = inputStrides.length;
    const checkPointers = (inputPtrs: readonly number[]) => {
      if (inputPtrs.length !== count) {
        throw new RangeError(`Kernel takes ${count} inputs, got ${inputPtrs.length} pointers`);
      }
    };
    if (outShape.some((size) => size === 0)) return (_outPtr, inputPtrs) => checkPointers(inputPtrs);
    const { sizes, strides } = coalesce(outShape, inputStrides);
    const inner = sizes.length - 1;
    const rowLength = sizes[inner];
    const modes = strides.map((s): InputMode =>
      s[inner] === 0 ? "scalar" : s[inner] === 1 ? "contiguous" : "strided"
    );
    const fn = variant(modes);
    // the variant's arguments: out, n, then per input its pointer (and byte stride when strided)
    const args: number[] = [0, 0];
    const argOf: number[] = [];
    for (let k = 0; k < count; k++) {
      argOf.push(args.length);
      args.push(0);
      if (modes[k] === "strided") args.push(strides[k][inner] * inputSizes[k]);
    }
    const innerStep = strides.map((s, k) => s[inner] * inputSizes[k]);
    const stepOf = (d: number) => strides.map((s, k) => s[d] * inputSizes[k]);
    const outerSteps = Array.from({ length: inner }, (_, d) => stepOf(d));
    const rows = sizes.slice(0, inner).reduce((a, b) => a * b, 1);
    const index = new Array<number>(inner).fill(0);
    const at = new Array<number>(count).fill(0); // byte address of each input's row start
    // one row of `rowLength` elements in calls of at most CHUNK elements
    const runRow = (out: number) => {
      for (let start = 0; start < rowLength; start += CHUNK) {
        args[0] = out + start * outSize;
        args[1] = Math.min(CHUNK, rowLength - start);
        for (let k = 0; k < count; k++) args[argOf[k]] = at[k] + start * innerStep[k];
        fn.apply(undefined, args as [number, number, ...number[]]);
      }
    };
    return (outPtr, inputPtrs) => {
      checkPointers(inputPtrs);
      for (let k = 0; k < count; k++) at[k] = inputPtrs[k];
      index.fill(0);
      // odometer over the outer dimensions
      for (let row = 0; row < rows; row++) {
        runRow(outPtr + row * rowLength * outSize);
        for (let d = inner - 1; d >= 0; d--) {
          const step = outerSteps[d];
          if (++index[d] < sizes[d]) {
            for (let k = 0; k < count; k++) at[k] += step[k];
            break;
          }
          for (let k = 0; k < count; k++) at[k] -= step[k] * (sizes[d] - 1);
          index[d] = 0;
        }
      }
    };
  };

  const run = (
    outPtr: number,
    inputPtrs: readonly number[],
    outShape: readonly number[],
    inputStrides: readonly (readonly number[])[],
  ): void => prepare(outShape, inputStrides)(outPtr, inputPtrs);
  return { supported: true, run, prepare };
}
