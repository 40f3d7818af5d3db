/**
 * The fixed kernel modules whose bytes ship prebuilt (`deno task prebuild` writes them to `prebuilt.ts`; a test
 * checks that the shipped bytes equal what these builders emit). Not imported at run time.
 * @module
 */
import { DEFAULT_MATMUL_CONFIGS } from "./matmul.ts";
import { matmulModuleBytes, matmulModuleName } from "./matmul_codegen.ts";
import { REDUCE_ROWS_MODULE, reduceRowsModuleBytes } from "./reduce_rows.ts";
import { softmaxModuleBytes, softmaxModuleName } from "./softmax.ts";

/**
 * Every prebuilt module: its name (as `fixedExports` is asked for it) and its builder.
 *
 * @example
 * ```ts
 * import { FIXED_MODULES } from "./fixed_modules.ts";
 * Object.keys(FIXED_MODULES).length > 0; // true
 * ```
 */
export const FIXED_MODULES: Readonly<Record<string, () => Uint8Array>> = Object.fromEntries([
  ...Object.values(DEFAULT_MATMUL_CONFIGS).flatMap((config) =>
    [true, false].map((fma) => {
      const shape = { ...config, fma };
      return [matmulModuleName(shape), () => matmulModuleBytes(shape)] as const;
    })
  ),
  [REDUCE_ROWS_MODULE, reduceRowsModuleBytes] as const,
  ...[true, false].map((fma) => [softmaxModuleName(fma), () => softmaxModuleBytes(fma)] as const),
]);
