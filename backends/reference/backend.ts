/**
 * The reference backend: the interpreter behind the backend interface.
 * @module
 */
import type { Backend, Executable, GraphPlan } from "../backend.ts";
import type { NDArray } from "../../cas/ndarray.ts";
import type { Term } from "../../cas/term.ts";
import { evaluate } from "./interpreter.ts";

/** The plain interpreter as a backend: the oracle fast backends are compared with. */
export const referenceBackend: Backend = {
  name: "reference",
  compile(plan: GraphPlan): Executable {
    return {
      run(inputs: readonly NDArray[]): Promise<NDArray[]> {
        const bindings = new Map<Term, NDArray>(plan.inputs.map((v, i) => [v, inputs[i]]));
        return Promise.resolve(evaluate(plan.roots, bindings));
      },
    };
  },
};
