/**
 * Stability benchmark: bits of error (Herbie's measure, log2 of 1 + the ULP distance to the exact value from
 * 250-digit decimal.js arithmetic) of naive formulas as users write them, evaluated by the reference backend
 * before and after `simplify`, over inputs sampled uniformly over float bit patterns (cases in
 * `stability_cases.ts`). NaN against a number counts 64 bits (32 in float32).
 *
 * `deno run -A bench/stability_bench.ts [samples]` prints the table (default 400 samples per case);
 * `deno bench bench/stability_bench.ts` times `simplify` on each naive formula.
 * @module
 */
import * as T from "../mod.ts";
import { evaluate } from "../backends/reference/interpreter.ts";
import type { Term } from "../cas/term.ts";
import { bitsOfError, exactScalar } from "../tests/rewrite/_decimal_eval.ts";
import { seededRandom } from "../tests/rewrite/_rule_instances.ts";
import { CATALOG_CASES, type Domain, EXTRA_CASES, type StabilityCase } from "./stability_cases.ts";

type Width = "float32" | "float64";

/** A float's position among all floats of its width, and back (adjacent floats are adjacent integers). */
function toOrdered(x: number, width: Width): bigint {
  if (width === "float32") {
    const bits = new Int32Array(new Float32Array([x]).buffer)[0];
    return BigInt(bits < 0 ? -(bits & 0x7fffffff) : bits);
  }
  const bits = new BigInt64Array(new Float64Array([x]).buffer)[0];
  return bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits;
}

function fromOrdered(i: bigint, width: Width): number {
  if (width === "float32") {
    const n = Number(i);
    return new Float32Array(new Int32Array([n < 0 ? (-n | 0x80000000) : n]).buffer)[0];
  }
  const bits = i < 0n ? (-i) | (1n << 63n) : i;
  return new Float64Array(new BigUint64Array([bits]).buffer)[0];
}

/** Uniform over the float bit patterns in the domain (float32: the domain clamped to float32's range). */
function sampleDomain(domain: Domain, width: Width, random: () => number): number {
  const clamp = (x: number) =>
    width === "float64" ? x : Math.sign(x) * Math.min(Math.max(Math.abs(x), 1.4e-45), 3.4e38);
  const lo = toOrdered(clamp(domain.lo), width), hi = toOrdered(clamp(domain.hi), width);
  const r = (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32));
  const x = fromOrdered(lo + r % (hi - lo + 1n), width);
  return domain.symmetric && random() < 0.5 ? -x : x;
}

/** Mean and max bits of error of the naive and the simplified formula over `samples` inputs. */
export interface Measurement {
  readonly naive: [number, number];
  readonly simplified: [number, number];
  readonly form: string;
  /** Samples whose exact value could not be computed (left out of the means). */
  readonly skipped: number;
}

/** Measures one case in one float width. */
export function measure(c: StabilityCase, width: Width, samples: number, seed = 1): Measurement {
  const random = seededRandom(seed);
  const names = Object.keys(c.domains);
  const vars = Object.fromEntries(names.map((n) => [n, T.scalar(n, width)]));
  const naive = T.parse(c.formula, vars);
  const simplified = T.simplify(naive);
  const naiveBits: number[] = [], simplifiedBits: number[] = [];
  let skipped = 0;
  for (let s = 0; s < samples; s++) {
    const bindings = new Map<Term, T.NDArray>(
      names.map((n) => [vars[n], T.array(sampleDomain(c.domains[n], width, random), { dtype: width })]),
    );
    const exact = exactScalar(naive, bindings);
    if (exact === undefined) {
      skipped++;
      continue;
    }
    const [a, b] = evaluate([naive, simplified], bindings).map((v) => v.data[0]);
    naiveBits.push(bitsOfError(a, exact, width));
    simplifiedBits.push(bitsOfError(b, exact, width));
  }
  const stats = (
    xs: number[],
  ): [number, number] => [xs.reduce((s, x) => s + x, 0) / xs.length, Math.max(...xs)];
  return { naive: stats(naiveBits), simplified: stats(simplifiedBits), form: String(simplified), skipped };
}

const fmt = ([mean, max]: [number, number]) => `${mean.toFixed(2)} (${max.toFixed(1)})`;

/** The markdown table of every case, float64 and float32. */
export function stabilityTable(samples: number): string {
  const lines = [
    `Bits of error, mean (max) over ${samples} inputs per case, reference backend; exact values from decimal.js.`,
    "",
    "| case | naive formula | f64 naive | f64 simplified | catalog accurate form | f32 naive | f32 simplified | simplified to |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const c of [...CATALOG_CASES, ...EXTRA_CASES]) {
    const f64 = measure(c, "float64", samples), f32 = measure(c, "float32", samples);
    const accurate = c.catalog ? fmt(c.catalog.accurate) : "–";
    const skipped = f64.skipped + f32.skipped > 0 ? ` (${f64.skipped + f32.skipped} inputs skipped)` : "";
    lines.push(
      `| ${c.name} | \`${c.formula}\` | ${fmt(f64.naive)} | ${fmt(f64.simplified)} | ${accurate} | ${
        fmt(f32.naive)
      } | ${fmt(f32.simplified)} | \`${f64.form}\`${skipped} |`,
    );
  }
  return lines.join("\n");
}

for (const c of [...CATALOG_CASES, ...EXTRA_CASES]) {
  const vars = Object.fromEntries(Object.keys(c.domains).map((n) => [n, T.scalar(n, "float64")]));
  const term = T.parse(c.formula, vars);
  Deno.bench(`simplify ${c.name}: ${c.formula}`, { group: "stability" }, () => {
    T.simplify(term);
  });
}

if (import.meta.main) {
  const samples = Number(Deno.args[0] ?? 400);
  console.log(stabilityTable(samples));
}
