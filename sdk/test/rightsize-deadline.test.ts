/**
 * Spec §6.6: the single probability of success within the deadlines, P_D, against a Monte-Carlo simulation of the
 * process it models (simulated agents): the complexity is drawn from the descriptor's normal, the agent solves it
 * with its curve's probability, stops at the reasoning budget the broker sends, and the non-reasoning latency L0 is
 * drawn from its random parts (network jitter and time to first token, moving together as §6.4 models them).
 */
import { describe, expect, it } from 'vitest';
import {
  baseLatencyAt,
  capabilitySuccessAt,
  curveOf,
  predictLatency,
  reasoningOf,
} from '../src/rightsize/math/predict.js';
import { mulberry32 } from '../src/rightsize/math/prng.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';
import { type MatchCandidate, type MatchTask, match } from '../src/rightsize/routing/match.js';

const cloudThinker: CapabilityProfile = {
  domains: [
    { domain: 'general', ability: 10 },
    { domain: 'math', ability: 11 },
  ],
  reasoning: { mode: 'thinking', maxReasoningTokens: 64000, reasoningTokensPerSecond: 150 },
  latency: { ttftMs: { p50: 400, p95: 1200 }, outputTokensPerSecond: 80, networkRttMs: 40 },
  placement: { placement: 'cloud', region: 'us' },
  cost: { currency: 'USD', inputPerMillion: 3, outputPerMillion: 15, reasoningPerMillion: 15 },
};

/** Simulates `samples` tasks of `task` on `candidate`: the fraction that succeed and meet both deadlines. */
function simulate(task: MatchTask, candidate: MatchCandidate, samples: number, seed: number): number {
  const decision = match(task, [candidate]);
  const assessed = [...decision.ranked, ...decision.rejected][0];
  if (!assessed) throw new Error('no assessment');
  const d = task.descriptor;
  const mu = d.complexity?.value ?? 0;
  const sigma = d.complexity?.sigma ?? 0;
  const profile = candidate.profile;
  const curve = curveOf(profile.domains.find((c) => c.domain === d.domain) ?? (profile.domains[0] as never));
  const r = reasoningOf(profile.reasoning);
  const budget = assessed.predictions.reasoningBudget ?? Number.POSITIVE_INFINITY;
  const rate = profile.reasoning.reasoningTokensPerSecond ?? profile.latency.outputTokensPerSecond;
  const { base } = predictLatency({
    profile,
    complexity: { value: mu, sigma },
    percentile: 95,
    inputTokens: d.inputTokens ?? 0,
    outputTokens: d.outputTokens ?? 256,
    network: d.network,
    load: candidate.load ?? 0,
  });
  const first = d.constraints?.firstResponseDeadlineMs ?? Number.POSITIVE_INFINITY;
  const done = d.constraints?.completionDeadlineMs ?? Number.POSITIVE_INFINITY;
  const rng = mulberry32(seed);
  let wins = 0;
  for (let i = 0; i < samples; i++) {
    const c = rng.normal(mu, sigma);
    const solved = rng.next() < capabilitySuccessAt(curve, c);
    const tokens = r.reasons ? r.tokensPerStep * 2 ** c : 0;
    const withinBudget = tokens <= Math.min(r.budget, budget);
    const firstToken = baseLatencyAt(base, rng.normal(0, 1)) + (1000 * tokens) / rate;
    if (solved && withinBudget && firstToken <= first && firstToken + base.afterFirstMs <= done) wins++;
  }
  return wins / samples;
}

const SAMPLES = 200_000;
/** Four standard errors of a proportion near 1/2 over SAMPLES draws. */
const TOLERANCE = 4 * Math.sqrt(0.25 / SAMPLES);

describe('P_D, the probability of success within the deadlines (spec §6.6)', () => {
  it('the issue-15 example: a 9 ± 1 math task with 180 s for cloud-thinker is feasible, P_D ≈ 0.84', () => {
    const task: MatchTask = {
      descriptor: {
        domain: 'math',
        complexity: { value: 9, sigma: 1 },
        constraints: { completionDeadlineMs: 180_000 },
      },
    };
    const candidate = { id: 'cloud-thinker', profile: cloudThinker };
    const result = match(task, [candidate]);
    expect(result.chosen?.agentId).toBe('cloud-thinker');
    const p = result.chosen?.predictions.success as number;
    expect(p).toBeCloseTo(0.841, 3);
    // The deadline acts as a budget cut: the broker sends what it leaves, and the prediction stays within it.
    expect(result.chosen?.predictions.completionMs).toBeLessThanOrEqual(180_000);
    expect(Math.abs(simulate(task, candidate, SAMPLES, 1) - p)).toBeLessThan(TOLERANCE);
  });

  it('agrees with the simulation over jittery links, both deadlines, prefill, queueing and a context window', () => {
    const cases: Array<{ task: MatchTask; candidate: MatchCandidate }> = [
      {
        task: {
          descriptor: {
            domain: 'math',
            complexity: { value: 7, sigma: 1.5 },
            inputTokens: 800,
            outputTokens: 300,
            network: { rttMs: 60, jitterMs: 40, lossRate: 0.01, uplinkKbps: 2000, downlinkKbps: 8000 },
            constraints: { firstResponseDeadlineMs: 20_000, completionDeadlineMs: 25_000, minSuccess: 0.4 },
          },
        },
        candidate: { id: 'cloud-thinker', profile: cloudThinker },
      },
      {
        task: {
          descriptor: {
            domain: 'math',
            complexity: { value: 6, sigma: 0.8 },
            inputTokens: 1500,
            outputTokens: 200,
            network: { rttMs: 120, jitterMs: 100, lossRate: 0.03, bandwidthKbps: 3000, linkType: 'hsr' },
            constraints: { completionDeadlineMs: 9000, minSuccess: 0.3 },
          },
        },
        candidate: {
          id: 'edge-mid',
          load: 3,
          profile: {
            domains: [{ domain: 'math', ability: 8 }],
            reasoning: { mode: 'hybrid', maxReasoningTokens: 4000, reasoningTokensPerSecond: 300 },
            latency: { ttftMs: { p50: 150, p95: 600 }, outputTokensPerSecond: 120, inputTokensPerSecond: 4000 },
            placement: { placement: 'edge', region: 'eu' },
            cost: { currency: 'USD', outputPerMillion: 0.6 },
            capacity: { maxConcurrentTasks: 2, queueDepth: 4, meanServiceMs: 1500 },
            contextWindowTokens: 4000,
          },
        },
      },
      {
        task: {
          descriptor: {
            domain: 'dialogue',
            complexity: { value: 1, sigma: 0.5 },
            outputTokens: 40,
            network: { rttMs: 60, jitterMs: 40, lossRate: 0.01, bandwidthKbps: 8000 },
            constraints: { firstResponseDeadlineMs: 1000, completionDeadlineMs: 1500 },
          },
        },
        candidate: {
          id: 'cloud-fast',
          profile: {
            domains: [{ domain: 'general', ability: 6 }],
            reasoning: { mode: 'none' },
            latency: { ttftMs: { p50: 180, p95: 450 }, outputTokensPerSecond: 150, networkRttMs: 40 },
            placement: { placement: 'cloud', region: 'eu' },
            cost: { currency: 'USD', outputPerMillion: 1.5 },
          },
        },
      },
    ];
    for (const [i, { task, candidate }] of cases.entries()) {
      const r = match(task, [candidate]);
      const p = [...r.ranked, ...r.rejected][0]?.predictions.success as number;
      expect(p, `case ${i}`).toBeGreaterThan(0.05);
      expect(Math.abs(simulate(task, candidate, SAMPLES, 100 + i) - p), `case ${i}`).toBeLessThan(TOLERANCE);
    }
  });
});
