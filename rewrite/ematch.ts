/**
 * E-matching: a pattern is compiled into a short program for a backtracking matcher (egg's "machine" idea: bind
 * a node of the class in a register, write its children to fresh registers, compare registers that must be the
 * same variable, check literals), and run from every class that has a node of the pattern's root op. Matches go
 * into one flat array of integers, so searching allocates nothing per match.
 * @module
 */
import type { EGraph } from "./egraph.ts";
import { type PatternAst, PatternSyntaxError } from "./pattern.ts";

/** How a literal atom of a pattern (a number, a symbol) is matched and built in a language. */
export type AtomSpec<D> =
  /** The atom is a leaf node: matched syntactically, built by adding it. */
  | { readonly kind: "node"; readonly op: number; readonly payload: number }
  /** The atom matches any class passing `test` (e.g. one whose constant analysis is that number). */
  | { readonly kind: "check"; readonly test: (egraph: EGraph<D>, id: number) => boolean };

/** What pattern compilation needs to know about a node language. */
export interface PatternLanguage<D> {
  /** The op code and arity of an operator name, or `undefined` when there is no such operator. */
  resolveOp(name: string): { readonly op: number; readonly arity: number | "variadic" } | undefined;
  /** How a literal atom matches, or `undefined` when the atom means nothing in this language. */
  resolveAtom(text: string): AtomSpec<D> | undefined;
  /** The payload of literal attributes `op@{…}` (when the language has attributes). */
  attrPayload?(op: number, literal: unknown): number;
}

const BIND = 0, COMPARE = 1, CHECK = 2, YIELD = 3;

interface Instruction<D> {
  readonly kind: number;
  readonly op: number;
  readonly arity: number;
  readonly payload: number; // -1: any payload
  readonly payloadSlot: number; // -1: none; else the attribute variable's slot
  readonly payloadBinds: boolean; // first occurrence of the attribute variable (binds) or later (compares)
  readonly input: number;
  readonly output: number;
  readonly test?: (egraph: EGraph<D>, id: number) => boolean;
}

function instruction<D>(fields: Partial<Instruction<D>> & { kind: number }): Instruction<D> {
  return {
    op: -1,
    arity: 0,
    payload: -1,
    payloadSlot: -1,
    payloadBinds: false,
    input: 0,
    output: 0,
    test: undefined,
    ...fields,
  };
}

/**
 * A pattern compiled for one language. A match is `width` integers: the matched class, then one class per
 * variable (`vars` order), then one per literal that is matched by a check (`checkAtoms`), then one payload per
 * attribute variable (`attrVars` order).
 */
export class CompiledPattern<D> {
  /** The pattern variables, in slot order. */
  readonly vars: readonly string[];
  /** The attribute variables, in slot order (names starting with `#` are hidden ones for unnamed attributes). */
  readonly attrVars: readonly string[];
  /** The number of integers per match. */
  readonly width: number;
  /** The op at the root, or -1 for a bare variable (which matches every class). */
  readonly rootOp: number;
  private readonly program: Instruction<D>[] = [];
  private readonly varRegisters: number[] = [];
  private readonly checkRegisters: number[] = [];
  private readonly hiddenAttr = new Map<PatternAst, string>();
  private readonly registerCount: number;
  // matcher state, reused between searches
  private registers: Int32Array;
  private payloads: Int32Array;
  private graph!: EGraph<D>;
  private out!: number[];
  private found = 0;
  private limit = Infinity;

  /** Compiles `ast` for `language` (throws a `PatternSyntaxError` for unknown operators or literals). */
  constructor(readonly ast: PatternAst, language: PatternLanguage<D>) {
    const vars: string[] = [], attrVars: string[] = [];
    let nextRegister = 1;
    const compile = (p: PatternAst, register: number) => {
      if (p.kind === "var") {
        const at = vars.indexOf(p.name);
        if (at < 0) {
          vars.push(p.name);
          this.varRegisters.push(register);
        } else {
          this.program.push(instruction({ kind: COMPARE, input: this.varRegisters[at], output: register }));
        }
        return;
      }
      if (p.kind === "atom") {
        const atom = language.resolveAtom(p.text);
        if (atom === undefined) throw new PatternSyntaxError(`unknown literal ${JSON.stringify(p.text)}`);
        if (atom.kind === "node") {
          this.program.push(instruction({ kind: BIND, op: atom.op, payload: atom.payload, input: register }));
        } else {
          this.checkRegisters.push(register);
          this.program.push(instruction({ kind: CHECK, input: register, test: atom.test }));
        }
        return;
      }
      const resolved = language.resolveOp(p.op);
      if (resolved === undefined) throw new PatternSyntaxError(`unknown operator ${JSON.stringify(p.op)}`);
      let payload = -1, payloadSlot = -1, payloadBinds = false;
      if (p.attr && "literal" in p.attr) {
        if (!language.attrPayload) throw new PatternSyntaxError(`operator ${p.op} takes no attributes`);
        payload = language.attrPayload(resolved.op, p.attr.literal);
      } else if (p.attr) {
        payloadSlot = attrVars.indexOf(p.attr.variable);
        payloadBinds = payloadSlot < 0;
        if (payloadBinds) payloadSlot = attrVars.push(p.attr.variable) - 1;
      } else if (language.attrPayload) {
        // any attributes match; they are recorded under a hidden name so the matched term can be rebuilt
        const hidden = `#${this.hiddenAttr.size}`;
        this.hiddenAttr.set(p, hidden);
        payloadSlot = attrVars.push(hidden) - 1;
        payloadBinds = true;
      } else {
        payload = 0; // languages without attributes give every operator node payload 0 (leaves are atoms)
      }
      const output = nextRegister;
      nextRegister += p.args.length;
      this.program.push(
        instruction({
          kind: BIND,
          op: resolved.op,
          arity: p.args.length,
          payload,
          payloadSlot,
          payloadBinds,
          input: register,
          output,
        }),
      );
      p.args.forEach((arg, i) => compile(arg, output + i));
    };
    if (ast.kind === "node" && language.attrPayload === undefined && ast.attr) {
      throw new PatternSyntaxError(`operator ${ast.op} takes no attributes`);
    }
    compile(ast, 0);
    this.program.push(instruction({ kind: YIELD }));
    this.vars = vars;
    this.attrVars = attrVars;
    this.width = 1 + vars.length + this.checkRegisters.length + attrVars.length;
    this.registerCount = nextRegister;
    this.registers = new Int32Array(nextRegister);
    this.payloads = new Int32Array(Math.max(1, attrVars.length));
    this.rootOp = ast.kind === "var" ? -1 : this.program[0].kind === BIND ? this.program[0].op : -1;
  }

  /**
   * Appends every match in `egraph` (which must be rebuilt) to `out`, stopping after `limit` matches; returns the
   * number found.
   */
  search(egraph: EGraph<D>, out: number[], limit: number = Infinity): number {
    const classes = this.rootOp >= 0 ? egraph.classesWithOp(this.rootOp) : egraph.classIds();
    this.graph = egraph;
    this.out = out;
    this.found = 0;
    this.limit = limit;
    for (let i = 0; i < classes.length && this.found < limit; i++) {
      this.registers[0] = classes[i];
      this.run(0);
    }
    return this.found;
  }

  /** Appends the matches rooted at class `id` to `out`; returns how many. */
  searchClass(egraph: EGraph<D>, id: number, out: number[], limit: number = Infinity): number {
    this.graph = egraph;
    this.out = out;
    this.found = 0;
    this.limit = limit;
    this.registers[0] = egraph.find(id);
    this.run(0);
    return this.found;
  }

  /** Runs the program from instruction `pc` on the current registers (backtracking by recursion). */
  private run(pc: number): void {
    const ins = this.program[pc];
    const registers = this.registers;
    switch (ins.kind) {
      case BIND: {
        const g = this.graph, pool = g.pool, ops = pool.ops, kids = pool.kids;
        const nodes = g.nodes(registers[ins.input]);
        const op = ins.op, arity = ins.arity;
        // class nodes are sorted by op: binary-search the first node of `op` in long lists
        let i = 0;
        if (nodes.length > 8) {
          let hi = nodes.length;
          while (i < hi) {
            const mid = (i + hi) >>> 1;
            if (ops[nodes[mid]] < op) i = mid + 1;
            else hi = mid;
          }
        }
        for (; i < nodes.length; i++) {
          const r = nodes[i];
          const nodeOp = ops[r];
          if (nodeOp < op) continue;
          if (nodeOp > op) break;
          if (pool.arities[r] !== arity) continue;
          const payload = pool.payloads[r];
          if (ins.payload >= 0 && payload !== ins.payload) continue;
          if (ins.payloadSlot >= 0) {
            if (ins.payloadBinds) this.payloads[ins.payloadSlot] = payload;
            else if (this.payloads[ins.payloadSlot] !== payload) continue;
          }
          const start = pool.starts[r];
          for (let k = 0; k < arity; k++) registers[ins.output + k] = kids[start + k];
          this.run(pc + 1);
          if (this.found >= this.limit) return;
        }
        return;
      }
      case COMPARE:
        if (registers[ins.input] === registers[ins.output]) this.run(pc + 1);
        return;
      case CHECK:
        if (ins.test!(this.graph, registers[ins.input])) this.run(pc + 1);
        return;
      default: {
        const out = this.out;
        out.push(registers[0]);
        for (let i = 0; i < this.varRegisters.length; i++) out.push(registers[this.varRegisters[i]]);
        for (let i = 0; i < this.checkRegisters.length; i++) out.push(registers[this.checkRegisters[i]]);
        for (let i = 0; i < this.attrVars.length; i++) out.push(this.payloads[i]);
        this.found++;
      }
    }
  }

  /** The slot (offset within a match) of variable `name`, or -1. */
  varSlot(name: string): number {
    const i = this.vars.indexOf(name);
    return i < 0 ? -1 : 1 + i;
  }

  /** The slot of attribute variable `name`, or -1. */
  attrSlot(name: string): number {
    const i = this.attrVars.indexOf(name);
    return i < 0 ? -1 : 1 + this.vars.length + this.checkRegisters.length + i;
  }

  /** The number of registers the program uses (for tests and diagnostics). */
  get registerUse(): number {
    return this.registerCount;
  }

  /**
   * Adds the pattern instantiated by one match with `EGraph.addExact`, so that with explanations on the result is
   * the vertex of exactly the matched term. `checkedAtom` gives the id to use where a checked literal matched
   * class `id` (by default the class itself).
   */
  instantiateMatched(
    egraph: EGraph<D>,
    language: PatternLanguage<D>,
    match: readonly number[],
    offset: number,
    checkedAtom: (egraph: EGraph<D>, id: number) => number = (_g, id) => id,
  ): number {
    let checkIndex = 0;
    const kids: number[] = [];
    const build = (p: PatternAst): number => {
      if (p.kind === "var") return match[offset + 1 + this.vars.indexOf(p.name)];
      if (p.kind === "atom") {
        const atom = language.resolveAtom(p.text)!;
        if (atom.kind === "node") return egraph.addExact(atom.op, atom.payload, kids, 0);
        return checkedAtom(egraph, match[offset + 1 + this.vars.length + checkIndex++]);
      }
      const op = language.resolveOp(p.op)!.op;
      const children = p.args.map(build);
      let payload = 0;
      if (p.attr && "literal" in p.attr) payload = language.attrPayload!(op, p.attr.literal);
      else if (p.attr) payload = match[offset + this.attrSlot(p.attr.variable)];
      else if (language.attrPayload) payload = match[offset + this.attrSlot(this.hiddenAttr.get(p)!)];
      return egraph.addExact(op, payload, children, children.length);
    };
    return build(this.ast);
  }
}
