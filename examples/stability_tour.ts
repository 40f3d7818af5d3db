/**
 * A tour of the stability rewrites: naive formulas as users write them, evaluated as written (no optimizer) and
 * as compiled (optimizer on), at inputs where the naive form breaks.
 * `deno run --allow-read --allow-env examples/stability_tour.ts`
 * @module
 */
import * as T from "../mod.ts";

T.config.floatX = "float64";
const cases: [string, Record<string, number[]>][] = [
  ["log(1 + exp(x))", { x: [1000, -1000, 0] }],
  ["exp(x) - 1", { x: [1e-10, -1e-12, 1] }],
  ["log(1 + x)", { x: [1e-15, 1e-8] }],
  ["1 / (1 + exp(-x))", { x: [-1000, 1000, 0] }],
  ["log(exp(a) + exp(b))", { a: [1000, -1000], b: [1000, -1001] }],
  ["log(1 - exp(x))", { x: [-1e-20, -50] }],
  ["sqrt(x * x)", { x: [-3, 1e200] }],
];

for (const [source, values] of cases) {
  const expr = T.parse(source);
  const names = Object.keys(values);
  const vars = names.map((n) => T.scalar(n));
  const naive = T.compile(vars, expr, { backend: "reference", optimize: false });
  const optimized = T.compile(vars, expr, { backend: "reference" });
  console.log(`${source}  ⇒  ${T.simplify(expr)}`);
  const n = values[names[0]].length;
  for (let i = 0; i < n; i++) {
    const args = names.map((k) => values[k][i]);
    const a = (await naive(...args)).item(), b = (await optimized(...args)).item();
    const at = names.map((k, j) => `${k}=${args[j]}`).join(", ");
    console.log(`   at ${at.padEnd(22)} naive ${String(a).padEnd(24)} optimized ${b}`);
  }
}
