/**
 * The normative prediction math of the Rightsize extension (spec §6), as pure functions: success probability,
 * ceilings, reasoning tokens, latency at a percentile, the joint probability of success within the deadlines, and
 * cost, for one task descriptor against one agent profile. Every formula here is the spec's;
 * `spec/v1/test-vectors.json` checks them.
 */
import type { Complexity, NetworkConditions, Percentile } from '../model/common.js';
import type { CapabilityProfile, DomainCeiling, ReasoningProfile } from '../model/profile.js';
import {
  GAUSS_LEGENDRE,
  integrateOver,
  logistic,
  logisticNormal,
  logit,
  NORMAL_RANGE,
  normalCdf,
  Z_SCORES,
} from './stats.js';

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

/** The complexity a budget of `tokens` reaches: log2(tokens / t); −Infinity for a budget of 0 (spec §6.2 (2)). */
export const budgetToComplexity = (tokens: number, tokensPerStep: number): number =>
  tokens > 0 ? Math.log2(tokens / tokensPerStep) : Number.NEGATIVE_INFINITY;

/** Spec §6.2 (2): the budget ceiling c_B = log2(B / t); Infinity for agents that do not reason or have no budget. */
export const budgetCeiling = (r: ReasoningParams): number =>
  r.reasons ? budgetToComplexity(r.budget, r.tokensPerStep) : Number.POSITIVE_INFINITY;

/** Spec §6.2 (3): the capability ceiling at reliability r; null when the curve never reaches r (r ≥ pMax). */
export function capabilityCeiling(curve: CurveParams, reliability: number): number | null {
  if (reliability >= curve.pMax) return null;
  if (reliability <= 0) return Number.POSITIVE_INFINITY;
  return curve.ability - logit(reliability / curve.pMax) / curve.slope;
}

/** Spec §6.2 (4): the effective ceiling, min(capability ceiling, budget ceiling); null when nothing qualifies. */
export function effectiveCeiling(curve: CurveParams, r: ReasoningParams, reliability: number): number | null {
  const capability = capabilityCeiling(curve, reliability);
  if (capability === null) return null;
  const ceiling = Math.min(capability, budgetCeiling(r));
  return ceiling === Number.NEGATIVE_INFINITY ? null : ceiling;
}

/**
 * Spec §6.2 (5): expected success over the complexity uncertainty, c ~ N(value, sigma²), cut at `upper` (the budget
 * ceiling): E[P_cap(c) · 1{c ≤ upper}]. Below SIGMA_EPSILON the cut is taken at that sigma, so the value is
 * continuous as sigma → 0: P_cap(μ)·Φ((upper − μ)/1e-6), which is P_cap(μ)/2 exactly at μ = upper. With a
 * `budgetSlope` κ (spec §4.2) the cut is soft: E[P_cap(c) · σ_L(κ(upper − c))].
 */
export function expectedSuccess(
  curve: CurveParams,
  complexity: Complexity,
  upper = Number.POSITIVE_INFINITY,
  budgetSlope?: number,
): number {
  const mu = complexity.value;
  const sigma = sigmaOf(complexity);
  if (upper === Number.NEGATIVE_INFINITY) return 0;
  if (budgetSlope !== undefined && upper !== Number.POSITIVE_INFINITY) {
    return softCutSuccess(curve, mu, sigma, upper, budgetSlope, () => 1);
  }
  if (sigma === 0) {
    if (upper === Number.POSITIVE_INFINITY) return capabilitySuccessAt(curve, mu);
    return capabilitySuccessAt(curve, mu) * normalCdf((upper - mu) / SIGMA_EPSILON);
  }
  const p = logisticNormal(curve.slope * (curve.ability - mu), curve.slope * sigma, (upper - mu) / sigma);
  return Math.min(1, Math.max(0, curve.pMax * p));
}

/**
 * Spec §4.2, §6.2 (5): E[P_cap(c) · σ_L(κ(cut − c)) · extra(c)] for a soft budget cut of slope κ; integrated in
 * standard units over [−8.5, 8.5] in panels split around both logistic steps.
 */
function softCutSuccess(
  curve: CurveParams,
  mu: number,
  sigma: number,
  cut: number,
  kappa: number,
  extra: (c: number) => number,
): number {
  const budgetFactor = (c: number) => logistic(kappa * (cut - c));
  if (sigma === 0) return capabilitySuccessAt(curve, mu) * budgetFactor(mu) * extra(mu);
  const f = (w: number) => {
    const c = mu + sigma * w;
    return (
      Math.exp(-0.5 * w * w) *
      0.3989422804014327 *
      logistic(curve.slope * (curve.ability - c)) *
      budgetFactor(c) *
      extra(c)
    );
  };
  const steps = [
    [(curve.ability - mu) / sigma, 20 / (curve.slope * sigma)],
    [(cut - mu) / sigma, 20 / (kappa * sigma)],
  ] as const;
  const breaks = steps
    .flatMap(([centre, half]) => [centre - half, centre, centre + half])
    .filter((b) => b > -NORMAL_RANGE && b < NORMAL_RANGE)
    .sort((a, b) => a - b);
  let total = 0;
  let from = -NORMAL_RANGE;
  for (const b of [...breaks, NORMAL_RANGE]) {
    total += integrateOver(f, from, b);
    from = b;
  }
  return Math.min(1, Math.max(0, curve.pMax * total));
}

/** True when the budget cut at `upper` cannot change the integral (it lies beyond the normal's range). */
export const cutIsIrrelevant = (complexity: Complexity, upper: number): boolean =>
  upper >= complexity.value + NORMAL_RANGE * Math.max(sigmaOf(complexity), SIGMA_EPSILON);

/** Spec §6.3 (1): reasoning tokens the task needs at complexity c, capped by the budget. */
export const reasoningTokensAt = (r: ReasoningParams, c: number): number =>
  r.reasons ? Math.min(r.tokensPerStep * 2 ** c, r.budget) : 0;

/**
 * Spec §6.3 (2): expected reasoning tokens, E[min(t·2^c, B)] with c ~ N(mu, sigma²); 2^c is log-normal, so
 * E[min(X, B)] = E[X]·Φ((ln B − m − s²)/s) + B·(1 − Φ((ln B − m)/s)), m = ln t + mu·ln 2, s = sigma·ln 2.
 */
export function expectedReasoningTokens(r: ReasoningParams, complexity: Complexity): number {
  if (!r.reasons || r.budget <= 0) return 0;
  const sigma = sigmaOf(complexity);
  if (sigma === 0) return reasoningTokensAt(r, complexity.value);
  const m = Math.log(r.tokensPerStep) + complexity.value * Math.LN2;
  const s = sigma * Math.LN2;
  const mean = Math.exp(m + (s * s) / 2);
  if (!Number.isFinite(r.budget)) return mean;
  const lnB = Math.log(r.budget);
  return mean * normalCdf((lnB - m - s * s) / s) + r.budget * (1 - normalCdf((lnB - m) / s));
}

/** Spec §6.4 (1): agent time to first token at standard-normal score z, log-normal through p50 and p95. */
export function ttftAtZ(ttft: CapabilityProfile['latency']['ttftMs'], z: number): number {
  if (ttft.p50 <= 0) return (ttft.p95 * Math.max(0, z)) / Z_SCORES[95];
  return ttft.p50 * (Math.max(ttft.p95, ttft.p50) / ttft.p50) ** (z / Z_SCORES[95]);
}

/** Spec §6.4 (1): agent time to first token at a percentile. */
export const ttftAt = (ttft: CapabilityProfile['latency']['ttftMs'], percentile: Percentile): number =>
  ttftAtZ(ttft, Z_SCORES[percentile]);

/** Spec §6.4 (6): the queueing service time: declared mean, else the agent's typical (not this task's) time. */
export function meanServiceMs(profile: CapabilityProfile): number {
  if (profile.capacity?.meanServiceMs !== undefined) return profile.capacity.meanServiceMs;
  const r = reasoningOf(profile.reasoning);
  const rate = profile.reasoning.reasoningTokensPerSecond ?? profile.latency.outputTokensPerSecond;
  return (
    (profile.latency.overheadMs ?? 0) +
    ttftAtZ(profile.latency.ttftMs, 0) +
    (1000 * reasoningTokensAt(r, DEFAULTS.unknownComplexity.value)) / rate +
    (1000 * DEFAULTS.outputTokens) / profile.latency.outputTokensPerSecond
  );
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
  /** The client–broker leg (spec §6.4 (2)): the broker's declared forwarding time; 0 without a broker. */
  readonly brokerLegMs?: number;
  /** The reasoning budget the task gets (spec §6.4 (4)): min(B, what the window and deadlines leave); default B. */
  readonly reasoningBudget?: number;
}

/**
 * The non-reasoning latency L0 to the first token as a function of one standard-normal score z (spec §6.4): the
 * random parts (network jitter, time to first token) move together, so the q-quantile of L0 is `at(z_q)`.
 */
export interface BaseLatency {
  /** Deterministic part: broker leg, uplink transfer, queue, overhead, prefill. */
  readonly fixedMs: number;
  /** Network round trip: mean and standard deviation (both 0 for on-device agents). */
  readonly networkMeanMs: number;
  readonly networkSdMs: number;
  readonly ttft: CapabilityProfile['latency']['ttftMs'];
  /** Time after the first token: generation and downlink transfer. */
  readonly afterFirstMs: number;
}

export const baseLatencyAt = (b: BaseLatency, z: number): number =>
  b.fixedMs + b.networkMeanMs + b.networkSdMs * z + ttftAtZ(b.ttft, z);

export interface LatencyPrediction {
  readonly networkMs: number;
  readonly transferInMs: number;
  readonly transferOutMs: number;
  readonly queueMs: number;
  readonly prefillMs: number;
  readonly brokerLegMs: number;
  readonly ttftMs: number;
  readonly reasoningMs: number;
  readonly generationMs: number;
  readonly firstResponseMs: number;
  readonly completionMs: number;
  /** L0 as a function of z, for the deadline probability (spec §6.6). */
  readonly base: BaseLatency;
}

/** The network's parts for one profile (spec §6.4 (2)): round-trip mean and jitter, and the link's rates. */
function networkOf(inputs: LatencyInputs) {
  const { profile, network } = inputs;
  const remote = profile.placement.placement !== 'device';
  const lossFactor = 1 / (1 - (network?.lossRate ?? 0));
  const uplink = remote ? (network?.uplinkKbps ?? network?.bandwidthKbps) : undefined;
  const downlink = remote ? (network?.downlinkKbps ?? network?.bandwidthKbps) : undefined;
  return {
    networkMeanMs: remote ? ((network?.rttMs ?? 0) + (profile.latency.networkRttMs ?? 0)) * lossFactor : 0,
    networkSdMs: remote ? (network?.jitterMs ?? 0) * lossFactor : 0,
    transferInMs: uplink ? (32 * inputs.inputTokens) / uplink : 0,
    transferOutMs: downlink ? (32 * inputs.outputTokens) / downlink : 0,
  };
}

const queueMsOf = ({ profile, load = 0 }: LatencyInputs): number => {
  const capacity = profile.capacity?.maxConcurrentTasks ?? Number.POSITIVE_INFINITY;
  return load >= capacity ? ((load - capacity + 1) * meanServiceMs(profile)) / capacity : 0;
};

const prefillMsOf = ({ profile, inputTokens }: LatencyInputs): number =>
  profile.latency.inputTokensPerSecond ? (1000 * inputTokens) / profile.latency.inputTokensPerSecond : 0;

const generationMsOf = ({ profile, outputTokens }: LatencyInputs): number =>
  (1000 * outputTokens) / profile.latency.outputTokensPerSecond;

/** Spec §6.4: the non-reasoning latency L0 of `predictLatency` alone (what the deadline factor of §6.6 needs). */
export function baseLatency(inputs: LatencyInputs): BaseLatency {
  return baseOf(inputs, networkOf(inputs));
}

function baseOf(inputs: LatencyInputs, network: ReturnType<typeof networkOf>): BaseLatency {
  const { networkMeanMs, networkSdMs, transferInMs, transferOutMs } = network;
  const overhead = inputs.profile.latency.overheadMs ?? 0;
  return {
    fixedMs: (inputs.brokerLegMs ?? 0) + transferInMs + queueMsOf(inputs) + overhead + prefillMsOf(inputs),
    networkMeanMs,
    networkSdMs,
    ttft: inputs.profile.latency.ttftMs,
    afterFirstMs: generationMsOf(inputs) + transferOutMs,
  };
}

/** Spec §6.4: predicted time to first response and to completion, at the stated percentile. */
export function predictLatency(inputs: LatencyInputs): LatencyPrediction {
  const { profile, complexity, percentile } = inputs;
  const z = Z_SCORES[percentile];
  const network = networkOf(inputs);
  const { networkMeanMs, networkSdMs, transferInMs, transferOutMs } = network;
  const r = reasoningOf(profile.reasoning);
  const budget = Math.min(r.budget, inputs.reasoningBudget ?? Number.POSITIVE_INFINITY);
  const reasoningRate = profile.reasoning.reasoningTokensPerSecond ?? profile.latency.outputTokensPerSecond;
  const generationMs = generationMsOf(inputs);
  const base = baseOf(inputs, network);
  const ttftMs = ttftAtZ(profile.latency.ttftMs, z);
  const reasoningMs =
    (1000 * reasoningTokensAt({ ...r, budget }, complexity.value + z * sigmaOf(complexity))) / reasoningRate;
  const firstResponseMs = baseLatencyAt(base, z) + reasoningMs;
  return {
    networkMs: networkMeanMs + networkSdMs * z,
    transferInMs,
    transferOutMs,
    queueMs: queueMsOf(inputs),
    prefillMs: prefillMsOf(inputs),
    brokerLegMs: inputs.brokerLegMs ?? 0,
    ttftMs,
    reasoningMs,
    generationMs,
    firstResponseMs,
    completionMs: firstResponseMs + generationMs + transferOutMs,
    base,
  };
}

/** Spec §6.6 (1): the deadline on the first token implied by both deadlines, D' = min(D_first, D_done − after). */
export function firstTokenDeadline(
  base: BaseLatency,
  deadlines: { firstResponseDeadlineMs?: number | undefined; completionDeadlineMs?: number | undefined },
): number {
  return Math.min(
    deadlines.firstResponseDeadlineMs ?? Number.POSITIVE_INFINITY,
    (deadlines.completionDeadlineMs ?? Number.POSITIVE_INFINITY) - base.afterFirstMs,
  );
}

/**
 * Spec §6.6 (2): P(L0 ≤ x) = Φ(z*), z* the largest z in [−8.5, 8.5] with L0(z) ≤ x (0 below, 1 above the range).
 * L0(z) is non-decreasing and convex, so z* is closed-form without jitter and found by Newton's method from the
 * right end of the range otherwise (monotone convergence for a convex increasing function).
 */
export function baseLatencyCdf(base: BaseLatency, x: number): number {
  return new BaseLatencyCdf(base).at(x);
}

/**
 * `baseLatencyCdf` as a function of x for one L0, with the constants of L0 computed once: the integral of §6.6 (4)
 * evaluates it at every quadrature node. Same arithmetic, same results.
 */
export function baseLatencyCdfOf(base: BaseLatency): (x: number) => number {
  const cdf = new BaseLatencyCdf(base);
  return (x) => cdf.at(x);
}

/**
 * `baseLatencyCdf` for one L0 (see `baseLatencyCdfOf`). A class rather than a closure: its numbers live in fields,
 * updated in place, where a closure's variables would be boxed anew on every write (once per quadrature node).
 */
class BaseLatencyCdf {
  readonly #base: BaseLatency;
  readonly #top: number;
  readonly #bottom: number;
  readonly #p50: number;
  readonly #p95: number;
  readonly #logRatio: number;
  readonly #offset: number;
  readonly #sd: number;
  readonly #beta: number;
  readonly #leastTtft: number;
  /** The previous root: Newton's warm start (quadrature nodes are close). */
  #warm = Number.POSITIVE_INFINITY;

  constructor(base: BaseLatency) {
    this.#base = base;
    this.#top = baseLatencyAt(base, NORMAL_RANGE);
    this.#bottom = baseLatencyAt(base, -NORMAL_RANGE);
    const { p50 } = base.ttft;
    this.#p50 = p50;
    this.#p95 = Math.max(base.ttft.p95, p50);
    this.#logRatio = p50 > 0 ? Math.log(this.#p95 / p50) : 0;
    this.#offset = base.fixedMs + base.networkMeanMs;
    this.#sd = base.networkSdMs;
    // Newton's start right of the root: each random part alone, with the other at its least, already reaches x there.
    this.#beta = p50 > 0 ? this.#logRatio / Z_SCORES[95] : 0;
    this.#leastTtft = ttftAtZ(base.ttft, -NORMAL_RANGE);
  }

  at(x: number): number {
    const base = this.#base;
    const p50 = this.#p50;
    const p95 = this.#p95;
    const z95 = Z_SCORES[95];
    const logRatio = this.#logRatio;
    const sd = this.#sd;
    const beta = this.#beta;
    if (x === Number.POSITIVE_INFINITY) return 1;
    if (this.#top <= x) return 1;
    if (this.#bottom > x) return 0;
    const rest = x - this.#offset;
    if (sd === 0) {
      // Here L0(−8.5) ≤ x < L0(8.5), so the time to first token is not constant and z* is inside the range.
      return normalCdf(p50 > 0 ? (z95 * Math.log(rest / p50)) / logRatio : (rest * z95) / p95);
    }
    const byNetwork = (rest - this.#leastTtft) / sd;
    const spare = rest + sd * NORMAL_RANGE;
    const byTtft = p50 > 0 ? (beta > 0 ? Math.log(spare / p50) / beta : Number.POSITIVE_INFINITY) : (spare * z95) / p95;
    const cold = Math.min(NORMAL_RANGE, byNetwork, Number.isNaN(byTtft) ? NORMAL_RANGE : byTtft);
    // Warm start from the previous root (quadrature nodes are close): one Newton step from anywhere lands right of
    // the root (L0 is convex), from where the iteration falls monotonically as before.
    let z = Math.min(cold, this.#warm);
    for (let i = 0; i < 100; i++) {
      const ttft = ttftAtZ(base.ttft, z); // once per step: both L0(z) and its slope need it
      const excess = base.fixedMs + base.networkMeanMs + sd * z + ttft - x;
      const slope = sd + (p50 > 0 ? ttft * beta : z >= 0 ? p95 / z95 : 0);
      const next = z - excess / slope;
      if (excess < 0 && i === 0) {
        z = Math.min(cold, next);
        continue;
      }
      if (!(next < z) || z - next < 1e-13) {
        z = Math.max(-NORMAL_RANGE, Math.min(z, next));
        break;
      }
      z = Math.max(-NORMAL_RANGE, next);
    }
    this.#warm = z;
    return normalCdf(z);
  }
}

/** Spec §6.6 (3): the reasoning tokens a deadline leaves at percentile q: rate · (D' − L0(z_q)), at least 0. */
export function deadlineBudget(base: BaseLatency, deadline: number, z: number, tokensPerSecond: number): number {
  if (deadline === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  return Math.max(0, (tokensPerSecond * (deadline - baseLatencyAt(base, z))) / 1000);
}

export interface DeadlineSuccessInputs {
  readonly curve: CurveParams;
  readonly complexity: Complexity;
  /** Reasoning parameters with the effective budget (min of B, window and deadline budgets). */
  readonly reasoning: ReasoningParams;
  readonly reasoningTokensPerSecond: number;
  readonly base: BaseLatency;
  /** D' of `firstTokenDeadline`. */
  readonly deadline: number;
  /** κ of a soft budget cut (spec §4.2); undefined for the hard cut. */
  readonly budgetSlope?: number | undefined;
}

/**
 * Spec §6.6 (4): the single probability that the agent succeeds within the deadlines,
 * P_D = ∫ P_cap(c) · 1[c ≤ c_cut] · F_L0(D' − T_R(c)) φ_σ(c − μ) dc, with c_cut the effective budget's ceiling and
 * T_R(c) = 1000·t·2^c / rate. Integrated in standard units over [−8.5, (c_cut − μ)/σ], in panels split where the
 * latency factor starts to fall and around the logistic step.
 */
export function deadlineSuccess(inputs: DeadlineSuccessInputs): number {
  const { curve, complexity, reasoning, base, deadline, budgetSlope } = inputs;
  const cut = budgetCeiling(reasoning);
  if (deadline === Number.POSITIVE_INFINITY) return expectedSuccess(curve, complexity, cut, budgetSlope);
  if (!reasoning.reasons) return expectedSuccess(curve, complexity) * baseLatencyCdf(base, deadline);
  if (cut === Number.NEGATIVE_INFINITY) return 0;
  const msPerToken = 1000 / inputs.reasoningTokensPerSecond;
  const timeAt = (c: number) => msPerToken * reasoning.tokensPerStep * 2 ** c;
  const mu = complexity.value;
  const sigma = sigmaOf(complexity);
  if (budgetSlope !== undefined && cut !== Number.POSITIVE_INFINITY) {
    // The agent spends min(t·2^c, budget): the reasoning time is capped at the budget's.
    const cdf = baseLatencyCdfOf(base);
    const capped = (c: number) => cdf(deadline - timeAt(Math.min(c, cut)));
    return softCutSuccess(curve, mu, sigma, cut, budgetSlope, capped);
  }
  if (sigma === 0) {
    return expectedSuccess(curve, complexity, cut) * baseLatencyCdf(base, deadline - timeAt(mu));
  }
  const hi = Math.min(NORMAL_RANGE, (cut - mu) / sigma);
  const lo = -NORMAL_RANGE;
  if (!(hi > lo)) return 0;
  // Where the latency factor leaves 1: T_R(c) = D' − L0(8.5).
  const slack = deadline - baseLatencyAt(base, NORMAL_RANGE);
  const fallsFrom = slack > 0 ? (Math.log2(slack / (msPerToken * reasoning.tokensPerStep)) - mu) / sigma : lo;
  // Below `fallsFrom` the latency factor is 1: that part is the plain success integral of §6.2 (5).
  const from = Math.max(lo, Math.min(fallsFrom, hi));
  let total = from > lo ? logisticNormal(curve.slope * (curve.ability - mu), curve.slope * sigma, from) : 0;
  const step = (curve.ability - mu) / sigma;
  const half = 20 / (curve.slope * sigma);
  const breaks = [step - half, step, step + half].filter((b) => b > from && b < hi).sort((a, b) => a - b);
  const cdf = new BaseLatencyCdf(base);
  const perStep = msPerToken * reasoning.tokensPerStep;
  let start = from;
  for (let k = 0; k <= breaks.length; k++) {
    const end = k < breaks.length ? (breaks[k] as number) : hi;
    // integrateOver(f, start, end, DEADLINE_PANELS) with f(w) = φ(w) · σ_L(k(a − c)) · F_L0(D' − T_R(c)),
    // c = μ + σw, written out: the same nodes and arithmetic, no closure or boxed number per node.
    if (end > start) {
      const h = (end - start) / DEADLINE_PANELS;
      let sum = 0;
      for (let p = 0; p < DEADLINE_PANELS; p++) {
        const centre = start + (p + 0.5) * h;
        for (let i = 0; i < GAUSS_LEGENDRE.nodes.length; i++) {
          const w = centre + (h / 2) * (GAUSS_LEGENDRE.nodes[i] as number);
          const c = mu + sigma * w;
          sum +=
            (GAUSS_LEGENDRE.weights[i] as number) *
            (Math.exp(-0.5 * w * w) *
              0.3989422804014327 *
              logistic(curve.slope * (curve.ability - c)) *
              cdf.at(deadline - perStep * 2 ** c));
        }
      }
      total += (sum * h) / 2;
    }
    start = end;
  }
  return Math.min(1, Math.max(0, curve.pMax * total));
}

/** Panels per sub-interval where the latency factor varies (fewer miss the 1e-6 tolerance of §6.7). */
const DEADLINE_PANELS = 3;

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
