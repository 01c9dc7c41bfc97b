/** The success integral (spec §6.2 (5)) against brute-force integration across the parameter space. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectedSuccess } from '../src/rightsize/math/predict.js';
import { logistic } from '../src/rightsize/math/stats.js';

/** Midpoint rule with 40 000 points over ±12 sigma: slow, simple, accurate to ~1e-9 here. */
function bruteForce(a: number, k: number, mu: number, sigma: number, upper: number): number {
  const lo = mu - 12 * sigma;
  const hi = Math.min(mu + 12 * sigma, upper);
  if (hi <= lo) return 0;
  const n = 40_000;
  const h = (hi - lo) / n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const c = lo + (i + 0.5) * h;
    total += (logistic(k * (a - c)) * Math.exp(-0.5 * ((c - mu) / sigma) ** 2)) / (sigma * Math.sqrt(2 * Math.PI));
  }
  return total * h;
}

describe('expected success integral', () => {
  it('is within 1e-6 of brute force for slopes 0.25–16, sigmas 0.01–8, with and without a budget cut', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.25, max: 16, noNaN: true }),
        fc.double({ min: 0.01, max: 8, noNaN: true }),
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.option(fc.double({ min: -10, max: 10, noNaN: true }), { nil: undefined }),
        (k, sigma, offset, cut) => {
          const mu = 20;
          const upper = cut === undefined ? Number.POSITIVE_INFINITY : mu + cut;
          const fast = expectedSuccess({ ability: mu + offset, slope: k, pMax: 1 }, { value: mu, sigma }, upper);
          expect(Math.abs(fast - bruteForce(mu + offset, k, mu, sigma, upper))).toBeLessThan(1e-6);
        },
      ),
      { numRuns: 120, seed: 21 },
    );
  });
});
