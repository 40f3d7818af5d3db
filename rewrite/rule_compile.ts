/**
 * Compiles validated term-language rules into rewrites for one e-graph. The right-hand side is built in two
 * passes: first its type is inferred from the matched classes' types with the op table's `infer` (literals take
 * the dtype of their sibling operands), and only if that type equals the matched class's type (dtype and static
 * shape) are nodes added. A mismatch skips the match and counts it as type-rejected, so a rule that is sound for
 * scalars can never merge, say, a scalar class into a matrix class.
 * @module
 */
import { config, type DType, isFloat } from "../cas/dtype.ts";
import { rowOf } from "../cas/ops/table.ts";
import type { OpName } from "../cas/ops/names.ts";
import type { OpRow, TermType } from "../cas/ops/types.ts";
import type { EGraph } from "./egraph.ts";
import { CompiledPattern, type PatternLanguage } from "./ematch.ts";
import type { PatternAst } from "./pattern.ts";
import type { Applier, Rewrite } from "./rewrite.ts";
import type { ClassInfo, ParsedRule } from "./rule.ts";
import type { TermData } from "./term_analysis.ts";
import { CONST_CODE, opCode, type PayloadTable } from "./term_language.ts";

/** The term language as seen by pattern compilation: numbers match classes by their constant analysis. */
export function termPatternLanguage(table: PayloadTable): PatternLanguage<TermData> {
  const checks = new Map<string, (g: EGraph<TermData>, id: number) => boolean>();
  return {
    resolveOp(name) {
      const op = opCode(name as OpName);
      return op === undefined ? undefined : { op, arity: rowOf(name as OpName).arity };
    },
    resolveAtom(text) {
      const value = Number(text);
      if (text.trim() === "" || Number.isNaN(value)) return undefined;
      let test = checks.get(text);
      if (test === undefined) {
        test = (g, id) => g.data(id).constant === value;
        checks.set(text, test);
      }
      return { kind: "check", test };
    },
    attrPayload: (_op, literal) => table.ofAttrs(literal),
  };
}

const VAR = 0, LITERAL = 1, NODE = 2;

interface Step {
  readonly kind: number;
  readonly slot: number; // VAR: class slot; NODE: attribute slot or -1
  readonly value: number; // LITERAL
  readonly op: number; // NODE
  readonly row?: OpRow<OpName>;
  readonly payload: number; // NODE: literal attribute payload (when slot is -1)
  readonly kids: readonly number[];
}

/** Builds a rule's right-hand side after checking its type against the matched class. */
class TypedApplier implements Applier<TermData> {
  private readonly steps: Step[] = [];
  private readonly types: TermType[] = [];
  private readonly payloads: number[] = [];
  private readonly ids: number[] = [];
  private readonly kidTypes: TermType[][] = [];
  private readonly siblings: (number | undefined)[] = [];
  private readonly kidIds: number[] = [];
  /** Per step, the class already holding it (found in the hashcons), or -1. */
  private readonly known: number[] = [];

  constructor(rhs: PatternAst, searcher: CompiledPattern<TermData>, private readonly table: PayloadTable) {
    const build = (p: PatternAst): number => {
      if (p.kind === "var") return this.push({ kind: VAR, slot: searcher.varSlot(p.name) });
      if (p.kind === "atom") return this.push({ kind: LITERAL, value: Number(p.text) });
      const kids = p.args.map(build);
      const name = p.op as OpName;
      let slot = -1, payload = 0;
      if (p.attr && "literal" in p.attr) payload = table.ofAttrs(p.attr.literal);
      else if (p.attr) slot = searcher.attrSlot(p.attr.variable);
      return this.push({ kind: NODE, slot, op: opCode(name), row: rowOf(name), payload, kids });
    };
    build(rhs);
    for (const s of this.steps) {
      this.kidTypes.push(new Array(s.kids.length));
      // the operand whose dtype a literal argument takes: the first argument that is not a literal
      this.siblings.push(s.kids.find((k) => this.steps[k].kind !== LITERAL));
    }
  }

  private push(fields: Partial<Step> & { kind: number }): number {
    return this.steps.push({ slot: -1, value: 0, op: -1, payload: 0, kids: [], ...fields }) - 1;
  }

  apply(egraph: EGraph<TermData>, matches: readonly number[], offset: number): number {
    const steps = this.steps, types = this.types, payloads = this.payloads, table = this.table;
    const target = egraph.data(matches[offset]);
    // pass 1: types (and the payloads of literals and normalized attributes); nothing is added yet. Most
    // matches rebuild nodes the e-graph already has (saturation rediscovers them every iteration): those take
    // their type from their class instead of the op table's inference.
    const known = this.known, kidIds = this.kidIds;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (step.kind === VAR) {
        known[i] = matches[offset + step.slot];
        types[i] = egraph.data(known[i]);
      } else if (step.kind === NODE) {
        const kidTypes = this.kidTypes[i];
        const sibling = this.siblings[i];
        let allKnown = true;
        for (let k = 0; k < step.kids.length; k++) {
          const kid = step.kids[k];
          if (steps[kid].kind === LITERAL) {
            const dtype = literalDType(
              steps[kid].value,
              sibling === undefined ? undefined : types[sibling],
              target,
            );
            types[kid] = { dtype, shape: [] };
            payloads[kid] = table.ofScalar(steps[kid].value, dtype);
            known[kid] = egraph.lookup(CONST_CODE, payloads[kid], kidIds, 0);
          }
          kidTypes[k] = types[kid];
          kidIds[k] = known[kid];
          if (known[kid] < 0) allKnown = false;
        }
        let payload = step.slot >= 0 ? matches[offset + step.slot] : step.payload;
        known[i] = allKnown ? egraph.lookup(step.op, payload, kidIds, step.kids.length) : -1;
        if (known[i] >= 0) {
          types[i] = egraph.data(known[i]);
          payloads[i] = payload;
          continue;
        }
        try {
          let attrs = table.attrs(payload);
          if (step.row!.normalize) {
            const normalized = step.row!.normalize(kidTypes, attrs);
            if (normalized !== attrs) payload = table.ofAttrs(normalized);
            attrs = normalized;
          }
          types[i] = step.row!.infer(kidTypes, attrs);
        } catch {
          return -1; // the rhs does not type-check for these operands
        }
        payloads[i] = payload;
      }
    }
    const last = steps.length - 1;
    if (steps[last].kind === LITERAL) {
      types[last] = { dtype: target.dtype, shape: [] };
      payloads[last] = table.ofScalar(steps[last].value, target.dtype);
    }
    if (!sameType(types[last], target)) return -1;
    // pass 2: add the nodes
    const ids = this.ids;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (step.kind === VAR) ids[i] = matches[offset + step.slot];
      else if (step.kind === LITERAL) ids[i] = egraph.addExact(CONST_CODE, payloads[i], kidIds, 0);
      else {
        for (let k = 0; k < step.kids.length; k++) kidIds[k] = ids[step.kids[k]];
        ids[i] = egraph.addExact(step.op, payloads[i], kidIds, step.kids.length);
      }
    }
    return ids[last];
  }
}

/** A literal takes its siblings' dtype where that can hold it (weak typing, as `asTerm` does for numbers). */
function literalDType(value: number, sibling: TermType | undefined, target: ClassInfo): DType {
  const like = sibling?.dtype ?? target.dtype;
  if (isFloat(like)) return like;
  if (like === "int32" && Number.isInteger(value)) return "int32";
  if (like === "bool" && (value === 0 || value === 1) && sibling === undefined) return "bool";
  return isFloat(target.dtype) ? target.dtype : config.floatX;
}

function sameType(a: TermType, b: TermType): boolean {
  if (a.dtype !== b.dtype || a.shape.length !== b.shape.length) return false;
  for (let i = 0; i < a.shape.length; i++) if (a.shape[i] !== b.shape[i]) return false;
  return true;
}

/** With explanations on, a literal matched by value is shown as the class's constant leaf. */
function constantLeafOf(egraph: EGraph<TermData>, id: number): number {
  const pool = egraph.pool;
  for (const r of egraph.nodes(id)) {
    if (pool.ops[r] === CONST_CODE) return egraph.addExact(CONST_CODE, pool.payloads[r], [], 0);
  }
  return id;
}

/** Compiles parsed rules (see `validateRules`) into rewrites over one e-graph's payload table. */
export function compileTermRules(rules: readonly ParsedRule[], table: PayloadTable): Rewrite<TermData>[] {
  const language = termPatternLanguage(table);
  return rules.map((rule) => {
    const searcher = new CompiledPattern(rule.lhs, language);
    const applier = new TypedApplier(rule.rhs, searcher, table);
    const rewrite: Rewrite<TermData> = {
      name: rule.name,
      searcher,
      applier,
      language,
      checkedAtom: constantLeafOf,
    };
    const when = rule.when;
    if (when === undefined) return rewrite;
    const vars = searcher.vars;
    const condition = (egraph: EGraph<TermData>, matches: readonly number[], offset: number) => {
      const bound: Record<string, ClassInfo> = {};
      for (let i = 0; i < vars.length; i++) bound[vars[i]] = egraph.data(matches[offset + 1 + i]);
      return when(bound);
    };
    return { ...rewrite, condition };
  });
}
