/**
 * The conditions rule tables guard their rewrites with: small predicates over what the e-class analyses know of
 * a pattern variable (its type, its constant value, its value range). They are the only code in the rule
 * tables; each says in its name what it requires, so a rule reads as data: `when: all(finite("x"))`.
 *
 * A range `{ lo, hi, nan }` bounds the non-NaN values of a class (±Infinity included when reachable), and
 * `nan` says whether NaN is possible. Every predicate here is conservative: it returns true only when the
 * analysis proves the property.
 * @module
 */
import type { ClassInfo } from "../rule.ts";

/** A condition on the classes a rule's pattern variables matched. */
export type Condition = (v: Readonly<Record<string, ClassInfo>>) => boolean;

type InfoTest = (info: ClassInfo) => boolean;

function on(test: InfoTest): (...names: string[]) => Condition {
  return (...names) => (v) => names.every((n) => v[n] !== undefined && test(v[n]));
}

/** True when every condition holds. */
export function all(...conditions: Condition[]): Condition {
  return (v) => conditions.every((c) => c(v));
}

/** True when some condition holds. */
export function any(...conditions: Condition[]): Condition {
  return (v) => conditions.some((c) => c(v));
}

/** Never NaN. */
export const notNaN: (...names: string[]) => Condition = on((i) => !i.range.nan);
/** Never NaN or ±∞. */
export const finite: (...names: string[]) => Condition = on((i) =>
  !i.range.nan && i.range.lo > -Infinity && i.range.hi < Infinity
);
/** Never +∞ (NaN allowed). */
export const belowInfinity: (...names: string[]) => Condition = on((i) => i.range.hi < Infinity);
/** Never −∞ (NaN allowed). */
export const aboveMinusInfinity: (...names: string[]) => Condition = on((i) => i.range.lo > -Infinity);
/** Strictly positive, never NaN (+∞ allowed). */
export const positive: (...names: string[]) => Condition = on((i) => !i.range.nan && i.range.lo > 0);
/** Strictly positive and finite. */
export const positiveFinite: (...names: string[]) => Condition = on((i) =>
  !i.range.nan && i.range.lo > 0 && i.range.hi < Infinity
);
/** Non-negative (−0 included), never NaN. */
export const nonNegative: (...names: string[]) => Condition = on((i) => !i.range.nan && i.range.lo >= 0);
/** At least `bound`, never NaN. */
export function atLeast(bound: number, ...names: string[]): Condition {
  return on((i) => !i.range.nan && i.range.lo >= bound)(...names);
}
/** Never zero (nor NaN): the range lies on one side of 0. */
export const nonZero: (...names: string[]) => Condition = on((i) =>
  !i.range.nan && (i.range.lo > 0 || i.range.hi < 0)
);
/** Finite, never zero, and far enough from 0 and ∞ that its reciprocal is a normal float64 too. */
export const safeReciprocal: (...names: string[]) => Condition = on((i) => {
  const { lo, hi, nan } = i.range;
  const normal = (x: number) => Math.abs(x) >= 2 ** -1022 && Math.abs(x) <= 2 ** 1022;
  return !nan && (lo > 0 || hi < 0) && normal(lo) && normal(hi);
});
/** A rank-0 class (a scalar), whatever its value. */
export const scalar: (...names: string[]) => Condition = on((i) => i.shape.length === 0);
/** A constant that is an integer. */
export const integerConstant: (...names: string[]) => Condition = on((i) =>
  i.constant !== undefined && Number.isInteger(i.constant)
);
/** A constant integer ≥ 0. */
export const naturalConstant: (...names: string[]) => Condition = on((i) =>
  i.constant !== undefined && Number.isInteger(i.constant) && i.constant >= 0
);
/** A constant integer ≤ 0. */
export const nonPositiveIntegerConstant: (...names: string[]) => Condition = on((i) =>
  i.constant !== undefined && Number.isInteger(i.constant) && i.constant <= 0
);

/** A constant even integer ≥ `least`. */
export function evenConstantAtLeast(least: number, ...names: string[]): Condition {
  return on((i) => i.constant !== undefined && Number.isInteger(i.constant / 2) && i.constant >= least)(
    ...names,
  );
}
/** A constant odd integer ≥ `least`. */
export function oddConstantAtLeast(least: number, ...names: string[]): Condition {
  return on((i) => i.constant !== undefined && Math.abs(i.constant % 2) === 1 && i.constant >= least)(
    ...names,
  );
}

/**
 * A constant ±2ᵏ whose reciprocal is a normal float64 as well: dividing by it and multiplying by its reciprocal
 * round identically (both are exact scalings), so the rewrite changes no bit.
 */
export const powerOfTwoConstant: (...names: string[]) => Condition = on((i) => {
  const c = i.constant;
  if (c === undefined || c === 0 || !Number.isFinite(c)) return false;
  const k = Math.log2(Math.abs(c));
  return Number.isInteger(k) && k >= -1022 && k <= 1022;
});
/** A nonzero finite constant. */
export const nonZeroConstant: (...names: string[]) => Condition = on((i) =>
  i.constant !== undefined && i.constant !== 0 && Number.isFinite(i.constant)
);

/** The named classes have the same static shape (so none of them broadcasts against another). */
export function sameShape(...names: string[]): Condition {
  return (v) => {
    const shapes = names.map((n) => v[n]?.shape);
    if (shapes.some((s) => s === undefined)) return false;
    const [first, ...rest] = shapes as NonNullable<(typeof shapes)[number]>[];
    return rest.every((s) => s.length === first.length && s.every((d, k) => d === first[k]));
  };
}

/** Magnitudes whose products and quotients stay normal float64 numbers: 1e-150 ≤ |x| ≤ 1e150, no NaN. */
const MODERATE_LO = 1e-150, MODERATE_HI = 1e150;

/**
 * The value is non-zero with a magnitude in [1e-150, 1e150], so multiplying or dividing two such values can
 * neither overflow nor underflow: reassociating a quotient (a/b/c = a/(b·c)) then only rounds differently.
 */
export const moderate: (...names: string[]) => Condition = on(({ range }) =>
  !range.nan &&
  ((range.lo >= MODERATE_LO && range.hi <= MODERATE_HI) ||
    (range.hi <= -MODERATE_LO && range.lo >= -MODERATE_HI))
);
