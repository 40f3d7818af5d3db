import assert from "node:assert/strict";
import fc from "fast-check";
import { RandomState, randomState } from "../../cas/random.ts";
import { config } from "../../cas/dtype.ts";

/** Mean, variance, skewness and excess kurtosis of a sample. */
function moments(xs: ArrayLike<number>): { mean: number; variance: number; skew: number; kurtosis: number } {
  const n = xs.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += xs[i] / n;
  let m2 = 0, m3 = 0, m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i] - mean;
    m2 += d * d / n;
    m3 += d * d * d / n;
    m4 += d * d * d * d / n;
  }
  return { mean, variance: m2, skew: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) - 3 };
}

/** Pearson's chi-square statistic of observed counts against equal expected counts. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

// ---------------------------------------------------------------------------------------------------------------
// The generator itself

Deno.test("uint32() is xoshiro128**: the reference outputs for state [1, 2, 3, 4]", () => {
  const rng = new RandomState(0);
  rng.state = [1, 2, 3, 4];
  // The first outputs of Blackman and Vigna's C reference (also checked against a Python transcription).
  assert.deepEqual(Array.from({ length: 6 }, () => rng.uint32()), [
    11520,
    0,
    5927040,
    70819200,
    2031721883,
    1637235492,
  ]);
});

Deno.test("the seed is expanded by splitmix32 into the documented state", () => {
  // Values from an independent Python transcription of the seeding and the generator.
  assert.deepEqual(new RandomState(0).state, [2462723854, 1020716019, 454327756, 1275600319]);
  assert.deepEqual(new RandomState(-1).state, [3356300964, 3193323684, 3676498158, 1061850948]);
  const rng = randomState(42);
  assert.deepEqual([rng.uint32(), rng.uint32(), rng.uint32()], [2837322924, 544945897, 479756282]);
  const big = randomState(2 ** 40 + 5);
  assert.deepEqual([big.uint32(), big.uint32(), big.uint32()], [626942406, 2029640822, 3357700167]);
});

Deno.test("the same seed gives the same stream, different seeds different streams", () => {
  fc.assert(fc.property(fc.maxSafeInteger(), fc.maxSafeInteger(), (a, b) => {
    const x = randomState(a).uniform([8], 0, 1, "float64");
    assert.ok(x.equals(randomState(a).uniform([8], 0, 1, "float64")));
    if (a !== b) assert.ok(!x.equals(randomState(b).uniform([8], 0, 1, "float64")));
  }));
  // Seeds that differ only above 32 bits still differ.
  assert.notDeepEqual(randomState(1).state, randomState(1 + 2 ** 32).state);
});

Deno.test("state can be saved and restored, and is validated", () => {
  const rng = randomState(9);
  rng.random();
  const saved = rng.state;
  const first = rng.normal([5], 0, 1, "float64");
  rng.state = saved;
  assert.ok(rng.normal([5], 0, 1, "float64").equals(first));
  assert.throws(() => (rng.state = [0, 0, 0, 0]), /must not be all zeros/);
  assert.throws(() => (rng.state = [1, 2, 3]), /four 32-bit unsigned integers/);
  assert.throws(() => (rng.state = [1, 2, 3, 2 ** 32]), /four 32-bit unsigned integers/);
  assert.throws(() => new RandomState(0.5), /seed 0.5 must be a safe integer/);
});

// ---------------------------------------------------------------------------------------------------------------
// Distributions (N = 100000 draws; tolerances are about 5 standard errors)

const N = 100_000;

Deno.test("random() is uniform on [0, 1)", () => {
  const rng = randomState(1);
  const xs = Float64Array.from({ length: N }, () => rng.random());
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const m = moments(xs);
  assert.ok(Math.abs(m.mean - 0.5) < 5 * Math.sqrt(1 / 12 / N), `mean ${m.mean}`);
  assert.ok(Math.abs(m.variance - 1 / 12) < 0.002, `variance ${m.variance}`);
  const bins = new Array(10).fill(0);
  xs.forEach((x) => bins[Math.floor(x * 10)]++);
  assert.ok(chiSquare(bins) < 33, `chi-square ${chiSquare(bins)} (9 degrees of freedom; p = 1e-4 at 33)`);
});

Deno.test("uniform() fills [low, high) in floatX or float64", () => {
  const a = randomState(2).uniform([200, 500], -3, 5);
  assert.equal(a.dtype, config.floatX);
  assert.deepEqual(a.shape, [200, 500]);
  assert.ok(a.data.every((x) => x >= -3 && x <= 5));
  const m = moments(a.data);
  assert.ok(Math.abs(m.mean - 1) < 5 * Math.sqrt(64 / 12 / N), `mean ${m.mean}`);
  assert.ok(Math.abs(m.variance - 64 / 12) < 0.1, `variance ${m.variance}`);
  assert.equal(randomState(2).uniform(3, 0, 1, "float64").dtype, "float64");
  assert.deepEqual(randomState(2).uniform([2], 4, 4).toArray(), [4, 4]);
  assert.throws(() => randomState(2).uniform([2], 1, 0), /low 1 and high 0/);
  assert.throws(() => randomState(2).uniform([2], 0, 1, "int32"), /dtype must be float32 or float64/);
  assert.throws(() => randomState(2).uniform([-2]), /non-negative integer sizes/);
});

Deno.test("normal() has the asked mean and std, no skew and no excess kurtosis", () => {
  const a = randomState(3).normal([N + 1], 2, 3, "float64"); // odd size: the last pair is half used
  assert.equal(a.size, N + 1);
  const m = moments(a.data);
  assert.ok(Math.abs(m.mean - 2) < 5 * 3 / Math.sqrt(N), `mean ${m.mean}`);
  assert.ok(Math.abs(Math.sqrt(m.variance) - 3) < 0.04, `std ${Math.sqrt(m.variance)}`);
  assert.ok(Math.abs(m.skew) < 5 * Math.sqrt(6 / N), `skew ${m.skew}`);
  assert.ok(Math.abs(m.kurtosis) < 5 * Math.sqrt(24 / N), `excess kurtosis ${m.kurtosis}`);
  assert.ok(a.data.every(Number.isFinite));
  // About 68.3% within one std.
  const within = a.data.filter((x) => Math.abs(x - 2) < 3).length / a.size;
  assert.ok(Math.abs(within - 0.6827) < 0.01, `fraction within 1 std ${within}`);
  assert.equal(randomState(3).normal([4]).dtype, config.floatX);
  assert.deepEqual(randomState(3).normal([3], 7, 0, "float64").toArray(), [7, 7, 7]);
  assert.throws(() => randomState(3).normal([3], 0, -1), /std -1/);
});

Deno.test("integers() draws each value of [low, high) equally often", () => {
  const dice = randomState(4).integers([60_000], 1, 7);
  assert.equal(dice.dtype, "int32");
  const counts = new Array(6).fill(0);
  dice.data.forEach((x) => counts[x - 1]++);
  assert.ok(counts.every((c) => c > 0));
  assert.ok(chiSquare(counts) < 26, `chi-square ${chiSquare(counts)} (5 degrees of freedom; p = 1e-4 at 26)`);
  // A range that does not divide 2^32 evenly: rejection keeps it unbiased.
  const big = randomState(5).integers([60_000], 3 * 2 ** 29);
  const thirds = [0, 0, 0];
  big.data.forEach((x) => thirds[Math.floor(x / 2 ** 29)]++);
  assert.ok(chiSquare(thirds) < 19, `chi-square ${chiSquare(thirds)} over thirds of the range`);
  const full = randomState(6).integers([1000], -(2 ** 31), 2 ** 31);
  assert.ok(full.data.some((x) => x < 0) && full.data.some((x) => x > 0));
  assert.deepEqual(randomState(6).integers([3], 5, 6).toArray(), [5, 5, 5]);
  assert.throws(() => randomState(6).integers([3], 5, 5), /low 5, high 5/);
  assert.throws(() => randomState(6).integers([3], 0, 2 ** 31 + 1), /high 2147483649/);
  assert.throws(() => randomState(6).integers([3], 0.5, 2), /low 0.5/);
});

Deno.test("permutation() returns every index once, each position uniformly", () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 200 }), fc.maxSafeInteger(), (n, seed) => {
    const p = randomState(seed).permutation(n);
    assert.equal(p.length, n);
    assert.deepEqual(Array.from(p).sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
  }));
  const rng = randomState(7);
  const firsts = new Array(5).fill(0);
  for (let i = 0; i < 20_000; i++) firsts[rng.permutation(5)[0]]++;
  assert.ok(chiSquare(firsts) < 24, `chi-square ${chiSquare(firsts)} (4 degrees of freedom; p = 1e-4 at 24)`);
  assert.throws(() => rng.permutation(-1), /n -1/);
});
