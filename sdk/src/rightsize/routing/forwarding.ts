/** What a broker adds to the message it forwards to the chosen agent (spec §5.3, §4.9). */
import type { CapabilityProfile, ReasoningBudget } from '../model/index.js';
import { type Assessment, profileForMode } from './match.js';

/**
 * The reasoning budget to forward for one assessed candidate: for an agent that declares modes, the assessed mode
 * with its budget (`maxReasoningTokens: 0` for no-think, ⌊B_eff⌋ for think); for any other reasoning agent that
 * declares `budgetControl`, ⌊B_eff⌋ when it is finite; otherwise none (spec §5.3, §4.9).
 */
export function forwardedBudget(
  profile: CapabilityProfile,
  assessment: Pick<Assessment, 'mode' | 'predictions'>,
): ReasoningBudget | undefined {
  const budget = assessment.predictions.reasoningBudget;
  if (profile.modes && assessment.mode) {
    if (assessment.mode === 'no-think') return { maxReasoningTokens: 0, mode: 'no-think' };
    const tokens = budget ?? profileForMode(profile, 'think').reasoning.maxReasoningTokens;
    return tokens === undefined || tokens === null ? undefined : { maxReasoningTokens: tokens, mode: 'think' };
  }
  if (!profile.reasoning.budgetControl || budget === undefined || budget === null) return undefined;
  return { maxReasoningTokens: budget };
}
