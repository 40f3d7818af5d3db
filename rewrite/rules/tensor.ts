/**
 * Tensor rules: reductions, matrix products, transposes and indexing moved through elementwise ops. They hold
 * only where no operand broadcasts against another (Σ(x + y) = Σx + Σy fails when y is a row broadcast down x's
 * columns), so each states that its operands have one static shape; the engine's type check rejects the rest.
 * Under Theano's static broadcasting rule equal static shapes mean equal runtime shapes.
 * @module
 */
import type { RuleSet } from "../rule.ts";
import { all, finite, sameShape, scalar } from "./conditions.ts";

/** Sums and means of sums, maxima of monotone functions, shifts of logsumexp and softmax. */
const REDUCTIONS: RuleSet = [
  {
    name: "sum-add",
    lhs: "(sum@a (add ?x ?y))",
    rhs: "(add (sum@a ?x) (sum@a ?y))",
    when: sameShape("x", "y"),
    bidirectional: true,
  },
  {
    name: "sum-sub",
    lhs: "(sum@a (sub ?x ?y))",
    rhs: "(sub (sum@a ?x) (sum@a ?y))",
    when: sameShape("x", "y"),
    bidirectional: true,
  },
  {
    name: "mean-add",
    lhs: "(mean@a (add ?x ?y))",
    rhs: "(add (mean@a ?x) (mean@a ?y))",
    when: sameShape("x", "y"),
  },
  { name: "mean-neg", lhs: "(mean@a (neg ?x))", rhs: "(neg (mean@a ?x))" },
  { name: "max-neg", lhs: "(max@a (neg ?x))", rhs: "(neg (min@a ?x))", bidirectional: true },
  { name: "min-neg", lhs: "(min@a (neg ?x))", rhs: "(neg (max@a ?x))", bidirectional: true },
  // a shift by ∞ turns −∞ entries into NaN, which the maximum then propagates: only finite shifts
  {
    name: "max-add-scalar",
    lhs: "(max@a (add ?x ?c))",
    rhs: "(add (max@a ?x) ?c)",
    when: all(scalar("c"), finite("c")),
  },
  {
    name: "min-add-scalar",
    lhs: "(min@a (add ?x ?c))",
    rhs: "(add (min@a ?x) ?c)",
    when: all(scalar("c"), finite("c")),
  },
  { name: "max-exp", lhs: "(max@a (exp ?x))", rhs: "(exp (max@a ?x))" },
  { name: "min-exp", lhs: "(min@a (exp ?x))", rhs: "(exp (min@a ?x))" },
  {
    name: "logsumexp-add-scalar",
    lhs: "(logsumexp@a (add ?x ?c))",
    rhs: "(add (logsumexp@a ?x) ?c)",
    when: all(scalar("c"), finite("c")),
  },
  {
    name: "softmax-shift",
    lhs: "(softmax@a (add ?x ?c))",
    rhs: "(softmax@a ?x)",
    when: all(scalar("c"), finite("c")),
  },
  {
    name: "log-softmax-shift",
    lhs: "(logSoftmax@a (add ?x ?c))",
    rhs: "(logSoftmax@a ?x)",
    when: all(scalar("c"), finite("c")),
  },
];

/** A softmax written by hand over one axis with `keepdims` is the softmax op (literal attributes, axes 0–3). */
const SOFTMAX: RuleSet = [0, 1, 2, 3].map((axis) => ({
  name: `softmax-from-ratio-axis${axis}`,
  lhs: `(div (exp ?z) (sum@{"axes":[${axis}],"keepdims":true} (exp ?z)))`,
  rhs: `(softmax@{"axis":${axis}} ?z)`,
}));

/** Matrix products: scalars and negations out, (AB)ᵀ = BᵀAᵀ, distribution over sums (by a finite factor). */
const MATMUL: RuleSet = [
  {
    name: "matmul-scalar-left",
    lhs: "(matmul (mul ?s ?a) ?b)",
    rhs: "(mul ?s (matmul ?a ?b))",
    when: all(scalar("s"), finite("s")),
  },
  {
    name: "matmul-scalar-right",
    lhs: "(matmul ?a (mul ?s ?b))",
    rhs: "(mul ?s (matmul ?a ?b))",
    when: all(scalar("s"), finite("s")),
  },
  { name: "matmul-neg-left", lhs: "(matmul (neg ?a) ?b)", rhs: "(neg (matmul ?a ?b))", bidirectional: true },
  { name: "matmul-neg-right", lhs: "(matmul ?a (neg ?b))", rhs: "(neg (matmul ?a ?b))" },
  {
    name: "matmul-add-right",
    lhs: "(matmul ?a (add ?b ?c))",
    rhs: "(add (matmul ?a ?b) (matmul ?a ?c))",
    when: all(sameShape("b", "c"), finite("a")),
    bidirectional: true,
  },
  {
    name: "matmul-add-left",
    lhs: "(matmul (add ?a ?b) ?c)",
    rhs: "(add (matmul ?a ?c) (matmul ?b ?c))",
    when: all(sameShape("a", "b"), finite("c")),
    bidirectional: true,
  },
  // only rank-2 operands match: a vector or batch makes the product's rank differ from 2
  {
    name: "transpose-matmul",
    lhs: '(transpose@{"perm":[1,0]} (matmul ?a ?b))',
    rhs: '(matmul (transpose@{"perm":[1,0]} ?b) (transpose@{"perm":[1,0]} ?a))',
    bidirectional: true,
  },
];

/** Transposes and indexing moved through elementwise ops of one shape. */
const LAYOUT: RuleSet = [
  {
    name: "transpose-add",
    lhs: "(transpose@p (add ?x ?y))",
    rhs: "(add (transpose@p ?x) (transpose@p ?y))",
    when: sameShape("x", "y"),
  },
  {
    name: "transpose-mul",
    lhs: "(transpose@p (mul ?x ?y))",
    rhs: "(mul (transpose@p ?x) (transpose@p ?y))",
    when: sameShape("x", "y"),
  },
  { name: "transpose-neg", lhs: "(transpose@p (neg ?x))", rhs: "(neg (transpose@p ?x))" },
  { name: "transpose-exp", lhs: "(transpose@p (exp ?x))", rhs: "(exp (transpose@p ?x))" },
  {
    name: "index-add",
    lhs: "(index@i (add ?x ?y))",
    rhs: "(add (index@i ?x) (index@i ?y))",
    when: sameShape("x", "y"),
  },
  {
    name: "index-mul",
    lhs: "(index@i (mul ?x ?y))",
    rhs: "(mul (index@i ?x) (index@i ?y))",
    when: sameShape("x", "y"),
  },
  { name: "index-exp", lhs: "(index@i (exp ?x))", rhs: "(exp (index@i ?x))" },
  { name: "index-neg", lhs: "(index@i (neg ?x))", rhs: "(neg (index@i ?x))" },
];

/**
 * Explicit broadcasts that elementwise ops would do anyway (gradients build `broadcastTo(1, like)` to get a
 * shape). The engine only merges a rewrite whose type equals the class's, so these fire exactly where the
 * implicit broadcast gives the same shape.
 */
const BROADCASTS: RuleSet = [
  { name: "broadcast-to-own-shape", lhs: "(broadcastTo ?x ?like)", rhs: "?x" },
  { name: "mul-implicit-broadcast", lhs: "(mul (broadcastTo ?x ?like) ?y)", rhs: "(mul ?x ?y)" },
  { name: "add-implicit-broadcast", lhs: "(add (broadcastTo ?x ?like) ?y)", rhs: "(add ?x ?y)" },
  { name: "sub-implicit-broadcast", lhs: "(sub ?y (broadcastTo ?x ?like))", rhs: "(sub ?y ?x)" },
  { name: "div-implicit-broadcast", lhs: "(div ?y (broadcastTo ?x ?like))", rhs: "(div ?y ?x)" },
  { name: "div-numerator-implicit-broadcast", lhs: "(div (broadcastTo ?x ?like) ?y)", rhs: "(div ?x ?y)" },
];

/** The tensor rules. */
export const TENSOR_RULES: RuleSet = [...REDUCTIONS, ...SOFTMAX, ...MATMUL, ...LAYOUT, ...BROADCASTS];
