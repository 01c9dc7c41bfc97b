/**
 * Learned price corrections (what a broker observes: the cost each attempt actually had). Per agent, the mean ratio
 * of actual to predicted cost, shrunk towards 1 by a prior worth `priorWeight` attempts; each ratio is capped at
 * `maxRatio` so one outlier cannot dominate. The Router multiplies the agent's declared prices by it, so heavy-tailed
 * reasoning or under-declared prices are corrected from usage reports.
 */
import type { CapabilityProfile } from '../model/profile.js';

export interface CostCorrectionState {
  /** agent id → [sum of ratios, attempts]. */
  readonly agents: Record<string, [number, number]>;
}

export class CostCorrection {
  readonly #agents: Record<string, [number, number]>;
  readonly #priorWeight: number;
  readonly #maxRatio: number;

  constructor(options: { priorWeight?: number; maxRatio?: number } = {}, state?: CostCorrectionState) {
    this.#priorWeight = options.priorWeight ?? 5;
    this.#maxRatio = options.maxRatio ?? 20;
    this.#agents = {};
    for (const [id, entry] of Object.entries(state?.agents ?? {})) {
      const [sum, n] = entry ?? [];
      if (!(Number.isFinite(sum) && Number.isInteger(n) && (n as number) >= 0 && (sum as number) >= 0))
        throw new Error(`router state: bad cost correction for agent ${id}`);
      this.#agents[id] = [sum as number, n as number];
    }
  }

  /** Record one attempt: its predicted and its actual cost (same currency). Ignored when either is not positive. */
  record(agentId: string, predicted: number, actual: number): void {
    if (!(predicted > 0) || !(actual >= 0) || !Number.isFinite(actual)) return;
    const entry = this.#agents[agentId] ?? [0, 0];
    entry[0] += Math.min(this.#maxRatio, actual / predicted);
    entry[1]++;
    this.#agents[agentId] = entry;
  }

  /** The multiplier of the agent's prices (1 before any usage report). */
  factor(agentId: string): number {
    const [sum, n] = this.#agents[agentId] ?? [0, 0];
    return (sum + this.#priorWeight) / (n + this.#priorWeight);
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
    return { agents: structuredClone(this.#agents) };
  }
}
