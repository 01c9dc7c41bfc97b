import { describe, expect, it } from 'vitest';
import { Calibrator, MIN_OBSERVATIONS } from '../src/rightsize/learning/calibration.js';
import { capabilitySuccessAt } from '../src/rightsize/math/predict.js';
import { mulberry32 } from '../src/rightsize/math/prng.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';
import { ColdStartEstimator, chainEstimators, NearestNeighbourEstimator } from '../src/rightsize/routing/estimator.js';
import { TASK_FAMILIES } from '../src/rightsize/task-bank/index.js';

const profile = (ability: number, budget?: number): CapabilityProfile => ({
  domains: [{ domain: 'math', ability }],
  reasoning: budget ? { mode: 'thinking', maxReasoningTokens: budget } : { mode: 'none' },
  latency: { ttftMs: { p50: 100, p95: 200 }, outputTokensPerSecond: 50 },
  placement: { placement: 'cloud' },
  cost: { currency: 'USD' },
});

/** Outcomes of an agent whose true ability is `truth`, at complexities spread around it. */
function simulate(calibrator: Calibrator, declared: CapabilityProfile, truth: number, n: number, seed: number) {
  const rng = mulberry32(seed);
  for (let i = 0; i < n; i++) {
    const c = truth - 3 + 6 * rng.next();
    const success = rng.next() < capabilitySuccessAt({ ability: truth, slope: 2, pMax: 1 }, c);
    calibrator.observe({ agentId: 'a', domain: 'math', complexity: c, success }, declared);
  }
}

describe('Calibrator (spec §9.3–§9.4)', () => {
  it('leaves an honest agent consistent and close to its declared ability', () => {
    const cal = new Calibrator();
    simulate(cal, profile(7), 7, 400, 1);
    const [row] = cal.report('a');
    expect(row).toMatchObject({ domain: 'math', declaredAbility: 7, verdict: 'consistent', observations: 400 });
    expect(Math.abs((row?.ability ?? 0) - 7)).toBeLessThan(0.4);
    expect(row?.abilitySigma).toBeLessThan(0.3);
  });

  it('flags an agent that over-claims by 2 and moves its ability to the truth', () => {
    const cal = new Calibrator();
    simulate(cal, profile(9), 7, 400, 2);
    const [row] = cal.report('a');
    expect(row?.verdict).toBe('over-claimed');
    expect(row?.z).toBeLessThan(-3);
    expect(Math.abs((row?.ability ?? 0) - 7)).toBeLessThan(0.4);
    expect(cal.calibratedProfile('a', profile(9)).domains[0]?.ability).toBeCloseTo(row?.ability ?? 0, 10);
  });

  it('flags under-claiming, and says insufficient-data below 20 outcomes', () => {
    const under = new Calibrator();
    simulate(under, profile(5), 7, 400, 3);
    expect(under.report('a')[0]?.verdict).toBe('under-claimed');
    const few = new Calibrator();
    simulate(few, profile(7.5), 7, MIN_OBSERVATIONS - 1, 4);
    expect(few.report('a')[0]?.verdict).toBe('insufficient-data');
    expect(few.calibratedProfile('a', profile(7.5)).domains[0]?.ability).toBe(7.5);
  });

  it('does not learn ability from failures above the budget ceiling', () => {
    const cal = new Calibrator();
    const declared = profile(9, 24 * 2 ** 6); // budget ceiling 6
    for (let i = 0; i < 50; i++) cal.observe({ agentId: 'a', domain: 'math', complexity: 8, success: false }, declared);
    expect(cal.report('a')[0]?.ability).toBe(9);
  });

  it('round-trips its state through JSON', () => {
    const cal = new Calibrator();
    simulate(cal, profile(8), 7, 100, 5);
    const copy = Calibrator.fromJSON(JSON.parse(JSON.stringify(cal.toJSON())));
    expect(copy.report('a')).toEqual(cal.report('a'));
    simulate(cal, profile(8), 7, 10, 6);
    simulate(copy, profile(8), 7, 10, 6);
    expect(copy.report('a')).toEqual(cal.report('a'));
    expect(() => Calibrator.fromJSON({ version: 2 } as never)).toThrow(/version/);
    expect(() => new Calibrator({ decay: 1 })).toThrow(RangeError);
  });
});

describe('complexity estimators', () => {
  it('cold start: longer, numeric, reasoning-heavy texts get higher estimates, always with a sigma', () => {
    const cold = new ColdStartEstimator();
    const easy = cold.estimate({ text: 'hi, how are you?' });
    const hard = cold.estimate({
      text: `Plan a schedule that satisfies these constraints:\n${'meeting 12345 in room 7\n'.repeat(30)}`,
    });
    expect(easy.value).toBeLessThan(hard.value);
    expect(easy).toMatchObject({ source: 'estimated', estimator: 'cold-start', sigma: 2 });
    expect(cold.estimate({ text: '' }).value).toBeGreaterThanOrEqual(0);
  });

  it('nearest neighbours: learns task families from outcomes and beats the cold start on held-out tasks', {
    timeout: 120_000,
  }, () => {
    const knn = new NearestNeighbourEstimator();
    const cold = new ColdStartEstimator();
    const families = Object.values(TASK_FAMILIES);
    for (const family of families) {
      for (let c = 1; c <= 9; c++) {
        for (let seed = 1; seed <= 4; seed++) {
          const task = family.generate(family.parameterFor(c), seed);
          if (task.prompt.length < 20000) knn.learn({ text: task.prompt, domain: family.domain }, task.complexity);
        }
      }
    }
    let knnError = 0;
    let coldError = 0;
    let n = 0;
    for (const family of families) {
      for (let c = 2; c <= 8; c += 2) {
        const task = family.generate(family.parameterFor(c), 99);
        const learned = knn.estimate({ text: task.prompt, domain: family.domain });
        expect(learned).toBeDefined();
        knnError += Math.abs((learned?.value ?? 0) - task.complexity);
        coldError += Math.abs(cold.estimate({ text: task.prompt }).value - task.complexity);
        n++;
      }
    }
    expect(knnError / n).toBeLessThan(1.5);
    expect(knnError).toBeLessThan(coldError);
  });

  it('abstains on unfamiliar text and falls back through a chain; survives a JSON round trip', () => {
    const knn = new NearestNeighbourEstimator({ capacity: 3 });
    expect(knn.estimate({ text: 'anything' })).toBeUndefined();
    for (const t of ['sort 1 2 3', 'sort 4 5 6', 'sort 7 8 9', 'sort 1 1 1']) knn.learn({ text: t }, 2);
    expect(knn.size).toBe(3);
    expect(knn.estimate({ text: 'sort 3 2 1' })).toMatchObject({ estimator: 'nearest-neighbour', value: 2 });
    const chain = chainEstimators(knn, new ColdStartEstimator());
    expect(chain.estimate({ text: 'completely different words here' })?.estimator).toBe('cold-start');
    const copy = new NearestNeighbourEstimator({}, JSON.parse(JSON.stringify(knn.toJSON())));
    expect(copy.estimate({ text: 'sort 3 2 1' })).toEqual(knn.estimate({ text: 'sort 3 2 1' }));
  });
});
