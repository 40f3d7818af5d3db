/**
 * Stability: naive formulas, as users write them, give the right answer at extreme inputs once simplified. Each
 * case is checked against the formula's exact value (250-digit arithmetic, `_decimal_eval.ts`): the naive
 * evaluation must be badly wrong there (so the case tests something) and the simplified one within 2 bits
 * (3 ulps) of the exact value. The cases follow `shared/data/stability_cases.md` and go beyond it.
 */
import assert from "node:assert/strict";
import * as T from "../../mod.ts";
import { evaluate } from "../../backends/reference/interpreter.ts";
import type { Term } from "../../cas/term.ts";
import { bitsOfError, exactScalar } from "./_decimal_eval.ts";

interface Case {
  /** What is being computed. */
  readonly name: string;
  /** The naive formula, in the parser's syntax. */
  readonly formula: string;
  /** Input values, by variable name. */
  readonly at: Readonly<Record<string, number>>;
}

/** The naive formula evaluated without and with `simplify`, and the bits of error of each. */
function measure(c: Case): { naive: number; simplified: number; form: string; exact: string } {
  const vars = Object.fromEntries(Object.keys(c.at).map((n) => [n, T.scalar(n, "float64")]));
  const term = T.parse(c.formula, vars);
  const simplified = T.simplify(term);
  const bindings = new Map<Term, T.NDArray>(
    Object.entries(c.at).map(([n, v]) => [vars[n], T.array(v, { dtype: "float64" })]),
  );
  const exact = exactScalar(term, bindings);
  assert.ok(exact !== undefined, `${c.name}: no exact value at ${JSON.stringify(c.at)}`);
  const [naive, better] = evaluate([term, simplified], bindings).map((a) => a.data[0]);
  return {
    naive: bitsOfError(naive, exact, "float64"),
    simplified: bitsOfError(better, exact, "float64"),
    form: String(simplified),
    exact: exact.toPrecision(17),
  };
}

function checkCases(cases: readonly Case[]): void {
  const failures: string[] = [];
  for (const c of cases) {
    const m = measure(c);
    const where = `${c.name}: ${c.formula} at ${JSON.stringify(c.at)} ⇒ ${m.form} (exact ${m.exact})`;
    if (m.naive <= 10) {
      failures.push(`${where}: the naive form is already accurate (${m.naive.toFixed(1)} bits)`);
    }
    if (m.simplified > 2) failures.push(`${where}: ${m.simplified.toFixed(1)} bits of error after simplify`);
  }
  assert.deepEqual(failures, [], failures.join("\n"));
}

Deno.test("simplify() makes the catalog's naive formulas accurate at extreme inputs", () => {
  checkCases([
    { name: "softplus overflow", formula: "log(1 + exp(x))", at: { x: 1000 } },
    { name: "softplus underflow", formula: "log(1 + exp(x))", at: { x: -40 } },
    { name: "logistic regression", formula: "log(1 + exp(x)) - x * y", at: { x: 800, y: 0.25 } },
    { name: "log-sigmoid", formula: "log(1 / (1 + exp(-x)))", at: { x: -800 } },
    { name: "log-sigmoid near 0", formula: "log(1 / (1 + exp(-x)))", at: { x: 40 } },
    { name: "sigmoid, subnormal result", formula: "1 / (1 + exp(-x))", at: { x: -720 } },
    { name: "logsumexp of 2", formula: "log(exp(a) + exp(b))", at: { a: 1000, b: 999 } },
    { name: "logsumexp of 3", formula: "log(exp(a) + exp(b) + exp(c))", at: { a: 1000, b: 1000, c: 1000 } },
    {
      name: "logsumexp of 3, tiny",
      formula: "log(exp(a) + exp(b) + exp(c))",
      at: { a: -1000, b: -1001, c: -999 },
    },
    { name: "log-softmax of 2", formula: "x - log(exp(x) + exp(y))", at: { x: 0, y: 1000 } },
    { name: "log-softmax of 2, cancelling", formula: "x - log(exp(x) + exp(y))", at: { x: 30, y: 0 } },
    { name: "log1mexp near 0", formula: "log(1 - exp(x))", at: { x: -1e-10 } },
    { name: "log1mexp far from 0", formula: "log(1 - exp(x))", at: { x: -40 } },
    { name: "expm1", formula: "exp(x) - 1", at: { x: 1e-10 } },
    { name: "log1p", formula: "log(1 + x)", at: { x: 1e-12 } },
    { name: "exprel", formula: "(exp(x) - 1) / x", at: { x: 1e-10 } },
  ]);
});

Deno.test("simplify() makes sigmoid and crossentropy forms accurate beyond the catalog", () => {
  checkCases([
    { name: "sigmoid as a ratio", formula: "exp(x) / (1 + exp(x))", at: { x: 800 } },
    { name: "two-class softmax", formula: "exp(a) / (exp(a) + exp(b))", at: { a: 1000, b: 990 } },
    { name: "log(1 - sigmoid)", formula: "log(1 - 1 / (1 + exp(-z)))", at: { z: 1000 } },
    {
      name: "binary crossentropy of sigmoid",
      formula: "-(t * log(1 / (1 + exp(-z))) + (1 - t) * log(1 - 1 / (1 + exp(-z))))",
      at: { z: 1000, t: 0 },
    },
    {
      name: "log of a 3-way softmax",
      formula: "log(exp(a) / (exp(a) + exp(b) + exp(c)))",
      at: { a: 0, b: 1000, c: -1 },
    },
    { name: "log(expm1)", formula: "log(exp(x) - 1)", at: { x: 1000 } },
    { name: "sqrt of a square", formula: "sqrt(x * x)", at: { x: 1e200 } },
    { name: "sinh near 0", formula: "(exp(x) - exp(-x)) / 2", at: { x: 1e-9 } },
  ]);
});

Deno.test("simplify() gives logsumexp of a vector of huge values", () => {
  const v = T.vector("v", "float64");
  const naive = T.log(T.sum(T.exp(v)));
  const [value] = evaluate([T.simplify(naive)], new Map([[v, T.array([1000, 1000], { dtype: "float64" })]]));
  const [unsimplified] = evaluate([naive], new Map([[v, T.array([1000, 1000], { dtype: "float64" })]]));
  assert.equal(unsimplified.item(), Infinity);
  assert.equal(value.item(), 1000 + Math.LN2);
});

Deno.test("simplify() keeps the crossentropy of softmax([1000, 0, -1000]) finite", () => {
  const z = T.vector("z", "float64"), t = T.vector("t", "float64");
  const bindings = new Map<Term, T.NDArray>([
    [z, T.array([1000, 0, -1000], { dtype: "float64" })],
    [t, T.array([0, 0, 1], { dtype: "float64" })],
  ]);
  const byOp = T.categoricalCrossentropy(T.softmax(z), t);
  const byHand = T.categoricalCrossentropy(T.div(T.exp(z), T.sum(T.exp(z), -1, true)), t);
  for (const loss of [byOp, byHand]) {
    const [naive] = evaluate([loss], bindings);
    const [value] = evaluate([T.simplify(loss)], bindings);
    assert.ok(!Number.isFinite(naive.item()), `${String(loss)} is already finite without simplify`);
    assert.equal(value.item(), 2000, `${String(T.simplify(loss))}`);
  }
});

Deno.test("simplify() computes exp(1e-10) - 1 to full precision", () => {
  const x = T.scalar("x", "float64");
  const [value] = evaluate(
    [T.simplify(T.sub(T.exp(x), 1))],
    new Map([[x, T.array(1e-10, { dtype: "float64" })]]),
  );
  assert.equal(value.item(), 1.00000000005e-10);
});
