/** The SDK Router decides over the candidate index (spec §7.9): its choice must be the full scan's. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../src/rightsize/learning/dial.js';
import { Router, type RouterTask } from '../src/rightsize/learning/router.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';
import { type MatchCandidate, match } from '../src/rightsize/routing/match.js';

const agentArb: fc.Arbitrary<CapabilityProfile> = fc
  .record({
    ability: fc.double({ min: 0, max: 12, noNaN: true }),
    thinks: fc.boolean(),
    p50: fc.integer({ min: 20, max: 800 }),
    price: fc.constantFrom(0, 1, 2, 5, 15),
  })
  .map(({ ability, thinks, p50, price }) => ({
    domains: [{ domain: 'math', ability }],
    reasoning: thinks
      ? { mode: 'thinking' as const, maxReasoningTokens: 20000, reasoningTokensPerSecond: 200 }
      : { mode: 'none' as const },
    latency: { ttftMs: { p50, p95: 2 * p50 }, outputTokensPerSecond: 100 },
    placement: { placement: 'cloud' as const },
    cost: { currency: 'USD', outputPerMillion: price, reasoningPerMillion: price },
  }));

const fleetArb = fc
  .array(agentArb, { minLength: 1, maxLength: 30 })
  .map((ps) => ps.map((profile, i): MatchCandidate => ({ id: `agent-${i}`, profile })));

const taskArb: fc.Arbitrary<RouterTask & { lambda?: number }> = fc
  .record({
    value: fc.double({ min: 0, max: 12, noNaN: true }),
    sigma: fc.double({ min: 0, max: 2, noNaN: true }),
    preference: fc.constantFrom('cost' as const, 'latency' as const, 'quality' as const, {
      weights: { cost: 1, latency: 1, quality: 1 },
    }),
    minSuccess: fc.option(fc.double({ min: 0.3, max: 0.95, noNaN: true }), { nil: undefined }),
    deadline: fc.option(fc.integer({ min: 500, max: 60000 }), { nil: undefined }),
    lambda: fc.option(fc.constantFrom(0, 1, 100), { nil: undefined }),
  })
  .map((t) => ({
    id: 'task',
    text: 'simulated task',
    descriptor: {
      domain: 'math',
      complexity: { value: t.value, sigma: t.sigma },
      preference: t.preference,
      constraints: {
        ...(t.minSuccess !== undefined ? { minSuccess: t.minSuccess } : {}),
        ...(t.deadline !== undefined ? { completionDeadlineMs: t.deadline } : {}),
      },
    },
    ...(t.lambda !== undefined ? { lambda: t.lambda } : {}),
  }));

describe('Router over the candidate index', () => {
  it('chooses the plan the full scan gives over the same learned profiles (property)', () => {
    fc.assert(
      fc.property(fleetArb, taskArb, (agents, task) => {
        const router = new Router({ agents, exploration: false });
        const decision = router.route(task);
        // The full scan over the Router's learned profiles and difficulty, and the Router's rule on top.
        const candidates = agents.map((a) => ({
          ...a,
          profile: { ...a.profile, domains: [{ domain: 'math', ...router.learner.curve(a.id, a.profile, 'math') }] },
        }));
        const d = task.descriptor;
        const constraints =
          task.lambda !== undefined && d.constraints?.minSuccess === undefined
            ? { ...d.constraints, minSuccess: 0 }
            : d.constraints;
        const { value, sigma } = decision.difficulty;
        const descriptor = {
          ...d,
          complexity: { value: Math.min(64, Math.max(0, value)), sigma, source: 'estimated' as const },
          ...(constraints ? { constraints } : {}),
        };
        const scan = decide(match({ descriptor }, candidates), {
          lambda: task.lambda,
          hardConstraints: false,
          deadlineMs: d.constraints?.completionDeadlineMs,
          maxEscalations: 2,
          spreadOf: (id) => decision.successSpread[id] ?? 0,
        });
        expect(decision.plan).toEqual(scan.plan);
        expect(decision.bestEffort).toBe(scan.bestEffort);
      }),
      { numRuns: 200, seed: 31 },
    );
  });

  it('assesses fewer agents than it has when most cannot compete', () => {
    const agents = Array.from({ length: 400 }, (_, i) => ({
      id: `a${i}`,
      profile: {
        domains: [{ domain: 'math', ability: 1 + (i % 40) / 4 }],
        reasoning: { mode: 'none' as const },
        latency: { ttftMs: { p50: 100, p95: 200 }, outputTokensPerSecond: 100 },
        placement: { placement: 'cloud' as const },
        cost: { currency: 'USD', outputPerMillion: 1 + (i % 7) },
      },
    }));
    const decision = new Router({ agents, exploration: false }).route({
      text: 'simulated',
      descriptor: { domain: 'math', complexity: { value: 6, sigma: 0.5 } },
    });
    expect(decision.chosen).toBeDefined();
    expect((decision.match as { assessed?: number }).assessed).toBeLessThan(200);
  });

  /** One change to a Router's state: an outcome (with its cost), a learned outcome the broker applies directly to
   * the learner, a new or replaced agent, a new load, a removal. */
  const changeArb = fc.oneof(
    fc.record({
      kind: fc.constant('outcome' as const),
      task: taskArb,
      success: fc.boolean(),
      cost: fc.option(fc.double({ min: 0, max: 0.05, noNaN: true }), { nil: undefined }),
    }),
    fc.record({ kind: fc.constant('learner' as const), slot: fc.nat(29), success: fc.boolean(), text: fc.string() }),
    fc.record({ kind: fc.constant('upsert' as const), slot: fc.nat(29), profile: agentArb }),
    fc.record({ kind: fc.constant('load' as const), slot: fc.nat(29), load: fc.nat(5) }),
    fc.record({ kind: fc.constant('remove' as const), slot: fc.nat(29) }),
  );

  it.each([
    ['fixed prior widths', {}],
    // A refit of the learned widths re-weights every agent's offsets, not only the observed agent's.
    ['empirical-Bayes widths refit every 2 outcomes', { empiricalBayes: { every: 2 } }],
  ] as const)(
    'keeps one index, updated in place, that stays exact as agents change and outcomes are learned (property, %s)',
    (_, learner) => {
      fc.assert(
        fc.property(
          fleetArb,
          fc.array(changeArb, { minLength: 1, maxLength: 10 }),
          taskArb,
          (agents, changes, probe) => {
            // The same operations on a Router over the index and one that scans every agent.
            const routers = [
              new Router({ agents, exploration: false, learner }),
              new Router({ agents, exploration: false, scanEveryAgent: true, learner }),
            ];
            const declared = new Map(agents.map((a) => [a.id, a]));
            const same = (task: RouterTask) => {
              const [indexed, scanned] = routers.map((r) => r.route(task));
              expect(indexed?.plan).toEqual(scanned?.plan);
              expect(indexed?.bestEffort).toBe(scanned?.bestEffort);
              return indexed;
            };
            same(probe); // the index is built before the changes, so they must update it
            for (const change of changes) {
              const id = `agent-${'slot' in change ? change.slot : 0}`;
              if (change.kind === 'outcome') {
                const decision = same(change.task);
                const agentId = decision?.chosen;
                if (agentId === undefined) continue;
                for (const r of routers)
                  r.observe({
                    taskId: 'task',
                    agentId,
                    success: change.success,
                    ...(change.cost ? { cost: change.cost } : {}),
                  });
              } else if (change.kind === 'learner') {
                const agent = declared.get(id);
                if (!agent) continue;
                for (const r of routers)
                  r.learner.observe(id, agent.profile, r.learner.features(change.text, 'math'), change.success);
              } else if (change.kind === 'remove') {
                declared.delete(id);
                for (const r of routers) r.removeAgent(id);
              } else {
                const previous = declared.get(id);
                const agent =
                  change.kind === 'upsert'
                    ? { id, profile: change.profile }
                    : { id, profile: previous?.profile ?? (agents[0] as MatchCandidate).profile, load: change.load };
                declared.set(id, agent);
                for (const r of routers) r.upsertAgent(agent);
              }
              same(probe);
            }
          },
        ),
        { numRuns: 150, seed: 43 },
      );
    },
  );

  it('serves best effort at scale from the index, not a scan: the likeliest relaxable agent, as the scan picks it', () => {
    // 2 000 agents, none able to meet minSuccess 0.9: without λ the Router serves the relaxable agent of highest
    // predicted success. Some are over the task's cost cap (never relaxed); agents come in pairs of equal ability.
    const agents = Array.from(
      { length: 2000 },
      (_, i): MatchCandidate => ({
        id: `a${String(i).padStart(4, '0')}`,
        profile: {
          domains: [{ domain: 'math', ability: 3 + (i % 1000) / 200 }],
          reasoning: { mode: 'none' },
          latency: { ttftMs: { p50: 100 + (i % 7) * 50, p95: 400 }, outputTokensPerSecond: 100 },
          placement: { placement: 'cloud' },
          cost: { currency: 'USD', outputPerMillion: i % 11 === 0 ? 5000 : 1 + (i % 3) },
        },
      }),
    );
    const indexed = new Router({ agents, exploration: false });
    const scanned = new Router({ agents, exploration: false, scanEveryAgent: true });
    for (const [value, sigma] of [
      [8, 0.5],
      [9, 1],
      [7, 0],
    ] as const) {
      const task: RouterTask = {
        text: 'simulated hard task',
        descriptor: {
          domain: 'math',
          complexity: { value, sigma },
          constraints: { minSuccess: 0.9, maxCost: { amount: 0.1, currency: 'USD' } },
        },
      };
      const fast = indexed.route(task);
      const full = scanned.route(task);
      expect(fast.bestEffort).toBe(true);
      expect(fast.plan).toEqual(full.plan);
      // Assessed: the index's closest agents and the top success cell, not every agent.
      expect(fast.match.rejected.length).toBeLessThan(200);
    }
  });
});
