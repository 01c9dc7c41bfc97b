/**
 * Bounds of one agent from its own profiles (spec §6.6), computed when the search reaches it: tighter than the
 * first pass's column bounds, far cheaper than an assessment.
 */
import {
  baseLatency,
  baseLatencyCdf,
  budgetToComplexity,
  deadlineBudget,
  expectedReasoningTokens,
  firstTokenDeadline,
  predictCost,
  reasoningOf,
} from '../../math/predict.js';
import { Z_SCORES } from '../../math/stats.js';
import type { CapabilityProfile } from '../../model/profile.js';
import type { MatchPolicy, MatchTask, ResolvedTask } from '../match.js';
import type { Entry } from './entry.js';

/**
 * The least expected cost, in the decision currency, of any of the candidate's profiles, with the reasoning budget
 * each would actually get (spec §6.6: min of B, the context window and what the deadlines leave). Used to tighten the
 * cost bound of a candidate when it reaches the top of the search (the cheap bound then counts no reasoning).
 */
export function costFloor(
  entry: Entry,
  task: MatchTask,
  resolved: ResolvedTask,
  policy: MatchPolicy,
): { cost: number; cut: number } {
  const c = task.descriptor.constraints ?? {};
  let floor = Number.POSITIVE_INFINITY;
  let cut = Number.NEGATIVE_INFINITY;
  for (const profile of entry.variants) {
    const rate = profile.cost.currency === resolved.currency ? 1 : policy.rates?.[profile.cost.currency];
    const base = baseOf(profile, entry, task, resolved, policy);
    const r = reasoningOf(profile.reasoning);
    const window =
      (profile.contextWindowTokens ?? Number.POSITIVE_INFINITY) - resolved.inputTokens - resolved.outputTokens;
    const tokensPerSecond = profile.reasoning.reasoningTokensPerSecond ?? profile.latency.outputTokensPerSecond;
    const budget = Math.min(
      r.budget,
      Math.max(0, window),
      deadlineBudget(base, firstTokenDeadline(base, c), Z_SCORES[resolved.percentile], tokensPerSecond),
    );
    // A soft cut (budgetSlope) lets tasks past the budget succeed sometimes: no bound from it then.
    const soft = profile.reasoning.budgetSlope !== undefined;
    cut = Math.max(cut, r.reasons && !soft ? budgetToComplexity(budget, r.tokensPerStep) : Number.POSITIVE_INFINITY);
    if (rate === undefined) continue;
    const reasoning = expectedReasoningTokens({ ...r, budget }, resolved.complexity);
    const cost = predictCost(profile.cost, {
      input: resolved.inputTokens,
      output: resolved.outputTokens,
      reasoning,
    });
    floor = Math.min(floor, rate * cost);
  }
  return { cost: floor, cut };
}

/** The non-reasoning latency L0 of one profile of an entry for this task (the inputs every bound shares). */
function baseOf(
  profile: CapabilityProfile,
  entry: Entry,
  task: MatchTask,
  resolved: ResolvedTask,
  policy: MatchPolicy,
) {
  return baseLatency({
    profile,
    complexity: resolved.complexity,
    percentile: resolved.percentile,
    inputTokens: resolved.inputTokens,
    outputTokens: resolved.outputTokens,
    network: task.descriptor.network,
    load: entry.candidate.load ?? 0,
    brokerLegMs: policy.brokerLegMs ?? 0,
  });
}

/**
 * The largest latency factor F_L0(D') of the candidate's profiles (spec §6.6): the probability that everything but
 * reasoning fits the deadlines, with this task's queue; P_D of every profile is at most its S times this.
 */
export function latencyFactorBound(entry: Entry, task: MatchTask, resolved: ResolvedTask, policy: MatchPolicy): number {
  const c = task.descriptor.constraints ?? {};
  let factor = 0;
  for (const profile of entry.variants) {
    const base = baseOf(profile, entry, task, resolved, policy);
    factor = Math.max(factor, baseLatencyCdf(base, firstTokenDeadline(base, c)));
  }
  return factor;
}
