/**
 * The symbolic simplification REPL: `deno task repl` (or `deno run jsr:@theano-ts/theano/repl`).
 * Each line is an expression, answered with its best form; `:help` lists the commands. Line editing, history
 * kept across sessions in `~/.theano_ts_history`, Tab completes commands and function names, Ctrl-C clears the
 * line and Ctrl-D leaves. With piped input there is no prompt and one answer per line, so it can be scripted.
 * Nothing typed is ever run as code: every line goes through the math parser.
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
import { answer, completions, FUNCTION_NAMES, type ReplState } from "./cli/repl_core.ts";
import { appendHistory, historyPath, loadHistory } from "./cli/history.ts";

const HISTORY_SIZE = 1000;

/**
 * Runs the REPL on standard input and output until `:quit`, Ctrl-D or the end of piped input.
 *
 * @example
 * ```ts
 * import { main } from "./repl.ts";
 * await main(); // reads lines from standard input
 * ```
 */
export async function main(): Promise<void> {
  // names typed at the REPL are float64 scalars: it is a computer-algebra tool first
  config.floatX = "float64";
  const interactive = process.stdin.isTTY === true;
  const history = interactive ? historyPath() : undefined;
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: interactive,
    history: loadHistory(history, HISTORY_SIZE),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: completions(FUNCTION_NAMES),
    prompt: "theano> ",
  });
  const state: ReplState = { written: [] };
  if (interactive) {
    console.log("theano-ts symbolic REPL: type an expression (e.g. log(1 + exp(x))), :help for commands");
    // Ctrl-C clears the line being typed instead of ending the session (as in a shell)
    rl.on("SIGINT", () => clearLine(rl));
    rl.prompt();
  }
  let quit = false;
  for await (const line of rl) {
    if (interactive) appendHistory(history, line);
    if (line.trim() === ":quit") {
      quit = true;
      break;
    }
    const out = await answer(line, state);
    // piped: exactly one answer per line (an empty one for an empty line), so scripts can pair them up
    if (out !== "" || !interactive) console.log(out);
    if (interactive) rl.prompt();
  }
  rl.close();
  // Ctrl-D leaves the cursor after the prompt: end the line, as shells do
  if (interactive && !quit) process.stdout.write("\n");
}

/** Drops the line being typed and shows a fresh prompt below it. */
function clearLine(rl: readline.Interface): void {
  // Node's readline (and Deno's copy of it) has an internal clearLine() that does exactly this; fall back to
  // the line-editing keys if a runtime lacks it
  const internal = (rl as unknown as { clearLine?: () => void }).clearLine;
  if (typeof internal === "function") {
    internal.call(rl);
  } else {
    rl.write(null, { ctrl: true, name: "e" });
    rl.write(null, { ctrl: true, name: "u" });
    process.stdout.write("\n");
  }
  rl.prompt();
}

if (import.meta.main) await main();
