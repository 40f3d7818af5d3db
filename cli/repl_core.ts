/**
 * The symbolic-simplification REPL's answers, as a pure function of one input line (so it is tested without a
 * terminal). Nothing typed is ever run as code: lines go through `parse`, which accepts math only, and command
 * arguments are names, numbers or math.
 * @module
 */
import * as T from "../mod.ts";
import { formatShape } from "../cas/shape.ts";
import { topoSort } from "../cas/term.ts";
import type { OpAttrs } from "../cas/ops/types.ts";
import { FUNCTION_NAMES } from "../cas/parse.ts";
import { type SimplifyReport, simplifyWithReport } from "../rewrite/simplify.ts";
import { ALGEBRA_RULES, SPEED_RULES, STABILITY_RULES, TENSOR_RULES } from "../rewrite/rules/index.ts";
import { evaluate } from "../backends/reference/interpreter.ts";

/** What the REPL remembers between lines. */
export interface ReplState {
  /** The report of the last simplification (for `:stats`). */
  lastReport?: SimplifyReport;
  /** Files written by `:dot`. */
  written: string[];
  /** The folder `:dot` writes into (default: the current one). */
  dotFolder?: string;
}

/** The commands, with their help text (also used for tab completion). */
export const COMMANDS: Readonly<Record<string, string>> = {
  ":help": ":help                 this list",
  ":grad": ":grad EXPR, VAR       the simplified derivative of EXPR with respect to VAR",
  ":explain": ":explain EXPR         the chain of named rewrites from EXPR to its best form",
  ":type": ":type EXPR            dtype and shape",
  ":eval": ":eval EXPR, x=1, y=2  the numeric value of its best form (float64, reference interpreter)",
  ":dot": ":dot EXPR[, NAME]     write NAME-before.svg and NAME-after.svg (default NAME: term)",
  ":rules": ":rules                the rule sets and their rules",
  ":stats": ":stats                e-graph size, iterations, stop reason and time of the last simplification",
  ":quit": ":quit                 leave (Ctrl-D works too)",
};

/** The functions the parser accepts, for tab completion (the parser's own table). */
export { FUNCTION_NAMES };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Splits `text` at top-level commas (not inside parentheses or brackets). */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

function best(expr: T.Expr, state: ReplState): T.Expr {
  const { term, report } = simplifyWithReport(expr);
  state.lastReport = report;
  return term;
}

/** The free variables of `expr`, by name. */
function variablesOf(expr: T.Expr): Map<string, T.Expr> {
  const found = new Map<string, T.Expr>();
  for (const t of topoSort([expr])) {
    if (t.op === "var") found.set((t.attrs as OpAttrs["var"]).name, t);
  }
  return found;
}

/** `text` as a math expression, refusing an empty one with the command's usage. */
function parseArgument(text: string, usage: string): T.Expr {
  if (text === "") throw new Error(`usage: ${usage}`);
  return T.parse(text);
}

type Handler = (rest: string, state: ReplState) => Promise<string> | string;

const handlers: Record<string, Handler> = {
  ":help": () =>
    [
      "Type an expression (mathjs syntax, free names are float64 scalars) to get its best form. Commands:",
      ...Object.values(COMMANDS),
    ].join("\n"),
  ":quit": () => "",
  ":grad": (rest, state) => {
    const parts = splitTopLevel(rest);
    if (parts.length !== 2 || parts[0] === "" || !NAME.test(parts[1])) {
      throw new Error("usage: :grad EXPR, VAR");
    }
    const expr = T.parse(parts[0]);
    if (expr.shape.length !== 0) {
      throw new Error(`:grad: the expression must be a scalar, its shape is ${formatShape(expr.shape)}`);
    }
    // a name the expression does not mention has derivative 0
    const wrt = variablesOf(expr).get(parts[1]) ?? T.scalar(parts[1]);
    return String(best(T.grad(expr, wrt, { disconnected: "zero" }), state));
  },
  ":explain": (rest) => String(T.explain(parseArgument(rest, ":explain EXPR"))),
  ":type": (rest) => {
    const e = parseArgument(rest, ":type EXPR");
    return `${e.dtype} ${formatShape(e.shape)}`;
  },
  ":eval": (rest, state) => {
    const [source, ...assignments] = splitTopLevel(rest);
    const expr = parseArgument(source, ":eval EXPR, x=1, y=2");
    const variables = variablesOf(expr);
    const bindings = new Map<T.Expr, T.NDArray>();
    for (const a of assignments) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(a);
      if (!m) throw new Error(`:eval: expected NAME=VALUE, got ${JSON.stringify(a)}`);
      const value = T.parse(m[2]);
      if (variablesOf(value).size > 0) throw new Error(`:eval: the value of ${m[1]} must be a number`);
      const v = variables.get(m[1]);
      if (!v) throw new Error(`:eval: the expression has no variable ${m[1]}`);
      bindings.set(v, evaluate([T.cast(value, v.dtype)], new Map())[0]);
    }
    const missing = [...variables.keys()].filter((name) => !bindings.has(variables.get(name)!));
    if (missing.length > 0) {
      throw new Error(`:eval: give a value for ${missing.join(", ")} (e.g. ${missing[0]}=1)`);
    }
    // the value of the best form: what a compiled function would compute
    return evaluate([best(expr, state)], bindings)[0].toString();
  },
  ":dot": async (rest, state) => {
    const [source, name = "term", ...extra] = splitTopLevel(rest);
    if (extra.length > 0 || !/^[A-Za-z0-9_-]+$/.test(name)) {
      throw new Error(":dot: usage :dot EXPR, NAME (the name may use letters, digits, - and _)");
    }
    const expr = parseArgument(source, ":dot EXPR[, NAME]");
    const after = best(expr, state);
    const folder = state.dotFolder ?? ".";
    const files = [`${folder}/${name}-before.svg`, `${folder}/${name}-after.svg`];
    await Deno.writeTextFile(files[0], await T.toSvg(expr, { title: `before: ${expr}` }));
    await Deno.writeTextFile(files[1], await T.toSvg(after, { title: `after: ${after}` }));
    state.written.push(...files);
    return `wrote ${files.join(" and ")}`;
  },
  ":rules": () => {
    const sets = {
      algebra: ALGEBRA_RULES,
      stability: STABILITY_RULES,
      speed: SPEED_RULES,
      tensor: TENSOR_RULES,
    };
    return Object.entries(sets).map(([name, rules]) =>
      `${name} (${rules.length}): ${rules.map((r) => r.name).join(", ")}`
    ).join("\n");
  },
  ":stats": (_rest, state) => {
    const r = state.lastReport;
    if (!r) return "no simplification yet";
    const cost = (c: readonly number[]) => `[${c.map((v) => Number(v.toPrecision(4))).join(", ")}]`;
    return `${r.nodes} e-nodes, ${r.classes} e-classes, ${r.iterations} iterations, stopped: ${r.stopReason}, ` +
      `cost ${cost(r.costBefore)} -> ${cost(r.costAfter)} (instability, speed), ${r.totalMs.toFixed(1)} ms`;
  },
};

/**
 * The answer to one line: the best form of an expression, or a command's output. Errors are returned as one
 * line starting with "error:": a bad line never ends the session.
 *
 * @example
 * ```ts
 * import { answer } from "./repl_core.ts";
 * await answer("log(1 + exp(x))", { written: [] }); // "softplus(x)"
 * await answer("x = 1", { written: [] }); // "error: parse: assignment …"
 * ```
 */
export async function answer(line: string, state: ReplState): Promise<string> {
  const text = line.trim();
  if (text === "") return "";
  try {
    if (text.startsWith(":")) {
      const [command] = text.split(/\s/, 1);
      if (!Object.hasOwn(handlers, command)) return `error: unknown command ${command}; :help lists them`;
      return await handlers[command](text.slice(command.length).trim(), state);
    }
    return String(best(T.parse(text), state));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return `error: ${message.split("\n")[0]}`;
  }
}

/**
 * A readline completer over the commands and `functionNames`: completes the word before the cursor.
 *
 * @example
 * ```ts
 * import { completions, FUNCTION_NAMES } from "./repl_core.ts";
 * completions(FUNCTION_NAMES)("log(1 + softp"); // [["softplus"], "softp"]
 * ```
 */
export function completions(functionNames: readonly string[]): (line: string) => [string[], string] {
  const commands = Object.keys(COMMANDS);
  return (line: string) => {
    // a command only at the start of the line; function names anywhere
    const command = /^\s*(:[A-Za-z]*)$/.exec(line);
    if (command) return [commands.filter((c) => c.startsWith(command[1])), command[1]];
    const m = /[A-Za-z_][A-Za-z0-9_]*$/.exec(line);
    const prefix = m ? m[0] : "";
    return [prefix === "" ? [] : functionNames.filter((w) => w.startsWith(prefix)), prefix];
  };
}
