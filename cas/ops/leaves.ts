/**
 * Op-table rows of the leaves: constants (which carry their value), named variables and shared variables
 * (whose values are bound when a compiled function runs).
 * @module
 */
import { ShapeError } from "../shape.ts";
import type { OpRow } from "./types.ts";

function unbound(kind: string): never {
  throw new ShapeError(`${kind}: a leaf has no arguments to evaluate; its value is bound by the evaluator`);
}

/** A constant array. */
export const CONST_ROW: OpRow<"const"> = {
  arity: 0,
  infer: (_args, { value }) => ({ dtype: value.dtype, shape: value.shape }),
  evaluate: (_args, { value }) => value,
  print: { kind: "leaf" },
};

/** A named symbolic input. */
export const VAR_ROW: OpRow<"var"> = {
  arity: 0,
  infer: (_args, { dtype, shape }) => ({ dtype, shape }),
  evaluate: () => unbound("var"),
  print: { kind: "leaf" },
};

/** A shared variable: an input whose value the library keeps between calls. */
export const SHARED_ROW: OpRow<"shared"> = {
  arity: 0,
  infer: (_args, { slot }) => ({ dtype: slot.dtype, shape: slot.shape }),
  evaluate: () => unbound("shared"),
  print: { kind: "leaf" },
};
