/**
 * The decision rules the Router applies over the matcher's per-candidate assessments (issue 10, items 1 and 4):
 * the λ dial and the best-effort fallback when no agent is feasible.
 *
 * The λ dial: λ is the value of one success in the decision currency, and each candidate's expected utility is
 * λ · P(success) − cost. The rule compares agents in price order: a pricier agent b beats a cheaper agent a at λ when
 *
 *     λ · (P̄_b − P̄_a + z(λ) · s_ab) > cost_b − cost_a,
 *
 * where P̄ are the predicted successes (posterior means), s_ab = √(σ_a² + σ_b²) the posterior spread of their
 * difference (σ: each agent's `spreadOf`), and z(λ) = Φ⁻¹(1 − ε) the benefit of the doubt the pricier agent gets:
 * ε = ½ (z = 0) while λ ≤ ρ · (cost_b − cost_a), then ε = ½ · ρ · (cost_b − cost_a) / λ, shrinking to 0 as λ grows
 * (ρ: `doubtFrom`). The chosen agent is the priciest one that beats every cheaper agent (the cheapest when none does).
 *
 * - While z = 0 (every λ up to ρ price gaps) this is exactly the expected-utility rule: the argmax of λ·P̄ − cost.
 * - Beyond, a cheaper agent keeps a task only when it is credibly better: the probability (normal approximation)
 *   that paying for the pricier agent is worth less than its price, P(λ · (P_b − P_a) < cost_b − cost_a), must exceed
 *   1 − ε. As λ → ∞, ε → 0: the top of the dial (λ = ∞) sends every task to the priciest feasible agent whose success
 *   is uncertain at all, so the dial spans the share of expensive traffic from 0 (λ = 0: the cheapest) to 1.
 * - Monotone by construction: each pairwise "b beats a" holds on an up-set of λ (its left side grows with λ, its
 *   right side, divided by λ, shrinks), so the set of agents that beat every cheaper one only grows with λ and the
 *   chosen agent's cost never falls. (Property-tested in learning-router.test.ts.)
 *
 * Why not the pure expected-utility argmax at every λ: its top is the agent *believed* likeliest to succeed, which on
 * real 1-bit feedback is partly an artefact of the learned curves (slopes learned from few outcomes cross, so the
 * cheaper curve is the higher one on tasks the features call easy; docs/real-benchmark.md, "The top of the dial").
 */

import { normalCdf } from '../math/stats.js';
import type { RejectionReason } from '../model/decision.js';
import { type Assessment, escalationPlan, type MatchResult } from '../routing/match.js';
import { valuePlan } from './plan.js';
import { utility } from './utility.js';

/**
 * The λ / price-gap ratio ρ from which a pricier agent gets the benefit of the doubt (z(λ) > 0). Not lower: a Router
 * that LEARNS at a λ under the benefit of the doubt starves the cheaper agent of outcomes (it gets only the tasks it
 * is credibly better on, so it never becomes credibly better; learning-router.test.ts, "a learning Router at a
 * moderate λ"). Fixed on other replay orders of bench:real than the scored one, for both of its protocols
 * (docs/real-benchmark.md): 32 rather than 6 raised the fresh-Router-per-λ APGR by 0.0034 (orders 2 and 3) and cost
 * the one-learner dial 0.0025 there (0.003 on orders 2–5).
 */
export const DEFAULT_DOUBT_FROM = 32;

/** The posterior standard deviation of an assessed agent's predicted success (0: no uncertainty known). */
export type SpreadOf = (agentId: string) => number;

/** The dial's settings beyond λ. */
export interface DialRule {
  /** σ of each agent's predicted success (default: none, the pure expected-utility rule). */
  readonly spreadOf?: SpreadOf | undefined;
  /** ρ (default DEFAULT_DOUBT_FROM); Infinity: never any benefit of the doubt (the expected-utility argmax). */
  readonly doubtFrom?: number | undefined;
}

/** ε(λ) for a price gap: ½ while λ ≤ ρ · gap (no doubt), then ½ · ρ · gap / λ (0 at λ = ∞). z(λ) = Φ⁻¹(1 − ε). */
export function doubtLevel(lambda: number, priceGap: number, doubtFrom: number): number {
  if (!(doubtFrom < Number.POSITIVE_INFINITY) || !(lambda > doubtFrom * priceGap)) return 0.5;
  return (0.5 * doubtFrom * priceGap) / lambda;
}

/** Price order: cost ascending; among equal costs the preferred one later (higher success, then lower agent id). */
const byPrice = (x: Assessment, y: Assessment): number =>
  x.comparableCost - y.comparableCost ||
  x.predictions.success - y.predictions.success ||
  (x.agentId < y.agentId ? 1 : x.agentId > y.agentId ? -1 : 0);

/**
 * Whether the pricier (later in price order) agent b beats a at λ (the rule in this module's comment), in its
 * probability form: Φ((gain − gap/λ) / s) > ε, i.e. gain + z·s > gap/λ (one normal CDF, no quantile).
 */
function beats(b: Assessment, a: Assessment, lambda: number, spreadOf: SpreadOf, doubtFrom: number): boolean {
  const gap = b.comparableCost - a.comparableCost;
  if (gap <= 0) return true;
  const gain = b.predictions.success - a.predictions.success;
  const epsilon = doubtLevel(lambda, gap, doubtFrom);
  const spread = Math.hypot(spreadOf(a.agentId), spreadOf(b.agentId));
  if (lambda === Number.POSITIVE_INFINITY) return gain > 0 || (epsilon < 0.5 && spread > 0);
  const margin = gain - gap / lambda;
  if (epsilon >= 0.5 || !(spread > 0)) return margin > 0;
  return normalCdf(margin / spread) > epsilon;
}

/**
 * The dial's choice at λ: the priciest agent that beats every cheaper agent (the cheapest when none does); see the
 * module comment. Undefined for an empty pool.
 */
export function dialChoice(pool: readonly Assessment[], lambda: number, rule: DialRule = {}): Assessment | undefined {
  const spreadOf = rule.spreadOf ?? (() => 0);
  const doubtFrom = rule.doubtFrom ?? DEFAULT_DOUBT_FROM;
  const order = [...pool].sort(byPrice);
  // Each candidate is first checked against the cheaper agent of highest expected utility (the likeliest to beat it),
  // so most candidates are ruled out in one comparison; worst case O(n²).
  const value = (a: Assessment) => (lambda === Number.POSITIVE_INFINITY ? a.predictions.success : utility(a, lambda));
  const bestBefore: number[] = [];
  for (let j = 0, best = -1; j < order.length; j++) {
    bestBefore.push(best);
    if (best < 0 || value(order[j] as Assessment) > value(order[best] as Assessment)) best = j;
  }
  for (let j = order.length - 1; j > 0; j--) {
    const b = order[j] as Assessment;
    const first = bestBefore[j] as number;
    if (!beats(b, order[first] as Assessment, lambda, spreadOf, doubtFrom)) continue;
    let all = true;
    for (let i = j - 1; i >= 0 && all; i--)
      all = i === first || beats(b, order[i] as Assessment, lambda, spreadOf, doubtFrom);
    if (all) return b;
  }
  return order[0];
}

/** The dial's order: its choice first, then the rest by utility (the escalation plan is drawn from it). */
export function dialOrder(pool: readonly Assessment[], lambda: number, rule: DialRule = {}): Assessment[] {
  const chosen = dialChoice(pool, lambda, rule);
  return chosen ? [chosen, ...byUtility(pool, lambda).filter((a) => a !== chosen)] : [];
}

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
 * - Feasible agents exist: with λ, the dial's choice first, then by utility; without, keep the matcher's ranking (its
 *   preference). The escalation plan is the spec's (§7.4) over that order; with λ, only steps worth their cost are
 *   kept. With λ and `detection` (the probability a failed attempt is detected and escalated), the plan of the
 *   largest expected value instead (`plan.ts`), over the candidates by utility (no benefit of the doubt): a cheap
 *   first attempt backed by an escalation can beat the best single agent.
 * - None is feasible and constraints are soft (the default): best effort over the agents whose only failures are
 *   RELAXABLE_REASONS — by the dial with λ, else highest predicted success first (then lower cost, then id) — and
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
    /** The cost of an agent tried as an escalation, for the plan by expected value (plan.ts). */
    escalationCost?: ((a: Assessment) => number) | undefined;
  } & DialRule,
): RoutingChoice {
  const { lambda, detection } = options;
  // With `detection` the plan search is its own rule over the candidates by utility (plan.ts).
  const byDial = (pool: readonly Assessment[], l: number) =>
    detection === undefined ? dialOrder(pool, l, options) : byUtility(pool, l);
  if (result.ranked.length > 0) {
    const order = lambda === undefined ? result.ranked : byDial(result.ranked, lambda);
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
      : byDial(relaxable, lambda);
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
