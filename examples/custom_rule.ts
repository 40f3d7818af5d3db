/**
 * Adding your own rewrite rule. The optimizer knows many stability rewrites, but not the log-cosh loss
 * `log(cosh(x))`, which overflows to ∞ once |x| passes ~710. We teach it the stable form
 * `|x| + softplus(−2|x|) − log 2` as a named rule — two s-expressions over the op names — and simplify with it.
 * `deno run --allow-read --allow-env examples/custom_rule.ts`
 * @module
 */
import * as T from "../mod.ts";

T.config.floatX = "float64";

// A rule is data: a name, a left-hand side and a right-hand side (`?x` matches any term). A rule may also carry
// `when: (v) => …`, a condition on what the analyses know of the matched terms (v.x.range, v.x.dtype, …).
const logCosh = {
  name: "log-cosh-stable",
  lhs: "(log (cosh ?x))",
  rhs: "(sub (add (abs ?x) (softplus (mul -2 (abs ?x)))) 0.6931471805599453)",
};

const loss = T.parse("log(cosh(x))");
console.log(`default rules:      ${T.simplify(loss)}`);
const stable = T.simplify(loss, { extraRules: [logCosh] });
console.log(`with the new rule:  ${stable}`);
console.log(`how:\n${T.explain(loss, { extraRules: [logCosh] })}`);

// The rule applies wherever the pattern occurs, e.g. inside a mean over a batch of residuals.
const y = T.vector("y"), p = T.vector("p");
console.log(
  `a batch loss:       ${T.simplify(T.parse("mean(log(cosh(y - p)))", { y, p }), { extraRules: [logCosh] })}`,
);

// Compile both forms and compare where the naive one overflows.
const x = T.scalar("x");
const naive = T.compile([x], loss, { optimize: false });
const fixed = T.compile([x], stable);
for (const v of [0, 3, -40, 1000, -1000]) {
  const a = (await naive(v)).item(), b = (await fixed(v)).item();
  console.log(`  x = ${String(v).padEnd(6)} naive ${String(a).padEnd(20)} with the rule ${b}`);
}
