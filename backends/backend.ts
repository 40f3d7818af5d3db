/**
 * The one interface every backend implements. `compile()` (in `compile.ts`) checks and optimizes a graph, then
 * hands the backend a `GraphPlan`; the backend returns something that runs it on concrete arrays.
 * @module
 */
import type { NDArray } from "../cas/ndarray.ts";
import type { SharedVariable } from "../cas/shared.ts";
import type { Term } from "../cas/term.ts";

/** The names users pick backends by. */
export type BackendName = "reference" | "cpu" | "webgpu";

/** An optimized graph, ready to be lowered: what a backend compiles. */
export interface GraphPlan {
  /** The `var` leaves the caller passes values for, in call order. */
  readonly inputs: readonly Term[];
  /** The terms to compute: the outputs first, then the new values of the updated shared variables. */
  readonly roots: readonly Term[];
  /** How many of `roots` are outputs (the rest are update values, in the order of `updated`). */
  readonly outputCount: number;
  /** The shared variables that `roots[outputCount + i]` replaces after each call. */
  readonly updated: readonly SharedVariable[];
  /**
   * Outputs may reuse their memory from call to call (Theano's `borrow=True`): each result is valid only until
   * the next call. Backends that can't honour it return fresh arrays, which is always correct.
   */
  readonly borrowOutputs?: boolean;
}

/** A compiled graph: runs on concrete, already checked input values and returns the values of `plan.roots`. */
export interface Executable {
  /**
   * Computes every root and returns the outputs' values, followed by the update values unless the executable
   * `appliesUpdates` itself. Values of shared variables are read by the backend.
   */
  run(inputs: readonly NDArray[]): Promise<NDArray[]>;
  /**
   * Optionally, writes the update values into the shared variables itself (a GPU backend keeps them on the
   * device). When absent, `compile` calls `set()` on each shared variable with the returned root values.
   */
  readonly appliesUpdates?: boolean;
}

/** A backend: lowers a plan to an executable. */
export interface Backend {
  /** Its name, as users select it. */
  readonly name: BackendName;
  /** Lowers `plan`; may be asynchronous (a GPU backend acquires its device and builds pipelines). */
  compile(plan: GraphPlan): Executable | Promise<Executable>;
}
