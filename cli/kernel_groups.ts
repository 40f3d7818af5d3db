/**
 * Which terms each fused kernel of the CPU backend computes, as groups for `toDot`/`toSvg`'s `groups` option,
 * so a picture of a compiled function shows its kernels as boxes. Read from the backend's own kernel plan
 * (`planKernels`), so the boxes are the kernels that really run.
 * @module
 */
import type { Term } from "../cas/term.ts";
import type { DotOptions } from "../cas/dot.ts";
import type { GraphPlan } from "../backends/backend.ts";
import { planKernels } from "../backends/cpu/plan.ts";

const LEAVES = new Set(["const", "var", "shared"]);

/** The terms from `top` down to (not including) `stops` and leaves: what one kernel computes in place. */
function computedBetween(top: Term, stops: ReadonlySet<Term>): Term[] {
  const inside: Term[] = [];
  const seen = new Set<Term>();
  const visit = (t: Term) => {
    if (seen.has(t) || stops.has(t) || LEAVES.has(t.op)) return;
    seen.add(t);
    inside.push(t);
    t.args.forEach(visit);
  };
  visit(top);
  return inside;
}

/**
 * The kernels the CPU backend plans for a compiled function's graph, as `groups` and `groupLabels` for `toSvg`.
 * Views (transpose, reshape, …) and leaves are not kernels and stay outside the boxes.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * import { cpuKernelGroups } from "./kernel_groups.ts";
 * const x = T.vector("x");
 * const f = T.compile([x], T.mul(T.exp(x), 2));
 * const svg = await T.toSvg(f.plan.roots, cpuKernelGroups(f.plan)); // one box around exp and mul
 * ```
 */
export function cpuKernelGroups(plan: Pick<GraphPlan, "inputs" | "roots">): Required<
  Pick<DotOptions, "groups" | "groupLabels">
> {
  const groups: Term[][] = [];
  const groupLabels: string[] = [];
  for (const node of planKernels(plan.inputs, plan.roots).nodes) {
    let terms: Term[];
    switch (node.kind) {
      case "elementwise":
        terms = computedBetween(node.term, new Set(node.operands));
        break;
      case "reduce":
        terms = [node.term, ...computedBetween(node.term.args[0], new Set(node.operands))];
        break;
      case "matmul":
        terms = computedBetween(node.term, new Set([node.a, node.b, ...(node.bias ? [node.bias] : [])]));
        break;
      case "softmax":
        terms = [node.term];
        break;
      default:
        continue; // inputs, constants, shared values and views are not kernels
    }
    groups.push(terms);
    const fused = terms.length > 1 ? `, ${terms.length} ops fused` : "";
    groupLabels.push(`kernel ${groups.length}: ${node.kind}${fused}`);
  }
  return { groups, groupLabels };
}
