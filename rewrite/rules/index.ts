/**
 * The rule tables, by purpose, and `DEFAULT_RULES`, all of them: what `simplify` and `compile` run.
 *
 * @example
 * ```ts
 * import { DEFAULT_RULES } from "./index.ts";
 * DEFAULT_RULES.find((r) => r.name === "softplus-from-log1p")?.lhs; // "(log1p (exp ?x))"
 * ```
 * @module
 */
import type { RuleSet } from "../rule.ts";
import { ALGEBRA_RULES } from "./algebra.ts";
import { SPEED_RULES } from "./speed.ts";
import { STABILITY_RULES } from "./stability.ts";
import { TENSOR_RULES } from "./tensor.ts";

export { ALGEBRA_RULES, SPEED_RULES, STABILITY_RULES, TENSOR_RULES };

/** Every rule: algebra, stability, speed and tensor rules, in that order. */
export const DEFAULT_RULES: RuleSet = [...ALGEBRA_RULES, ...STABILITY_RULES, ...SPEED_RULES, ...TENSOR_RULES];
