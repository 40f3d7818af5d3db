/**
 * Rule schedulers: which rules search in an iteration and how many matches they may return. The backoff
 * scheduler is egg's remedy for rules that explode (associativity and commutativity grow the e-graph
 * exponentially): a rule that finds more matches than its threshold is banned for a few iterations, and each ban
 * doubles both its threshold and the length of its next ban.
 * @module
 */

/** Decides, per iteration and rule, whether and how much a rule searches. */
export interface Scheduler {
  /** The most matches rule `rule` may return in `iteration` (0: it does not search this iteration). */
  searchLimit(iteration: number, rule: number): number;
  /** Told how many matches the rule found; returns false to drop them (the rule is then banned). */
  accept(iteration: number, rule: number, found: number): boolean;
  /**
   * Asked when an iteration applied nothing: true when the run may stop as saturated. A scheduler with banned rules
   * answers false and shortens their bans, so they get another chance first.
   */
  canStop(iteration: number): boolean;
}

/** Every rule searches every iteration, without limit (egg's `SimpleScheduler`). */
export class SimpleScheduler implements Scheduler {
  searchLimit(): number {
    return Infinity;
  }
  accept(): boolean {
    return true;
  }
  canStop(): boolean {
    return true;
  }
}

/** Options of `BackoffScheduler` (egg's defaults: 1000 matches, 5 iterations). */
export interface BackoffOptions {
  /** Matches a rule may find before its first ban. */
  readonly matchLimit?: number;
  /** Iterations of the first ban. */
  readonly banLength?: number;
}

interface RuleStats {
  timesBanned: number;
  bannedUntil: number;
}

/** Bans rules whose matches exceed a threshold that doubles with each ban (egg's `BackoffScheduler`). */
export class BackoffScheduler implements Scheduler {
  private readonly matchLimit: number;
  private readonly banLength: number;
  private readonly stats: RuleStats[] = [];

  /** A scheduler with egg's defaults unless `options` say otherwise. */
  constructor(options: BackoffOptions = {}) {
    this.matchLimit = options.matchLimit ?? 1000;
    this.banLength = options.banLength ?? 5;
  }

  /** The ban record of a rule. */
  private statsOf(rule: number): RuleStats {
    return (this.stats[rule] ??= { timesBanned: 0, bannedUntil: 0 });
  }

  searchLimit(iteration: number, rule: number): number {
    const s = this.statsOf(rule);
    if (iteration < s.bannedUntil) return 0;
    return this.threshold(s) + 1;
  }

  accept(iteration: number, rule: number, found: number): boolean {
    const s = this.statsOf(rule);
    if (found <= this.threshold(s)) return true;
    s.bannedUntil = iteration + this.banLength * 2 ** s.timesBanned;
    s.timesBanned++;
    return false;
  }

  canStop(iteration: number): boolean {
    const banned = this.stats.filter((s) => s !== undefined && s.bannedUntil > iteration);
    if (banned.length === 0) return true;
    // fast-forward to the end of the shortest ban so the run does not idle through it
    const delta = Math.min(...banned.map((s) => s.bannedUntil)) - iteration;
    for (const s of banned) s.bannedUntil -= delta;
    return false;
  }

  /** The match threshold of a rule: doubles with each ban. */
  private threshold(s: RuleStats): number {
    return this.matchLimit * 2 ** s.timesBanned;
  }
}
