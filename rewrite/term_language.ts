/**
 * The term language as an instance of the generic e-graph: op codes are positions in the op table, and a node's
 * payload numbers what else makes it itself — its attributes (interned by value) or, for leaves, the leaf term.
 * Converts `Term`s into e-graph nodes and chosen nodes back into `Term`s.
 * @module
 */
import { array, type NDArray } from "../cas/ndarray.ts";
import type { DType } from "../cas/dtype.ts";
import type { OpName } from "../cas/ops/names.ts";
import { OPS } from "../cas/ops/table.ts";
import { type AnyAttrs, Term, topoSort } from "../cas/term.ts";
import type { EGraph } from "./egraph.ts";

/** Every op name; an op's code in the e-graph is its index here. */
export const TERM_OPS: readonly OpName[] = Object.keys(OPS) as OpName[];
const CODES = new Map<string, number>(TERM_OPS.map((op, i) => [op, i]));

/** The e-graph op code of `op`. */
export function opCode(op: OpName): number {
  return CODES.get(op)!;
}

/** The op code of constants. */
export const CONST_CODE: number = opCode("const");

/** A stable text key of attribute values (object keys sorted, so `{a,b}` and `{b,a}` agree). */
export function attrsKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(attrsKey).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value).sort().map((k) =>
      `${JSON.stringify(k)}:${attrsKey((value as never)[k])}`
    );
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "undefined";
}

/**
 * Payloads of one e-graph: attribute values and leaf terms, numbered. Payload 0 is "no attributes".
 */
export class PayloadTable {
  private readonly attrsOf: AnyAttrs[] = [{} as AnyAttrs];
  private readonly leafOf: (Term | undefined)[] = [undefined];
  private readonly byKey = new Map<string, number>([["{}", 0]]);
  private readonly byLeaf = new Map<Term, number>();
  private readonly constants = new Map<string, number>();

  /** The payload of a term's own identity beyond op and children: the leaf itself, or its attributes. */
  ofTerm(term: Term): number {
    if (term.args.length === 0) return this.ofLeaf(term);
    return this.ofAttrs(term.attrs);
  }

  /** The payload of a leaf term (constant, variable, shared variable). */
  ofLeaf(term: Term): number {
    let id = this.byLeaf.get(term);
    if (id === undefined) {
      id = this.attrsOf.push(term.attrs) - 1;
      this.leafOf.push(term);
      this.byLeaf.set(term, id);
    }
    return id;
  }

  /** The payload of attribute values (interned by value). */
  ofAttrs(attrs: unknown): number {
    const key = attrsKey(attrs);
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.attrsOf.push(attrs as AnyAttrs) - 1;
      this.leafOf.push(undefined);
      this.byKey.set(key, id);
    }
    return id;
  }

  /** The payload of a scalar constant `value` of `dtype`. */
  ofScalar(value: number, dtype: DType): number {
    const key = `${dtype}:${Object.is(value, -0) ? "-0" : value}`;
    let id = this.constants.get(key);
    if (id === undefined) {
      id = this.ofLeaf(Term.make("const", [], { value: array(value, { dtype }) }));
      this.constants.set(key, id);
    }
    return id;
  }

  /** The payload of a constant array. */
  ofArray(value: NDArray): number {
    return this.ofLeaf(Term.make("const", [], { value }));
  }

  /** The attributes behind a payload. */
  attrs(payload: number): AnyAttrs {
    return this.attrsOf[payload];
  }

  /** The leaf term behind a payload (undefined for attribute payloads). */
  leaf(payload: number): Term | undefined {
    return this.leafOf[payload];
  }
}

/**
 * Adds terms to an e-graph (with `addExact`, so with explanations on each term's id is the vertex of exactly it);
 * returns the id of each root. `ids` collects the id of every subterm.
 */
export function addTerms<D>(
  egraph: EGraph<D>,
  table: PayloadTable,
  roots: readonly Term[],
  ids: Map<Term, number> = new Map(),
): number[] {
  const kids: number[] = [];
  for (const t of topoSort(roots)) {
    if (ids.has(t)) continue;
    for (let i = 0; i < t.args.length; i++) kids[i] = ids.get(t.args[i])!;
    ids.set(t, egraph.addExact(opCode(t.op), table.ofTerm(t), kids, t.args.length));
  }
  return roots.map((r) => ids.get(r)!);
}

/** The term of node record `r` given terms for its children. */
export function termOfNode(
  egraph: EGraph<unknown>,
  table: PayloadTable,
  r: number,
  args: readonly Term[],
): Term {
  const pool = egraph.pool;
  const leaf = table.leaf(pool.payloads[r]);
  if (leaf !== undefined && args.length === 0) return leaf;
  return Term.make(TERM_OPS[pool.ops[r]], args, table.attrs(pool.payloads[r]) as never);
}

/**
 * Builds terms for classes from a choice of node per class (iteratively, so long chains do not overflow the
 * stack). `memo` caches one term per class.
 */
export function termsOfChoice<D>(
  egraph: EGraph<D>,
  table: PayloadTable,
  choice: Int32Array,
  roots: readonly number[],
  memo: Map<number, Term> = new Map(),
): Term[] {
  const pool = egraph.pool;
  const build = (root: number): Term => {
    const stack = [egraph.find(root)];
    const expanded = new Set<number>(); // classes whose children were pushed: meeting one again is a cycle
    while (stack.length > 0) {
      const id = stack[stack.length - 1];
      if (memo.has(id)) {
        stack.pop();
        continue;
      }
      const r = choice[id];
      if (r < 0) throw new Error(`extraction: e-class ${id} has no chosen node`);
      const n = pool.arities[r];
      let ready = true;
      for (let k = 0; k < n; k++) {
        const child = egraph.find(pool.child(r, k));
        if (!memo.has(child)) {
          if (expanded.has(child)) {
            throw new Error(`extraction: the chosen nodes form a cycle at e-class ${child}`);
          }
          stack.push(child);
          ready = false;
        }
      }
      if (!ready) {
        expanded.add(id);
        continue;
      }
      stack.pop();
      expanded.delete(id);
      const args = Array.from({ length: n }, (_, k) => memo.get(egraph.find(pool.child(r, k)))!);
      memo.set(id, termOfNode(egraph as EGraph<unknown>, table, r, args));
    }
    return memo.get(egraph.find(root))!;
  };
  return roots.map(build);
}
