/**
 * Soundness of every rewrite rule, and of whole optimizations.
 *
 * For each rule of `DEFAULT_RULES` (adding a rule adds its check), both sides are instantiated as terms over
 * fresh float64 variables, at several shapes and attribute choices, and evaluated by the reference interpreter
 * at sampled inputs — ordinary values, extremes (±1000, 1e-12, 1e200) and NaN/±∞ — wherever the rule's `when`
 * holds for what the analyses could know of those inputs (their point ranges). Results must agree up to
 * rounding; where the float64 results differ, both sides are evaluated again in 250-digit arithmetic and must
 * agree there: a naive side that overflows (log(1 + e¹⁰⁰⁰) = ∞) may differ from its stable rewrite, a side that
 * is mathematically different (NaN against a number, sqrt(x)² against x for x < 0) may not.
 */
import assert from "node:assert/strict";
import { DEFAULT_RULES } from "../../rewrite/rules/index.ts";
import type { RuleSpec } from "../../rewrite/rule.ts";
import {
  compareAt,
  conditionInfo,
  type Instance,
  instancesOf,
  sampleBindings,
  sampleValue,
  seededRandom,
} from "./_rule_instances.ts";
import { simplify } from "../../rewrite/simplify.ts";
import * as T from "../../mod.ts";
import { NDArray } from "../../cas/ndarray.ts";
import { Term } from "../../cas/term.ts";
import type { OpName } from "../../cas/ops/names.ts";

/** Samples per instance: scalar instances are cheap and where the special values matter most. */
const SCALAR_SAMPLES = 300;
const TENSOR_SAMPLES = 30;
/** A rule whose condition held on fewer samples than this is not really tested: that is a failure too. */
const MIN_CHECKED = 20;

interface RuleOutcome {
  checked: number;
  rounding: number;
  undecided: number;
  failure?: string;
}

function checkInstance(
  instance: Instance,
  samples: number,
  random: () => number,
  outcome: RuleOutcome,
): void {
  for (let s = 0; s < samples && outcome.failure === undefined; s++) {
    const bindings = sampleBindings(instance, random);
    if (instance.rule.when && !instance.rule.when(conditionInfo(instance, bindings))) continue;
    const verdict = compareAt(instance.lhs, instance.rhs, bindings, instance.rule.refinesNaN);
    outcome.checked++;
    if (verdict.kind === "rounding") outcome.rounding++;
    else if (verdict.kind === "undecided") outcome.undecided++;
    else if (verdict.kind === "different") {
      const shapes = [...instance.shapes].map(([n, sh]) => `?${n}:[${sh}]`).join(" ");
      const attrs = [...instance.attrs].map(([n, a]) => `@${n}=${JSON.stringify(a)}`).join(" ");
      outcome.failure = `${instance.rule.name} (${shapes} ${attrs}) ${String(instance.lhs)} ≠ ${
        String(instance.rhs)
      } ${verdict.detail}`;
    }
  }
}

function checkRule(rule: RuleSpec, seed: number): RuleOutcome {
  const random = seededRandom(seed);
  const outcome: RuleOutcome = { checked: 0, rounding: 0, undecided: 0 };
  const instances = instancesOf(rule, random);
  if (instances.length === 0) {
    outcome.failure = `${rule.name}: no shapes or attributes make both sides type-check`;
    return outcome;
  }
  for (const instance of instances) {
    const scalar = [...instance.shapes.values()].every((s) => s.length === 0);
    checkInstance(instance, scalar ? SCALAR_SAMPLES : TENSOR_SAMPLES, random, outcome);
  }
  // a rare condition gets more draws before the rule is called untested
  for (let round = 0; round < 5 && outcome.checked < MIN_CHECKED && outcome.failure === undefined; round++) {
    for (const instance of instances) checkInstance(instance, SCALAR_SAMPLES, random, outcome);
  }
  if (outcome.failure === undefined && outcome.checked < MIN_CHECKED) {
    outcome.failure = `${rule.name}: its condition held on only ${outcome.checked} samples`;
  }
  return outcome;
}

Deno.test("every rule of DEFAULT_RULES preserves values on its domain (float64, NaN and ±∞ included)", () => {
  const failures: string[] = [];
  let checked = 0, rounding = 0, undecided = 0;
  DEFAULT_RULES.forEach((rule, i) => {
    const outcome = checkRule(rule, 1000 + i);
    checked += outcome.checked;
    rounding += outcome.rounding;
    undecided += outcome.undecided;
    if (outcome.failure) failures.push(outcome.failure);
  });
  assert.deepEqual(failures, [], `${failures.length} unsound rule(s):\n${failures.join("\n")}`);
  // most samples must be decided: an evaluator that gave up everywhere would prove nothing
  assert.ok(undecided < checked * 0.02, `${undecided} of ${checked} samples undecided`);
  assert.ok(rounding > 0, "no sample needed the high-precision check: the extremes are not being sampled");
});

Deno.test("the soundness check catches unsound rules", () => {
  const unsound: RuleSpec[] = [
    { name: "mul-zero-unguarded", lhs: "(mul ?x 0)", rhs: "0" },
    { name: "sqrt-square-back", lhs: "(square (sqrt ?x))", rhs: "?x" },
    { name: "exp-log-unguarded", lhs: "(exp (log ?x))", rhs: "?x" },
    { name: "sum-add-broadcast", lhs: "(sum@a (add ?x ?y))", rhs: "(add (sum@a ?x) (sum@a ?y))" },
    { name: "sigmoid-from-ratio-unguarded", lhs: "(div (exp ?x) (add 1 (exp ?x)))", rhs: "(sigmoid ?x)" },
    { name: "off-by-a-little", lhs: "(log1p ?x)", rhs: "(mul 1.000001 (log1p ?x))" },
    // refinesNaN only excuses NaN at infinite inputs, not a wrong finite value
    {
      name: "wrong-but-refining",
      lhs: "(div (exp ?x) (add 1 (exp ?x)))",
      rhs: "(sigmoid (neg ?x))",
      refinesNaN: true,
    },
  ];
  for (const [i, rule] of unsound.entries()) {
    assert.ok(checkRule(rule, 7 + i).failure !== undefined, `${rule.name} was not caught`);
  }
});

Deno.test("pow-exp gives the exact limit where the naive side's base rounds to 1 (an infinite exponent)", () => {
  const rule = DEFAULT_RULES.find((r) => r.name === "pow-exp")!;
  const a = T.scalar("a", "float64"), b = T.scalar("b", "float64");
  const lhs = T.pow(T.exp(a), b), rhs = T.exp(T.mul(a, b));
  for (const [x, y] of [[1e-200, -Infinity], [-1e-200, -Infinity], [1e-200, Infinity]]) {
    const bindings = new Map([[a, new NDArray(new Float64Array([x]), [])], [
      b,
      new NDArray(new Float64Array([y]), []),
    ]]);
    assert.equal(compareAt(lhs, rhs, bindings, false).kind, "different", `(${x}, ${y}) without refinesNaN`);
    assert.notEqual(compareAt(lhs, rhs, bindings, rule.refinesNaN).kind, "different", `(${x}, ${y})`);
  }
});

// ------------------------------------------------------------------------------------------ fuzzing simplify

const UNARY = [
  "neg",
  "exp",
  "log",
  "log1p",
  "expm1",
  "sqrt",
  "square",
  "abs",
  "sigmoid",
  "softplus",
  "tanh",
  "sin",
];
const BINARY = ["add", "sub", "mul", "div", "maximum", "logaddexp"];
const CONSTANTS = [0, 1, 2, 0.5, -1];

/** A random elementwise term over `leaves`, biased toward the shapes the stability rules look for. */
function randomTerm(random: () => number, leaves: readonly Term[], depth: number): Term {
  const pick = <X>(xs: readonly X[]) => xs[Math.floor(random() * xs.length)];
  const sub = () => randomTerm(random, leaves, depth - 1);
  if (depth === 0 || random() < 0.2) {
    return random() < 0.75 ? pick(leaves) : T.constant(pick(CONSTANTS), "float64");
  }
  const u = random();
  if (u < 0.35) return Term.make(pick(UNARY) as OpName, [sub()], {});
  if (u < 0.5) return T.add(1, T.exp(sub())); // 1 + exp(…): a stability target
  return Term.make(pick(BINARY) as OpName, [sub(), sub()], {});
}

/** Simplifies random terms and compares each with its simplified form at random inputs; returns the failures. */
function fuzz(
  seed: number,
  terms: number,
  shape: readonly number[],
  reduce: boolean,
  extraRules: RuleSpec[] = [],
): string[] {
  const random = seededRandom(seed);
  const leaves = ["x", "y", "z"].map((n) => T.tensor(`fuzz_${n}`, { dtype: "float64", shape }));
  const failures: string[] = [];
  let rewritten = 0;
  for (let k = 0; k < terms; k++) {
    let term = randomTerm(random, leaves, 4);
    if (reduce && term.ndim > 0) term = random() < 0.5 ? T.sum(term, -1) : T.log(T.sum(T.exp(term), -1));
    const simplified = simplify(term, { timeLimitMs: 100, nodeLimit: 5000, extraRules });
    if (simplified !== term) rewritten++;
    for (let s = 0; s < 40; s++) {
      const bindings = new Map(leaves.map((leaf) => {
        const data = Float64Array.from(
          { length: shape.reduce((a, b) => a * b, 1) },
          () => sampleValue(random),
        );
        return [leaf, new NDArray(data, shape)] as const;
      }));
      // the optimizer may refine NaN at infinite inputs (rules marked refinesNaN), and nothing else
      const verdict = compareAt(term, simplified, bindings, true);
      if (verdict.kind === "different") {
        failures.push(`${String(term)} ⇒ ${String(simplified)} ${verdict.detail}`);
        break;
      }
    }
  }
  assert.ok(rewritten >= terms / 4, `only ${rewritten} of ${terms} random terms were rewritten`);
  return failures;
}

Deno.test("simplify() preserves the values of random scalar terms", () => {
  const failures = fuzz(42, 150, [], false);
  assert.deepEqual(failures, [], failures.join("\n"));
});

Deno.test("simplify() preserves the values of random vector terms and their reductions", () => {
  const failures = fuzz(4242, 60, [3], true);
  assert.deepEqual(failures, [], failures.join("\n"));
});

Deno.test("the fuzz test catches an unsound rule given to simplify()", () => {
  const unsound = [{ name: "sigmoid-as-relu", lhs: "(sigmoid ?x)", rhs: "(relu ?x)" }];
  assert.notDeepEqual(fuzz(42, 150, [], false, unsound), []);
});
