/**
 * The proof forest behind explanations (egg's idea, simplified). Every e-node as it was added (with the exact
 * children it was given) is a vertex; every union the e-graph performs adds one edge between the two vertices that
 * were found equal, labelled with why: a rule (and in which direction it rewrote), congruence (same op, children
 * already equal), or an analysis (constant folding). Unions only ever join different trees, so the edges form a
 * forest, and the path between two vertices of one tree is the proof that their terms are equal.
 * @module
 */

/** Justification of a union: congruence (same op and payload, pairwise equal children). */
export const CONGRUENCE: number = -1;
/** Justification of a union made by constant folding (an analysis); a rule's justification is its index ≥ 0. */
export const CONSTANT_FOLD: number = -2;

/** One edge of a proof path: `from`'s term equals `to`'s term by `justification`. */
export interface ProofEdge {
  /** The vertex the edge starts from. */
  readonly from: number;
  /** The vertex it leads to. */
  readonly to: number;
  /** Why they are equal: a rule index ≥ 0, `CONGRUENCE` or `CONSTANT_FOLD`. */
  readonly justification: number;
  /** For rules: true when the rule rewrote `from`'s term into `to`'s (false: the reverse direction). */
  readonly forward: boolean;
}

/** The forest: a parent pointer per vertex, with the justification of the edge to the parent. */
export class ProofForest {
  private parent: number[] = [];
  private justification: number[] = [];
  private forward: boolean[] = [];
  /** The e-node record holding each vertex's exact contents. */
  readonly record: number[] = [];

  /** Registers vertex `v` with the record of its exact contents. */
  addVertex(v: number, record: number): void {
    this.parent[v] = v;
    this.justification[v] = CONGRUENCE;
    this.forward[v] = true;
    this.record[v] = record;
  }

  /** Records that `a` and `b` (in different trees) were found equal; `a` is the side a rule rewrote from. */
  union(a: number, b: number, justification: number): void {
    this.reroot(a);
    this.parent[a] = b;
    this.justification[a] = justification;
    this.forward[a] = true;
  }

  /** The edges from `a` to `b`, in order; empty when `a === b`, `undefined` when they are not connected. */
  path(a: number, b: number): ProofEdge[] | undefined {
    const depthFromA = new Map<number, number>();
    for (let v = a, d = 0;; v = this.parent[v], d++) {
      depthFromA.set(v, d);
      if (this.parent[v] === v) break;
    }
    const fromB: number[] = [];
    let meet = b;
    while (!depthFromA.has(meet)) {
      if (this.parent[meet] === meet) return undefined;
      fromB.push(meet);
      meet = this.parent[meet];
    }
    const edges: ProofEdge[] = [];
    for (let v = a; v !== meet; v = this.parent[v]) {
      edges.push({
        from: v,
        to: this.parent[v],
        justification: this.justification[v],
        forward: this.forward[v],
      });
    }
    for (let i = fromB.length - 1; i >= 0; i--) {
      const v = fromB[i];
      edges.push({
        from: this.parent[v],
        to: v,
        justification: this.justification[v],
        forward: !this.forward[v],
      });
    }
    return edges;
  }

  /** Makes `v` the root of its tree by reversing the edges on its path to the old root. */
  private reroot(v: number): void {
    let child = v;
    let next = this.parent[v];
    let justification = this.justification[v];
    let forward = this.forward[v];
    this.parent[v] = v;
    while (next !== child) {
      const nextParent = this.parent[next];
      const nextJustification = this.justification[next];
      const nextForward = this.forward[next];
      this.parent[next] = child;
      this.justification[next] = justification;
      this.forward[next] = !forward;
      if (nextParent === next) break;
      child = next;
      next = nextParent;
      justification = nextJustification;
      forward = nextForward;
    }
  }
}
