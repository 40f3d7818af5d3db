/**
 * Extraction: choosing one node per e-class so the roots' terms are cheapest. Costs are pairs compared
 * lexicographically (first component first), so "never less stable" can come before "faster".
 *
 * Two extractions are computed and the one whose result has the lower DAG cost wins:
 * - tree cost (egg's bottom-up fixpoint): a node costs its own cost plus its children's, so a subterm used twice
 *   is paid twice — optimal for trees, but it over-counts shared tensor subterms;
 * - greedy DAG cost: starting from the tree choice, each class switches to the node whose own cost plus the union
 *   of its children's chosen sub-DAGs (a shared class counted once) is lowest, never creating a cycle.
 * The winner is then improved on the whole DAG of all roots (`improveSharing`), which sees sharing across roots.
 * @module
 */
import type { EGraph } from "./egraph.ts";

/** A cost: [primary, secondary], compared lexicographically. */
export type Cost = readonly [number, number];

/** The cost of one node, without its children. */
export type NodeCost<D> = (egraph: EGraph<D>, record: number, classId: number) => Cost;

/** A choice of node record per class (indexed by canonical class id; -1 where none). */
export type Choice = Int32Array;

/** The result of extraction. */
export interface Extraction {
  /** The chosen node record of each canonical class reachable from the roots. */
  readonly choice: Choice;
  /** The DAG cost of the roots under `choice` (each class counted once). */
  readonly dagCost: Cost;
  /** Which extraction won. */
  readonly method: "tree" | "dag";
}

const less = (a0: number, a1: number, b0: number, b1: number) => a0 < b0 || (a0 === b0 && a1 < b1);

/** Own cost of every node record of the live classes (computed once, shared by both extractions). */
export class OwnCosts<D> {
  /** First cost component per record. */
  readonly primary: Float64Array;
  /** Second cost component per record. */
  readonly secondary: Float64Array;
  /** Evaluates `cost` on every node of every class. */
  constructor(egraph: EGraph<D>, cost: NodeCost<D>) {
    const n = egraph.pool.size;
    this.primary = new Float64Array(n);
    this.secondary = new Float64Array(n);
    for (const id of egraph.classIds()) {
      for (const r of egraph.nodes(id)) {
        const [p, s] = cost(egraph, r, id);
        this.primary[r] = p;
        this.secondary[r] = s;
      }
    }
  }
}

/** Egg's tree-cost extraction: per class, the node minimizing own cost + Σ children's best costs (fixpoint). */
export function extractTree<D>(
  egraph: EGraph<D>,
  cost: NodeCost<D>,
  own = new OwnCosts(egraph, cost),
): Choice {
  const size = egraph.unionFind.size;
  const best0 = new Float64Array(size).fill(Infinity), best1 = new Float64Array(size).fill(Infinity);
  const choice = new Int32Array(size).fill(-1);
  const pool = egraph.pool;
  const classes = egraph.classIds();
  for (let changed = true; changed;) {
    changed = false;
    for (const id of classes) {
      for (const r of egraph.nodes(id)) {
        let c0 = own.primary[r], c1 = own.secondary[r];
        const start = pool.starts[r], n = pool.arities[r];
        for (let k = 0; k < n && c0 !== Infinity; k++) {
          const child = egraph.find(pool.kids[start + k]);
          c0 += best0[child];
          c1 += best1[child];
        }
        if (c0 === Infinity || c1 !== c1) continue;
        if (less(c0, c1, best0[id], best1[id])) {
          best0[id] = c0;
          best1[id] = c1;
          choice[id] = r;
          changed = true;
        }
      }
    }
  }
  return choice;
}

/** Sums own costs over the distinct classes reachable from `roots` under `choice`. */
export function dagCostOf<D>(
  egraph: EGraph<D>,
  choice: Choice,
  roots: readonly number[],
  own: { primary: Float64Array; secondary: Float64Array },
): Cost {
  const seen = new Set<number>();
  const stack = roots.map((r) => egraph.find(r));
  let c0 = 0, c1 = 0;
  const pool = egraph.pool;
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const r = choice[id];
    if (r < 0) return [Infinity, Infinity];
    c0 += own.primary[r];
    c1 += own.secondary[r];
    const start = pool.starts[r];
    for (let k = 0; k < pool.arities[r]; k++) stack.push(egraph.find(pool.kids[start + k]));
  }
  return [c0, c1];
}

/**
 * Greedy DAG extraction, improving on `start` (an acyclic choice). A class switches node when its own cost plus
 * the union of its children's chosen sub-DAGs is lower, unless that sub-DAG reaches the class itself.
 */
export function extractDag<D>(
  egraph: EGraph<D>,
  cost: NodeCost<D>,
  start: Choice,
  own: OwnCosts<D> = new OwnCosts(egraph, cost),
  maxPasses = 8,
  maxSteps = 1_000_000,
): Choice {
  const choice = start.slice();
  let steps = 0; // classes visited by all DAG-cost walks: a budget, so huge e-graphs cannot stall extraction
  const pool = egraph.pool;
  const stamp = new Int32Array(egraph.unionFind.size);
  let token = 0;
  const stack: number[] = [];
  // DAG cost of node r under the current choice; Infinity when a child lacks a choice or the DAG reaches `self`
  const dagCost = (r: number, self: number, out: [number, number]): void => {
    token++;
    let c0 = own.primary[r], c1 = own.secondary[r];
    const start = pool.starts[r];
    for (let k = 0; k < pool.arities[r]; k++) stack.push(egraph.find(pool.kids[start + k]));
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (stamp[id] === token) continue;
      stamp[id] = token;
      steps++;
      const chosen = choice[id];
      if (id === self || chosen < 0) {
        stack.length = 0;
        out[0] = Infinity;
        out[1] = Infinity;
        return;
      }
      c0 += own.primary[chosen];
      c1 += own.secondary[chosen];
      const s = pool.starts[chosen];
      for (let k = 0; k < pool.arities[chosen]; k++) stack.push(egraph.find(pool.kids[s + k]));
    }
    out[0] = c0;
    out[1] = c1;
  };
  const current: [number, number] = [0, 0], candidate: [number, number] = [0, 0];
  // the last DAG cost seen per class: a node costs at least its own cost plus its dearest child's, which lets most
  // candidates be skipped without a walk (0 where unknown, which only weakens the bound)
  const known0 = new Float64Array(stamp.length), known1 = new Float64Array(stamp.length);
  const lowerBoundBeats = (r: number, c0: number, c1: number): boolean => {
    let b0 = 0, b1 = 0;
    const start = pool.starts[r];
    for (let k = 0; k < pool.arities[r]; k++) {
      const child = egraph.find(pool.kids[start + k]);
      if (known0[child] > b0 || (known0[child] === b0 && known1[child] > b1)) {
        b0 = known0[child];
        b1 = known1[child];
      }
    }
    return less(own.primary[r] + b0, own.secondary[r] + b1, c0, c1);
  };
  const classes = egraph.classIds();
  for (let pass = 0; pass < maxPasses; pass++) {
    let changed = false;
    for (const id of classes) {
      if (steps > maxSteps) return choice; // every choice made so far is acyclic and complete: stop here
      const nodes = egraph.nodes(id);
      if (nodes.length < 2 || choice[id] < 0) continue;
      dagCost(choice[id], id, current);
      known0[id] = current[0];
      known1[id] = current[1];
      for (const r of nodes) {
        if (r === choice[id] || !lowerBoundBeats(r, current[0], current[1])) continue;
        dagCost(r, id, candidate);
        if (less(candidate[0], candidate[1], current[0], current[1])) {
          choice[id] = r;
          current[0] = known0[id] = candidate[0];
          current[1] = known1[id] = candidate[1];
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  return choice;
}

/**
 * Local search on the roots' whole DAG cost: a class reachable from the roots switches to another of its nodes
 * whose children the DAG already computes when that lowers the total (each class counted once over all roots)
 * without creating a cycle. Per-class costs
 * cannot see sharing across roots: a parameter's new value `W + v'` that reuses the new velocity `v'`, itself a
 * root, costs one addition overall, while the per-class choice may rebuild `v'`'s sum inside it.
 */
export function improveSharing<D>(
  egraph: EGraph<D>,
  start: Choice,
  roots: readonly number[],
  own: { primary: Float64Array; secondary: Float64Array },
  maxPasses = 4,
  maxSteps = 2_000_000,
): Choice {
  const choice = start.slice();
  const pool = egraph.pool;
  const stamp = new Int32Array(egraph.unionFind.size);
  let token = 0, steps = 0;
  const stack: number[] = [];
  const rootIds = roots.map((r) => egraph.find(r));
  const pushKids = (r: number) => {
    const s = pool.starts[r];
    for (let k = 0; k < pool.arities[r]; k++) stack.push(egraph.find(pool.kids[s + k]));
  };
  // the classes reachable from the roots (in `order`) and their total cost; Infinity if one has no choice
  const walk = (order?: number[]): Cost => {
    token++;
    let c0 = 0, c1 = 0;
    stack.push(...rootIds);
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (stamp[id] === token) continue;
      stamp[id] = token;
      steps++;
      const r = choice[id];
      if (r < 0) {
        stack.length = 0;
        return [Infinity, Infinity];
      }
      order?.push(id);
      c0 += own.primary[r];
      c1 += own.secondary[r];
      pushKids(r);
    }
    return [c0, c1];
  };
  // true when node r's sub-DAG under the current choice reaches class `target` (choosing r would be a cycle)
  const reaches = (r: number, target: number): boolean => {
    token++;
    pushKids(r);
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (stamp[id] === token) continue;
      stamp[id] = token;
      steps++;
      if (id === target) {
        stack.length = 0;
        return true;
      }
      if (choice[id] >= 0) pushKids(choice[id]);
    }
    return false;
  };
  let best = walk();
  if (best[0] === Infinity) return choice;
  for (let pass = 0; pass < maxPasses; pass++) {
    let changed = false;
    const reachable: number[] = [];
    walk(reachable);
    const inDag = new Uint8Array(stamp.length);
    for (const id of reachable) inDag[id] = 1;
    // only nodes built from classes the DAG already has: sharing is what this pass can find that the per-class
    // extractions could not (and the filter keeps it cheap: most nodes of a saturated class are AC variants)
    const shares = (r: number) => {
      const s = pool.starts[r];
      for (let k = 0; k < pool.arities[r]; k++) if (!inDag[egraph.find(pool.kids[s + k])]) return false;
      return true;
    };
    for (const id of reachable) {
      const nodes = egraph.nodes(id);
      if (nodes.length < 2) continue;
      for (const r of nodes) {
        if (steps > maxSteps) return choice; // every accepted switch kept the choice complete and acyclic
        const current = choice[id];
        if (r === current || !shares(r) || reaches(r, id)) continue;
        choice[id] = r;
        const cost = walk();
        if (less(cost[0], cost[1], best[0], best[1])) {
          best = cost;
          changed = true;
        } else {
          choice[id] = current;
        }
      }
    }
    if (!changed) break;
  }
  return choice;
}

/**
 * Extracts the roots both ways and keeps the choice with the lower DAG cost.
 *
 * @example
 * ```ts
 * import { extractBest } from "./extract.ts";
 * // const { choice, dagCost } = extractBest(egraph, [root], (g, r) => [0, 1]);
 * ```
 */
export function extractBest<D>(
  egraph: EGraph<D>,
  roots: readonly number[],
  cost: NodeCost<D>,
  options: { dag?: boolean } = {},
): Extraction {
  const own = new OwnCosts(egraph, cost);
  const tree = extractTree(egraph, cost, own);
  const treeCost = dagCostOf(egraph, tree, roots, own);
  if (options.dag === false) return { choice: tree, dagCost: treeCost, method: "tree" };
  const dag = extractDag(egraph, cost, tree, own);
  const dagCost = dagCostOf(egraph, dag, roots, own);
  const best = less(dagCost[0], dagCost[1], treeCost[0], treeCost[1])
    ? { choice: dag, dagCost, method: "dag" as const }
    : { choice: tree, dagCost: treeCost, method: "tree" as const };
  const shared = improveSharing(egraph, best.choice, roots, own);
  const sharedCost = dagCostOf(egraph, shared, roots, own);
  return less(sharedCost[0], sharedCost[1], best.dagCost[0], best.dagCost[1])
    ? { choice: shared, dagCost: sharedCost, method: "dag" }
    : best;
}

/** The tree cost of the roots under a choice (a shared class counted once per use). */
export function treeCostOf<D>(egraph: EGraph<D>, choice: Choice, root: number, cost: NodeCost<D>): Cost {
  const memo = new Map<number, Cost>();
  const visit = (id: number): Cost => {
    const cls = egraph.find(id);
    const cached = memo.get(cls);
    if (cached) return cached;
    const r = choice[cls];
    let [c0, c1] = cost(egraph, r, cls);
    const pool = egraph.pool;
    for (let k = 0; k < pool.arities[r]; k++) {
      const [k0, k1] = visit(pool.child(r, k));
      c0 += k0;
      c1 += k1;
    }
    const result: Cost = [c0, c1];
    memo.set(cls, result);
    return result;
  };
  return visit(root);
}
