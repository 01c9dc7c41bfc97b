/** Rules of the matcher not pinned by the published vectors, and its properties over random fleets. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baseLatencyCdf, expectedSuccess, firstTokenDeadline, predictLatency } from '../src/rightsize/math/predict.js';
import { Z_SCORES } from '../src/rightsize/math/stats.js';
import type { Placement } from '../src/rightsize/model/common.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';
import {
  CandidateIndex,
  type CandidateIndexOptions,
  MIN_ASSESSED_BEFORE_REFUSAL,
} from '../src/rightsize/routing/candidate-index.js';
import { decisionRecord, noCapableAgentError } from '../src/rightsize/routing/decision-record.js';
import {
  assessModes,
  type MatchCandidate,
  type MatchResult,
  type MatchTask,
  match,
  rank,
  resolveTask,
} from '../src/rightsize/routing/match.js';
import {
  cheapTailSuccessUpperBound,
  latencyFactorUpperBound,
  truncatedSuccessUpperBound,
} from '../src/rightsize/routing/success-bounds.js';

/** The candidate index's top `topN` and decision equal the full scan's (§7.9: exactly the agent the full rule picks). */
function expectIndexEqualsScan(
  fleet: Parameters<typeof match>[1],
  task: Parameters<typeof match>[0],
  topN: number,
  blocks?: CandidateIndexOptions['blocks'],
) {
  const indexed = new CandidateIndex(fleet, { topN, ...(blocks ? { blocks } : {}) }).match(task);
  expectSameAsScan(indexed, match(task, fleet), topN);
}

/** An index's result equals the full scan's: its top `topN`, the chosen agent and mode, the selection and the plan. */
function expectSameAsScan(indexed: MatchResult, full: MatchResult, topN: number) {
  const ids = (r: MatchResult) => r.ranked.map((a) => `${a.agentId}/${a.mode ?? ''}`);
  expect(ids(indexed)).toEqual(ids(full).slice(0, topN));
  expect(indexed.chosen?.agentId).toBe(full.chosen?.agentId);
  expect(indexed.chosen?.mode).toBe(full.chosen?.mode);
  expect(indexed.bestEffort).toBe(full.bestEffort);
  expect(indexed.selection).toEqual(full.selection);
  expect(indexed.escalation).toEqual(full.escalation);
  expect(indexed.escalationModes).toEqual(full.escalationModes);
}

const base: CapabilityProfile = {
  domains: [{ domain: 'math', ability: 8 }],
  reasoning: { mode: 'none' },
  latency: { ttftMs: { p50: 100, p95: 300 }, outputTokensPerSecond: 100 },
  placement: { placement: 'cloud', region: 'eu' },
  cost: { currency: 'USD', outputPerMillion: 1 },
};

const profileArb: fc.Arbitrary<CapabilityProfile> = fc.record({
  domains: fc
    .constant([{ domain: 'general', ability: 0 }])
    .chain(() =>
      fc
        .tuple(fc.double({ min: 0, max: 14, noNaN: true }), fc.double({ min: 0.5, max: 4, noNaN: true }))
        .map(([ability, slope]) => [{ domain: 'general', ability, slope }]),
    ),
  reasoning: fc.oneof(
    fc.constant({ mode: 'none' as const }),
    fc
      .integer({ min: 500, max: 100000 })
      .map((b) => ({ mode: 'thinking' as const, maxReasoningTokens: b, reasoningTokensPerSecond: 200 })),
  ),
  latency: fc
    .tuple(fc.integer({ min: 20, max: 800 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 20, max: 300 }))
    .map(([p50, f, tps]) => ({
      ttftMs: { p50, p95: p50 * f },
      outputTokensPerSecond: tps,
    })),
  placement: fc.constantFrom(
    { placement: 'device' as const },
    { placement: 'edge' as const, region: 'eu' },
    { placement: 'cloud' as const, region: 'us' },
  ),
  cost: fc
    .tuple(fc.double({ min: 0, max: 20, noNaN: true }), fc.double({ min: 0, max: 60, noNaN: true }))
    .map(([i, o]) => ({
      currency: 'USD',
      inputPerMillion: i,
      outputPerMillion: o,
      reasoningPerMillion: o,
    })),
});

/** Some profiles declare think / no-think modes (spec §4.10), with a weaker no-think curve and an optional soft cut. */
const withModesArb: fc.Arbitrary<CapabilityProfile> = fc
  .tuple(profileArb, fc.boolean(), fc.double({ min: 0, max: 4, noNaN: true }), fc.boolean())
  .map(([p, modes, drop, soft]) =>
    !modes
      ? p
      : {
          ...p,
          reasoning: { mode: 'hybrid', maxReasoningTokens: 20000, reasoningTokensPerSecond: 200 },
          modes: {
            'no-think': {
              domains: p.domains.map((d) => ({ ...d, ability: Math.max(0, d.ability - drop) })),
            },
            think: soft
              ? { reasoning: { mode: 'thinking', maxReasoningTokens: 20000, budgetSlope: 1.5 } }
              : { reasoning: { mode: 'thinking', maxReasoningTokens: 20000 } },
          },
        },
  );

const fleetArb = fc
  .array(withModesArb, { minLength: 1, maxLength: 8 })
  .map((ps) => ps.map((profile, i) => ({ id: `agent-${i}`, profile })));
const taskArb: fc.Arbitrary<MatchTask> = fc
  .record({
    value: fc.double({ min: 0, max: 14, noNaN: true }),
    sigma: fc.double({ min: 0, max: 3, noNaN: true }),
    deadline: fc.option(fc.integer({ min: 200, max: 120000 }), { nil: undefined }),
    preference: fc.constantFrom('cost' as const, 'latency' as const, 'quality' as const, {
      weights: { cost: 1, latency: 1, quality: 1 },
    }),
    minSuccess: fc.double({ min: 0.3, max: 0.95, noNaN: true }),
  })
  .map((t) => ({
    descriptor: {
      domain: 'general',
      complexity: { value: t.value, sigma: t.sigma },
      preference: t.preference,
      constraints: { minSuccess: t.minSuccess, ...(t.deadline ? { completionDeadlineMs: t.deadline } : {}) },
    },
  }));

const summary = (r: ReturnType<typeof match>) => ({
  chosen: r.chosen?.agentId,
  ranking: r.ranked.map((a) => a.agentId),
  escalation: r.escalation,
});

/** The index's decision, checked against the full scan's: the same chosen agent and escalation. */
function indexedAsScan(index: CandidateIndex, task: MatchTask, fleet: readonly MatchCandidate[]) {
  const result = index.match(task);
  const full = match(task, fleet);
  expect(result.chosen?.agentId).toBe(full.chosen?.agentId);
  expect(result.escalation).toEqual(full.escalation);
  return result;
}

describe('matcher rules', () => {
  it('rejects an agent without the domain or a general curve: DOMAIN_UNSUPPORTED', () => {
    const r = match({ descriptor: { domain: 'code', complexity: { value: 1 } } }, [{ id: 'm', profile: base }]);
    expect(r.rejected[0]).toMatchObject({ agentId: 'm', reasons: ['DOMAIN_UNSUPPORTED'], predictions: { success: 0 } });
  });

  it('treats an 8 ± 2 task differently from an 8 ± 0 task', () => {
    const certain = match({ descriptor: { domain: 'math', complexity: { value: 7, sigma: 0 } } }, [
      { id: 'm', profile: base },
    ]);
    const uncertain = match(
      { descriptor: { domain: 'math', complexity: { value: 7, sigma: 2 }, hardConstraints: true } },
      [{ id: 'm', profile: base }],
    );
    expect(certain.chosen?.agentId).toBe('m');
    expect(uncertain.chosen).toBeUndefined();
    expect(uncertain.rejected[0]?.reasons).toEqual(['CAPABILITY_CEILING']);
  });

  it('resolves complexity by combining the descriptor, reasoning tokens and the estimate, else the domain prior', () => {
    expect(resolveTask({ descriptor: { domain: 'math', complexity: { value: 3 } } }).origin).toBe('descriptor');
    expect(
      resolveTask({ descriptor: { domain: 'math', reasoningTokens: { value: 2400, tokensPerStep: 24 } } }).complexity
        .value,
    ).toBeCloseTo(Math.log2(100), 12);
    expect(resolveTask({ descriptor: { domain: 'math' }, estimate: { value: 5, sigma: 1 } }).origin).toBe('estimator');
    expect(resolveTask({ descriptor: { domain: 'math' } })).toMatchObject({
      origin: 'default',
      complexity: { value: 5, sigma: 2 },
    });
    const combined = resolveTask({
      descriptor: { domain: 'math', complexity: { value: 3, sigma: 1 } },
      estimate: { value: 5, sigma: 1 },
    });
    expect(combined.origin).toBe('combined');
    expect(combined.complexity.value).toBeCloseTo(4, 12);
    expect(combined.complexity.sigma).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('prefers the cheaper of two agents with equal predictions under the cost preference', () => {
    const cheap = { ...base, cost: { currency: 'USD', outputPerMillion: 0.5 } };
    const r = match({ descriptor: { domain: 'math', complexity: { value: 2 } } }, [
      { id: 'a-dear', profile: base },
      { id: 'z-cheap', profile: cheap },
    ]);
    expect(summary(r).ranking).toEqual(['z-cheap', 'a-dear']);
    expect(r.selection).toEqual(['LOWEST_COST_PER_SUCCESS']);
  });
});

describe('matcher properties (random fleets)', () => {
  it('adding an infeasible agent never changes the decision', () => {
    fc.assert(
      fc.property(fleetArb, taskArb, (fleet, task) => {
        const before = summary(match(task, fleet));
        const hopeless: MatchCandidate = {
          id: 'agent-hopeless',
          profile: { ...base, domains: [{ domain: 'code', ability: 1 }] },
        };
        const after = match(task, [...fleet, hopeless]);
        expect(after.rejected.some((a) => a.agentId === 'agent-hopeless')).toBe(true);
        expect(summary(after)).toEqual(before);
      }),
      { numRuns: 150, seed: 3 },
    );
  });

  it('a strictly cheaper copy of an agent is ranked above it under the cost preference', () => {
    fc.assert(
      fc.property(fleetArb, taskArb, fc.nat(7), (fleet, task, pick) => {
        const original = fleet[pick % fleet.length] as MatchCandidate;
        const c = original.profile.cost;
        const cheaper: MatchCandidate = {
          id: 'agent-copy',
          profile: { ...original.profile, cost: { ...c, perTask: 0.01, outputPerMillion: c.outputPerMillion } },
        };
        const dearer: MatchCandidate = {
          ...cheaper,
          id: 'agent-dear',
          profile: { ...cheaper.profile, cost: { ...cheaper.profile.cost, perTask: 0.02 } },
        };
        const r = match({ ...task, descriptor: { ...task.descriptor, preference: 'cost' } }, [
          ...fleet,
          dearer,
          cheaper,
        ]);
        const ids = r.ranked.map((a) => a.agentId);
        if (ids.includes('agent-copy')) expect(ids.indexOf('agent-copy')).toBeLessThan(ids.indexOf('agent-dear'));
      }),
      { numRuns: 150, seed: 5 },
    );
  });

  it('weighted preferences are independent of irrelevant alternatives: a third agent never swaps two others', () => {
    fc.assert(
      fc.property(fleetArb, taskArb, profileArb, (fleet, task, extra) => {
        const weighted = {
          ...task,
          descriptor: { ...task.descriptor, preference: { weights: { cost: 1, latency: 0.5, quality: 2 } } },
        };
        const before = match(weighted, fleet).ranked.map((a) => a.agentId);
        const after = match(weighted, [...fleet, { id: 'agent-extra', profile: extra }])
          .ranked.map((a) => a.agentId)
          .filter((id) => id !== 'agent-extra');
        expect(after).toEqual(before);
      }),
      { numRuns: 150, seed: 11 },
    );
  });

  it('the decision does not depend on the order of the candidates', () => {
    fc.assert(
      fc.property(fleetArb, taskArb, (fleet, task) => {
        expect(summary(match(task, [...fleet].reverse()))).toEqual(summary(match(task, fleet)));
      }),
      { numRuns: 150, seed: 9 },
    );
  });

  it('every feasible agent meets minSuccess within the deadlines, and the escalation plan only climbs in success', () => {
    fc.assert(
      fc.property(fleetArb, taskArb, (fleet, task) => {
        const r = match(task, fleet);
        const c = task.descriptor.constraints ?? {};
        for (const a of r.ranked) {
          expect(a.predictions.success).toBeGreaterThanOrEqual(c.minSuccess ?? 0.8);
          // Spec §6.6: the deadline is a budget cut, so P_D never exceeds the success without deadlines.
          expect(a.predictions.success).toBeLessThanOrEqual(a.predictions.capabilitySuccess + 1e-6);
          if (c.completionDeadlineMs && a.predictions.reasoningTokens > 0) {
            expect(a.predictions.reasoningBudget).not.toBeNull();
          }
        }
        const successes = r.escalation.map(
          (id, k) =>
            r.ranked.find((a) => a.agentId === id && a.mode === r.escalationModes[k])?.predictions.success as number,
        );
        for (let i = 1; i < successes.length; i++) expect(successes[i]).toBeGreaterThan(successes[i - 1] as number);
      }),
      { numRuns: 150, seed: 13 },
    );
  });
});

describe('tie rule (spec §7.3): cells of a fixed grid, a total order', () => {
  /** P = pMax/2 exactly (ability = complexity, σ = 0); success values 3e-6 apart chain far beyond 1e-5, and the
   * more likely an agent is to succeed the slower it is, so a tolerance would tie neighbours and order them by
   * latency. */
  const chainFleet = (n: number, step: number): MatchCandidate[] =>
    Array.from({ length: n }, (_, j) => ({
      id: `chain-${String((j * 7919) % n).padStart(4, '0')}`,
      profile: {
        ...base,
        domains: [{ domain: 'math', ability: 3, pMax: 1 - 2 * step * j }],
        latency: { ttftMs: { p50: 1000 - 3 * j, p95: 1000 - 3 * j }, outputTokensPerSecond: 100 },
      },
    }));
  const chainTask: MatchTask = {
    descriptor: {
      domain: 'math',
      complexity: { value: 3, sigma: 0 },
      preference: 'quality',
      constraints: { minSuccess: 0.4 },
    },
  };

  it('ranks any subset in the order of the whole ranking (transitive ties)', () => {
    const fleet = chainFleet(120, 3e-6);
    const resolved = resolveTask(chainTask);
    const all = fleet.flatMap((c) => assessModes(c, chainTask, resolved));
    const order = rank(all, 'quality').ranked.map((a) => a.agentId);
    fc.assert(
      fc.property(fc.subarray(all, { minLength: 2 }), (subset) => {
        const ids = new Set(subset.map((a) => a.agentId));
        expect(rank(subset, 'quality').ranked.map((a) => a.agentId)).toEqual(order.filter((id) => ids.has(id)));
      }),
      { numRuns: 200, seed: 5 },
    );
  });

  it('the index chooses what the full scan chooses where success values chain within 1e-5 (bench:match case)', () => {
    for (const step of [1e-6, 3e-6, 7e-6]) {
      const fleet = chainFleet(400, step);
      const full = match(chainTask, fleet);
      const indexed = new CandidateIndex(fleet).match(chainTask);
      expect(indexed.chosen?.agentId).toBe(full.chosen?.agentId);
      expect(indexed.ranked.map((a) => a.agentId)).toEqual(full.ranked.slice(0, 16).map((a) => a.agentId));
      expect(indexed.selection).toEqual(full.selection);
      expect(indexed.escalation).toEqual(full.escalation);
    }
  });
});

describe('CandidateIndex (spec §7.9)', () => {
  const bigFleetArb = fc
    .array(withModesArb, { minLength: 1, maxLength: 40 })
    .map((ps) => ps.map((profile, i) => ({ id: `agent-${i}`, profile })));
  const anyTaskArb = taskArb.chain((t) =>
    fc.double({ min: 0.05, max: 0.99, noNaN: true }).map((minSuccess) => ({
      ...t,
      descriptor: { ...t.descriptor, constraints: { ...t.descriptor.constraints, minSuccess } },
    })),
  );

  it('gives the same chosen agent, top ranking, selection and escalation as the full scan', () => {
    fc.assert(
      fc.property(bigFleetArb, anyTaskArb, fc.integer({ min: 1, max: 6 }), (fleet, task, topN) => {
        const full = match(task, fleet);
        const indexed = new CandidateIndex(fleet, { topN }).match(task);
        expect(indexed.chosen?.agentId).toBe(full.chosen?.agentId);
        const ids = (r: typeof full) => r.ranked.map((a) => `${a.agentId}/${a.mode ?? ''}`);
        expect(ids(indexed)).toEqual(ids(full).slice(0, topN));
        expect(indexed.selection).toEqual(full.selection);
        expect(indexed.escalation).toEqual(full.escalation);
        expect(indexed.escalationModes).toEqual(full.escalationModes);
        expect(indexed.assessed).toBeLessThanOrEqual(fleet.length);
      }),
      { numRuns: 300, seed: 17 },
    );
  });

  /** Prices from a few levels (free included), so agents tie on cost; tasks with hard or soft constraints. */
  const tiedFleetArb = fc
    .array(
      fc
        .tuple(withModesArb, fc.constantFrom(0, 1, 2), fc.constantFrom(0, 3), fc.constantFrom(0.9, 1))
        .map(([p, price, input, pMax]) => ({
          ...p,
          domains: p.domains.map((d) => ({ ...d, pMax })),
          cost: { currency: 'USD', inputPerMillion: input, outputPerMillion: price, reasoningPerMillion: price },
        })),
      { minLength: 1, maxLength: 40 },
    )
    .map((ps) => ps.map((profile, i) => ({ id: `agent-${i}`, profile })));
  const constrainedTaskArb = fc
    .tuple(anyTaskArb, fc.boolean(), fc.option(fc.constantFrom<Placement[][]>(['cloud'], ['device', 'edge'])))
    .map(([t, hardConstraints, allowedPlacements]) => ({
      ...t,
      descriptor: {
        ...t.descriptor,
        hardConstraints,
        constraints: { ...t.descriptor.constraints, ...(allowedPlacements ? { allowedPlacements } : {}) },
      },
    }));

  it('equals the full scan with price ties, free agents, pMax < 1, placements, best effort and hard constraints', () => {
    fc.assert(
      fc.property(tiedFleetArb, constrainedTaskArb, fc.integer({ min: 1, max: 6 }), (fleet, task, topN) => {
        expectIndexEqualsScan(fleet, task, topN);
      }),
      { numRuns: 400, seed: 23 },
    );
  });

  /** One change to a registry: a new or replaced profile, a new load (same profile), or a removal. */
  const changeArb = fc.oneof(
    fc.record({ kind: fc.constant('profile' as const), slot: fc.nat(29), profile: withModesArb }),
    fc.record({ kind: fc.constant('load' as const), slot: fc.nat(29), load: fc.nat(8) }),
    fc.record({ kind: fc.constant('remove' as const), slot: fc.nat(29) }),
  );

  /** Applies one change to the reference fleet and to the index alike. */
  function applyChange(
    change: typeof changeArb extends fc.Arbitrary<infer C> ? C : never,
    fleet: Map<string, MatchCandidate>,
    index: CandidateIndex,
  ) {
    const id = `agent-${change.slot}`;
    if (change.kind === 'remove') {
      fleet.delete(id);
      index.remove(id);
      return;
    }
    const next =
      change.kind === 'profile'
        ? { id, profile: change.profile }
        : { id, profile: fleet.get(id)?.profile ?? base, load: change.load };
    fleet.set(id, next);
    index.upsert(next);
  }

  it('stays exact under upserts, removals and profile updates (tables updated in place, not rebuilt)', () => {
    fc.assert(
      fc.property(
        bigFleetArb,
        fc.array(changeArb, { minLength: 1, maxLength: 12 }),
        fc.array(anyTaskArb, { minLength: 1, maxLength: 3 }),
        (initial, changes, tasks) => {
          const fleet = new Map(initial.map((c) => [c.id, c as MatchCandidate]));
          const index = new CandidateIndex(initial);
          for (const task of tasks) index.match(task); // build the domain tables, so changes update them
          for (const change of changes) {
            applyChange(change, fleet, index);
            for (const task of tasks) {
              const indexed = index.match(task);
              expectSameAsScan(indexed, match(task, fleet.values()), 16);
              // The tables updated in place hold the bounds a fresh index computes: the search assesses the same.
              expect(indexed.assessed).toBe(new CandidateIndex(fleet.values()).match(task).assessed);
            }
          }
        },
      ),
      { numRuns: 120, seed: 41 },
    );
  });

  it('spec §7.9: never reports no capable agent before assessing the 8 strongest agents of the domain', () => {
    const fleet = Array.from({ length: 50 }, (_, i) => ({
      id: `a${String(i).padStart(2, '0')}`,
      profile: { ...base, domains: [{ domain: 'math', ability: i / 5 }] },
    }));
    const strongest = fleet.slice(-MIN_ASSESSED_BEFORE_REFUSAL).map((a) => a.id);
    // Every agent misses the placement (a hard constraint the cheap pass prunes) or the ability.
    for (const constraints of [{ allowedPlacements: ['device' as const] }, { minSuccess: 0.99 }]) {
      const task: MatchTask = {
        descriptor: { domain: 'math', complexity: { value: 30 }, hardConstraints: true, constraints },
      };
      const result = new CandidateIndex(fleet).match(task);
      expect(result.chosen).toBeUndefined();
      expect(result.assessed).toBeGreaterThanOrEqual(MIN_ASSESSED_BEFORE_REFUSAL);
      expect(result.rejected.map((a) => a.agentId)).toEqual(expect.arrayContaining(strongest));
    }
  });

  it('spec §7.9: a registry without the domain is reported as agents lacking it, not as empty', () => {
    const fleet = Array.from({ length: 3 }, (_, i) => ({ id: `m${i}`, profile: base })); // math only, no general
    const task: MatchTask = { descriptor: { domain: 'code', complexity: { value: 1 } } };
    const result = new CandidateIndex(fleet).match(task);
    expect(result.assessed).toBe(3);
    expect(result.rejected.map((a) => a.reasons)).toEqual([
      ['DOMAIN_UNSUPPORTED'],
      ['DOMAIN_UNSUPPORTED'],
      ['DOMAIN_UNSUPPORTED'],
    ]);
    const error = (r: typeof result) => noCapableAgentError(decisionRecord(r, { decisionId: 'd-1' }), r).message;
    expect(error(result)).not.toContain('registry is empty');
    expect(error(result)).toBe(error({ ...match(task, fleet), assessed: 3, refined: 0, prepared: 0, registered: 3 }));
  });

  /** Voice-like tasks: tight first-response and completion deadlines over a jittery, lossy network. */
  const voiceTaskArb = fc
    .tuple(
      anyTaskArb,
      fc.integer({ min: 100, max: 3000 }),
      fc.integer({ min: 0, max: 3000 }),
      fc.integer({ min: 0, max: 200 }),
      fc.integer({ min: 0, max: 80 }),
      fc.constantFrom(0, 0.01, 0.1),
      fc.integer({ min: 1, max: 400 }),
    )
    .map(([t, first, extra, rttMs, jitterMs, lossRate, outputTokens]) => ({
      ...t,
      descriptor: {
        ...t.descriptor,
        outputTokens,
        complexity: { value: t.descriptor.complexity?.value ?? 0, sigma: t.descriptor.complexity?.sigma ?? 0 },
        constraints: {
          ...t.descriptor.constraints,
          firstResponseDeadlineMs: first,
          completionDeadlineMs: first + extra,
        },
        network: { rttMs, jitterMs, lossRate },
      },
    }));
  /** Profiles with network round trips, overheads and (some) ttft p50 of 0. */
  const voiceFleetArb = fc
    .array(
      fc
        .tuple(withModesArb, fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.boolean())
        .map(([p, networkRttMs, overheadMs, zeroMedian]) => ({
          ...p,
          latency: {
            ...p.latency,
            networkRttMs,
            overheadMs,
            ttftMs: zeroMedian ? { p50: 0, p95: p.latency.ttftMs.p95 } : p.latency.ttftMs,
          },
        })),
      { minLength: 1, maxLength: 40 },
    )
    .map((ps) => ps.map((profile, i) => ({ id: `agent-${i}`, profile })));

  it('the latency-factor bound of the first pass is at least F_L0(D′) of every profile (spec §6.6)', () => {
    fc.assert(
      fc.property(voiceFleetArb, voiceTaskArb, (fleet, task) => {
        const resolved = resolveTask(task);
        for (const { profile } of fleet) {
          const { base } = predictLatency({
            profile,
            complexity: resolved.complexity,
            percentile: resolved.percentile,
            inputTokens: resolved.inputTokens,
            outputTokens: resolved.outputTokens,
            network: task.descriptor.network,
          });
          const deadline = firstTokenDeadline(base, task.descriptor.constraints ?? {});
          const { p50, p95 } = profile.latency.ttftMs;
          const growth = p50 > 0 ? Math.log(Math.max(p95, p50) / p50) / Z_SCORES[95] : 0;
          const bound = latencyFactorUpperBound(
            base.fixedMs + base.networkMeanMs,
            base.networkSdMs,
            p50,
            growth,
            deadline,
          );
          expect(bound).toBeGreaterThanOrEqual(baseLatencyCdf(base, deadline));
        }
      }),
      { numRuns: 300, seed: 31 },
    );
  });

  it('the first pass σ-aware tail bound is at least the success integral (strong agents near P = 1)', () => {
    const arb = fc.record({
      a: fc.double({ min: 0, max: 20, noNaN: true }),
      above: fc.double({ min: 0, max: 10, noNaN: true }),
      k: fc.double({ min: 0.25, max: 4, noNaN: true }),
      pMax: fc.double({ min: 0.5, max: 1, noNaN: true }),
      sigma: fc.constantFrom(0, 1e-7, 0.2, 0.7, 1.4, 3),
    });
    fc.assert(
      fc.property(arb, (x) => {
        const mu = Math.max(0, x.a - x.above);
        const exact = expectedSuccess({ ability: x.a, slope: x.k, pMax: x.pMax }, { value: mu, sigma: x.sigma });
        expect(cheapTailSuccessUpperBound(x.a, x.k, x.pMax, mu, x.sigma)).toBeGreaterThanOrEqual(exact);
      }),
      { numRuns: 3000, seed: 61 },
    );
  });

  it('the truncated success bound is at least S_cut of every curve under its limits and every smaller cut', () => {
    const curveArb = fc.record({
      a: fc.double({ min: 0, max: 14, noNaN: true }),
      kBelow: fc.double({ min: 0.25, max: 4, noNaN: true }),
      kAbove: fc.double({ min: 0.25, max: 4, noNaN: true }),
      pMax: fc.double({ min: 0.5, max: 1, noNaN: true }),
      mu: fc.double({ min: 0, max: 14, noNaN: true }),
      sigma: fc.constantFrom(0, 0.3, 1, 2.5),
      cut: fc.double({ min: -2, max: 16, noNaN: true }),
      // The member curve and cut, as shares of the limits.
      drop: fc.double({ min: 0, max: 4, noNaN: true }),
      slopeShare: fc.double({ min: 0, max: 1, noNaN: true }),
      pShare: fc.double({ min: 0.5, max: 1, noNaN: true }),
      cutDrop: fc.double({ min: 0, max: 3, noNaN: true }),
    });
    fc.assert(
      fc.property(curveArb, (x) => {
        const kBelow = Math.min(x.kBelow, x.kAbove);
        const kAbove = Math.max(x.kBelow, x.kAbove);
        const complexity = { value: x.mu, sigma: x.sigma };
        const member = {
          ability: x.a - x.drop,
          slope: kBelow + x.slopeShare * (kAbove - kBelow),
          pMax: x.pMax * x.pShare,
        };
        const bound = truncatedSuccessUpperBound(x.a, kAbove, kBelow, x.pMax, complexity, x.cut);
        expect(bound).toBeGreaterThanOrEqual(expectedSuccess(member, complexity, x.cut - x.cutDrop));
      }),
      { numRuns: 2000, seed: 37 },
    );
  });

  /**
   * A skill or mode override slower than the agent in every part of L0 and in reasoning, so the bounds must take each
   * part's worst profile: time to first token `ttft`× (p95 `p95`× the p50 floor), a slower output rate.
   */
  const slowerOverride = (
    x: { p50: number; overheadMs: number; networkRttMs: number; budget: number; rate: number },
    by: { ttft: number; p95: number; outputTokensPerSecond: number },
  ) => ({
    latency: {
      ttftMs: { p50: by.ttft * x.p50, p95: by.p95 * Math.max(1, x.p50) },
      outputTokensPerSecond: by.outputTokensPerSecond,
      overheadMs: 2 * x.overheadMs + 50,
      networkRttMs: x.networkRttMs + 30,
      inputTokensPerSecond: 400,
    },
    reasoning: {
      mode: 'thinking' as const,
      maxReasoningTokens: x.budget,
      reasoningTokensPerSecond: Math.max(10, x.rate / 3),
    },
  });

  /** Thinking agents whose cost is mostly reasoning, cut by deadlines, context windows and queues (load ≥ capacity). */
  const reasoningFleetArb = fc
    .array(
      fc
        .record({
          ability: fc.double({ min: 2, max: 14, noNaN: true }),
          budget: fc.integer({ min: 100, max: 60000 }),
          rate: fc.integer({ min: 20, max: 400 }),
          p50: fc.integer({ min: 0, max: 800 }),
          spreadOfTtft: fc.integer({ min: 1, max: 4 }),
          overheadMs: fc.integer({ min: 0, max: 300 }),
          networkRttMs: fc.integer({ min: 0, max: 100 }),
          inputTokensPerSecond: fc.option(fc.integer({ min: 500, max: 20000 }), { nil: undefined }),
          placement: fc.constantFrom<Placement>('device', 'edge', 'cloud'),
          window: fc.option(fc.integer({ min: 500, max: 40000 }), { nil: undefined }),
          capacity: fc.integer({ min: 1, max: 3 }),
          load: fc.nat(5),
          output: fc.double({ min: 0, max: 2, noNaN: true }),
          reasoningPrice: fc.double({ min: 1, max: 60, noNaN: true }),
          modes: fc.boolean(),
          skill: fc.boolean(),
        })
        .map((x) => ({
          profile: {
            domains: [{ domain: 'general', ability: x.ability }],
            reasoning: { mode: 'thinking' as const, maxReasoningTokens: x.budget, reasoningTokensPerSecond: x.rate },
            latency: {
              ttftMs: { p50: x.p50, p95: Math.max(1, x.p50) * x.spreadOfTtft },
              outputTokensPerSecond: 50 + (x.rate % 100),
              overheadMs: x.overheadMs,
              networkRttMs: x.networkRttMs,
              ...(x.inputTokensPerSecond ? { inputTokensPerSecond: x.inputTokensPerSecond } : {}),
            },
            placement: { placement: x.placement, region: 'eu' },
            cost: { currency: 'USD', outputPerMillion: x.output, reasoningPerMillion: x.reasoningPrice },
            capacity: { maxConcurrentTasks: x.capacity, meanServiceMs: 500 },
            ...(x.window ? { contextWindowTokens: x.window } : {}),
            // A skill and a mode whose overrides are slower (variants that all reason, apart from no-think).
            ...(x.skill ? { skills: { slow: slowerOverride(x, { ttft: 3, p95: 9, outputTokensPerSecond: 30 }) } } : {}),
            ...(x.modes
              ? {
                  modes: {
                    think: slowerOverride(x, { ttft: 2, p95: 8, outputTokensPerSecond: 40 }),
                    'no-think': { reasoning: { mode: 'none' as const } },
                  },
                }
              : {}),
          } as CapabilityProfile,
          load: x.load,
          skills: x.skill ? [{ id: 'slow', tags: ['slow'] }] : [],
        })),
      { minLength: 1, maxLength: 40 },
    )
    .map((ps) => ps.map((p, i) => ({ id: `agent-${i}`, ...p })));
  const reasoningTaskArb = fc
    .record({
      value: fc.double({ min: 2, max: 12, noNaN: true }),
      sigma: fc.double({ min: 0, max: 2, noNaN: true }),
      first: fc.option(fc.integer({ min: 300, max: 8000 }), { nil: undefined }),
      completion: fc.integer({ min: 1000, max: 120000 }),
      inputTokens: fc.integer({ min: 0, max: 20000 }),
      outputTokens: fc.integer({ min: 10, max: 400 }),
      percentile: fc.constantFrom(50 as const, 90 as const, 99 as const),
      preference: fc.constantFrom('cost' as const, { weights: { cost: 1, latency: 0.5, quality: 1 } }),
      minSuccess: fc.double({ min: 0.05, max: 0.9, noNaN: true }),
      network: fc.record({ rttMs: fc.nat(200), jitterMs: fc.nat(80), lossRate: fc.constantFrom(0, 0.05) }),
      skill: fc.boolean(),
    })
    .map(
      (t): MatchTask => ({
        descriptor: {
          domain: 'general',
          complexity: { value: t.value, sigma: t.sigma },
          inputTokens: t.inputTokens,
          outputTokens: t.outputTokens,
          ...(t.skill ? { skill: 'slow' } : {}),
          preference: t.preference,
          network: t.network,
          constraints: {
            minSuccess: t.minSuccess,
            latencyPercentile: t.percentile,
            completionDeadlineMs: t.completion,
            ...(t.first ? { firstResponseDeadlineMs: t.first } : {}),
          },
        },
      }),
    );

  it('equals the full scan where reasoning cut by deadlines, windows and queues sets the cost (cost bound)', () => {
    fc.assert(
      fc.property(reasoningFleetArb, reasoningTaskArb, fc.integer({ min: 1, max: 6 }), (fleet, task, topN) => {
        expectIndexEqualsScan(fleet, task, topN);
      }),
      { numRuns: 400, seed: 43 },
    );
  });

  /** Every assessment of every agent respects the first pass's bounds (cost and latency below, success above). */
  function expectFirstPassBoundsHold(fleet: readonly MatchCandidate[], task: MatchTask) {
    const bounds = new CandidateIndex(fleet).firstPassBounds(task);
    const resolved = resolveTask(task);
    for (const candidate of fleet) {
      const bound = bounds.get(candidate.id);
      if (!bound) continue; // without the domain
      for (const a of assessModes(candidate, task, resolved)) {
        const where = `${candidate.id}/${a.mode ?? ''}`;
        expect(bound.cost, where).toBeLessThanOrEqual(a.comparableCost * (1 + 1e-9));
        expect(bound.completionMs, where).toBeLessThanOrEqual(a.predictions.completionMs * (1 + 1e-9));
        expect(bound.success, where).toBeGreaterThanOrEqual(a.predictions.success);
        if (bound.excluded) expect(a.feasible, where).toBe(false);
      }
    }
  }

  it('first-pass bounds hold for every assessment: reasoning cut by deadlines, windows and queues', () => {
    fc.assert(
      fc.property(reasoningFleetArb, reasoningTaskArb, (fleet, task) => expectFirstPassBoundsHold(fleet, task)),
      { numRuns: 400, seed: 47 },
    );
  });

  it('first-pass bounds hold for every assessment: voice tasks, modes, price ties and placements', () => {
    fc.assert(
      fc.property(voiceFleetArb, voiceTaskArb, (fleet, task) => expectFirstPassBoundsHold(fleet, task)),
      { numRuns: 300, seed: 53 },
    );
    fc.assert(
      fc.property(tiedFleetArb, constrainedTaskArb, (fleet, task) => expectFirstPassBoundsHold(fleet, task)),
      { numRuns: 300, seed: 59 },
    );
  });

  it('assesses little more than the ranking needs when a deadline cuts the reasoning of hard tasks (cost)', () => {
    // Thinking cloud agents on a hard task with a 120 s completion deadline: the reasoning the deadline leaves sets
    // both the cost and the success; only a success bound truncated at the budget cut separates them.
    const fleet = Array.from({ length: 1500 }, (_, i) => ({
      id: `c${String(i).padStart(4, '0')}`,
      profile: {
        ...base,
        domains: [{ domain: 'math', ability: 7.5 + ((i * 7919) % 300) / 100 }],
        reasoning: {
          mode: 'thinking' as const,
          maxReasoningTokens: 32000 * (1 + (i % 4)),
          reasoningTokensPerSecond: 100 + ((i * 31) % 100),
        },
        cost: { currency: 'USD', outputPerMillion: 7.5 + ((i * 13) % 150) / 10, reasoningPerMillion: 15 },
      },
    }));
    const index = new CandidateIndex(fleet);
    for (const preference of ['cost', { weights: { cost: 1, latency: 1, quality: 1 } }] as const) {
      for (const [value, sigma] of [
        [8.35, 1.05],
        [7.65, 1.15],
        [8, 0.98],
      ] as const) {
        const task: MatchTask = {
          descriptor: {
            domain: 'math',
            complexity: { value, sigma },
            outputTokens: 300,
            preference,
            constraints: { completionDeadlineMs: 120000 },
          },
        };
        const result = index.match(task);
        expect(result.chosen?.agentId).toBe(match(task, fleet).chosen?.agentId);
        expect(result.assessed, `${JSON.stringify(preference)} at ${value}`).toBeLessThanOrEqual(24);
      }
    }
  });

  /** Blocks of 1–5 agents used at any fleet size, so the random fleets exercise every block bound. */
  const smallBlocksArb = fc.integer({ min: 1, max: 5 }).map((rows) => ({ rows, from: 0 }));

  it('with blocks (first pass over blocks of agents) equals the full scan: random, tied, voice and reasoning fleets', () => {
    const property = <F extends MatchCandidate[], T extends MatchTask>(
      fleetArb: fc.Arbitrary<F>,
      taskArb: fc.Arbitrary<T>,
      seed: number,
    ) =>
      fc.assert(
        fc.property(fleetArb, taskArb, fc.integer({ min: 1, max: 6 }), smallBlocksArb, (fleet, task, topN, blocks) =>
          expectIndexEqualsScan(fleet, task, topN, blocks),
        ),
        { numRuns: 250, seed },
      );
    property(bigFleetArb, anyTaskArb, 61);
    property(tiedFleetArb, constrainedTaskArb, 67);
    property(voiceFleetArb, voiceTaskArb, 71);
    property(reasoningFleetArb, reasoningTaskArb, 73);
  });

  it('with blocks, stays exact under upserts, load changes and removals (blocks patched in place, then rebuilt)', () => {
    fc.assert(
      fc.property(
        bigFleetArb,
        fc.array(changeArb, { minLength: 1, maxLength: 25 }),
        anyTaskArb,
        smallBlocksArb,
        (initial, changes, task, blocks) => {
          const fleet = new Map(initial.map((c) => [c.id, c as MatchCandidate]));
          const index = new CandidateIndex(initial, { blocks });
          index.match(task); // build the domain table and its blocks, so changes patch them
          for (const change of changes) {
            applyChange(change, fleet, index);
            expectSameAsScan(index.match(task), match(task, fleet.values()), 16);
          }
        },
      ),
      { numRuns: 100, seed: 97 },
    );
  });

  /** Every assessment of every agent of a block respects the block's bounds (cost and latency below, success above). */
  function expectBlockBoundsHold(fleet: readonly MatchCandidate[], task: MatchTask, rows: number) {
    const byId = new Map(fleet.map((c) => [c.id, c]));
    const resolved = resolveTask(task);
    for (const block of new CandidateIndex(fleet, { blocks: { rows } }).blockBounds(task)) {
      for (const id of block.agents) {
        for (const a of assessModes(byId.get(id) as MatchCandidate, task, resolved)) {
          const where = `${id}/${a.mode ?? ''} in [${block.agents.join()}]`;
          expect(block.cost, where).toBeLessThanOrEqual(a.comparableCost * (1 + 1e-9));
          expect(block.completionMs, where).toBeLessThanOrEqual(a.predictions.completionMs * (1 + 1e-9));
          expect(block.success, where).toBeGreaterThanOrEqual(a.predictions.success);
          if (block.excluded) expect(a.feasible, where).toBe(false);
        }
      }
    }
  }

  it('block bounds hold for every agent of the block: voice, tied, constrained and reasoning fleets', () => {
    const rowsArb = fc.integer({ min: 1, max: 6 });
    fc.assert(fc.property(voiceFleetArb, voiceTaskArb, rowsArb, expectBlockBoundsHold), { numRuns: 250, seed: 79 });
    fc.assert(fc.property(tiedFleetArb, constrainedTaskArb, rowsArb, expectBlockBoundsHold), {
      numRuns: 250,
      seed: 83,
    });
    fc.assert(fc.property(reasoningFleetArb, reasoningTaskArb, rowsArb, expectBlockBoundsHold), {
      numRuns: 250,
      seed: 89,
    });
  });

  it('the first pass touches blocks, then the agents of the blocks that can still rank: every preference', () => {
    // 3 000 agents of three kinds (on-device and free, edge, thinking cloud), abilities interleaved: the blocks group
    // agents of a kind, so their bounds are close to their agents'.
    const kinds = [
      { placement: { placement: 'device' as const }, reasoning: { mode: 'none' as const }, price: 0, at: 2 },
      {
        placement: { placement: 'edge' as const, region: 'eu' },
        reasoning: { mode: 'none' as const },
        price: 1,
        at: 5,
      },
      {
        placement: { placement: 'cloud' as const, region: 'us' },
        reasoning: { mode: 'thinking' as const, maxReasoningTokens: 64000, reasoningTokensPerSecond: 150 },
        price: 15,
        at: 9,
      },
    ];
    const fleet = Array.from({ length: 3000 }, (_, i) => {
      const kind = kinds[i % 3] as (typeof kinds)[number];
      return {
        id: `a${String(i).padStart(4, '0')}`,
        profile: {
          ...base,
          domains: [{ domain: 'math', ability: kind.at + ((i * 7919) % 300) / 100 - 1.5 }],
          reasoning: kind.reasoning,
          placement: kind.placement,
          latency: { ttftMs: { p50: 50 + (i % 31) * 10, p95: 100 + (i % 31) * 20 }, outputTokensPerSecond: 100 },
          cost: {
            currency: 'USD',
            outputPerMillion: kind.price * (1 + (i % 97) / 97),
            reasoningPerMillion: kind.price,
          },
        },
      };
    });
    const index = new CandidateIndex(fleet);
    const preferences = ['cost', 'latency', 'quality', { weights: { cost: 1, latency: 1, quality: 1 } }] as const;
    for (const preference of preferences) {
      for (const value of [1, 4, 7]) {
        const task: MatchTask = {
          descriptor: {
            domain: 'math',
            complexity: { value, sigma: 1 },
            preference,
            constraints: { completionDeadlineMs: 120000 },
          },
        };
        const result = indexedAsScan(index, task, fleet);
        expect(result.prepared, `${JSON.stringify(preference)} at ${value}`).toBeLessThan(600);
      }
    }
  });

  it('tells agents whose success within a voice deadline ties to a cell apart unassessed (exact latency factor)', () => {
    // 2 000 edge agents of equal latency whose success saturates: P_D is their common latency factor, so they tie on
    // success and the latency and id keys decide. A factor bound read on a grid above Φ lies a cell or two above it
    // and forces every one of them through the refinements.
    const fleet = Array.from({ length: 2000 }, (_, i) => ({
      id: `e${String(i).padStart(4, '0')}`,
      profile: {
        ...base,
        domains: [{ domain: 'dialogue', ability: 8 + (i % 40) / 10 }],
        latency: { ttftMs: { p50: 150, p95: 400 }, outputTokensPerSecond: 40 + (i % 120), networkRttMs: 10 },
        placement: { placement: 'edge' as const, region: 'eu' },
      },
    }));
    const index = new CandidateIndex(fleet);
    for (const value of [0, 0.5, 1, 1.5]) {
      const task: MatchTask = {
        descriptor: {
          domain: 'dialogue',
          complexity: { value, sigma: 1 },
          outputTokens: 40,
          preference: 'quality',
          constraints: { firstResponseDeadlineMs: 1000, completionDeadlineMs: 2000 },
          network: { rttMs: 60, jitterMs: 30, lossRate: 0.01 },
        },
      };
      const result = index.match(task);
      const full = match(task, fleet);
      expect(result.ranked.map((a) => a.agentId)).toEqual(full.ranked.slice(0, 16).map((a) => a.agentId));
      expect(result.refined, `complexity ${value}`).toBeLessThan(200);
    }
  });

  it('equals the full scan on voice tasks (first-response and completion deadlines, jitter, loss)', () => {
    fc.assert(
      fc.property(voiceFleetArb, voiceTaskArb, fc.integer({ min: 1, max: 6 }), (fleet, task, topN) => {
        expectIndexEqualsScan(fleet, task, topN);
      }),
      { numRuns: 400, seed: 29 },
    );
  });

  it('rules out agents by the latency factor before refining them: a voice task under quality at complexity 0', () => {
    // Strong cloud agents (success ≈ 1) whose time to first token misses the deadline often, and fast device agents:
    // only the deadline's latency factor separates them.
    const cloud = (i: number): MatchCandidate => ({
      id: `cloud-${String(i).padStart(4, '0')}`,
      profile: {
        ...base,
        domains: [{ domain: 'dialogue', ability: 9 + (i % 50) / 50 }],
        latency: { ttftMs: { p50: 400, p95: 1200 }, outputTokensPerSecond: 100, networkRttMs: 40 },
        placement: { placement: 'cloud', region: 'us' },
      },
    });
    const device = (i: number): MatchCandidate => ({
      id: `device-${String(i).padStart(4, '0')}`,
      profile: {
        ...base,
        domains: [{ domain: 'dialogue', ability: 3 + (i % 50) / 50 }],
        latency: { ttftMs: { p50: 60, p95: 120 }, outputTokensPerSecond: 100 },
        placement: { placement: 'device' },
      },
    });
    const fleet = [
      ...Array.from({ length: 2000 }, (_, i) => cloud(i)),
      ...Array.from({ length: 200 }, (_, i) => device(i)),
    ];
    const task: MatchTask = {
      descriptor: {
        domain: 'dialogue',
        complexity: { value: 0, sigma: 0.5 },
        outputTokens: 40,
        preference: 'quality',
        constraints: { firstResponseDeadlineMs: 1000, completionDeadlineMs: 2000 },
        network: { rttMs: 60, jitterMs: 30, lossRate: 0.01 },
      },
    };
    const result = new CandidateIndex(fleet).match(task);
    expect(result.chosen?.agentId).toBe(match(task, fleet).chosen?.agentId);
    expect(result.chosen?.agentId.startsWith('device-')).toBe(true);
    expect(result.refined).toBeLessThan(200);
  });

  it('prunes for every preference, minSuccess 0.3 and free agents: a small fraction of a large fleet', () => {
    // Success stays below saturation here, so the counts measure pruning rather than ties at P = 1.
    const fleet = Array.from({ length: 3000 }, (_, i) => ({
      id: `a${String(i).padStart(4, '0')}`,
      profile: {
        ...base,
        domains: [{ domain: 'math', ability: 2 + ((i * 7919) % 800) / 100 }],
        latency: { ttftMs: { p50: 50 + (i % 31) * 10, p95: 100 + (i % 31) * 20 }, outputTokensPerSecond: 100 },
        cost: { currency: 'USD', outputPerMillion: i % 3 === 0 ? 0 : 1 + (i % 97) },
      },
    }));
    const index = new CandidateIndex(fleet);
    const preferences = ['cost', 'latency', 'quality', { weights: { cost: 1, latency: 1, quality: 1 } }] as const;
    for (const preference of preferences) {
      for (const minSuccess of [0.3, 0.8]) {
        const task: MatchTask = {
          descriptor: { domain: 'math', complexity: { value: 5, sigma: 2 }, preference, constraints: { minSuccess } },
        };
        const result = indexedAsScan(index, task, fleet);
        expect(result.assessed, `${JSON.stringify(preference)} at ${minSuccess}`).toBeLessThan(300);
      }
    }
  });

  it('ends the search by agent id among agents that all saturate at success 1 (quality): no bound above 1', () => {
    // Every agent's success rounds to 1 (the top tie cell) with equal latency and cost: the 16 lowest ids are the
    // ranking, and every other agent's first bound (capped at 1) ties with the 16th, so the id order ends the search.
    const fleet = Array.from({ length: 2000 }, (_, i) => ({
      id: `s${String(i).padStart(4, '0')}`,
      profile: { ...base, domains: [{ domain: 'math', ability: 14 + (i % 50) / 100 }] },
    }));
    const task: MatchTask = {
      descriptor: { domain: 'math', complexity: { value: 1, sigma: 0.5 }, preference: 'quality' },
    };
    const result = new CandidateIndex(fleet).match(task);
    expect(result.chosen?.agentId).toBe(match(task, fleet).chosen?.agentId);
    expect(result.refined).toBeLessThan(200);
  });

  it('prunes: an easy task over a large fleet assesses a small fraction of it', () => {
    const fleet = Array.from({ length: 2000 }, (_, i) => ({
      id: `a${String(i).padStart(4, '0')}`,
      profile: {
        ...base,
        domains: [{ domain: 'math', ability: 2 + (i % 10) }],
        cost: { currency: 'USD', outputPerMillion: 1 + (i % 97) },
      },
    }));
    const index = new CandidateIndex(fleet);
    const result = index.match({ descriptor: { domain: 'math', complexity: { value: 3, sigma: 0.5 } } });
    expect(result.chosen).toBeDefined();
    expect(result.assessed).toBeLessThan(200);
    expect(result.chosen?.agentId).toBe(
      match({ descriptor: { domain: 'math', complexity: { value: 3, sigma: 0.5 } } }, fleet).chosen?.agentId,
    );
  });

  it('follows upserts and removals', () => {
    const index = new CandidateIndex([{ id: 'x', profile: base }]);
    const task: MatchTask = { descriptor: { domain: 'math', complexity: { value: 2 } } };
    expect(index.match(task).chosen?.agentId).toBe('x');
    index.upsert({ id: 'x', profile: base, available: false });
    expect(index.match(task).chosen).toBeUndefined();
    index.upsert({ id: 'y', profile: { ...base, cost: { currency: 'USD' } } });
    expect(index.match(task).chosen?.agentId).toBe('y');
    expect(index.remove('y')).toBe(true);
    expect(index.remove('y')).toBe(false);
    expect(index.size).toBe(1);
    expect(index.match(task).rejected.map((a) => a.agentId)).toEqual(['x']);
  });
});
