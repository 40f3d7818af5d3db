/**
 * The memory plan of one specialized graph: every intermediate gets a block of one arena slab, and a block is
 * handed to a later value as soon as its value is dead (its last reader has run). First fit over a free list
 * with neighbours merged, so the slab stays close to the peak of live bytes.
 * @module
 */

/** What the planner needs of a step: the storage slots it reads and writes. */
export interface SlotUse {
  readonly reads: readonly number[];
  readonly writes: readonly number[];
}

/** Block offsets (bytes from the slab start) per planned slot, and the slab size. */
export interface SlabPlan {
  readonly offsets: ReadonlyMap<number, number>;
  readonly bytes: number;
}

/**
 * Places the slots `bytesOf` returns a size for (the temps; other slots are ignored) so that slots alive at the
 * same time never overlap. A slot is alive from the step that first writes it to the last step that uses it.
 *
 * @example
 * ```ts
 * import { planSlab } from "./memory_plan.ts";
 * // slot 0 dies at step 1, so slot 2 reuses its block
 * const plan = planSlab([{ reads: [], writes: [0] }, { reads: [0], writes: [1] }, { reads: [1], writes: [2] }],
 *   () => 64);
 * plan.bytes; // 128
 * ```
 */
export function planSlab(steps: readonly SlotUse[], bytesOf: (slot: number) => number | undefined): SlabPlan {
  const lastUse = new Map<number, number>();
  steps.forEach((step, i) => {
    for (const s of step.reads) lastUse.set(s, i);
    for (const s of step.writes) lastUse.set(s, i);
  });
  const offsets = new Map<number, number>();
  const free: { offset: number; bytes: number }[] = [];
  let top = 0;
  const take = (bytes: number): number => {
    const fit = free.findIndex((b) => b.bytes >= bytes);
    if (fit < 0) {
      top += bytes;
      return top - bytes;
    }
    const block = free[fit];
    if (block.bytes === bytes) free.splice(fit, 1);
    else free[fit] = { offset: block.offset + bytes, bytes: block.bytes - bytes };
    return block.offset;
  };
  const give = (offset: number, bytes: number) => {
    free.push({ offset, bytes });
    free.sort((x, y) => x.offset - y.offset);
    for (let j = free.length - 1; j > 0; j--) {
      if (free[j - 1].offset + free[j - 1].bytes === free[j].offset) {
        free[j - 1] = { offset: free[j - 1].offset, bytes: free[j - 1].bytes + free[j].bytes };
        free.splice(j, 1);
      }
    }
  };
  steps.forEach((step, i) => {
    for (const s of step.writes) {
      const bytes = bytesOf(s);
      if (bytes !== undefined && !offsets.has(s)) offsets.set(s, take(bytes));
    }
    // blocks are released after the step, so a step never writes over what it reads
    for (const s of new Set([...step.reads, ...step.writes])) {
      const bytes = bytesOf(s);
      if (bytes !== undefined && lastUse.get(s) === i) give(offsets.get(s)!, bytes);
    }
  });
  return { offsets, bytes: top };
}
