/**
 * The runner: equality saturation in iterations of egg's shape — search every rule on the rebuilt e-graph, then
 * apply every match, then rebuild once — until nothing changes or a limit is hit. Hitting a limit is an outcome,
 * not an error: the run stops and says why in its report.
 * @module
 */
import type { EGraph } from "./egraph.ts";
import type { Rewrite } from "./rewrite.ts";
import { BackoffScheduler, type Scheduler } from "./scheduler.ts";

/** Why a run stopped. */
export type StopReason = "saturated" | "node-limit" | "iteration-limit" | "time-limit";

/** What a run did. */
export interface RunReport {
  /** Why it stopped. */
  readonly stopReason: StopReason;
  /** Iterations run. */
  readonly iterations: number;
  /** E-nodes at the end (Σ of class node lists). */
  readonly nodes: number;
  /** E-classes at the end. */
  readonly classes: number;
  /** Hashcons entries at the end (egg's `total_size`, which its node limit counts). */
  readonly memo: number;
  /** Wall time of the run in milliseconds. */
  readonly timeMs: number;
  /** Matches found per rule, summed over iterations. */
  readonly ruleMatches: Record<string, number>;
  /** Matches that changed the e-graph (made a union) per rule. */
  readonly ruleApplied: Record<string, number>;
  /** Matches dropped because the right-hand side's type differed from the matched class's. */
  readonly typeRejected: number;
  /** Milliseconds spent searching, applying and rebuilding. */
  readonly phaseMs: { readonly search: number; readonly apply: number; readonly rebuild: number };
  /** E-graph size at the start of each iteration (egg reports sizes this way). */
  readonly perIteration: readonly {
    readonly nodes: number;
    readonly classes: number;
    readonly memo: number;
  }[];
}

/** Limits and strategy of a run. */
export interface RunOptions {
  /** Stop when the e-graph has more nodes than this (default 20,000). */
  readonly nodeLimit?: number;
  /** Count the node limit on the hashcons (egg's `total_size`) instead of the class node lists. */
  readonly nodeLimitOnMemo?: boolean;
  /** Stop after this many iterations (default 30). */
  readonly iterationLimit?: number;
  /** Stop when the run has taken this long (default 200 ms); checked between rules and within long applies. */
  readonly timeLimitMs?: number;
  /** Which rules search when (default: a fresh `BackoffScheduler`). */
  readonly scheduler?: Scheduler;
}

class LimitReached {
  constructor(readonly reason: StopReason) {}
}

/**
 * Runs `rules` on `egraph` until saturation or a limit, and reports. Never throws because the e-graph grew too
 * much or too long; errors from the analysis (a bug) do propagate.
 *
 * @example
 * ```ts
 * import { runRewrites } from "./runner.ts";
 * // const report = runRewrites(egraph, rules, { nodeLimit: 10_000 });
 * // report.stopReason; // "saturated", "node-limit", …
 * ```
 */
export function runRewrites<D>(
  egraph: EGraph<D>,
  rules: readonly Rewrite<D>[],
  options: RunOptions = {},
): RunReport {
  const nodeLimit = options.nodeLimit ?? 20_000;
  const iterationLimit = options.iterationLimit ?? 30;
  const timeLimitMs = options.timeLimitMs ?? 200;
  const scheduler = options.scheduler ?? new BackoffScheduler();
  const explaining = egraph.proofs !== undefined;
  const start = performance.now();
  const ruleMatches: Record<string, number> = {};
  const ruleApplied: Record<string, number> = {};
  for (const r of rules) {
    ruleMatches[r.name] = 0;
    ruleApplied[r.name] = 0;
  }
  const perIteration: { nodes: number; classes: number; memo: number }[] = [];
  let typeRejected = 0;
  let iterations = 0;
  const phaseMs = { search: 0, apply: 0, rebuild: 0 };

  const nodesNow = () => (options.nodeLimitOnMemo ? egraph.memo.size : egraph.nodeCount);
  let checks = 0;
  const checkLimits = () => {
    if (nodesNow() > nodeLimit) throw new LimitReached("node-limit");
    // the clock only every 8th check: reading it (~0.35 µs in a fresh process) costs more than searching most
    // rules, and a run checks after every rule's search and apply
    if ((++checks & 7) === 0 && performance.now() - start > timeLimitMs) throw new LimitReached("time-limit");
  };

  egraph.rebuild();
  let stopReason: StopReason | undefined;
  const matchLists: number[][] = rules.map(() => []);
  while (stopReason === undefined) {
    const size = egraph.size;
    perIteration.push({ nodes: size.nodes, classes: size.classes, memo: size.memo });
    let applied = 0;
    let phaseStart = performance.now();
    let phase: "search" | "apply" = "search";
    try {
      checkLimits();
      for (let i = 0; i < rules.length; i++) {
        const list = matchLists[i];
        list.length = 0;
        const limit = scheduler.searchLimit(iterations, i);
        if (limit > 0) {
          const found = rules[i].searcher.search(egraph, list, limit);
          ruleMatches[rules[i].name] += found;
          if (!scheduler.accept(iterations, i, found)) list.length = 0;
        }
        checkLimits();
      }
      phaseMs.search += performance.now() - phaseStart;
      phaseStart = performance.now();
      phase = "apply";
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i], list = matchLists[i], width = rule.searcher.width;
        let count = 0;
        for (let offset = 0, m = 1; offset < list.length; offset += width, m++) {
          // one rule's matches can be many: look at the clock every 1024 of them
          if ((m & 1023) === 0 && performance.now() - start > timeLimitMs) {
            throw new LimitReached("time-limit");
          }
          if (rule.condition && !safeCondition(rule, egraph, list, offset)) continue;
          const rhs = rule.applier.apply(egraph, list, offset);
          if (rhs < 0) {
            typeRejected++;
            continue;
          }
          const changed = explaining
            ? egraph.union(
              rule.searcher.instantiateMatched(egraph, rule.language, list, offset, rule.checkedAtom),
              rhs,
              i,
            )
            : egraph.union(rhs, list[offset], i);
          if (changed) count++;
        }
        list.length = 0;
        ruleApplied[rule.name] += count;
        applied += count;
        checkLimits();
      }
      phaseMs.apply += performance.now() - phaseStart;
    } catch (error) {
      if (!(error instanceof LimitReached)) throw error;
      stopReason = error.reason;
      phaseMs[phase] += performance.now() - phaseStart;
    }
    const rebuildStart = performance.now();
    egraph.rebuild();
    phaseMs.rebuild += performance.now() - rebuildStart;
    iterations++;
    if (stopReason !== undefined) break;
    const after = egraph.size;
    // like egg, the hashcons size counts too: a node added then folded away leaves the lists unchanged but not it
    const unchanged = after.nodes === size.nodes && after.classes === size.classes &&
      after.memo === size.memo;
    if (applied === 0 && scheduler.canStop(iterations - 1) && unchanged) {
      stopReason = "saturated";
    } else if (iterations >= iterationLimit) {
      stopReason = "iteration-limit";
    } else if (nodesNow() > nodeLimit) {
      stopReason = "node-limit";
    } else if (performance.now() - start > timeLimitMs) {
      stopReason = "time-limit";
    }
  }
  const size = egraph.size;
  return {
    stopReason,
    iterations,
    nodes: size.nodes,
    classes: size.classes,
    memo: size.memo,
    timeMs: performance.now() - start,
    ruleMatches,
    ruleApplied,
    typeRejected,
    phaseMs,
    perIteration,
  };
}

/** A condition that throws (a user-written `when`) counts as false rather than ending the run. */
function safeCondition<D>(
  rule: Rewrite<D>,
  egraph: EGraph<D>,
  matches: readonly number[],
  offset: number,
): boolean {
  try {
    return rule.condition!(egraph, matches, offset);
  } catch {
    return false;
  }
}
