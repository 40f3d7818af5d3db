/**
 * Tiled matrix multiplication: each workgroup of 16×16 invocations computes a 64×64 block of the output, each
 * invocation a 4×4 sub-block, staging 64×16 panels of both operands in workgroup memory. Operands are read
 * through strides (so transposed and broadcast operands need no copy); which operand layout is transposed is a
 * flag of the shader, choosing the panel-loading order that keeps neighbouring invocations on neighbouring
 * addresses. Batch axes (NumPy's broadcasting of leading axes) run along the grid's z dimension.
 * @module
 */
import type { DType } from "../../cas/dtype.ts";
import {
  bufferDeclarations,
  decompose,
  type KernelLaunch,
  linearOffset,
  UniformBlock,
} from "./kernel_common.ts";
import { convert, fromStorage, storageType } from "./wgsl_ops.ts";

const TILE = 64;
const DEPTH = 16;
const MAX_BATCH = 65535;

/** One operand: a strided [batch…, rows, cols] view. */
export interface MatmulOperand {
  readonly binding: number;
  readonly offset: number;
  readonly rowStride: number;
  readonly colStride: number;
  /** Stride per batch axis of the result (0 where this operand broadcasts). */
  readonly batchStrides: readonly number[];
}

/** Everything a matmul launch needs: `out[b, i, j] = Σ_p a[b, i, p]·b[b, p, j]`, written row-major. */
export interface MatmulSpec {
  /** The dtype computed and stored (float32 or int32). */
  readonly dtype: DType;
  readonly a: MatmulOperand;
  readonly b: MatmulOperand;
  /** The dtype stored in each input binding. */
  readonly inputDtypes: readonly DType[];
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly batchShape: readonly number[];
}

/**
 * The WGSL and uniforms of a tiled matmul.
 *
 * @example
 * ```ts
 * import { matmulKernel } from "./kernel_matmul.ts";
 * const launch = matmulKernel({
 *   dtype: "float32", inputDtypes: ["float32", "float32"], m: 67, n: 33, k: 129, batchShape: [],
 *   a: { binding: 0, offset: 0, rowStride: 129, colStride: 1, batchStrides: [] },
 *   b: { binding: 1, offset: 0, rowStride: 33, colStride: 1, batchStrides: [] },
 * });
 * launch.workgroups; // [1, 2, 1]
 * ```
 */
export function matmulKernel(spec: MatmulSpec): KernelLaunch {
  const batchCount = spec.batchShape.reduce((x, y) => x * y, 1);
  if (batchCount > MAX_BATCH) {
    throw new RangeError(
      `WebGPU matmul: ${batchCount} batch matrices exceed the ${MAX_BATCH} the grid can hold`,
    );
  }
  const type = storageType(spec.dtype);
  const zero = type === "f32" ? "0.0f" : "0i";
  const u = new UniformBlock();
  const M = u.push(spec.m), N = u.push(spec.n), K = u.push(spec.k);
  const batchSizes = spec.batchShape.map((d) => u.push(d));
  const batchNames = spec.batchShape.map((_, d) => `n${d}`);
  const base = (o: MatmulOperand) =>
    linearOffset(u.push(o.offset), batchNames, o.batchStrides.map((s) => u.push(s)));
  const aBase = base(spec.a), bBase = base(spec.b);
  const aRow = u.push(spec.a.rowStride), aCol = u.push(spec.a.colStride);
  const bRow = u.push(spec.b.rowStride), bCol = u.push(spec.b.colStride);
  const load = (o: MatmulOperand, index: string) => {
    const stored = spec.inputDtypes[o.binding];
    return convert(fromStorage(`b${o.binding}[${index}]`, stored), stored, spec.dtype);
  };
  // Column-major A (rows adjacent in memory): neighbouring invocations load neighbouring rows of the panel.
  const aColumnMajor = spec.a.rowStride === 1 && spec.a.colStride !== 1;
  // Column-major B (its k index is adjacent in memory): neighbouring invocations load neighbouring k.
  const bColumnMajor = spec.b.rowStride === 1 && spec.b.colStride !== 1;
  const aPanel = aColumnMajor
    ? `let ar = e % ${TILE}; let ak = e / ${TILE};`
    : `let ar = e / ${DEPTH}; let ak = e % ${DEPTH};`;
  const bPanel = bColumnMajor
    ? `let bk = e % ${DEPTH}; let bc = e / ${DEPTH};`
    : `let bk = e / ${TILE}; let bc = e % ${TILE};`;
  const vec = (panel: string, at: string) =>
    `vec4<${type}>(${[0, 1, 2, 3].map((c) => `${panel}[${at} + ${c}]`).join(", ")})`;
  // Panels are scalar arrays: writing vector components at dynamic indices made lavapipe's compiler take minutes.
  const main = `var<workgroup> panelA: array<${type}, ${TILE * DEPTH}>;
var<workgroup> panelB: array<${type}, ${TILE * DEPTH}>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let tx = i32(lid3.x);
  let ty = i32(lid3.y);
  let t = i32(lid);
  let rowBase = i32(wid.y) * ${TILE};
  let colBase = i32(wid.x) * ${TILE};
  let batch = i32(wid.z);
  ${decompose("batch", batchNames, batchSizes, "restB").join("\n  ")}
  let aBase = ${aBase};
  let bBase = ${bBase};
  let outBase = batch * ${M} * ${N};
  var acc: array<vec4<${type}>, 4>;
  for (var k0 = 0; k0 < ${K}; k0 = k0 + ${DEPTH}) {
    for (var q = 0; q < ${(TILE * DEPTH) / 256}; q = q + 1) {
      let e = t + q * 256;
      ${aPanel}
      var av = ${zero};
      if (rowBase + ar < ${M} && k0 + ak < ${K}) { av = ${
    load(spec.a, `aBase + (rowBase + ar) * ${aRow} + (k0 + ak) * ${aCol}`)
  }; }
      panelA[ak * ${TILE} + ar] = av;
      ${bPanel}
      var bv = ${zero};
      if (k0 + bk < ${K} && colBase + bc < ${N}) { bv = ${
    load(spec.b, `bBase + (k0 + bk) * ${bRow} + (colBase + bc) * ${bCol}`)
  }; }
      panelB[bk * ${TILE} + bc] = bv;
    }
    workgroupBarrier();
    for (var kk = 0; kk < ${DEPTH}; kk = kk + 1) {
      let a = ${vec("panelA", `kk * ${TILE} + ty * 4`)};
      let b = ${vec("panelB", `kk * ${TILE} + tx * 4`)};
      acc[0] = acc[0] + a.x * b;
      acc[1] = acc[1] + a.y * b;
      acc[2] = acc[2] + a.z * b;
      acc[3] = acc[3] + a.w * b;
    }
    workgroupBarrier();
  }
  for (var r = 0; r < 4; r = r + 1) {
    let row = rowBase + ty * 4 + r;
    for (var c = 0; c < 4; c = c + 1) {
      let col = colBase + tx * 4 + c;
      if (row < ${M} && col < ${N}) { out[outBase + row * ${N} + col] = acc[r][c]; }
    }
  }
}`;
  const wgsl = [u.declaration(), bufferDeclarations(spec.dtype, spec.inputDtypes), main].join("\n");
  return {
    wgsl,
    uniforms: u.data(),
    workgroups: spec.m === 0 || spec.n === 0 || batchCount === 0
      ? [0, 0, 0]
      : [Math.ceil(spec.n / TILE), Math.ceil(spec.m / TILE), batchCount],
    inputCount: spec.inputDtypes.length,
  };
}
