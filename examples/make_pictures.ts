/**
 * Draws the pictures of the README: the crossentropy of a softmax as users write it, the same after the optimizer
 * (`z − logsumexp z` instead of `log(softmax z)`), and the compiled function with its fused CPU kernels boxed.
 * Writes SVG (Graphviz compiled to WebAssembly) and PNG (resvg compiled to WebAssembly) into docs/images/.
 * `deno run --allow-read --allow-write --allow-env examples/make_pictures.ts [folder]`
 * @module
 */
import { createRequire } from "node:module";
// deno-lint-ignore no-import-prefix -- a tool for the docs only; the library itself does not depend on it
import { initWasm, Resvg } from "npm:@resvg/resvg-wasm@2.6.2";
import * as T from "../mod.ts";
import { cpuKernelGroups } from "../cli/kernel_groups.ts";

const folder = Deno.args[0] ?? new URL("../docs/images", import.meta.url).pathname;
await Deno.mkdir(folder, { recursive: true });

// the model's last layer: logits z for a batch, one-hot targets t
const z = T.matrix("z"), t = T.matrix("t");
const loss = T.mean(T.categoricalCrossentropy(T.softmax(z), t));
const optimized = T.simplify(loss);
const compiled = T.compile([z, t], loss);

const pictures: [name: string, svg: string][] = [
  ["crossentropy_before", await T.toSvg(loss, { title: `as written: ${loss}` })],
  ["crossentropy_after", await T.toSvg(optimized, { title: `optimized: ${optimized}` })],
  [
    "crossentropy_kernels",
    await T.toSvg(compiled.plan.roots, {
      title: "compiled for the CPU: fused kernels",
      ...cpuKernelGroups(compiled.plan),
    }),
  ],
];

/**
 * A TrueType font for the PNGs' text (WebAssembly resvg cannot see system fonts). Graphviz sizes boxes with
 * Helvetica's widths; DejaVu Sans Condensed and Arial are about as wide, so text fits its box.
 */
function findFont(): { data: Uint8Array; family: string } | undefined {
  const candidates: [path: string, family: string][] = [
    ["/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf", "DejaVu Sans Condensed"],
    ["/usr/share/fonts/TTF/DejaVuSansCondensed.ttf", "DejaVu Sans Condensed"],
    ["/usr/share/fonts/dejavu/DejaVuSansCondensed.ttf", "DejaVu Sans Condensed"],
    ["/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "Liberation Sans"],
    ["/Library/Fonts/Arial.ttf", "Arial"],
    ["/System/Library/Fonts/Supplemental/Arial.ttf", "Arial"],
    ["C:\\Windows\\Fonts\\arial.ttf", "Arial"],
    ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVu Sans"],
  ];
  for (const [path, family] of candidates) {
    try {
      return { data: Deno.readFileSync(path), family };
    } catch {
      // try the next one
    }
  }
  return undefined;
}

const font = findFont();
if (font) {
  const wasm = createRequire(import.meta.url).resolve("@resvg/resvg-wasm/index_bg.wasm");
  await initWasm(Deno.readFileSync(wasm));
} else {
  console.log("no TrueType font found (DejaVu Sans, Liberation Sans or Arial): writing SVG only");
}
for (const [name, svg] of pictures) {
  await Deno.writeTextFile(`${folder}/${name}.svg`, svg);
  console.log(`wrote ${folder}/${name}.svg`);
  if (!font) continue;
  const png = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: 1.5 },
    font: { fontBuffers: [font.data], defaultFontFamily: font.family, loadSystemFonts: false },
  }).render().asPng();
  await Deno.writeFile(`${folder}/${name}.png`, png);
  console.log(`wrote ${folder}/${name}.png`);
}
