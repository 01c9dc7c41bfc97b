/**
 * `abilityFloor` (the candidate index's first cut, spec §7.9): every ability below the floor has a success bound
 * below the target (no feasible agent is cut), and the floor is tight (the bound reaches the target within the
 * search's final width above it), for random slope limits, pMax, complexity and targets — the contract of the plain
 * bisection it replaced, which the test also checks it matches.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { abilityFloor, frontierBound } from '../src/rightsize/routing/success-bounds.js';

/** The plain bisection over ±400 around μ (the former search): the reference. */
function bisectionFloor(target: number, kMin: number, kMax: number, pMax: number, mu: number, sigma: number) {
  const bound = (a: number) => frontierBound(a, kMin, kMax, pMax, mu, sigma);
  let lo = mu - 400;
  let hi = mu + 400;
  if (bound(hi) < target) return Number.POSITIVE_INFINITY;
  if (bound(lo) >= target) return Number.NEGATIVE_INFINITY;
  while (hi - lo > 1e-9 * Math.max(1, Math.abs(lo))) {
    const mid = (lo + hi) / 2;
    if (bound(mid) >= target) hi = mid;
    else lo = mid;
  }
  return lo;
}

const limits = fc.record({
  target: fc.oneof(fc.double({ min: 0.001, max: 0.999, noNaN: true }), fc.double({ min: 0.9999, max: 1, noNaN: true })),
  kMin: fc.double({ min: 0.25, max: 4, noNaN: true }),
  kSpread: fc.double({ min: 0, max: 4, noNaN: true }),
  pMax: fc.double({ min: 0.5, max: 1, noNaN: true }),
  mu: fc.double({ min: -2, max: 14, noNaN: true }),
  sigma: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 8, noNaN: true })),
});

describe('abilityFloor', () => {
  it('cuts no ability whose bound reaches the target, is tight, and matches plain bisection', () => {
    fc.assert(
      fc.property(limits, ({ target, kMin, kSpread, pMax, mu, sigma }) => {
        const kMax = kMin + kSpread;
        const floor = abilityFloor(target, kMin, kMax, pMax, mu, sigma);
        const reference = bisectionFloor(target, kMin, kMax, pMax, mu, sigma);
        if (!Number.isFinite(reference)) {
          expect(floor).toBe(reference);
          return;
        }
        const bound = (a: number) => frontierBound(a, kMin, kMax, pMax, mu, sigma);
        expect(bound(floor)).toBeLessThan(target); // and so is every lower ability's (the bound is non-decreasing)
        expect(bound(floor + 4e-9 * Math.max(1, Math.abs(floor)))).toBeGreaterThanOrEqual(target);
        expect(Math.abs(floor - reference)).toBeLessThan(1e-7 * Math.max(1, Math.abs(reference)));
      }),
      { numRuns: 3000 },
    );
  });

  it('is −∞ for a target of 0 and +∞ above pMax', () => {
    expect(abilityFloor(0, 1, 2, 0.9, 5, 1)).toBe(Number.NEGATIVE_INFINITY);
    expect(abilityFloor(0.95, 1, 2, 0.9, 5, 1)).toBe(Number.POSITIVE_INFINITY);
  });
});
