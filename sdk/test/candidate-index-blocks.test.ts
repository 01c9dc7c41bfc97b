/**
 * The rows of a block the search opens inherit its success bound (spec §7.9): the block's bound — tightened to the
 * success integral at its best curve, truncated at its largest budget cut — holds for every row, so a row starts no
 * looser than its block and fewer rows need their own bounds refined. Simulated fleet (seeded): hard tasks that only
 * thinking agents can serve, under a deadline that cuts their reasoning, where the first-pass bound is loose.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/rightsize/math/prng.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';
import { CandidateIndex } from '../src/rightsize/routing/candidate-index.js';
import { type MatchCandidate, type MatchTask, match } from '../src/rightsize/routing/match.js';

function simulatedThinkers(n: number): MatchCandidate[] {
  const rng = mulberry32(5);
  return Array.from({ length: n }, (_, i) => {
    const profile: CapabilityProfile = {
      domains: [{ domain: 'general', ability: 9 + rng.normal(0, 1.2) }],
      reasoning: {
        mode: 'thinking',
        maxReasoningTokens: 32000 * rng.int(1, 4),
        reasoningTokensPerSecond: 100 + rng.int(0, 100),
      },
      latency: { ttftMs: { p50: 400, p95: 1200 }, outputTokensPerSecond: 40 + rng.int(0, 120), networkRttMs: 40 },
      placement: { placement: 'cloud' },
      cost: {
        currency: 'USD',
        inputPerMillion: 3 * (0.5 + rng.next()),
        outputPerMillion: 15 * (0.5 + rng.next()),
        reasoningPerMillion: 15,
      },
    };
    return { id: `sim-${String(i).padStart(5, '0')}`, profile };
  });
}

function hardTasks(n: number): MatchTask[] {
  const rng = mulberry32(9);
  return Array.from({ length: n }, () => ({
    descriptor: {
      domain: 'general',
      complexity: { value: 7 + rng.next(), sigma: 0.8 + 0.7 * rng.next() },
      outputTokens: 300,
      preference: 'cost',
      constraints: { completionDeadlineMs: 120000 },
      network: { rttMs: 60, jitterMs: 30, lossRate: 0.01 },
    },
  }));
}

describe('candidate index blocks', () => {
  it('rows of an opened block start under its tightened success bound: fewer bounds refined, same decisions', () => {
    const fleet = simulatedThinkers(1200);
    const index = new CandidateIndex(fleet);
    const tasks = hardTasks(60);
    let refined = 0;
    for (const [k, task] of tasks.entries()) {
      const indexed = index.match(task);
      refined += indexed.refined;
      if (k < 6) {
        const full = match(task, fleet);
        expect(indexed.chosen?.agentId).toBe(full.chosen?.agentId);
        expect(indexed.selection).toEqual(full.selection);
      }
    }
    // 236 refined per decision; 314 when the rows started from their own first-pass bound.
    expect(refined / tasks.length).toBeLessThan(270);
  });
});
