import assert from "node:assert/strict";
import fc from "fast-check";
import { arange, array, eye, full, linspace, NDArray, ones, zeros } from "../../cas/ndarray.ts";
import { config, type DType } from "../../cas/dtype.ts";
import { ShapeError, sizeOf } from "../../cas/shape.ts";

// ---------------------------------------------------------------------------------------------------------------
// Construction

Deno.test("NDArray wraps a typed array with a frozen shape and the dtype of its storage", () => {
  const data = new Float64Array([1, 2, 3, 4, 5, 6]);
  const a = new NDArray(data, [2, 3]);
  assert.deepEqual(a.shape, [2, 3]);
  assert.equal(a.dtype, "float64");
  assert.equal(a.data, data);
  assert.equal(a.size, 6);
  assert.equal(a.ndim, 2);
  assert.ok(Object.isFrozen(a.shape));
  assert.equal(new NDArray(new Int32Array(3)).dtype, "int32");
  assert.deepEqual(new NDArray(new Uint8Array(3)).shape, [3]);
  assert.equal(new NDArray(new Uint8Array(3)).dtype, "bool");
});

Deno.test("NDArray rejects shapes that do not match the data, and non-typed-array data", () => {
  assert.throws(
    () => new NDArray(new Float32Array(5), [2, 3]),
    /shape \[2,3\] holds 6 elements but data has 5/,
  );
  assert.throws(() => new NDArray(new Float32Array(0), [-1, 0]), /size -1/);
  assert.throws(() => new NDArray(new Float32Array(2), [2.5]), ShapeError);
  assert.throws(
    () => new NDArray([1, 2] as unknown as Float32Array, [2]),
    /data must be a Float32Array.*got Array/,
  );
});

Deno.test("array() of a number is 0-d floatX, of a boolean 0-d bool", () => {
  const a = array(2.5);
  assert.deepEqual(a.shape, []);
  assert.equal(a.dtype, config.floatX);
  assert.equal(a.item(), 2.5);
  assert.equal(array(true).dtype, "bool");
  assert.equal(array(7, { dtype: "int32" }).data.constructor, Int32Array);
});

Deno.test("array() infers the shape of nested arrays, including empty axes", () => {
  assert.deepEqual(array([[1, 2, 3], [4, 5, 6]]).shape, [2, 3]);
  assert.deepEqual(array([[[1], [2]]]).shape, [1, 2, 1]);
  assert.deepEqual(array([]).shape, [0]);
  assert.deepEqual(array([[], []]).shape, [2, 0]);
  assert.equal(array([]).dtype, config.floatX);
  assert.deepEqual(Array.from(array([[1, 2], [3, 4]]).data), [1, 2, 3, 4]);
  assert.equal(array([true, false]).dtype, "bool");
  assert.equal(array([true, 2]).dtype, config.floatX); // mixed: numbers win, booleans are 0/1
  assert.deepEqual(array([true, 2]).toArray(), [1, 2]);
});

Deno.test("array() names the offending path of ragged or invalid input", () => {
  assert.throws(() => array([[1, 2], [3]]), /data\[1\] has length 1, but data\[0\] has length 2/);
  assert.throws(() => array([[1, 2], 3]), /data\[1\] is number, but data\[0\] is an array of length 2/);
  assert.throws(() => array([1, [2, 3]]), /data\[1\] is an array, but data\[0\] is not/);
  assert.throws(() => array([[1, 2], [3, [4]]] as never), /data\[1\]\[1\] is an array/);
  assert.throws(() => array([1, "2"] as never), /data\[1\] is string/);
  assert.throws(() => array([1, null] as never), /data\[1\] is null/);
  assert.throws(() => array([1], { dtype: "int64" as DType }), /unknown dtype "int64"/);
});

Deno.test("array() of a typed array copies it, with shape and dtype conversion", () => {
  const data = new Float64Array([1.5, 2.5, 3.5, -4.5]);
  const a = array(data, { shape: [2, 2] });
  assert.equal(a.dtype, "float64");
  assert.deepEqual(a.shape, [2, 2]);
  data[0] = 99;
  assert.equal(a.data[0], 1.5, "array() copies");
  assert.deepEqual(array(data, { dtype: "int32" }).toArray(), [99, 2, 3, -4]);
  assert.deepEqual(array(new Float64Array([0.1])).astype("float32").data[0], Math.fround(0.1));
  assert.throws(() => array(data, { shape: [3] }), /shape \[3\] holds 3 elements but the data has 4/);
  assert.deepEqual(array(new Uint8Array([0, 2, 255])).toArray(), [false, true, true]);
  assert.deepEqual(array(new Uint8Array([0, 2, 255]), { dtype: "int32" }).toArray(), [0, 2, 255]);
  const b = array(a, { dtype: "float32" });
  assert.equal(b.dtype, "float32");
  assert.deepEqual(b.shape, [2, 2]);
});

Deno.test("array() rounds values to the dtype", () => {
  assert.equal(array([0.1], { dtype: "float32" }).data[0], Math.fround(0.1));
  assert.deepEqual(array([2.9, -2.9, 0.5], { dtype: "int32" }).toArray(), [2, -2, 0]);
  assert.deepEqual(array([0, -0.5, NaN, 3], { dtype: "bool" }).toArray(), [false, true, true, true]);
  assert.throws(
    () => array([2 ** 31], { dtype: "int32" }),
    /value 2147483648 at flat index 0 cannot be stored/,
  );
  assert.throws(() => array([1, NaN], { dtype: "int32" }), /value NaN at flat index 1/);
  assert.deepEqual(array([-(2 ** 31), 2 ** 31 - 1], { dtype: "int32" }).toArray(), [-(2 ** 31), 2 ** 31 - 1]);
});

Deno.test("array(nested).toArray() round-trips any rectangular nested array", () => {
  const nested = fc.integer({ min: 1, max: 4 }).chain((rows) =>
    fc.integer({ min: 0, max: 4 }).chain((cols) =>
      fc.array(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: cols, maxLength: cols }), {
        minLength: rows,
        maxLength: rows,
      })
    )
  );
  fc.assert(fc.property(nested, (rows) => {
    assert.deepEqual(array(rows, { dtype: "int32" }).toArray(), rows);
    assert.deepEqual(array(rows, { dtype: "float64" }).toArray(), rows);
  }));
});

// ---------------------------------------------------------------------------------------------------------------
// Accessors and views

Deno.test("toArray() gives plain values for 0-d arrays and booleans for bool", () => {
  assert.equal(array(3, { dtype: "int32" }).toArray(), 3);
  assert.deepEqual(array([[true], [false]]).toArray(), [[true], [false]]);
  assert.deepEqual(zeros([2, 0, 3]).toArray(), [[], []]);
});

Deno.test("item() returns the only element and names the shape otherwise", () => {
  assert.equal(array([[[4]]], { dtype: "int32" }).item(), 4);
  assert.equal(array([true]).item(), 1);
  assert.throws(() => array([1, 2]).item(), /shape \[2\]/);
  assert.throws(() => zeros([0]).item(), /shape \[0\]/);
});

Deno.test("get() reads an element, counting negative indices from the end", () => {
  const a = arange(12, undefined, 1, "int32").reshape([3, 4]);
  assert.equal(a.get(0, 0), 0);
  assert.equal(a.get(2, 1), 9);
  assert.equal(a.get(-1, -1), 11);
  assert.equal(array(5).get(), 5);
  assert.throws(() => a.get(3, 0), /index 3 is out of range for axis 0 of size 3/);
  assert.throws(() => a.get(0, -5), /index -5 is out of range for axis 1/);
  assert.throws(() => a.get(0), /1 indices given for an array of shape \[3,4\]/);
  assert.throws(() => a.get(0, 1.5), /index 1.5/);
});

Deno.test("reshape() shares the data and infers one -1 size", () => {
  const a = arange(6);
  const b = a.reshape([3, -1]);
  assert.deepEqual(b.shape, [3, 2]);
  assert.equal(b.data, a.data);
  assert.deepEqual(a.reshape([-1]).shape, [6]);
  assert.deepEqual(array(1).reshape([1, 1]).shape, [1, 1]);
  assert.deepEqual(zeros([0, 3]).reshape([-1, 5]).shape, [0, 5]);
  assert.throws(() => a.reshape([4, -1]), /cannot reshape an array of shape \[6\] \(size 6\) into \[4,-1\]/);
  assert.throws(() => a.reshape([-1, -1]), /only one size can be -1/);
  assert.throws(() => a.reshape([2, 2]), /sizes differ/);
  assert.throws(() => zeros([0]).reshape([0, -1]), /cannot be inferred/);
});

Deno.test("astype() copies and converts like array()", () => {
  const a = array([1.7, -1.7, 0], { dtype: "float64" });
  const i = a.astype("int32");
  assert.equal(i.dtype, "int32");
  assert.deepEqual(i.toArray(), [1, -1, 0]);
  assert.deepEqual(a.astype("bool").toArray(), [true, true, false]);
  assert.notEqual(a.astype("float64").data, a.data);
  assert.throws(() => array([1e10]).astype("int32"), /astype\(\): value 10000000000/);
});

Deno.test("equals() compares shape, dtype and elements, NaN equal to NaN", () => {
  const a = array([[1, NaN]]);
  assert.ok(a.equals(array([[1, NaN]])));
  assert.ok(!a.equals(array([1, NaN])));
  assert.ok(!a.equals(array([[1, NaN]], { dtype: "float64" })));
  assert.ok(!a.equals(array([[1, 2]])));
});

// ---------------------------------------------------------------------------------------------------------------
// Helpers

Deno.test("zeros, ones, full and eye fill as asked, floatX by default", () => {
  assert.deepEqual(zeros([2, 2]).toArray(), [[0, 0], [0, 0]]);
  assert.equal(zeros(3).dtype, config.floatX);
  assert.deepEqual(ones(3, "int32").toArray(), [1, 1, 1]);
  assert.deepEqual(full([2], 0.1, "float64").toArray(), [0.1, 0.1]);
  assert.equal(full([2], 0.1).data[0], Math.fround(0.1));
  assert.equal(full([1], true).dtype, "bool");
  assert.deepEqual(eye(3, "int32").toArray(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assert.throws(() => zeros([2, -1]), /sizes must be non-negative integers/);
  assert.throws(() => full([1], 2 ** 40, "int32"), /cannot be stored as int32/);
});

Deno.test("arange() follows NumPy's length rule, with one or three arguments", () => {
  assert.deepEqual(arange(4).toArray(), [0, 1, 2, 3]);
  assert.deepEqual(arange(2, 5, 1, "int32").toArray(), [2, 3, 4]);
  assert.deepEqual(arange(5, 2, -1).toArray(), [5, 4, 3]);
  assert.deepEqual(arange(0, 1, 0.3, "float64").toArray(), [0, 0.3, 0.6, 0.8999999999999999]);
  assert.deepEqual(arange(3, 1).shape, [0]);
  assert.throws(() => arange(0, 1, 0), /step nonzero/);
  assert.throws(() => arange(0, Infinity), /must be finite/);
});

Deno.test("linspace() includes both ends exactly", () => {
  assert.deepEqual(linspace(0, 1, 5, "float64").toArray(), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(linspace(0, 0.3, 4, "float64").get(-1), 0.3);
  assert.deepEqual(linspace(2, 3, 1).toArray(), [2]);
  assert.deepEqual(linspace(2, 3, 0).shape, [0]);
  assert.throws(() => linspace(0, 1, -1), /num -1/);
});

// ---------------------------------------------------------------------------------------------------------------
// Printing: goldens are NumPy 2.4's `str()` of the same arrays (checked with python3).

const f64 = (data: NestedArray64) => array(data, { dtype: "float64" });
type NestedArray64 = number | NestedArray64[];

Deno.test("toString() prints floats with NumPy's trimming and aligned columns", () => {
  assert.equal(array([[1, 2], [3, 4]]).toString(), "[[1. 2.]\n [3. 4.]]");
  assert.equal(f64([1.5, 2.25]).toString(), "[1.5  2.25]");
  assert.equal(f64([-0, 1]).toString(), "[-0.  1.]");
  assert.equal(f64([0.1 + 0.2]).toString(), "[0.3]");
  assert.equal(f64([1 / 3]).toString(), "[0.33333333]");
  assert.equal(array([1 / 3], { dtype: "float32" }).toString(), "[0.33333334]");
  assert.equal(array([0.1, 0.2], { dtype: "float32" }).toString(), "[0.1 0.2]");
  assert.equal(f64([123.456789012]).toString(), "[123.45678901]");
  assert.equal(f64([[1.5, NaN], [-Infinity, 2]]).toString(), "[[ 1.5  nan]\n [-inf  2. ]]");
  assert.equal(f64([NaN]).toString(), "[nan]");
});

Deno.test("toString() rounds exact ties to even, as NumPy's Dragon4 does", () => {
  assert.equal(f64([0.001953125]).toString(), "[0.00195312]");
  assert.equal(f64([0.005859375]).toString(), "[0.00585938]");
  assert.equal(f64([1000000005]).toString(), "[1.e+09]");
});

Deno.test("toString() switches to scientific notation on NumPy's conditions", () => {
  assert.equal(f64([1e-5, 1]).toString(), "[1.e-05 1.e+00]");
  assert.equal(f64([1.5e-5, 1, NaN, -Infinity]).toString(), "[1.5e-05 1.0e+00     nan    -inf]");
  assert.equal(f64([-Infinity, 1e-5]).toString(), "[  -inf 1.e-05]");
  assert.equal(f64([0.5, 1000.5]).toString(), "[5.0000e-01 1.0005e+03]");
  assert.equal(f64([1e300, -1e-300]).toString(), "[ 1.e+300 -1.e-300]");
  assert.equal(f64([99999999]).toString(), "[99999999.]");
  assert.equal(f64([1e8, 1]).toString(), "[1.e+08 1.e+00]");
  assert.equal(array([999999, 1000], { dtype: "float32" }).toString(), "[999999.   1000.]");
  assert.equal(array([1e6], { dtype: "float32" }).toString(), "[1.e+06]"); // NumPy >= 2.3: float32 cutoff 1e6
  // float32 compares in float32 (NumPy 2's NEP 50): 1e-4 alone stays positional, the ratio 0.1/1e-4 exceeds 1000
  assert.equal(array([1e-4], { dtype: "float32" }).toString(), "[0.0001]");
  assert.equal(array([1e-4, 0.1], { dtype: "float32" }).toString(), "[1.e-04 1.e-01]");
});

Deno.test("toString() prints ints right-aligned and bools padded like NumPy", () => {
  assert.equal(array([1, 2, 3], { dtype: "int32" }).toString(), "[1 2 3]");
  assert.equal(array([-1, 2, -300], { dtype: "int32" }).toString(), "[  -1    2 -300]");
  assert.equal(array([true, false]).toString(), "[ True False]");
  assert.equal(array([true, true]).toString(), "[ True  True]");
  assert.equal(
    arange(24, undefined, 1, "int32").reshape([2, 3, 4]).toString(),
    "[[[ 0  1  2  3]\n  [ 4  5  6  7]\n  [ 8  9 10 11]]\n\n [[12 13 14 15]\n  [16 17 18 19]\n  [20 21 22 23]]]",
  );
});

Deno.test("toString() of 0-d and empty arrays matches NumPy's scalar str", () => {
  assert.equal(array(2.5).toString(), "2.5");
  assert.equal(array(1, { dtype: "float64" }).toString(), "1.0");
  assert.equal(array(1e16, { dtype: "float64" }).toString(), "1e+16");
  assert.equal(array(1e10, { dtype: "float64" }).toString(), "10000000000.0");
  assert.equal(array(1e10, { dtype: "float32" }).toString(), "1e+10");
  assert.equal(array(1e-4, { dtype: "float32" }).toString(), "1e-04");
  assert.equal(array(1e-4, { dtype: "float64" }).toString(), "0.0001");
  assert.equal(array(999999.9375, { dtype: "float32" }).toString(), "999999.94");
  assert.equal(array(-0, { dtype: "float64" }).toString(), "-0.0");
  assert.equal(array(NaN).toString(), "nan");
  assert.equal(array(3, { dtype: "int32" }).toString(), "3");
  assert.equal(array(true).toString(), "True");
  assert.equal(zeros([0]).toString(), "[]");
  assert.equal(zeros([2, 0]).toString(), "[]");
});

Deno.test("toString() wraps long rows at 75 columns and summarises over 1000 elements", () => {
  assert.equal(
    arange(30, undefined, 1, "float64").toString(),
    "[ 0.  1.  2.  3.  4.  5.  6.  7.  8.  9. 10. 11. 12. 13. 14. 15. 16. 17.\n" +
      " 18. 19. 20. 21. 22. 23. 24. 25. 26. 27. 28. 29.]",
  );
  assert.equal(arange(1001, undefined, 1, "int32").toString(), "[   0    1    2 ...  998  999 1000]");
  assert.equal(arange(1000, undefined, 1, "int32").toString().includes("..."), false);
  assert.equal(
    arange(2000, undefined, 1, "float64").reshape([20, 100]).toString(),
    [
      "[[0.000e+00 1.000e+00 2.000e+00 ... 9.700e+01 9.800e+01 9.900e+01]",
      " [1.000e+02 1.010e+02 1.020e+02 ... 1.970e+02 1.980e+02 1.990e+02]",
      " [2.000e+02 2.010e+02 2.020e+02 ... 2.970e+02 2.980e+02 2.990e+02]",
      " ...",
      " [1.700e+03 1.701e+03 1.702e+03 ... 1.797e+03 1.798e+03 1.799e+03]",
      " [1.800e+03 1.801e+03 1.802e+03 ... 1.897e+03 1.898e+03 1.899e+03]",
      " [1.900e+03 1.901e+03 1.902e+03 ... 1.997e+03 1.998e+03 1.999e+03]]",
    ].join("\n"),
  );
  assert.equal(
    ones([2, 2, 1001], "int32").toString(),
    "[[[1 1 1 ... 1 1 1]\n  [1 1 1 ... 1 1 1]]\n\n [[1 1 1 ... 1 1 1]\n  [1 1 1 ... 1 1 1]]]",
  );
});

// ---------------------------------------------------------------------------------------------------------------
// Printing against a live NumPy, on random arrays (skipped with a notice where python3 has no numpy)

function numpyAvailable(): boolean {
  try {
    return new Deno.Command("python3", { args: ["-c", "import numpy"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false; // no python3, or no --allow-run
  }
}

const hasNumpy = numpyAvailable();
if (!hasNumpy) {
  console.warn(
    "NOTICE: python3 with numpy not available (or no --allow-run): the live NumPy printing comparison is skipped",
  );
}

/** NumPy's str() of each array, computed by one python3 process. */
async function numpyStrings(arrays: NDArray[]): Promise<string[]> {
  const encode = (v: number) => (Object.is(v, -0) ? "-0.0" : String(v));
  const cases = arrays.map((a) => ({ dtype: a.dtype, shape: a.shape, data: Array.from(a.data, encode) }));
  const script = `
import json, sys, numpy as np
out = []
for c in json.load(sys.stdin):
    values = [float(v) for v in c["data"]]
    out.append(str(np.array(values).astype(c["dtype"]).reshape(c["shape"])))
print(json.dumps(out))`;
  const child = new Deno.Command("python3", { args: ["-c", script], stdin: "piped", stdout: "piped" })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(cases)));
  await writer.close();
  const { stdout, success } = await child.output();
  assert.ok(success, "python3 failed");
  return JSON.parse(new TextDecoder().decode(stdout));
}

const specialFloat = fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e-4, 1e8, 0.5, 1000, 1e16, 5e-324);
const anyFloat = fc.oneof(
  fc.double({ noNaN: true }),
  fc.double({ min: -1e3, max: 1e3, noNaN: true }),
  fc.integer({ min: -100000, max: 100000 }).map((n) => n / 64),
  fc.integer({ min: -20, max: 20 }).map((k) => 10 ** k),
  specialFloat,
);
const randomArray: fc.Arbitrary<NDArray> = fc.record({
  dtype: fc.constantFrom<DType>("float32", "float64", "int32", "bool"),
  shape: fc.oneof(
    fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 3 }),
    fc.constantFrom<number[]>([40], [7, 200], [1002], [2, 3, 170]),
  ),
  scale: fc.constantFrom(1, 1e-3, 1e5),
  seed: fc.array(anyFloat, { minLength: 1, maxLength: 8 }),
}).map(({ dtype, shape, scale, seed }) => {
  const n = sizeOf(shape);
  const values = Array.from({ length: n }, (_, i) => seed[i % seed.length] * (i % 3 === 0 ? scale : 1));
  if (dtype === "int32") {
    return array(values.map((v) => (Number.isFinite(v) ? v % 2 ** 31 : 7)), { dtype, shape });
  }
  return array(values, { dtype, shape });
});

Deno.test({
  name: "toString() matches NumPy's str() on random arrays of every dtype",
  ignore: !hasNumpy,
  fn: async () => {
    const arrays = fc.sample(randomArray, { numRuns: 400, seed: 20261 });
    const expected = await numpyStrings(arrays);
    arrays.forEach((a, i) => {
      assert.equal(
        a.toString(),
        expected[i],
        `dtype ${a.dtype}, shape [${a.shape}], data ${a.data.slice(0, 8)}`,
      );
    });
  },
});
