/**
 * The published test vectors (spec/v1/test-vectors.json) against the SDK's prediction math and matcher. The
 * expected values were computed by an independent implementation, so agreement checks both.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Calibrator, fitCurve, type PooledOutcome } from '../src/rightsize/learning/calibration.js';
import {
  budgetCeiling,
  capabilityCeiling,
  capabilitySuccessAt,
  curveOf,
  effectiveCeiling,
  expectedReasoningTokens,
  expectedSuccess,
  predictCost,
  predictLatency,
  reasoningOf,
  ttftAt,
} from '../src/rightsize/math/predict.js';
import { mulberry32 } from '../src/rightsize/math/prng.js';
import type { Complexity, NetworkConditions, Percentile } from '../src/rightsize/model/common.js';
import type { TaskDescriptor } from '../src/rightsize/model/descriptor.js';
import type {
  CapabilityProfile,
  CostProfile,
  DomainCeiling,
  ReasoningProfile,
} from '../src/rightsize/model/profile.js';
import {
  type MatchCandidate,
  type MatchPolicy,
  type MatchTask,
  match,
  resolveTask,
} from '../src/rightsize/routing/match.js';
import { TASK_FAMILIES } from '../src/rightsize/task-bank/index.js';
import { REPO_ROOT } from './support/spec-examples.js';

interface Vector {
  id: string;
  section: string;
  function: string;
  input: Record<string, unknown>;
  expected: unknown;
  tolerance?: { absolute?: number; relative?: number };
}
const doc = JSON.parse(readFileSync(join(REPO_ROOT, 'spec', 'v1', 'test-vectors.json'), 'utf8')) as {
  defaultTolerance: { absolute: number; relative: number };
  vectors: Vector[];
};

/** An assessment's id in the vectors: the agent id, with `/mode` for agents that declare modes (spec §4.10). */
const label = (a: { agentId: string; mode?: string | undefined }) => (a.mode ? `${a.agentId}/${a.mode}` : a.agentId);
const finite = (x: number | null) => (x === null || !Number.isFinite(x) ? null : x);
const curve = (i: Record<string, unknown>) => curveOf({ domain: 'general', ...(i.curve as object) } as DomainCeiling);

/** A one-domain profile with the vector's curve (no reasoning budget). */
const curveProfile = (i: Record<string, unknown>): CapabilityProfile => ({
  domains: [{ domain: 'math', ...(i.curve as { ability: number }) }],
  reasoning: { mode: 'none' },
  latency: { ttftMs: { p50: 100, p95: 200 }, outputTokensPerSecond: 50 },
  placement: { placement: 'cloud' },
  cost: { currency: 'USD' },
});

const FUNCTIONS: Record<string, (i: Record<string, unknown>) => unknown> = {
  familyTask: (i) => {
    const family = TASK_FAMILIES[i.family as string];
    if (!family) throw new Error(`unknown family ${String(i.family)}`);
    const task = family.generate(i.parameter as number, i.seed as number);
    return {
      promptSha256: createHash('sha256').update(task.prompt, 'utf8').digest('hex'),
      solution: task.solution,
      complexity: task.complexity,
      surface: task.surface,
    };
  },
  calibrationFit: (i) => {
    const { ability, slope, pMax, abilitySigma } = fitCurve(i.outcomes as PooledOutcome[], curve(i));
    return { ability, slope, pMax, abilitySigma };
  },
  sequentialVerdict: (i) => {
    const calibrator = new Calibrator();
    const profile = curveProfile(i);
    for (const o of i.outcomes as Array<{ complexity: number; success: boolean }>) {
      calibrator.observe({ agentId: 'v', domain: 'math', evidence: 'verified', ...o }, profile);
    }
    const row = calibrator.report('v')[0];
    return { eOverClaim: row?.eOverClaim, eUnderClaim: row?.eUnderClaim, verdict: row?.verdict };
  },
  capabilitySuccess: (i) => capabilitySuccessAt(curve(i), i.complexity as number),
  expectedSuccess: (i) =>
    expectedSuccess(
      curve(i),
      i.complexity as Complexity,
      (i.budgetCeiling as number | null) ?? Number.POSITIVE_INFINITY,
      i.budgetSlope as number | undefined,
    ),
  capabilityCeiling: (i) => capabilityCeiling(curve(i), i.reliability as number),
  budgetCeiling: (i) => finite(budgetCeiling(reasoningOf(i.reasoning as ReasoningProfile))),
  effectiveCeiling: (i) =>
    effectiveCeiling(curve(i), reasoningOf(i.reasoning as ReasoningProfile), i.reliability as number),
  expectedReasoningTokens: (i) =>
    expectedReasoningTokens(reasoningOf(i.reasoning as ReasoningProfile), i.complexity as Complexity),
  ttft: (i) => ttftAt(i.ttftMs as CapabilityProfile['latency']['ttftMs'], i.percentile as Percentile),
  latency: (i) => {
    const p = predictLatency({
      profile: i.profile as CapabilityProfile,
      complexity: i.complexity as Complexity,
      percentile: i.percentile as Percentile,
      inputTokens: i.inputTokens as number,
      outputTokens: i.outputTokens as number,
      network: i.network as NetworkConditions | undefined,
      load: (i.load as number | undefined) ?? 0,
      brokerLegMs: (i.brokerLegMs as number | undefined) ?? 0,
      reasoningBudget: (i.reasoningBudget as number | undefined) ?? Number.POSITIVE_INFINITY,
    });
    return { firstResponseMs: p.firstResponseMs, completionMs: p.completionMs };
  },
  cost: (i) => predictCost(i.cost as CostProfile, i.tokens as { input: number; output: number; reasoning: number }),
  prng: (i) => {
    const a = mulberry32(i.seed as number);
    const b = mulberry32(i.seed as number);
    const count = i.count as number;
    return {
      draws: Array.from({ length: count }, () => a.next()),
      int1to6: Array.from({ length: count }, () => b.int(1, 6)),
    };
  },
  resolveComplexity: (i) => {
    const r = resolveTask({ descriptor: i.descriptor as TaskDescriptor });
    return { value: r.complexity.value, sigma: r.complexity.sigma, origin: r.origin };
  },
  match: (i) => {
    const result = match(i.task as MatchTask, i.candidates as MatchCandidate[], i.policy as MatchPolicy | undefined);
    return {
      chosen: result.chosen ? label(result.chosen) : null,
      ranking: result.ranked.map(label),
      rejected: Object.fromEntries(result.rejected.map((a) => [label(a), a.reasons])),
      selection: result.selection,
      escalation: result.escalation.map((id, k) =>
        result.escalationModes[k] ? `${id}/${result.escalationModes[k]}` : id,
      ),
    };
  },
  decision: (i) => {
    const result = match(i.task as MatchTask, i.candidates as MatchCandidate[], i.policy as MatchPolicy | undefined);
    const all = [...result.ranked, ...result.rejected];
    return {
      chosen: result.chosen ? label(result.chosen) : null,
      ranking: result.ranked.map(label),
      rejected: Object.fromEntries(result.rejected.map((a) => [label(a), a.reasons])),
      best: result.ranked.length > 0 || !result.rejected[0] ? null : label(result.rejected[0]),
      bestEffort: result.bestEffort,
      predictions: Object.fromEntries(
        all.map((a) => {
          const p = a.predictions;
          return [
            label(a),
            {
              success: p.success,
              firstResponseMs: p.firstResponseMs,
              completionMs: p.completionMs,
              reasoningTokens: p.reasoningTokens,
              reasoningBudget: p.reasoningBudget ?? null,
              cost: p.cost.amount,
              costPerSuccess: p.costPerSuccess,
              effectiveCeiling: p.effectiveCeiling,
            },
          ];
        }),
      ),
    };
  },
};

function close(actual: unknown, expected: unknown, tol: { absolute: number; relative: number }, path: string): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    const bound = Math.max(tol.absolute, tol.relative * Math.abs(expected));
    expect(Math.abs((actual as number) - expected), `${path}: ${actual} vs ${expected}`).toBeLessThanOrEqual(bound);
  } else if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected))
      close((actual as Record<string, unknown>)[k], v, tol, `${path}.${k}`);
  } else {
    expect(actual, path).toEqual(expected);
  }
}

describe('spec/v1/test-vectors.json', () => {
  it('covers every function of spec §6–§7 and §9', () => {
    expect(new Set(doc.vectors.map((v) => v.function))).toEqual(new Set(Object.keys(FUNCTIONS)));
    expect(new Set(doc.vectors.map((v) => v.id)).size).toBe(doc.vectors.length);
  });
  for (const vector of doc.vectors) {
    it(`${vector.id} (§${vector.section} ${vector.function})`, () => {
      const fn = FUNCTIONS[vector.function];
      if (!fn) throw new Error(`no implementation for ${vector.function}`);
      const tol = {
        absolute: vector.tolerance?.absolute ?? doc.defaultTolerance.absolute,
        relative: vector.tolerance?.relative ?? doc.defaultTolerance.relative,
      };
      close(fn(vector.input), vector.expected, tol, vector.id);
    });
  }
});
