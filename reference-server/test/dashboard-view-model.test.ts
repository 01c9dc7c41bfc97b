/**
 * The dashboard's view model (pure, shared with the browser): tasks folded from feed entries without duplicates,
 * "why not" texts, outcomes beside the fixed policies, latency percentiles per tier, probe counts.
 */
import type { CandidateAssessment, RoutingDecision } from '@rightsize/sdk/rightsize';
import { describe, expect, it } from 'vitest';
import type { FeedEntry } from '../src/dashboard/protocol.js';
import { latencyByTier, outcomes, percentile, probeSummary, TaskBook, whyNot } from '../src/dashboard/view-model.js';

const predictions = (success: number, cost: number, completionMs: number, firstResponseMs = completionMs / 2) => ({
  success,
  capabilitySuccess: success,
  firstResponseMs,
  completionMs,
  latencyPercentile: 95 as const,
  reasoningTokens: 0,
  cost: { amount: cost, currency: 'USD' },
  costPerSuccess: success > 0 ? cost / success : null,
  effectiveCeiling: null,
});

const candidates: CandidateAssessment[] = [
  { agentId: 'edge', feasible: true, rank: 1, reasons: [], predictions: predictions(0.9, 0.01, 800) },
  { agentId: 'cloud', feasible: true, rank: 2, reasons: [], predictions: predictions(0.99, 0.05, 2000) },
  {
    agentId: 'device',
    feasible: false,
    reasons: ['CAPABILITY_CEILING'],
    predictions: predictions(0.1, 0.000001, 100),
  },
];

const decision: RoutingDecision = {
  decisionId: 'd-1',
  specVersion: '1.0',
  decidedAt: '2026-11-28T18:00:00.000Z',
  chosen: 'edge',
  selection: ['LOWEST_COST_PER_SUCCESS'],
  complexity: { value: 5, sigma: 0.5 },
  complexityOrigin: 'descriptor',
  preference: 'cost',
  minSuccess: 0.8,
  escalation: ['edge', 'cloud'],
  candidates,
};

const entries: FeedEntry[] = [
  {
    seq: 1,
    at: '2026-11-28T18:00:00.000Z',
    kind: 'decided',
    taskId: 't1',
    owner: 'admin',
    text: 'a task',
    descriptor: { domain: 'math', constraints: { completionDeadlineMs: 1000 } },
    decision,
  },
  {
    seq: 2,
    at: '2026-11-28T18:00:01.000Z',
    kind: 'attempt',
    taskId: 't1',
    agentId: 'edge',
    state: 'TASK_STATE_FAILED',
    success: false,
    durationMs: 300,
  },
  {
    seq: 3,
    at: '2026-11-28T18:00:01.000Z',
    kind: 'escalated',
    taskId: 't1',
    from: 'edge',
    to: 'cloud',
    reason: 'failed',
  },
  {
    seq: 4,
    at: '2026-11-28T18:00:02.000Z',
    kind: 'attempt',
    taskId: 't1',
    agentId: 'cloud',
    state: 'TASK_STATE_COMPLETED',
    success: true,
    durationMs: 900,
  },
  {
    seq: 5,
    at: '2026-11-28T18:00:02.000Z',
    kind: 'finished',
    taskId: 't1',
    state: 'TASK_STATE_COMPLETED',
    durationMs: 1250,
    firstResponseMs: 1100,
  },
];

describe('dashboard view model', () => {
  it('folds a task from its entries and ignores entries replayed after a resume', () => {
    const book = new TaskBook();
    for (const e of entries) expect(book.apply(e)).toBe(true);
    for (const e of entries.slice(2)) expect(book.apply(e)).toBe(false);
    expect(book.size).toBe(1);
    const row = book.get('t1');
    expect(row).toMatchObject({ agent: 'cloud', state: 'TASK_STATE_COMPLETED', finished: true, durationMs: 1250 });
    expect(row?.attempts.map((a) => a.agentId)).toEqual(['edge', 'cloud']);
    expect(row?.escalations).toEqual([{ from: 'edge', to: 'cloud', reason: 'failed' }]);
    book.clear();
    expect(book.apply(entries[0] as FeedEntry)).toBe(true);
  });

  it('says why each candidate was or was not chosen, with the deciding numbers', () => {
    expect(whyNot(candidates[0] as CandidateAssessment, decision)).toBe('chosen (lowest cost per success)');
    expect(whyNot(candidates[1] as CandidateAssessment, decision)).toMatch(
      /^ranked #2: cost per success \$0\.0505 vs \$0\.0111; escalation step 1/,
    );
    expect(whyNot(candidates[2] as CandidateAssessment, decision)).toBe('success below the minimum: 10.0% < 80.0%');
  });

  it('compares the routed outcome with always-strongest and always-cheapest on the same tasks', () => {
    const book = new TaskBook();
    for (const e of entries) book.apply(e);
    const o = outcomes(book.list());
    // Routed: both attempts paid for, the task succeeded, 1250 ms > the 1000 ms deadline.
    expect(o.totals.routed).toMatchObject({ tasks: 1, successes: 1, deadlineMisses: 1 });
    expect(o.totals.routed.cost).toBeCloseTo(0.06, 12);
    expect(o.totals.strongest).toEqual({ tasks: 1, successes: 0.99, cost: 0.05, deadlineMisses: 1 });
    expect(o.totals.cheapest).toEqual({ tasks: 1, successes: 0.1, cost: 0.000001, deadlineMisses: 0 });
    expect(o.series.x).toEqual([1]);
  });

  it('percentiles per tier from measured attempts (nearest rank)', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.99)).toBe(4);
    const book = new TaskBook();
    for (const e of entries) book.apply(e);
    const tiers = latencyByTier(book.list(), (id) => id);
    expect(tiers.map((t) => t.tier)).toEqual(['edge', 'cloud']);
    expect(tiers[1]).toMatchObject({ attempts: 1, p50: 900 });
  });

  it("sums up an agent's probes: this broker's results, then the shared budget of the window", () => {
    const day = 24 * 3_600_000;
    const probes = { sent: 12, passed: 9, failed: 2, errors: 1, windowUsed: 30, budgetPerAgent: 40, windowMs: day };
    expect(probeSummary(probes)).toBe(
      '12 sent by this broker: 9 passed, 2 failed, 1 error; budget 30 of 40 per day used (all replicas)',
    );
    expect(probeSummary({ ...probes, errors: 0, windowMs: 6 * 3_600_000 })).toMatch(/0 errors; .* per 6 h used/);
    expect(probeSummary({ ...probes, windowMs: 2 * day })).toMatch(/per 2 days used/);
    expect(probeSummary(null)).toBe('off');
  });
});
