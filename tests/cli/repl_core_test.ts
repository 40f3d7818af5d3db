import assert from "node:assert/strict";
import * as T from "../../mod.ts";
import { answer, COMMANDS, completions, FUNCTION_NAMES, splitTopLevel } from "../../cli/repl_core.ts";
import { appendHistory, loadHistory } from "../../cli/history.ts";

Deno.test("FUNCTION_NAMES are all names the parser accepts as functions", () => {
  T.config.floatX = "float64";
  for (const name of FUNCTION_NAMES) {
    // calling with no arguments fails on the arity, never as an unknown function
    assert.throws(() => T.parse(`${name}()`), (e: Error) => !/unknown function/.test(e.message), name);
  }
  assert.throws(() => T.parse("notAFunction(x)"), /unknown function/);
  assert.equal(new Set(FUNCTION_NAMES).size, FUNCTION_NAMES.length);
});

Deno.test("completions() completes commands at the start and function names anywhere", () => {
  const complete = completions(FUNCTION_NAMES);
  assert.deepEqual(complete("softp"), [["softplus"], "softp"]);
  assert.deepEqual(complete("log(1 + softp"), [["softplus"], "softp"]);
  assert.deepEqual(complete(":gr"), [[":grad"], ":gr"]);
  assert.deepEqual(complete(":"), [Object.keys(COMMANDS), ":"]);
  assert.deepEqual(complete(":grad sigm"), [["sigmoid"], "sigm"]);
  assert.deepEqual(complete("x + 1"), [[], ""]);
  assert.ok(complete("log")[0].includes("log1p") && complete("log")[0].includes("logsumexp"));
});

Deno.test("splitTopLevel() splits at commas outside brackets", () => {
  assert.deepEqual(splitTopLevel("maximum(x, y), x"), ["maximum(x, y)", "x"]);
  assert.deepEqual(splitTopLevel("sum([1, 2] * x), x=1"), ["sum([1, 2] * x)", "x=1"]);
  assert.deepEqual(splitTopLevel(""), [""]);
});

Deno.test("answer() keeps going after errors and remembers the last report", async () => {
  T.config.floatX = "float64";
  const state = { written: [] };
  assert.equal(await answer("log(1 + exp(x))", state), "softplus(x)");
  assert.match(await answer(":stats", state), /stopped: /);
  assert.match(await answer("x +* 2", state), /^error: parse: syntax error/);
  assert.match(await answer(":grad [1, 2] * x, x", state), /^error: :grad: the expression must be a scalar/);
  assert.match(await answer(":eval x, y=1", state), /^error: :eval: the expression has no variable y/);
  assert.equal(await answer(":grad x^3, z", state), "0");
  assert.equal(await answer("   ", state), "");
});

Deno.test("loadHistory() returns recent lines first without repeats and trims a long file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/history`;
    assert.deepEqual(loadHistory(path, 10), []); // no file yet
    for (const line of ["a", "b", "", "a", "c"]) appendHistory(path, line);
    assert.deepEqual(loadHistory(path, 10), ["c", "a", "b"]);
    assert.deepEqual(loadHistory(path, 2), ["c", "a"]);
    for (let i = 0; i < 30; i++) appendHistory(path, `line ${i}`);
    assert.equal(loadHistory(path, 10)[0], "line 29");
    const kept = (await Deno.readTextFile(path)).trim().split("\n");
    assert.equal(kept.length, 10); // 35 lines is past twice 10: the file keeps the last 10
    assert.equal(kept.at(-1), "line 29");
    assert.deepEqual(loadHistory(undefined, 10), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
