import assert from "node:assert/strict";
import * as T from "../../mod.ts";
import { evaluate } from "../../backends/reference/interpreter.ts";

const REPL = new URL("../../repl.ts", import.meta.url).pathname;

/** Runs the REPL with `lines` piped to standard input, in folder `cwd`. */
async function pipe(
  lines: readonly string[],
  cwd?: string,
): Promise<{ code: number; out: string[]; err: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", REPL],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    cwd,
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(lines.map((l) => l + "\n").join("")));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  const text = new TextDecoder().decode(stdout);
  return {
    code,
    out: text === "" ? [] : text.replace(/\n$/, "").split("\n"),
    err: new TextDecoder().decode(stderr),
  };
}

/** The value of the float64 expression `source` in `x` at each of `xs`. */
function valuesAt(source: string, xs: readonly number[]): number[] {
  T.config.floatX = "float64";
  const x = T.scalar("x", "float64");
  const e = T.parse(source, { x });
  return xs.map((v) => evaluate([e], new Map([[x, T.array(v, { dtype: "float64" })]]))[0].item());
}

Deno.test("the REPL answers piped lines one per line, with no prompt, and exits with status 0", async () => {
  const { code, out, err } = await pipe([
    "log(1 + exp(x))",
    ":grad x^2, x",
    ":grad sin(x) * y, y",
    ":type x^2",
    ":type [1, 2, 3] * x",
    ":eval x^2, x=3",
    ":eval log(1 + exp(x)) + y, x=0, y=-2*3",
    "",
    "1 / (1 + exp(-x))",
  ]);
  assert.equal(err, "");
  assert.equal(code, 0);
  assert.equal(out.length, 9, out.join("\n"));
  assert.equal(out[0], "softplus(x)");
  // the derivative of x² is any form of 2x: check its values, not its spelling
  assert.deepEqual(valuesAt(out[1], [-1.5, 0, 3]), [-3, 0, 6]);
  assert.equal(out[2], "sin(x)");
  assert.equal(out[3], "float64 []");
  assert.equal(out[4], "float64 [3]");
  assert.equal(Number(out[5]), 9);
  assert.ok(Math.abs(Number(out[6]) - (Math.LN2 - 6)) < 1e-12, out[6]);
  assert.equal(out[7], ""); // an empty line gets an empty answer, so answers stay paired with lines
  assert.equal(out[8], "sigmoid(x)");
  assert.ok(!out.some((l) => l.includes("theano>")));
});

Deno.test("the REPL answers bad lines with one-line errors and goes on", async () => {
  const bad = [
    "x = 1", // assignment
    "foo(x)", // unknown function
    "log(1 +", // syntax error
    "Deno.exit(3)", // property access: never run as code
    "'hello'", // a string
    ":bogus",
    ":grad x^2", // missing variable
    ":eval x + y, x=1", // y has no value
    ":eval x, x=y", // a value that is not a number
    ":type",
    "a; b",
  ];
  const { code, out, err } = await pipe([...bad, "exp(log(x))"]);
  assert.equal(err, "");
  assert.equal(code, 0);
  assert.equal(out.length, bad.length + 1, out.join("\n"));
  bad.forEach((line, i) =>
    assert.match(out[i], /^error: \S/, `answer to ${JSON.stringify(line)}: ${out[i]}`)
  );
  assert.match(out[3], /not allowed/);
  assert.doesNotMatch(out.at(-1)!, /^error/); // the session went on
});

Deno.test("the REPL stops at :quit and answers :help, :rules and :stats", async () => {
  const { code, out } = await pipe([":stats", "log(1 + x)", ":stats", ":help", ":rules", ":quit", "x + 1"]);
  assert.equal(code, 0);
  assert.equal(out[0], "no simplification yet");
  assert.equal(out[1], "log1p(x)");
  assert.match(out[2], /^\d+ e-nodes, \d+ e-classes, \d+ iterations, stopped: \S+, .* ms$/);
  const text = out.join("\n");
  for (const command of [":grad", ":explain", ":type", ":eval", ":dot", ":rules", ":stats", ":quit"]) {
    assert.ok(text.includes(`${command} `), `:help mentions ${command}`);
  }
  assert.match(text, /^stability \(\d+\): .*softplus-from-log/m);
  assert.ok(!out.includes("x + 1") && !out.includes("1 + x"), "nothing is answered after :quit");
});

Deno.test("the REPL explains a rewrite with the rule names", async () => {
  const { code, out } = await pipe([":explain log(1 + exp(x))"]);
  assert.equal(code, 0);
  assert.equal(out[0].trim(), "log(1 + exp(x))");
  assert.match(out.at(-1)!, /= softplus\(x\)\s+\[[a-z0-9-]+/);
});

Deno.test("the REPL's :dot writes SVG pictures before and after optimizing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { code, out } = await pipe([":dot log(1 + exp(x)), sp", ":dot x, bad/name"], dir);
    assert.equal(code, 0);
    assert.equal(out[0], "wrote ./sp-before.svg and ./sp-after.svg");
    assert.match(out[1], /^error: /);
    const before = await Deno.readTextFile(`${dir}/sp-before.svg`);
    const after = await Deno.readTextFile(`${dir}/sp-after.svg`);
    assert.match(before, /<svg/);
    assert.match(before, />log<\/text>/);
    assert.match(before, />exp<\/text>/);
    assert.match(after, />softplus<\/text>/);
    assert.doesNotMatch(after, />exp<\/text>/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the REPL exits with status 0 on empty input", async () => {
  const { code, out, err } = await pipe([]);
  assert.equal(code, 0);
  assert.deepEqual(out, []);
  assert.equal(err, "");
});
