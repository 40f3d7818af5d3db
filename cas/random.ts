/**
 * A seeded random number generator for reproducible weight initialisation and test data.
 *
 * The generator is xoshiro128** (Blackman and Vigna), seeded through splitmix32: 32-bit integer arithmetic only, so
 * `random`, `uniform`, `integers` and `permutation` give the same numbers on every JavaScript engine. `normal` uses
 * `Math.log`/`Math.cos`, which engines may round differently in the last bit.
 * @module
 */

import { config, type DType } from "./dtype.ts";
import { NDArray } from "./ndarray.ts";
import { formatShape, ShapeError, sizeOf } from "./shape.ts";

const TWO_POW_32 = 2 ** 32;

/**
 * A stream of pseudo-random numbers; the same seed gives the same stream.
 *
 * @example
 * ```ts
 * import { RandomState } from "./random.ts";
 * const rng = new RandomState(42);
 * const w = rng.normal([784, 10], 0, 0.01); // float32 (config.floatX) weights
 * w.shape; // [784, 10]
 * ```
 */
export class RandomState {
  #s0 = 0;
  #s1 = 0;
  #s2 = 0;
  #s3 = 0;

  /** A generator seeded with `seed`, any safe integer (negative too). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`RandomState: seed ${seed} must be a safe integer`);
    // splitmix32 turns one seed into four well-mixed state words, so nearby seeds give unrelated streams.
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_POW_32) | 0, 0x9e3779b1);
    const next = () => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.state = [next(), next(), next(), next()];
  }

  /**
   * The generator's four 32-bit state words; assign a saved copy to replay the stream from that point.
   *
   * @example
   * ```ts
   * import { RandomState } from "./random.ts";
   * const rng = new RandomState(1);
   * const saved = rng.state;
   * const a = rng.random();
   * rng.state = saved;
   * rng.random() === a; // true
   * ```
   */
  get state(): [number, number, number, number] {
    return [this.#s0 >>> 0, this.#s1 >>> 0, this.#s2 >>> 0, this.#s3 >>> 0];
  }

  set state(words: readonly number[]) {
    if (words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32)) {
      throw new RangeError(`RandomState: the state must be four 32-bit unsigned integers, got [${words}]`);
    }
    if (words.every((w) => w === 0)) throw new RangeError("RandomState: the state must not be all zeros");
    [this.#s0, this.#s1, this.#s2, this.#s3] = words;
  }

  /**
   * The next 32-bit unsigned integer of the stream (every other method is built on this).
   *
   * @example
   * ```ts
   * import { RandomState } from "./random.ts";
   * new RandomState(7).uint32() < 2 ** 32; // true
   * ```
   */
  uint32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.#s1, 5), 7), 9);
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotateLeft(this.#s3, 11);
    return result >>> 0;
  }

  /**
   * A float64 uniformly distributed in [0, 1), with 53 random bits.
   *
   * @example
   * ```ts
   * import { RandomState } from "./random.ts";
   * const u = new RandomState(7).random();
   * u >= 0 && u < 1; // true
   * ```
   */
  random(): number {
    const high = this.uint32() >>> 5; // 27 bits
    const low = this.uint32() >>> 6; // 26 bits
    return (high * 2 ** 26 + low) / 2 ** 53;
  }

  /**
   * An array of values uniformly distributed in [low, high) (`high` itself can appear through float rounding).
   *
   * @example
   * ```ts
   * import { RandomState } from "./random.ts";
   * new RandomState(0).uniform([2, 3], -1, 1).shape; // [2, 3]
   * ```
   */
  uniform(shape: number | readonly number[], low = 0, high = 1, dtype: DType = config.floatX): NDArray {
    if (!(Number.isFinite(low) && Number.isFinite(high) && low <= high)) {
      throw new RangeError(`uniform(): low ${low} and high ${high} must be finite with low <= high`);
    }
    const out = allocateFloat("uniform()", shape, dtype);
    // float32 needs only 24 random bits, and one draw each keeps float32 streams twice as fast.
    const unit = dtype === "float32" ? () => (this.uint32() >>> 8) / 2 ** 24 : () => this.random();
    for (let i = 0; i < out.data.length; i++) out.data[i] = low + (high - low) * unit();
    return out;
  }

  /**
   * An array of normally distributed values (Box–Muller transform).
   *
   * @example
   * ```ts
   * import { RandomState } from "./random.ts";
   * new RandomState(0).normal(1000, 5, 2, "float64").dtype; // "float64"
   * ```
   */
  normal(shape: number | readonly number[], mean = 0, std = 1, dtype: DType = config.floatX): NDArray {
    if (!(Number.isFinite(mean) && Number.isFinite(std) && std >= 0)) {
      throw new RangeError(`normal(): mean ${mean} and std ${std} must be finite with std >= 0`);
    }
    const out = allocateFloat("normal()", shape, dtype);
    const data = out.data;
    for (let i = 0; i < data.length; i += 2) {
      const radius = Math.sqrt(-2 * Math.log(1 - this.random())); // 1 - u is in (0, 1]: log never sees 0
      const angle = 2 * Math.PI * this.random();
      data[i] = mean + std * radius * Math.cos(angle);
      if (i + 1 < data.length) data[i + 1] = mean + std * radius * Math.sin(angle);
    }
    return out;
  }

  /**
   * An int32 array of integers uniformly drawn from [low, high), without modulo bias; `integers(shape, n)`
   * draws from [0, n).
   *
   * @example
   * ```ts
   * import { RandomState } from "./random.ts";
   * const dice = new RandomState(3).integers([10], 1, 7); // values 1 to 6
   * dice.dtype; // "int32"
   * ```
   */
  integers(shape: number | readonly number[], low: number, high?: number): NDArray {
    if (high === undefined) [low, high] = [0, low];
    if (
      !Number.isInteger(low) || !Number.isInteger(high) || low >= high || low < -(2 ** 31) || high > 2 ** 31
    ) {
      throw new RangeError(
        `integers(): need integers -2**31 <= low < high <= 2**31, got low ${low}, high ${high}`,
      );
    }
    const dims = checkedShape("integers()", shape);
    const data = new Int32Array(sizeOf(dims));
    for (let i = 0; i < data.length; i++) data[i] = low + this.#below(high - low);
    return new NDArray(data, dims);
  }

  /**
   * A random ordering of `0 … n-1` (Fisher–Yates).
   *
   * @example
   * ```ts
   * import { RandomState } from "./random.ts";
   * const order = new RandomState(5).permutation(4); // Int32Array [1, 3, 0, 2]
   * order.length; // 4
   * ```
   */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > 2 ** 31) {
      throw new RangeError(`permutation(): n ${n} must be an integer from 0 to 2**31`);
    }
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.#below(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** A uniform integer in [0, range) for 1 <= range <= 2^32, rejecting the draws that would bias `% range`. */
  #below(range: number): number {
    if (range === TWO_POW_32) return this.uint32();
    const limit = TWO_POW_32 - (TWO_POW_32 % range); // the largest multiple of range that fits in 32 bits
    let x = this.uint32();
    while (x >= limit) x = this.uint32();
    return x % range;
  }
}

/**
 * A new `RandomState` seeded with `seed`.
 *
 * @example
 * ```ts
 * import { randomState } from "./random.ts";
 * const a = randomState(123).uniform([3]);
 * const b = randomState(123).uniform([3]);
 * a.equals(b); // true
 * ```
 */
export function randomState(seed: number): RandomState {
  return new RandomState(seed);
}

function rotateLeft(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function checkedShape(op: string, shape: number | readonly number[]): number[] {
  const dims = typeof shape === "number" ? [shape] : [...shape];
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ShapeError(`${op}: shape ${formatShape(dims)} must hold non-negative integer sizes`);
  }
  return dims;
}

function allocateFloat(op: string, shape: number | readonly number[], dtype: DType): NDArray {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new TypeError(`${op}: dtype must be float32 or float64, got ${dtype} (use integers() for int32)`);
  }
  const dims = checkedShape(op, shape);
  const size = sizeOf(dims);
  return new NDArray(dtype === "float32" ? new Float32Array(size) : new Float64Array(size), dims);
}
