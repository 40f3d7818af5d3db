/**
 * The CPU backend, the default: fused JavaScript and WebAssembly kernels generated per graph. Importing this
 * module registers it with `compile`.
 * @module
 */
import type { Backend } from "../backend.ts";
import { registerBackend } from "../compile.ts";
import { compileCpu } from "./executable.ts";

/**
 * The CPU backend: plans fused kernels for a graph, generates JavaScript/WebAssembly for them, and keeps
 * intermediates and shared variables in a WebAssembly arena.
 *
 * @example
 * ```ts
 * import * as T from "../../mod.ts";
 * const x = T.vector("x");
 * const f = T.compile([x], T.mul(T.softplus(x), 2), { backend: "cpu" });
 * (await f([0, 1])).toArray();
 * ```
 */
export const cpuBackend: Backend = {
  name: "cpu",
  compile: (plan) => compileCpu(plan, { borrowOutputs: plan.borrowOutputs }),
};

registerBackend(cpuBackend);
