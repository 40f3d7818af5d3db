/**
 * `compile(inputs, outputs, { updates, backend })`: checks a graph, runs the optimizer over all of it (gradients
 * included), hands it to a backend, and returns an async function that checks its arguments and applies updates.
 * @module
 */
import { array, NDArray, type NestedArray } from "../cas/ndarray.ts";
import { formatShape, ShapeError } from "../cas/shape.ts";
import { SharedVariable } from "../cas/shared.ts";
import { Term, topoSort } from "../cas/term.ts";
import type { OpAttrs } from "../cas/ops/types.ts";
import { simplifyMany } from "../rewrite/simplify.ts";
import type { Backend, BackendName, Executable, GraphPlan } from "./backend.ts";
import { referenceBackend } from "./reference/backend.ts";

const backends = new Map<BackendName, Backend>([["reference", referenceBackend]]);

/**
 * Makes a backend selectable by name (the CPU and WebGPU backends register themselves when loaded).
 *
 * @example
 * ```ts
 * import { registerBackend } from "./compile.ts";
 * import { referenceBackend } from "./reference/backend.ts";
 * registerBackend(referenceBackend);
 * ```
 */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** Values a compiled function accepts for an input: arrays, numbers, nested arrays or typed arrays. */
export type InputValue =
  | NDArray
  | number
  | boolean
  | NestedArray
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint8Array;

/** Options of `compile`. */
export interface CompileOptions {
  /** `[shared, newValue]` pairs: after each call, each shared variable takes its new value (all from old values). */
  readonly updates?: readonly (readonly [SharedVariable, Term | number])[];
  /** Where it runs: `"cpu"` (default), `"webgpu"` or `"reference"`. */
  readonly backend?: BackendName;
  /** Run the optimizer over the graph first (default true). */
  readonly optimize?: boolean;
  /**
   * Let outputs reuse their memory between calls, as Theano's `borrow=True`: faster for big outputs, but each
   * result is only valid until the next call. On the CPU backend (where the engine has shared WebAssembly
   * memory, as Deno does) borrowed outputs are views of the backend's memory: the kernels write them in place,
   * with no fresh memory and no copy. Default false.
   */
  readonly borrow?: boolean;
}

/**
 * Optimized graphs by the ids of their roots: terms are hash-consed, so equal ids mean the same graph, and
 * compiling it again skips the optimizer. Bounded, oldest evicted first.
 */
const optimizedGraphs = new Map<string, Term[]>();
const OPTIMIZED_GRAPHS_LIMIT = 256;

function optimizeCached(roots: readonly Term[]): Term[] {
  const key = roots.map((t) => t.id).join(",");
  const hit = optimizedGraphs.get(key);
  if (hit) return hit;
  const optimized = simplifyMany(roots);
  if (optimizedGraphs.size >= OPTIMIZED_GRAPHS_LIMIT) {
    optimizedGraphs.delete(optimizedGraphs.keys().next().value!);
  }
  optimizedGraphs.set(key, optimized);
  return optimized;
}

/** A compiled function: `await f(...values)` gives one array per output (or one array for a single output). */
export interface CompiledFunction<R> {
  (...values: InputValue[]): Promise<R>;
  /** The optimized graph the backend runs (outputs first, then update values). */
  readonly plan: GraphPlan;
  /** The backend it runs on. */
  readonly backend: BackendName;
}

function describe(t: Term): string {
  return t.op === "var" ? (t.attrs as OpAttrs["var"]).name : String(t);
}

function checkGraph(inputs: readonly Term[], roots: readonly Term[]): void {
  const seen = new Set<Term>();
  for (const [i, v] of inputs.entries()) {
    if (!(v instanceof Term) || v.op !== "var") {
      throw new TypeError(
        `compile: input ${i} must be a symbolic variable (T.scalar, T.vector, …)${
          v instanceof SharedVariable ? "; shared variables are not inputs" : ""
        }, got ${v}`,
      );
    }
    if (seen.has(v)) throw new TypeError(`compile: input ${describe(v)} is listed twice`);
    seen.add(v);
  }
  for (const t of topoSort(roots)) {
    if (t.op === "var" && !seen.has(t)) {
      throw new TypeError(
        `compile: the outputs depend on variable ${describe(t)}, which is not among the inputs`,
      );
    }
  }
}

function toArray(input: Term, value: InputValue, position: number): NDArray {
  const name = describe(input);
  const expected = `${input.dtype} ${formatShape(input.shape)}`;
  let a: NDArray;
  if (value instanceof NDArray) {
    a = value;
  } else if (ArrayBuffer.isView(value)) {
    const given = value instanceof Float32Array
      ? "float32"
      : value instanceof Float64Array
      ? "float64"
      : value instanceof Int32Array
      ? "int32"
      : "bool";
    if (given !== input.dtype) {
      throw new TypeError(
        `input ${position} (${name}): expected ${expected}, got a ${value.constructor.name} (${given})`,
      );
    }
    a = array(value, { shape: input.shape.every((d) => d !== null) ? (input.shape as number[]) : undefined });
  } else {
    try {
      a = array(value as NestedArray, { dtype: input.dtype });
    } catch (e) {
      throw new TypeError(`input ${position} (${name}): expected ${expected}: ${(e as Error).message}`);
    }
  }
  if (a.dtype !== input.dtype) {
    throw new TypeError(
      `input ${position} (${name}): expected dtype ${input.dtype}, got ${a.dtype} (shape ${
        formatShape(a.shape)
      }); convert it with .astype("${input.dtype}")`,
    );
  }
  const ok = a.shape.length === input.shape.length &&
    input.shape.every((d, i) => d === null || d === a.shape[i]);
  if (!ok) {
    throw new ShapeError(
      `input ${position} (${name}): expected shape ${formatShape(input.shape)}, got ${formatShape(a.shape)}`,
    );
  }
  return a;
}

/**
 * Compiles a function from `inputs` to `outputs`, as Theano's `theano.function`.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const x = T.vector("x");
 * const f = T.compile([x], T.softplus(x));
 * (await f([0, 1000])).toArray(); // [0.6931471824645996, 1000]
 * ```
 */
export function compile(
  inputs: readonly Term[],
  outputs: Term,
  options?: CompileOptions,
): CompiledFunction<NDArray>;
/** Compiles a function with several outputs: `await f(...)` gives one array per output. */
export function compile(
  inputs: readonly Term[],
  outputs: readonly Term[],
  options?: CompileOptions,
): CompiledFunction<NDArray[]>;
export function compile(
  inputs: readonly Term[],
  outputs: Term | readonly Term[],
  options: CompileOptions = {},
): CompiledFunction<NDArray | NDArray[]> {
  const single = outputs instanceof Term;
  const outs = single ? [outputs] : [...outputs];
  for (const [i, o] of outs.entries()) {
    if (!(o instanceof Term)) throw new TypeError(`compile: output ${i} is not a term: ${o}`);
  }
  const updates = (options.updates ?? []).map(([variable, value], i) => {
    if (!(variable instanceof SharedVariable)) {
      throw new TypeError(`compile: update ${i} must start with a shared variable, got ${variable}`);
    }
    const term = value instanceof Term
      ? value
      : Term.make("const", [], { value: array(value, { dtype: variable.dtype }) });
    const shapeOk = term.shape.length === variable.shape.length &&
      term.shape.every((d, j) => d === null || d === variable.shape[j]);
    if (term.dtype !== variable.dtype || !shapeOk) {
      throw new ShapeError(
        `compile: update ${i} of ${variable.name}: the new value has ${term.dtype} ${
          formatShape(term.shape)
        }, ` +
          `but the variable is ${variable.dtype} ${formatShape(variable.shape)}`,
      );
    }
    return [variable, term] as const;
  });
  if (new Set(updates.map(([v]) => v)).size !== updates.length) {
    throw new TypeError("compile: a shared variable is updated twice");
  }
  const roots = [...outs, ...updates.map(([, t]) => t)];
  checkGraph(inputs, roots);
  const backendName = options.backend ?? "cpu";
  const backend = backends.get(backendName);
  if (!backend) {
    throw new TypeError(
      `compile: unknown backend ${JSON.stringify(backendName)}; available: ${
        [...backends.keys()].join(", ")
      }`,
    );
  }
  const optimized = options.optimize === false ? roots : optimizeCached(roots);
  const plan: GraphPlan = {
    inputs: [...inputs],
    roots: optimized,
    outputCount: outs.length,
    updated: updates.map(([v]) => v),
    borrowOutputs: options.borrow ?? false,
  };
  let executable: Promise<Executable> | undefined;
  const f = async (...values: InputValue[]): Promise<NDArray | NDArray[]> => {
    if (values.length !== inputs.length) {
      throw new TypeError(
        `compiled function: expected ${inputs.length} argument(s) (${
          inputs.map(describe).join(", ")
        }), got ${values.length}`,
      );
    }
    const arrays = values.map((v, i) => toArray(inputs[i], v, i));
    executable ??= Promise.resolve(backend.compile(plan));
    const exe = await executable;
    const results = await exe.run(arrays);
    if (!exe.appliesUpdates) {
      plan.updated.forEach((v, i) => v.set(results[plan.outputCount + i]));
    }
    const out = results.slice(0, plan.outputCount);
    return single ? out[0] : out;
  };
  return Object.assign(f, { plan, backend: backendName }) as CompiledFunction<NDArray | NDArray[]>;
}
