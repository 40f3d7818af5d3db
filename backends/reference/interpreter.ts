/**
 * The reference interpreter: evaluates terms by walking them in topological order and applying each op's
 * reference `evaluate` from the op table. Slow and plain on purpose; it is the oracle the fast backends are
 * tested against.
 * @module
 */
import type { NDArray } from "../../cas/ndarray.ts";
import type { SharedVariable } from "../../cas/shared.ts";
import { type Term, topoSort } from "../../cas/term.ts";
import { rowOf } from "../../cas/ops/table.ts";
import type { OpAttrs } from "../../cas/ops/types.ts";

/**
 * Evaluates `outputs`, with `bindings` giving the value of every `var` leaf they depend on (shared variables
 * default to their current value; constants carry theirs).
 *
 * @example
 * ```ts
 * import * as T from "../../mod.ts";
 * import { evaluate } from "./interpreter.ts";
 * const x = T.scalar("x", "float64");
 * const [y] = evaluate([T.mul(x, 2)], new Map([[x, T.array(3, { dtype: "float64" })]]));
 * y.item(); // 6
 * ```
 */
export function evaluate(outputs: readonly Term[], bindings: ReadonlyMap<Term, NDArray>): NDArray[] {
  const values = new Map<Term, NDArray>();
  for (const t of topoSort(outputs)) {
    const bound = bindings.get(t);
    if (bound !== undefined) {
      values.set(t, bound);
      continue;
    }
    switch (t.op) {
      case "const":
        values.set(t, (t.attrs as OpAttrs["const"]).value);
        break;
      case "shared":
        values.set(t, (t as SharedVariable).get());
        break;
      case "var":
        throw new TypeError(`evaluate: no value given for variable ${(t.attrs as OpAttrs["var"]).name}`);
      default: {
        const args = t.args.map((a) => values.get(a)!);
        values.set(t, rowOf(t.op).evaluate(args, t.attrs, t, t.args));
      }
    }
  }
  return outputs.map((o) => values.get(o)!);
}
