import assert from "node:assert/strict";
import * as T from "../../mod.ts";
import { cpuKernelGroups } from "../../cli/kernel_groups.ts";

Deno.test("cpuKernelGroups() boxes a fused elementwise chain as one kernel", () => {
  const x = T.vector("x");
  const e = T.exp(x);
  const y = T.mul(e, 2);
  const { groups, groupLabels } = cpuKernelGroups({ inputs: [x], roots: [y] });
  assert.equal(groups.length, 1);
  assert.deepEqual(new Set(groups[0]), new Set([y, e]));
  assert.equal(groupLabels[0], "kernel 1: elementwise, 2 ops fused");
});

Deno.test("cpuKernelGroups() keeps leaves outside and gives a matmul its bias and relu", () => {
  const X = T.matrix("X"), W = T.matrix("W"), b = T.vector("b");
  const m = T.matmul(X, W);
  const h = T.relu(T.add(m, b));
  const loss = T.sum(T.mul(h, h));
  const { groups, groupLabels } = cpuKernelGroups({ inputs: [X, W, b], roots: [loss] });
  const all = groups.flat();
  for (const leaf of [X, W, b]) assert.ok(!all.includes(leaf));
  const matmulGroup = groups.find((g) => g.includes(m));
  assert.ok(matmulGroup && matmulGroup.includes(h), groupLabels.join("; "));
  // each term is computed by one kernel only
  assert.equal(new Set(all).size, all.length);
});
