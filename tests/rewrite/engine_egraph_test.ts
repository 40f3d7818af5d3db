import assert from "node:assert/strict";
import fc from "fast-check";
import { type Analysis, EGraph } from "../../rewrite/egraph.ts";
import { addMathTerm, CONSTANT, mathEGraph } from "../../bench/egg_math_data.ts";

// A tiny language for the generic core: op 0 = symbol leaf (payload = which), op 1 = f(a), op 2 = g(a, b).
const SYM = 0, F = 1, G = 2;
const noAnalysis: Analysis<null> = { make: () => null, join: (a) => a, same: () => true };

function graph() {
  const g = new EGraph<null>(noAnalysis);
  const sym = (i: number) => g.add(SYM, i, [], 0);
  const f = (a: number) => g.add(F, 0, [a], 1);
  const gg = (a: number, b: number) => g.add(G, 0, [a, b], 2);
  return { g, sym, f, gg };
}

Deno.test("EGraph hash-conses: adding the same node twice gives the same class", () => {
  const { g, sym, f } = graph();
  const x = sym(0);
  assert.equal(f(x), f(x));
  assert.equal(sym(0), x);
  assert.notEqual(sym(1), x);
  assert.equal(g.size.nodes, 3);
  assert.equal(g.size.classes, 3);
  assert.equal(g.lookup(F, 0, [x], 1), f(x));
  assert.equal(g.lookup(F, 0, [sym(1)], 1), -1);
});

Deno.test("EGraph.rebuild restores congruence: x = y gives f(x) = f(y) and g(f(x), x) = g(f(y), y)", () => {
  const { g, sym, f, gg } = graph();
  const x = sym(0), y = sym(1);
  const fx = f(x), fy = f(y), gx = gg(fx, x), gy = gg(fy, y);
  assert.ok(g.union(x, y, 0));
  assert.ok(!g.union(x, y, 0), "a second union of the same classes does nothing");
  assert.notEqual(g.find(fx), g.find(fy), "congruence waits for rebuild (deferred rebuilding)");
  assert.ok(!g.isClean);
  const unions = g.rebuild();
  assert.ok(g.isClean);
  assert.equal(unions, 2);
  assert.equal(g.find(fx), g.find(fy));
  assert.equal(g.find(gx), g.find(gy));
  assert.equal(g.size.classes, 3);
  assert.equal(
    g.size.nodes,
    4,
    "x and y stay two nodes of one class; f(x), f(y) collapse to one node; likewise g",
  );
  assert.deepEqual(g.classesWithOp(F), [g.find(fx)]);
});

Deno.test("EGraph keeps class node lists canonical, sorted by op and free of duplicates after rebuild", () => {
  const { g, sym, f, gg } = graph();
  const a = sym(0), b = sym(1), c = sym(2);
  const nodes = [f(a), f(b), gg(a, b), gg(b, a), f(c), gg(a, a)];
  g.union(a, b, 0);
  g.union(b, c, 0);
  for (let i = 1; i < nodes.length; i++) g.union(nodes[0], nodes[i], 0);
  g.rebuild();
  const ops = g.pool.ops;
  const list = g.nodes(nodes[0]);
  for (let i = 1; i < list.length; i++) assert.ok(ops[list[i - 1]] <= ops[list[i]]);
  assert.equal(new Set(list).size, list.length);
  for (const r of list) {
    for (let k = 0; k < g.pool.arities[r]; k++) assert.ok(g.unionFind.isRoot(g.pool.child(r, k)));
  }
  assert.equal(list.length, 2, "f(a) and g(a, a) remain, all others are congruent to them");
});

Deno.test("EGraph congruence closure agrees with a naive closure on random unions (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(3), fc.nat(3)), { minLength: 1, maxLength: 4 }),
      fc.array(fc.tuple(fc.nat(2), fc.nat(3), fc.nat(3)), { minLength: 1, maxLength: 12 }),
      (unions, terms) => {
        const { g, sym, f, gg } = graph();
        const leaves = [0, 1, 2, 3].map(sym);
        // terms over the leaves: f(leaf), g(leaf, leaf), f(g(leaf, leaf))
        const built = terms.map(([kind, a, b]) =>
          kind === 0 ? f(leaves[a]) : kind === 1 ? gg(leaves[a], leaves[b]) : f(gg(leaves[a], leaves[b]))
        );
        for (const [a, b] of unions) g.union(leaves[a], leaves[b], 0);
        g.rebuild();
        // naive: two terms are equal iff same shape and leaves pairwise equal under the leaf partition
        const same = (a: number, b: number) => g.find(leaves[a]) === g.find(leaves[b]);
        terms.forEach(([k1, a1, b1], i) =>
          terms.forEach(([k2, a2, b2], j) => {
            const expected = k1 === k2 && same(a1, a2) && (k1 === 0 || same(b1, b2));
            assert.equal(g.find(built[i]) === g.find(built[j]), expected);
          })
        );
      },
    ),
  );
});

Deno.test("EGraph analyses fold constants and prune folded classes to their leaf (egg's ConstantFold)", () => {
  const { egraph, tables } = mathEGraph();
  const root = addMathTerm(egraph, tables, "(+ 1 (* 2 3))");
  egraph.rebuild();
  assert.equal(egraph.data(root), 7);
  const nodes = egraph.nodes(root);
  assert.equal(nodes.length, 1);
  assert.equal(egraph.pool.ops[nodes[0]], CONSTANT);
  assert.equal(tables.constants[egraph.pool.payloads[nodes[0]]], 7);
});

Deno.test("EGraph propagates analysis data to parents when a union changes it (rebuild)", () => {
  const { egraph, tables } = mathEGraph();
  const sum = addMathTerm(egraph, tables, "(+ a 1)");
  const a = addMathTerm(egraph, tables, "a");
  assert.equal(egraph.data(sum), null);
  egraph.union(a, addMathTerm(egraph, tables, "4"), 0);
  egraph.rebuild();
  assert.equal(egraph.data(sum), 5, "a = 4 makes a + 1 the constant 5");
  assert.equal(egraph.find(sum), egraph.find(addMathTerm(egraph, tables, "5")));
});
