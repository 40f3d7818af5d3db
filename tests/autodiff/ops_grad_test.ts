/**
 * Every op of the table against finite differences: first derivatives, second derivatives, and both again
 * with the variables declared with sizes known only at call time (which exercises the shape-matching forms of
 * the VJP rows). A last test checks that the cases together use every op of the table.
 */
import assert from "node:assert/strict";
import * as T from "../../cas/api.ts";
import { OPS } from "../../cas/ops/table.ts";
import type { OpName } from "../../cas/ops/names.ts";
import { type Term, topoSort } from "../../cas/term.ts";
import { checkGradient, type InputSpec } from "./_gradcheck.ts";

interface Case {
  readonly name: string;
  readonly build: (xs: Term[]) => Term;
  readonly inputs: readonly InputSpec[];
  /** 2 (the default) also checks second derivatives. */
  readonly order?: 1 | 2;
  /** false where the op needs static sizes (reshape of several unknown sizes, strided slices…). */
  readonly dynamic?: boolean;
  /** The order checked with call-time sizes, when lower than `order`. */
  readonly dynamicOrder?: 1;
}

const M23 = [2, 3];
/** A (2,3) input uniform in [low, high]. */
const m = (low: number, high: number, shape: readonly number[] = M23): InputSpec => ({ shape, low, high });
/** Entries of either sign with |x| in [low, high] (away from a kink or pole at 0). */
const signed = (low: number, high: number, shape: readonly number[] = M23): InputSpec => ({
  shape,
  low,
  high,
  bothSigns: true,
});
/** Entries k + f, f in [0.1, 0.4]: away from integers and half-integers, where floor/ceil/round jump. */
const offGrid: InputSpec = { shape: M23, low: 0, high: 0, values: [-2.3, -1.15, -0.35, 0.2, 1.3, 2.15] };

const unaryCase = (name: UnaryName, input: InputSpec, order: 1 | 2 = 2): Case => ({
  name,
  build: ([x]) => (T[name] as (x: Term) => Term)(x),
  inputs: [input],
  order,
});
type UnaryName =
  | "neg"
  | "exp"
  | "log"
  | "log1p"
  | "expm1"
  | "sqrt"
  | "square"
  | "abs"
  | "sign"
  | "floor"
  | "ceil"
  | "round"
  | "sin"
  | "cos"
  | "tan"
  | "asin"
  | "acos"
  | "atan"
  | "sinh"
  | "cosh"
  | "tanh"
  | "asinh"
  | "acosh"
  | "atanh"
  | "erf"
  | "sigmoid"
  | "softplus"
  | "relu"
  | "log1mexp";

const CASES: Case[] = [
  unaryCase("neg", m(-2, 2)),
  unaryCase("exp", m(-2, 2)),
  unaryCase("log", m(0.3, 3)),
  unaryCase("log1p", m(-0.6, 2)),
  unaryCase("expm1", m(-2, 2)),
  unaryCase("sqrt", m(0.3, 3)),
  unaryCase("square", m(-2, 2)),
  unaryCase("abs", signed(0.2, 2)),
  unaryCase("sign", signed(0.2, 2)),
  unaryCase("floor", offGrid),
  unaryCase("ceil", offGrid),
  unaryCase("round", offGrid),
  unaryCase("sin", m(-3, 3)),
  unaryCase("cos", m(-3, 3)),
  unaryCase("tan", m(-1.2, 1.2)),
  unaryCase("asin", m(-0.9, 0.9)),
  unaryCase("acos", m(-0.9, 0.9)),
  unaryCase("atan", m(-3, 3)),
  unaryCase("sinh", m(-2, 2)),
  unaryCase("cosh", m(-2, 2)),
  unaryCase("tanh", m(-2, 2)),
  unaryCase("asinh", m(-3, 3)),
  unaryCase("acosh", m(1.2, 3)),
  unaryCase("atanh", m(-0.9, 0.9)),
  unaryCase("erf", m(-2, 2)),
  unaryCase("sigmoid", m(-5, 5)),
  unaryCase("softplus", m(-5, 5)),
  unaryCase("relu", signed(0.2, 2)),
  unaryCase("log1mexp", m(-3, -0.1)),
  { name: "not", build: ([x]) => T.cast(T.not(T.gt(x, 0)), "float64"), inputs: [signed(0.2, 2)] },

  { name: "add", build: ([a, b]) => T.add(a, b), inputs: [m(-2, 2), m(-2, 2)] },
  { name: "sub", build: ([a, b]) => T.sub(a, b), inputs: [m(-2, 2), m(-2, 2)] },
  { name: "mul", build: ([a, b]) => T.mul(a, b), inputs: [m(-2, 2), m(-2, 2)] },
  { name: "div", build: ([a, b]) => T.div(a, b), inputs: [m(-2, 2), signed(0.5, 2)] },
  { name: "pow", build: ([a, b]) => T.pow(a, b), inputs: [m(0.5, 2), m(-2, 2)] },
  { name: "pow, constant exponent", build: ([a]) => T.pow(a, 3), inputs: [m(-2, 2)] },
  { name: "hypot", build: ([a, b]) => T.hypot(a, b), inputs: [signed(0.3, 2), signed(0.3, 2)] },
  { name: "maximum", build: ([a, b]) => T.maximum(a, b), inputs: [m(-2, 2), m(-2, 2)] },
  { name: "minimum", build: ([a, b]) => T.minimum(a, b), inputs: [m(-2, 2), m(-2, 2)] },
  { name: "logaddexp", build: ([a, b]) => T.logaddexp(a, b), inputs: [m(-3, 3), m(-3, 3)] },
  ...(["eq", "neq", "lt", "le", "gt", "ge"] as const).map((op): Case => ({
    name: op,
    build: ([a, b]) => T.mul(T.cast(T[op](a, b), "float64"), T.add(a, b)),
    inputs: [m(-2, 2), m(-2, 2)],
  })),
  {
    name: "and, or",
    build: ([a, b]) => T.cast(T.or(T.and(T.gt(a, 0), T.gt(b, 0)), T.lt(a, b)), "float64"),
    inputs: [m(-2, 2), m(-2, 2)],
  },
  {
    name: "where",
    build: ([c, a, b]) => T.where(T.gt(c, 0), T.sin(a), T.square(b)),
    inputs: [m(-1, 1), m(-2, 2), m(-2, 2)],
  },
  {
    name: "where, broadcast branches",
    build: ([c, a, b]) => T.where(T.gt(c, 0), a, T.exp(b)),
    inputs: [m(-1, 1), m(-2, 2, [3]), m(-2, 2, [1, 3])],
  },
  {
    name: "cast to int32 (piecewise constant)",
    build: ([x]) => T.mul(T.cast(T.cast(x, "int32"), "float64"), x),
    inputs: [offGrid],
  },

  // reductions, over one axis, several, all, with and without keepdims
  ...(["sum", "mean", "max", "min", "prod", "logsumexp"] as const).flatMap((op): Case[] => [
    { name: `${op} over all`, build: ([x]) => T[op](x), inputs: [signed(0.3, 1.5, [2, 3, 2])] },
    { name: `${op} axis 1`, build: ([x]) => T[op](x, 1), inputs: [signed(0.3, 1.5, [2, 3, 2])] },
    {
      name: `${op} axes [0, 2], keepdims`,
      build: ([x]) => T[op](x, [0, 2], true),
      inputs: [signed(0.3, 1.5, [2, 3, 2])],
    },
    { name: `${op} axis -1`, build: ([x]) => T.exp(T[op](x, -1)), inputs: [signed(0.3, 1.5, [3, 4])] },
  ]),
  {
    name: "prod with one zero per slice",
    build: ([x]) => T.prod(x, 1),
    inputs: [{ shape: [3, 3], low: 0, high: 0, values: [0, 2, 3, -1.5, 0, 5, 1.5, -2, 0.5] }],
  },
  {
    // second derivatives are exact only with at most one zero per slice (see prodVjp)
    name: "prod with two zeros in a slice",
    build: ([x]) => T.prod(x, 0),
    inputs: [{ shape: [3, 2], low: 0, high: 0, values: [0, 2, 0, 0.5, 1.5, -2] }],
    order: 1,
  },
  // ties split the gradient evenly, so max over two copies of a is a and has derivative 1 (not 2)
  { name: "max of copies", build: ([a]) => T.max(T.stack([a, a], 0), 0), inputs: [m(-2, 2)], dynamic: false },
  {
    name: "min of copies",
    build: ([a]) => T.min(T.concatenate([a, a], 1), 1),
    inputs: [m(-2, 2)],
    dynamic: false,
  },
  { name: "maximum(x, x)", build: ([a]) => T.maximum(a, a), inputs: [m(-2, 2)] },
  { name: "minimum(x, x)", build: ([a]) => T.minimum(a, a), inputs: [m(-2, 2)] },
  { name: "count", build: ([x]) => T.mul(T.count(x, 1), T.sum(x)), inputs: [m(-2, 2)] },

  // linear algebra: every 1-D promotion and batch broadcast of matmul
  ...([
    [[2, 3], [3, 4]],
    [[3], [3, 4]],
    [[2, 3], [3]],
    [[3], [3]],
    [[2, 2, 3], [3, 4]],
    [[2, 3], [2, 3, 4]],
    [[1, 2, 3], [2, 3, 2]],
    [[3], [2, 3, 2]],
    [[2, 2, 3], [3]],
  ] as const).map(([sa, sb]): Case => ({
    name: `matmul [${sa}] @ [${sb}]`,
    build: ([a, b]) => T.matmul(a, b),
    inputs: [m(-1, 1, sa), m(-1, 1, sb)],
  })),
  { name: "dot of vectors", build: ([a, b]) => T.dot(a, b), inputs: [m(-1, 1, [4]), m(-1, 1, [4])] },

  // structure
  { name: "transpose", build: ([x]) => T.transpose(x, [1, 2, 0]), inputs: [m(-1, 1, [2, 3, 2])] },
  { name: "transpose (reversed)", build: ([x]) => T.transpose(x), inputs: [m(-1, 1, [2, 3])] },
  { name: "reshape", build: ([x]) => T.reshape(x, [3, 4]), inputs: [m(-1, 1, [2, 6])], dynamic: false },
  {
    name: "reshape, one unknown size",
    build: ([x]) => T.reshape(x, [-1]),
    inputs: [{ ...m(-1, 1, [4, 3]), declared: [null, 3] }],
    dynamic: false,
  },
  { name: "broadcastTo", build: ([x]) => T.broadcastTo(x, [2, 3]), inputs: [m(-1, 1, [3])], dynamic: false },
  {
    name: "broadcastTo size 1",
    build: ([x]) => T.broadcastTo(x, [4, 3]),
    inputs: [m(-1, 1, [1, 3])],
    dynamic: false,
  },
  {
    name: "broadcastTo like a term",
    build: ([x, y]) => T.mul(T.broadcastTo(x, y), y),
    inputs: [m(-1, 1, [1, 3]), m(-1, 1, [2, 3])],
  },
  {
    name: "concatenate axis 0",
    build: ([a, b, c]) => T.concatenate([a, T.sin(b), c], 0),
    inputs: [m(-1, 1, [2, 3]), m(-1, 1, [1, 3]), m(-1, 1, [3, 3])],
    dynamic: false,
  },
  {
    name: "concatenate axis 1",
    build: ([a, b]) => T.concatenate([a, b, a], 1),
    inputs: [m(-1, 1, [2, 3]), m(-1, 1, [2, 2])],
    dynamic: false,
  },
  {
    name: "concatenate, one unknown size",
    build: ([a, b, c]) => T.concatenate([a, b, c], 1),
    inputs: [
      { ...m(-1, 1, [2, 2]), declared: [null, 2] },
      { ...m(-1, 1, [2, 3]), declared: [null, null] },
      { ...m(-1, 1, [2, 1]), declared: [null, 1] },
    ],
    dynamic: false,
  },
  { name: "stack", build: ([a, b]) => T.stack([a, b], 1), inputs: [m(-1, 1, [3]), m(-1, 1, [3])] },
  { name: "index 1", build: ([x]) => T.index(x, 1), inputs: [m(-1, 1, [3, 2])] },
  { name: "index -1", build: ([x]) => T.index(x, -1), inputs: [m(-1, 1, [3, 2])] },
  { name: "index -2 of a 3-D array", build: ([x]) => T.index(x, -2), inputs: [m(-1, 1, [4, 2, 2])] },
  { name: "index of a vector", build: ([x]) => T.index(x, 2), inputs: [m(-1, 1, [4])] },
  // with a call-time leading size, the zero rows around the slice have unknown counts, so the concatenate the
  // first derivative builds cannot be differentiated again (the error says so)
  { name: "slice 1:3", build: ([x]) => T.slice(x, 1, 3), inputs: [m(-1, 1, [5, 2])], dynamicOrder: 1 },
  { name: "slice -3:", build: ([x]) => T.slice(x, -3), inputs: [m(-1, 1, [5, 2])] },
  { name: "slice :-1", build: ([x]) => T.slice(x, 0, -1), inputs: [m(-1, 1, [5, 2])] },
  { name: "slice -4:-1", build: ([x]) => T.slice(x, -4, -1), inputs: [m(-1, 1, [5, 2])], dynamicOrder: 1 },
  { name: "slice ::2", build: ([x]) => T.slice(x, 0, null, 2), inputs: [m(-1, 1, [5, 2])], dynamic: false },
  { name: "slice 1::3", build: ([x]) => T.slice(x, 1, null, 3), inputs: [m(-1, 1, [7, 2])], dynamic: false },
  {
    name: "slice ::-1",
    build: ([x]) => T.slice(x, -1, null, -1),
    inputs: [m(-1, 1, [4, 2])],
    dynamic: false,
  },
  { name: "slice 4:0:-2", build: ([x]) => T.slice(x, 4, 0, -2), inputs: [m(-1, 1, [6])], dynamic: false },
  {
    name: "slice 3:1 (empty)",
    build: ([x]) => T.add(T.sum(T.slice(x, 3, 1)), T.sum(x)),
    inputs: [m(-1, 1, [4])],
  },

  // neural-network ops
  { name: "softmax axis -1", build: ([x]) => T.softmax(x), inputs: [m(-3, 3, [2, 4])] },
  { name: "softmax axis 0", build: ([x]) => T.softmax(x, 0), inputs: [m(-3, 3, [3, 2])] },
  { name: "logSoftmax axis -1", build: ([x]) => T.logSoftmax(x), inputs: [m(-3, 3, [2, 4])] },
  { name: "logSoftmax axis 0", build: ([x]) => T.logSoftmax(x, 0), inputs: [m(-3, 3, [3, 2])] },

  // broadcasting: every elementwise rule's adjoint is summed back to its argument's shape
  {
    name: "bias (3,) + (2,3)",
    build: ([w, b]) => T.tanh(T.add(w, b)),
    inputs: [m(-1, 1, [2, 3]), m(-1, 1, [3])],
  },
  { name: "(2,1) * (1,3)", build: ([a, b]) => T.mul(a, b), inputs: [m(-1, 1, [2, 1]), m(-1, 1, [1, 3])] },
  { name: "scalar / (2,3)", build: ([a, b]) => T.div(a, b), inputs: [m(-1, 1, []), signed(0.5, 2)] },
  {
    name: "(2,3,1) pow (3,4)",
    build: ([a, b]) => T.pow(a, b),
    inputs: [m(0.5, 2, [2, 3, 1]), m(-1, 1, [3, 4])],
  },
  { name: "x used twice", build: ([x]) => T.mul(x, T.sin(x)), inputs: [m(-2, 2)] },
];

for (const c of CASES) {
  Deno.test(`grad of ${c.name} matches finite differences (first and second order)`, () => {
    checkGradient(c.name, c.build, c.inputs, { order: c.order ?? 2 });
  });
  if (c.dynamic === false) continue;
  Deno.test(`grad of ${c.name} matches finite differences with sizes known only at call time`, () => {
    const order = c.dynamicOrder ?? c.order ?? 2;
    checkGradient(`${c.name} (call-time sizes)`, c.build, c.inputs, { order, dynamic: true });
  });
}

Deno.test("the finite-difference cases cover every op of the table", () => {
  const used = new Set<OpName>();
  for (const c of CASES) {
    const vars = c.inputs.map((s, i) =>
      T.tensor(`x${i}`, { dtype: "float64", shape: s.declared ?? s.shape })
    );
    for (const t of topoSort([c.build(vars)])) used.add(t.op);
  }
  // tested in grad_test.ts: differentiating with respect to shared variables, and through stopGradient (which
  // finite differences cannot check, since it changes the derivative on purpose)
  used.add("shared");
  used.add("stopGradient");
  const missing = (Object.keys(OPS) as OpName[]).filter((op) => !used.has(op));
  assert.deepEqual(missing, []);
});
