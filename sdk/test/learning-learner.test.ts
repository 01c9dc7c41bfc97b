import { describe, expect, it } from 'vitest';
import { type LearnerOptions, OnlineIrtLearner } from '../src/rightsize/learning/learner.js';
import { mulberry32 } from '../src/rightsize/math/prng.js';
import { logistic } from '../src/rightsize/math/stats.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';
import { pinnedPriorSigmas } from './support/prior-sigmas.js';

const profile = (ability: number, slope = 2, pMax = 1): CapabilityProfile => ({
  domains: [{ domain: 'general', ability, slope, pMax }],
  reasoning: { mode: 'none' },
  latency: { ttftMs: { p50: 100, p95: 200 }, outputTokensPerSecond: 50 },
  placement: { placement: 'cloud' },
  cost: { currency: 'USD', perTask: 1 },
});

/** A declared pMax of 1 enters the prior as logit(0.98) (pMax is learned in logit space). */
const PMAX = 0.98;
/** Only the agent-wide ability is uncertain: the brute-force posterior is one-dimensional. */
const abilityOnly: LearnerOptions = { ngramScale: 0, priorSigmas: pinnedPriorSigmas({ ability: 1.5 }) };

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

  it('a verifier that accepts some failures: the posterior of the TRUE curve matches brute force (small case)', () => {
    const f = 0.1;
    const rng = mulberry32(13);
    const trueAbility = 3;
    const learner = new OnlineIrtLearner({ ...abilityOnly, falseSuccessRate: f });
    const p = profile(5);
    const seen: Array<[number, boolean]> = [];
    for (let t = 0; t < 80; t++) {
      const c = rng.next() * 10;
      const y = rng.next() < f + (1 - f) * PMAX * logistic(2 * (trueAbility - c));
      seen.push([c, y]);
      learner.observe('a', p, learner.features('x', 'general', c), y);
    }
    const reported = (a: number, c: number) => f + (1 - f) * PMAX * logistic(2 * (a - c));
    const exact = gridPosterior(5, 1.5, (a) =>
      seen.reduce((sum, [c, y]) => sum + Math.log(y ? reported(a, c) : 1 - reported(a, c)), 0),
    );
    const curve = learner.curve('a', p, 'general');
    expect(Math.abs(curve.ability - exact.mean)).toBeLessThan(0.25 * exact.sd);
    expect(curve.abilitySigma / exact.sd).toBeGreaterThan(0.8);
    expect(curve.abilitySigma / exact.sd).toBeLessThan(1.25);
    expect(() => new OnlineIrtLearner({ falseSuccessRate: 0.5 })).toThrow(RangeError);
  });

  it('two unknowns (ability and pMax): the posterior means match a brute-force 2-D posterior (small case)', () => {
    const options: LearnerOptions = {
      ...abilityOnly,
      priorSigmas: { ...abilityOnly.priorSigmas, logitPMax: 1 },
    };
    const rng = mulberry32(11);
    const learner = new OnlineIrtLearner(options);
    const p = profile(5, 2, 0.9);
    const seen: Array<[number, boolean]> = [];
    for (let t = 0; t < 80; t++) {
      const c = rng.next() * 8;
      const y = rng.next() < 0.8 * logistic(2 * (6 - c));
      seen.push([c, y]);
      learner.observe('a', p, learner.features('x', 'general', c), y);
    }
    // grid over ability a and logit pMax q; prior N(5, 1.5²) × N(logit 0.9, 1²)
    const q0 = Math.log(0.9 / 0.1);
    let total = 0;
    let meanA = 0;
    let meanP = 0;
    const logs: Array<[number, number, number]> = [];
    for (let a = 0; a <= 10; a += 0.05)
      for (let q = q0 - 5; q <= q0 + 5; q += 0.05) {
        const pm = logistic(q);
        let l = -0.5 * ((a - 5) / 1.5) ** 2 - 0.5 * (q - q0) ** 2;
        for (const [c, y] of seen) {
          const P = pm * logistic(2 * (a - c));
          l += Math.log(y ? P : 1 - P);
        }
        logs.push([a, pm, l]);
      }
    const top = logs.reduce((m, x) => Math.max(m, x[2]), Number.NEGATIVE_INFINITY);
    for (const [a, pm, l] of logs) {
      const w = Math.exp(l - top);
      total += w;
      meanA += w * a;
      meanP += w * pm;
    }
    const curve = learner.curve('a', p, 'general');
    expect(Math.abs(curve.ability - meanA / total)).toBeLessThan(0.3);
    expect(Math.abs(curve.pMax - meanP / total)).toBeLessThan(0.05);
  });

  it('learns task difficulty from text features shared across agents', () => {
    const learner = new OnlineIrtLearner({ ngramScale: 1 });
    const p = profile(5);
    const rng = mulberry32(5);
    for (let t = 0; t < 400; t++) {
      const hard = t % 2 === 0;
      const text = hard ? `prove the theorem about primes ${t % 13}` : `name the colour of item ${t % 13}`;
      const agent = t % 3 === 0 ? 'b' : 'a';
      const y = rng.next() < (hard ? 0.15 : 0.9);
      learner.observe(agent, p, learner.features(text, 'math'), y);
    }
    const hard = learner.difficulty(learner.features('prove the theorem about primes 99', 'math'));
    const easy = learner.difficulty(learner.features('name the colour of item 99', 'math'));
    expect(hard.value - easy.value).toBeGreaterThan(1);
    // The estimator interface answers the same difficulty, on the complexity scale
    expect(learner.estimate({ text: 'prove the theorem about primes 99', domain: 'math' }).value).toBeCloseTo(
      Math.min(64, Math.max(0, hard.value)),
      9,
    );
  });

  it('an untrained learner answers on the spec scale: the declared complexity, else the spec default 4', () => {
    const learner = new OnlineIrtLearner();
    expect(learner.difficulty(learner.features('anything at all', 'law', 7.5)).value).toBeCloseTo(7.5, 9);
    expect(learner.difficulty(learner.features('anything at all', 'law')).value).toBeCloseTo(4, 9);
  });

  it('stays bounded and finite: capped entries, extreme outcomes, and state validation', () => {
    const learner = new OnlineIrtLearner({ maxEntries: 3, hashBits: 8, ngramScale: 1 });
    const p = profile(5);
    for (let t = 0; t < 2000; t++) {
      const f = learner.features('same text every time', `d${t % 10}`, t % 2 ? 0 : 64);
      learner.observe(t % 2 ? 'a' : 'b', p, f, t % 7 === 0);
    }
    const state = learner.toJSON();
    const domainEntries =
      Object.values(state.agents).reduce((n, a) => n + Object.keys(a.domains).length, 0) +
      Object.keys(state.named).filter((k) => k.startsWith('domain:')).length;
    expect(domainEntries).toBeLessThanOrEqual(3);
    expect(state.hashed.length).toBeLessThanOrEqual(256);
    for (const a of Object.values(state.agents))
      for (const [m, v] of a.global) {
        expect(Number.isFinite(m)).toBe(true);
        expect(v).toBeGreaterThan(0);
      }
    const curve = learner.curve('a', p, 'd1');
    expect(curve.slope).toBeGreaterThanOrEqual(0.25);
    expect(curve.pMax).toBeLessThanOrEqual(1);
    expect(OnlineIrtLearner.fromJSON(JSON.parse(JSON.stringify(state))).toJSON()).toEqual(state);
    expect(() => OnlineIrtLearner.fromJSON({ ...state, version: 2 as 1 })).toThrow(/unsupported/);
    expect(() => new OnlineIrtLearner({ priorSigmas: { ability: -1 } })).toThrow(RangeError);
    expect(() => new OnlineIrtLearner({ hashBits: 40 })).toThrow(RangeError);
  });
});
