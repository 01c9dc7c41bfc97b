/**
 * The decision rules the Router applies over the matcher's per-candidate assessments (issue 10, items 1 and 4):
 * the λ dial and the best-effort fallback when no agent is feasible.
 *
 * The λ dial: λ is the value of one success in the decision currency. Each candidate's expected utility is
 * λ · P(success) − cost; the Router picks the largest. For a fixed belief, raising λ can only move a task to an agent
 * with a higher success probability and a higher cost (the chosen agent is the top of an upper envelope of lines in
 * λ whose slopes are the success probabilities), so the share of traffic on expensive agents rises monotonically
 * from 0 (λ = 0: the cheapest agent) to the share where an expensive agent is believed more likely to succeed.
 */

import type { RejectionReason } from '../model/decision.js';
import { type Assessment, escalationPlan, type MatchResult } from '../routing/match.js';
import { valuePlan } from './plan.js';

/** λ · P(success) − cost, in the decision currency. */
export const utility = (a: Assessment, lambda: number): number => lambda * a.predictions.success - a.comparableCost;

/** Orders assessments by utility (highest first); ties: lower cost, then higher success, then agent id. */
export function byUtility(pool: readonly Assessment[], lambda: number): Assessment[] {
  return [...pool].sort((x, y) => {
    const ux = utility(x, lambda);
    const uy = utility(y, lambda);
    if (ux !== uy) return uy - ux;
    if (x.comparableCost !== y.comparableCost) return x.comparableCost - y.comparableCost;
    if (x.predictions.success !== y.predictions.success) return y.predictions.success - x.predictions.success;
    return x.agentId < y.agentId ? -1 : x.agentId > y.agentId ? 1 : 0;
  });
}

/**
 * Reasons a best-effort decision may override: the success threshold and the deadlines (the task is still worth
 * trying). Every other reason (domain, skill, modality, placement, region, currency, availability, capacity and the
 * cost cap) keeps an agent out even in best effort.
 */
export const RELAXABLE_REASONS: ReadonlySet<RejectionReason> = new Set<RejectionReason>([
  'CAPABILITY_CEILING',
  'BUDGET_CEILING',
  'COMPLETION_DEADLINE',
  'FIRST_RESPONSE_DEADLINE',
]);

export interface RoutingChoice {
  /** Agents to try in order (the chosen one first); empty when the task is refused. */
  readonly plan: readonly string[];
  /** True when no agent met every constraint and the plan serves the task best-effort. */
  readonly bestEffort: boolean;
  /** The assessments in decision order (the pool the plan was drawn from). */
  readonly order: readonly Assessment[];
}

/**
 * The Router's rule over a match result.
 * - Feasible agents exist: with λ, order them by utility; without, keep the matcher's ranking (its preference).
 *   The escalation plan is the spec's (§7.4) over that order; with λ, only steps worth their cost are kept. With λ
 *   and `detection` (the probability a failed attempt is detected and escalated), the plan of the largest expected
 *   value instead (`plan.ts`): a cheap first attempt backed by an escalation can beat the best single agent.
 * - None is feasible and constraints are soft (the default): best effort over the agents whose only failures are
 *   RELAXABLE_REASONS — by utility with λ, else highest predicted success first (then lower cost, then id) — and
 *   escalation ignores the deadline.
 * - None is feasible and constraints are hard: refuse (empty plan).
 */
export function decide(
  result: MatchResult,
  options: {
    lambda?: number | undefined;
    hardConstraints: boolean;
    deadlineMs?: number | undefined;
    maxEscalations: number;
    detection?: number | undefined;
  },
): RoutingChoice {
  const { lambda, detection } = options;
  if (result.ranked.length > 0) {
    const order = lambda === undefined ? result.ranked : byUtility(result.ranked, lambda);
    return {
      plan:
        lambda !== undefined && detection !== undefined
          ? valuePlan(order, { ...options, lambda, detection })
          : worthTrying(order, escalationPlan(order, options.deadlineMs, options.maxEscalations), lambda),
      bestEffort: false,
      order,
    };
  }
  if (options.hardConstraints) return { plan: [], bestEffort: false, order: [] };
  const relaxable = result.rejected.filter((a) => a.reasons.every((r) => RELAXABLE_REASONS.has(r)));
  const order =
    lambda === undefined
      ? [...relaxable].sort(
          (x, y) =>
            y.predictions.success - x.predictions.success ||
            x.comparableCost - y.comparableCost ||
            (x.agentId < y.agentId ? -1 : x.agentId > y.agentId ? 1 : 0),
        )
      : byUtility(relaxable, lambda);
  return {
    plan: worthTrying(order, escalationPlan(order, undefined, options.maxEscalations), lambda),
    bestEffort: order.length > 0,
    order,
  };
}

/**
 * With λ, an escalation step is kept only when its expected value exceeds its cost (λ · P(success) > cost): a
 * failed attempt is not a reason to pay more than a success is worth. The first agent is always kept (the task is
 * served).
 */
function worthTrying(order: readonly Assessment[], plan: readonly string[], lambda: number | undefined): string[] {
  if (lambda === undefined) return [...plan];
  const byId = new Map(order.map((a) => [a.agentId, a]));
  return plan.filter((id, i) => i === 0 || utility(byId.get(id) as Assessment, lambda) > 0);
}
