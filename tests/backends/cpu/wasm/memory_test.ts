import assert from "node:assert/strict";
import fc from "fast-check";
import { sizeClass, WasmArena } from "../../../../backends/cpu/wasm/memory.ts";

Deno.test("sizeClass() rounds up by at most a quarter, to multiples of 16", () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 30 }), (bytes) => {
    const size = sizeClass(bytes);
    assert.ok(size >= bytes && size % 16 === 0);
    assert.ok(size <= Math.max(16, bytes * 1.25 + 16), `${bytes} → ${size}`);
  }));
});

Deno.test("WasmArena.alloc() returns aligned, disjoint blocks and reuses freed ones", () => {
  const arena = new WasmArena(65536);
  const blocks = [3, 16, 100, 1000, 4096].map((bytes) => ({ bytes, ptr: arena.alloc(bytes, 64) }));
  for (const { ptr } of blocks) assert.equal(ptr % 64, 0);
  const sorted = [...blocks].sort((a, b) => a.ptr - b.ptr);
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i].ptr >= sorted[i - 1].ptr + sorted[i - 1].bytes);
  assert.ok(blocks.every(({ ptr }) => ptr > 0), "offset 0 is never handed out");
  arena.free(blocks[3].ptr);
  assert.equal(arena.alloc(990), blocks[3].ptr, "a freed block serves the same size class");
  assert.throws(() => arena.free(12345), /not a live allocation/);
  assert.throws(() => arena.alloc(10, 3), /power of 2/);
});

Deno.test("WasmArena grows the memory, keeps the data, and views see the new buffer", () => {
  const arena = new WasmArena(65536);
  const first = arena.alloc(16);
  arena.f32View(first, 4).set([1, 2, 3, 4]);
  const before = arena.capacity;
  const big = arena.alloc(before * 3);
  assert.ok(arena.capacity >= before * 3);
  assert.deepEqual(Array.from(arena.f32View(first, 4)), [1, 2, 3, 4]);
  arena.f64View(big, 2).set([5, 6]);
  assert.deepEqual(Array.from(arena.f64View(big, 2)), [5, 6]);
  assert.equal(arena.view("bool", first, 1).constructor, Uint8Array);
  assert.equal(arena.view("int32", first, 1).constructor, Int32Array);
});

Deno.test("WasmArena.reset() forgets every block and allocCopy() copies typed arrays in", () => {
  const arena = new WasmArena(65536);
  const ptr = arena.allocCopy(new Int32Array([7, -8, 9]));
  assert.deepEqual(Array.from(arena.i32View(ptr, 3)), [7, -8, 9]);
  assert.ok(arena.bytesInUse > 0);
  arena.reset();
  assert.equal(arena.bytesInUse, 0);
  assert.throws(() => arena.free(ptr));
  assert.equal(arena.alloc(12), ptr, "the bump pointer starts over");
});
