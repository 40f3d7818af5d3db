/**
 * Code generation and memory planning pieces: the rendering table, what generated source may contain, loop
 * collapsing, and the slab planner.
 */
import assert from "node:assert/strict";
import * as T from "../../../cas/api.ts";
import { array } from "../../../cas/ndarray.ts";
import { BINARY_OPS, UNARY_OPS } from "../../../cas/ops/names.ts";
import { generatedSources, JS_RENDER } from "../../../backends/cpu/js_render.ts";
import { planSlab } from "../../../backends/cpu/memory_plan.ts";
import { collapse } from "../../../backends/cpu/views.ts";
import { setWasmMode } from "../../../backends/cpu/wasm_bridge.ts";
import { runCpu } from "./_compare.ts";

Deno.test("JS_RENDER has a row for every elementwise op", () => {
  for (const op of [...UNARY_OPS, ...BINARY_OPS, "where", "cast"] as const) {
    assert.equal(typeof JS_RENDER[op], "function", op);
  }
});

Deno.test("generated JavaScript holds no variable names and no constant values", async () => {
  setWasmMode("never");
  try {
    const x = T.vector("SECRET_NAME", "float64");
    const y = T.add(T.mul(T.exp(x), 0.123456789), 98765.4321);
    const [out] = await runCpu([x], [y], [array([1, 2], { dtype: "float64" })]);
    assert.deepEqual(out.toArray(), [1, 2].map((v) => Math.exp(v) * 0.123456789 + 98765.4321));
    const sources = generatedSources().join("\n");
    assert.ok(sources.length > 0);
    assert.ok(!sources.includes("SECRET_NAME"));
    assert.ok(!sources.includes("0.123456789") && !sources.includes("98765"));
  } finally {
    setWasmMode("auto");
  }
});

Deno.test("collapse() merges axes contiguous for every operand and keeps broadcast axes apart", () => {
  // [4, 5] + [5]: the row operand repeats, so two loops remain
  assert.deepEqual(collapse([4, 5], [[5, 1], [0, 1]]), { dims: [4, 5], strides: [[5, 1], [0, 1]] });
  // [2, 3, 4] contiguous: one loop of 24
  assert.deepEqual(collapse([2, 3, 4], [[12, 4, 1]]), { dims: [24], strides: [[1]] });
  // size-1 axes vanish; a scalar output still gets one loop
  assert.deepEqual(collapse([1, 6, 1], [[6, 1, 1]]), { dims: [6], strides: [[1]] });
  assert.deepEqual(collapse([], [[]]), { dims: [1], strides: [[0]] });
  // a transposed operand blocks merging
  assert.deepEqual(collapse([3, 2], [[1, 3]]), { dims: [3, 2], strides: [[1, 3]] });
});

Deno.test("planSlab() reuses the block of a dead value and never overlaps live ones", () => {
  const steps = [
    { reads: [], writes: [0] },
    { reads: [0], writes: [1] },
    { reads: [1], writes: [2] },
    { reads: [1, 2], writes: [3] },
  ];
  const plan = planSlab(steps, () => 64);
  // slot 0 dies at step 1 (after slot 1 is placed), so slot 2 takes its block; slot 3 needs a third block
  assert.equal(plan.offsets.get(2), plan.offsets.get(0));
  assert.equal(plan.bytes, 192);
  const live = [[1, 2], [1, 3], [2, 3]];
  for (const [a, b] of live) assert.notEqual(plan.offsets.get(a), plan.offsets.get(b));
});

Deno.test("planSlab() ignores slots without a size (inputs, outputs, shared variables)", () => {
  const plan = planSlab([{ reads: [7], writes: [8] }], (s) => (s === 8 ? 128 : undefined));
  assert.deepEqual([...plan.offsets.keys()], [8]);
  assert.equal(plan.bytes, 128);
});
