/**
 * Spec §9.3: the joint fit of ability, slope and pMax (posterior mode with the declared curve as prior, Laplace
 * covariance), checked against a brute-force grid of the same posterior on small cases; and the case of the spec: a
 * strong model that fails 14 % of easy tasks is explained by pMax ≈ 0.86, not by a lower ability (simulated agents).
 */
import { describe, expect, it } from 'vitest';
import {
  Calibrator,
  fitCurve,
  PMAX_PRIOR_SIGMA,
  type PooledOutcome,
  PRIOR_SIGMA,
  SLOPE_PRIOR_SIGMA,
} from '../src/rightsize/learning/calibration.js';
import { capabilitySuccessAt } from '../src/rightsize/math/predict.js';
import { mulberry32 } from '../src/rightsize/math/prng.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';

const logistic = (x: number) => 1 / (1 + Math.exp(-x));

/** The log posterior of spec §9.3 written out directly, for the grid. */
function logPosterior(
  data: readonly PooledOutcome[],
  prior: { a: number; k: number; p: number },
  a: number,
  lnK: number,
  logitP: number,
): number {
  const k = Math.exp(lnK);
  const p = logistic(logitP);
  let v = 0;
  for (const d of data) {
    const P = Math.min(1 - 1e-12, Math.max(1e-12, p * logistic(k * (a - d.complexity))));
    v += d.successes * Math.log(P) + (d.trials - d.successes) * Math.log(1 - P);
  }
  const centreP = Math.min(0.99, Math.max(0.01, prior.p));
  v -= ((a - prior.a) / PRIOR_SIGMA) ** 2 / 2;
  v -= ((lnK - Math.log(prior.k)) / SLOPE_PRIOR_SIGMA) ** 2 / 2;
  v -= ((logitP - Math.log(centreP / (1 - centreP))) / PMAX_PRIOR_SIGMA) ** 2 / 2;
  return v;
}

function simulate(truth: { ability: number; slope: number; pMax: number }, complexities: number[], seed: number) {
  const rng = mulberry32(seed);
  return complexities.map((complexity) => {
    const trials = 12;
    let successes = 0;
    for (let i = 0; i < trials; i++) if (rng.next() < capabilitySuccessAt(truth, complexity)) successes++;
    return { complexity, trials, successes };
  });
}

describe('joint fit of ability, slope and pMax (spec §9.3)', () => {
  const cases = [
    { declared: { ability: 6, slope: 2, pMax: 1 }, truth: { ability: 5, slope: 1.5, pMax: 0.9 }, seed: 1 },
    { declared: { ability: 4, slope: 2, pMax: 0.95 }, truth: { ability: 4.5, slope: 3, pMax: 0.8 }, seed: 2 },
    { declared: { ability: 8, slope: 1, pMax: 1 }, truth: { ability: 8, slope: 1, pMax: 1 }, seed: 3 },
  ];
  for (const { declared, truth, seed } of cases) {
    it(`finds the posterior mode of a brute-force grid (declared ${declared.ability}, true ${truth.ability})`, {
      timeout: 60_000,
    }, () => {
      const data = simulate(truth, [truth.ability - 3, truth.ability - 1, truth.ability, truth.ability + 1], seed);
      const fit = fitCurve(data, declared);
      const prior = { a: declared.ability, k: declared.slope, p: declared.pMax };
      let best = { v: Number.NEGATIVE_INFINITY, a: 0, lnK: 0, logitP: 0 };
      const step = { a: 0.05, lnK: 0.05, logitP: 0.1 };
      let mass = 0;
      let mean = 0;
      let second = 0;
      for (let a = declared.ability - 4; a <= declared.ability + 4; a += step.a) {
        for (let lnK = Math.log(declared.slope) - 1.5; lnK <= Math.log(declared.slope) + 1.5; lnK += step.lnK) {
          for (let logitP = -2; logitP <= 8; logitP += step.logitP) {
            const v = logPosterior(data, prior, a, lnK, logitP);
            if (v > best.v) best = { v, a, lnK, logitP };
            const w = Math.exp(v);
            mass += w;
            mean += w * a;
            second += w * a * a;
          }
        }
      }
      expect(Math.abs(fit.ability - best.a)).toBeLessThanOrEqual(step.a);
      expect(Math.abs(Math.log(fit.slope) - best.lnK)).toBeLessThanOrEqual(step.lnK);
      expect(Math.abs(Math.log(fit.pMax / (1 - fit.pMax)) - best.logitP)).toBeLessThanOrEqual(step.logitP);
      // The mode is a maximum: no grid point beats it.
      const atFit = logPosterior(data, prior, fit.ability, Math.log(fit.slope), Math.log(fit.pMax / (1 - fit.pMax)));
      expect(atFit).toBeGreaterThanOrEqual(best.v - 1e-9);
      // The Laplace sigma of the ability is near the grid posterior's standard deviation (the posterior is skewed, so
      // only roughly).
      const sd = Math.sqrt(second / mass - (mean / mass) ** 2);
      expect(fit.abilitySigma / sd).toBeGreaterThan(0.6);
      expect(fit.abilitySigma / sd).toBeLessThan(1.5);
    });
  }

  it('with no outcomes the fit is the declared curve', () => {
    const fit = fitCurve([], { ability: 5, slope: 2, pMax: 0.9 });
    expect(fit.ability).toBeCloseTo(5, 12);
    expect(fit.pMax).toBeCloseTo(0.9, 12);
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.abilitySigma).toBeCloseTo(PRIOR_SIGMA, 12);
  });

  it('explains a strong model that fails 14 % of easy tasks by pMax ≈ 0.86, not by a lower ability (simulated)', () => {
    const profile: CapabilityProfile = {
      domains: [{ domain: 'math', ability: 9 }],
      reasoning: { mode: 'none' },
      latency: { ttftMs: { p50: 100, p95: 200 }, outputTokensPerSecond: 50 },
      placement: { placement: 'cloud' },
      cost: { currency: 'USD' },
    };
    const rng = mulberry32(86);
    const cal = new Calibrator();
    for (let i = 0; i < 600; i++) {
      const c = 3 + 7 * rng.next();
      const success = rng.next() < capabilitySuccessAt({ ability: 9, slope: 2, pMax: 0.86 }, c);
      cal.observe({ agentId: 'strong', domain: 'math', complexity: c, success, evidence: 'verified' }, profile);
    }
    const [row] = cal.report('strong');
    expect(Math.abs((row?.pMax ?? 0) - 0.86)).toBeLessThan(0.04);
    expect(Math.abs((row?.ability ?? 0) - 9)).toBeLessThan(0.3);
    expect(row?.verdict).toBe('consistent'); // its ability claim holds; its pMax is what the fit lowers
    const calibrated = cal.calibratedProfile('strong', profile).domains[0];
    expect(calibrated?.pMax).toBeCloseTo(row?.pMax ?? 0, 12);
    expect(calibrated?.slope).toBeCloseTo(row?.slope ?? 0, 12);
  });
});
