/**
 * JavaScript loop nests around rendered expressions: fused elementwise kernels over strided operands, and
 * reductions whose input is a fused expression. Loops are specialized by rank and by whether each operand's
 * innermost stride is 0 (broadcast), 1 (contiguous) or other; sizes and strides arrive as data.
 * @module
 */
import type { DataArray } from "../../cas/dtype.ts";
import type { ReduceOp } from "../../cas/ops/names.ts";
import type { ScalarExpr } from "../kernel_ir.ts";
import { compileSource, HELPERS, preamble, renderExpr } from "./js_render.ts";

/**
 * A compiled loop nest: reads operand `i` from `arrays[i]` at `offsets[i] + Σ index_d · strides[i · rank + d]`
 * over the loop dims `dims`, and writes one result per output cell contiguously from `out[outOffset]`.
 */
export type LoopRunner = (
  out: DataArray,
  outOffset: number,
  arrays: readonly DataArray[],
  offsets: readonly number[],
  dims: readonly number[],
  strides: readonly number[],
) => void;

/** The kind of an operand's innermost stride, which the generated loop is specialized for. */
type InnerKind = "0" | "1" | "s";

function innerKind(stride: number): InnerKind {
  return stride === 0 ? "0" : stride === 1 ? "1" : "s";
}

const PARAMS = ["O", "oo", "A", "P", "D", "S", "K", "H"] as const;

/** Declarations of sizes, arrays and strides for `rank` loop levels and `count` operands. */
function declarations(rank: number, count: number): string[] {
  const lines: string[] = [];
  for (let d = 0; d < rank; d++) lines.push(`const n${d} = D[${d}];`);
  for (let i = 0; i < count; i++) {
    lines.push(`const A${i} = A[${i}];`);
    for (let d = 0; d < rank; d++) lines.push(`const s${i}_${d} = S[${i * rank + d}];`);
    lines.push(`const p${i}_0 = P[${i}];`);
  }
  return lines;
}

/**
 * Loops over levels `from..to-1`; `body` runs with the pointers `p{i}_{to}` of each operand. A level's pointers
 * are declared by its own `for`, so running the same nest twice (logsumexp's two passes) starts both at the
 * same place.
 */
function nest(from: number, to: number, count: number, body: string[]): string[] {
  if (from === to) return body;
  const d = from;
  const operands = Array.from({ length: count }, (_, i) => i);
  const init = [`i${d} = 0`, ...operands.map((i) => `p${i}_${d + 1} = p${i}_${d}`)].join(", ");
  const step = [`i${d}++`, ...operands.map((i) => `p${i}_${d + 1} += s${i}_${d}`)].join(", ");
  return [`for (let ${init}; i${d} < n${d}; ${step}) {`, ...nest(from + 1, to, count, body), "}"];
}

/**
 * Loops over the levels `levels` in that order (outermost first); `body` runs with the pointers `q{i}_{k}`
 * (k = levels.length) of each operand; `before[j]` runs at the start of loop j's body.
 */
function nestInOrder(
  levels: readonly number[],
  count: number,
  body: string[],
  before: ReadonlyMap<number, string[]> = new Map(),
): string[] {
  const operands = Array.from({ length: count }, (_, i) => i);
  const open = (j: number): string[] => {
    if (j === levels.length) return body;
    const d = levels[j];
    const init = [`i${d} = 0`, ...operands.map((i) => `q${i}_${j + 1} = q${i}_${j}`)].join(", ");
    const step = [`i${d}++`, ...operands.map((i) => `q${i}_${j + 1} += s${i}_${d}`)].join(", ");
    return [`for (let ${init}; i${d} < n${d}; ${step}) {`, ...(before.get(j) ?? []), ...open(j + 1), "}"];
  };
  return [...operands.map((i) => `let q${i}_0 = p${i}_0;`), ...open(0)];
}

/** The innermost loop (level `rank-1`) reading each operand by its stride kind, running `body` per element. */
function innerLoop(rank: number, kinds: readonly InnerKind[], body: (lines: string[]) => string[]): string[] {
  const d = rank - 1;
  const hoisted: string[] = [];
  const reads: string[] = [];
  kinds.forEach((kind, i) => {
    const p = `p${i}_${d}`;
    if (kind === "0") hoisted.push(`const x${i} = A${i}[${p}];`);
    else if (kind === "1") reads.push(`const x${i} = A${i}[${p} + j];`);
    else reads.push(`const x${i} = A${i}[${p} + j * s${i}_${d}];`);
  });
  return [...hoisted, `for (let j = 0; j < n${d}; j++) {`, ...body(reads), "}"];
}

/**
 * Generates `out[o + flat(i)] = expr(x_0[i], …)` over the loop dims `dims` (rank ≥ 1), operands read through
 * their strides. The returned runner is specialized for the stride kinds of the first call's operands.
 */
export function elementwiseKernel(
  expr: ScalarExpr,
  innerStrides: readonly number[],
  rank: number,
): LoopRunner {
  const constants: number[] = [];
  const rendered = renderExpr(expr, constants);
  const count = innerStrides.length;
  const kinds = innerStrides.map(innerKind);
  const body = [
    ...preamble(rendered.helpers, constants.length),
    ...declarations(rank, count),
    "let po = oo;",
    ...nest(
      0,
      rank - 1,
      count,
      innerLoop(rank, kinds, (reads) => [...reads, ...rendered.lines, `O[po + j] = ${rendered.result};`])
        .concat(
          `po += n${rank - 1};`,
        ),
    ),
  ];
  const fn = compileSource(PARAMS, body.join("\n"));
  const K = Float64Array.from(constants);
  return (out, outOffset, arrays, offsets, dims, strides) =>
    fn(out, outOffset, arrays, offsets, dims, strides, K, HELPERS);
}

/** Accumulation code of each reduction: initial value, combining step, final value. */
const REDUCE_CODE: {
  readonly [K in Exclude<ReduceOp, "logsumexp">]: { init: string; step: string; finish: string };
} = {
  sum: { init: "0", step: "acc = acc + v;", finish: "acc" },
  mean: { init: "0", step: "acc = acc + v;", finish: "acc / cnt" },
  prod: { init: "1", step: "acc = acc * v;", finish: "acc" },
  // NaN wins, as NumPy's max/min
  max: { init: "-Infinity", step: "acc = acc !== acc || v !== v ? NaN : acc >= v ? acc : v;", finish: "acc" },
  min: { init: "Infinity", step: "acc = acc !== acc || v !== v ? NaN : acc <= v ? acc : v;", finish: "acc" },
};

/**
 * Generates a reduction of the fused expression `expr` over operands laid out on loop dims
 * `[kept…, reduced…]` (`keptRank` kept dims). Accumulates in float64 in the reference's order (each output cell
 * sees its elements in increasing index order), so sums agree with the reference exactly.
 *
 * With `reducedOuter` the reduced dims are the outer loops and every output cell keeps a float64 accumulator:
 * for reductions over leading axes (a bias gradient summed over the batch) the inner loop then walks memory
 * contiguously instead of one row apart, in the same order per cell. Not for logsumexp (two passes).
 */
export function reductionKernel(
  op: ReduceOp,
  expr: ScalarExpr,
  count: number,
  keptRank: number,
  reducedRank: number,
  reducedOuter = false,
): LoopRunner {
  if (reducedOuter && op !== "logsumexp" && keptRank > 0) {
    return reducedOuterKernel(op, expr, count, keptRank, reducedRank);
  }
  const constants: number[] = [];
  const rendered = renderExpr(expr, constants);
  const rank = keptRank + reducedRank;
  // the reduced dims loop with the generic nest; an empty reduced nest runs the body once
  const value = (step: string[]) =>
    nest(keptRank, rank, count, [
      ...Array.from({ length: count }, (_, i) => `const x${i} = A${i}[p${i}_${rank}];`),
      ...rendered.lines,
      `const v = ${rendered.result};`,
      ...step,
    ]);
  let cell: string[];
  if (op === "logsumexp") {
    // max first, then Σ exp(v − max): no overflow, and −∞ rows stay −∞ (the shift is 0 when max is not finite)
    cell = [
      "let acc = -Infinity;",
      ...value([REDUCE_CODE.max.step]),
      "const sh = acc - acc === 0 ? acc : 0;",
      "let s = 0;",
      ...value(["s = s + Math.exp(v - sh);"]),
      "O[po++] = sh + Math.log(s);",
    ];
  } else {
    const code = REDUCE_CODE[op];
    cell = [`let acc = ${code.init};`, ...value([code.step]), `O[po++] = ${code.finish};`];
  }
  // each output cell restarts the reduced pointers from the kept level's pointers
  const cnt = Array.from({ length: reducedRank }, (_, r) => `n${keptRank + r}`).join(" * ") || "1";
  const body = [
    ...preamble(rendered.helpers, constants.length),
    ...declarations(rank, count),
    `const cnt = ${cnt};`,
    "let po = oo;",
    ...nest(0, keptRank, count, cell),
  ];
  const fn = compileSource(PARAMS, body.join("\n"));
  const K = Float64Array.from(constants);
  return (out, outOffset, arrays, offsets, dims, strides) =>
    fn(out, outOffset, arrays, offsets, dims, strides, K, HELPERS);
}

/** `reductionKernel` with the reduced loops outside and one float64 accumulator per output cell. */
function reducedOuterKernel(
  op: Exclude<ReduceOp, "logsumexp">,
  expr: ScalarExpr,
  count: number,
  keptRank: number,
  reducedRank: number,
): LoopRunner {
  const constants: number[] = [];
  const rendered = renderExpr(expr, constants);
  const rank = keptRank + reducedRank;
  const code = REDUCE_CODE[op];
  const levels = [
    ...Array.from({ length: reducedRank }, (_, r) => keptRank + r),
    ...Array.from(
      { length: keptRank },
      (_, d) => d,
    ),
  ];
  const cells = Array.from({ length: keptRank }, (_, d) => `n${d}`).join(" * ");
  const cnt = Array.from({ length: reducedRank }, (_, r) => `n${keptRank + r}`).join(" * ");
  const body = [
    ...Array.from({ length: count }, (_, i) => `const x${i} = A${i}[q${i}_${rank}];`),
    ...rendered.lines,
    `const v = ${rendered.result};`,
    "let acc = Q[c];",
    code.step,
    "Q[c++] = acc;",
  ];
  const source = [
    ...preamble(rendered.helpers, constants.length),
    ...declarations(rank, count),
    `const cells = ${cells};`,
    `const cnt = ${cnt};`,
    `for (let c = 0; c < cells; c++) Q[c] = ${code.init};`,
    // each pass over the reduced index visits every output cell once, in order
    ...nestInOrder(levels, count, body, new Map([[reducedRank - 1, ["let c = 0;"]]])),
    `for (let c = 0; c < cells; c++) { const acc = Q[c]; O[oo + c] = ${code.finish}; }`,
  ];
  const fn = compileSource([...PARAMS, "Q"], source.join("\n"));
  const K = Float64Array.from(constants);
  let accumulators = new Float64Array(0);
  return (out, outOffset, arrays, offsets, dims, strides) => {
    let cellCount = 1;
    for (let d = 0; d < keptRank; d++) cellCount *= dims[d];
    if (accumulators.length < cellCount) accumulators = new Float64Array(cellCount);
    fn(out, outOffset, arrays, offsets, dims, strides, K, HELPERS, accumulators);
  };
}
