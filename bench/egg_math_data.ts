/**
 * egg's math benchmark as data (egg `tests/math.rs`, as transcribed in `shared/data/egg_math.md`): its language
 * (`d i + - * / pow ln sqrt sin cos`, float constants, symbols), its constant-folding analysis (which prunes a
 * folded class to its leaves), its 36 rules with their conditions, its test terms, and egg 0.9.5's measured
 * e-graph sizes per iteration under the simple scheduler. The language is a second instance of the generic
 * e-graph in `rewrite/` (the term language is the first).
 * @module
 */
import { type Analysis, EGraph } from "../rewrite/egraph.ts";
import type { PatternLanguage } from "../rewrite/ematch.ts";
import { parsePattern, type PatternAst } from "../rewrite/pattern.ts";
import { CONSTANT_FOLD } from "../rewrite/proof_forest.ts";
import { compileRewrite, type Rewrite } from "../rewrite/rewrite.ts";

/** The operators, in egg's `Math` enum order (the op code is the index). */
export const MATH_OPS = [
  "d",
  "i",
  "+",
  "-",
  "*",
  "/",
  "pow",
  "ln",
  "sqrt",
  "sin",
  "cos",
  "Constant",
  "Symbol",
];
const ARITY: Record<string, number> = { ln: 1, sqrt: 1, sin: 1, cos: 1 };
const ADD = 2, SUB = 3, MUL = 4, DIV = 5;
/** Op code of constants (payload: index into the constant table). */
export const CONSTANT = 11;
/** Op code of symbols (payload: index into the symbol table). */
export const SYMBOL = 12;

/** A rule of the benchmark: name, lhs, rhs, conditions (egg's `:if` predicates). */
export type MathRule = readonly [name: string, lhs: string, rhs: string, conditions?: readonly string[]];

/** egg's math rules, in egg's order. */
export const MATH_RULES: readonly MathRule[] = [
  ["comm-add", "(+ ?a ?b)", "(+ ?b ?a)"],
  ["comm-mul", "(* ?a ?b)", "(* ?b ?a)"],
  ["assoc-add", "(+ ?a (+ ?b ?c))", "(+ (+ ?a ?b) ?c)"],
  ["assoc-mul", "(* ?a (* ?b ?c))", "(* (* ?a ?b) ?c)"],
  ["sub-canon", "(- ?a ?b)", "(+ ?a (* -1 ?b))"],
  ["div-canon", "(/ ?a ?b)", "(* ?a (pow ?b -1))", ["not-zero ?b"]],
  ["zero-add", "(+ ?a 0)", "?a"],
  ["zero-mul", "(* ?a 0)", "0"],
  ["one-mul", "(* ?a 1)", "?a"],
  ["add-zero", "?a", "(+ ?a 0)"],
  ["mul-one", "?a", "(* ?a 1)"],
  ["cancel-sub", "(- ?a ?a)", "0"],
  ["cancel-div", "(/ ?a ?a)", "1", ["not-zero ?a"]],
  ["distribute", "(* ?a (+ ?b ?c))", "(+ (* ?a ?b) (* ?a ?c))"],
  ["factor", "(+ (* ?a ?b) (* ?a ?c))", "(* ?a (+ ?b ?c))"],
  ["pow-mul", "(* (pow ?a ?b) (pow ?a ?c))", "(pow ?a (+ ?b ?c))"],
  ["pow0", "(pow ?x 0)", "1", ["not-zero ?x"]],
  ["pow1", "(pow ?x 1)", "?x"],
  ["pow2", "(pow ?x 2)", "(* ?x ?x)"],
  ["pow-recip", "(pow ?x -1)", "(/ 1 ?x)", ["not-zero ?x"]],
  ["recip-mul-div", "(* ?x (/ 1 ?x))", "1", ["not-zero ?x"]],
  ["d-variable", "(d ?x ?x)", "1", ["sym ?x"]],
  ["d-constant", "(d ?x ?c)", "0", ["sym ?x", "const-or-distinct-var ?c ?x"]],
  ["d-add", "(d ?x (+ ?a ?b))", "(+ (d ?x ?a) (d ?x ?b))"],
  ["d-mul", "(d ?x (* ?a ?b))", "(+ (* ?a (d ?x ?b)) (* ?b (d ?x ?a)))"],
  ["d-sin", "(d ?x (sin ?x))", "(cos ?x)"],
  ["d-cos", "(d ?x (cos ?x))", "(* -1 (sin ?x))"],
  ["d-ln", "(d ?x (ln ?x))", "(/ 1 ?x)", ["not-zero ?x"]],
  [
    "d-power",
    "(d ?x (pow ?f ?g))",
    "(* (pow ?f ?g) (+ (* (d ?x ?f) (/ ?g ?f)) (* (d ?x ?g) (ln ?f))))",
    ["not-zero ?f", "not-zero ?g"],
  ],
  ["i-one", "(i 1 ?x)", "?x"],
  ["i-power-const", "(i (pow ?x ?c) ?x)", "(/ (pow ?x (+ ?c 1)) (+ ?c 1))", ["const ?c"]],
  ["i-cos", "(i (cos ?x) ?x)", "(sin ?x)"],
  ["i-sin", "(i (sin ?x) ?x)", "(* -1 (cos ?x))"],
  ["i-sum", "(i (+ ?f ?g) ?x)", "(+ (i ?f ?x) (i ?g ?x))"],
  ["i-dif", "(i (- ?f ?g) ?x)", "(- (i ?f ?x) (i ?g ?x))"],
  ["i-parts", "(i (* ?a ?b) ?x)", "(- (* ?a (i ?b ?x)) (i (* (d ?x ?a) (i ?b ?x)) ?x))"],
];

/** The benchmark's start terms (egg's test names). */
export const MATH_TERMS: Readonly<Record<string, string>> = {
  associate_adds: "(+ 1 (+ 2 (+ 3 (+ 4 (+ 5 (+ 6 7))))))",
  simplify_add: "(+ x (+ x (+ x x)))",
  powers: "(* (pow 2 x) (pow 2 y))",
  simplify_const: "(+ 1 (- a (* (- 2 1) a)))",
  simplify_root: "(/ 1 (- (/ (+ 1 (sqrt five)) 2) (/ (- 1 (sqrt five)) 2)))",
  simplify_factor: "(* (+ x 3) (+ x 1))",
  diff_same: "(d x x)",
  diff_different: "(d x y)",
  diff_simple1: "(d x (+ 1 (* 2 x)))",
  diff_simple2: "(d x (+ 1 (* y x)))",
  diff_ln: "(d x (ln x))",
  diff_power_simple: "(d x (pow x 3))",
  diff_power_harder: "(d x (- (pow x 3) (* 7 (pow x 2))))",
  integ_one: "(i 1 x)",
  integ_sin: "(i (cos x) x)",
  integ_x: "(i (pow x 1) x)",
  integ_part1: "(i (* x (cos x)) x)",
  integ_part2: "(i (* (cos x) x) x)",
  integ_part3: "(i (ln x) x)",
  fail: "(+ x y)",
};

/**
 * egg 0.9.5's e-graph sizes (e-nodes/e-classes at the start of each iteration) with the simple scheduler, and the
 * final size after at most 8 iterations with a node limit of 200,000 (from `shared/data/egg_math.md`).
 */
export const EGG_GROWTH: Readonly<
  Record<string, { perIteration: [number, number][]; final: [number, number] }>
> = {
  associate_adds: { perIteration: [[13, 13], [14, 14], [14, 14]], final: [14, 14] },
  simplify_add: { perIteration: [[4, 4], [17, 6], [28, 7], [34, 9], [36, 9], [36, 9]], final: [36, 9] },
  powers: { perIteration: [[6, 6], [21, 9], [38, 11], [36, 9]], final: [36, 9] },
  simplify_const: { perIteration: [[6, 6], [17, 8], [14, 7], [19, 7], [21, 7]], final: [21, 7] },
  simplify_root: {
    perIteration: [[10, 10], [38, 16], [65, 16], [85, 20], [120, 27], [148, 32], [185, 35], [211, 37]],
    final: [472, 112],
  },
  simplify_factor: {
    perIteration: [[6, 6], [20, 8], [45, 14], [80, 23], [100, 22], [152, 35], [142, 20], [142, 20]],
    final: [142, 20],
  },
  diff_same: { perIteration: [[2, 2], [5, 3], [7, 3], [7, 3]], final: [7, 3] },
  diff_different: { perIteration: [[3, 3], [8, 4], [12, 4], [12, 4]], final: [12, 4] },
  diff_simple1: { perIteration: [[6, 6], [20, 9], [38, 14], [37, 10], [20, 6]], final: [20, 6] },
  diff_simple2: { perIteration: [[6, 6], [22, 9], [46, 16], [26, 6]], final: [26, 6] },
  diff_ln: {
    perIteration: [[3, 3], [12, 5], [26, 10], [32, 10], [22, 8], [26, 8], [28, 8], [28, 8]],
    final: [28, 8],
  },
  diff_power_simple: {
    perIteration: [[4, 4], [20, 13], [47, 18], [61, 17], [62, 21], [80, 19], [84, 17], [86, 18]],
    final: [96, 20],
  },
  diff_power_harder: {
    perIteration: [[9, 9], [28, 13], [60, 22], [129, 51], [219, 67], [181, 37], [245, 49], [390, 87]],
    final: [570, 104],
  },
  integ_one: { perIteration: [[3, 3], [6, 3], [8, 3], [8, 3]], final: [8, 3] },
  integ_sin: {
    perIteration: [[3, 3], [12, 5], [26, 11], [62, 24], [176, 66], [416, 143], [1453, 496], [4051, 1606]],
    final: [23404, 9457],
  },
  integ_x: {
    perIteration: [[4, 4], [12, 6], [30, 14], [50, 22], [97, 31], [208, 77], [410, 172], [1084, 412]],
    final: [4668, 1698],
  },
  integ_part1: {
    perIteration: [[4, 4], [21, 11], [69, 33], [177, 63], [486, 171], [1495, 499], [3591, 1373], [
      19571,
      7573,
    ]],
    final: [214725, 90036],
  },
  integ_part2: {
    perIteration: [[4, 4], [21, 11], [81, 39], [209, 80], [643, 226], [1991, 678], [4634, 1721], [
      21688,
      8381,
    ]],
    final: [138343, 51782],
  },
  integ_part3: {
    perIteration: [[3, 3], [11, 5], [25, 11], [61, 24], [144, 55], [306, 113], [1123, 421], [3394, 1412]],
    final: [19496, 8214],
  },
  fail: { perIteration: [[3, 3], [12, 5], [18, 5], [18, 5]], final: [18, 5] },
};

/** egg 0.9.5's time for `integ_part1` (8 iterations, simple scheduler, 200k node limit) on these machines. */
export const EGG_INTEG_PART1_SECONDS = { min: 0.44, max: 0.71 };

// ---------------------------------------------------------------------------------------------- the language

/** A math e-graph's analysis data: the class's constant value, or null. */
export type MathData = number | null;

/** The constant and symbol tables of one math e-graph (payloads index them). */
export class MathTables {
  readonly constants: number[] = [];
  readonly symbols: string[] = [];
  private readonly constantIds = new Map<number, number>();
  private readonly symbolIds = new Map<string, number>();

  /** The payload of constant `value` (−0 and 0 are one constant, as egg's `NotNan` hashes them). */
  constant(value: number): number {
    const v = value === 0 ? 0 : value;
    let id = this.constantIds.get(v);
    if (id === undefined) {
      id = this.constants.push(v) - 1;
      this.constantIds.set(v, id);
    }
    return id;
  }

  /** The payload of symbol `name`. */
  symbol(name: string): number {
    let id = this.symbolIds.get(name);
    if (id === undefined) {
      id = this.symbols.push(name) - 1;
      this.symbolIds.set(name, id);
    }
    return id;
  }
}

/** egg's `ConstantFold`: fold `+ - *` of constants and `/` by a non-zero constant; prune folded classes to leaves. */
export function constantFold(tables: MathTables): Analysis<MathData> {
  return {
    make(egraph, op, payload, kids) {
      if (op === CONSTANT) return tables.constants[payload];
      if (op < ADD || op > DIV) return null;
      const a = egraph.data(kids[0]), b = egraph.data(kids[1]);
      if (a === null || b === null) return null;
      switch (op) {
        case ADD:
          return a + b;
        case SUB:
          return a - b;
        case MUL:
          return a * b;
        default:
          return b === 0 ? null : a / b;
      }
    },
    join: (a, b) => (a ?? b),
    same: (a, b) => a === b,
    modify(egraph, id) {
      const c = egraph.data(id);
      if (c === null) return;
      const constant = egraph.add(CONSTANT, tables.constant(c), [], 0);
      egraph.union(id, constant, CONSTANT_FOLD);
      const arities = egraph.pool.arities;
      egraph.retainNodes(id, (r) => arities[r] === 0);
    },
  };
}

/** The math language for pattern compilation: numbers are constant leaves, other atoms symbols. */
export function mathLanguage(tables: MathTables): PatternLanguage<MathData> {
  return {
    resolveOp(name) {
      const op = MATH_OPS.indexOf(name);
      return op < 0 || op >= CONSTANT ? undefined : { op, arity: ARITY[name] ?? 2 };
    },
    resolveAtom(text) {
      const value = Number(text);
      if (text !== "" && !Number.isNaN(value)) {
        return { kind: "node", op: CONSTANT, payload: tables.constant(value) };
      }
      return { kind: "node", op: SYMBOL, payload: tables.symbol(text) };
    },
  };
}

/** A fresh math e-graph with its tables. */
export function mathEGraph(): { egraph: EGraph<MathData>; tables: MathTables } {
  const tables = new MathTables();
  return { egraph: new EGraph(constantFold(tables)), tables };
}

/** Adds a math term (s-expression) to the e-graph; returns its class. */
export function addMathTerm(egraph: EGraph<MathData>, tables: MathTables, text: string): number {
  const build = (p: PatternAst): number => {
    if (p.kind === "var") throw new Error(`math term ${text}: variables are not allowed`);
    if (p.kind === "atom") {
      const value = Number(p.text);
      return Number.isNaN(value)
        ? egraph.add(SYMBOL, tables.symbol(p.text), [], 0)
        : egraph.add(CONSTANT, tables.constant(value), [], 0);
    }
    const kids = p.args.map(build);
    return egraph.add(MATH_OPS.indexOf(p.op), 0, kids, kids.length);
  };
  return build(parsePattern(text));
}

const hasSymbol = (egraph: EGraph<MathData>, id: number) => {
  const ops = egraph.pool.ops;
  return egraph.nodes(id).some((r) => ops[r] === SYMBOL);
};

/** egg's condition predicates, by name, over the classes bound in a match. */
function condition(
  text: string,
  slot: (name: string) => number,
): (egraph: EGraph<MathData>, m: readonly number[], o: number) => boolean {
  const [name, ...args] = text.split(" ");
  const s = args.map((a) => slot(a.slice(1)));
  switch (name) {
    case "not-zero":
      return (g, m, o) => g.data(m[o + s[0]]) !== 0;
    case "sym":
      return (g, m, o) => hasSymbol(g, m[o + s[0]]);
    case "const":
      return (g, m, o) => g.data(m[o + s[0]]) !== null;
    case "const-or-distinct-var":
      return (g, m, o) => {
        const c = m[o + s[0]], x = m[o + s[1]];
        return g.find(c) !== g.find(x) && (g.data(c) !== null || hasSymbol(g, c));
      };
    default:
      throw new Error(`unknown math condition ${name}`);
  }
}

/** Compiles math rules (all of them by default) for one e-graph's tables. */
export function mathRewrites(
  tables: MathTables,
  rules: readonly MathRule[] = MATH_RULES,
): Rewrite<MathData>[] {
  const language = mathLanguage(tables);
  return rules.map(([name, lhs, rhs, conditions = []]) => {
    const rewrite = compileRewrite(name, parsePattern(lhs), parsePattern(rhs), language);
    if (conditions.length === 0) return rewrite;
    const checks = conditions.map((c) => condition(c, (v) => rewrite.searcher.varSlot(v)));
    return { ...rewrite, condition: (g, m, o) => checks.every((check) => check(g, m, o)) };
  });
}

/** egg's `MathCostFn`: `d` and `i` cost 100, every other node 1. */
export function mathCost(egraph: EGraph<MathData>, record: number): readonly [number, number] {
  const op = egraph.pool.ops[record];
  return [0, op <= 1 ? 100 : 1];
}

/** Renders the term chosen for class `id` as an s-expression. */
export function mathTermText(
  egraph: EGraph<MathData>,
  tables: MathTables,
  choice: Int32Array,
  id: number,
): string {
  const pool = egraph.pool;
  const r = choice[egraph.find(id)];
  const op = pool.ops[r];
  if (op === CONSTANT) return String(tables.constants[pool.payloads[r]]);
  if (op === SYMBOL) return tables.symbols[pool.payloads[r]];
  const kids = Array.from(
    { length: pool.arities[r] },
    (_, k) => mathTermText(egraph, tables, choice, pool.child(r, k)),
  );
  return `(${MATH_OPS[op]} ${kids.join(" ")})`;
}
