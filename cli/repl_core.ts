/**
 * The symbolic-simplification REPL's answers, as a pure function of one input line (so it is tested without a
 * terminal). Nothing typed is ever run as code: lines go through `parse`, which accepts math only.
 * @module
 */
import * as T from "../mod.ts";
import { simplifyWithReport, type SimplifyReport } from "../rewrite/simplify.ts";
import { ALGEBRA_RULES, SPEED_RULES, STABILITY_RULES, TENSOR_RULES } from "../rewrite/rules/index.ts";
import { evaluate } from "../backends/reference/interpreter.ts";

/** What the REPL remembers between lines. */
export interface ReplState {
  /** The report of the last simplification (for `:stats`). */
  lastReport?: SimplifyReport;
  /** Files written by `:dot`, for the caller to mention. */
  written: string[];
}

/** The commands, with their help text (also used for tab completion). */
export const COMMANDS: Readonly<Record<string, string>> = {
  ":help": ":help                 this list",
  ":grad": ":grad EXPR, VAR       the simplified derivative of EXPR with respect to VAR",
  ":explain": ":explain EXPR         the chain of named rewrites from EXPR to its best form",
  ":type": ":type EXPR            dtype and shape",
  ":eval": ":eval EXPR, x=1, y=2  the numeric value (float64, reference backend)",
  ":dot": ":dot EXPR[, NAME]     write NAME-before.svg and NAME-after.svg (default NAME: term)",
  ":rules": ":rules                the rule sets and their rules",
  ":stats": ":stats                e-graph size, iterations, stop reason and time of the last simplification",
  ":quit": ":quit                 leave (Ctrl-D works too)",
};

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

function variableNamed(expr: T.Expr, name: string): T.Expr | undefined {
  const found: T.Expr[] = [];
  const visit = (t: T.Expr, seen: Set<T.Expr>) => {
    if (seen.has(t)) return;
    seen.add(t);
    if (t.op === "var" && String(t) === name) found.push(t);
    t.args.forEach((a) => visit(a, seen));
  };
  visit(expr, new Set());
  return found[0];
}

const handlers: Record<string, (rest: string, state: ReplState) => Promise<string> | string> = {
  ":help": () => ["Type an expression (mathjs syntax) to get its best form. Commands:", ...Object.values(COMMANDS)].join("\n"),
  ":quit": () => "",
  ":grad": (rest, state) => {
    const parts = splitTopLevel(rest);
    if (parts.length !== 2 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(parts[1])) {
      throw new Error("usage: :grad EXPR, VAR");
    }
    const expr = T.parse(parts[0]);
    const wrt = variableNamed(expr, parts[1]) ?? T.scalar(parts[1]);
    return String(best(T.grad(expr, wrt, { disconnected: "zero" }) as T.Expr, state));
  },
  ":explain": (rest) => String(T.explain(T.parse(rest))),
  ":type": (rest) => {
    const e = T.parse(rest);
    return `${e.dtype} ${JSON.stringify(e.shape)}`;
  },
  ":eval": (rest) => {
    const [source, ...assignments] = splitTopLevel(rest);
    const expr = T.parse(source);
    const bindings = new Map<T.Expr, T.NDArray>();
    for (const a of assignments) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(a);
      if (!m) throw new Error(`:eval: expected NAME=VALUE, got ${JSON.stringify(a)}`);
      const value = T.parse(m[2]);
      if (value.op !== "const" && !(value.op === "neg" && value.args[0].op === "const")) {
        throw new Error(`:eval: the value of ${m[1]} must be a number`);
      }
      const v = variableNamed(expr, m[1]);
      if (v) bindings.set(v, evaluate([value], new Map())[0].astype(v.dtype));
    }
    return evaluate([expr], bindings)[0].toString();
  },
  ":dot": async (rest, state) => {
    const [source, name = "term"] = splitTopLevel(rest);
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(":dot: the file name may use letters, digits, - and _");
    const expr = T.parse(source);
    const after = best(expr, state);
    const files = [`${name}-before.svg`, `${name}-after.svg`];
    await Deno.writeTextFile(files[0], await T.toSvg(expr, { title: `before: ${expr}` }));
    await Deno.writeTextFile(files[1], await T.toSvg(after, { title: `after: ${after}` }));
    state.written.push(...files);
    return `wrote ${files.join(" and ")}`;
  },
  ":rules": () => {
    const sets = { algebra: ALGEBRA_RULES, stability: STABILITY_RULES, speed: SPEED_RULES, tensor: TENSOR_RULES };
    return Object.entries(sets).map(([name, rules]) =>
      `${name} (${rules.length}): ${rules.map((r) => r.name).join(", ")}`
    ).join("\n");
  },
  ":stats": (_rest, state) => {
    const r = state.lastReport;
    if (!r) return "no simplification yet";
    return `${r.nodes} nodes, ${r.classes} classes, ${r.iterations} iterations, stopped: ${r.stopReason}, ` +
      `${r.timeMs.toFixed(1)} ms`;
  },
};

/**
 * The answer to one line: the best form of an expression, or a command's output. Errors are returned as one
 * line starting with "error:" — a bad line never ends the session.
 *
 * @example
 * ```ts
 * import { answer } from "./repl_core.ts";
 * await answer("log(1 + exp(x))", { written: [] }); // "softplus(x)"
 * ```
 */
export async function answer(line: string, state: ReplState): Promise<string> {
  const text = line.trim();
  if (text === "") return "";
  try {
    if (text.startsWith(":")) {
      const [command] = text.split(/\s/, 1);
      const handler = handlers[command];
      if (!handler) return `error: unknown command ${command}; :help lists them`;
      return await handler(text.slice(command.length).trim(), state);
    }
    return String(best(T.parse(text), state));
  } catch (e) {
    return `error: ${(e as Error).message.split("\n")[0]}`;
  }
}

/** Words to complete: commands and the functions the parser accepts. */
export function completions(functionNames: readonly string[]): (line: string) => [string[], string] {
  const words = [...Object.keys(COMMANDS), ...functionNames];
  return (line: string) => {
    const m = /[:A-Za-z_][A-Za-z0-9_]*$/.exec(line);
    const prefix = m ? m[0] : "";
    const hits = words.filter((w) => w.startsWith(prefix));
    return [hits, prefix];
  };
}
