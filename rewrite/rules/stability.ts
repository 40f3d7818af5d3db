/**
 * Numerical-stability rules: each turns a form that overflows, underflows or cancels into one that does not
 * (`log(1 + exp x)` into `softplus x`), or recognises a composite op from its definition. Together with the
 * algebra rules they generalize: `log(exp a + exp b + exp c)` becomes nested `logaddexp`, the crossentropy of a
 * hand-written softmax becomes `z − logsumexp z`, and so on.
 *
 * Soundness is as strict as for algebra: both sides agree on every float64 input up to rounding, NaN and ±∞
 * included, with one named exception: several naive forms are NaN at an infinite input only because of ∞/∞ or
 * ∞ − ∞ (`exp x / (1 + exp x)` at x = +∞), where their stable form gives the limit (1). Those rules are marked
 * `refinesNaN`; the soundness test allows exactly that difference and nothing else.
 * @module
 */
import type { RuleSet } from "../rule.ts";
import { all, finite, nonNegative, nonZeroConstant, positive } from "./conditions.ts";

/** log1p and expm1: the catalog's first two rules (PyTensor `local_log1p`, `local_expm1`). */
const LOG1P_EXPM1: RuleSet = [
  { name: "log1p-from-log", lhs: "(log (add 1 ?x))", rhs: "(log1p ?x)" },
  { name: "log1p-from-log-right", lhs: "(log (add ?x 1))", rhs: "(log1p ?x)" },
  { name: "log1p-from-log-sub", lhs: "(log (sub 1 ?x))", rhs: "(log1p (neg ?x))" },
  { name: "expm1-from-exp", lhs: "(sub (exp ?x) 1)", rhs: "(expm1 ?x)" },
  { name: "expm1-from-exp-add", lhs: "(add (exp ?x) -1)", rhs: "(expm1 ?x)" },
  { name: "neg-expm1-from-exp", lhs: "(sub 1 (exp ?x))", rhs: "(neg (expm1 ?x))" },
  // log(eˣ − 1) = x + log(1 − e⁻ˣ): no overflow for large x
  { name: "log-expm1", lhs: "(log (expm1 ?x))", rhs: "(add ?x (log1mexp (neg ?x)))" },
];

/** softplus, sigmoid and their logarithms. */
const SIGMOID_SOFTPLUS: RuleSet = [
  { name: "softplus-from-log1p", lhs: "(log1p (exp ?x))", rhs: "(softplus ?x)" },
  { name: "softplus-from-log", lhs: "(log (add 1 (exp ?x)))", rhs: "(softplus ?x)" },
  { name: "softplus-from-logaddexp", lhs: "(logaddexp ?x 0)", rhs: "(softplus ?x)" },
  { name: "exp-softplus", lhs: "(exp (softplus ?x))", rhs: "(add 1 (exp ?x))" },
  { name: "softplus-difference", lhs: "(sub (softplus ?x) (softplus (neg ?x)))", rhs: "?x" },
  // softplus(x) − x at x = +∞ is ∞ − ∞
  {
    name: "softplus-minus-x",
    lhs: "(sub (softplus ?x) ?x)",
    rhs: "(softplus (neg ?x))",
    refinesNaN: true,
  },
  { name: "sigmoid-from-reciprocal", lhs: "(div 1 (add 1 (exp (neg ?x))))", rhs: "(sigmoid ?x)" },
  { name: "sigmoid-of-neg-from-reciprocal", lhs: "(div 1 (add 1 (exp ?x)))", rhs: "(sigmoid (neg ?x))" },
  // eˣ/(1 + eˣ) is ∞/∞ at x = +∞
  {
    name: "sigmoid-from-ratio",
    lhs: "(div (exp ?x) (add 1 (exp ?x)))",
    rhs: "(sigmoid ?x)",
    refinesNaN: true,
  },
  {
    name: "sigmoid-from-two-exps",
    lhs: "(div (exp ?a) (add (exp ?a) (exp ?b)))",
    rhs: "(sigmoid (sub ?a ?b))",
    refinesNaN: true,
  },
  { name: "one-minus-sigmoid", lhs: "(sub 1 (sigmoid ?x))", rhs: "(sigmoid (neg ?x))" },
  // σ(−x)·eˣ = eˣ/(1 + eˣ): the shape the gradient of log(1 + eˣ) takes; 0·∞ at x = +∞ where σ(x) gives 1
  {
    name: "sigmoid-from-product",
    lhs: "(mul (sigmoid (neg ?x)) (exp ?x))",
    rhs: "(sigmoid ?x)",
    refinesNaN: true,
  },
  {
    name: "sigmoid-neg-from-product",
    lhs: "(mul (sigmoid ?x) (exp (neg ?x)))",
    rhs: "(sigmoid (neg ?x))",
    refinesNaN: true,
  },
  { name: "exp-neg-softplus", lhs: "(exp (neg (softplus (neg ?x))))", rhs: "(sigmoid ?x)" },
  { name: "log-sigmoid", lhs: "(log (sigmoid ?x))", rhs: "(neg (softplus (neg ?x)))" },
  { name: "log-one-minus-sigmoid", lhs: "(log (sub 1 (sigmoid ?x)))", rhs: "(neg (softplus ?x))" },
  { name: "log1p-neg-sigmoid", lhs: "(log1p (neg (sigmoid ?x)))", rhs: "(neg (softplus ?x))" },
  // log(1/x) = −log x, except at x = −0 (1/−0 = −∞): only for x > 0
  { name: "log-reciprocal", lhs: "(log (div 1 ?x))", rhs: "(neg (log ?x))", when: positive("x") },
];

/** logsumexp, logaddexp and softmax, written by hand or as ops. */
const LOG_SUM_EXP: RuleSet = [
  { name: "logsumexp-from-log-sum-exp", lhs: "(log (sum@a (exp ?v)))", rhs: "(logsumexp@a ?v)" },
  { name: "logaddexp-from-log", lhs: "(log (add (exp ?a) (exp ?b)))", rhs: "(logaddexp ?a ?b)" },
  // lets log(eᵃ + eᵇ + eᶜ) nest: eᵃ + eᵇ = e^logaddexp(a, b)
  { name: "exp-sum-as-exp-logaddexp", lhs: "(add (exp ?a) (exp ?b))", rhs: "(exp (logaddexp ?a ?b))" },
  // x − log(eˣ + eʸ) cancels when x ≫ y; −softplus(y − x) does not. At x = +∞ the left side is ∞ − ∞.
  {
    name: "x-minus-logaddexp",
    lhs: "(sub ?x (logaddexp ?x ?y))",
    rhs: "(neg (softplus (sub ?y ?x)))",
    refinesNaN: true,
  },
  // a hand-written softmax over any axes is exp(z − logsumexp z), which never overflows
  {
    name: "softmax-from-ratio",
    lhs: "(div (exp ?z) (sum@a (exp ?z)))",
    rhs: "(exp (sub ?z (logsumexp@a ?z)))",
  },
  { name: "log-softmax", lhs: "(log (softmax@a ?z))", rhs: "(logSoftmax@a ?z)" },
  { name: "exp-log-softmax", lhs: "(exp (logSoftmax@a ?z))", rhs: "(softmax@a ?z)" },
];

/** log(1 − eˣ): Mächler's log1mexp. */
const LOG1MEXP: RuleSet = [
  { name: "log1mexp-from-log", lhs: "(log (sub 1 (exp ?x)))", rhs: "(log1mexp ?x)" },
  { name: "log1mexp-from-log1p", lhs: "(log1p (neg (exp ?x)))", rhs: "(log1mexp ?x)" },
  { name: "log1mexp-from-expm1", lhs: "(log (neg (expm1 ?x)))", rhs: "(log1mexp ?x)" },
];

/** Roots and norms: absolute values instead of NaN-prone round trips, hypot instead of overflowing squares. */
const ROOTS: RuleSet = [
  { name: "sqrt-square", lhs: "(sqrt (square ?x))", rhs: "(abs ?x)" },
  { name: "sqrt-mul-self", lhs: "(sqrt (mul ?x ?x))", rhs: "(abs ?x)" },
  // sqrt x is NaN for x < 0: squaring it back gives x only where x ≥ 0 (the NaN region is kept)
  { name: "square-sqrt", lhs: "(square (sqrt ?x))", rhs: "?x", when: nonNegative("x") },
  { name: "mul-sqrt-self", lhs: "(mul (sqrt ?x) (sqrt ?x))", rhs: "?x", when: nonNegative("x") },
  // Math.hypot(NaN, ∞) is ∞ (IEEE 754's hypot) while sqrt(NaN + ∞) is NaN: a NaN refined at an infinite input
  {
    name: "hypot-from-sqrt",
    lhs: "(sqrt (add (square ?a) (square ?b)))",
    rhs: "(hypot ?a ?b)",
    refinesNaN: true,
  },
  { name: "hypot-one-from-sqrt", lhs: "(sqrt (add 1 (square ?x)))", rhs: "(hypot 1 ?x)" },
  // √(x + c) − √x cancels for large x; c/(√(x + c) + √x) does not (x = +∞ gives ∞ − ∞ on the left)
  {
    name: "sqrt-difference-conjugate",
    lhs: "(sub (sqrt (add ?x ?c)) (sqrt ?x))",
    rhs: "(div ?c (add (sqrt (add ?x ?c)) (sqrt ?x)))",
    when: nonZeroConstant("c"),
    refinesNaN: true,
  },
  {
    name: "sqrt-difference-general",
    lhs: "(sub (sqrt ?a) (sqrt ?b))",
    rhs: "(div (sub ?a ?b) (add (sqrt ?a) (sqrt ?b)))",
    when: all(finite("a", "b"), positive("a"), nonNegative("b")),
  },
];

/** Trigonometric and hyperbolic functions recognised from their cancelling definitions. */
const TRANSCENDENTAL: RuleSet = [
  // 1 − cos x = 2 sin²(x/2): no cancellation near 0
  { name: "one-minus-cos", lhs: "(sub 1 (cos ?x))", rhs: "(mul 2 (square (sin (mul 0.5 ?x))))" },
  { name: "cos-minus-one", lhs: "(sub (cos ?x) 1)", rhs: "(mul -2 (square (sin (mul 0.5 ?x))))" },
  { name: "sinh-from-exp", lhs: "(mul 0.5 (sub (exp ?x) (exp (neg ?x))))", rhs: "(sinh ?x)" },
  { name: "sinh-from-exp-div", lhs: "(div (sub (exp ?x) (exp (neg ?x))) 2)", rhs: "(sinh ?x)" },
  { name: "cosh-from-exp", lhs: "(mul 0.5 (add (exp ?x) (exp (neg ?x))))", rhs: "(cosh ?x)" },
  { name: "cosh-from-exp-div", lhs: "(div (add (exp ?x) (exp (neg ?x))) 2)", rhs: "(cosh ?x)" },
  // (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ) is ∞/∞ at x = ±∞; x − x is NaN exactly there and 0 elsewhere
  {
    name: "tanh-from-exp",
    lhs: "(div (sub (exp ?x) (exp (neg ?x))) (add (exp ?x) (exp (neg ?x))))",
    rhs: "(tanh ?x)",
    refinesNaN: true,
  },
  // log(x + √(x² + 1)) cancels for x ≪ 0 and is NaN at x = −∞ (−∞ + ∞)
  {
    name: "asinh-from-log",
    lhs: "(log (add ?x (sqrt (add (square ?x) 1))))",
    rhs: "(asinh ?x)",
    refinesNaN: true,
  },
  { name: "acosh-from-log", lhs: "(log (add ?x (sqrt (sub (square ?x) 1))))", rhs: "(acosh ?x)" },
  { name: "atanh-from-log", lhs: "(log (div (add 1 ?x) (sub 1 ?x)))", rhs: "(mul 2 (atanh ?x))" },
];

/** Every stability rule. */
export const STABILITY_RULES: RuleSet = [
  ...LOG1P_EXPM1,
  ...SIGMOID_SOFTPLUS,
  ...LOG_SUM_EXP,
  ...LOG1MEXP,
  ...ROOTS,
  ...TRANSCENDENTAL,
];
