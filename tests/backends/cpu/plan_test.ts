/**
 * Kernel planning: which terms fuse into one loop, which become boundaries, and which matmuls absorb their
 * bias and relu.
 */
import assert from "node:assert/strict";
import * as T from "../../../cas/api.ts";
import "../../../cas/shared.ts";
import { planKernels, type PlanNode } from "../../../backends/cpu/plan.ts";

const kinds = (nodes: readonly PlanNode[]) =>
  nodes.map((n) => n.kind).filter((k) => k !== "input" && k !== "const");

Deno.test("planKernels() fuses softplus(a) * b + c into one elementwise kernel", () => {
  const [a, b, c] = ["a", "b", "c"].map((n) => T.vector(n));
  const plan = planKernels([a, b, c], [T.add(T.mul(T.softplus(a), b), c)]);
  assert.deepEqual(kinds(plan.nodes), ["elementwise"]);
  const node = plan.nodes.find((n) => n.kind === "elementwise")!;
  assert.equal(node.kind === "elementwise" && node.operands.length, 3);
});

Deno.test("planKernels() makes a term used by two separate kernels a boundary", () => {
  const x = T.matrix("x");
  const e = T.exp(x);
  const plan = planKernels([x], [T.sum(e, 1), T.max(e, 0)]);
  assert.deepEqual(kinds(plan.nodes), ["elementwise", "reduce", "reduce"]);
});

Deno.test("planKernels() computes a shared subterm once inside one kernel", () => {
  const x = T.vector("x");
  const e = T.exp(x);
  const plan = planKernels([x], [T.add(T.mul(e, e), e)]);
  assert.deepEqual(kinds(plan.nodes), ["elementwise"]);
});

Deno.test("planKernels() does not recompute a broadcast producer per element", () => {
  const x = T.matrix("x"), b = T.vector("b");
  const plan = planKernels([x, b], [T.add(x, T.exp(b))]);
  assert.deepEqual(kinds(plan.nodes), ["elementwise", "elementwise"]);
});

Deno.test("planKernels() fuses the elementwise producer of a reduction", () => {
  const x = T.matrix("x"), y = T.matrix("y");
  const plan = planKernels([x, y], [T.logsumexp(T.mul(x, y), 1)]);
  assert.deepEqual(kinds(plan.nodes), ["reduce"]);
});

Deno.test("planKernels() turns relu(matmul(x, w) + b) into one matmul with a bias and relu epilogue", () => {
  const x = T.matrix("x"), w = T.matrix("w"), b = T.vector("b");
  const plan = planKernels([x, w, b], [T.relu(T.add(T.matmul(x, w), b))]);
  assert.deepEqual(kinds(plan.nodes), ["matmul"]);
  const node = plan.nodes.find((n) => n.kind === "matmul")!;
  assert.ok(node.kind === "matmul" && node.relu && node.bias === b);
});

Deno.test("planKernels() keeps the bias add separate when the matmul result is used elsewhere", () => {
  const x = T.matrix("x"), w = T.matrix("w"), b = T.vector("b");
  const m = T.matmul(x, w);
  const plan = planKernels([x, w, b], [T.add(m, b), T.sum(m)]);
  assert.deepEqual(kinds(plan.nodes), ["matmul", "elementwise", "reduce"]);
});

Deno.test("planKernels() turns D − c·matmul(a, b) (an SGD step) into one matmul with scale and addend", () => {
  const x = T.matrix("x"), g = T.matrix("g"), w = T.tensor("w", { shape: [4, 3] });
  const step = T.sub(w, T.mul(0.1, T.matmul(T.transpose(x), g)));
  const plan = planKernels([x, g, w], [step]);
  assert.deepEqual(kinds(plan.nodes), ["view", "matmul"]);
  const node = plan.nodes.find((n) => n.kind === "matmul")!;
  assert.ok(node.kind === "matmul" && node.addend === w && Math.abs(node.scale! + 0.1) < 1e-8);
  // D + c·P in either order, and a product read elsewhere too stays separate
  const plus = planKernels([x, g, w], [T.add(T.mul(T.matmul(T.transpose(x), g), 2), w)]);
  assert.deepEqual(kinds(plus.nodes), ["view", "matmul"]);
  const shared = T.matmul(T.transpose(x), g);
  const apart = planKernels([x, g, w], [T.sub(w, T.mul(0.1, shared)), T.sum(shared)]);
  assert.ok(apart.nodes.some((n) => n.kind === "elementwise"));
  // an addend that is broadcast (a row) is a bias, not an addend
  const row = T.tensor("r", { shape: [1, 3] });
  const broadcast = planKernels([x, g, row], [T.sub(row, T.mul(0.1, T.matmul(T.transpose(x), g)))]);
  assert.ok(!broadcast.nodes.some((n) => n.kind === "matmul" && n.addend));
});

Deno.test("planKernels() runs a scaled product read by two sums once (momentum SGD: v' and W + v')", () => {
  const x = T.matrix("x"), g = T.matrix("g"), w = T.tensor("w", { shape: [4, 3] });
  const v = T.tensor("v", { shape: [4, 3] });
  const scaled = T.mul(-0.1, T.matmul(T.transpose(x), g));
  const plan = planKernels([x, g, w, v], [
    T.add(T.mul(v, 0.9), scaled),
    T.add(T.add(w, T.mul(v, 0.9)), scaled),
  ]);
  assert.equal(plan.nodes.filter((n) => n.kind === "matmul").length, 1, JSON.stringify(kinds(plan.nodes)));
});

Deno.test("planKernels() treats transposes, slices and reshapes as views", () => {
  const x = T.matrix("x");
  const plan = planKernels([x], [T.exp(T.reshape(T.slice(T.transpose(x), 1), [-1]))]);
  assert.deepEqual(kinds(plan.nodes), ["view", "view", "view", "elementwise"]);
});
