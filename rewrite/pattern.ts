/**
 * Patterns as data: s-expressions such as `(add (exp ?x) 1)` or `(sum@a (exp ?x))`, parsed into a small tree
 * that is independent of the node language. `?x` is a pattern variable (an e-class), a bare atom is a literal
 * (a number, or a symbol of the language), and `op@a` binds (left-hand side) or reuses (right-hand side) the
 * attributes of the node as `a`; `op@{"axes":[0]}` gives them literally as JSON.
 * @module
 */

/** A parsed pattern. */
export type PatternAst =
  | { readonly kind: "var"; readonly name: string }
  | { readonly kind: "atom"; readonly text: string }
  | {
    readonly kind: "node";
    readonly op: string;
    readonly attr?: { readonly variable: string } | { readonly literal: unknown };
    readonly args: readonly PatternAst[];
  };

/** A syntax error in a pattern, naming the pattern and what is wrong. */
export class PatternSyntaxError extends Error {
  /** An error whose message names the pattern. */
  constructor(message: string) {
    super(message);
    this.name = "PatternSyntaxError";
  }
}

/**
 * Parses one s-expression pattern.
 *
 * @example
 * ```ts
 * import { parsePattern } from "./pattern.ts";
 * parsePattern("(mul ?x 2)"); // { kind: "node", op: "mul", args: [{ kind: "var", name: "x" }, { kind: "atom", text: "2" }] }
 * ```
 */
export function parsePattern(text: string): PatternAst {
  const tokens = tokenize(text);
  let at = 0;
  const fail = (why: string): never => {
    throw new PatternSyntaxError(`pattern ${JSON.stringify(text)}: ${why}`);
  };
  const parse = (): PatternAst => {
    const token = tokens[at++];
    if (token === undefined) return fail("unexpected end");
    if (token === ")") return fail("unexpected ')'");
    if (token !== "(") return atomOrVar(token, fail);
    const head = tokens[at++];
    if (head === undefined || head === "(" || head === ")") {
      return fail("a list must start with an operator name");
    }
    const { op, attr } = splitHead(head, fail);
    if (op === "" || op.startsWith("?") || !Number.isNaN(Number(op))) {
      fail(`${JSON.stringify(head)} is not an operator name`);
    }
    const args: PatternAst[] = [];
    while (tokens[at] !== ")") {
      if (tokens[at] === undefined) return fail("missing ')'");
      args.push(parse());
    }
    at++;
    return attr === undefined ? { kind: "node", op, args } : { kind: "node", op, attr, args };
  };
  const ast = parse();
  if (at !== tokens.length) fail(`unexpected ${JSON.stringify(tokens[at])} after the pattern`);
  return ast;
}

function atomOrVar(token: string, fail: (why: string) => never): PatternAst {
  if (token.startsWith("?")) {
    if (!/^\?[A-Za-z_][A-Za-z0-9_]*$/.test(token)) fail(`bad variable name ${JSON.stringify(token)}`);
    return { kind: "var", name: token.slice(1) };
  }
  if (token.includes("@")) fail(`attributes need an operator: ${JSON.stringify(token)}`);
  return { kind: "atom", text: token };
}

function splitHead(
  head: string,
  fail: (why: string) => never,
): { op: string; attr?: { variable: string } | { literal: unknown } } {
  const at = head.indexOf("@");
  if (at < 0) return { op: head };
  const op = head.slice(0, at), rest = head.slice(at + 1);
  if (rest.startsWith("{")) {
    try {
      return { op, attr: { literal: JSON.parse(rest) } };
    } catch {
      return fail(`bad attribute JSON ${rest}`);
    }
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(rest)) fail(`bad attribute variable ${JSON.stringify(rest)}`);
  return { op, attr: { variable: rest } };
}

/** Splits into "(", ")" and atoms; an atom's `@{…}` JSON part may hold spaces and parentheses inside strings. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "(" || c === ")") {
      tokens.push(c);
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s()]/.test(text[j])) {
        if (text[j] === "{") j = skipJson(text, j);
        else j++;
      }
      tokens.push(text.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

function skipJson(text: string, start: number): number {
  let depth = 0, j = start, inString = false;
  for (; j < text.length; j++) {
    const c = text[j];
    if (inString) {
      if (c === "\\") j++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  return j;
}

/** The variables of a pattern, in first-occurrence order. */
export function patternVars(ast: PatternAst, into: string[] = []): string[] {
  if (ast.kind === "var") {
    if (!into.includes(ast.name)) into.push(ast.name);
  } else if (ast.kind === "node") {
    for (const a of ast.args) patternVars(a, into);
  }
  return into;
}

/** The attribute variables of a pattern, in first-occurrence order. */
export function attrVars(ast: PatternAst, into: string[] = []): string[] {
  if (ast.kind === "node") {
    if (ast.attr && "variable" in ast.attr && !into.includes(ast.attr.variable)) into.push(ast.attr.variable);
    for (const a of ast.args) attrVars(a, into);
  }
  return into;
}

/** Renders a pattern back to s-expression text. */
export function formatPattern(ast: PatternAst): string {
  if (ast.kind === "var") return `?${ast.name}`;
  if (ast.kind === "atom") return ast.text;
  const attr = ast.attr === undefined
    ? ""
    : "variable" in ast.attr
    ? `@${ast.attr.variable}`
    : `@${JSON.stringify(ast.attr.literal)}`;
  return ast.args.length === 0 && ast.attr === undefined
    ? `(${ast.op})`
    : `(${ast.op}${attr}${ast.args.map((a) => " " + formatPattern(a)).join("")})`;
}
