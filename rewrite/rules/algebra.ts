/**
 * Algebraic rewrite rules: identities, commutativity and associativity, distribution, the canonical forms of
 * negation, subtraction and division, powers, exp/log, absolute value and sign, comparisons, parity of the odd
 * and even functions.
 *
 * Every rule must hold on IEEE float64 values up to rounding, NaN and ±∞ included: where the two sides differ on
 * some inputs (x·0 is NaN for x = ∞, 0 is not), the rule carries a `when` that the value-range analysis must
 * prove. `tests/rewrite/rules_soundness_test.ts` checks each row against the reference evaluator.
 * @module
 */
import type { RuleSet } from "../rule.ts";
import {
  aboveMinusInfinity,
  all,
  any,
  atLeast,
  finite,
  integerConstant,
  moderate,
  naturalConstant,
  nonNegative,
  nonPositiveIntegerConstant,
  nonZero,
  notNaN,
  positive,
  positiveFinite,
  safeReciprocal,
} from "./conditions.ts";

/** Identities with 0 and 1, and the self-cancellations that hold only for finite values. */
const IDENTITIES: RuleSet = [
  { name: "add-zero", lhs: "(add ?x 0)", rhs: "?x" },
  { name: "sub-zero", lhs: "(sub ?x 0)", rhs: "?x" },
  { name: "mul-one", lhs: "(mul ?x 1)", rhs: "?x" },
  { name: "div-one", lhs: "(div ?x 1)", rhs: "?x" },
  // ∞·0 and NaN·0 are NaN, so x·0 is 0 only for finite x
  { name: "mul-zero", lhs: "(mul ?x 0)", rhs: "0", when: finite("x") },
  { name: "sub-self", lhs: "(sub ?x ?x)", rhs: "0", when: finite("x") },
  { name: "div-self", lhs: "(div ?x ?x)", rhs: "1", when: all(finite("x"), nonZero("x")) },
  { name: "add-sub-cancel", lhs: "(sub (add ?a ?b) ?b)", rhs: "?a", when: finite("b") },
  { name: "sub-add-cancel", lhs: "(add (sub ?a ?b) ?b)", rhs: "?a", when: finite("b") },
  { name: "mul-div-cancel", lhs: "(mul (div ?a ?b) ?b)", rhs: "?a", when: all(finite("b"), nonZero("b")) },
  { name: "div-mul-cancel", lhs: "(div (mul ?a ?b) ?b)", rhs: "?a", when: all(finite("b"), nonZero("b")) },
  { name: "pow-one", lhs: "(pow ?x 1)", rhs: "?x" },
  // IEEE (and JavaScript) define x^0 = 1 for every x, NaN and ∞ included
  { name: "pow-zero", lhs: "(pow ?x 0)", rhs: "1" },
];

/** Commutativity and associativity of + and ·, so sums and products are equal in any grouping. */
const ASSOCIATIVE_COMMUTATIVE: RuleSet = [
  { name: "add-commute", lhs: "(add ?a ?b)", rhs: "(add ?b ?a)" },
  { name: "mul-commute", lhs: "(mul ?a ?b)", rhs: "(mul ?b ?a)" },
  { name: "add-associate", lhs: "(add ?a (add ?b ?c))", rhs: "(add (add ?a ?b) ?c)", bidirectional: true },
  { name: "mul-associate", lhs: "(mul ?a (mul ?b ?c))", rhs: "(mul (mul ?a ?b) ?c)", bidirectional: true },
];

/**
 * Distribution one way, factoring the other. The common factor must be finite: ∞·1 + ∞·(−0.5) is ∞ − ∞ = NaN,
 * but ∞·(1 − 0.5) is ∞.
 */
const DISTRIBUTION: RuleSet = [
  {
    name: "factor-add",
    lhs: "(add (mul ?a ?b) (mul ?a ?c))",
    rhs: "(mul ?a (add ?b ?c))",
    when: finite("a"),
    bidirectional: true,
  },
  {
    name: "factor-sub",
    lhs: "(sub (mul ?a ?b) (mul ?a ?c))",
    rhs: "(mul ?a (sub ?b ?c))",
    when: finite("a"),
    bidirectional: true,
  },
  { name: "factor-add-one", lhs: "(add (mul ?a ?b) ?a)", rhs: "(mul ?a (add ?b 1))", when: finite("a") },
  { name: "add-self", lhs: "(add ?x ?x)", rhs: "(mul 2 ?x)", bidirectional: true },
];

/** `neg x`, `0 − x` and `−1·x` are one value; subtraction is adding the negation. */
const NEGATION: RuleSet = [
  { name: "zero-sub", lhs: "(sub 0 ?x)", rhs: "(neg ?x)" },
  { name: "neg-as-mul", lhs: "(neg ?x)", rhs: "(mul -1 ?x)", bidirectional: true },
  { name: "sub-as-add-neg", lhs: "(sub ?a ?b)", rhs: "(add ?a (neg ?b))", bidirectional: true },
  { name: "neg-neg", lhs: "(neg (neg ?x))", rhs: "?x" },
  { name: "neg-add", lhs: "(neg (add ?a ?b))", rhs: "(add (neg ?a) (neg ?b))", bidirectional: true },
  { name: "neg-sub", lhs: "(neg (sub ?a ?b))", rhs: "(sub ?b ?a)" },
  { name: "neg-mul", lhs: "(mul (neg ?a) ?b)", rhs: "(neg (mul ?a ?b))", bidirectional: true },
  { name: "neg-mul-neg", lhs: "(mul (neg ?a) (neg ?b))", rhs: "(mul ?a ?b)" },
  { name: "neg-div-numerator", lhs: "(div (neg ?a) ?b)", rhs: "(neg (div ?a ?b))", bidirectional: true },
  { name: "neg-div-denominator", lhs: "(div ?a (neg ?b))", rhs: "(neg (div ?a ?b))" },
];

/** Division: common denominators, reassociation, reciprocals. */
const DIVISION: RuleSet = [
  // a/b and a·(1/b) differ by one rounding, but 1/b overflows for subnormal b: only where 1/b is normal
  {
    name: "div-as-mul-reciprocal",
    lhs: "(div ?a ?b)",
    rhs: "(mul ?a (div 1 ?b))",
    when: safeReciprocal("b"),
  },
  { name: "mul-reciprocal-as-div", lhs: "(mul ?a (div 1 ?b))", rhs: "(div ?a ?b)" },
  { name: "reciprocal-reciprocal", lhs: "(div 1 (div 1 ?x))", rhs: "?x" },
  { name: "pow-minus-one", lhs: "(pow ?x -1)", rhs: "(div 1 ?x)", bidirectional: true },
  // a/0 + b/0 is NaN when a = 0, but (a + b)/0 is not
  {
    name: "add-same-denominator",
    lhs: "(add (div ?a ?c) (div ?b ?c))",
    rhs: "(div (add ?a ?b) ?c)",
    when: nonZero("c"),
    bidirectional: true,
  },
  {
    name: "sub-same-denominator",
    lhs: "(sub (div ?a ?c) (div ?b ?c))",
    rhs: "(div (sub ?a ?b) ?c)",
    when: nonZero("c"),
    bidirectional: true,
  },
  // Reassociating quotients is exact over the reals, but in floats an intermediate b·c or a·b can underflow to
  // 0 or overflow to ∞ where the original did not (0/x/x at x = 5e-324 is 0; 0/(x·x) is 0/0): only where the
  // range analysis proves the magnitudes moderate.
  {
    name: "mul-div-associate",
    lhs: "(mul ?a (div ?b ?c))",
    rhs: "(div (mul ?a ?b) ?c)",
    when: moderate("a", "b", "c"),
    bidirectional: true,
  },
  {
    name: "div-div-numerator",
    lhs: "(div (div ?a ?b) ?c)",
    rhs: "(div ?a (mul ?b ?c))",
    when: moderate("b", "c"),
    bidirectional: true,
  },
  {
    name: "div-div-denominator",
    lhs: "(div ?a (div ?b ?c))",
    rhs: "(div (mul ?a ?c) ?b)",
    when: moderate("a", "b", "c"),
  },
];

/**
 * Powers. x^a·x^b = x^(a+b) fails in floating point where one factor is 0 or ∞ and the other its inverse
 * (0^−1·0^1 is NaN, 0^0 is 1), so it needs exponents of one sign or a base that is positive and finite.
 */
const sameSignIntegerExponents = any(naturalConstant("a", "b"), nonPositiveIntegerConstant("a", "b"));
const positiveBase = all(positiveFinite("x"), finite("a", "b"));

const POWERS: RuleSet = [
  { name: "mul-self-square", lhs: "(mul ?x ?x)", rhs: "(square ?x)", bidirectional: true },
  { name: "square-as-pow", lhs: "(square ?x)", rhs: "(pow ?x 2)", bidirectional: true },
  {
    name: "pow-mul-same-base",
    lhs: "(mul (pow ?x ?a) (pow ?x ?b))",
    rhs: "(pow ?x (add ?a ?b))",
    when: any(sameSignIntegerExponents, positiveBase),
  },
  {
    name: "pow-mul-base",
    lhs: "(mul (pow ?x ?a) ?x)",
    rhs: "(pow ?x (add ?a 1))",
    when: any(naturalConstant("a"), all(positiveFinite("x"), finite("a"))),
  },
  {
    name: "pow-pow",
    lhs: "(pow (pow ?x ?a) ?b)",
    rhs: "(pow ?x (mul ?a ?b))",
    when: any(integerConstant("a", "b"), all(positiveFinite("x"), finite("a", "b"))),
  },
  {
    name: "pow-mul-same-exponent",
    lhs: "(mul (pow ?x ?a) (pow ?y ?a))",
    rhs: "(pow (mul ?x ?y) ?a)",
    when: any(integerConstant("a"), all(positiveFinite("x", "y"), finite("a"))),
  },
  // (−∞)^0.5 is +∞ but sqrt(−∞) is NaN
  {
    name: "pow-half-as-sqrt",
    lhs: "(pow ?x 0.5)",
    rhs: "(sqrt ?x)",
    when: aboveMinusInfinity("x"),
    bidirectional: true,
  },
  {
    name: "square-mul",
    lhs: "(square (mul ?a ?b))",
    rhs: "(mul (square ?a) (square ?b))",
    bidirectional: true,
  },
  {
    name: "sqrt-mul",
    lhs: "(sqrt (mul ?a ?b))",
    rhs: "(mul (sqrt ?a) (sqrt ?b))",
    when: nonNegative("a", "b"),
    bidirectional: true,
  },
];

/** Exponentials and logarithms: products to sums and back, inverses where the domain allows. */
const EXP_LOG: RuleSet = [
  { name: "exp-add", lhs: "(exp (add ?a ?b))", rhs: "(mul (exp ?a) (exp ?b))", bidirectional: true },
  { name: "exp-sub", lhs: "(exp (sub ?a ?b))", rhs: "(div (exp ?a) (exp ?b))", bidirectional: true },
  { name: "exp-neg", lhs: "(exp (neg ?a))", rhs: "(div 1 (exp ?a))", bidirectional: true },
  { name: "log-exp", lhs: "(log (exp ?x))", rhs: "?x" },
  // log x is NaN for x < 0, so exp(log x) is x only where x ≥ 0
  { name: "exp-log", lhs: "(exp (log ?x))", rhs: "?x", when: nonNegative("x") },
  {
    name: "log-mul",
    lhs: "(log (mul ?a ?b))",
    rhs: "(add (log ?a) (log ?b))",
    when: nonNegative("a", "b"),
    bidirectional: true,
  },
  // the divisor must be strictly positive: a/(−0) is −∞, whose log is NaN, while log a − log(−0) is +∞
  {
    name: "log-div",
    lhs: "(log (div ?a ?b))",
    rhs: "(sub (log ?a) (log ?b))",
    when: all(nonNegative("a"), positive("b")),
    bidirectional: true,
  },
  {
    name: "log-pow",
    lhs: "(log (pow ?x ?a))",
    rhs: "(mul ?a (log ?x))",
    when: all(positiveFinite("x"), notNaN("a")),
  },
  {
    name: "exp-mul-log",
    lhs: "(exp (mul ?a (log ?x)))",
    rhs: "(pow ?x ?a)",
    when: all(positiveFinite("x"), notNaN("a")),
  },
  {
    name: "pow-exp",
    lhs: "(pow (exp ?a) ?b)",
    rhs: "(exp (mul ?a ?b))",
    when: finite("a"),
    // (e^1e-200)^−∞: e^1e-200 rounds to 1 and 1^±∞ is NaN, where the exact value (and the rhs) is 0
    refinesNaN: true,
  },
  { name: "log-sqrt", lhs: "(log (sqrt ?x))", rhs: "(mul 0.5 (log ?x))" },
  { name: "log-square", lhs: "(log (square ?x))", rhs: "(mul 2 (log (abs ?x)))" },
  { name: "log1p-expm1", lhs: "(log1p (expm1 ?x))", rhs: "?x" },
  { name: "expm1-log1p", lhs: "(expm1 (log1p ?x))", rhs: "?x", when: atLeast(-1, "x") },
  { name: "exp-log1p", lhs: "(exp (log1p ?x))", rhs: "(add 1 ?x)", when: atLeast(-1, "x") },
  { name: "logaddexp-commute", lhs: "(logaddexp ?a ?b)", rhs: "(logaddexp ?b ?a)" },
  { name: "logaddexp-self", lhs: "(logaddexp ?a ?a)", rhs: "(add ?a 0.6931471805599453)" },
];

/** Absolute value and sign. */
const ABS_SIGN: RuleSet = [
  { name: "abs-neg", lhs: "(abs (neg ?x))", rhs: "(abs ?x)" },
  { name: "abs-abs", lhs: "(abs (abs ?x))", rhs: "(abs ?x)" },
  { name: "abs-square", lhs: "(abs (square ?x))", rhs: "(square ?x)" },
  { name: "abs-exp", lhs: "(abs (exp ?x))", rhs: "(exp ?x)" },
  { name: "abs-mul", lhs: "(abs (mul ?a ?b))", rhs: "(mul (abs ?a) (abs ?b))", bidirectional: true },
  { name: "abs-of-non-negative", lhs: "(abs ?x)", rhs: "?x", when: nonNegative("x") },
  { name: "square-abs", lhs: "(square (abs ?x))", rhs: "(square ?x)" },
  { name: "square-neg", lhs: "(square (neg ?x))", rhs: "(square ?x)" },
  { name: "sign-times-abs", lhs: "(mul (sign ?x) (abs ?x))", rhs: "?x" },
  { name: "sign-neg", lhs: "(sign (neg ?x))", rhs: "(neg (sign ?x))", bidirectional: true },
  { name: "sign-sign", lhs: "(sign (sign ?x))", rhs: "(sign ?x)" },
  {
    name: "div-abs-as-sign",
    lhs: "(div ?x (abs ?x))",
    rhs: "(sign ?x)",
    when: all(finite("x"), nonZero("x")),
  },
  { name: "relu-as-maximum", lhs: "(relu ?x)", rhs: "(maximum ?x 0)", bidirectional: true },
  { name: "maximum-commute", lhs: "(maximum ?a ?b)", rhs: "(maximum ?b ?a)" },
  { name: "minimum-commute", lhs: "(minimum ?a ?b)", rhs: "(minimum ?b ?a)" },
  { name: "maximum-self", lhs: "(maximum ?x ?x)", rhs: "?x" },
  { name: "minimum-self", lhs: "(minimum ?x ?x)", rhs: "?x" },
  {
    name: "neg-maximum",
    lhs: "(neg (maximum ?a ?b))",
    rhs: "(minimum (neg ?a) (neg ?b))",
    bidirectional: true,
  },
  {
    name: "neg-minimum",
    lhs: "(neg (minimum ?a ?b))",
    rhs: "(maximum (neg ?a) (neg ?b))",
    bidirectional: true,
  },
];

/** Comparisons and logic. `not (a < b)` is `a ≥ b` only without NaN (every comparison with NaN is false). */
const LOGIC: RuleSet = [
  { name: "lt-as-gt", lhs: "(lt ?a ?b)", rhs: "(gt ?b ?a)", bidirectional: true },
  { name: "le-as-ge", lhs: "(le ?a ?b)", rhs: "(ge ?b ?a)", bidirectional: true },
  { name: "eq-commute", lhs: "(eq ?a ?b)", rhs: "(eq ?b ?a)" },
  { name: "neq-commute", lhs: "(neq ?a ?b)", rhs: "(neq ?b ?a)" },
  { name: "and-commute", lhs: "(and ?a ?b)", rhs: "(and ?b ?a)" },
  { name: "or-commute", lhs: "(or ?a ?b)", rhs: "(or ?b ?a)" },
  { name: "not-not", lhs: "(not (not ?c))", rhs: "?c" },
  { name: "not-eq", lhs: "(not (eq ?a ?b))", rhs: "(neq ?a ?b)", bidirectional: true },
  { name: "not-lt", lhs: "(not (lt ?a ?b))", rhs: "(ge ?a ?b)", when: notNaN("a", "b") },
  { name: "not-le", lhs: "(not (le ?a ?b))", rhs: "(gt ?a ?b)", when: notNaN("a", "b") },
  { name: "where-same", lhs: "(where ?c ?x ?x)", rhs: "?x" },
  { name: "where-not", lhs: "(where (not ?c) ?a ?b)", rhs: "(where ?c ?b ?a)" },
];

/** Parity of the odd and even functions, and two trigonometric identities. */
const PARITY: RuleSet = [
  ...(["sin", "tan", "sinh", "tanh", "asin", "atan", "asinh", "atanh", "erf"] as const).map((f) => ({
    name: `${f}-odd`,
    lhs: `(${f} (neg ?x))`,
    rhs: `(neg (${f} ?x))`,
    bidirectional: true,
  })),
  { name: "cos-even", lhs: "(cos (neg ?x))", rhs: "(cos ?x)" },
  { name: "cosh-even", lhs: "(cosh (neg ?x))", rhs: "(cosh ?x)" },
  { name: "cos-abs", lhs: "(cos (abs ?x))", rhs: "(cos ?x)" },
  { name: "cosh-abs", lhs: "(cosh (abs ?x))", rhs: "(cosh ?x)" },
  { name: "tan-as-quotient", lhs: "(div (sin ?x) (cos ?x))", rhs: "(tan ?x)" },
  { name: "pythagoras", lhs: "(add (square (sin ?x)) (square (cos ?x)))", rhs: "1", when: finite("x") },
];

/** Every algebraic rule. */
export const ALGEBRA_RULES: RuleSet = [
  ...IDENTITIES,
  ...ASSOCIATIVE_COMMUTATIVE,
  ...DISTRIBUTION,
  ...NEGATION,
  ...DIVISION,
  ...POWERS,
  ...EXP_LOG,
  ...ABS_SIGN,
  ...LOGIC,
  ...PARITY,
];
