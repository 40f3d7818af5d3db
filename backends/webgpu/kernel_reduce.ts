/**
 * Row kernels: reductions (sum, prod, max, min, mean, logsumexp) over any set of axes, and softmax / logSoftmax
 * along one axis. Each output cell's input elements are found by splitting the cell index over the kept axes and
 * the loop index over the reduced axes (no transpose needed, whatever the axes). Two schedules:
 * - "workgroup": one workgroup per output cell; invocations stride over the row, then combine in a tree in
 *   workgroup memory. With `chunks > 1` (few cells, long rows) each cell is split over several workgroups that
 *   write partial results, reduced again by a second launch.
 * - "thread": one invocation per output cell walks its short row alone (e.g. softmax over 10 classes).
 * logsumexp, softmax and logSoftmax are stable: a max pass, then Σ exp(x − max), as the reference computes them.
 * @module
 */
import type { DType } from "../../cas/dtype.ts";
import type { ElementwiseKernel } from "../kernel_ir.ts";
import {
  bufferDeclarations,
  collapseAxes,
  decompose,
  ENTRY_PARAMETERS,
  gridFor,
  GROUP_INDEX,
  type KernelLaunch,
  linearOffset,
  UniformBlock,
  WORKGROUP_SIZE,
} from "./kernel_common.ts";
import type { Operand } from "./kernel_elementwise.ts";
import { preludeFor } from "./wgsl_math.ts";
import { convert, fromStorage, renderExpression, toStorage, wgslType } from "./wgsl_ops.ts";

/** The associative combinations a reduction can use. */
export type Monoid = "sum" | "prod" | "max" | "min";

/** What a row kernel computes per output cell. */
export type RowKind =
  | { readonly kind: "reduce"; readonly monoid: Monoid; readonly mean: boolean }
  | { readonly kind: "logsumexp" }
  | { readonly kind: "softmax"; readonly log: boolean };

/** Everything a row launch needs. */
export interface RowSpec {
  readonly row: RowKind;
  /** The value at each input position (a fused expression over the operands). */
  readonly kernel: ElementwiseKernel;
  readonly operands: readonly Operand[];
  readonly inputDtypes: readonly DType[];
  /** The iteration shape: the reduction's (or softmax's) input shape. */
  readonly shape: readonly number[];
  /** Per axis of `shape`: true where reduced (softmax: its axis). */
  readonly reduced: readonly boolean[];
  /** The dtype stored in the output. */
  readonly outDtype: DType;
  /** The dtype to accumulate in. */
  readonly accDtype: DType;
  /** "workgroup" or "thread" (see the module comment). */
  readonly schedule: "workgroup" | "thread";
  /** Workgroups per output cell (workgroup schedule of a plain reduction only); partials go to `out[cell·chunks + k]`. */
  readonly chunks: number;
  /** The divisor of a mean (the number of elements of the whole reduction, also when split in chunks). */
  readonly meanCount: number;
}

function identityOf(monoid: Monoid, acc: string): string {
  const isFloat = acc === "f32";
  switch (monoid) {
    case "sum":
      return isFloat ? "0.0f" : "0i";
    case "prod":
      return isFloat ? "1.0f" : "1i";
    case "max":
      return isFloat ? "(-th_inf())" : "bitcast<i32>(0x80000000u)";
    case "min":
      return isFloat ? "th_inf()" : "2147483647i";
  }
}

function combine(monoid: Monoid, acc: string, a: string, b: string): string {
  switch (monoid) {
    case "sum":
      return `${a} + ${b}`;
    case "prod":
      return `${a} * ${b}`;
    case "max":
      return acc === "f32" ? `th_maximum(${a}, ${b})` : `max(${a}, ${b})`;
    case "min":
      return acc === "f32" ? `th_minimum(${a}, ${b})` : `min(${a}, ${b})`;
  }
}

/**
 * The WGSL and uniforms of a row kernel.
 *
 * @example
 * ```ts
 * import { rowKernel } from "./kernel_reduce.ts";
 * const launch = rowKernel({
 *   row: { kind: "reduce", monoid: "sum", mean: false },
 *   kernel: { inputDtypes: ["float32"], outDtype: "float32", expr: { kind: "input", index: 0 } },
 *   operands: [{ binding: 0, offset: 0, strides: [8, 1] }],
 *   inputDtypes: ["float32"],
 *   shape: [4, 8], reduced: [false, true], outDtype: "float32", accDtype: "float32",
 *   schedule: "workgroup", chunks: 1, meanCount: 8,
 * });
 * launch.workgroups; // [4, 1, 1]: one workgroup per row
 * ```
 */
export function rowKernel(spec: RowSpec): KernelLaunch {
  const isSoftmax = spec.row.kind === "softmax";
  // Output strides over the iteration axes: softmax writes every position (row-major), a reduction one cell per
  // kept position (row-major over the kept axes, nothing along reduced ones).
  const outStrides = isSoftmax ? rowMajor(spec.shape) : keptRowMajor(spec.shape, spec.reduced);
  const collapsed = collapseAxes(
    spec.shape,
    [outStrides, ...spec.operands.map((o) => o.strides)],
    spec.reduced.map((r) => (r ? 1 : 0)),
  );
  const keptAxes = collapsed.groups.flatMap((g, d) => (g === 0 ? [d] : []));
  const reducedAxes = collapsed.groups.flatMap((g, d) => (g === 1 ? [d] : []));
  const keptCount = keptAxes.reduce((a, d) => a * collapsed.shape[d], 1);
  const reducedCount = reducedAxes.reduce((a, d) => a * collapsed.shape[d], 1);

  const u = new UniformBlock();
  const cells = u.push(keptCount);
  const rowLength = u.push(reducedCount);
  const chunks = u.push(spec.chunks);
  const keptSizes = keptAxes.map((d) => u.push(collapsed.shape[d]));
  const reducedSizes = reducedAxes.map((d) => u.push(collapsed.shape[d]));
  const keptNames = keptAxes.map((_, k) => `k${k}`);
  const reducedNames = reducedAxes.map((_, k) => `j${k}`);
  const [outWalk, ...operandWalks] = collapsed.strides;

  const acc = wgslType(spec.accDtype);
  const prologue: string[] = [...decompose("cell", keptNames, keptSizes, "restK")];
  // Each operand's offset at the cell (kept axes), then per element along the row (reduced axes).
  const rowOffsets = spec.operands.map((o, k) => {
    const base = `base${k}`;
    prologue.push(
      `let ${base} = ${
        linearOffset(
          u.push(o.offset),
          keptNames,
          keptAxes.map((d) => u.push(operandWalks[k][d])),
        )
      };`,
    );
    return linearOffset(base, reducedNames, reducedAxes.map((d) => u.push(operandWalks[k][d])));
  });
  let outRowOffset = "";
  if (isSoftmax) {
    prologue.push(`let baseOut = ${linearOffset("0", keptNames, keptAxes.map((d) => u.push(outWalk[d])))};`);
    outRowOffset = linearOffset("baseOut", reducedNames, reducedAxes.map((d) => u.push(outWalk[d])));
  }
  const meanDivisor = u.push(spec.meanCount);

  /** Statements computing the value at row position `r` into `value`, as f32 or the accumulator type. */
  const valueAt = (into: string): string[] => {
    const lines = [...decompose("r", reducedNames, reducedSizes, "restJ")];
    const reads = spec.operands.map((o, k) => {
      lines.push(
        `let x${k} = ${fromStorage(`b${o.binding}[${rowOffsets[k]}]`, spec.inputDtypes[o.binding])};`,
      );
      return `x${k}`;
    });
    const rendered = renderExpression(spec.kernel, (i) => reads[i], "v");
    lines.push(...rendered.statements);
    lines.push(`let ${into} = ${convert(rendered.value, spec.kernel.outDtype, spec.accDtype)};`);
    return lines;
  };

  const workgroup = spec.schedule === "workgroup";
  const loop = (lines: string[]) =>
    workgroup
      ? `for (var r = part * ${WORKGROUP_SIZE} + i32(lid); r < ${rowLength}; r = r + ${WORKGROUP_SIZE} * ${chunks}) {\n    ${
        lines.join("\n    ")
      }\n  }`
      : `for (var r = 0; r < ${rowLength}; r = r + 1) {\n    ${lines.join("\n    ")}\n  }`;
  /** Combines every invocation's `name` with `monoid` (a no-op in the thread schedule); result in `name`. */
  const tree = (monoid: Monoid, name: string): string[] =>
    workgroup
      ? [
        `sh[lid] = ${name};`,
        "workgroupBarrier();",
        `for (var s = ${WORKGROUP_SIZE / 2}u; s > 0u; s = s >> 1u) {`,
        `  if (lid < s) { sh[lid] = ${combine(monoid, acc, "sh[lid]", "sh[lid + s]")}; }`,
        "  workgroupBarrier();",
        "}",
        `${name} = sh[0];`,
        "workgroupBarrier();",
      ]
      : [];
  const store = (at: string, value: string) =>
    `out[${at}] = ${toStorage(convert(value, spec.accDtype, spec.outDtype), spec.outDtype)};`;
  const onceAt = (line: string) => (workgroup ? `if (lid == 0u) { ${line} }` : line);
  const cellSlot = workgroup ? "group" : "cell";

  const body: string[] = [];
  if (spec.row.kind === "reduce") {
    const { monoid, mean } = spec.row;
    body.push(`var total: ${acc} = ${identityOf(monoid, acc)};`);
    body.push(loop([...valueAt("value"), `total = ${combine(monoid, acc, "total", "value")};`]));
    body.push(...tree(monoid, "total"));
    const result = mean && spec.chunks === 1 ? `total / f32(${meanDivisor})` : "total";
    body.push(onceAt(store(cellSlot, result)));
  } else {
    body.push(`var top: f32 = ${identityOf("max", "f32")};`);
    body.push(loop([...valueAt("value"), "top = th_maximum(top, value);"]));
    body.push(...tree("max", "top"));
    // As the reference: shift by the maximum when it is finite (so that ±∞ and NaN rows come out as ±∞ / NaN).
    body.push("let shift = select(0.0f, top, !(th_isnan(top) || th_isinf(top)));");
    body.push("var total: f32 = 0.0f;");
    body.push(loop([...valueAt("value"), "total = total + th_exp(value - shift);"]));
    body.push(...tree("sum", "total"));
    if (spec.row.kind === "logsumexp") {
      body.push(onceAt(store(cellSlot, "shift + th_log(total)")));
    } else {
      const log = spec.row.log;
      if (log) body.push("let logTotal = th_log(total);");
      // softmax as e^(x−shift)/Σ rather than e^(x−lse): lse rounded to float32 would cost up to 6e-5 at |x| ~ 1000.
      const write = log ? "(value - shift) - logTotal" : "th_exp(value - shift) / total";
      body.push(loop([...valueAt("value"), store(outRowOffset, write)]));
    }
  }

  const cellLines = workgroup
    ? [
      `let group = ${GROUP_INDEX};`,
      `if (group >= ${cells} * ${chunks}) { return; }`,
      `let cell = group / ${chunks};`,
      `let part = group % ${chunks};`,
    ]
    : [`let cell = ${GROUP_INDEX} * ${WORKGROUP_SIZE} + i32(lid);`, `if (cell >= ${cells}) { return; }`];
  const main = `${
    workgroup ? `var<workgroup> sh: array<${acc}, ${WORKGROUP_SIZE}>;\n` : ""
  }@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(${ENTRY_PARAMETERS}) {
  ${[...cellLines, ...prologue, ...body].join("\n  ")}
}`;
  const wgsl = [u.declaration(), bufferDeclarations(spec.outDtype, spec.inputDtypes), preludeFor(main), main]
    .join("\n");
  const groups = workgroup ? keptCount * spec.chunks : Math.ceil(keptCount / WORKGROUP_SIZE);
  return { wgsl, uniforms: u.data(), workgroups: gridFor(groups), inputCount: spec.inputDtypes.length };
}

function rowMajor(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = s;
    s *= shape[d];
  }
  return out;
}

function keptRowMajor(shape: readonly number[], reduced: readonly boolean[]): number[] {
  const out = new Array<number>(shape.length).fill(0);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (reduced[d]) continue;
    out[d] = s;
    s *= shape[d];
  }
  return out;
}
