/**
 * A small typed emitter of WebAssembly binaries, written for the kernels this backend generates at run time:
 * one imported memory (`env.memory`), imported JS functions, and functions with locals, structured control,
 * scalar and SIMD instructions. It writes bytes directly (no text format, no dependencies).
 * @module
 */
import { Op, Simd, type SimdOp, ValType } from "./opcodes.ts";
import type { MemoryLimits } from "./memory.ts";

/** A growable byte buffer with the encodings the binary format uses (LEB128, IEEE floats). */
export class ByteWriter {
  private bytes = new Uint8Array(256);
  /** The number of bytes written. */
  length = 0;

  /** Appends one byte. */
  byte(value: number): this {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = value & 0xff;
    return this;
  }

  /** Appends bytes in order. */
  append(values: ArrayLike<number>): this {
    for (let i = 0; i < values.length; i++) this.byte(values[i]);
    return this;
  }

  /** Appends an unsigned LEB128 integer (up to 2^32 - 1). */
  u32(value: number): this {
    let rest = value >>> 0;
    do {
      const low = rest & 0x7f;
      rest >>>= 7;
      this.byte(rest === 0 ? low : low | 0x80);
    } while (rest !== 0);
    return this;
  }

  /** Appends a signed LEB128 integer (int32 range). */
  i32(value: number): this {
    let rest = value | 0;
    for (;;) {
      const low = rest & 0x7f;
      rest >>= 7;
      const done = (rest === 0 && (low & 0x40) === 0) || (rest === -1 && (low & 0x40) !== 0);
      this.byte(done ? low : low | 0x80);
      if (done) return this;
    }
  }

  /** Appends a float32 in little-endian IEEE format. */
  f32(value: number): this {
    return this.append(new Uint8Array(new Float32Array([value]).buffer));
  }

  /** Appends a float64 in little-endian IEEE format. */
  f64(value: number): this {
    return this.append(new Uint8Array(new Float64Array([value]).buffer));
  }

  /** Appends a length-prefixed UTF-8 name. */
  name(text: string): this {
    const utf8 = new TextEncoder().encode(text);
    return this.u32(utf8.length).append(utf8);
  }

  /** Appends another writer's bytes prefixed by their length (how sections and bodies are framed). */
  sized(inner: ByteWriter): this {
    return this.u32(inner.length).append(inner.toBytes());
  }

  /** A copy of the bytes written. */
  toBytes(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** The signature of a function: parameter and result types. */
export interface FunctionType {
  /** Parameter types. */
  readonly params: readonly ValType[];
  /** Result types. */
  readonly results: readonly ValType[];
}

/** Emits the body of one function: locals and instructions. Methods return `this` so code reads in order. */
export class FunctionBuilder {
  /** The instruction bytes written so far (without the final `end`). */
  readonly code: ByteWriter = new ByteWriter();
  /**
   * Instructions that run before `code` (e.g. constants hoisted into locals, written while the body is
   * emitted). V8 re-materializes a `v128.const` at every use inside a loop, with three instructions.
   */
  readonly prologue: ByteWriter = new ByteWriter();
  private readonly localTypes: ValType[] = [];

  /** `index` is the function's index in the module's function space (after imported functions). */
  constructor(readonly index: number, readonly type: FunctionType, readonly exportName?: string) {}

  /** Declares a new local and returns its index (parameters come first). */
  addLocal(type: ValType): number {
    this.localTypes.push(type);
    return this.type.params.length + this.localTypes.length - 1;
  }

  /** Emits one core opcode with no immediates. */
  op(opcode: number): this {
    this.code.byte(opcode);
    return this;
  }

  /** `local.get`. */
  get(local: number): this {
    this.code.byte(Op.local_get).u32(local);
    return this;
  }

  /** `local.set`. */
  set(local: number): this {
    this.code.byte(Op.local_set).u32(local);
    return this;
  }

  /** `local.tee`. */
  tee(local: number): this {
    this.code.byte(Op.local_tee).u32(local);
    return this;
  }

  /** `i32.const`. */
  i32Const(value: number): this {
    this.code.byte(Op.i32_const).i32(value);
    return this;
  }

  /** `f32.const`. */
  f32Const(value: number): this {
    this.code.byte(Op.f32_const).f32(value);
    return this;
  }

  /** `f64.const`. */
  f64Const(value: number): this {
    this.code.byte(Op.f64_const).f64(value);
    return this;
  }

  /** A scalar load or store with its memory immediate (alignment as log2 bytes, constant byte offset). */
  mem(opcode: number, offset = 0, alignLog2 = 0): this {
    this.code.byte(opcode).u32(alignLog2).u32(offset);
    return this;
  }

  /** `call` of a function index (imports first). */
  call(functionIndex: number): this {
    this.code.byte(Op.call).u32(functionIndex);
    return this;
  }

  /** Opens a `block` (with an optional result type). */
  block(result?: ValType): this {
    this.code.byte(Op.block).byte(result ?? 0x40);
    return this;
  }

  /** Opens a `loop`. */
  loop(): this {
    this.code.byte(Op.loop).byte(0x40);
    return this;
  }

  /** Opens an `if` (with an optional result type). */
  if(result?: ValType): this {
    this.code.byte(Op.if).byte(result ?? 0x40);
    return this;
  }

  /** `else` of the innermost `if`. */
  else(): this {
    this.code.byte(Op.else);
    return this;
  }

  /** Closes the innermost block, loop or if. */
  end(): this {
    this.code.byte(Op.end);
    return this;
  }

  /** `br` to the label `depth` levels out. */
  br(depth: number): this {
    this.code.byte(Op.br).u32(depth);
    return this;
  }

  /** `br_if` to the label `depth` levels out. */
  brIf(depth: number): this {
    this.code.byte(Op.br_if).u32(depth);
    return this;
  }

  /** A SIMD instruction with no immediates. */
  simd(opcode: SimdOp): this {
    this.code.byte(0xfd).u32(opcode);
    return this;
  }

  /** A SIMD load or store (memory immediate). */
  simdMem(opcode: SimdOp, offset = 0, alignLog2 = 0): this {
    this.code.byte(0xfd).u32(opcode).u32(alignLog2).u32(offset);
    return this;
  }

  /** A SIMD extract/replace lane instruction. */
  simdLane(opcode: SimdOp, lane: number): this {
    this.code.byte(0xfd).u32(opcode).byte(lane);
    return this;
  }

  /** A SIMD load/store of one lane (memory immediate, then the lane). */
  simdMemLane(opcode: SimdOp, lane: number, offset = 0, alignLog2 = 0): this {
    this.code.byte(0xfd).u32(opcode).u32(alignLog2).u32(offset).byte(lane);
    return this;
  }

  /** `v128.const` from 16 raw bytes. */
  v128Const(bytes: ArrayLike<number>): this {
    if (bytes.length !== 16) throw new RangeError(`v128.const needs 16 bytes, got ${bytes.length}`);
    this.code.byte(0xfd).u32(Simd.v128_const).append(bytes);
    return this;
  }

  /** `v128.const` holding four float32 lanes. */
  f32x4Const(a: number, b = a, c = a, d = a): this {
    return this.v128Const(new Uint8Array(new Float32Array([a, b, c, d]).buffer));
  }

  /** `v128.const` holding two float64 lanes. */
  f64x2Const(a: number, b = a): this {
    return this.v128Const(new Uint8Array(new Float64Array([a, b]).buffer));
  }

  /** `v128.const` holding four int32 lanes. */
  i32x4Const(a: number, b = a, c = a, d = a): this {
    return this.v128Const(new Uint8Array(new Int32Array([a, b, c, d]).buffer));
  }

  /** `i8x16.shuffle` of the two vectors on the stack, picking bytes 0–31. */
  shuffle(lanes: ArrayLike<number>): this {
    if (lanes.length !== 16) throw new RangeError(`i8x16.shuffle needs 16 lane indices, got ${lanes.length}`);
    this.code.byte(0xfd).u32(Simd.i8x16_shuffle).append(lanes);
    return this;
  }

  /** The encoded body: local declarations (run-length grouped), instructions, final `end`. */
  encodeBody(): ByteWriter {
    const groups: [number, ValType][] = [];
    for (const type of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === type) last[0]++;
      else groups.push([1, type]);
    }
    const body = new ByteWriter().u32(groups.length);
    for (const [count, type] of groups) body.u32(count).byte(type);
    body.append(this.prologue.toBytes()).append(this.code.toBytes()).byte(Op.end);
    return body;
  }
}

interface FunctionImport {
  readonly module: string;
  readonly name: string;
  readonly typeIndex: number;
}

/**
 * Collects imports and functions and writes the module binary. Imports must be declared before functions,
 * because imported functions take the first function indices.
 *
 * @example
 * ```ts
 * import { ModuleBuilder } from "./module_builder.ts";
 * import { Op, ValType } from "./opcodes.ts";
 * const builder = new ModuleBuilder();
 * const add = builder.addFunction("add", [ValType.i32, ValType.i32], [ValType.i32]);
 * add.get(0).get(1).op(Op.i32_add);
 * const instance = new WebAssembly.Instance(builder.compile());
 * (instance.exports.add as (a: number, b: number) => number)(2, 3); // 5
 * ```
 */
export class ModuleBuilder {
  private readonly types: FunctionType[] = [];
  private readonly functionImports: FunctionImport[] = [];
  private memoryImport?: { module: string; name: string; minPages: number; limits?: MemoryLimits };
  private readonly functions: FunctionBuilder[] = [];

  /**
   * Imports a memory: declared with no maximum, so any unshared memory of at least `minPages` pages fits; or,
   * with shared `limits`, a shared memory of that maximum (as the arenas make, see `ARENA_MEMORY`).
   */
  importMemory(module = "env", name = "memory", minPages = 0, limits?: MemoryLimits): this {
    this.memoryImport = { module, name, minPages, limits };
    return this;
  }

  /** Imports a function and returns its function index. */
  importFunction(module: string, name: string, params: ValType[], results: ValType[]): number {
    if (this.functions.length > 0) throw new Error("Cannot import a function after functions were added");
    this.functionImports.push({ module, name, typeIndex: this.typeIndex({ params, results }) });
    return this.functionImports.length - 1;
  }

  /** Adds a function (exported under `exportName` when given) and returns its builder. */
  addFunction(exportName: string | undefined, params: ValType[], results: ValType[]): FunctionBuilder {
    const index = this.functionImports.length + this.functions.length;
    const builder = new FunctionBuilder(index, { params, results }, exportName);
    this.typeIndex(builder.type);
    this.functions.push(builder);
    return builder;
  }

  /** The binary module. */
  build(): Uint8Array {
    const out = new ByteWriter().append([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const section = (id: number, content: ByteWriter) => out.byte(id).sized(content);

    const types = new ByteWriter().u32(this.types.length);
    for (const type of this.types) {
      types.byte(0x60).u32(type.params.length).append(type.params);
      types.u32(type.results.length).append(type.results);
    }
    section(1, types);

    const importCount = this.functionImports.length + (this.memoryImport ? 1 : 0);
    if (importCount > 0) {
      const imports = new ByteWriter().u32(importCount);
      if (this.memoryImport) {
        const { module, name, minPages, limits } = this.memoryImport;
        imports.name(module).name(name).byte(0x02);
        if (limits?.shared) imports.byte(0x03).u32(minPages).u32(limits.maxPages);
        else imports.byte(0x00).u32(minPages);
      }
      for (const { module, name, typeIndex } of this.functionImports) {
        imports.name(module).name(name).byte(0x00).u32(typeIndex);
      }
      section(2, imports);
    }

    const declarations = new ByteWriter().u32(this.functions.length);
    for (const fn of this.functions) declarations.u32(this.typeIndex(fn.type));
    section(3, declarations);

    const exported = this.functions.filter((fn) => fn.exportName !== undefined);
    const exports = new ByteWriter().u32(exported.length);
    for (const fn of exported) exports.name(fn.exportName!).byte(0x00).u32(fn.index);
    section(7, exports);

    const code = new ByteWriter().u32(this.functions.length);
    for (const fn of this.functions) code.sized(fn.encodeBody());
    section(10, code);
    return out.toBytes();
  }

  /** Builds and compiles the module, naming the validation error when the bytes are rejected. */
  compile(): WebAssembly.Module {
    const bytes = this.build();
    try {
      return new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    } catch (error) {
      throw new Error(`Generated WebAssembly did not compile: ${(error as Error).message}`);
    }
  }

  /** The index of a signature in the type section (added on first use). */
  private typeIndex(type: FunctionType): number {
    const key = (t: FunctionType) => `${t.params.join(",")}>${t.results.join(",")}`;
    const wanted = key(type);
    const found = this.types.findIndex((t) => key(t) === wanted);
    if (found >= 0) return found;
    this.types.push(type);
    return this.types.length - 1;
  }
}

/** True when this engine validates `f32x4.relaxed_madd` (relaxed SIMD); checked once, on first use. */
export function supportsRelaxedSimd(): boolean {
  if (relaxedSimdSupport === undefined) {
    const builder = new ModuleBuilder();
    const fn = builder.addFunction("madd", [], [ValType.v128]);
    fn.f32x4Const(1).f32x4Const(2).f32x4Const(3).simd(Simd.f32x4_relaxed_madd);
    relaxedSimdSupport = WebAssembly.validate(builder.build() as Uint8Array<ArrayBuffer>);
  }
  return relaxedSimdSupport;
}
let relaxedSimdSupport: boolean | undefined;
