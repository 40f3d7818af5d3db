/**
 * The stability benchmark's cases, as data: naive formulas as users write them (parser syntax), the domain each
 * input is sampled from (uniformly over float bit patterns, Herbie's scheme), and for the cases of
 * `shared/data/stability_cases.md` the figures measured there (bits of error of the naive and an accurate form,
 * float64, mean and max over 400 samples).
 * @module
 */

/** Where an input is sampled: `[lo, hi]`, or with `symmetric` both `[lo, hi]` and `[−hi, −lo]`. */
export interface Domain {
  readonly lo: number;
  readonly hi: number;
  readonly symmetric?: boolean;
}

/** One benchmark case. */
export interface StabilityCase {
  /** Short name (the catalog's where it comes from there). */
  readonly name: string;
  /** The naive formula in the parser's (mathjs) syntax. */
  readonly formula: string;
  /** The domain of each variable. */
  readonly domains: Readonly<Record<string, Domain>>;
  /** The catalog's measured float64 bits: naive mean and max, accurate form mean and max. */
  readonly catalog?: { readonly naive: [number, number]; readonly accurate: [number, number] };
}

const WIDE: Domain = { lo: 1e-3, hi: 1e3, symmetric: true };

/** The cases of `shared/data/stability_cases.md`. */
export const CATALOG_CASES: readonly StabilityCase[] = [
  {
    name: "softplus",
    formula: "log(1 + exp(x))",
    domains: { x: WIDE },
    catalog: { naive: [8.97, 62.0], accurate: [0.13, 1.0] },
  },
  {
    name: "logistic-regression-2",
    formula: "log(1 + exp(x)) - x * y",
    domains: { x: WIDE, y: { lo: 0, hi: 1 } },
    catalog: { naive: [6.89, 62.0], accurate: [0.19, 1.0] },
  },
  {
    name: "log-sigmoid",
    formula: "log(1 / (1 + exp(-x)))",
    domains: { x: WIDE },
    catalog: { naive: [9.89, 61.9], accurate: [0.15, 1.0] },
  },
  {
    name: "sigmoid",
    formula: "1 / (1 + exp(-x))",
    domains: { x: WIDE },
    catalog: { naive: [0.37, 22.6], accurate: [0.25, 1.6] },
  },
  {
    name: "logsumexp-2",
    formula: "log(exp(a) + exp(b))",
    domains: { a: WIDE, b: WIDE },
    catalog: { naive: [1.86, 62.0], accurate: [0.13, 3.2] },
  },
  {
    name: "logsumexp-3",
    formula: "log(exp(a) + exp(b) + exp(c))",
    domains: { a: WIDE, b: WIDE, c: WIDE },
    catalog: { naive: [2.84, 62.0], accurate: [0.30, 8.4] },
  },
  {
    name: "log-softmax-2",
    formula: "x - log(exp(x) + exp(y))",
    domains: { x: WIDE, y: WIDE },
    catalog: { naive: [15.18, 63.0], accurate: [1.08, 7.8] },
  },
  {
    name: "log1mexp",
    formula: "log(1 - exp(x))",
    domains: { x: { lo: -1e3, hi: -1e-10 } },
    catalog: { naive: [16.75, 61.9], accurate: [0.06, 1.0] },
  },
  {
    name: "expm1",
    formula: "exp(x) - 1",
    domains: { x: { lo: -1, hi: 1 } },
    catalog: { naive: [58.26, 61.9], accurate: [0.0, 0.0] },
  },
  {
    name: "log1p",
    formula: "log(1 + x)",
    domains: { x: { lo: -0.9999999999999999, hi: 0.9999999999999999 } },
    catalog: { naive: [58.34, 61.9], accurate: [0.0, 0.0] },
  },
  {
    name: "exprel",
    formula: "(exp(x) - 1) / x",
    domains: { x: { lo: 1e-300, hi: 1, symmetric: true } },
    catalog: { naive: [59.47, 62.0], accurate: [0.02, 1.0] },
  },
];

/** Cases beyond the catalog: other ML kernels and classic cancellations, some of which the optimizer misses. */
export const EXTRA_CASES: readonly StabilityCase[] = [
  { name: "sigmoid-ratio", formula: "exp(x) / (1 + exp(x))", domains: { x: WIDE } },
  { name: "softmax-2", formula: "exp(a) / (exp(a) + exp(b))", domains: { a: WIDE, b: WIDE } },
  {
    name: "log-softmax-3",
    formula: "log(exp(a) / (exp(a) + exp(b) + exp(c)))",
    domains: { a: WIDE, b: WIDE, c: WIDE },
  },
  {
    name: "binary-crossentropy",
    formula: "-(t * log(1 / (1 + exp(-z))) + (1 - t) * log(1 - 1 / (1 + exp(-z))))",
    domains: { z: WIDE, t: { lo: 0, hi: 1 } },
  },
  { name: "log-expm1", formula: "log(exp(x) - 1)", domains: { x: { lo: 1e-3, hi: 1e3 } } },
  { name: "sinh", formula: "(exp(x) - exp(-x)) / 2", domains: { x: { lo: 1e-10, hi: 1, symmetric: true } } },
  {
    name: "tanh",
    formula: "(exp(x) - exp(-x)) / (exp(x) + exp(-x))",
    domains: { x: { lo: 1e-10, hi: 100, symmetric: true } },
  },
  { name: "asinh", formula: "log(x + sqrt(x^2 + 1))", domains: { x: WIDE } },
  { name: "1-cos", formula: "(1 - cos(x)) / x^2", domains: { x: { lo: 1e-8, hi: 1, symmetric: true } } },
  { name: "sqrt-difference", formula: "sqrt(x + 1) - sqrt(x)", domains: { x: { lo: 1e-3, hi: 1e15 } } },
  {
    name: "norm",
    formula: "sqrt(x^2 + y^2)",
    domains: { x: { lo: 1e-300, hi: 1e300, symmetric: true }, y: { lo: 1e-300, hi: 1e300, symmetric: true } },
  },
];
