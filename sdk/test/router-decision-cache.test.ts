import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_CACHE_KEY_CHARS,
  Router,
  type RouterDecision,
  type RouterOptions,
  type RouterTask,
} from '../src/rightsize/learning/router.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';
import type { MatchCandidate } from '../src/rightsize/routing/match.js';

const profile = (ability: number, perTask: number, p50 = 200): CapabilityProfile => ({
  domains: [
    { domain: 'math', ability },
    { domain: 'code', ability: ability - 1 },
  ],
  reasoning: { mode: 'none' },
  latency: { ttftMs: { p50, p95: p50 * 2 }, outputTokensPerSecond: 1000 },
  placement: { placement: 'cloud' },
  cost: { currency: 'USD', perTask },
});

const agent = (id: string, ability: number, perTask: number, load = 0): MatchCandidate => ({
  id,
  profile: profile(ability, perTask),
  load,
});

const FLEET = [agent('cheap', 3, 0.01), agent('mid', 6, 0.1), agent('dear', 9, 1)];

const TASKS: readonly RouterTask[] = [
  { text: 'add two numbers', descriptor: { domain: 'math', complexity: { value: 2, sigma: 0.5 } } },
  { text: 'prove it', descriptor: { domain: 'math', complexity: { value: 7, sigma: 0.3 } } },
  { text: 'write a parser', descriptor: { domain: 'code' } },
  {
    text: 'quick',
    descriptor: { domain: 'math', complexity: { value: 5 }, constraints: { completionDeadlineMs: 300 } },
    lambda: 3,
  },
  { text: 'hard, strict', descriptor: { domain: 'math', complexity: { value: 12 } }, hardConstraints: true },
];

/** What a decision says, without its task id. */
const said = (d: RouterDecision) => {
  const { taskId: _t, ...rest } = d;
  return rest;
};

/** A change of the fleet or of the learned state, applied to both Routers alike. */
type Change =
  | { kind: 'route'; task: number }
  | { kind: 'learn'; task: number; agent: number; success: boolean }
  | { kind: 'observe'; task: number; cost: number }
  | { kind: 'upsert'; agent: number; load: number }
  | { kind: 'remove'; agent: number };

const change: fc.Arbitrary<Change> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('route' as const), task: fc.nat(TASKS.length - 1) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('learn' as const),
      task: fc.nat(TASKS.length - 1),
      agent: fc.nat(FLEET.length - 1),
      success: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('observe' as const),
      task: fc.nat(TASKS.length - 1),
      cost: fc.double({ min: 0.001, max: 3, noNaN: true }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('upsert' as const),
      agent: fc.nat(FLEET.length - 1),
      load: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), agent: fc.nat(FLEET.length - 1) }) },
);

function apply(router: Router, c: Change, step: number): RouterDecision | undefined {
  if (c.kind === 'route') return router.route({ ...(TASKS[c.task] as RouterTask), id: `s${step}` });
  if (c.kind === 'learn') {
    const a = FLEET[c.agent] as MatchCandidate;
    const t = TASKS[c.task] as RouterTask;
    router.learner.observe(
      a.id,
      a.profile,
      router.learner.features(t.text, t.descriptor.domain, t.descriptor.complexity?.value),
      c.success,
    );
    return undefined;
  }
  if (c.kind === 'observe') {
    const decision = router.route({ ...(TASKS[c.task] as RouterTask), id: `o${step}` });
    if (decision.chosen)
      router.observe({ taskId: decision.taskId, agentId: decision.chosen, success: true, cost: c.cost });
    return decision;
  }
  if (c.kind === 'upsert') {
    const a = FLEET[c.agent] as MatchCandidate;
    router.upsertAgent({ ...a, load: c.load });
    return undefined;
  }
  router.removeAgent((FLEET[c.agent] as MatchCandidate).id);
  return undefined;
}

describe('Router decision cache', () => {
  it('decides exactly as a Router without it, through fleet changes, learning and price corrections (property)', () => {
    fc.assert(
      fc.property(
        fc.array(change, { minLength: 1, maxLength: 60 }),
        fc.constantFrom<RouterOptions>(
          { exploration: false },
          { exploration: { budget: 0.3, seed: 7 } },
          { exploration: false, lambda: 5 },
          { exploration: { budget: 0.5, seed: 3, lambdaRange: [0.5, 50] }, lambda: 2 },
        ),
        (changes, options) => {
          const cached = new Router({ ...options, agents: FLEET });
          const plain = new Router({ ...options, agents: FLEET, decisionCache: 0 });
          for (const [i, c] of changes.entries()) {
            const a = apply(cached, c, i);
            const b = apply(plain, c, i);
            expect(a && said(a)).toEqual(b && said(b));
          }
          expect(cached.toJSON()).toEqual(plain.toJSON());
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reuses the greedy decision of a like task until something is learned', () => {
    const router = new Router({ agents: FLEET, exploration: false });
    const t = TASKS[0] as RouterTask;
    const first = router.route(t);
    const again = router.route({ ...t, id: 'other' });
    expect(again.match).toBe(first.match);
    expect(again.taskId).not.toBe(first.taskId);
    // The chosen agent fails again and again: its learned curve drops and the next decision sees it.
    const chosen = FLEET.find((a) => a.id === first.chosen) as MatchCandidate;
    const features = router.learner.features(t.text, 'math', 2);
    for (let i = 0; i < 20; i++) router.learner.observe(chosen.id, chosen.profile, features, false);
    const after = router.route(t);
    expect(after.match).not.toBe(first.match);
    const fresh = Router.fromJSON(router.toJSON(), { exploration: false, decisionCache: 0 });
    for (const a of FLEET) fresh.upsertAgent(a);
    expect(fresh.route(t).match).toEqual(after.match);
    expect(after.plan).not.toEqual(first.plan);
  });

  it('keeps no more assessments than its budget; 0 turns it off', () => {
    const off = new Router({ agents: FLEET, exploration: false, decisionCache: 0 });
    const t = TASKS[0] as RouterTask;
    expect(off.route(t).match).not.toBe(off.route(t).match);
    // A budget below one decision's assessments holds nothing.
    const tiny = new Router({ agents: FLEET, exploration: false, decisionCache: 1 });
    expect(tiny.route(t).match).not.toBe(tiny.route(t).match);
  });

  it('keeps no decision whose key is longer than MAX_CACHE_KEY_CHARS (clients cannot fill memory through it)', () => {
    const router = new Router({ agents: FLEET, exploration: false });
    const t = TASKS[0] as RouterTask;
    const long = { ...t, acceptedOutputModes: Array.from({ length: 200 }, (_, i) => `text/x-mode-${i}`) };
    expect(JSON.stringify(long.acceptedOutputModes).length).toBeGreaterThan(MAX_CACHE_KEY_CHARS);
    expect(router.route(long).match).not.toBe(router.route(long).match);
    const short = { ...t, acceptedOutputModes: ['text/plain'] };
    expect(router.route(short).match).toBe(router.route(short).match);
  });
});
