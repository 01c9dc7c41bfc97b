import { describe, expect, it } from 'vitest';
import { type LearnerOptions, OnlineIrtLearner } from '../src/rightsize/learning/learner.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';
import { mulberry32 } from '../src/rightsize/prng.js';
import { logistic } from '../src/rightsize/stats.js';

const profile = (ability: number, slope = 2, pMax = 1): CapabilityProfile => ({
  domains: [{ domain: 'general', ability, slope, pMax }],
  reasoning: { mode: 'none' },
  latency: { ttftMs: { p50: 100, p95: 200 }, outputTokensPerSecond: 50 },
  placement: { placement: 'cloud' },
  cost: { currency: 'USD', perTask: 1 },
});

const TINY = 1e-4;
/** A declared pMax of 1 enters the prior as logit(0.98) (pMax is learned in logit space). */
const PMAX = 0.98;
/** Only the agent-wide ability is uncertain: the brute-force posterior is one-dimensional. */
const abilityOnly: LearnerOptions = {
  ngramScale: 0,
  priorSigmas: {
    ability: 1.5,
    abilityOffset: TINY,
    logSlope: TINY,
    logSlopeOffset: TINY,
    logitPMax: TINY,
    logitPMaxOffset: TINY,
    prior: TINY,
    declared: TINY,
    domain: TINY,
    length: TINY,
  },
};

/** Posterior mean and sd of a on a grid: prior N(mu, s²) times Π P(y | a). */
function gridPosterior(mu: number, s: number, loglik: (a: number) => number) {
  let total = 0;
  let first = 0;
  let second = 0;
  const logs: number[] = [];
  const grid: number[] = [];
  for (let a = mu - 10 * s; a <= mu + 10 * s; a += s / 400) {
    grid.push(a);
    logs.push(-0.5 * ((a - mu) / s) ** 2 + loglik(a));
  }
  const top = Math.max(...logs);
  for (const [i, a] of grid.entries()) {
    const wgt = Math.exp((logs[i] as number) - top);
    total += wgt;
    first += wgt * a;
    second += wgt * a * a;
  }
  const mean = first / total;
  return { mean, sd: Math.sqrt(second / total - mean * mean) };
}

describe('OnlineIrtLearner', () => {
  it('one outcome: the update is the exact Laplace approximation (mode and curvature of the 1-D posterior)', () => {
    for (const [c, y] of [
      [3, true],
      [8, false],
      [5, true],
      [6, false],
    ] as const) {
      const learner = new OnlineIrtLearner(abilityOnly);
      const p = profile(5);
      learner.observe('a', p, learner.features('x', 'general', c), y);
      const curve = learner.curve('a', p, 'general');
      // mode of log N(a; 5, 1.5²) + log P(y|a), by bisection on the derivative
      const dlog = (a: number) => {
        const u = logistic(2 * (a - c));
        const dl = y ? 2 * (1 - u) : (-PMAX * 2 * u * (1 - u)) / (1 - PMAX * u);
        return -(a - 5) / 2.25 + dl;
      };
      let lo = -20;
      let hi = 30;
      for (let i = 0; i < 200; i++) {
        const mid = (lo + hi) / 2;
        if (dlog(mid) > 0) lo = mid;
        else hi = mid;
      }
      expect(curve.ability).toBeCloseTo(lo, 4);
    }
  });

  it('a stream of outcomes: the posterior of the ability matches brute force (small case)', () => {
    const rng = mulberry32(7);
    const trueAbility = 6.5;
    const learner = new OnlineIrtLearner(abilityOnly);
    const p = profile(5);
    const seen: Array<[number, boolean]> = [];
    for (let t = 0; t < 60; t++) {
      const c = rng.next() * 10;
      const y = rng.next() < PMAX * logistic(2 * (trueAbility - c));
      seen.push([c, y]);
      learner.observe('a', p, learner.features('x', 'general', c), y);
    }
    const exact = gridPosterior(5, 1.5, (a) =>
      seen.reduce(
        (sum, [c, y]) => sum + Math.log(y ? PMAX * logistic(2 * (a - c)) : 1 - PMAX * logistic(2 * (a - c))),
        0,
      ),
    );
    const curve = learner.curve('a', p, 'general');
    expect(Math.abs(curve.ability - exact.mean)).toBeLessThan(0.25 * exact.sd);
    expect(curve.abilitySigma / exact.sd).toBeGreaterThan(0.8);
    expect(curve.abilitySigma / exact.sd).toBeLessThan(1.25);
  });
});
