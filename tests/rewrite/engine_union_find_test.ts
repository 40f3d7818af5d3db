import assert from "node:assert/strict";
import fc from "fast-check";
import { UnionFind } from "../../rewrite/union_find.ts";

Deno.test("UnionFind makes singletons and keeps the given root on union", () => {
  const uf = new UnionFind();
  const ids = Array.from({ length: 5 }, () => uf.makeSet());
  assert.deepEqual(ids, [0, 1, 2, 3, 4]);
  assert.equal(uf.size, 5);
  for (const id of ids) assert.equal(uf.find(id), id);
  uf.union(3, 1);
  assert.equal(uf.find(1), 3);
  assert.ok(uf.isRoot(3) && !uf.isRoot(1));
  uf.union(0, 3);
  assert.equal(uf.find(1), 0);
  assert.equal(uf.find(4), 4);
});

Deno.test("UnionFind grows past its initial capacity", () => {
  const uf = new UnionFind();
  for (let i = 0; i < 1000; i++) uf.makeSet();
  for (let i = 1; i < 1000; i++) uf.union(uf.find(0), uf.find(i));
  assert.ok(Array.from({ length: 1000 }, (_, i) => uf.find(i)).every((r) => r === 0));
});

Deno.test("UnionFind agrees with a naive partition on random unions (property)", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(29), fc.nat(29)), { maxLength: 60 }), (pairs) => {
      const uf = new UnionFind();
      const label = Array.from({ length: 30 }, (_, i) => i); // naive: relabel on every union
      for (let i = 0; i < 30; i++) uf.makeSet();
      for (const [a, b] of pairs) {
        const ra = uf.find(a), rb = uf.find(b);
        if (ra !== rb) uf.union(ra, rb);
        const from = label[b], to = label[a];
        for (let i = 0; i < 30; i++) if (label[i] === from) label[i] = to;
      }
      for (let i = 0; i < 30; i++) {
        for (let j = 0; j < 30; j++) assert.equal(uf.find(i) === uf.find(j), label[i] === label[j]);
      }
    }),
  );
});
