import assert from "node:assert/strict";
import fc from "fast-check";
import { allocate, type DataArray, type DType } from "../../../../cas/dtype.ts";
import type { ElementwiseKernel, ScalarExpr } from "../../../../backends/kernel_ir.ts";
import { compileElementwise } from "../../../../backends/cpu/wasm/elementwise.ts";
import { BYTES_PER_ELEMENT, WasmArena } from "../../../../backends/cpu/wasm/memory.ts";
import { referenceElementwise } from "./_reference.ts";
import { random } from "./_ulp.ts";

const arena = new WasmArena();
const input = (index: number): ScalarExpr => ({ kind: "input", index });
const constant = (value: number): ScalarExpr => ({ kind: "const", value });
const op = (name: string, ...args: ScalarExpr[]): ScalarExpr => ({ kind: "op", op: name as "add", args });
const cast = (dtype: DType, arg: ScalarExpr): ScalarExpr => ({ kind: "op", op: "cast", args: [arg], dtype });

/** Values of a dtype that exercise its edges (NaN, ±Inf, ±0, large, fractional, negative). */
function sampleValue(dtype: DType, next: () => number): number {
  const pick = next();
  if (dtype === "bool") return pick < 0.5 ? 1 : 0;
  if (dtype === "int32") {
    if (pick < 0.1) return [0, -1, 2147483647, -2147483648, 46341][Math.floor(next() * 5)];
    return Math.floor((next() - 0.5) * 200);
  }
  if (pick < 0.08) {
    return [NaN, Infinity, -Infinity, 0, -0, 3e9, -3e9, 0.5, 1.5, -2.5][Math.floor(next() * 10)];
  }
  return (next() - 0.5) * 20;
}

/** Runs a kernel on random inputs of the given element strides and compares with the JS reference. */
function checkKernel(
  kernel: ElementwiseKernel,
  outShape: number[],
  inputStrides: number[][],
  seed = 1,
  options = {},
): void {
  const next = random(seed);
  const compiled = compileElementwise(kernel, arena, { unroll: 4, fma: false, ...options });
  assert.ok(compiled.supported, compiled.reason);
  const inputs: DataArray[] = [], pointers: number[] = [];
  kernel.inputDtypes.forEach((dtype, k) => {
    let extent = 1;
    outShape.forEach((size, d) => extent += (size - 1) * Math.abs(inputStrides[k][d]));
    const data = allocate(dtype, extent);
    for (let i = 0; i < extent; i++) data[i] = sampleValue(dtype, next);
    inputs.push(data);
    pointers.push(arena.allocCopy(data));
  });
  const size = outShape.reduce((a, b) => a * b, 1);
  const outPtr = arena.alloc(size * BYTES_PER_ELEMENT[kernel.outDtype]);
  compiled.run(outPtr, pointers, outShape, inputStrides);
  const expected = allocate(kernel.outDtype, size);
  referenceElementwise(kernel, inputs, outShape, inputStrides, expected);
  const compare = (ptr: number, how: string) => {
    const actual = arena.view(kernel.outDtype, ptr, size);
    for (let i = 0; i < size; i++) {
      if (!Object.is(actual[i], expected[i])) {
        assert.fail(`element ${i} of [${outShape}] (${how}): got ${actual[i]}, expected ${expected[i]}`);
      }
    }
  };
  compare(outPtr, "run");
  // a kernel prepared for the shape gives the same, call after call (its walk state starts over each time)
  const prepared = compiled.prepare(outShape, inputStrides);
  const again = arena.alloc(size * BYTES_PER_ELEMENT[kernel.outDtype]);
  for (let call = 1; call <= 2; call++) {
    arena.u8View(again, size * BYTES_PER_ELEMENT[kernel.outDtype]).fill(0xff);
    prepared(again, pointers);
    compare(again, `prepared, call ${call}`);
  }
  pointers.forEach((ptr) => arena.free(ptr));
  arena.free(outPtr);
  arena.free(again);
}

/** Element strides of `inputs` contiguous 1-D inputs. */
const contiguous = (inputs: number) => Array.from({ length: inputs }, () => [1]);

Deno.test("compileElementwise() matches the reference on every length around the vector widths", () => {
  const kernel: ElementwiseKernel = {
    inputDtypes: ["float32", "float32", "float32"],
    outDtype: "float32",
    expr: op("add", op("mul", op("sub", input(0), input(1)), input(2)), constant(0.1)),
  };
  for (let n = 1; n <= 37; n++) checkKernel(kernel, [n], contiguous(3), n);
  for (const n of [16383, 16384, 16385, 32773]) checkKernel(kernel, [n], contiguous(3), n);
});

Deno.test("compileElementwise() broadcasts scalars, rows and columns, and reads strided inputs", () => {
  const kernel: ElementwiseKernel = {
    inputDtypes: ["float32", "float32", "float32", "float32"],
    outDtype: "float32",
    expr: op("maximum", op("add", op("mul", input(0), input(1)), input(2)), op("neg", input(3))),
  };
  // out [3, 5, 7]: input 0 contiguous, 1 a [5, 1] column broadcast, 2 a scalar, 3 a transposed [7, 5, 3].
  checkKernel(kernel, [3, 5, 7], [[35, 7, 1], [0, 1, 0], [0, 0, 0], [1, 3, 15]]);
  // A row vector broadcast over rows, and a size-1 axis in the middle.
  checkKernel(kernel, [4, 1, 9], [[9, 9, 1], [0, 0, 1], [0, 0, 0], [9, 9, 1]], 2);
  // Empty output: nothing runs.
  compileElementwise(kernel, arena).run(0, [0, 0, 0, 0], [0, 5], [[0, 0], [0, 0], [0, 0], [0, 0]]);
});

Deno.test("compileElementwise() mixes dtypes: int32 arithmetic, bool masks, where and casts", () => {
  const kernels: ElementwiseKernel[] = [
    // int32 arithmetic wraps like int32 (multiplication like Math.imul).
    {
      inputDtypes: ["int32", "int32"],
      outDtype: "int32",
      expr: op("sub", op("mul", input(0), input(1)), op("abs", op("neg", input(0)))),
    },
    {
      inputDtypes: ["int32", "int32"],
      outDtype: "int32",
      expr: op("maximum", op("sign", input(0)), op("relu", input(1))),
    },
    // Comparisons stored as bool bytes; logic on them.
    {
      inputDtypes: ["float32", "float32"],
      outDtype: "bool",
      expr: op("or", op("lt", input(0), input(1)), op("not", op("ge", input(0), constant(0)))),
    },
    // where(cond: bool, a, b), relu's gradient shape.
    {
      inputDtypes: ["bool", "float32", "float32"],
      outDtype: "float32",
      expr: op("where", input(0), input(1), op("mul", input(2), constant(0.5))),
    },
    {
      inputDtypes: ["float32", "float32"],
      outDtype: "float32",
      expr: op("mul", op("gt", input(0), constant(0)), input(1)),
    },
    // Casts: float → int32 wraps like `x | 0` (NaN, ±Inf → 0); int32 → float32 rounds; bool → float.
    { inputDtypes: ["float32"], outDtype: "int32", expr: cast("int32", input(0)) },
    {
      inputDtypes: ["int32"],
      outDtype: "float32",
      expr: op("add", cast("float32", input(0)), constant(0.25)),
    },
    { inputDtypes: ["float32"], outDtype: "bool", expr: cast("bool", input(0)) },
    // A fraction makes an int32 expression compute in floats.
    { inputDtypes: ["int32"], outDtype: "float32", expr: op("mul", input(0), constant(0.5)) },
    { inputDtypes: ["float32"], outDtype: "float32", expr: op("round", op("mul", input(0), constant(2.5))) },
    { inputDtypes: ["float32"], outDtype: "float32", expr: op("sign", op("floor", op("ceil", input(0)))) },
  ];
  kernels.forEach((kernel, i) => {
    checkKernel(kernel, [61], contiguous(kernel.inputDtypes.length), i + 10);
    checkKernel(kernel, [5, 7], kernel.inputDtypes.map((_, k) => k === 0 ? [1, 5] : [7, 1]), i + 20);
  });
});

Deno.test("compileElementwise() computes float64 kernels (2 lanes), also with float32, int32 and bool inputs", () => {
  const kernels: ElementwiseKernel[] = [
    {
      inputDtypes: ["float64", "float64"],
      outDtype: "float64",
      expr: op(
        "add",
        op("softplus", input(0)),
        op("mul", op("exp", input(1)), op("sqrt", op("abs", input(0)))),
      ),
    },
    {
      inputDtypes: ["float32", "float64", "bool"],
      outDtype: "float64",
      expr: op("where", input(2), op("div", input(0), input(1)), op("logaddexp", input(0), input(1))),
    },
    { inputDtypes: ["float64", "int32"], outDtype: "bool", expr: op("le", input(0), input(1)) },
    { inputDtypes: ["float64"], outDtype: "float32", expr: op("tanh", input(0)) },
    // float32 values and masks inside a 2-lane kernel.
    {
      inputDtypes: ["float32", "float64"],
      outDtype: "float64",
      expr: op(
        "add",
        op("where", op("lt", input(1), constant(0)), op("mul", input(0), input(0)), input(0)),
        input(1),
      ),
    },
    {
      inputDtypes: ["float32", "float64", "int32"],
      outDtype: "bool",
      expr: op("and", op("ge", input(0), input(2)), op("not", op("eq", input(1), constant(0)))),
    },
    { inputDtypes: ["float64"], outDtype: "int32", expr: cast("int32", op("mul", input(0), constant(1e9))) },
  ];
  const unaryOps = ["erf", "sigmoid", "log1mexp", "sin", "atanh", "round", "sign", "relu", "expm1", "log"];
  for (const name of unaryOps) {
    kernels.push({ inputDtypes: ["float64"], outDtype: "float64", expr: op(name, input(0)) });
  }
  kernels.forEach((kernel, i) => checkKernel(kernel, [29], contiguous(kernel.inputDtypes.length), i + 40));
});

Deno.test("compileElementwise() reports kernels it does not compile", () => {
  const kernel: ElementwiseKernel = {
    inputDtypes: ["bool", "bool"],
    outDtype: "bool",
    expr: op("add", input(0), input(1)),
  };
  const compiled = compileElementwise(kernel, arena);
  assert.equal(compiled.supported, false);
  assert.match(compiled.reason ?? "", /add on bool/);
  assert.throws(() => compiled.run(0, [0, 0], [1], [[1], [1]]), /unsupported kernel/);
});

/** Random expression trees over exactly rounded ops (no transcendentals), for a property test. */
const exactOps = [
  "add",
  "sub",
  "mul",
  "div",
  "maximum",
  "minimum",
  "neg",
  "abs",
  "square",
  "sqrt",
  "floor",
  "round",
  "relu",
  "sign",
];
const unaryExactOps = ["neg", "abs", "square", "sqrt", "floor", "round", "relu", "sign"];
function expressionArbitrary(inputs: number): fc.Arbitrary<ScalarExpr> {
  const { tree } = fc.letrec<{ tree: ScalarExpr }>((tie) => ({
    tree: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.integer({ min: 0, max: inputs - 1 }).map(input),
      fc.constantFrom(0, 1, -2.5, 3).map(constant),
      fc.tuple(fc.constantFrom(...exactOps), tie("tree"), tie("tree")).map(([name, a, b]) =>
        unaryExactOps.includes(name) ? op(name, a) : op(name, a, b)
      ),
      fc.tuple(fc.constantFrom("lt", "ge", "eq"), tie("tree"), tie("tree"), tie("tree"), tie("tree"))
        .map(([name, a, b, c, d]) => op("where", op(name, a, b), c, d)),
    ),
  }));
  return tree;
}

Deno.test("compileElementwise() equals the reference on random exact expressions (property)", () => {
  fc.assert(
    fc.property(
      expressionArbitrary(3),
      fc.constantFrom<DType>("float32", "float64", "int32"),
      fc.integer({ min: 1, max: 40 }),
      fc.boolean(),
      (expr, dtype, n, fma) => {
        const kernel: ElementwiseKernel = { inputDtypes: [dtype, "float32", dtype], outDtype: dtype, expr };
        checkKernel(kernel, [n], contiguous(3), n, { fma });
      },
    ),
    { numRuns: 60 },
  );
});
