/**
 * The REPL's history file, `~/.theano_ts_history`: one line per entry, oldest first, appended as lines are
 * entered (so a killed session keeps what was typed) and trimmed when it grows past twice the history size.
 * History is a convenience: without permission to read HOME or to read and write the file, it stays in memory,
 * and no permission prompt interrupts the session.
 * @module
 */

/** True when `descriptor` is already granted (never prompts). */
function granted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/** Where the history lives (`~/.theano_ts_history`), or undefined when HOME is unknown or not granted. */
export function historyPath(): string | undefined {
  const variable = Deno.build.os === "windows" ? "USERPROFILE" : "HOME";
  if (!granted({ name: "env", variable })) return undefined;
  const home = Deno.env.get(variable);
  return home ? `${home}/.theano_ts_history` : undefined;
}

/**
 * The last `size` entries of the history file, most recent first (the order readline wants), without
 * repeats. Rewrites the file to its last `size` lines when it has grown past twice that.
 *
 * @example
 * ```ts
 * import { loadHistory } from "./history.ts";
 * loadHistory(undefined, 100); // []
 * ```
 */
export function loadHistory(path: string | undefined, size: number): string[] {
  if (!path || !granted({ name: "read", path })) return [];
  let lines: string[];
  try {
    lines = Deno.readTextFileSync(path).split("\n").filter((l) => l.trim() !== "");
  } catch {
    return []; // no file yet, or no permission
  }
  if (lines.length > 2 * size && granted({ name: "write", path })) {
    try {
      Deno.writeTextFileSync(path, lines.slice(-size).join("\n") + "\n");
    } catch {
      // read-only: keep reading the long file
    }
  }
  const recentFirst: string[] = [];
  const seen = new Set<string>();
  for (let i = lines.length - 1; i >= 0 && recentFirst.length < size; i--) {
    if (!seen.has(lines[i])) {
      seen.add(lines[i]);
      recentFirst.push(lines[i]);
    }
  }
  return recentFirst;
}

/** Appends one entered line to the history file (blank lines are not kept; errors only lose history). */
export function appendHistory(path: string | undefined, line: string): void {
  if (!path || line.trim() === "" || !granted({ name: "write", path })) return;
  try {
    Deno.writeTextFileSync(path, line.replace(/\n/g, " ") + "\n", { append: true });
  } catch {
    // a read-only home or a missing permission only loses history
  }
}
