import assert from "node:assert/strict";
import "../../cas/print.ts";
import * as T from "../../cas/api.ts";
import { toDot, toSvg } from "../../cas/dot.ts";

/** A softmax written by hand: `exp(x)` is used twice but is one subterm. */
function handSoftmax() {
  const x = T.vector("x", "float64");
  const e = T.exp(x);
  const sum = T.sum(e);
  return { x, e, sum, y: T.div(e, sum) };
}

/** The SVG's nodes as title → text lines, and its edges as "from->to" titles. */
function readSvg(svg: string): { nodes: Map<string, string[]>; edges: string[]; clusters: string[][] } {
  const unescape = (s: string) =>
    s.replace(/&#45;/g, "-").replace(/&gt;/g, ">").replace(/&lt;/g, "<").replace(/&quot;/g, '"').replace(
      /&amp;/g,
      "&",
    );
  const groups = [...svg.matchAll(/<g id="[^"]*" class="(node|edge|cluster)">([\s\S]*?)<\/g>/g)];
  const nodes = new Map<string, string[]>();
  const edges: string[] = [];
  const clusters: string[][] = [];
  for (const [, kind, body] of groups) {
    const title = unescape(/<title>(.*?)<\/title>/.exec(body)![1]);
    const texts = [...body.matchAll(/<text[^>]*>(.*?)<\/text>/g)].map((m) => unescape(m[1]));
    if (kind === "node") nodes.set(title, texts);
    else if (kind === "edge") edges.push(title);
    else clusters.push(texts);
  }
  return { nodes, edges, clusters };
}

Deno.test("toDot() draws a shared subterm once and one edge per argument", () => {
  const { y } = handSoftmax();
  const dot = toDot(y);
  const nodeLines = dot.split("\n").filter((l) => /^\s+n\d+ \[label=/.test(l));
  assert.equal(nodeLines.length, 4); // x, exp, sum, div: exp(x) appears once although div and sum both read it
  assert.equal(nodeLines.filter((l) => l.includes('"exp\\n')).length, 1);
  const edgeLines = dot.split("\n").filter((l) => /^\s+n\d+ -> n\d+/.test(l));
  assert.equal(edgeLines.length, 4); // x→exp, exp→sum, exp→div, sum→div
});

Deno.test("toSvg() renders the nodes, labels and edges of a known term", async () => {
  const { y } = handSoftmax();
  const svg = await toSvg(y, { title: "softmax by hand" });
  assert.match(svg, /^<\?xml/);
  assert.match(svg, /<\/svg>\s*$/);
  const { nodes, edges } = readSvg(svg);
  const labels = [...nodes.values()].map((lines) => lines.join(" | "));
  assert.deepEqual(labels.filter((l) => !l.startsWith("output")).sort(), [
    "div | float64 [?]",
    "exp | float64 [?]",
    "sum axes=[0] | float64 []",
    "x | float64 [?]",
  ]);
  // the dotted edge to the output marker, plus the four argument edges (exp → div and exp → sum both start at exp)
  assert.equal(edges.length, 5);
  const byLabel = new Map([...nodes].map(([id, lines]) => [lines[0], id]));
  for (const [from, to] of [["x", "exp"], ["exp", "sum axes=[0]"], ["exp", "div"], ["sum axes=[0]", "div"]]) {
    assert.ok(edges.includes(`${byLabel.get(from)}->${byLabel.get(to)}`), `edge ${from} -> ${to}`);
  }
  assert.ok(svg.includes("softmax by hand"));
});

Deno.test("toSvg() boxes groups of terms (fused kernels) in labelled clusters", async () => {
  const { x, e, sum, y } = handSoftmax();
  const svg = await toSvg(y, { groups: [[e, sum], [y]], groupLabels: ["reduce kernel"] });
  const { nodes, clusters } = readSvg(svg);
  assert.equal(clusters.length, 2);
  assert.deepEqual(clusters.map((texts) => texts[0]), ["reduce kernel", "kernel 2"]);
  assert.equal(nodes.size, 5); // grouping draws nodes inside boxes, never twice
  const dot = toDot(y, { groups: [[e, sum], [x, e]] });
  assert.equal(dot.split("\n").filter((l) => l.includes('"exp\\n')).length, 1); // a term in two groups: first wins
});

Deno.test("toDot() marks every output of a multi-output picture", () => {
  const { e, sum } = handSoftmax();
  const dot = toDot([e, sum]);
  assert.ok(dot.includes('"output 0"') && dot.includes('"output 1"'));
});

Deno.test("toDot() escapes quotes and backslashes in titles", async () => {
  const x = T.scalar("x", "float64");
  const title = 'say "hi" \\ bye';
  const dot = toDot(T.exp(x), { title });
  assert.ok(dot.includes('label="say \\"hi\\" \\\\ bye"'));
  const svg = await toSvg(T.exp(x), { title });
  assert.ok(svg.includes("say &quot;hi&quot; \\ bye") || svg.includes('say "hi" \\ bye'));
});
