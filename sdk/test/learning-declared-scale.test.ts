/**
 * The declared scale for undeclared tasks (declared-scale.ts), anchored declared difficulties (learner option
 * `anchorDeclared`) and escalation costs kept apart (cost.ts, plan.ts): the mechanisms that keep the Router's
 * difficulty and cost predictions on the declared scale (issue 10, item 6). Agents and outcomes are SIMULATED.
 */
import { describe, expect, it } from 'vitest';
import { CostCorrection } from '../src/rightsize/learning/cost.js';
import { DeclaredScale } from '../src/rightsize/learning/declared-scale.js';
import { taskFeatures } from '../src/rightsize/learning/features.js';
import { OnlineIrtLearner } from '../src/rightsize/learning/learner.js';
import { valuePlan } from '../src/rightsize/learning/plan.js';
import { Router } from '../src/rightsize/learning/router.js';
import { mulberry32 } from '../src/rightsize/math/prng.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';
import type { Assessment, MatchCandidate } from '../src/rightsize/routing/match.js';

const profile = (ability: number, perTask: number): CapabilityProfile => ({
  domains: [{ domain: 'general', ability }],
  reasoning: { mode: 'none' },
  latency: { ttftMs: { p50: 100, p95: 200 }, outputTokensPerSecond: 1000 },
  placement: { placement: 'cloud' },
  cost: { currency: 'USD', perTask },
});
const agents: MatchCandidate[] = [
  { id: 'small', profile: profile(4, 0.001) },
  { id: 'big', profile: profile(10, 0.01) },
];

/** A text whose length grows with n (the cold-start estimate and log-words grow with it). */
const textOf = (n: number) => Array.from({ length: 2 ** n }, (_, i) => `w${i % 7}`).join(' ');
const undeclared = (n: number) => taskFeatures({ text: textOf(n), domain: 'math' });

describe('the declared scale (undeclared tasks predicted at what their text is declared at)', () => {
  it('knows nothing before a declaration, then learns a linear relation per domain from declarations alone', () => {
    const scale = new DeclaredScale();
    expect(scale.predict('math', undeclared(3))).toBeUndefined();
    const rng = mulberry32(3);
    // SIMULATED clients: math texts of length 2^n are declared at 2 + n (± 0.3); law tasks at 9 whatever the text.
    for (let i = 0; i < 400; i++) {
      const n = 1 + (i % 8);
      scale.learn('math', undeclared(n), 2 + n + rng.normal(0, 0.3));
      scale.learn('law', taskFeatures({ text: textOf(n), domain: 'law' }), 9 + rng.normal(0, 0.3));
    }
    for (const n of [2, 5, 8]) {
      const p = scale.predict('math', undeclared(n)) as { value: number; sigma: number };
      expect(Math.abs(p.value - (2 + n))).toBeLessThan(0.4);
      expect(p.sigma).toBeLessThan(0.6);
      expect(p.sigma).toBeGreaterThan(0.2);
    }
    expect(scale.predict('law', taskFeatures({ text: textOf(2), domain: 'law' }))?.value).toBeCloseTo(9, 0);
    expect(scale.predict('code', undeclared(2))).toBeUndefined();
    const restored = new DeclaredScale({}, JSON.parse(JSON.stringify(scale.toJSON())));
    expect(restored.predict('math', undeclared(4))).toEqual(scale.predict('math', undeclared(4)));
    expect(
      () => new DeclaredScale({}, { domains: { math: { mean: [1], covariance: [], count: 1, squaredErrors: 0 } } }),
    ).toThrow(/declared-scale/);
  });

  it('a Router starts an undeclared task from the declared scale of its domain, not the spec default 4', () => {
    const route = (declaredScale: boolean) => {
      const router = new Router({ agents, lambda: 0.1, exploration: false, declaredScale });
      // Clients declare this domain's tasks at about 9: the small agent (ability 4) cannot do them.
      for (let i = 0; i < 40; i++)
        router.route({ id: `d${i}`, text: textOf(3), descriptor: { domain: 'math', complexity: { value: 9 } } });
      return router.route({ text: textOf(3), descriptor: { domain: 'math' } });
    };
    const on = route(true);
    expect(on.difficulty.value).toBeGreaterThan(8);
    expect(on.match.task.origin).toBe('estimator');
    const off = route(false);
    expect(off.difficulty.value).toBeLessThan(6);
    const router = new Router({ agents, exploration: false });
    router.route({ text: textOf(3), descriptor: { domain: 'math', complexity: { value: 9 } } });
    expect(Object.keys(router.toJSON().declaredScale?.domains ?? {})).toEqual(['math']);
    const restored = Router.fromJSON(JSON.parse(JSON.stringify(router.toJSON())), { agents, exploration: false });
    expect(restored.toJSON().declaredScale).toEqual(router.toJSON().declaredScale);
  });

  it('without declarations it changes nothing: the same decisions and the same learned state as without it', () => {
    const run = (declaredScale: boolean) => {
      const router = new Router({ agents, lambda: 0.05, exploration: { budget: 0.1, seed: 5 }, declaredScale });
      const rng = mulberry32(11);
      const chosen: Array<string | undefined> = [];
      for (let i = 0; i < 150; i++) {
        const d = router.route({
          id: `u${i}`,
          text: textOf(1 + (i % 6)),
          descriptor: { domain: i % 2 ? 'math' : 'law' },
        });
        chosen.push(d.chosen);
        if (d.chosen) router.observe({ taskId: d.taskId, agentId: d.chosen, success: rng.next() < 0.6 });
      }
      const { declaredScale: _, ...state } = router.toJSON();
      return { chosen, state };
    };
    expect(run(true)).toEqual(run(false));
  });
});

describe('anchored declared difficulties (learner option anchorDeclared)', () => {
  const small = (agents[0] as MatchCandidate).profile;
  const declared = (value: number) =>
    taskFeatures({ text: 'add two numbers', domain: 'math', declaredComplexity: value });

  it('a declared task keeps its declared value and outcomes move only the agent', () => {
    const run = (anchorDeclared: boolean) => {
      const learner = new OnlineIrtLearner({ anchorDeclared });
      // SIMULATED: the small agent (declared ability 4) succeeds on everything declared at 6.
      for (let i = 0; i < 60; i++) learner.observe('small', small, declared(6), true);
      return learner;
    };
    const anchored = run(true);
    expect(anchored.difficulty(declared(6))).toEqual({ value: 6, sigma: 0 });
    expect(anchored.toJSON().named).toEqual({});
    expect(anchored.curve('small', small, 'math').ability).toBeGreaterThan(6);
    // Learned freely, the same outcomes also lower the declared difficulty (the scale drifts under every agent).
    const free = run(false);
    expect(free.difficulty(declared(6)).value).toBeLessThan(5.5);
    expect(free.curve('small', small, 'math').ability).toBeLessThan(anchored.curve('small', small, 'math').ability);
  });

  it('undeclared tasks still learn their difficulty', () => {
    const learner = new OnlineIrtLearner({ anchorDeclared: true });
    const plain = taskFeatures({ text: 'add two numbers', domain: 'math' });
    const before = learner.difficulty(plain).value;
    for (let i = 0; i < 40; i++) learner.observe('small', small, plain, false);
    expect(learner.difficulty(plain).value).toBeGreaterThan(before + 0.3);
  });
});

describe('escalation costs kept apart from first attempts', () => {
  it('an escalation’s cost leaves the first-attempt factor alone and sets its own, shrunk towards it', () => {
    const costs = new CostCorrection();
    for (let i = 0; i < 20; i++) costs.record('think', 0.01, 0.015); // first attempts: 1.5× the prediction
    for (let i = 0; i < 20; i++) costs.record('think', 0.01, 0.06, true); // escalations: 6×
    expect(costs.factor('think')).toBeCloseTo((20 * 1.5 + 5) / 25, 10);
    expect(costs.escalationFactor('think')).toBeCloseTo((20 * 6 + 5 * costs.factor('think')) / 25, 10);
    expect(costs.escalationFactor('other')).toBe(1);
    const restored = new CostCorrection({}, JSON.parse(JSON.stringify(costs.toJSON())));
    expect(restored.escalationFactor('think')).toBe(costs.escalationFactor('think'));
    expect(new CostCorrection({}, { agents: { think: [3, 2] } }).escalationFactor('think')).toBe((3 + 5) / 7);
  });

  it('the Router records the first attempt of a task as such and the next ones as escalations', () => {
    const router = new Router({ agents, lambda: 0.1, exploration: false });
    for (let i = 0; i < 10; i++) {
      const d = router.route({ id: `t${i}`, text: 'x', descriptor: { domain: 'math', complexity: { value: 5 } } });
      router.observe({ taskId: d.taskId, agentId: 'small', success: false, cost: 0.001 });
      router.observe({ taskId: d.taskId, agentId: 'big', success: true, cost: 0.05 });
      router.complete(d.taskId);
    }
    const { costs } = router.toJSON();
    expect(costs?.agents).toEqual({ small: [10, 10] });
    expect(costs?.escalations?.big?.[1]).toBe(10);
  });

  it('another outcome of the first agent (client feedback on its answer) is not an escalation, also after a restore', () => {
    const router = new Router({ agents, lambda: 0.1, exploration: false });
    const d = router.route({ id: 'fb', text: 'x', descriptor: { domain: 'math', complexity: { value: 5 } } });
    router.observe({ taskId: d.taskId, agentId: 'small', success: true, cost: 0.001 });
    const restored = Router.fromJSON(router.toJSON(), { agents, lambda: 0.1, exploration: false });
    restored.observe({ taskId: d.taskId, agentId: 'small', success: false, cost: 0.001 });
    expect(restored.toJSON().costs?.agents).toEqual({ small: [2, 2] });
    expect(restored.toJSON().costs?.escalations ?? {}).toEqual({});
    restored.observe({ taskId: d.taskId, agentId: 'big', success: true, cost: 0.05 });
    expect(restored.toJSON().costs?.escalations?.big?.[1]).toBe(1);
  });

  it('the planner prices escalation steps at their escalation cost', () => {
    const a = (agentId: string, success: number, cost: number) =>
      ({
        agentId,
        comparableCost: cost,
        predictions: { success, completionMs: 10, cost: { amount: cost, currency: 'USD' } },
      }) as unknown as Assessment;
    const order = [a('cheap', 0.5, 0), a('think', 0.95, 0.02)];
    const options = { lambda: 0.1, detection: 0.9, maxEscalations: 1 };
    expect(valuePlan(order, options)).toEqual(['cheap', 'think']);
    // Escalated tasks cost the thinking agent 6× its first-attempt price: not worth escalating to, so the plan
    // opens with it (0.075) rather than with the cheap agent alone (0.05).
    const dear = (x: Assessment) => (x.agentId === 'think' ? 6 * x.comparableCost : x.comparableCost);
    expect(valuePlan(order, { ...options, escalationCost: dear })).toEqual(['think', 'cheap']);
  });
});
