import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ByteWriter,
  ModuleBuilder,
  supportsRelaxedSimd,
} from "../../../../backends/cpu/wasm/module_builder.ts";
import { Op, Simd, ValType } from "../../../../backends/cpu/wasm/opcodes.ts";

/** Decodes a LEB128 integer (signed or unsigned) from the start of `bytes`. */
function decodeLeb(bytes: Uint8Array, signed: boolean): number {
  let result = 0n, shift = 0n, byte = 0, i = 0;
  do {
    byte = bytes[i++];
    result |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
  } while (byte & 0x80);
  if (signed && (byte & 0x40)) result -= 1n << shift;
  return Number(result);
}

Deno.test("ByteWriter encodes LEB128 as the spec's examples and round-trips any int32", () => {
  assert.deepEqual(Array.from(new ByteWriter().u32(624485).toBytes()), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(Array.from(new ByteWriter().i32(-123456).toBytes()), [0xc0, 0xbb, 0x78]);
  assert.deepEqual(Array.from(new ByteWriter().i32(64).toBytes()), [0xc0, 0x00]);
  fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (value) => {
    assert.equal(decodeLeb(new ByteWriter().i32(value).toBytes(), true), value);
    assert.equal(decodeLeb(new ByteWriter().u32(value >>> 0).toBytes(), false), value >>> 0);
  }));
});

Deno.test("ModuleBuilder builds a module with memory, imports, locals, loops and SIMD", () => {
  const builder = new ModuleBuilder().importMemory();
  const twice = builder.importFunction("js", "twice", [ValType.f64], [ValType.f64]);
  // sum(ptr, n): Σ twice(f32 values) with a scalar loop.
  const sum = builder.addFunction("sum", [ValType.i32, ValType.i32], [ValType.f64]);
  const total = sum.addLocal(ValType.f64), i = sum.addLocal(ValType.i32);
  sum.block().loop();
  sum.get(i).get(1).op(Op.i32_ge_s).brIf(1);
  sum.get(total).get(0).get(i).i32Const(4).op(Op.i32_mul).op(Op.i32_add).mem(Op.f32_load, 0, 2)
    .op(Op.f64_promote_f32).call(twice).op(Op.f64_add).set(total);
  sum.get(i).i32Const(1).op(Op.i32_add).set(i).br(0);
  sum.end().end().get(total);
  // add4(ptr): ptr[0..4] += 1.5 with f32x4.
  const add4 = builder.addFunction("add4", [ValType.i32], []);
  add4.get(0).get(0).simdMem(Simd.v128_load).f32x4Const(1.5).simd(Simd.f32x4_add).simdMem(Simd.v128_store);

  const memory = new WebAssembly.Memory({ initial: 1 });
  const instance = new WebAssembly.Instance(builder.compile(), {
    env: { memory },
    js: { twice: (x: number) => 2 * x },
  });
  const data = new Float32Array(memory.buffer, 64, 4);
  data.set([1, 2, 3, 4]);
  const exports = instance.exports as { sum(ptr: number, n: number): number; add4(ptr: number): void };
  assert.equal(exports.sum(64, 4), 20);
  exports.add4(64);
  assert.deepEqual(Array.from(data), [2.5, 3.5, 4.5, 5.5]);
});

Deno.test("ModuleBuilder names the reason when the generated code does not validate", () => {
  const builder = new ModuleBuilder();
  builder.addFunction("bad", [], [ValType.i32]).op(Op.f64_add);
  assert.throws(() => builder.compile(), /Generated WebAssembly did not compile/);
  assert.throws(() => builder.importFunction("js", "late", [], []), /after functions/);
});

Deno.test("supportsRelaxedSimd() agrees with WebAssembly.validate", () => {
  assert.equal(typeof supportsRelaxedSimd(), "boolean");
  assert.equal(supportsRelaxedSimd(), supportsRelaxedSimd());
});
