/**
 * The e-graph, generic over the node language (nodes are `(op, payload, children)` integers, see `hashcons.ts`)
 * and over an e-class analysis. Follows egg's design: a hashcons from canonical nodes to e-classes, per-class
 * parent lists, and deferred rebuilding — `union` merges at once but congruence closure and analysis updates are
 * restored by one `rebuild()` per iteration (egg measured this much faster than rebuilding after every union).
 * @module
 */
import { Memo, NodePool } from "./hashcons.ts";
import { CONGRUENCE, ProofForest } from "./proof_forest.ts";
import { UnionFind } from "./union_find.ts";

/**
 * An e-class analysis: data attached to every e-class, computed from its nodes (`make`) and combined when two
 * classes merge (`join`). `modify` may change the class after its data changes (e.g. add and union a constant).
 */
export interface Analysis<D> {
  /** The data of a node `op(payload; kids)` whose children are canonical classes of `egraph`. */
  make(egraph: EGraph<D>, op: number, payload: number, kids: ArrayLike<number>, n: number): D;
  /** The data of the union of two classes with data `a` and `b` (may throw when they cannot be equal). */
  join(a: D, b: D): D;
  /** True when two data values are the same (so a join that returns `a` unchanged does not propagate). */
  same(a: D, b: D): boolean;
  /** Called after a class is created or its data changes. */
  modify?(egraph: EGraph<D>, id: number): void;
}

/** What the e-graph counts: egg's `total_number_of_nodes` (Σ class node lists) and `total_size` (hashcons). */
export interface EGraphSize {
  /** Σ of class node-list lengths. */
  readonly nodes: number;
  /** The number of e-classes. */
  readonly classes: number;
  /** Hashcons entries (stale ones included). */
  readonly memo: number;
}

/**
 * An e-graph over integer-coded nodes with analysis data `D`.
 *
 * @example
 * ```ts
 * import { EGraph } from "./egraph.ts";
 * const none = { make: () => null, join: (a: null) => a, same: () => true };
 * const g = new EGraph<null>(none);
 * const x = g.add(0, 1, [], 0), y = g.add(0, 2, [], 0);
 * const fx = g.add(1, 0, [x], 1), fy = g.add(1, 0, [y], 1);
 * g.union(x, y, 0);
 * g.rebuild();
 * g.find(fx) === g.find(fy); // true: congruence
 * ```
 */
export class EGraph<D> {
  /** Every e-node record ever written. */
  readonly pool: NodePool = new NodePool();
  /** Canonical node contents → the class (a vertex, when explaining) that holds it. */
  readonly memo: Memo = new Memo(this.pool);
  /** Which ids are one class. */
  readonly unionFind: UnionFind = new UnionFind();
  /** The analysis. */
  readonly analysis: Analysis<D>;
  /** The proof forest, when explanations are on (see `explain.ts`). */
  readonly proofs?: ProofForest;
  /** Exact (uncanonical) node contents → vertex, when explanations are on. */
  private readonly exactMemo?: Memo;

  private nodesOf: (number[] | undefined)[] = [];
  private parentsOf: number[][] = []; // flat pairs (record, class id at the time) per class
  private dataOf: D[] = [];
  private byOp: number[][] = [];
  private live: number[] = [];
  private pending: number[] = [];
  private analysisPending: number[] = [];
  private dirty: number[] = []; // classes whose node lists may need canonicalizing, sorting or deduplicating
  private nodeTotal = 0;
  private classTotal = 0;
  private readonly scratch: number[] = [];
  private clean = true;

  /** An empty e-graph with `analysis`; `explanations` records a proof forest (see `explain.ts`). */
  constructor(analysis: Analysis<D>, options: { explanations?: boolean } = {}) {
    this.analysis = analysis;
    if (options.explanations) {
      this.proofs = new ProofForest();
      this.exactMemo = new Memo(this.pool);
    }
  }

  /** The canonical id of `id`'s class. */
  find(id: number): number {
    return this.unionFind.find(id);
  }

  /** The analysis data of `id`'s class. */
  data(id: number): D {
    return this.dataOf[this.unionFind.find(id)];
  }

  /** Replaces the analysis data of `id`'s class (for analyses that refine data in `modify`). */
  setData(id: number, data: D): void {
    this.dataOf[this.unionFind.find(id)] = data;
  }

  /** The node records of `id`'s class (canonical and sorted by op after `rebuild`). Do not mutate. */
  nodes(id: number): readonly number[] {
    return this.nodesOf[this.unionFind.find(id)] ?? [];
  }

  /** The canonical classes that hold a node of `op` (as of the last `rebuild`). */
  classesWithOp(op: number): readonly number[] {
    return this.byOp[op] ?? [];
  }

  /** Every canonical class (as of the last `rebuild`). */
  classIds(): readonly number[] {
    return this.live;
  }

  /** Σ of class node-list lengths, the number of classes and the hashcons size. */
  get size(): EGraphSize {
    return { nodes: this.nodeTotal, classes: this.classTotal, memo: this.memo.size };
  }

  /** Σ of class node-list lengths (egg's `total_number_of_nodes`). */
  get nodeCount(): number {
    return this.nodeTotal;
  }

  /** The number of classes. */
  get classCount(): number {
    return this.classTotal;
  }

  /** True when no union or addition happened since the last `rebuild`. */
  get isClean(): boolean {
    return this.clean;
  }

  /** The class of `op(payload; kids)` if the e-graph has that node, else -1. */
  lookup(op: number, payload: number, kids: ArrayLike<number>, n: number = kids.length): number {
    const s = this.canonicalKids(kids, n);
    const slot = this.memo.probe(op, payload, s, n);
    return slot >= 0 ? this.find(this.memo.valueAt(slot)) : -1;
  }

  /** Adds `op(payload; kids)` (or finds it) and returns its canonical class. */
  add(op: number, payload: number, kids: ArrayLike<number>, n: number = kids.length): number {
    return this.find(this.addExact(op, payload, kids, n));
  }

  /**
   * Adds a node and returns an id for it that is not canonicalized: with explanations on, the vertex of exactly
   * this node (so terms built from such ids are the terms that were added); otherwise the class.
   */
  addExact(op: number, payload: number, kids: ArrayLike<number>, n: number = kids.length): number {
    if (this.exactMemo) return this.addExplained(op, payload, kids, n);
    const s = this.canonicalKids(kids, n);
    const slot = this.memo.probe(op, payload, s, n);
    if (slot >= 0) return this.memo.valueAt(slot);
    const record = this.pool.push(op, payload, s, n);
    const id = this.unionFind.makeSet();
    this.memo.insertAt(slot, record, id); // before anything else can probe the hashcons (which moves the slot)
    this.initClass(id, record, op, payload, s, n);
    this.analysis.modify?.(this, id);
    return id;
  }

  /** `addExact` with explanations on: one vertex per exact spelling, joined by congruence. */
  private addExplained(op: number, payload: number, kids: ArrayLike<number>, n: number): number {
    const exact = this.exactMemo!, proofs = this.proofs!;
    const exactSlot = exact.probe(op, payload, kids, n);
    if (exactSlot >= 0) return exact.valueAt(exactSlot);
    const exactRecord = this.pool.push(op, payload, kids, n);
    const s = this.canonicalKids(kids, n);
    const slot = this.memo.probe(op, payload, s, n);
    if (slot >= 0) {
      // a new spelling of a node the e-graph has: a new vertex, equal to the existing one by congruence
      const existing = this.memo.valueAt(slot);
      const v = this.unionFind.makeSet();
      this.unionFind.union(this.find(existing), v);
      exact.insertAt(exact.probe(op, payload, kids, n), exactRecord, v);
      proofs.addVertex(v, exactRecord);
      proofs.union(v, existing, CONGRUENCE);
      return v;
    }
    const record = this.pool.push(op, payload, s, n);
    const id = this.unionFind.makeSet();
    this.memo.insertAt(slot, record, id);
    this.initClass(id, record, op, payload, s, n);
    exact.insertAt(exact.probe(op, payload, kids, n), exactRecord, id);
    proofs.addVertex(id, exactRecord);
    this.analysis.modify?.(this, id);
    return id;
  }

  /** Makes `id` a class holding one new canonical node. */
  private initClass(
    id: number,
    record: number,
    op: number,
    payload: number,
    kids: ArrayLike<number>,
    n: number,
  ): void {
    this.dataOf[id] = this.analysis.make(this, op, payload, kids, n);
    this.nodesOf[id] = [record];
    this.parentsOf[id] = NO_PARENTS; // many new classes (right-hand sides) are merged away before they get any
    for (let i = 0; i < n; i++) {
      const parents = this.parentsOf[kids[i]];
      if (parents === NO_PARENTS) this.parentsOf[kids[i]] = [record, id];
      else parents.push(record, id);
    }
    this.nodeTotal++;
    this.classTotal++;
    this.clean = false;
    this.dirty.push(id);
  }

  /** The canonical ids of `kids`, in a scratch array. */
  private canonicalKids(kids: ArrayLike<number>, n: number): number[] {
    const s = this.scratch;
    for (let i = 0; i < n; i++) s[i] = this.unionFind.find(kids[i]);
    return s;
  }

  /**
   * Merges the classes of `a` and `b`; returns false when they were already one. `justification` says why (a rule
   * index ≥ 0, `CONGRUENCE`, `CONSTANT_FOLD`): with explanations on, `a` and `b` should be the vertices that were
   * found equal (`a` the side a rule rewrote from). Congruence is restored by the next `rebuild`.
   */
  union(a: number, b: number, justification: number): boolean {
    let root = this.find(a), other = this.find(b);
    if (root === other) return false;
    this.proofs?.union(a, b, justification);
    // the class with more parents stays the root, so fewer parents are queued for re-canonicalization
    if (this.parentsOf[root].length < this.parentsOf[other].length) [root, other] = [other, root];
    this.unionFind.union(root, other);
    this.classTotal--;
    this.clean = false;
    this.dirty.push(root);
    const otherParents = this.parentsOf[other];
    for (let i = 0; i < otherParents.length; i++) this.pending.push(otherParents[i]);
    const rootData = this.dataOf[root], otherData = this.dataOf[other];
    const joined = this.analysis.join(rootData, otherData);
    this.dataOf[root] = joined;
    if (!this.analysis.same(joined, rootData)) pushAll(this.analysisPending, this.parentsOf[root]);
    if (!this.analysis.same(joined, otherData)) pushAll(this.analysisPending, otherParents);
    pushAll(this.nodesOf[root]!, this.nodesOf[other]!);
    if (this.parentsOf[root] === NO_PARENTS) this.parentsOf[root] = otherParents; // retired below: move, not copy
    else pushAll(this.parentsOf[root], otherParents);
    this.nodesOf[other] = undefined;
    this.parentsOf[other] = NO_PARENTS;
    this.dataOf[other] = undefined as D;
    this.analysis.modify?.(this, root);
    return true;
  }

  /** Keeps only the nodes of `id`'s class that pass `keep` (egg's pruning of constant classes to leaves). */
  retainNodes(id: number, keep: (record: number) => boolean): void {
    const nodes = this.nodesOf[this.find(id)]!;
    let j = 0;
    for (let i = 0; i < nodes.length; i++) if (keep(nodes[i])) nodes[j++] = nodes[i];
    this.nodeTotal -= nodes.length - j;
    nodes.length = j;
  }

  /** The vertex (explanations on) or class of the canonical node `record`, as the hashcons knows it. */
  memoValue(record: number): number {
    const p = this.pool;
    const slot = this.memo.probe(
      p.ops[record],
      p.payloads[record],
      p.kids.subarray(p.starts[record]),
      p.arities[record],
    );
    return slot >= 0 ? this.memo.valueAt(slot) : -1;
  }

  /**
   * Restores the invariants after unions: every node's children canonical, congruent nodes in one class, analysis
   * data up to date; then dedups and sorts class node lists and re-indexes classes by op. Returns the number of
   * unions that congruence caused.
   */
  rebuild(): number {
    const unions = this.processUnions();
    this.rebuildClasses();
    this.clean = true;
    return unions;
  }

  /** Re-canonicalizes the parents of merged classes (merging congruent ones) and re-runs the analysis. */
  private processUnions(): number {
    const pool = this.pool;
    let unions = 0;
    while (this.pending.length > 0 || this.analysisPending.length > 0) {
      while (this.pending.length > 0) {
        const cls = this.pending.pop()!, record = this.pending.pop()!;
        this.dirty.push(this.find(cls));
        const op = pool.ops[record], payload = pool.payloads[record], n = pool.arities[record];
        const s = this.canonicalRecordKids(record);
        const slot = this.memo.probe(op, payload, s, n);
        if (slot >= 0) {
          const previous = this.memo.valueAt(slot);
          this.memo.setValueAt(slot, cls);
          if (this.union(previous, cls, CONGRUENCE)) unions++;
        } else {
          this.memo.insertAt(slot, pool.push(op, payload, s, n), cls);
        }
      }
      while (this.analysisPending.length > 0) {
        const cls = this.find(this.analysisPending.pop()!), record = this.analysisPending.pop()!;
        const s = this.canonicalRecordKids(record);
        const made = this.analysis.make(
          this,
          pool.ops[record],
          pool.payloads[record],
          s,
          pool.arities[record],
        );
        const old = this.dataOf[cls];
        const joined = this.analysis.join(old, made);
        if (!this.analysis.same(joined, old)) {
          this.dataOf[cls] = joined;
          pushAll(this.analysisPending, this.parentsOf[cls]);
          this.analysis.modify?.(this, cls);
        }
      }
    }
    return unions;
  }

  /** The canonical children of a record, in a scratch array. */
  private canonicalRecordKids(record: number): number[] {
    const pool = this.pool, s = this.scratch, start = pool.starts[record], n = pool.arities[record];
    for (let i = 0; i < n; i++) s[i] = this.unionFind.find(pool.kids[start + i]);
    return s;
  }

  /** Normalizes the node lists of touched classes and re-indexes classes by op. */
  private rebuildClasses(): void {
    const pool = this.pool, ops = pool.ops;
    const seen = new Uint8Array(this.unionFind.size);
    for (const id of this.dirty) {
      const root = this.find(id);
      if (seen[root]) continue;
      seen[root] = 1;
      this.normalizeNodes(root);
    }
    this.dirty = [];
    this.byOp = [];
    this.live = [];
    let total = 0;
    for (let id = 0; id < this.nodesOf.length; id++) {
      const nodes = this.nodesOf[id];
      if (nodes === undefined) continue;
      this.live.push(id);
      total += nodes.length;
      for (let i = 0; i < nodes.length; i++) {
        const op = ops[nodes[i]];
        if (i === 0 || ops[nodes[i - 1]] !== op) (this.byOp[op] ??= []).push(id);
      }
    }
    this.nodeTotal = total;
  }

  /** Canonicalizes the children of a class's nodes, then sorts the list by op and drops duplicates. */
  private normalizeNodes(id: number): void {
    const pool = this.pool, ops = pool.ops;
    const nodes = this.nodesOf[id]!;
    for (let i = 0; i < nodes.length; i++) {
      const r = nodes[i], start = pool.starts[r], n = pool.arities[r];
      let canonical = true;
      for (let k = 0; k < n; k++) {
        if (!this.unionFind.isRoot(pool.kids[start + k])) {
          canonical = false;
          break;
        }
      }
      if (canonical) continue;
      const s = this.canonicalRecordKids(r);
      const slot = this.memo.probe(ops[r], pool.payloads[r], s, n);
      // processUnions inserted the canonical form of every node whose child merged away
      nodes[i] = slot >= 0 ? this.memo.recordAt(slot) : pool.push(ops[r], pool.payloads[r], s, n);
    }
    // equal canonical nodes share one record, so sorting by (op, record) brings duplicates together
    sortNodes(nodes, ops);
    let j = 0;
    for (let i = 0; i < nodes.length; i++) {
      if (i > 0 && nodes[i] === nodes[j - 1]) continue;
      nodes[j++] = nodes[i];
    }
    nodes.length = j;
  }
}

/** Sorts records by (op, record): insertion sort for the usual short lists, the built-in sort for long ones. */
function sortNodes(nodes: number[], ops: Int32Array): void {
  const n = nodes.length;
  if (n > 32) {
    nodes.sort((x, y) => ops[x] - ops[y] || x - y);
    return;
  }
  for (let i = 1; i < n; i++) {
    const r = nodes[i], op = ops[r];
    let j = i - 1;
    while (j >= 0 && (ops[nodes[j]] > op || (ops[nodes[j]] === op && nodes[j] > r))) {
      nodes[j + 1] = nodes[j];
      j--;
    }
    nodes[j + 1] = r;
  }
}

/** The shared parent list of classes that have none yet (never pushed to: replaced on the first parent). */
const NO_PARENTS: number[] = [];

function pushAll(target: number[], source: readonly number[]): void {
  for (let i = 0; i < source.length; i++) target.push(source[i]);
}
