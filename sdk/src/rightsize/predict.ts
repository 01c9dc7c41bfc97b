/**
 * The normative prediction math of the Rightsize extension (spec §6), as pure functions: success probability,
 * ceilings, reasoning tokens, latency at a percentile and cost, for one task descriptor against one agent profile.
 * Every formula here is the spec's; `spec/v1/test-vectors.json` checks them.
 */
import type { Complexity, NetworkConditions, Percentile } from './model/common.js';
import type { CapabilityProfile, DomainCeiling, ReasoningProfile } from './model/profile.js';
import { logistic, logisticNormal, logit, NORMAL_RANGE, normalCdf, Z_SCORES } from './stats.js';

/** Spec §4 defaults. */
export const DEFAULTS = {
  slope: 2,
  pMax: 1,
  tokensPerStep: 24,
  outputTokens: 256,
  inputTokens: 0,
  minSuccess: 0.8,
  latencyPercentile: 95 as Percentile,
  /** Spec §5.2: when nothing states the complexity. */
  unknownComplexity: { value: 4, sigma: 3 },
} as const;

/** Spec §6.1: a sigma below 1e-6 is treated as 0 (the integral is then the point value to far below tolerance). */
export const SIGMA_EPSILON = 1e-6;
const sigmaOf = (complexity: Complexity): number => {
  const sigma = complexity.sigma ?? 0;
  return sigma < SIGMA_EPSILON ? 0 : sigma;
};

export interface CurveParams {
  readonly ability: number;
  readonly slope: number;
  readonly pMax: number;
}

export const curveOf = (ceiling: DomainCeiling): CurveParams => ({
  ability: ceiling.ability,
  slope: ceiling.slope ?? DEFAULTS.slope,
  pMax: ceiling.pMax ?? DEFAULTS.pMax,
});

/** Spec §6.2 (1): capability success at a known complexity c. */
export const capabilitySuccessAt = (curve: CurveParams, c: number): number =>
  curve.pMax * logistic(curve.slope * (curve.ability - c));

/** Reasoning tokens per step and budget of an agent; `budget` is Infinity when unlimited. */
export interface ReasoningParams {
  readonly reasons: boolean;
  readonly tokensPerStep: number;
  readonly budget: number;
}

export const reasoningOf = (reasoning: ReasoningProfile): ReasoningParams => ({
  reasons: reasoning.mode !== 'none',
  tokensPerStep: reasoning.tokensPerStep ?? DEFAULTS.tokensPerStep,
  budget: reasoning.maxReasoningTokens ?? Number.POSITIVE_INFINITY,
});

/** Spec §6.2 (2): the budget ceiling c_B = log2(B / t); Infinity for agents that do not reason or have no budget. */
export const budgetCeiling = (r: ReasoningParams): number =>
  r.reasons ? Math.log2(r.budget / r.tokensPerStep) : Number.POSITIVE_INFINITY;

/** Spec §6.2 (3): the capability ceiling at reliability r; null when the curve never reaches r (r ≥ pMax). */
export function capabilityCeiling(curve: CurveParams, reliability: number): number | null {
  if (reliability >= curve.pMax) return null;
  if (reliability <= 0) return Number.POSITIVE_INFINITY;
  return curve.ability - logit(reliability / curve.pMax) / curve.slope;
}

/** Spec §6.2 (4): the effective ceiling, min(capability ceiling, budget ceiling). */
export function effectiveCeiling(curve: CurveParams, r: ReasoningParams, reliability: number): number | null {
  const capability = capabilityCeiling(curve, reliability);
  return capability === null ? null : Math.min(capability, budgetCeiling(r));
}

/**
 * Spec §6.2 (5): expected success over the complexity uncertainty, c ~ N(value, sigma²), truncated at `upper`
 * (the budget ceiling): E[P_cap(c) · 1{c ≤ upper}].
 */
export function expectedSuccess(curve: CurveParams, complexity: Complexity, upper = Number.POSITIVE_INFINITY): number {
  const mu = complexity.value;
  const sigma = sigmaOf(complexity);
  if (sigma === 0) return mu <= upper ? capabilitySuccessAt(curve, mu) : 0;
  const p = logisticNormal(curve.slope * (curve.ability - mu), curve.slope * sigma, (upper - mu) / sigma);
  return Math.min(1, Math.max(0, curve.pMax * p));
}

/** True when the budget cut at `upper` cannot change the integral (it lies beyond the normal's range). */
export const cutIsIrrelevant = (complexity: Complexity, upper: number): boolean =>
  upper >= complexity.value + NORMAL_RANGE * sigmaOf(complexity);

/** Spec §6.3 (1): reasoning tokens the task needs at complexity c, capped by the budget. */
export const reasoningTokensAt = (r: ReasoningParams, c: number): number =>
  r.reasons ? Math.min(r.tokensPerStep * 2 ** c, r.budget) : 0;

/**
 * Spec §6.3 (2): expected reasoning tokens, E[min(t·2^c, B)] with c ~ N(mu, sigma²); 2^c is log-normal, so
 * E[min(X, B)] = E[X]·Φ((ln B − m − s²)/s) + B·(1 − Φ((ln B − m)/s)), m = ln t + mu·ln 2, s = sigma·ln 2.
 */
export function expectedReasoningTokens(r: ReasoningParams, complexity: Complexity): number {
  if (!r.reasons) return 0;
  const sigma = sigmaOf(complexity);
  if (sigma === 0) return reasoningTokensAt(r, complexity.value);
  const m = Math.log(r.tokensPerStep) + complexity.value * Math.LN2;
  const s = sigma * Math.LN2;
  const mean = Math.exp(m + (s * s) / 2);
  if (!Number.isFinite(r.budget)) return mean;
  const lnB = Math.log(r.budget);
  return mean * normalCdf((lnB - m - s * s) / s) + r.budget * (1 - normalCdf((lnB - m) / s));
}

export interface LatencyInputs {
  readonly profile: CapabilityProfile;
  readonly complexity: Complexity;
  readonly percentile: Percentile;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly network?: NetworkConditions | undefined;
  /** Tasks in flight at the agent (spec §4.6); 0 when unknown. */
  readonly load?: number;
}

export interface LatencyPrediction {
  readonly networkMs: number;
  readonly transferInMs: number;
  readonly transferOutMs: number;
  readonly queueMs: number;
  readonly ttftMs: number;
  readonly reasoningMs: number;
  readonly generationMs: number;
  readonly firstResponseMs: number;
  readonly completionMs: number;
}

/** Spec §6.4 (1): agent time to first token at a percentile, log-normal through the declared p50 and p95. */
export function ttftAt(ttft: CapabilityProfile['latency']['ttftMs'], percentile: Percentile): number {
  if (percentile === 99 && ttft.p99 !== undefined) return ttft.p99;
  const ratio = Z_SCORES[percentile] / Z_SCORES[95];
  if (ttft.p50 <= 0) return ttft.p95 * ratio;
  return ttft.p50 * (ttft.p95 / ttft.p50) ** ratio;
}

/** Spec §6.4 (2): predicted time to first response and to completion, at the stated percentile. */
export function predictLatency(inputs: LatencyInputs): LatencyPrediction {
  const { profile, complexity, percentile, network } = inputs;
  const z = Z_SCORES[percentile];
  const remote = profile.placement.placement !== 'device';
  const loss = network?.lossRate ?? 0;
  const linkRtt = remote ? (network?.rttMs ?? 0) + z * (network?.jitterMs ?? 0) : 0;
  const networkMs = remote ? (linkRtt + (profile.latency.networkRttMs ?? 0)) / (1 - loss) : 0;
  const bandwidth = remote ? network?.bandwidthKbps : undefined;
  const transferInMs = bandwidth ? (4 * inputs.inputTokens * 8) / bandwidth : 0;
  const transferOutMs = bandwidth ? (4 * inputs.outputTokens * 8) / bandwidth : 0;
  const r = reasoningOf(profile.reasoning);
  const reasoningRate = profile.reasoning.reasoningTokensPerSecond ?? profile.latency.outputTokensPerSecond;
  const overhead = profile.latency.overheadMs ?? 0;
  const generationMs = (1000 * inputs.outputTokens) / profile.latency.outputTokensPerSecond;
  const reasoningMsAt = (c: number) => (1000 * reasoningTokensAt(r, c)) / reasoningRate;
  const ttftMs = ttftAt(profile.latency.ttftMs, percentile);
  const reasoningMs = reasoningMsAt(complexity.value + z * sigmaOf(complexity));
  const capacity = profile.capacity?.maxConcurrentTasks ?? Number.POSITIVE_INFINITY;
  const load = inputs.load ?? 0;
  const median = overhead + ttftAt(profile.latency.ttftMs, 50) + reasoningMsAt(complexity.value) + generationMs;
  const queueMs = load >= capacity ? ((load - capacity + 1) * median) / capacity : 0;
  const firstResponseMs = networkMs + transferInMs + queueMs + overhead + ttftMs + reasoningMs;
  return {
    networkMs,
    transferInMs,
    transferOutMs,
    queueMs,
    ttftMs,
    reasoningMs,
    generationMs,
    firstResponseMs,
    completionMs: firstResponseMs + generationMs + transferOutMs,
  };
}

/** Spec §6.5: expected cost of one attempt, in the agent's currency. */
export function predictCost(
  cost: CapabilityProfile['cost'],
  tokens: { input: number; output: number; reasoning: number },
): number {
  return (
    (tokens.input * (cost.inputPerMillion ?? 0) +
      tokens.output * (cost.outputPerMillion ?? 0) +
      tokens.reasoning * (cost.reasoningPerMillion ?? 0)) /
      1e6 +
    (cost.perTask ?? 0)
  );
}
