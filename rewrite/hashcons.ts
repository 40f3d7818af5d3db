/**
 * E-node storage and the hashcons. An e-node is `(op, payload, children)` of small integers: `op` names the
 * operator, `payload` the rest of its identity (attributes, a constant, a symbol; 0 when there is none) and the
 * children are e-class ids. Nodes live in flat typed arrays (a "record" is an index into them) and the hashcons is
 * an open-addressing table keyed by node contents, so adding or looking up a node allocates nothing.
 * @module
 */

/** Flat storage of e-node records; a record is never changed once written. */
export class NodePool {
  /** The operator of each record. */
  ops: Int32Array = new Int32Array(1024);
  /** The payload of each record (0 when the operator has none). */
  payloads: Int32Array = new Int32Array(1024);
  /** Where each record's children start in `kids`. */
  starts: Int32Array = new Int32Array(1024);
  /** The number of children of each record. */
  arities: Int32Array = new Int32Array(1024);
  /** The children of every record, back to back. */
  kids: Int32Array = new Int32Array(4096);
  private count = 0;
  private kidCount = 0;

  /** The number of records written. */
  get size(): number {
    return this.count;
  }

  /** Writes a record for `op(payload; kids[0..n))` and returns its index. */
  push(op: number, payload: number, kids: ArrayLike<number>, n: number): number {
    const r = this.count++;
    if (r === this.ops.length) this.growRecords();
    if (this.kidCount + n > this.kids.length) this.growKids(this.kidCount + n);
    this.ops[r] = op;
    this.payloads[r] = payload;
    this.starts[r] = this.kidCount;
    this.arities[r] = n;
    for (let i = 0; i < n; i++) this.kids[this.kidCount++] = kids[i];
    return r;
  }

  /** Child `i` of record `r`. */
  child(r: number, i: number): number {
    return this.kids[this.starts[r] + i];
  }

  /** Doubles the record arrays. */
  private growRecords(): void {
    const n = this.ops.length * 2;
    this.ops = grow(this.ops, n);
    this.payloads = grow(this.payloads, n);
    this.starts = grow(this.starts, n);
    this.arities = grow(this.arities, n);
  }

  /** Grows the children array to hold at least `atLeast` entries. */
  private growKids(atLeast: number): void {
    let n = this.kids.length * 2;
    while (n < atLeast) n *= 2;
    this.kids = grow(this.kids, n);
  }
}

function grow(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/** Hash of node contents (op, payload, children). */
export function hashNode(op: number, payload: number, kids: ArrayLike<number>, n: number): number {
  let h = Math.imul(op ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(payload + 0x27d4eb2f, 0xc2b2ae35);
  for (let i = 0; i < n; i++) {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + kids[i];
    h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  }
  return finish(h);
}

/** Murmur3's final avalanche, so the low bits the table uses depend on every input bit. */
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The hashcons: node contents → a value (an e-class or e-node id). Keys are records of a `NodePool` (so the table
 * stores two integers per entry). Entries are never removed: like egg, a key whose children stop being canonical
 * simply goes stale, and the canonical version is inserted beside it when the e-graph is rebuilt.
 */
export class Memo {
  // one slot = 4 ints: key (record + 1; 0 marks an empty slot), hash, value, unused — interleaved so a probe
  // touches one cache line; the stored hash is compared before the record, which is likely not in cache
  private table: Int32Array = new Int32Array(4 * 1024);
  private mask = 1023;
  private count = 0;
  private lastHash = 0;
  /** An empty table whose keys are records of `pool`. */
  constructor(private readonly pool: NodePool) {}

  /** The number of entries. */
  get size(): number {
    return this.count;
  }

  /**
   * The slot holding `op(payload; kids)`, or `-1 - s` where `s` is the empty slot it would go in. The result is
   * valid until the next insertion.
   */
  probe(op: number, payload: number, kids: ArrayLike<number>, n: number): number {
    const pool = this.pool, table = this.table;
    const hash = hashNode(op, payload, kids, n) | 0;
    this.lastHash = hash;
    let slot = hash & this.mask;
    for (;;) {
      const key = table[4 * slot];
      if (key === 0) return -1 - slot;
      if (table[4 * slot + 1] === hash) {
        const r = key - 1;
        if (pool.ops[r] === op && pool.payloads[r] === payload && pool.arities[r] === n) {
          const start = pool.starts[r];
          let same = true;
          for (let i = 0; i < n; i++) {
            if (pool.kids[start + i] !== kids[i]) {
              same = false;
              break;
            }
          }
          if (same) return slot;
        }
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** The value stored at a slot returned by `probe`. */
  valueAt(slot: number): number {
    return this.table[4 * slot + 2];
  }

  /** The key record at a slot returned by `probe`. */
  recordAt(slot: number): number {
    return this.table[4 * slot] - 1;
  }

  /** Overwrites the value at a slot returned by `probe`. */
  setValueAt(slot: number, value: number): void {
    this.table[4 * slot + 2] = value;
  }

  /**
   * Fills the empty slot `-1 - probeResult` with `record → value`; the record must hold the contents of the
   * latest `probe` (whose hash is reused).
   */
  insertAt(probeResult: number, record: number, value: number): void {
    const at = 4 * (-1 - probeResult);
    this.table[at] = record + 1;
    this.table[at + 1] = this.lastHash;
    this.table[at + 2] = value;
    this.count++;
    if (this.count * 2 > this.mask) this.resize();
  }

  /** Doubles the table and re-inserts every entry. */
  private resize(): void {
    const old = this.table;
    const capacity = (old.length / 4) * 2;
    const table = new Int32Array(4 * capacity);
    this.mask = capacity - 1;
    for (let at = 0; at < old.length; at += 4) {
      if (old[at] === 0) continue;
      let slot = old[at + 1] & this.mask;
      while (table[4 * slot] !== 0) slot = (slot + 1) & this.mask;
      table[4 * slot] = old[at];
      table[4 * slot + 1] = old[at + 1];
      table[4 * slot + 2] = old[at + 2];
    }
    this.table = table;
  }
}
