/**
 * Learned price corrections (what a broker observes: the cost each attempt actually had). Per agent, the mean ratio
 * of actual to predicted cost, shrunk towards 1 by a prior worth `priorWeight` attempts; each ratio is capped at
 * `maxRatio` so one outlier cannot dominate. The Router multiplies the agent's declared prices by it, so heavy-tailed
 * reasoning or under-declared prices are corrected from usage reports.
 *
 * Escalations are kept apart: an escalation follows detected failures, so its task is harder than the prediction
 * assumed and, for an agent that reasons, costs more than a first attempt at the same prediction. Their ratios form
 * a second factor per agent (`escalationFactor`, shrunk towards the first-attempt factor), which the escalation
 * planner applies to escalation steps; mixing them into one factor would charge the difficulty's error to the
 * agent's prices for every first attempt, and ignoring them would price escalations as first attempts.
 */
import type { CapabilityProfile } from '../model/profile.js';

export interface CostCorrectionState {
  /** agent id → [sum of ratios, attempts], first attempts (every attempt in states written before escalations). */
  readonly agents: Record<string, [number, number]>;
  /** agent id → [sum of ratios, attempts], escalations (absent in older states). */
  readonly escalations?: Record<string, [number, number]>;
}

export interface CostCorrectionOptions {
  /** Attempts the prior factor 1 is worth (default 5). */
  readonly priorWeight?: number;
  /** Largest actual/predicted ratio one attempt may record (default 20). */
  readonly maxRatio?: number;
}

const readEntries = (entries: Record<string, [number, number]> | undefined): Record<string, [number, number]> => {
  const out: Record<string, [number, number]> = {};
  for (const [id, entry] of Object.entries(entries ?? {})) {
    const [sum, n] = entry ?? [];
    if (!(Number.isFinite(sum) && Number.isInteger(n) && (n as number) >= 0 && (sum as number) >= 0))
      throw new Error(`router state: bad cost correction for agent ${id}`);
    out[id] = [sum as number, n as number];
  }
  return out;
};

export class CostCorrection {
  readonly #agents: Record<string, [number, number]>;
  readonly #escalations: Record<string, [number, number]>;
  readonly #priorWeight: number;
  readonly #maxRatio: number;

  constructor(options: CostCorrectionOptions = {}, state?: CostCorrectionState) {
    this.#priorWeight = options.priorWeight ?? 5;
    this.#maxRatio = options.maxRatio ?? 20;
    this.#agents = readEntries(state?.agents);
    this.#escalations = readEntries(state?.escalations);
  }

  /**
   * Record one attempt: its predicted and its actual cost (same currency), and whether it was an escalation (it
   * followed a failed attempt at the same task). Ignored when either cost is not positive.
   */
  record(agentId: string, predicted: number, actual: number, escalation = false): void {
    if (!(predicted > 0) || !(actual >= 0) || !Number.isFinite(actual)) return;
    const entries = escalation ? this.#escalations : this.#agents;
    const entry = entries[agentId] ?? [0, 0];
    entry[0] += Math.min(this.#maxRatio, actual / predicted);
    entry[1]++;
    entries[agentId] = entry;
  }

  /** The multiplier of the agent's prices (1 before any usage report). */
  factor(agentId: string): number {
    const [sum, n] = this.#agents[agentId] ?? [0, 0];
    return (sum + this.#priorWeight) / (n + this.#priorWeight);
  }

  /** The multiplier of the agent's prices for an escalation (the first-attempt factor before any is reported). */
  escalationFactor(agentId: string): number {
    const [sum, n] = this.#escalations[agentId] ?? [0, 0];
    return (sum + this.#priorWeight * this.factor(agentId)) / (n + this.#priorWeight);
  }

  /** The profile with every price multiplied by the agent's factor. */
  apply(agentId: string, profile: CapabilityProfile): CapabilityProfile {
    const f = this.factor(agentId);
    if (f === 1) return profile;
    const c = profile.cost;
    const scale = (x: number | undefined) => (x === undefined ? undefined : x * f);
    const cost = { ...c };
    for (const key of ['inputPerMillion', 'outputPerMillion', 'reasoningPerMillion', 'perTask'] as const) {
      const v = scale(c[key]);
      if (v !== undefined) cost[key] = v;
    }
    return { ...profile, cost };
  }

  toJSON(): CostCorrectionState {
    return { agents: structuredClone(this.#agents), escalations: structuredClone(this.#escalations) };
  }
}
