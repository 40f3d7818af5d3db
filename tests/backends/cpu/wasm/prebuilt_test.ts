import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeBase64, encodeBase64 } from "../../../../backends/cpu/wasm/base64.ts";
import { FIXED_MODULES } from "../../../../backends/cpu/wasm/fixed_modules.ts";
import { DEFAULT_MATMUL_CONFIGS } from "../../../../backends/cpu/wasm/matmul.ts";
import { matmulModuleName } from "../../../../backends/cpu/wasm/matmul_codegen.ts";
import { PREBUILT_MODULES } from "../../../../backends/cpu/wasm/prebuilt.ts";

Deno.test("prebuilt kernel modules are exactly what their generators emit (rerun `deno task prebuild` if not)", () => {
  assert.deepEqual(Object.keys(PREBUILT_MODULES).sort(), Object.keys(FIXED_MODULES).sort());
  for (const [name, build] of Object.entries(FIXED_MODULES)) {
    assert.deepEqual(decodeBase64(PREBUILT_MODULES[name]), build(), name);
    assert.ok(WebAssembly.validate(build() as Uint8Array<ArrayBuffer>), name);
  }
});

Deno.test("every default matmul variant (with and without FMA) ships prebuilt", () => {
  for (const config of Object.values(DEFAULT_MATMUL_CONFIGS)) {
    for (const fma of [true, false]) assert.ok(matmulModuleName({ ...config, fma }) in PREBUILT_MODULES);
  }
});

Deno.test("base64 round-trips any bytes and agrees with btoa", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      const text = encodeBase64(bytes);
      assert.equal(text, btoa(String.fromCharCode(...bytes)));
      assert.deepEqual(decodeBase64(text), bytes);
    }),
  );
});
