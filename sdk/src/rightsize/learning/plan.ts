/**
 * Escalation planning by expected value (issue 10, item 6). When failed attempts are detected — a verifier rejects a
 * wrong answer with probability `detection` — and a detected failure moves the task to the next agent, the first agent
 * worth trying is not the one with the best λ · P − cost alone: a cheap agent tried first and backed by a stronger one
 * after a rejection is often worth more than the stronger one alone. The value of a plan a₁ → a₂ → … is
 *
 *   V = Σᵢ (Πⱼ<ᵢ (1 − Pⱼ) · detection) · (λ · Pᵢ − costᵢ)
 *
 * where costᵢ of an escalation step (i > 1) is its escalation cost when one is given (`escalationCost`: an escalated
 * task is harder than predicted, so an agent that reasons costs more on it; cost.ts learns by how much)
 *
 * (attempts taken as independent given the predictions), and the plan chosen maximises it over the candidates, each
 * step fitting the deadline after the earlier attempts' predicted durations and kept only when its own λ · P exceeds
 * its cost (the rule of the myopic plan). The search looks at the PLAN_WINDOW best candidates by λ · P − cost and
 * follows at most `maxEscalations` escalations: O(PLAN_WINDOW^(maxEscalations + 1)) with the defaults' 8³.
 */
import type { Assessment } from '../routing/match.js';
import { utility } from './utility.js';

/** Candidates (by λ · P − cost) the plan search considers at each step. */
export const PLAN_WINDOW = 8;

export interface PlanOptions {
  readonly lambda: number;
  /** Probability that a failed attempt is detected (and escalated), in (0, 1]. */
  readonly detection: number;
  readonly deadlineMs?: number | undefined;
  readonly maxEscalations: number;
  /**
   * The cost of an agent tried as an escalation (after a detected failure), in the decision currency; default its
   * assessed cost. An escalation's task is harder than predicted, so it may cost more (cost.ts).
   */
  readonly escalationCost?: ((a: Assessment) => number) | undefined;
}

/**
 * The plan with the largest expected value among `order` (assessments already ordered by λ · P − cost, best first);
 * its first agent is always one of them (the task is served). Ties keep the earlier candidate (the myopic order).
 */
export function valuePlan(order: readonly Assessment[], options: PlanOptions): string[] {
  const { lambda, detection, deadlineMs, maxEscalations } = options;
  const window = order.slice(0, PLAN_WINDOW);
  const escalationCost = options.escalationCost ?? ((a: Assessment) => a.comparableCost);
  const escalationValue = new Map(window.map((a) => [a, lambda * a.predictions.success - escalationCost(a)]));
  /** Best continuation after a detected failure, with `elapsed` ms spent and `used` agents tried. */
  const continuation = (
    elapsed: number,
    used: ReadonlySet<string>,
    left: number,
  ): { value: number; plan: string[] } => {
    let best = { value: 0, plan: [] as string[] };
    if (left <= 0) return best;
    for (const a of window) {
      const own = escalationValue.get(a) as number;
      if (used.has(a.agentId) || own <= 0) continue;
      const done = elapsed + a.predictions.completionMs;
      if (deadlineMs !== undefined && done > deadlineMs) continue;
      const next = continuation(done, new Set([...used, a.agentId]), left - 1);
      const value = own + (1 - a.predictions.success) * detection * next.value;
      if (value > best.value) best = { value, plan: [a.agentId, ...next.plan] };
    }
    return best;
  };
  let best: { value: number; plan: string[] } = { value: Number.NEGATIVE_INFINITY, plan: [] };
  for (const a of window) {
    const next = continuation(a.predictions.completionMs, new Set([a.agentId]), maxEscalations);
    const value = utility(a, lambda) + (1 - a.predictions.success) * detection * next.value;
    if (value > best.value) best = { value, plan: [a.agentId, ...next.plan] };
  }
  return best.plan;
}
