/**
 * NumPy's `.npy` file format, so arrays move between theano-ts and Python: `save`/`load` for files and
 * `encodeNpy`/`decodeNpy` for bytes.
 *
 * Writes format 1.0 (2.0 for headers over 64 KiB) byte for byte as `numpy.save` does; reads 1.0, 2.0 and 3.0,
 * either byte order, and Fortran order (transposed into row-major).
 * @module
 */

import type { DataArray, DType } from "./dtype.ts";
import { NDArray } from "./ndarray.ts";
import { formatShape, sizeOf } from "./shape.ts";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ALIGN = 64; // numpy aligns the start of the data to 64 bytes
const GROWTH_AXIS_DIGITS = 21; // numpy leaves room in the header for the first size to grow to 21 digits

/** The descr numpy writes for each dtype (little-endian, as on every platform Deno runs on). */
const DESCR: Record<DType, string> = { float32: "<f4", float64: "<f8", int32: "<i4", bool: "|b1" };

const littleEndianPlatform = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The bytes of a `.npy` file holding `a`, identical to what `numpy.save` writes.
 *
 * @example
 * ```ts
 * import { array } from "./ndarray.ts";
 * import { encodeNpy } from "./npy.ts";
 * const bytes = encodeNpy(array([1, 2, 3]));
 * bytes.length; // 140: a 128-byte header, then 3 float32 values
 * ```
 */
export function encodeNpy(a: NDArray): Uint8Array {
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(", ")})`;
  let dict = `{'descr': '${DESCR[a.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  if (a.shape.length > 0) dict += " ".repeat(Math.max(0, GROWTH_AXIS_DIGITS - String(a.shape[0]).length));
  // Version 1.0 stores the header length in 2 bytes; longer headers (rank in the thousands) need 2.0's 4 bytes.
  let version = 1, prefixLength = 10;
  const padding = (prefix: number) => ALIGN - ((prefix + dict.length + 1) % ALIGN);
  if (dict.length + 1 + padding(10) > 0xffff) [version, prefixLength] = [2, 12];
  const header = dict + " ".repeat(padding(prefixLength)) + "\n";

  const bytesPerElement = a.data.BYTES_PER_ELEMENT;
  const out = new Uint8Array(prefixLength + header.length + a.size * bytesPerElement);
  out.set(MAGIC);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefixLength + i] = header.charCodeAt(i);
  const dataStart = prefixLength + header.length;
  if (littleEndianPlatform) {
    out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), dataStart);
  } else {
    const write = writerFor(a.dtype, view);
    for (let i = 0; i < a.size; i++) write(dataStart + i * bytesPerElement, a.data[i]);
  }
  return out;
}

/**
 * Reads the bytes of a `.npy` file. Float32, float64, int32 and bool arrays come back as they are; other integer
 * widths (int8 … int64, uint8 … uint64) are read as int32, and a value outside the int32 range is an error.
 *
 * @example
 * ```ts
 * import { array } from "./ndarray.ts";
 * import { decodeNpy, encodeNpy } from "./npy.ts";
 * decodeNpy(encodeNpy(array([[1, 2], [3, 4]]))).toArray(); // [[1, 2], [3, 4]]
 * ```
 */
export function decodeNpy(bytes: Uint8Array): NDArray {
  return decode(bytes, "decodeNpy()");
}

/**
 * Reads a `.npy` file, as `numpy.load` does for a single array.
 *
 * @example
 * ```ts
 * import { array } from "./ndarray.ts";
 * import { load, save } from "./npy.ts";
 * const path = Deno.makeTempFileSync({ suffix: ".npy" });
 * save(path, array([1.5, 2.5]));
 * load(path).toArray(); // [1.5, 2.5]
 * ```
 */
export function load(path: string | URL): NDArray {
  return decode(Deno.readFileSync(path), `load(${path})`);
}

/**
 * Writes `a` to a `.npy` file that `numpy.load` reads (the path is used as given: no `.npy` is appended).
 *
 * @example
 * ```ts
 * import { arange } from "./ndarray.ts";
 * import { save } from "./npy.ts";
 * save(Deno.makeTempFileSync({ suffix: ".npy" }), arange(6).reshape([2, 3]));
 * ```
 */
export function save(path: string | URL, a: NDArray): void {
  Deno.writeFileSync(path, encodeNpy(a));
}

// ---------------------------------------------------------------------------------------------------------------

function decode(bytes: Uint8Array, where: string): NDArray {
  const fail = (why: string) => new Error(`${where}: ${why}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw fail("not an npy file (it does not start with \\x93NUMPY)");
  }
  const [major, minor] = [bytes[6], bytes[7]];
  if (![1, 2, 3].includes(major) || minor !== 0) {
    throw fail(`npy format version ${major}.${minor} is not supported (1.0, 2.0 and 3.0 are)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefixLength = major === 1 ? 10 : 12;
  if (bytes.length < prefixLength) throw fail("the npy header is truncated");
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = prefixLength + headerLength;
  if (bytes.length < dataStart) {
    throw fail(
      `the npy header is truncated (${headerLength} bytes announced, ${bytes.length - prefixLength} found)`,
    );
  }
  const headerBytes = bytes.subarray(prefixLength, dataStart);
  // Versions 1.0 and 2.0 are latin1, 3.0 is utf8; the header is a Python dict literal.
  let headerText = "";
  if (major === 3) headerText = new TextDecoder().decode(headerBytes);
  else for (const byte of headerBytes) headerText += String.fromCharCode(byte);
  const { descr, fortranOrder, shape } = readHeader(headerText, fail);
  const type = parseDescr(descr, fail);

  const size = sizeOf(shape);
  const needed = size * type.bytes;
  if (bytes.length - dataStart < needed) {
    throw fail(
      `the data is truncated: shape ${formatShape(shape)} of '${descr}' needs ${needed} bytes, ` +
        `found ${bytes.length - dataStart}`,
    );
  }
  let data = readData(bytes, view, dataStart, size, type, fail);
  if (fortranOrder && shape.length > 1) data = fortranToRowMajor(data, shape);
  return new NDArray(data, shape);
}

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

function readHeader(text: string, fail: (why: string) => Error): Header {
  let dict: unknown;
  try {
    dict = parsePythonLiteral(text.trim());
  } catch (e) {
    throw fail(`cannot read the npy header ${JSON.stringify(text.trim())}: ${(e as Error).message}`);
  }
  if (typeof dict !== "object" || dict === null || Array.isArray(dict)) {
    throw fail(`the npy header is not a dict: ${JSON.stringify(text.trim())}`);
  }
  const { descr, fortran_order: fortranOrder, shape } = dict as Record<string, unknown>;
  if (Array.isArray(descr)) {
    throw fail(`structured dtypes are not supported (descr ${JSON.stringify(descr)})`);
  }
  if (typeof descr !== "string") throw fail(`the npy header has no 'descr' string`);
  if (typeof fortranOrder !== "boolean") throw fail(`the npy header has no 'fortran_order' True/False`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw fail(`the npy header's 'shape' is not a tuple of sizes: ${JSON.stringify(shape)}`);
  }
  return { descr, fortranOrder, shape };
}

/** How to read one element type of a file. */
interface StoredType {
  dtype: DType;
  kind: "f" | "i" | "u" | "b";
  bytes: number;
  littleEndian: boolean;
}

function parseDescr(descr: string, fail: (why: string) => Error): StoredType {
  const match = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  const kind = match?.[2] as StoredType["kind"] | undefined;
  const bytes = Number(match?.[3]);
  const supported = match !== null && (
    (kind === "f" && (bytes === 4 || bytes === 8)) ||
    ((kind === "i" || kind === "u") && [1, 2, 4, 8].includes(bytes)) ||
    (kind === "b" && bytes === 1)
  );
  if (!supported || kind === undefined) {
    throw fail(
      `unsupported dtype '${descr}' (supported: float32 '<f4', float64 '<f8', int32 '<i4', bool '|b1', ` +
        `and other integer widths, read as int32; either byte order)`,
    );
  }
  const dtype: DType = kind === "f" ? (bytes === 4 ? "float32" : "float64") : kind === "b" ? "bool" : "int32";
  // '=' is the native order, which is little-endian on every platform Deno runs on; '|' is for single bytes.
  return { dtype, kind, bytes, littleEndian: match[1] !== ">" };
}

function readData(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  size: number,
  type: StoredType,
  fail: (why: string) => Error,
): DataArray {
  const { dtype, kind, bytes: width, littleEndian } = type;
  const sameLayout = (kind === "f" || (kind === "i" && width === 4)) && littleEndian === littleEndianPlatform;
  if (sameLayout) {
    // slice() copies into a fresh, aligned buffer that the typed array can view directly.
    const buffer = bytes.slice(start, start + size * width).buffer;
    return dtype === "float32"
      ? new Float32Array(buffer)
      : dtype === "float64"
      ? new Float64Array(buffer)
      : new Int32Array(buffer);
  }
  const out = dtype === "float32"
    ? new Float32Array(size)
    : dtype === "float64"
    ? new Float64Array(size)
    : dtype === "int32"
    ? new Int32Array(size)
    : new Uint8Array(size);
  const read = readerFor(kind, width, view, littleEndian);
  for (let i = 0; i < size; i++) {
    const value = read(start + i * width);
    if (dtype === "int32" && !(value >= -2147483648 && value <= 2147483647)) {
      throw fail(
        `the ${kind === "u" ? "uint" : "int"}${width * 8} value ${value} at flat index ${i} ` +
          `does not fit in int32`,
      );
    }
    out[i] = dtype === "bool" ? (value !== 0 ? 1 : 0) : Number(value);
  }
  return out;
}

function readerFor(
  kind: StoredType["kind"],
  width: number,
  view: DataView,
  le: boolean,
): (at: number) => number {
  if (kind === "f") return width === 4 ? (at) => view.getFloat32(at, le) : (at) => view.getFloat64(at, le);
  if (kind === "b") return (at) => view.getUint8(at);
  const signed = kind === "i";
  switch (width) {
    case 1:
      return signed ? (at) => view.getInt8(at) : (at) => view.getUint8(at);
    case 2:
      return signed ? (at) => view.getInt16(at, le) : (at) => view.getUint16(at, le);
    case 4:
      return signed ? (at) => view.getInt32(at, le) : (at) => view.getUint32(at, le);
    default:
      // Exact as a Number only within ±2^53, but anything that large fails the int32 range check anyway.
      return signed ? (at) => Number(view.getBigInt64(at, le)) : (at) => Number(view.getBigUint64(at, le));
  }
}

function writerFor(dtype: DType, view: DataView): (at: number, value: number) => void {
  switch (dtype) {
    case "float32":
      return (at, v) => view.setFloat32(at, v, true);
    case "float64":
      return (at, v) => view.setFloat64(at, v, true);
    case "int32":
      return (at, v) => view.setInt32(at, v, true);
    case "bool":
      return (at, v) => view.setUint8(at, v);
  }
}

/** Reorders column-major (Fortran) data of `shape` into row-major order. */
function fortranToRowMajor(data: DataArray, shape: readonly number[]): DataArray {
  const out = new (data.constructor as new (n: number) => DataArray)(data.length);
  const rank = shape.length;
  const rowStrides: number[] = new Array(rank);
  for (let axis = rank - 1, s = 1; axis >= 0; axis--) {
    rowStrides[axis] = s;
    s *= shape[axis];
  }
  // Walk the file's order (first index fastest), keeping the row-major offset of the current index.
  const index = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let i = 0; i < data.length; i++) {
    out[offset] = data[i];
    for (let axis = 0; axis < rank; axis++) {
      if (++index[axis] < shape[axis]) {
        offset += rowStrides[axis];
        break;
      }
      offset -= (shape[axis] - 1) * rowStrides[axis];
      index[axis] = 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The npy header is a Python literal: a dict of strings, booleans, ints and tuples. This reads that subset.

type PythonValue = string | number | boolean | null | PythonValue[] | { [key: string]: PythonValue };

function parsePythonLiteral(text: string): PythonValue {
  let at = 0;
  const skipSpace = () => {
    while (at < text.length && /\s/.test(text[at])) at++;
  };
  const expect = (c: string) => {
    skipSpace();
    if (text[at] !== c) throw new Error(`expected '${c}' at offset ${at}`);
    at++;
  };
  const sequence = <T>(close: string, item: () => T): T[] => {
    const items: T[] = [];
    for (;;) {
      skipSpace();
      if (text[at] === close) break;
      items.push(item());
      skipSpace();
      if (text[at] === ",") at++;
      else if (text[at] !== close) throw new Error(`expected ',' or '${close}' at offset ${at}`);
    }
    at++;
    return items;
  };
  const value = (): PythonValue => {
    skipSpace();
    const c = text[at];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, at + 1);
      if (end < 0) throw new Error(`unterminated string at offset ${at}`);
      const s = text.slice(at + 1, end);
      at = end + 1;
      return s;
    }
    if (c === "(" || c === "[") {
      at++;
      return sequence(c === "(" ? ")" : "]", value);
    }
    if (c === "{") {
      at++;
      const entries = sequence("}", () => {
        const key = value();
        if (typeof key !== "string") throw new Error(`a dict key is not a string at offset ${at}`);
        expect(":");
        return [key, value()] as const;
      });
      return Object.fromEntries(entries);
    }
    const word = /^(True|False|None|-?\d+L?)/.exec(text.slice(at));
    if (word === null) {
      throw new Error(`unexpected ${JSON.stringify(text.slice(at, at + 10))} at offset ${at}`);
    }
    at += word[0].length;
    if (word[0] === "True" || word[0] === "False") return word[0] === "True";
    if (word[0] === "None") return null;
    return Number(word[0].replace("L", "")); // Python 2 wrote long sizes as 3L
  };
  const result = value();
  skipSpace();
  if (at !== text.length) throw new Error(`unexpected text after the dict at offset ${at}`);
  return result;
}
