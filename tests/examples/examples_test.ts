/**
 * The examples are documentation that must stay true: every one type-checks, and the quick ones run and print
 * what their comments promise. The MNIST examples (demo, logistic regression) train for seconds to minutes, so
 * they are only type-checked here.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

async function deno(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return { code, out: new TextDecoder().decode(stdout), err: new TextDecoder().decode(stderr) };
}

/** Runs an example the way its header says, and returns its output lines. */
async function runExample(file: string, flags: string[] = [], args: string[] = []): Promise<string[]> {
  const { code, out, err } = await deno([
    "run",
    "--allow-read",
    "--allow-env",
    ...flags,
    `examples/${file}`,
    ...args,
  ]);
  assert.equal(code, 0, `${file} failed:\n${err}`);
  return out.trimEnd().split("\n");
}

/** The line starting with `prefix` (after leading spaces). */
function lineStarting(lines: readonly string[], prefix: string): string {
  const line = lines.find((l) => l.trimStart().startsWith(prefix));
  assert.ok(line !== undefined, `no line starts with ${JSON.stringify(prefix)} in:\n${lines.join("\n")}`);
  return line;
}

Deno.test("every example type-checks", async () => {
  const { code, err } = await deno(["check", "examples/"]);
  assert.equal(code, 0, err);
});

Deno.test("examples/stability_tour.ts shows the naive forms failing where the optimized ones do not", async () => {
  const lines = await runExample("stability_tour.ts");
  assert.equal(lineStarting(lines, "log(1 + exp(x))"), "log(1 + exp(x))  ⇒  softplus(x)");
  assert.match(lineStarting(lines, "exp(x) - 1"), /⇒ {2}expm1\(x\)$/);
  assert.match(lineStarting(lines, "log(exp(a) + exp(b))"), /⇒ {2}logaddexp\(a, b\)$/);
  // at x = 1000 the naive softplus overflows, the optimized one is exact
  assert.match(lineStarting(lines, "at x=1000 "), /naive Infinity +optimized 1000$/);
  // log(exp(a) + exp(b)) at a = b = 1000 is 1000 + log 2
  const lse = lineStarting(lines, "at a=1000, b=1000");
  assert.ok(Math.abs(Number(lse.split("optimized ")[1]) - (1000 + Math.LN2)) < 1e-9, lse);
});

Deno.test("examples/derivatives_tour.ts prints simplified derivatives and a compiled Hessian", async () => {
  const lines = await runExample("derivatives_tour.ts");
  assert.equal(lineStarting(lines, "d/dx softplus(x) ="), "d/dx softplus(x) = sigmoid(x)");
  assert.match(lineStarting(lines, "d/dx sigmoid(x) ="), /sigmoid\(x\)/);
  // the Hessian of v·Av/2 is (A + Aᵀ)/2 = [[1, 1], [1, 3]]
  const at = lines.findIndex((l) => l.startsWith("hessian of"));
  assert.ok(at >= 0);
  const numbers = lines.slice(at + 1).join(" ").match(/-?\d+(\.\d*)?/g)!.map(Number);
  assert.deepEqual(numbers, [1, 1, 1, 3]);
});

Deno.test("examples/custom_rule.ts simplifies with a user's rule and fixes the overflow", async () => {
  const lines = await runExample("custom_rule.ts");
  assert.equal(lineStarting(lines, "default rules:"), "default rules:      log(cosh(x))");
  assert.match(lineStarting(lines, "with the new rule:"), /abs\(x\) \+ softplus\(-2 \* abs\(x\)\)/);
  assert.match(lines.join("\n"), /\[log-cosh-stable\]/); // the explanation names the rule
  for (const x of ["1000", "-1000"]) {
    const line = lineStarting(lines, `x = ${x} `);
    assert.match(line, /naive Infinity /);
    assert.ok(Math.abs(Number(line.split("with the rule ")[1]) - (1000 - Math.LN2)) < 1e-9, line);
  }
});

Deno.test("examples/make_pictures.ts draws the crossentropy before and after optimizing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lines = await runExample("make_pictures.ts", ["--allow-write"], [dir]);
    for (const name of ["crossentropy_before", "crossentropy_after", "crossentropy_kernels"]) {
      assert.ok(lines.includes(`wrote ${dir}/${name}.svg`), lines.join("\n"));
    }
    const before = await Deno.readTextFile(`${dir}/crossentropy_before.svg`);
    const after = await Deno.readTextFile(`${dir}/crossentropy_after.svg`);
    assert.match(before, />softmax axis=1<\/text>/);
    assert.match(before, />log<\/text>/);
    assert.match(after, />logSoftmax axis=1<\/text>/);
    assert.doesNotMatch(after, />log<\/text>/);
    assert.match(await Deno.readTextFile(`${dir}/crossentropy_kernels.svg`), /class="cluster"/);
    if (lines.some((l) => l.endsWith(".png"))) {
      const png = await Deno.readFile(`${dir}/crossentropy_after.png`);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
