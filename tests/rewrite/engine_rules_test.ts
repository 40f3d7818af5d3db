import assert from "node:assert/strict";
import { RuleError, type RuleSpec, validateRules } from "../../rewrite/rule.ts";

const rule = (lhs: string, rhs: string, extra: Partial<RuleSpec> = {}): RuleSpec => ({
  name: "r",
  lhs,
  rhs,
  ...extra,
});

Deno.test("validateRules accepts good rules and adds the reverse of bidirectional ones", () => {
  const parsed = validateRules([
    { name: "mul-one", lhs: "(mul ?x 1)", rhs: "?x" },
    { name: "comm", lhs: "(add ?a ?b)", rhs: "(add ?b ?a)", bidirectional: true },
    { name: "lse", lhs: "(log (sum@a (exp ?x)))", rhs: "(logsumexp@a ?x)" },
    { name: "softmax", lhs: "(log (softmax@s ?x))", rhs: "(logSoftmax@s ?x)" },
    {
      name: "literal",
      lhs: '(sum@{"axes":[0],"keepdims":false} ?x)',
      rhs: '(sum@{"axes":[0],"keepdims":false} ?x)',
    },
    { name: "cond", lhs: "(exp (log ?x))", rhs: "?x", when: (v) => v.x.range.lo > 0 },
  ]);
  assert.deepEqual(parsed.map((p) => p.name), [
    "mul-one",
    "comm",
    "comm-rev",
    "lse",
    "softmax",
    "literal",
    "cond",
  ]);
  assert.equal(typeof parsed[6].when, "function");
});

Deno.test("validateRules rejects unknown operators, naming the rule", () => {
  assert.throws(
    () => validateRules([rule("(frobnicate ?x)", "?x")]),
    /rule r: lhs uses unknown operator "frobnicate"/,
  );
  assert.throws(() => validateRules([rule("(exp ?x)", "(var)")]), /rule r: rhs uses unknown operator "var"/);
});

Deno.test("validateRules rejects wrong arities", () => {
  assert.throws(
    () => validateRules([rule("(exp ?x ?y)", "?x")]),
    /rule r: lhs gives exp 2 argument\(s\), it takes 1/,
  );
  assert.throws(() => validateRules([rule("(add ?x)", "?x")]), RuleError);
  assert.throws(() => validateRules([rule("?x", "(where ?x ?x)")]), /takes 3/);
});

Deno.test("validateRules rejects right-hand variables the left-hand side does not bind", () => {
  assert.throws(
    () => validateRules([rule("(exp ?x)", "(add ?x ?y)")]),
    /rule r: \?y on the rhs is not bound by the lhs/,
  );
  assert.throws(
    () => validateRules([rule("(sum ?x)", "(logsumexp@a ?x)")]),
    /rule r: @a on the rhs is not bound by the lhs/,
  );
  assert.throws(
    () => validateRules([{ name: "lossy", lhs: "(mul ?x 0)", rhs: "0", bidirectional: true }]),
    /rule lossy-rev: \?x on the rhs is not bound/,
  );
});

Deno.test("validateRules rejects attribute variables shared between ops with different attributes", () => {
  assert.throws(
    () => validateRules([rule("(sum@a ?x)", "(softmax@a ?x)")]),
    /attribute variable @a is used for reduction \{axes, keepdims\} and for softmax's \{axis\}/,
  );
  assert.throws(() => validateRules([rule("(exp@a ?x)", "?x")]), /exp has no attributes to bind/);
  assert.throws(() => validateRules([rule('(sum@"axes" ?x)', "?x")]), RuleError);
});

Deno.test("validateRules rejects bad syntax, bad literals, unnamed and duplicate rules", () => {
  assert.throws(() => validateRules([rule("(exp ?x", "?x")]), /rule r: pattern "\(exp \?x": missing '\)'/);
  assert.throws(
    () => validateRules([rule("(exp x)", "?x")]),
    /rule r: lhs has "x", which is neither a number nor \?var/,
  );
  assert.throws(() => validateRules([{ name: "", lhs: "?x", rhs: "?x" }]), /a rule has no name/);
  assert.throws(
    () => validateRules([rule("(exp ?x)", "?x"), rule("(log ?x)", "?x")]),
    /rule r: the name is used twice/,
  );
  assert.throws(
    () => validateRules([{ ...rule("?x", "?x"), when: 3 as never }]),
    /rule r: when must be a function/,
  );
});
