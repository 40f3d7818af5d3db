/**
 * The symbolic simplification REPL: `deno task repl` (or `deno run jsr:@theano-ts/theano/repl`).
 * Each line is an expression, answered with its best form; `:help` lists the commands. With piped input there is
 * no prompt and one answer per line, so it can be scripted.
 *
 * @example
 * ```sh
 * echo "log(1 + exp(x))" | deno task repl   # softplus(x)
 * ```
 * @module
 */
import * as readline from "node:readline/promises";
import process from "node:process";
import { config } from "./cas/dtype.ts";
import { OPS } from "./cas/ops/table.ts";
import { answer, completions, type ReplState } from "./cli/repl_core.ts";

/** Function names offered by tab completion. */
const FUNCTION_NAMES: readonly string[] = [
  ...Object.keys(OPS).filter((op) => !["const", "var", "shared", "cast"].includes(op)),
  "dot",
  "stack",
  "float32",
  "float64",
  "categoricalCrossentropy",
  "binaryCrossentropy",
];

function historyPath(): string | undefined {
  try {
    const home = Deno.env.get("HOME");
    return home ? `${home}/.theano_ts_history` : undefined;
  } catch {
    return undefined; // no --allow-env: history stays in memory
  }
}

function loadHistory(path: string | undefined): string[] {
  if (!path) return [];
  try {
    return Deno.readTextFileSync(path).split("\n").filter((l) => l.trim() !== "").reverse().slice(0, 500);
  } catch {
    return [];
  }
}

function saveHistory(path: string | undefined, line: string): void {
  if (!path || line.trim() === "") return;
  try {
    Deno.writeTextFileSync(path, line + "\n", { append: true });
  } catch {
    // a read-only home or missing permission only loses history
  }
}

/** Runs the REPL on standard input/output until `:quit`, Ctrl-D or the end of piped input. */
export async function main(): Promise<void> {
  // symbols typed at the REPL are float64: it is a computer-algebra tool first
  config.floatX = "float64";
  const interactive = process.stdin.isTTY === true;
  const history = historyPath();
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: interactive,
    history: interactive ? loadHistory(history) : [],
    historySize: 500,
    completer: completions(FUNCTION_NAMES),
    prompt: "theano> ",
  });
  const state: ReplState = { written: [] };
  if (interactive) {
    console.log("theano-ts symbolic REPL: type an expression, :help for commands, Ctrl-D to leave");
    // Ctrl-C clears the line instead of ending the session
    rl.on("SIGINT", () => {
      rl.write(null, { ctrl: true, name: "u" });
      process.stdout.write("\n");
      rl.prompt();
    });
    rl.prompt();
  }
  for await (const line of rl) {
    if (line.trim() === ":quit") break;
    if (interactive) saveHistory(history, line);
    const out = await answer(line, state);
    if (out !== "" || !interactive) console.log(out);
    if (interactive) rl.prompt();
  }
  rl.close();
}

if (import.meta.main) await main();
