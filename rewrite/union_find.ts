/**
 * Union-find over dense integer ids: the e-graph's notion of "these e-classes are one". Ids are handed out in
 * order (0, 1, 2, …), so the parent table is a growable `Int32Array` and `find` allocates nothing.
 * @module
 */

/**
 * Disjoint sets of integer ids with path compression. `union(root, other)` always keeps `root` as the
 * representative, so the caller (the e-graph) decides which class survives a merge.
 *
 * @example
 * ```ts
 * import { UnionFind } from "./union_find.ts";
 * const uf = new UnionFind();
 * const a = uf.makeSet(), b = uf.makeSet();
 * uf.union(a, b);
 * uf.find(b) === a; // true
 * ```
 */
export class UnionFind {
  private parents = new Int32Array(64);
  private count = 0;

  /** The number of ids made so far. */
  get size(): number {
    return this.count;
  }

  /** Makes a new singleton set and returns its id. */
  makeSet(): number {
    const id = this.count++;
    if (id === this.parents.length) {
      const grown = new Int32Array(this.parents.length * 2);
      grown.set(this.parents);
      this.parents = grown;
    }
    this.parents[id] = id;
    return id;
  }

  /** The representative of `id`'s set; halves the path on the way (so later finds are shorter). */
  find(id: number): number {
    const parents = this.parents;
    let current = id;
    while (parents[current] !== current) {
      const grand = parents[parents[current]];
      parents[current] = grand;
      current = grand;
    }
    return current;
  }

  /** True when `id` is the representative of its set. */
  isRoot(id: number): boolean {
    return this.parents[id] === id;
  }

  /** Merges the set of `other` into the set rooted at `root`; both must be representatives. Returns `root`. */
  union(root: number, other: number): number {
    this.parents[other] = root;
    return root;
  }
}
