/**
 * Test helpers: units in the last place between float32 values, and the sweep of inputs (special values,
 * every binade, dense ranges) that the float32 math is checked on.
 * @module
 */

const bits = new Int32Array(1);
const float = new Float32Array(bits.buffer);

/** A float32 mapped to an integer that is monotonic in its value (±0 both map to 0). */
function ordered(x: number): number {
  float[0] = x;
  const b = bits[0];
  return b >= 0 ? b : -(b & 0x7fffffff);
}

/** ULPs between two float32 values; NaN matches only NaN (0), else Infinity. */
export function ulpDistance(actual: number, expected: number): number {
  if (Number.isNaN(actual) || Number.isNaN(expected)) {
    return Number.isNaN(actual) && Number.isNaN(expected) ? 0 : Infinity;
  }
  if (actual === expected) return 0;
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return Infinity;
  return Math.abs(ordered(actual) - ordered(expected));
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values every float32 function is checked on: infinities, NaN, zeros, subnormals, tiny and huge values. */
export const SPECIAL_VALUES: readonly number[] = [
  0,
  -0,
  Infinity,
  -Infinity,
  NaN,
  1,
  -1,
  0.5,
  -0.5,
  2,
  -2,
  1e-12,
  -1e-12,
  1e-30,
  -1e-30,
  2 ** -149,
  -(2 ** -149),
  1e-40,
  -1e-40,
  2 ** -126,
  -(2 ** -126),
  3e38,
  -3e38,
  1000,
  -1000,
  88.72,
  -88.72,
  89.5,
  -89.5,
  103.9,
  -103.9,
  110,
  -110,
  9,
  -9,
  20,
  -20,
  17,
  -17,
  Math.LN2,
  -Math.LN2,
  0.34657,
  -0.34657,
  1e5,
  -1e5,
  262144,
  -262144,
  3e5,
  -3e5,
  1e10,
  -1e10,
  Math.PI,
  -Math.PI,
  Math.PI / 2,
  4096,
  5000,
].map(Math.fround);

/** A float32 sweep: special values, random values in every binade (both signs), dense values in [-lo, hi]. */
export function float32Sweep(
  options: { seed?: number; perBinade?: number; dense?: number; range?: number } = {},
): Float32Array {
  const { seed = 1, perBinade = 24, dense = 20000, range = 30 } = options;
  const next = random(seed);
  const values: number[] = [...SPECIAL_VALUES];
  for (let exponent = -149; exponent <= 127; exponent++) {
    for (let i = 0; i < perBinade; i++) {
      const magnitude = 2 ** exponent * (1 + next());
      values.push(next() < 0.5 ? magnitude : -magnitude);
    }
  }
  for (let i = 0; i < dense; i++) values.push((next() * 2 - 1) * range);
  return new Float32Array(values);
}
