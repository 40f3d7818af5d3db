/**
 * Speed rules: cheaper forms of the same value. Powers by squaring, exact reciprocal multiplication, scalars
 * pulled out of reductions, fewer transcendental calls, cancelled transposes and merged reshapes.
 *
 * "Same value" is meant strictly: a rewrite here may change a result by rounding (x⁴ as (x²)² is two roundings,
 * Math.pow one) but never its NaN/∞ behaviour. Division by a constant becomes multiplication only for powers of
 * two, where both are exact scalings and agree bit for bit; x/3 → x·(1/3) would be off by an ulp half the time.
 * @module
 */
import type { RuleSet } from "../rule.ts";
import {
  all,
  evenConstantAtLeast,
  finite,
  nonNegative,
  nonZero,
  oddConstantAtLeast,
  positive,
  powerOfTwoConstant,
  scalar,
} from "./conditions.ts";

/** Integer powers by repeated squaring: x⁸ is three multiplications. */
const POWERS: RuleSet = [
  {
    name: "pow-even-by-squaring",
    lhs: "(pow ?x ?n)",
    rhs: "(square (pow ?x (mul ?n 0.5)))",
    when: evenConstantAtLeast(4, "n"),
  },
  {
    name: "pow-odd-by-multiplying",
    lhs: "(pow ?x ?n)",
    rhs: "(mul ?x (pow ?x (sub ?n 1)))",
    when: oddConstantAtLeast(3, "n"),
  },
  { name: "pow-minus-two", lhs: "(pow ?x -2)", rhs: "(div 1 (square ?x))" },
  { name: "pow-three", lhs: "(pow ?x 3)", rhs: "(mul (square ?x) ?x)" },
];

/** Division by constants, and merging transcendental calls. */
const ARITHMETIC: RuleSet = [
  {
    name: "div-by-power-of-two",
    lhs: "(div ?x ?c)",
    rhs: "(mul ?x (div 1 ?c))",
    when: powerOfTwoConstant("c"),
  },
  {
    name: "mul-sqrt-merge",
    lhs: "(mul (sqrt ?a) (sqrt ?b))",
    rhs: "(sqrt (mul ?a ?b))",
    when: nonNegative("a", "b"),
  },
  {
    name: "div-sqrt-merge",
    lhs: "(div (sqrt ?a) (sqrt ?b))",
    rhs: "(sqrt (div ?a ?b))",
    when: all(nonNegative("a"), positive("b")),
  },
  {
    name: "add-log-merge",
    lhs: "(add (log ?a) (log ?b))",
    rhs: "(log (mul ?a ?b))",
    when: nonNegative("a", "b"),
  },
  { name: "mul-exp-merge", lhs: "(mul (exp ?a) (exp ?b))", rhs: "(exp (add ?a ?b))" },
  { name: "div-exp-merge", lhs: "(div (exp ?a) (exp ?b))", rhs: "(exp (sub ?a ?b))" },
];

/**
 * Scalars out of reductions: Σ(s·X) = s·ΣX needs a finite s (∞·[0, 1] sums to NaN, ∞·Σ[0, 1] is ∞), and
 * Σ(X/s) = ΣX/s a nonzero one.
 */
const REDUCTIONS: RuleSet = [
  {
    name: "sum-scalar-mul",
    lhs: "(sum@a (mul ?s ?x))",
    rhs: "(mul ?s (sum@a ?x))",
    when: all(scalar("s"), finite("s")),
  },
  {
    name: "sum-mul-scalar",
    lhs: "(sum@a (mul ?x ?s))",
    rhs: "(mul (sum@a ?x) ?s)",
    when: all(scalar("s"), finite("s")),
  },
  {
    name: "sum-div-scalar",
    lhs: "(sum@a (div ?x ?s))",
    rhs: "(div (sum@a ?x) ?s)",
    when: all(scalar("s"), nonZero("s")),
  },
  {
    name: "mean-scalar-mul",
    lhs: "(mean@a (mul ?s ?x))",
    rhs: "(mul ?s (mean@a ?x))",
    when: all(scalar("s"), finite("s")),
  },
  { name: "sum-neg", lhs: "(sum@a (neg ?x))", rhs: "(neg (sum@a ?x))" },
];

/** Structure: transposes that cancel, reshapes that merge. */
const STRUCTURE: RuleSet = [
  // permutations that are their own inverse (every one of rank 2, four of rank 3)
  ...[[1, 0], [2, 1, 0], [0, 2, 1], [1, 0, 2]].map((perm) => ({
    name: `transpose-${perm.join("")}-twice`,
    lhs: `(transpose@{"perm":[${perm}]} (transpose@{"perm":[${perm}]} ?x))`,
    rhs: "?x",
  })),
  // the permutations of rank 3 that are each other's inverse
  {
    name: "transpose-120-201",
    lhs: '(transpose@{"perm":[1,2,0]} (transpose@{"perm":[2,0,1]} ?x))',
    rhs: "?x",
  },
  {
    name: "transpose-201-120",
    lhs: '(transpose@{"perm":[2,0,1]} (transpose@{"perm":[1,2,0]} ?x))',
    rhs: "?x",
  },
  ...[[0], [0, 1], [0, 1, 2]].map((perm) => ({
    name: `transpose-identity-${perm.length}`,
    lhs: `(transpose@{"perm":[${perm}]} ?x)`,
    rhs: "?x",
  })),
  { name: "reshape-reshape", lhs: "(reshape@a (reshape@b ?x))", rhs: "(reshape@a ?x)" },
  // the engine keeps this only where the static shapes say the reshape changes nothing
  { name: "reshape-identity", lhs: "(reshape@a ?x)", rhs: "?x" },
];

/** Every speed rule. */
export const SPEED_RULES: RuleSet = [...POWERS, ...ARITHMETIC, ...REDUCTIONS, ...STRUCTURE];
