/**
 * Pictures of terms, like Theano's `pydotprint`: the term as a Graphviz graph (ops, dtypes and shapes; a shared
 * subterm drawn once), optionally with groups of nodes boxed (the fused kernels of a compiled function), and
 * rendered to SVG with a WebAssembly build of Graphviz (no native code).
 * @module
 */
import { formatShape } from "./shape.ts";
import { type Term, topoSort } from "./term.ts";
import type { OpAttrs } from "./ops/types.ts";

/** Options of `toDot`. */
export interface DotOptions {
  /** A caption drawn above the graph. */
  readonly title?: string;
  /** Groups of terms drawn inside a box each, e.g. the terms one fused kernel computes. */
  readonly groups?: readonly (readonly Term[])[];
  /** Label each group's box (defaults to "kernel 1", "kernel 2", …). */
  readonly groupLabels?: readonly string[];
  /**
   * Which way data flows: `"LR"` (default) inputs on the left, the output on the right; `"BT"` inputs at the
   * bottom, as in Theano's `pydotprint`. Left to right keeps box labels clear of the edges.
   */
  readonly direction?: "LR" | "BT" | "TB" | "RL";
}

/** Escapes text for a double-quoted DOT string (user names are identifiers, but nothing is trusted here). */
function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function nodeLabel(t: Term): string {
  const type = `${t.dtype} ${formatShape(t.shape)}`;
  switch (t.op) {
    case "var":
      return `${(t.attrs as OpAttrs["var"]).name}\n${type}`;
    case "shared":
      return `${(t.attrs as OpAttrs["shared"]).slot.name} (shared)\n${type}`;
    case "const": {
      const v = (t.attrs as OpAttrs["const"]).value;
      return `${v.size <= 4 ? String(t) : "constant"}\n${type}`;
    }
    default: {
      const attrs = attrText(t.attrs as Readonly<Record<string, unknown>>);
      return `${t.op}${attrs === "" ? "" : ` ${attrs}`}\n${type}`;
    }
  }
}

/** Attributes as `axes=[0,1] keepdims`: a true flag by its name, a false one left out, unknown sizes as `?`. */
function attrText(attrs: Readonly<Record<string, unknown>>): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== false && v !== undefined)
    .map(([k, v]) => {
      if (v === true) return k;
      const text = JSON.stringify(v) ?? String(v);
      return `${k}=${k === "shape" ? text.replace(/null/g, "?") : text}`;
    })
    .join(" ");
}

function nodeStyle(t: Term): string {
  if (t.op === "var") return 'shape=ellipse, style=filled, fillcolor="#d8e8ff"';
  if (t.op === "shared") return 'shape=ellipse, style=filled, fillcolor="#ffe8c0"';
  if (t.op === "const") return "shape=plaintext";
  return 'shape=box, style="rounded,filled", fillcolor="#f4f4f4"';
}

/**
 * The DOT text of one or more terms: one node per distinct subterm, edges from arguments to their op.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const x = T.vector("x");
 * const dot = T.toDot(T.log(T.add(1, T.exp(x))));
 * dot.includes("exp"); // true
 * ```
 */
export function toDot(roots: Term | readonly Term[], options: DotOptions = {}): string {
  const list = Array.isArray(roots) ? roots as readonly Term[] : [roots as Term];
  const order = topoSort(list);
  const id = new Map(order.map((t, i) => [t, `n${i}`]));
  const lines = [
    "digraph term {",
    `  rankdir=${options.direction ?? "LR"};`,
    '  graph [fontname="Helvetica", fontsize=13];',
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica"];',
  ];
  if (options.title) lines.push(`  labelloc=t; label=${quote(options.title)};`);
  const grouped = new Set<Term>();
  (options.groups ?? []).forEach((group, g) => {
    const label = options.groupLabels?.[g] ?? `kernel ${g + 1}`;
    lines.push(
      `  subgraph cluster_${g} {`,
      `    label=${quote(label)}; style="dashed,rounded"; color="#4060c0"; fontcolor="#4060c0"; fontsize=10;`,
    );
    for (const t of group) {
      if (id.has(t) && !grouped.has(t)) {
        grouped.add(t);
        lines.push(`    ${id.get(t)} [label=${quote(nodeLabel(t))}, ${nodeStyle(t)}];`);
      }
    }
    lines.push("  }");
  });
  for (const t of order) {
    if (!grouped.has(t)) lines.push(`  ${id.get(t)} [label=${quote(nodeLabel(t))}, ${nodeStyle(t)}];`);
  }
  for (const t of order) {
    t.args.forEach((a, i) => {
      const label = t.args.length > 1 ? ` [label=${quote(String(i))}, fontsize=9]` : "";
      lines.push(`  ${id.get(a)} -> ${id.get(t)}${label};`);
    });
  }
  list.forEach((r, i) => {
    lines.push(`  out${i} [label=${quote(list.length > 1 ? `output ${i}` : "output")}, shape=plaintext];`);
    lines.push(`  ${id.get(r)} -> out${i} [style=dotted];`);
  });
  lines.push("}");
  return lines.join("\n");
}

// Graphviz's WebAssembly instance, created on first use (it takes ~40 ms) and reused.
let vizInstance: Promise<{ renderString(dot: string, options: { format: string }): string }> | undefined;

/**
 * The SVG picture of one or more terms (see `toDot`), rendered by `npm:@viz-js/viz`.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const svg = await T.toSvg(T.softplus(T.vector("x")));
 * svg.startsWith("<?xml"); // true
 * ```
 */
export async function toSvg(roots: Term | readonly Term[], options: DotOptions = {}): Promise<string> {
  vizInstance ??= import("@viz-js/viz").then((m) => m.instance());
  const viz = await vizInstance;
  return viz.renderString(toDot(roots, options), { format: "svg" });
}
