/**
 * Drives the REPL interactively in a real terminal (tmux): answers on screen, history across sessions, Tab
 * completion, Ctrl-C and Ctrl-D. Skipped with a notice where tmux is missing. Uses a private tmux server and a
 * temporary HOME, so neither the user's tmux nor their history file is touched.
 */
import assert from "node:assert/strict";
import * as T from "../../mod.ts";
import { evaluate } from "../../backends/reference/interpreter.ts";

const REPL = new URL("../../repl.ts", import.meta.url).pathname;
const PROMPT = "theano> ";

function tmuxAvailable(): boolean {
  try {
    return new Deno.Command("tmux", { args: ["-V"], stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** Deno's cache folder, so the REPL under a temporary HOME still finds the packages it needs offline. */
let cachedDenoDir: string | undefined = Deno.env.get("DENO_DIR");
function denoDir(): string {
  if (cachedDenoDir === undefined) {
    const { stdout } = new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
      .outputSync();
    cachedDenoDir = JSON.parse(new TextDecoder().decode(stdout)).denoDir as string;
  }
  return cachedDenoDir;
}

/** A tmux session on its own server socket, running the REPL, with a few helpers to type and read the screen. */
class Terminal {
  private constructor(readonly socket: string, readonly home: string) {}

  static async start(home: string): Promise<Terminal> {
    const term = new Terminal(`${home}/tmux.sock`, home);
    // after the REPL ends, the pane stays open showing its exit status, so the test can read it
    const command = `'${Deno.execPath()}' run --allow-read --allow-write --allow-env '${REPL}'; ` +
      `echo "EXITED $?"; sleep 60`;
    await term.tmux("-f", "/dev/null", "new-session", "-d", "-s", "repl", "-x", "150", "-y", "40", command);
    return term;
  }

  async tmux(...args: string[]): Promise<string> {
    const { success, stdout, stderr } = await new Deno.Command("tmux", {
      args: ["-S", this.socket, ...args],
      env: { HOME: this.home, DENO_DIR: denoDir(), NO_COLOR: "1", TERM: "xterm-256color" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!success) throw new Error(`tmux ${args.join(" ")}: ${new TextDecoder().decode(stderr)}`);
    return new TextDecoder().decode(stdout);
  }

  /** Sends keys (tmux key names such as "Enter", "Tab", "C-c", or literal text with `literal`). */
  async keys(...keys: string[]): Promise<void> {
    await this.tmux("send-keys", "-t", "repl", ...keys);
  }

  async type(text: string): Promise<void> {
    await this.tmux("send-keys", "-t", "repl", "-l", text);
  }

  /** The visible lines of the pane, trailing spaces removed. */
  async screen(): Promise<string[]> {
    const text = await this.tmux("capture-pane", "-p", "-t", "repl");
    return text.split("\n").map((l) => l.trimEnd());
  }

  /** The last non-empty line on screen (where the cursor's prompt is). */
  async lastLine(): Promise<string> {
    return (await this.screen()).filter((l) => l !== "").at(-1) ?? "";
  }

  /** Polls the screen until `test` holds (10 s at most); returns the screen. */
  async waitFor(what: string, test: (screen: string[]) => boolean, timeoutMs = 10_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    let screen: string[] = [];
    while (Date.now() < deadline) {
      screen = await this.screen();
      if (test(screen)) return screen;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}; the screen was:\n${screen.join("\n")}`);
  }

  /** Waits until the last line is exactly `line`. */
  async waitForLastLine(line: string): Promise<void> {
    await this.waitFor(JSON.stringify(line), (s) => s.filter((l) => l !== "").at(-1) === line);
  }

  async stop(): Promise<void> {
    await this.tmux("kill-server").catch(() => {});
  }
}

/** The value of the expression `source` in the float64 scalar `x` at `at`. */
function valueAt(source: string, at: number): number {
  const x = T.scalar("x", "float64");
  return evaluate([T.parse(source, { x })], new Map([[x, T.array(at, { dtype: "float64" })]]))[0].item();
}

const hasTmux = tmuxAvailable();
if (!hasTmux) console.log("repl_tmux_test: tmux is not installed; skipping the interactive REPL tests");

Deno.test({
  name: "the REPL answers typed lines, keeps history across sessions, completes with Tab, clears with Ctrl-C",
  ignore: !hasTmux,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "theano_repl_home_" });
    // a line typed in an earlier session
    await Deno.writeTextFile(`${home}/.theano_ts_history`, "exp(log(x))\n");
    const term = await Terminal.start(home);
    try {
      await term.waitForLastLine(PROMPT.trimEnd());
      assert.match((await term.screen()).join("\n"), /:help for commands/);

      // an expression and its answer
      await term.type("log(1 + exp(x))");
      await term.keys("Enter");
      await term.waitFor("the answer softplus(x)", (s) => s.includes("softplus(x)"));
      await term.waitForLastLine(PROMPT.trimEnd());

      // a bad line: one error line, and the session goes on
      await term.type("x = 1");
      await term.keys("Enter");
      await term.waitFor("an error line", (s) => s.some((l) => l.startsWith("error: parse: assignment")));
      await term.waitForLastLine(PROMPT.trimEnd());

      // Up recalls this session's lines, then the earlier session's
      await term.keys("Up");
      await term.waitForLastLine(`${PROMPT}x = 1`);
      await term.keys("Up");
      await term.waitForLastLine(`${PROMPT}log(1 + exp(x))`);
      await term.keys("Up");
      await term.waitForLastLine(`${PROMPT}exp(log(x))`);

      // Ctrl-C drops the recalled line: a fresh, empty prompt
      await term.keys("C-c");
      await term.waitForLastLine(PROMPT.trimEnd());

      // Tab completes a function name in the middle of an expression, and a command at the start
      await term.type("log(1 + softp");
      await term.keys("Tab");
      await term.waitForLastLine(`${PROMPT}log(1 + softplus`);
      await term.type("(x))");
      await term.keys("Enter");
      await term.waitFor(
        "the answer log1p(softplus(x))",
        (s) => s.some((l) => l.startsWith("log1p(softplus(x))")),
      );
      await term.waitForLastLine(PROMPT.trimEnd());
      await term.type(":gr");
      await term.keys("Tab");
      await term.waitForLastLine(`${PROMPT}:grad`);
      await term.type(" x^3, x");
      await term.keys("Enter");
      const screen = await term.waitFor(
        "the derivative",
        (s) => s.at(s.indexOf(`${PROMPT}:grad x^3, x`) + 2) !== "",
      );
      const derivative = screen[screen.indexOf(`${PROMPT}:grad x^3, x`) + 1];
      assert.equal(valueAt(derivative, 2), 12, derivative); // any spelling of 3x²

      // Ctrl-D on an empty line leaves with status 0
      await term.waitForLastLine(PROMPT.trimEnd());
      await term.keys("C-d");
      await term.waitFor("the REPL to exit", (s) => s.includes("EXITED 0"));

      // the history file now holds this session's lines after the earlier one
      const history = (await Deno.readTextFile(`${home}/.theano_ts_history`)).trim().split("\n");
      assert.deepEqual(history, [
        "exp(log(x))",
        "log(1 + exp(x))",
        "x = 1",
        "log(1 + softplus(x))",
        ":grad x^3, x",
      ]);
    } finally {
      await term.stop();
      await Deno.remove(home, { recursive: true });
    }
  },
});
