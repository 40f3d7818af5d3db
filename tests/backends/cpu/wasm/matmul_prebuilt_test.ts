import assert from "node:assert/strict";
import { decodeBase64, encodeBase64 } from "../../../../backends/cpu/wasm/base64.ts";
import { DEFAULT_MATMUL_CONFIGS } from "../../../../backends/cpu/wasm/matmul.ts";
import { matmulModuleBytes, matmulShapeKey } from "../../../../backends/cpu/wasm/matmul_codegen.ts";
import { PREBUILT_MATMUL_MODULES } from "../../../../backends/cpu/wasm/matmul_prebuilt.ts";
import fc from "fast-check";

Deno.test("prebuilt matmul modules are exactly what the generator emits (rerun `deno task prebuild` if not)", () => {
  const expected = Object.values(DEFAULT_MATMUL_CONFIGS).flatMap((config) =>
    [true, false].map((fma) => ({ ...config, fma }))
  );
  assert.deepEqual(Object.keys(PREBUILT_MATMUL_MODULES).sort(), expected.map(matmulShapeKey).sort());
  for (const shape of expected) {
    const shipped = decodeBase64(PREBUILT_MATMUL_MODULES[matmulShapeKey(shape)]);
    assert.deepEqual(shipped, matmulModuleBytes(shape), matmulShapeKey(shape));
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
