/**
 * The expected utility of one assessed candidate under the λ dial: λ · P(success) − cost, in the decision currency
 * (λ is the value of one success). Shared by the dial (dial.ts) and the escalation planner (plan.ts).
 */
import type { Assessment } from '../routing/match.js';

/** λ · P(success) − cost, in the decision currency. */
export const utility = (a: Assessment, lambda: number): number => lambda * a.predictions.success - a.comparableCost;
