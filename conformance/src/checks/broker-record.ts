/**
 * Broker level: judging a routing decision by its own record (Rightsize §5.2, §7.3, §7.5). A broker that matched with a
 * complexity other than the declared one — a learned estimate conditioned on the descriptor, origin `combined` or
 * `estimator` — is judged against the candidate assessments it recorded for that complexity: its chosen agent must be
 * feasible by its recorded predictions and the descriptor's constraints, and no cheaper recorded candidate may be.
 */
import type { RoutingDecision } from '@rightsize/sdk/rightsize';
import { ensure } from '../model.js';
import { PROBE_PROFILES, type Role, roleOf } from './broker-probes.js';

type Candidate = RoutingDecision['candidates'][number];

interface Constraints {
  readonly maxCost?: { readonly amount: number; readonly currency: string };
  readonly allowedPlacements?: readonly string[];
}

/** Why a recorded candidate does not meet the task by its own record; undefined when it does. */
function unmet(candidate: Candidate, decision: RoutingDecision, c: Constraints, role: string): string | undefined {
  const p = candidate.predictions;
  if (!candidate.feasible) return `recorded infeasible (${candidate.reasons.join(', ') || 'no reason'})`;
  if (!p) return 'recorded without predictions';
  if (p.success < decision.minSuccess) return `recorded success ${p.success} below minSuccess ${decision.minSuccess}`;
  if (c.maxCost && p.cost.currency === c.maxCost.currency && p.cost.amount > c.maxCost.amount)
    return `recorded cost ${p.cost.amount} ${p.cost.currency} above maxCost ${c.maxCost.amount}`;
  const placement = PROBE_PROFILES[role as Role]?.placement.placement;
  if (c.allowedPlacements && placement && !c.allowedPlacements.includes(placement))
    return `placement ${placement} not in allowedPlacements`;
  return undefined;
}

const costPerSuccess = (c: Candidate) => c.predictions?.costPerSuccess ?? Number.POSITIVE_INFINITY;

/**
 * The checks' judgement of a decision whose complexity is not the declared one: the choice against the decision's own
 * recorded complexity and assessments (default preference "cost": the cheapest per success among the feasible).
 * With none feasible, a hard task is refused and any other is served best effort.
 */
export function judgeByRecord(
  ids: Readonly<Record<string, string>>,
  decision: RoutingDecision,
  descriptor: Record<string, unknown>,
): void {
  const constraints = (descriptor.constraints ?? {}) as Constraints;
  const basis = `judged by the decision's own record (complexityOrigin "${decision.complexityOrigin}", complexity ${decision.complexity.value}, Rightsize §5.2)`;
  const role = (id: string) => roleOf(ids, id);
  const feasible = decision.candidates
    .filter((c) => unmet(c, decision, constraints, role(c.agentId)) === undefined)
    .sort((a, b) => costPerSuccess(a) - costPerSuccess(b));
  const [cheapest] = feasible;
  if (!cheapest) {
    if (descriptor.hardConstraints === true)
      ensure(
        decision.chosen === null,
        `no recorded candidate is feasible and the task is hard, yet the broker chose ${roleOf(ids, decision.chosen)}; ${basis}`,
      );
    else
      ensure(
        decision.chosen === null || decision.bestEffort === true,
        `no recorded candidate is feasible, yet the broker chose ${roleOf(ids, decision.chosen)} without flagging bestEffort; ${basis}`,
      );
    return;
  }
  const chosen = decision.candidates.find((c) => c.agentId === decision.chosen);
  ensure(
    chosen,
    `the broker chose ${roleOf(ids, decision.chosen)}, which its record does not list among the candidates; ${basis}`,
  );
  const why = unmet(chosen, decision, constraints, role(chosen.agentId));
  ensure(why === undefined, `the broker chose ${role(chosen.agentId)}, ${why}; ${basis}`);
  ensure(
    costPerSuccess(chosen) <= costPerSuccess(cheapest),
    `the broker chose ${role(chosen.agentId)} (cost per success ${costPerSuccess(chosen)}) although its record has ${role(cheapest.agentId)} feasible and cheaper (${costPerSuccess(cheapest)}); ${basis}`,
  );
  ensure(
    decision.bestEffort !== true,
    `the broker chose a feasible agent but flagged the decision bestEffort; ${basis}`,
  );
}
