import { describe, expect, it } from 'vitest';
import {
  fitPriorVariance,
  logEvidence,
  type Message,
  messageOf,
  withPrior,
} from '../src/rightsize/learning/empirical-bayes.js';
import { type LearnerOptions, OnlineIrtLearner } from '../src/rightsize/learning/learner.js';
import { mulberry32, type Prng } from '../src/rightsize/math/prng.js';
import { logistic } from '../src/rightsize/math/stats.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';
import { pinnedPriorSigmas } from './support/prior-sigmas.js';

const profile: CapabilityProfile = {
  domains: [{ domain: 'general', ability: 5, slope: 2, pMax: 1 }],
  reasoning: { mode: 'none' },
  latency: { ttftMs: { p50: 100, p95: 200 }, outputTokensPerSecond: 50 },
  placement: { placement: 'cloud' },
  cost: { currency: 'USD', perTask: 1 },
};

/** Brute force: the τ² maximising the objective on a fine log grid (1e-4 … 1e2). */
function gridArgmax(messages: readonly Message[], base: number, pseudoCount: number): number {
  let best = Number.NEGATIVE_INFINITY;
  let arg = 0;
  for (let e = -4; e <= 2; e += 1e-4) {
    const tau2 = 10 ** e;
    const value = logEvidence(messages, tau2, base, pseudoCount);
    if (value > best) {
      best = value;
      arg = tau2;
    }
  }
  return arg;
}

/** Messages of `n` members whose true deviations have sd `spread`, each seen with noise variance in [0.01, 1]. */
function messages(rng: Prng, n: number, spread: number): Message[] {
  return Array.from({ length: n }, () => {
    const noise = 0.01 + rng.next();
    const observed = rng.normal(0, spread) + rng.normal(0, Math.sqrt(noise));
    return { precision: 1 / noise, shift: observed / noise };
  });
}

/** Only the per-domain ability offsets are uncertain: one agent, many domains. */
const offsetsOnly = (empiricalBayes: LearnerOptions['empiricalBayes']): LearnerOptions => ({
  ngramScale: 0,
  priorSigmas: pinnedPriorSigmas({ abilityOffset: 1.5 }),
  ...(empiricalBayes ? { empiricalBayes } : {}),
});

/** Feeds `perDomain` outcomes in each of `domains` domains whose true offsets have sd `spread`. */
function feed(learners: OnlineIrtLearner[], seed: number, domains: number, perDomain: number, spread: number) {
  const rng = mulberry32(seed);
  const offsets = Array.from({ length: domains }, () => rng.normal(0, spread));
  for (let t = 0; t < perDomain; t++)
    for (const [d, offset] of offsets.entries()) {
      const y = rng.next() < logistic(2 * (5 + offset - 4));
      for (const l of learners) l.observe('a', profile, l.features('a question', `d${d}`), y);
    }
  return offsets;
}

describe('empirical Bayes for the per-domain prior widths', () => {
  it('the fitted width is the maximum of the marginal likelihood (against a brute-force search)', () => {
    const rng = mulberry32(11);
    for (const [n, spread, pseudoCount] of [
      [5, 0.2, 0.5],
      [20, 0.5, 2],
      [57, 1.5, 0.5],
      [40, 0.05, 1],
    ] as const) {
      const ms = messages(rng, n, spread);
      const fitted = fitPriorVariance(ms, 2.25, pseudoCount);
      const brute = gridArgmax(ms, 2.25, pseudoCount);
      expect(Math.abs(Math.log(fitted / brute))).toBeLessThan(1e-3);
    }
  });

  it('members without data do not move the width; with no data it stays the configured one', () => {
    const rng = mulberry32(3);
    const ms = messages(rng, 10, 0.4);
    const withEmpty = [...ms, { precision: 0, shift: 0 }, { precision: 0, shift: 0 }];
    expect(fitPriorVariance(withEmpty, 1, 0.5)).toBeCloseTo(fitPriorVariance(ms, 1, 0.5), 12);
    expect(fitPriorVariance([], 1.7, 0.5)).toBeCloseTo(1.7, 12);
  });

  it('a new width re-weights the prior exactly: equal to the conjugate posterior under that prior', () => {
    const rng = mulberry32(5);
    for (let i = 0; i < 20; i++) {
      const mu = rng.normal(0, 1);
      const tau2 = 0.1 + 3 * rng.next();
      const newTau2 = 0.05 + 2 * rng.next();
      // Data: k Gaussian observations of θ with known variances.
      const obs = Array.from({ length: 1 + Math.floor(5 * rng.next()) }, () => ({
        y: rng.normal(mu, 1),
        v: 0.2 + rng.next(),
      }));
      const conjugate = (priorVar: number) => {
        const precision = 1 / priorVar + obs.reduce((s, o) => s + 1 / o.v, 0);
        return [(mu / priorVar + obs.reduce((s, o) => s + o.y / o.v, 0)) / precision, 1 / precision] as const;
      };
      const [m, v] = withPrior(messageOf(conjugate(tau2), mu, tau2), mu, newTau2);
      const [em, ev] = conjugate(newTau2);
      expect(m).toBeCloseTo(em, 10);
      expect(v).toBeCloseTo(ev, 10);
    }
  });

  it('the learner learns a narrow width where domains are alike and a wide one where they differ', () => {
    const widthAfter = (spread: number) => {
      const learner = new OnlineIrtLearner(offsetsOnly({ every: 64, pseudoCount: 0.5 }));
      feed([learner], 7, 30, 60, spread);
      const w = learner.toJSON().widths?.['ability-offset:a'];
      if (!w) throw new Error('no learned width');
      return Math.sqrt(w.variance);
    };
    const alike = widthAfter(0.1);
    const different = widthAfter(1.2);
    expect(alike).toBeLessThan(0.35);
    expect(different).toBeGreaterThan(0.7);
    expect(different).toBeLessThan(2);
  });

  it('the refit applies the brute-force width to every domain, on the messages of the fixed-width learner', () => {
    // Both learners see the same 30 × 20 outcomes; the EB learner refits once, at the last one.
    const fixed = new OnlineIrtLearner(offsetsOnly(undefined));
    const eb = new OnlineIrtLearner(offsetsOnly({ every: 600, pseudoCount: 0.5 }));
    feed([fixed, eb], 9, 30, 20, 0.3);
    const base = 1.5 ** 2;
    const fixedState = fixed.toJSON();
    const domains = Object.keys(fixedState.agents.a?.domains ?? {});
    const beliefs = domains.map((d) => fixedState.agents.a?.domains[d]?.[0] as [number, number]);
    const ms = beliefs.map((b) => messageOf(b, 0, base));
    const tau2 = gridArgmax(ms, base, 0.5);
    const ebState = eb.toJSON();
    expect(Math.abs(Math.log((ebState.widths?.['ability-offset:a']?.variance ?? 0) / tau2))).toBeLessThan(1e-3);
    for (const [i, d] of domains.entries()) {
      const [m, v] = beliefs[i] as [number, number];
      const precision = 1 / tau2 + (1 / v - 1 / base);
      const [em, ev] = [m / v / precision, 1 / precision];
      const got = ebState.agents.a?.domains[d]?.[0] as [number, number];
      expect(got[0]).toBeCloseTo(em, 3);
      expect(got[1]).toBeCloseTo(ev, 4);
    }
    // Shrinkage: the domains' means are pulled towards the prior.
    const spread = (bs: Array<[number, number]>) => Math.sqrt(bs.reduce((s, [m]) => s + m * m, 0) / bs.length);
    const shrunk = domains.map((d) => ebState.agents.a?.domains[d]?.[0] as [number, number]);
    expect(spread(shrunk)).toBeLessThan(spread(beliefs));
  });

  it('round-trips its state: a restored learner continues exactly like the original', () => {
    const options = offsetsOnly({ every: 64, pseudoCount: 0.5 });
    const original = new OnlineIrtLearner(options);
    feed([original], 13, 12, 15, 0.5);
    const restored = OnlineIrtLearner.fromJSON(JSON.parse(JSON.stringify(original.toJSON())), options);
    expect(restored.toJSON()).toEqual(original.toJSON());
    feed([original, restored], 14, 12, 10, 0.5);
    expect(restored.toJSON()).toEqual(original.toJSON());
    const state = original.toJSON();
    expect(() =>
      OnlineIrtLearner.fromJSON(
        { ...state, widths: { 'ability-offset:a': { variance: -1, priorMeans: {} } } },
        options,
      ),
    ).toThrow(/bad width/);
    expect(() => new OnlineIrtLearner({ empiricalBayes: { every: 0 } })).toThrow(RangeError);
  });
  it('a refit tells the change listeners of every agent whose curves it re-weighted, not only the observed one', () => {
    const learner = new OnlineIrtLearner(offsetsOnly({ every: 8, pseudoCount: 0.5 }));
    // Agent b's outcomes since the last refit: its curves change again at the next refit, which a's outcome runs.
    for (let i = 0; i < 7; i++) learner.observe('b', profile, learner.features('a question', `d${i % 3}`), i % 2 === 0);
    const before = learner.curve('b', profile, 'd0');
    const told: string[] = [];
    learner.onAgentChange((id) => told.push(id));
    learner.observe('a', profile, learner.features('a question', 'd0'), true);
    expect(learner.curve('b', profile, 'd0')).not.toEqual(before);
    expect(told).toEqual(['a', 'b']);
  });
});
