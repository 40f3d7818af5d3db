/**
 * Conformance of the CPU backend with the reference interpreter over the whole op table, driven by the table
 * itself: elementwise ops are enumerated from `UNARY_OPS`/`BINARY_OPS`; every other op has a row in `CASES`
 * (typed over the op names, so a new op is a compile error here until it has cases), and a test names any op of
 * `OPS` left without coverage. Each op runs in float32 and float64 (and int32/bool where the op allows), on
 * random shapes with broadcasting, at ordinary and extreme inputs.
 */
import assert from "node:assert/strict";
import * as T from "../../../cas/api.ts";
import { array, type NDArray } from "../../../cas/ndarray.ts";
import { RandomState } from "../../../cas/random.ts";
import { shared } from "../../../cas/shared.ts";
import { Term } from "../../../cas/term.ts";
import type { DType } from "../../../cas/dtype.ts";
import { OPS } from "../../../cas/ops/table.ts";
import { BINARY_OPS, type BinaryOp, type OpName, UNARY_OPS, type UnaryOp } from "../../../cas/ops/names.ts";
import { setWasmMode } from "../../../backends/cpu/wasm_bridge.ts";
import { assertMatchesReference, type Tolerance } from "./_compare.ts";

const rng = new RandomState(20261126);

/**
 * Registers `body` once per kernel mode: fused kernels compiled to WebAssembly wherever supported (even where
 * JavaScript would be faster, so small test arrays exercise it), JavaScript only, and the default choice.
 */
function perMode(name: string, body: () => Promise<void>): void {
  for (const [label, mode] of [["wasm", "always"], ["js", "never"], ["auto", "auto"]] as const) {
    Deno.test(`cpu backend (${label} kernels): ${name}`, async () => {
      setWasmMode(mode);
      try {
        await body();
      } finally {
        setWasmMode("auto");
      }
    });
  }
}
const FLOATS: readonly DType[] = ["float32", "float64"];

/**
 * Tolerances: JavaScript kernels agree exactly; WebAssembly float32 polynomials may differ by a few ulp.
 * logaddexp in float32 cancels where the result crosses zero (max + log1p(…) of opposite signs), so its error is
 * a few ulp of the operands rather than of the result.
 */
function tolerance(dtype: DType, op?: OpName): Tolerance {
  if (dtype === "float32" && op === "logaddexp") return { ulps: 4, abs: 4e-7 };
  return dtype === "float64" ? { rel: 1e-12 } : dtype === "float32" ? { ulps: 4 } : {};
}

const EXTREME_FLOATS = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1.5,
  2.5,
  -2.5,
  1e-30,
  -1e-30,
  1e30,
  -1e30,
  88.7,
  -88.7,
  103.5,
  -104.5,
  709.5,
  710.5,
  -745.5,
  Infinity,
  -Infinity,
  NaN,
  3.4e38,
  1e-45,
  0.9999999,
  -0.9999999,
  1.0000001,
];
const EXTREME_INTS = [0, 1, -1, 7, -7, 2147483647, -2147483648, 46341, 65536];

/** `size` values of `dtype`: uniform in [-3, 3] (ordinary) or cycled from the extreme list. */
function sample(dtype: DType, shape: readonly number[], extreme: boolean, offset = 0): NDArray {
  const size = shape.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    if (dtype === "bool") out.push(extreme ? (i + offset) % 2 : rng.random() < 0.5 ? 1 : 0);
    else if (dtype === "int32") {
      out.push(
        extreme ? EXTREME_INTS[(i + offset) % EXTREME_INTS.length] : Math.floor(rng.random() * 21) - 10,
      );
    } else out.push(extreme ? EXTREME_FLOATS[(i + offset) % EXTREME_FLOATS.length] : rng.random() * 6 - 3);
  }
  return array(dtype === "bool" ? out.map(Boolean) : out, { dtype, shape });
}

/** A random shape of rank 0–3 with sizes 1–5. */
function randomShape(): number[] {
  const rank = Math.floor(rng.random() * 4);
  return Array.from({ length: rank }, () => 1 + Math.floor(rng.random() * 5));
}

/** A shape that broadcasts with `shape`: some axes set to 1, maybe some leading axes dropped. */
function broadcastPartner(shape: readonly number[]): number[] {
  const drop = Math.floor(rng.random() * (shape.length + 1));
  return shape.slice(drop).map((d) => (rng.random() < 0.4 ? 1 : d));
}

/** A variable of `dtype` whose static shape keeps size-1 axes (so they broadcast) and maybe hides the others. */
function variable(name: string, dtype: DType, shape: readonly number[]): Term {
  const hide = rng.random() < 0.5;
  return T.tensor(name, { dtype, shape: shape.map((d) => (d === 1 || !hide ? d : null)) });
}

perMode(
  "every unary op matches the reference (float32, float64, int32, bool; ordinary and extreme)",
  async () => {
    for (const op of UNARY_OPS) {
      for (const dtype of [...FLOATS, "int32", "bool"] as DType[]) {
        for (const extreme of [false, true]) {
          const shape = extreme ? [EXTREME_FLOATS.length] : randomShape();
          const x = variable("x", dtype, shape);
          const y = Term.make(op, [x], {});
          await assertMatchesReference(
            [x],
            [y],
            [sample(dtype, shape, extreme)],
            tolerance(y.dtype, op),
            `${op} ${dtype}`,
          );
        }
      }
    }
  },
);

perMode("every binary op matches the reference with broadcasting (all dtype pairs of interest)", async () => {
  const pairs: [DType, DType][] = [
    ["float32", "float32"],
    ["float64", "float64"],
    ["int32", "int32"],
    ["bool", "bool"],
    ["int32", "float32"],
    ["float64", "bool"],
  ];
  for (const op of BINARY_OPS) {
    for (const [da, db] of pairs) {
      // ordinary: random broadcasting shapes; extreme: every pair of extremes via an outer broadcast
      const shape = randomShape();
      const partner = broadcastPartner(shape);
      const cases: [number[], number[], boolean][] = [
        [shape, partner, false],
        [partner, shape, false],
        [[EXTREME_FLOATS.length, 1], [1, EXTREME_FLOATS.length], true],
      ];
      for (const [sa, sb, extreme] of cases) {
        const a = variable("a", da, sa), b = variable("b", db, sb);
        const y = Term.make(op, [a, b], {});
        const values = [sample(da, sa, extreme), sample(db, sb, extreme, 3)];
        await assertMatchesReference(
          [a, b],
          [y],
          values,
          tolerance(y.dtype, op),
          `${op} ${da}×${db} [${sa}] [${sb}]`,
        );
      }
    }
  }
});

/** One graph to run on both backends: variables with their values, and the roots built from them. */
interface Case {
  readonly name: string;
  readonly inputs: readonly { dtype: DType; shape: readonly (number | null)[]; value: NDArray }[];
  readonly build: (...xs: Term[]) => Term | Term[];
  readonly tol?: Tolerance;
}

function input(dtype: DType, shape: readonly number[], opts: { extreme?: boolean; hide?: boolean } = {}) {
  return {
    dtype,
    shape: opts.hide ? shape.map((d) => (d === 1 ? 1 : null)) : shape,
    value: sample(dtype, shape, opts.extreme ?? false),
  };
}

type OtherOp = Exclude<OpName, UnaryOp | BinaryOp>;

/** Cases of every op that is not a plain unary or binary elementwise op, per float dtype. */
const CASES: { readonly [K in OtherOp]: (dtype: DType) => Case[] } = {
  const: (d) => [
    { name: "const output", inputs: [], build: () => T.constant([[1.5, -2], [3, 4]], d) },
    {
      name: "x * const matrix",
      inputs: [input(d, [2, 2])],
      build: (x) => T.mul(x, T.constant([[1.5, -2], [3, 4]], d)),
    },
  ],
  var: (d) => [{ name: "identity", inputs: [input(d, [3, 2])], build: (x) => x }],
  shared: (d) => {
    const s = shared(sample(d, [2, 3], false), "s");
    return [
      { name: "shared output", inputs: [], build: () => s },
      { name: "shared * x", inputs: [input(d, [3], { hide: true })], build: (x) => T.mul(s, x) },
    ];
  },
  where: (d) => [{
    name: "where broadcast",
    inputs: [input(d, [4, 1]), input(d, [1, 3]), input("int32", [3])],
    build: (a, b, c) => T.where(T.gt(a, b), T.exp(a), T.add(c, b)),
  }],
  cast: (d) =>
    (["float32", "float64", "int32", "bool"] as DType[]).map((to) => ({
      name: `cast to ${to}`,
      inputs: [input(d, [EXTREME_FLOATS.length], { extreme: true })],
      build: (x: Term) => T.cast(T.mul(x, 3), to),
    })),
  ...Object.fromEntries((["sum", "mean", "max", "min", "prod", "logsumexp"] as const).map((op) => [
    op,
    (d: DType): Case[] =>
      [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2], []].flatMap((axes) =>
        [false, true].map((keepdims) => ({
          name: `${op} axes [${axes}] keepdims ${keepdims}`,
          inputs: [input(d, [3, 4, 5], { hide: true }), input(d, [4, 1])],
          build: (x: Term, y: Term) => Term.make(op, [T.add(T.mul(x, y), 0.5)], { axes, keepdims }),
          tol: d === "float32" ? { ulps: 4 } : { rel: 1e-12 },
        }))
      ).concat([{
        name: `${op} of extremes`,
        inputs: [input(d, [4, EXTREME_FLOATS.length], { extreme: true })],
        build: (x: Term) => Term.make(op, [x], { axes: [1], keepdims: false }),
        tol: d === "float32" ? { ulps: 4 } : { rel: 1e-12 },
      }]),
  ])) as { [K in "sum" | "mean" | "max" | "min" | "prod" | "logsumexp"]: (d: DType) => Case[] },
  count: (d) => [{
    name: "count",
    inputs: [input(d, [3, 4, 2], { hide: true })],
    build: (x) => [T.count(x, [0, 2]), T.div(T.sum(x, [0, 2]), T.count(x, [0, 2]))],
  }],
  matmul: (d) =>
    ([
      { name: "2d·2d", inputs: [input(d, [5, 7]), input(d, [7, 3])], build: (a, b) => T.matmul(a, b) },
      { name: "1d·2d", inputs: [input(d, [7]), input(d, [7, 3])], build: (a, b) => T.matmul(a, b) },
      { name: "2d·1d", inputs: [input(d, [5, 7]), input(d, [7])], build: (a, b) => T.matmul(a, b) },
      { name: "1d·1d", inputs: [input(d, [7]), input(d, [7])], build: (a, b) => T.matmul(a, b) },
      {
        name: "batched 3d·2d",
        inputs: [input(d, [2, 5, 7], { hide: true }), input(d, [7, 3])],
        build: (a, b) => T.matmul(a, b),
      },
      {
        name: "broadcast batch",
        inputs: [input(d, [2, 1, 5, 4]), input(d, [3, 4, 2])],
        build: (a, b) => T.matmul(a, b),
      },
      {
        name: "aᵀ·bᵀ",
        inputs: [input(d, [7, 5]), input(d, [3, 7])],
        build: (a, b) => T.matmul(T.transpose(a), T.transpose(b)),
      },
      {
        name: "int32",
        inputs: [input("int32", [3, 4]), input("int32", [4, 2])],
        build: (a, b) => T.matmul(a, b),
      },
      { name: "mixed", inputs: [input("int32", [3, 4]), input(d, [4, 2])], build: (a, b) => T.matmul(a, b) },
    ] as Case[]).map((c) => ({
      ...c,
      tol: d === "float32" ? { rel: 1e-5, abs: 1e-5 } : { rel: 1e-12, abs: 1e-13 },
    })),
  transpose: (d) => [
    { name: "3d perm", inputs: [input(d, [2, 3, 4])], build: (x) => T.transpose(x, [2, 0, 1]) },
    {
      name: "2d in expression",
      inputs: [input(d, [3, 4]), input(d, [4, 3])],
      build: (x, y) => T.add(T.transpose(x), y),
    },
  ],
  reshape: (d) => [
    {
      name: "contiguous",
      inputs: [input(d, [3, 4], { hide: true })],
      build: (x) => T.mul(T.reshape(x, [2, -1]), 2),
    },
    { name: "of a transpose", inputs: [input(d, [3, 4])], build: (x) => T.reshape(T.transpose(x), [12]) },
  ],
  broadcastTo: (d) => [
    { name: "to a shape", inputs: [input(d, [3, 1])], build: (x) => T.broadcastTo(x, [2, 3, 4]) },
    {
      name: "like a term",
      inputs: [input(d, [3]), input(d, [2, 3], { hide: true })],
      build: (x, y) => T.broadcastTo(x, y),
    },
  ],
  concatenate: (d) => [
    {
      name: "axis 0",
      inputs: [input(d, [2, 3]), input(d, [1, 3])],
      build: (a, b) => T.concatenate([a, b], 0),
    },
    {
      name: "axis 1 mixed dtypes, transposed part",
      inputs: [input(d, [2, 3]), input("int32", [4, 2])],
      build: (a, b) => T.concatenate([a, T.transpose(b)], 1),
    },
  ],
  index: (d) => [
    { name: "positive", inputs: [input(d, [3, 4])], build: (x) => T.index(x, 1) },
    {
      name: "negative, unknown size",
      inputs: [input(d, [3, 4], { hide: true })],
      build: (x) => T.exp(T.index(x, -1)),
    },
  ],
  slice: (d) => [
    { name: "step 2", inputs: [input(d, [7, 2])], build: (x) => T.slice(x, 1, null, 2) },
    {
      name: "negative step",
      inputs: [input(d, [7, 2], { hide: true })],
      build: (x) => T.mul(T.slice(x, -1, 0, -3), 2),
    },
    { name: "empty", inputs: [input(d, [3, 2])], build: (x) => T.slice(x, 2, 1) },
  ],
  softmax: (d) => [
    { name: "last axis", inputs: [input(d, [4, 5])], build: (x) => T.softmax(x) },
    { name: "axis 0", inputs: [input(d, [4, 5])], build: (x) => T.softmax(x, 0) },
    {
      name: "extremes",
      inputs: [input(d, [4, EXTREME_FLOATS.length], { extreme: true })],
      build: (x) => T.softmax(x),
    },
  ],
  logSoftmax: (d) => [
    { name: "last axis", inputs: [input(d, [4, 5])], build: (x) => T.logSoftmax(x) },
    {
      name: "axis 0 of a transpose",
      inputs: [input(d, [5, 4])],
      build: (x) => T.logSoftmax(T.transpose(x), 0),
    },
    {
      name: "extremes",
      inputs: [input(d, [4, EXTREME_FLOATS.length], { extreme: true })],
      build: (x) => T.logSoftmax(x),
    },
  ],
  stopGradient: (
    d,
  ) => [{ name: "identity", inputs: [input(d, [3])], build: (x) => T.add(T.stopGradient(x), 1) }],
};

perMode("every non-elementwise op matches the reference (float32 and float64)", async () => {
  for (const [op, cases] of Object.entries(CASES) as [OtherOp, (d: DType) => Case[]][]) {
    for (const dtype of FLOATS) {
      for (const c of cases(dtype)) {
        const vars = c.inputs.map((spec, i) => T.tensor(`v${i}`, { dtype: spec.dtype, shape: spec.shape }));
        const built = c.build(...vars);
        const roots = Array.isArray(built) ? built : [built];
        const tol = c.tol ?? tolerance(dtype);
        await assertMatchesReference(
          vars,
          roots,
          c.inputs.map((s) => s.value),
          tol,
          `${op} ${dtype} ${c.name}`,
        );
      }
    }
  }
});

Deno.test("cpu backend conformance covers every op of the table", () => {
  const covered = new Set<string>([...UNARY_OPS, ...BINARY_OPS, ...Object.keys(CASES)]);
  const missing = Object.keys(OPS).filter((op) => !covered.has(op));
  assert.deepEqual(missing, [], `ops without conformance cases: ${missing.join(", ")}`);
});
