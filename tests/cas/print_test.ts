import assert from "node:assert/strict";
import fc from "fast-check";
import * as T from "../../cas/api.ts";
import { print } from "../../cas/print.ts";
import { parse } from "../../cas/parse.ts";
import { array } from "../../cas/ndarray.ts";
import { config } from "../../cas/dtype.ts";
import type { Term } from "../../cas/term.ts";

const x = T.scalar("x");
const y = T.scalar("y");
const a = T.scalar("a");
const b = T.scalar("b");
const c = T.scalar("c");
const X = T.matrix("X");
const v = T.vector("v");

/** Checks the text of `term`, and that it reads back as the very same term. */
function golden(term: Term, text: string, vars: Record<string, Term> = { x, y, a, b, c, X, v }): void {
  assert.equal(print(term), text);
  assert.equal(String(term), text, "String(term) uses the printer");
  assert.ok(parse(text, vars) === term, `${text} reads back as the same term`);
}

Deno.test("print() writes the documented examples", () => {
  golden(T.log(T.add(1, T.exp(x))), "log(1 + exp(x))");
  golden(T.add(T.mul(x, y), 2), "x * y + 2");
  golden(T.pow(x, 5), "x^5");
  golden(T.softplus(x), "softplus(x)");
  golden(T.logsumexp(v), "logsumexp(v)");
});

Deno.test("print() keeps the tree with the fewest parentheses", () => {
  golden(T.neg(T.pow(x, 2)), "-x^2"); // mathjs reads -x^2 as -(x^2)
  golden(T.pow(T.neg(x), 2), "(-x)^2");
  golden(T.sub(a, T.sub(b, c)), "a - (b - c)");
  golden(T.sub(T.sub(a, b), c), "a - b - c");
  golden(T.add(a, T.add(b, c)), "a + (b + c)");
  golden(T.div(a, T.mul(b, c)), "a / (b * c)");
  golden(T.mul(T.add(a, b), c), "(a + b) * c");
  golden(T.pow(a, T.pow(b, c)), "a^b^c"); // ^ is right-associative
  golden(T.pow(T.pow(a, b), c), "(a^b)^c");
  golden(T.lt(T.lt(a, b), c), "(a < b) < c"); // comparisons do not chain
  golden(T.eq(a, T.le(b, c)), "a == (b <= c)");
  golden(T.or(T.and(T.gt(a, 0), T.lt(a, 1)), T.eq(b, 0)), "a > 0 and a < 1 or b == 0");
  golden(T.and(T.gt(a, 0), T.or(T.lt(a, 1), T.eq(b, 0))), "a > 0 and (a < 1 or b == 0)");
  golden(T.not(T.gt(x, 0)), "not (x > 0)");
  golden(T.neg(T.neg(x)), "-(-x)");
  golden(T.neg(T.mul(a, b)), "-(a * b)");
  golden(T.mul(T.neg(a), b), "-a * b");
  golden(T.div(a, T.neg(b)), "a / -b");
  golden(T.sub(a, T.neg(b)), "a - -b");
  golden(T.pow(x, T.neg(y)), "x^(-y)");
  golden(T.pow(T.exp(x), 2), "exp(x)^2");
});

Deno.test("print() writes numbers in their shortest exact form", () => {
  golden(T.pow(x, -1), "x^(-1)");
  golden(T.pow(-2, x), "(-2)^x");
  golden(T.add(x, 0.1), "x + 0.1"); // float32 0.1 is 0.100000001…, written as 0.1
  golden(T.mul(x, 1e-10), "x * 1e-10");
  golden(T.add(x, -3), "x + -3");
  golden(T.mul(-3, x), "-3 * x");
  golden(T.add(x, Infinity), "x + Infinity");
  golden(T.add(x, -Infinity), "x + -Infinity");
  golden(T.add(x, NaN), "x + NaN");
  golden(T.add(x, -0), "x + -0");
  golden(T.neg(T.constant(3)), "-(3)"); // the negation of a constant, not the constant -3
  golden(T.neg(-3), "-(-3)");
  golden(T.constant(2.5), "2.5");
  golden(T.constant(true), "true");
  golden(T.constant([[1, 2], [3, 4]]), "[[1, 2], [3, 4]]");
  golden(T.add(v, T.constant([true, false])), "v + bool([true, false])");
});

Deno.test("print() states a constant's dtype where the parser would infer another", () => {
  const d = T.scalar("d", "float64");
  const i = T.scalar("i", "int32");
  const vars = { x, d, i };
  golden(T.add(d, 2), "d + 2", vars); // weak: 2 takes d's float64
  golden(T.add(x, T.constant(2, "float64")), "x + float64(2)", vars);
  golden(T.add(i, 3), "i + 3", vars);
  golden(T.add(i, 0.5), "i + 0.5", vars); // a fraction next to an int32 is floatX
  golden(T.constant(3, "int32"), "int32(3)", vars);
  golden(T.constant(array([1, 2], { dtype: "int32" })), "int32([1, 2])", vars);
  golden(T.add(T.constant(3, "int32"), x), "int32(3) + x", vars);
  // both constants: once one is written with its dtype it anchors the other
  golden(T.add(T.constant(2), T.constant(3, "int32")), "float32(2) + int32(3)", vars);
  golden(T.cast(x, "float64"), "float64(x)", vars);
  golden(T.cast(T.constant(2), "float64"), "float64(float32(2))", vars); // a cast of a constant, not a constant
  golden(T.neg(T.constant(3, "float64")), "-float64(3)", vars);
  golden(T.add(T.constant(0.1, "float64"), 1), "float64(0.1) + 1", vars); // the wrapped constant anchors 1
});

Deno.test("print() follows config.floatX for plain numbers", () => {
  const saved = config.floatX;
  try {
    config.floatX = "float64";
    golden(T.add(T.scalar("z"), 1), "z + 1", { z: T.scalar("z") });
    golden(T.constant(2, "float32"), "float32(2)");
  } finally {
    config.floatX = saved;
  }
});

Deno.test("print() writes attributes as arguments that parse accepts back", () => {
  const t = T.tensor3("t");
  const s = T.tensor("s", { shape: [4, 3] });
  const vars = { x, X, v, t, s };
  golden(T.sum(X), "sum(X)", vars);
  golden(T.sum(X, 1), "sum(X, 1)", vars);
  golden(T.sum(X, -1), "sum(X, 1)", vars);
  golden(T.sum(t, [0, 2]), "sum(t, [0, 2])", vars);
  golden(T.sum(X, 1, true), "sum(X, 1, true)", vars);
  golden(T.mean(X, undefined, true), "mean(X, [0, 1], true)", vars);
  golden(T.max(X, []), "max(X, [])", vars);
  golden(T.count(X, [0]), "count(X, 0)", vars);
  golden(T.count(t, [0, 1]), "count(t, [0, 1])", vars);
  golden(T.transpose(X), "transpose(X)", vars);
  golden(T.transpose(t, [1, 0, 2]), "transpose(t, [1, 0, 2])", vars);
  golden(T.transpose(v, [0]), "transpose(v, [0])", vars);
  golden(T.reshape(X, [2, -1]), "reshape(X, [2, -1])", vars);
  golden(T.reshape(s, [2, -1]), "reshape(s, [2, 6])", vars); // -1 resolved where the size is known
  golden(T.broadcastTo(x, [2, 3]), "broadcastTo(x, [2, 3])", vars);
  golden(T.broadcastTo(x, X), "broadcastTo(x, X)", vars);
  golden(T.broadcastTo(x, T.constant([1, 2])), "broadcastTo(x, float32([1, 2]))", vars);
  golden(T.concatenate([X, X], 1), "concatenate([X, X], 1)", vars);
  golden(T.concatenate([v, T.constant([1, 2])]), "concatenate([v, [1, 2]])", vars);
  golden(T.index(X, 2), "index(X, 2)", vars);
  golden(T.index(X, -1), "index(X, -1)", vars);
  golden(T.index(s, -1), "index(s, 3)", vars);
  golden(T.slice(X, 1, null, 2), "slice(X, 1, null, 2)", vars);
  golden(T.slice(X, 1, 3), "slice(X, 1, 3)", vars);
  golden(T.slice(X, 1), "slice(X, 1)", vars);
  golden(T.slice(X, -2, undefined, -1), "slice(X, -2, null, -1)", vars);
  golden(T.softmax(X), "softmax(X)", vars);
  golden(T.softmax(X, 0), "softmax(X, 0)", vars);
  golden(T.logSoftmax(t, 1), "logSoftmax(t, 1)", vars);
  golden(T.cast(X, "int32"), "int32(X)", vars);
  golden(T.cast(T.gt(x, 0), "float32"), "float32(x > 0)", vars);
  golden(T.cast(x, "bool"), "bool(x)", vars);
  golden(T.where(T.gt(x, 0), x, 0), "where(x > 0, x, 0)", vars);
  golden(T.matmul(X, v), "matmul(X, v)", vars);
  golden(T.stopGradient(x), "stopGradient(x)", vars);
  golden(T.maximum(x, 0), "maximum(x, 0)", vars);
  golden(T.categoricalCrossentropy(T.softmax(X), X), "-sum(X * log(softmax(X)), 1)", vars);
});

Deno.test("print() names variables and shared variables", async () => {
  const { shared } = await import("../../cas/shared.ts");
  const w = shared([1, 2, 3], "w");
  golden(T.sum(T.mul(w, v)), "sum(w * v)", { w, v });
});

Deno.test("print() handles deep chains without recursion and shared subterms once", () => {
  let chain: Term = x;
  for (let k = 0; k < 20_000; k++) chain = T.add(chain, x);
  const text = print(chain);
  assert.equal(text.length, 1 + 4 * 20_000);
  assert.ok(text.startsWith("x + x + x"));

  // 2^20 leaves when written out, 21 distinct terms: time must follow the text length, not worse
  let doubled: Term = x;
  for (let k = 0; k < 20; k++) doubled = T.add(doubled, doubled);
  const start = performance.now();
  const big = print(doubled);
  const ms = performance.now() - start;
  assert.equal(big.split("x").length - 1, 2 ** 20);
  assert.ok(ms < 1000, `printing ${big.length} characters took ${ms.toFixed(0)} ms`);
});

/** A random tree of the operators that print infix or prefix, over scalars and plain numbers. */
type OperatorTree = string | number | { op: string; args: OperatorTree[] };
const INFIX = ["add", "sub", "mul", "div", "pow", "eq", "neq", "lt", "le", "gt", "ge", "and", "or"] as const;
const operatorTree = fc.letrec<{ tree: OperatorTree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom("a", "b", "c"),
    fc.constantFrom(0, 2, -3, 0.5, -0, Infinity, NaN),
    fc.record({ op: fc.constantFrom(...INFIX), args: fc.tuple(tie("tree"), tie("tree")) }),
    fc.record({ op: fc.constantFrom("neg", "not"), args: fc.tuple(tie("tree")) }),
  ),
}));

function buildTree(tree: OperatorTree): Term | number {
  if (typeof tree === "string") return T.scalar(tree);
  if (typeof tree === "number") return tree;
  const args = tree.args.map(buildTree);
  return (T as unknown as Record<string, (...xs: (Term | number)[]) => Term>)[tree.op](...args);
}

Deno.test("print() parenthesizes every random operator tree so that it reads back the same", () => {
  fc.assert(
    fc.property(operatorTree.tree, (tree) => {
      const term = T.asTerm(buildTree(tree));
      const text = print(term);
      assert.ok(parse(text) === term, `${text} read back as ${print(parse(text))}`);
    }),
    { numRuns: 1000 },
  );
});
