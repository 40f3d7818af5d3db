import assert from "node:assert/strict";
import fc from "fast-check";
import { arange, array, NDArray } from "../../cas/ndarray.ts";
import { decodeNpy, encodeNpy, load, save } from "../../cas/npy.ts";
import type { DType } from "../../cas/dtype.ts";

/** A .npy file with the given header dict text and data bytes, padded as numpy pads. */
function npyBytes(dict: string, data: Uint8Array, version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const body = new TextEncoder().encode(dict);
  const padding = 64 - ((prefix + body.length + 1) % 64);
  const header = new Uint8Array(body.length + padding + 1).fill(0x20);
  header.set(body);
  header[header.length - 1] = 0x0a;
  const out = new Uint8Array(prefix + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(header, prefix);
  out.set(data, prefix + header.length);
  return out;
}

/** Bytes of `values` written with a DataView setter. */
function bytesOf(
  width: number,
  values: number[],
  set: (v: DataView, at: number, x: number) => void,
): Uint8Array {
  const out = new Uint8Array(width * values.length);
  const view = new DataView(out.buffer);
  values.forEach((x, i) => set(view, i * width, x));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Round trips and the header numpy writes

Deno.test("encodeNpy() writes numpy's 1.0 header, aligned to 64 bytes", () => {
  const bytes = encodeNpy(array([[1, 2, 3], [4, 5, 6]]));
  const headerLength = new DataView(bytes.buffer).getUint16(8, true);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
  assert.equal((10 + headerLength) % 64, 0);
  assert.equal(
    header,
    "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + " ".repeat(20 + 38) + "\n", // 20 spaces of room for the first size to grow, 38 to align
  );
  assert.equal(bytes.length, 10 + headerLength + 24);
  const shapeText = (a: NDArray) => /'shape': (\([^)]*\))/.exec(new TextDecoder().decode(encodeNpy(a)))?.[1];
  assert.equal(shapeText(array(1)), "()");
  assert.equal(shapeText(array([1])), "(1,)");
});

Deno.test("decodeNpy(encodeNpy(a)) gives back a for every dtype and shape", () => {
  const arrays = fc.record({
    dtype: fc.constantFrom<DType>("float32", "float64", "int32", "bool"),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
    values: fc.array(fc.double(), { minLength: 256, maxLength: 256 }),
  }).map(({ dtype, shape, values }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = values.slice(0, n).map((
      v,
    ) => (dtype === "int32" ? (Number.isFinite(v) ? v % 2 ** 31 : 0) : v));
    return array(data, { dtype, shape });
  });
  fc.assert(fc.property(arrays, (a) => {
    const back = decodeNpy(encodeNpy(a));
    assert.ok(back.equals(a), `${a.dtype} ${a.shape}`);
  }));
});

Deno.test("decodeNpy() reads from a subarray at any byte offset (unaligned data)", () => {
  const a = array([1.5, -2.5, 3.25], { dtype: "float64" });
  const bytes = encodeNpy(a);
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  assert.ok(decodeNpy(shifted.subarray(3)).equals(a));
});

Deno.test("encodeNpy() switches to format 2.0 when the header passes 64 KiB", () => {
  // Each axis of size 1 adds "1, " to the header: 13000 axes stay under 64 KiB, 23000 do not.
  const a = new NDArray(new Float32Array(1), new Array(13000).fill(1));
  const small = encodeNpy(a);
  assert.equal(small[6], 1);
  const big = new NDArray(new Float32Array(1), new Array(23000).fill(1));
  const bytes = encodeNpy(big);
  assert.equal(bytes[6], 2);
  const headerLength = new DataView(bytes.buffer).getUint32(8, true);
  assert.equal((12 + headerLength) % 64, 0);
  assert.deepEqual(decodeNpy(bytes).shape.length, 23000);
});

Deno.test("save() and load() round-trip through a file", () => {
  const path = Deno.makeTempFileSync({ suffix: ".npy" });
  try {
    const a = arange(12, undefined, 1, "int32").reshape([3, 4]);
    save(path, a);
    assert.ok(load(path).equals(a));
    save(new URL(`file://${path}`), a.astype("float64"));
    assert.ok(load(new URL(`file://${path}`)).equals(a.astype("float64")));
  } finally {
    Deno.removeSync(path);
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Headers and data numpy (or older numpy) can write

Deno.test("decodeNpy() reads format 2.0 and 3.0 headers", () => {
  const data = bytesOf(4, [1, 2], (v, at, x) => v.setFloat32(at, x, true));
  const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  assert.deepEqual(decodeNpy(npyBytes(dict, data, 2)).toArray(), [1, 2]);
  assert.deepEqual(decodeNpy(npyBytes(dict, data, 3)).toArray(), [1, 2]);
});

Deno.test("decodeNpy() accepts keys in any order, double quotes and Python 2 long sizes", () => {
  const data = bytesOf(4, [7, 8, 9, 10], (v, at, x) => v.setInt32(at, x, true));
  const dict = `{"shape": (2L, 2L), "fortran_order": False, "descr": "<i4"}`;
  const a = decodeNpy(npyBytes(dict, data));
  assert.equal(a.dtype, "int32");
  assert.deepEqual(a.toArray(), [[7, 8], [9, 10]]);
});

Deno.test("decodeNpy() reads big-endian data", () => {
  const f8 = bytesOf(8, [1.5, -2], (v, at, x) => v.setFloat64(at, x, false));
  assert.deepEqual(
    decodeNpy(npyBytes("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", f8)).toArray(),
    [
      1.5,
      -2,
    ],
  );
  const i4 = bytesOf(4, [-5, 70000], (v, at, x) => v.setInt32(at, x, false));
  assert.deepEqual(
    decodeNpy(npyBytes("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", i4)).toArray(),
    [
      -5,
      70000,
    ],
  );
});

Deno.test("decodeNpy() reads Fortran-order data into row-major order", () => {
  // The 2x3 matrix [[1,2,3],[4,5,6]] stored column by column, and a 2x3x2 tensor likewise.
  const data = bytesOf(8, [1, 4, 2, 5, 3, 6], (v, at, x) => v.setFloat64(at, x, true));
  const a = decodeNpy(npyBytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", data));
  assert.deepEqual(a.toArray(), [[1, 2, 3], [4, 5, 6]]);
  const values: number[] = [];
  for (let k = 0; k < 2; k++) {
    for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) values.push(100 * i + 10 * j + k);
  }
  const t = decodeNpy(
    npyBytes(
      "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3, 2), }",
      bytesOf(4, values, (v, at, x) => {
        v.setInt32(at, x, true);
      }),
    ),
  );
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 3; j++) {
      for (let k = 0; k < 2; k++) {
        assert.equal(t.get(i, j, k), 100 * i + 10 * j + k);
      }
    }
  }
});

Deno.test("decodeNpy() reads other integer widths as int32, range-checked", () => {
  const i8 = bytesOf(8, [-3, 2 ** 31 - 1], (v, at, x) => v.setBigInt64(at, BigInt(x), true));
  const a = decodeNpy(npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", i8));
  assert.equal(a.dtype, "int32");
  assert.deepEqual(a.toArray(), [-3, 2 ** 31 - 1]);
  const tooBig = bytesOf(8, [0, 2 ** 31], (v, at, x) => v.setBigInt64(at, BigInt(x), true));
  assert.throws(
    () => decodeNpy(npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", tooBig)),
    /int64 value 2147483648 at flat index 1 does not fit in int32/,
  );
  const u1 = new Uint8Array([0, 200, 255]);
  assert.deepEqual(
    decodeNpy(npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", u1)).toArray(),
    [
      0,
      200,
      255,
    ],
  );
  const i2 = bytesOf(2, [-300, 300], (v, at, x) => v.setInt16(at, x, false));
  assert.deepEqual(
    decodeNpy(npyBytes("{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }", i2)).toArray(),
    [
      -300,
      300,
    ],
  );
});

// ---------------------------------------------------------------------------------------------------------------
// Errors

Deno.test("decodeNpy() rejects what is not an npy file, naming the problem", () => {
  assert.throws(() => decodeNpy(new TextEncoder().encode("hello, world")), /not an npy file/);
  assert.throws(() => decodeNpy(new Uint8Array(3)), /not an npy file/);
  const good = encodeNpy(array([1, 2]));
  const v4 = good.slice();
  v4[6] = 4;
  assert.throws(() => decodeNpy(v4), /npy format version 4.0 is not supported/);
  assert.throws(() => decodeNpy(good.subarray(0, 50)), /the npy header is truncated/);
  assert.throws(
    () => decodeNpy(good.subarray(0, good.length - 1)),
    /the data is truncated: shape \[2\] of '<f4'/,
  );
});

Deno.test("decodeNpy() names unsupported dtypes and malformed headers", () => {
  const dict = (descr: string) => `{'descr': ${descr}, 'fortran_order': False, 'shape': (1,), }`;
  const eight = new Uint8Array(16);
  assert.throws(() => decodeNpy(npyBytes(dict("'<c8'"), eight)), /unsupported dtype '<c8'/);
  assert.throws(() => decodeNpy(npyBytes(dict("'<f2'"), eight)), /unsupported dtype '<f2'/);
  assert.throws(() => decodeNpy(npyBytes(dict("'|O'"), eight)), /unsupported dtype '\|O'/);
  assert.throws(
    () => decodeNpy(npyBytes(dict("[('x', '<f4')]"), eight)),
    /structured dtypes are not supported/,
  );
  assert.throws(
    () => decodeNpy(npyBytes("{'descr': '<f4', 'shape': (1,)}", eight)),
    /no 'fortran_order' True\/False/,
  );
  assert.throws(
    () => decodeNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, -2), }", eight)),
    /'shape' is not a tuple of sizes/,
  );
  assert.throws(
    () => decodeNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,) ", eight)),
    /cannot read the npy header/,
  );
});

Deno.test("load() names the file in its errors", () => {
  const path = Deno.makeTempFileSync({ suffix: ".npy" });
  try {
    Deno.writeFileSync(path, new TextEncoder().encode("not numpy"));
    assert.throws(() => load(path), (e: Error) => e.message.startsWith(`load(${path}): not an npy file`));
  } finally {
    Deno.removeSync(path);
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Against a live NumPy (skipped with a notice where python3 has no numpy)

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
    "NOTICE: python3 with numpy not available (or no --allow-run): the npy round trips through NumPy are skipped",
  );
}

/** Runs a python3 script (numpy imported as np, `d` the temp directory) and returns its stdout parsed as JSON. */
function python(script: string, dir: string): unknown {
  const code = `import json, sys, numpy as np\nd = sys.argv[1]\n${script}`;
  const { success, stdout, stderr } = new Deno.Command("python3", { args: ["-c", code, dir] }).outputSync();
  assert.ok(success, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

/** A Python float's repr as a number ("inf" and "nan" included; "-0.0" keeps its sign). */
function fromPython(repr: string): number {
  return Number(repr.replace("inf", "Infinity").replace("nan", "NaN"));
}

Deno.test({
  name: "encodeNpy() writes the same bytes as numpy.save",
  ignore: !hasNumpy,
  fn: () => {
    const dir = Deno.makeTempDirSync();
    try {
      python(
        `
np.save(d + "/a.npy", np.array([[1.5, 2, 3], [4, 5, 6]], dtype=np.float32))
np.save(d + "/b.npy", np.array(2.5))
np.save(d + "/c.npy", np.arange(7, dtype=np.int32))
np.save(d + "/e.npy", np.array([True, False, True]))
np.save(d + "/f.npy", np.zeros((1, 0, 12345678901), dtype=np.float64))
print("[]")`,
        dir,
      );
      const ours: Record<string, NDArray> = {
        a: array([[1.5, 2, 3], [4, 5, 6]], { dtype: "float32" }),
        b: array(2.5, { dtype: "float64" }),
        c: arange(7, undefined, 1, "int32"),
        e: array([true, false, true]),
        f: new NDArray(new Float64Array(0), [1, 0, 12345678901]),
      };
      for (const [name, a] of Object.entries(ours)) {
        assert.deepEqual(encodeNpy(a), Deno.readFileSync(`${dir}/${name}.npy`), name);
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "load() reads what numpy.save writes, in other dtypes, byte orders and Fortran order",
  ignore: !hasNumpy,
  fn: () => {
    const dir = Deno.makeTempDirSync();
    try {
      const expected = python(
        `
cases = {
  "f4": np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4),
  "f8be": np.array([1e-300, -2.5, np.inf, np.nan], dtype=">f8"),
  "i8": np.arange(-5, 5, dtype=np.int64).reshape(2, 5),
  "u2": np.array([0, 65535], dtype=np.uint16),
  "b1": np.array([[True], [False]]),
  "fortran": np.asfortranarray(np.arange(24, dtype=np.float64).reshape(2, 3, 4)),
  "scalar": np.float32(0.1),
}
out = {}
for name, a in cases.items():
    np.save(d + "/" + name + ".npy", a)
    values = np.asarray(a, dtype=np.float64).ravel().tolist()
    out[name] = {"shape": list(np.shape(a)), "values": [repr(v) for v in values]}
print(json.dumps(out))`,
        dir,
      ) as Record<string, { shape: number[]; values: string[] }>;
      const dtypes: Record<string, DType> = {
        f4: "float32",
        f8be: "float64",
        i8: "int32",
        u2: "int32",
        b1: "bool",
        fortran: "float64",
        scalar: "float32",
      };
      for (const [name, { shape, values }] of Object.entries(expected)) {
        const a = load(`${dir}/${name}.npy`);
        assert.equal(a.dtype, dtypes[name], name);
        assert.deepEqual(a.shape, shape, name);
        assert.deepEqual(Array.from(a.data, Number), values.map(fromPython), name);
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "numpy.load reads what save() writes",
  ignore: !hasNumpy,
  fn: () => {
    const dir = Deno.makeTempDirSync();
    try {
      const ours: Record<string, NDArray> = {
        f4: array([[0.1, -2], [NaN, Infinity]], { dtype: "float32" }),
        f8: array([1 / 3, -0, 1e-310], { dtype: "float64" }),
        i4: array([-(2 ** 31), 0, 2 ** 31 - 1], { dtype: "int32" }),
        b1: array([[true, false, true]]),
        s: array(42, { dtype: "int32" }),
      };
      for (const [name, a] of Object.entries(ours)) save(`${dir}/${name}.npy`, a);
      const seen = python(
        `
out = {}
for name in ["f4", "f8", "i4", "b1", "s"]:
    a = np.load(d + "/" + name + ".npy")
    out[name] = {"dtype": a.dtype.str, "shape": list(a.shape), "values": [repr(float(v)) for v in a.ravel()]}
print(json.dumps(out))`,
        dir,
      ) as Record<string, { dtype: string; shape: number[]; values: string[] }>;
      const descr: Record<DType, string> = { float32: "<f4", float64: "<f8", int32: "<i4", bool: "|b1" };
      for (const [name, a] of Object.entries(ours)) {
        assert.equal(seen[name].dtype, descr[a.dtype], name);
        assert.deepEqual(seen[name].shape, a.shape, name);
        // Python's repr of -0.0 is "-0.0"; Number() keeps the sign, and deepEqual tells -0 from 0.
        assert.deepEqual(seen[name].values.map(fromPython), Array.from(a.data), name);
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
