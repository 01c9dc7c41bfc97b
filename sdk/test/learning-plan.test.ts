/** Escalation planning by expected value (plan.ts) and its use in the dial's decision rule. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../src/rightsize/learning/dial.js';
import { valuePlan } from '../src/rightsize/learning/plan.js';
import { Router } from '../src/rightsize/learning/router.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';
import type { Assessment, MatchResult } from '../src/rightsize/routing/match.js';

const profile = (ability: number, perTask: number): CapabilityProfile => ({
  domains: [{ domain: 'general', ability }],
  reasoning: { mode: 'none' },
  latency: { ttftMs: { p50: 250, p95: 500 }, outputTokensPerSecond: 1000 },
  placement: { placement: 'cloud' },
  cost: { currency: 'USD', perTask },
});

/** An assessment with only what the planner reads. */
const assessment = (agentId: string, success: number, cost: number, completionMs = 100): Assessment =>
  ({
    agentId,
    feasible: true,
    reasons: [],
    comparableCost: cost,
    predictions: { success, completionMs, cost: { amount: cost, currency: 'USD' } },
  }) as unknown as Assessment;

const planValue = (plan: readonly Assessment[], lambda: number, detection: number) => {
  let value = 0;
  let reach = 1;
  for (const a of plan) {
    value += reach * (lambda * a.predictions.success - a.comparableCost);
    reach *= (1 - a.predictions.success) * detection;
  }
  return value;
};

/** Every plan of distinct agents the planner may choose (later steps worth their cost and within the deadline). */
function allPlans(pool: readonly Assessment[], lambda: number, deadlineMs: number, maxEscalations: number) {
  const plans: Assessment[][] = [];
  const grow = (plan: Assessment[], elapsed: number) => {
    plans.push(plan);
    if (plan.length > maxEscalations) return;
    for (const a of pool) {
      if (plan.includes(a) || lambda * a.predictions.success - a.comparableCost <= 0) continue;
      if (elapsed + a.predictions.completionMs > deadlineMs) continue;
      grow([...plan, a], elapsed + a.predictions.completionMs);
    }
  };
  for (const a of pool) grow([a], a.predictions.completionMs);
  return plans;
}

describe('escalation planning by expected value', () => {
  it('a free agent backed by a strong one beats the strong one alone, when failures are detected', () => {
    const strong = assessment('strong', 0.95, 0.01);
    const cheap = assessment('cheap', 0.7, 0);
    const result = { ranked: [strong, cheap], rejected: [] } as unknown as MatchResult;
    const rule = { lambda: 0.1, hardConstraints: false, maxEscalations: 2 };
    // λ · P − cost: strong 0.085, cheap 0.07 — the myopic rule starts with the strong agent
    expect(decide(result, rule).plan[0]).toBe('strong');
    // cheap → strong: 0.07 + 0.3 · 0.9 · 0.085 = 0.093 > strong → cheap: 0.085 + 0.05 · 0.9 · 0.07 = 0.088
    expect(decide(result, { ...rule, detection: 0.9 }).plan).toEqual(['cheap', 'strong']);
    // failures never detected: no escalation is worth anything, the best single agent again
    expect(valuePlan([strong, cheap], { lambda: 0.1, detection: 1e-9, maxEscalations: 2 })[0]).toBe('strong');
    // an escalation that cannot finish before the deadline is not planned
    expect(valuePlan([strong, cheap], { lambda: 0.1, detection: 0.9, maxEscalations: 2, deadlineMs: 150 })).toEqual([
      'strong',
    ]);
  });

  it('chooses a plan of the largest expected value among every admissible plan (brute force, property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: 0, max: 1, noNaN: true }),
            fc.double({ min: 0, max: 0.2, noNaN: true }),
            fc.integer({ min: 1, max: 300 }),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 100, max: 700 }),
        (agents, lambda, detection, maxEscalations, deadlineMs) => {
          const pool = agents.map(([p, c, ms], i) => assessment(`a${i}`, p, c, ms));
          const plan = valuePlan(pool, { lambda, detection, maxEscalations, deadlineMs }).map(
            (id) => pool.find((a) => a.agentId === id) as Assessment,
          );
          const best = Math.max(
            ...allPlans(pool, lambda, deadlineMs, maxEscalations).map((p) => planValue(p, lambda, detection)),
          );
          expect(plan.length).toBeGreaterThan(0);
          expect(plan.length).toBeLessThanOrEqual(maxEscalations + 1);
          expect(planValue(plan, lambda, detection)).toBeCloseTo(best, 12);
        },
      ),
    );
  });

  it('the Router with failureDetection tries the free agent first and escalates to the strong one', () => {
    const agents = [
      { id: 'free', profile: profile(6, 0) },
      { id: 'strong', profile: profile(9, 0.01) },
    ];
    const task = { id: 't', text: 'a task', descriptor: { domain: 'general', complexity: { value: 5, sigma: 0.5 } } };
    const options = { agents, lambda: 0.1, exploration: false as const };
    expect(new Router(options).route(task).plan[0]).toBe('strong');
    expect(new Router({ ...options, failureDetection: 0.9 }).route(task).plan).toEqual(['free', 'strong']);
    expect(() => new Router({ ...options, failureDetection: 0 })).toThrow(RangeError);
    expect(() => new Router({ ...options, failureDetection: 1.5 })).toThrow(RangeError);
  });
});
