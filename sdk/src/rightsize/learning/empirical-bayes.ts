/**
 * Empirical Bayes for a group of Gaussian beliefs that share one prior width (issue 10: hierarchical shrinkage of
 * the per-domain offsets). Each member i has a prior N(μ_i, τ²) and data summarised by a Gaussian message
 * (precision λ_i, shift ρ_i): the likelihood of its deviation δ_i = θ_i − μ_i is ∝ exp(−½λ_i δ_i² + ρ_i δ_i), i.e.
 * an observation δ̂_i = ρ_i/λ_i with variance 1/λ_i. The learner's beliefs are posteriors (prior × message), so the
 * message is recovered exactly from a belief and the prior it was built with, and a new τ² re-weights the prior
 * without revisiting the outcomes.
 *
 * τ² maximises the marginal likelihood of the messages, δ̂_i ~ N(0, τ² + 1/λ_i), times a penalty worth `pseudoCount`
 * members at the configured width τ₀² (an inverse-gamma prior on τ², so that a few domains cannot collapse the
 * width to 0): found by expectation–maximisation, τ² ← (ν₀τ₀² + Σ_i E[δ_i²]) / (ν₀ + n), whose fixed point is that
 * maximum (`logEvidence` is the objective; the tests check the fit against a brute-force search over τ²).
 */

/** A mutable Gaussian belief [mean, variance] (the learner's own storage). */
export type MutableBelief = [mean: number, variance: number];

export interface GroupMember {
  readonly belief: MutableBelief;
  readonly priorMean: number;
}

/** The data of one member as a Gaussian message on its deviation from the prior mean. */
export interface Message {
  readonly precision: number;
  readonly shift: number;
}

export interface EmpiricalBayesOptions {
  /** Refit the widths every this many outcomes (default 64; O(domains) per refit). */
  readonly every?: number;
  /** Weight of the configured width, in members (default 2). */
  readonly pseudoCount?: number;
}

/** The message of a belief N(m, v) whose prior was N(μ, τ²): precision 1/v − 1/τ², shift (m − μ)/v. */
export function messageOf(belief: readonly [number, number], priorMean: number, priorVariance: number): Message {
  const [m, v] = belief;
  return { precision: Math.max(0, 1 / v - 1 / priorVariance), shift: (m - priorMean) / v };
}

/** The belief N(μ, τ²) × message: the posterior under a new prior width. */
export function withPrior(message: Message, priorMean: number, priorVariance: number): MutableBelief {
  const precision = 1 / priorVariance + message.precision;
  return [priorMean + message.shift / precision, 1 / precision];
}

/** Members whose data carry information (a message with no precision does not inform the width). */
const informative = (messages: readonly Message[]) => messages.filter((m) => m.precision > 1e-12);

/** The log marginal likelihood of the messages plus the width penalty, up to a constant (the objective of the fit). */
export function logEvidence(
  messages: readonly Message[],
  priorVariance: number,
  baseVariance: number,
  pseudoCount: number,
): number {
  let sum = -(pseudoCount / 2) * Math.log(priorVariance) - (pseudoCount * baseVariance) / (2 * priorVariance);
  for (const { precision, shift } of informative(messages)) {
    const total = priorVariance + 1 / precision;
    const observed = shift / precision;
    sum += -0.5 * Math.log(total) - (observed * observed) / (2 * total);
  }
  return sum;
}

/** The width τ² of the group by expectation–maximisation (see the module comment). */
export function fitPriorVariance(
  messages: readonly Message[],
  baseVariance: number,
  pseudoCount: number,
  maxIterations = 1000,
): number {
  const data = informative(messages);
  let variance = baseVariance;
  for (let it = 0; it < maxIterations; it++) {
    let expected = pseudoCount * baseVariance;
    for (const { precision, shift } of data) {
      const posteriorPrecision = 1 / variance + precision;
      expected += (shift / posteriorPrecision) ** 2 + 1 / posteriorPrecision;
    }
    const next = expected / (pseudoCount + data.length);
    const converged = Math.abs(next - variance) <= 1e-12 * Math.max(1, variance);
    variance = next;
    if (converged) break;
  }
  return variance;
}
