/**
 * The online item-response learner (issue 10, item 2). For agent a, domain d and task x:
 *
 *   P(success) = pMax_{a,d} · σ(k_{a,d} · (ability_{a,d} − c(x))),   c(x) = Σ_j w_j · φ_j(x)
 *
 * where φ(x) are the documented task features (`features.ts`) and c(x) is on the complexity scale of the spec (an
 * untrained learner answers the cold-start or declared complexity). Agent parameters are hierarchical so that
 * domains borrow strength: ability_{a,d} = g_a + o_{a,d}, log k_{a,d} = κ_a + κ_{a,d}, logit pMax_{a,d} = π_a + π_{a,d}.
 * Every parameter has an independent Gaussian belief (mean, variance); declared profiles set the prior means.
 *
 * Update (one binary outcome): the Laplace approximation of the posterior over the parameters the outcome touches —
 * its mode by iterated Gauss–Newton steps (each solved in closed form with Sherman–Morrison, since the likelihood's
 * curvature has rank one), its covariance projected back to the diagonal. Cost O(active features) time; memory is
 * bounded by the hash size and `maxEntries`. This is the diagonal Laplace / assumed-density filter used for online
 * Bayesian logistic regression with Thompson sampling (Chapelle & Li 2011), extended to the IRT curve.
 *
 * Empirical Bayes (option `empiricalBayes`): the prior widths of the per-domain ability offsets (one width per agent)
 * and of the domain difficulties are learned from the data instead of fixed — hierarchical shrinkage whose strength is
 * the measured spread of the domains (`empirical-bayes.ts`). Each such belief is kept as its prior times the Gaussian
 * message of its data, so a new width re-weights every domain's prior exactly without revisiting outcomes.
 */

import { DEFAULTS } from '../math/predict.js';
import type { Prng } from '../math/prng.js';
import { logistic, logit } from '../math/stats.js';
import type { CapabilityProfile, DomainCeiling } from '../model/profile.js';
import type { ComplexityEstimate, ComplexityEstimator, EstimatorInput } from '../routing/estimator.js';
import {
  type EmpiricalBayesOptions,
  fitPriorVariance,
  type GroupMember,
  type MutableBelief,
  messageOf,
  withPrior,
} from './empirical-bayes.js';
import { type FeatureOptions, type TaskFeatures, taskFeatures } from './features.js';

/** Prior standard deviations of the learner's parameters (documented defaults). */
export interface PriorSigmas {
  /** Agent-wide ability g_a (default 1.5, spec §9.3's PRIOR_SIGMA). */
  readonly ability: number;
  /** Per-domain ability offset o_{a,d} (default 1.5). */
  readonly abilityOffset: number;
  /** Agent-wide log slope κ_a (default 0.1: the slope moves only on strong evidence). */
  readonly logSlope: number;
  /** Per-domain log-slope offset (default 0.05). */
  readonly logSlopeOffset: number;
  /** Agent-wide logit pMax π_a (default 1). */
  readonly logitPMax: number;
  /** Per-domain logit-pMax offset (default 1). */
  readonly logitPMaxOffset: number;
  /** Weight of the cold-start/declared complexity, prior mean 1 (default 0.25). */
  readonly prior: number;
  /** Weight of the cold-start estimate's deviation from 4, prior mean 0 (default 0.25). */
  readonly coldStart: number;
  /** Weight of the `declared` indicator, prior mean 0 (default 0.5). */
  readonly declared: number;
  /** Domain difficulty, prior mean 0 (default 1). */
  readonly domain: number;
  /** Length features, prior mean 0 (default 0.5). */
  readonly length: number;
  /** Each hashed n-gram weight, prior mean 0 (default 1). */
  readonly ngram: number;
}

export const DEFAULT_PRIOR_SIGMAS: PriorSigmas = {
  ability: 1.5,
  abilityOffset: 1.5,
  logSlope: 0.1,
  logSlopeOffset: 0.05,
  logitPMax: 1,
  logitPMaxOffset: 1,
  prior: 0.25,
  coldStart: 0.25,
  declared: 0.5,
  domain: 1,
  length: 0.5,
  ngram: 1,
};

export interface LearnerOptions extends FeatureOptions {
  readonly priorSigmas?: Partial<PriorSigmas>;
  /** Most (agent, domain) and domain-difficulty entries kept; beyond it new ones are not learned (default 100 000). */
  readonly maxEntries?: number;
  /** Gauss–Newton iterations per update (default 6). */
  readonly iterations?: number;
  /**
   * Learn the prior widths of the per-domain ability offsets (per agent) and of the domain difficulties from the data
   * (empirical Bayes); `true` for the defaults of `EmpiricalBayesOptions`. Default off: the fixed `priorSigmas`.
   */
  readonly empiricalBayes?: boolean | EmpiricalBayesOptions;
  /**
   * Probability that a failed attempt is reported as a success — a verifier's false-accept rate (1 − its
   * specificity) — in [0, 0.5); default 0. The outcomes are then learned as P(reported success) = f + (1 − f) · P, so
   * the curves stay those of TRUE success: without it an agent that never succeeds is learned at P ≈ f with a flat,
   * low-pMax curve, and every agent's ceiling absorbs the verifier's noise.
   */
  readonly falseSuccessRate?: number;
  /**
   * Anchor declared difficulties (default false): a task whose complexity is declared (its `declared` feature is 1)
   * has that value as its difficulty (standard deviation 0), and its outcomes update only the agent's parameters,
   * never the difficulty weights, so whatever an outcome contradicts is the agent's (undeclared tasks learn c(x) as
   * before; a Router's task put on the declared scale, `RouterOptions.declaredScale`, carries `declared` 1 and is
   * anchored at its predicted value too). Binary outcomes cannot tell a shift of
   * every difficulty from the opposite shift of every ability the outcomes touch; learned freely, the scale drifts
   * with the agents that are tried most (e.g. free agents whose wrong answers a verifier sometimes accepts) away
   * from the declared scale that the agents not tried yet are still on. For clients whose declarations are unbiased.
   */
  readonly anchorDeclared?: boolean;
}

/** A Gaussian belief: mean and variance. */
type Belief = MutableBelief;

interface AgentBeliefs {
  /** [ability, log slope, logit pMax], agent-wide. */
  global: [Belief, Belief, Belief];
  /** The same, per-domain offsets. */
  domains: Record<string, [Belief, Belief, Belief]>;
}

/** A group of beliefs sharing one learned prior width: its variance and each member's prior mean. */
export interface WidthState {
  readonly variance: number;
  readonly priorMeans: Record<string, number>;
}

export interface LearnerState {
  readonly version: 1;
  readonly hashBits: number;
  readonly ngramScale: number;
  readonly observations: number;
  readonly agents: Record<string, AgentBeliefs>;
  readonly named: Record<string, Belief>;
  /** Hashed weights that moved from the prior: [bucket, mean, variance]. */
  readonly hashed: Array<[number, number, number]>;
  /**
   * Learned prior widths (empirical Bayes), keyed `ability-offset:<agent id>` (members: domains) and
   * `domain-difficulty` (members: `domain:<d>` weights). Absent when empirical Bayes is off.
   */
  readonly widths?: Record<string, WidthState>;
}

/** A group of beliefs with one learned prior variance (empirical Bayes). */
interface WidthGroup {
  variance: number;
  readonly baseVariance: number;
  readonly members: Map<string, GroupMember>;
}

const DOMAIN_GROUP = 'domain-difficulty';
const ABILITY_GROUP_PREFIX = 'ability-offset:';
const abilityGroup = (agentId: string) => `${ABILITY_GROUP_PREFIX}${agentId}`;

/** The learned curve of one agent in one domain (means), with the ability's standard deviation. */
export interface LearnedCurve {
  readonly ability: number;
  readonly abilitySigma: number;
  readonly slope: number;
  readonly pMax: number;
}

export interface Difficulty {
  readonly value: number;
  readonly sigma: number;
}

/** Slope and pMax within the profile schema's bounds (spec §4.1). */
const MIN_SLOPE = 0.25;
const MAX_SLOPE = 16;
const MIN_PMAX = 1e-3;
const MAX_PMAX = 1 - 1e-6;
const P_EPSILON = 1e-6;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** The declared curve of a profile for a domain (exact domain, else `general`), as the spec's matcher finds it. */
export function declaredCurve(profile: CapabilityProfile, domain: string): DomainCeiling | undefined {
  return profile.domains.find((d) => d.domain === domain) ?? profile.domains.find((d) => d.domain === 'general');
}

const logitPMax = (pMax: number) => logit(clamp(pMax, 0.02, 0.98));

/** Roles of the parameters an outcome touches. */
const ABILITY = 0;
const SLOPE = 1;
const PMAX = 2;
const WEIGHT = 3;

export class OnlineIrtLearner implements ComplexityEstimator {
  readonly name = 'online-irt';
  readonly #sigmas: PriorSigmas;
  readonly #hashBits: number;
  readonly #ngramScale: number;
  readonly #maxEntries: number;
  readonly #iterations: number;
  readonly #falseSuccess: number;
  readonly #anchorDeclared: boolean;
  readonly #agents: Record<string, AgentBeliefs> = {};
  readonly #named = new Map<string, Belief>();
  readonly #hashedMean: Float64Array;
  readonly #hashedVar: Float64Array;
  readonly #empiricalBayes: Required<EmpiricalBayesOptions> | undefined;
  readonly #widths = new Map<string, WidthGroup>();
  #entries = 0;
  #observations = 0;
  readonly #listeners = new Set<(agentId: string) => void>();

  constructor(options: LearnerOptions = {}, state?: LearnerState) {
    this.#sigmas = { ...DEFAULT_PRIOR_SIGMAS, ...options.priorSigmas };
    for (const [k, v] of Object.entries(this.#sigmas)) {
      if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`prior sigma ${k} must be a positive number`);
    }
    this.#hashBits = state?.hashBits ?? options.hashBits ?? 16;
    if (!Number.isInteger(this.#hashBits) || this.#hashBits < 4 || this.#hashBits > 24)
      throw new RangeError('hashBits must be an integer from 4 to 24');
    this.#ngramScale = state?.ngramScale ?? options.ngramScale ?? 0;
    this.#maxEntries = options.maxEntries ?? 100_000;
    this.#iterations = options.iterations ?? 6;
    this.#falseSuccess = options.falseSuccessRate ?? 0;
    this.#anchorDeclared = options.anchorDeclared ?? false;
    if (!(this.#falseSuccess >= 0 && this.#falseSuccess < 0.5))
      throw new RangeError('falseSuccessRate must be in [0, 0.5)');
    const eb = options.empiricalBayes;
    this.#empiricalBayes = eb ? { every: 64, pseudoCount: 2, ...(eb === true ? {} : eb) } : undefined;
    if (this.#empiricalBayes) {
      const { every, pseudoCount } = this.#empiricalBayes;
      if (!Number.isInteger(every) || every < 1) throw new RangeError('empiricalBayes.every must be an integer ≥ 1');
      if (!(pseudoCount > 0) || !Number.isFinite(pseudoCount))
        throw new RangeError('empiricalBayes.pseudoCount must be a positive number');
    }
    const size = 1 << this.#hashBits;
    this.#hashedMean = new Float64Array(size);
    this.#hashedVar = new Float64Array(size).fill(this.#sigmas.ngram ** 2);
    if (state) this.#load(state);
  }

  static fromJSON(state: LearnerState, options: LearnerOptions = {}): OnlineIrtLearner {
    if (state?.version !== 1) throw new Error(`unsupported learner state version ${String(state?.version)}`);
    return new OnlineIrtLearner(options, state);
  }

  /** Bits of the n-gram hash (features' buckets are below 2^hashBits). */
  get hashBits(): number {
    return this.#hashBits;
  }

  /**
   * Calls `listener` with the agent's id after each outcome that changes its curves (so a cache of learned profiles,
   * such as the Router's candidate index, stays exact); returns a function that removes the listener.
   */
  onAgentChange(listener: (agentId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Outcomes learned so far. */
  get observations(): number {
    return this.#observations;
  }

  /** The features of a task, with this learner's hashing settings. */
  features(text: string, domain: string, declaredComplexity?: number): TaskFeatures {
    return taskFeatures(
      { text, domain, declaredComplexity },
      { hashBits: this.#hashBits, ngramScale: this.#ngramScale },
    );
  }

  #namedPrior(name: string): Belief {
    const s = this.#sigmas;
    if (name === 'prior') return [1, s.prior ** 2];
    if (name === 'declared') return [0, s.declared ** 2];
    if (name === 'cold-start') return [0, s.coldStart ** 2];
    if (name.startsWith('domain:')) return [0, this.#widthOf(DOMAIN_GROUP, s.domain ** 2)];
    return [0, s.length ** 2];
  }

  /** The prior variance of a group's members: learned under empirical Bayes, else the fixed one. */
  #widthOf(group: string, baseVariance: number): number {
    return this.#widths.get(group)?.variance ?? baseVariance;
  }

  /** Registers a new belief as a member of a learned-width group (empirical Bayes only). */
  #join(group: string, baseVariance: number, member: string, belief: Belief, priorMean: number): void {
    if (!this.#empiricalBayes) return;
    let g = this.#widths.get(group);
    if (!g) {
      g = { variance: baseVariance, baseVariance, members: new Map() };
      this.#widths.set(group, g);
    }
    g.members.set(member, { belief, priorMean });
  }

  /** Refits every group's prior variance and re-weights its members' priors (empirical Bayes, every n outcomes). */
  /** Refits every width group; returns the agents whose ability offsets were re-weighted (their curves changed). */
  #refitWidths(): string[] {
    const eb = this.#empiricalBayes;
    if (!eb) return [];
    const changed: string[] = [];
    for (const [key, g] of this.#widths) {
      if (key.startsWith(ABILITY_GROUP_PREFIX)) changed.push(key.slice(ABILITY_GROUP_PREFIX.length));
      const members = [...g.members.values()];
      const messages = members.map((m) => messageOf(m.belief, m.priorMean, g.variance));
      const variance = fitPriorVariance(messages, g.baseVariance, eb.pseudoCount);
      for (const [i, m] of members.entries()) {
        const next = withPrior(messages[i] as (typeof messages)[number], m.priorMean, variance);
        m.belief[0] = next[0];
        m.belief[1] = next[1];
      }
      g.variance = variance;
    }
    return changed;
  }

  /** The belief of a named weight; created (if memory allows) when `create`. */
  #namedBelief(name: string, create: boolean): Belief {
    let b = this.#named.get(name);
    if (!b) {
      b = this.#namedPrior(name);
      if (create && this.#entries < this.#maxEntries) {
        this.#named.set(name, b);
        if (name.startsWith('domain:')) {
          this.#entries++;
          this.#join(DOMAIN_GROUP, this.#sigmas.domain ** 2, name, b, 0);
        }
      }
    }
    return b;
  }

  #agentBeliefs(agentId: string, profile: CapabilityProfile, domain: string, create: boolean) {
    const s = this.#sigmas;
    let agent = this.#agents[agentId];
    if (!agent) {
      const curves = profile.domains;
      const general = curves.find((d) => d.domain === 'general');
      const g = general?.ability ?? curves.reduce((sum, d) => sum + d.ability, 0) / Math.max(1, curves.length);
      const slope = general?.slope ?? DEFAULTS.slope;
      const pMax = general?.pMax ?? DEFAULTS.pMax;
      agent = {
        global: [
          [g, s.ability ** 2],
          [Math.log(slope), s.logSlope ** 2],
          [logitPMax(pMax), s.logitPMax ** 2],
        ],
        domains: {},
      };
      if (create) this.#agents[agentId] = agent;
    }
    let offsets = agent.domains[domain];
    if (!offsets) {
      const declared = declaredCurve(profile, domain);
      const [g, k, p] = agent.global;
      const group = abilityGroup(agentId);
      offsets = [
        [(declared?.ability ?? g[0]) - g[0], this.#widthOf(group, s.abilityOffset ** 2)],
        [Math.log(declared?.slope ?? DEFAULTS.slope) - k[0], s.logSlopeOffset ** 2],
        [logitPMax(declared?.pMax ?? DEFAULTS.pMax) - p[0], s.logitPMaxOffset ** 2],
      ];
      if (create && this.#entries < this.#maxEntries) {
        agent.domains[domain] = offsets;
        this.#entries++;
        this.#join(group, s.abilityOffset ** 2, domain, offsets[ABILITY], offsets[ABILITY][0]);
      }
    }
    return { global: agent.global, offsets };
  }

  /** The learned curve of an agent in a domain (posterior means; the prior when nothing was observed). */
  curve(agentId: string, profile: CapabilityProfile, domain: string): LearnedCurve {
    const { global, offsets } = this.#agentBeliefs(agentId, profile, domain, false);
    return {
      ability: global[ABILITY][0] + offsets[ABILITY][0],
      abilitySigma: Math.sqrt(global[ABILITY][1] + offsets[ABILITY][1]),
      slope: clamp(Math.exp(global[SLOPE][0] + offsets[SLOPE][0]), MIN_SLOPE, MAX_SLOPE),
      pMax: clamp(logistic(global[PMAX][0] + offsets[PMAX][0]), MIN_PMAX, MAX_PMAX),
    };
  }

  /** A curve drawn from the posterior (Thompson sampling). */
  sampleCurve(agentId: string, profile: CapabilityProfile, domain: string, rng: Prng): LearnedCurve {
    const { global, offsets } = this.#agentBeliefs(agentId, profile, domain, false);
    const draw = (role: number) =>
      rng.normal(
        (global[role] as Belief)[0] + (offsets[role] as Belief)[0],
        Math.sqrt((global[role] as Belief)[1] + (offsets[role] as Belief)[1]),
      );
    const ability = draw(ABILITY);
    return {
      ability,
      abilitySigma: 0,
      slope: clamp(Math.exp(draw(SLOPE)), MIN_SLOPE, MAX_SLOPE),
      pMax: clamp(logistic(draw(PMAX)), MIN_PMAX, MAX_PMAX),
    };
  }

  /**
   * The learned difficulty c(x): its posterior mean and standard deviation, on the complexity scale. An anchored
   * declared task's weights are fixed by assumption (`anchorDeclared`): standard deviation 0.
   */
  difficulty(features: TaskFeatures): Difficulty {
    if (this.#anchored(features)) return { value: declaredValue(features), sigma: 0 };
    let value = 0;
    let variance = 0;
    for (const [name, x] of features.named) {
      const [m, v] = this.#namedBelief(name, false);
      value += m * x;
      variance += v * x * x;
    }
    for (const [bucket, x] of features.hashed) {
      value += (this.#hashedMean[bucket] as number) * x;
      variance += (this.#hashedVar[bucket] as number) * x * x;
    }
    return { value, sigma: Math.sqrt(variance) };
  }

  /** Whether outcomes of this task leave the difficulty weights alone (`anchorDeclared` and a declared task). */
  #anchored(features: TaskFeatures): boolean {
    return this.#anchorDeclared && features.named.some(([name, x]) => name === 'declared' && x === 1);
  }

  /** ComplexityEstimator: the learned difficulty of a text (no declared complexity), on the spec's scale. */
  estimate(input: EstimatorInput): ComplexityEstimate {
    const d = this.difficulty(this.features(input.text, input.domain ?? 'general'));
    return { value: clamp(d.value, 0, 64), sigma: d.sigma, source: 'estimated', estimator: this.name };
  }

  /** P(success) at the posterior means, with c(x) at its mean (the matcher integrates over its sigma instead). */
  successAtMean(agentId: string, profile: CapabilityProfile, features: TaskFeatures): number {
    const domain = domainOf(features);
    const curve = this.curve(agentId, profile, domain);
    return curve.pMax * logistic(curve.slope * (curve.ability - this.difficulty(features).value));
  }

  /**
   * Learn one binary outcome of `agentId` on the task with these features. `profile` is the agent's declared profile
   * (the prior, used the first time the agent or domain is seen).
   */
  observe(agentId: string, profile: CapabilityProfile, features: TaskFeatures, success: boolean): void {
    const domain = domainOf(features);
    const { global, offsets } = this.#agentBeliefs(agentId, profile, domain, true);
    // Anchored: the task's difficulty is its declared value, one fixed term (variance 0, not written back).
    const anchored = this.#anchored(features);
    const namedBeliefs = anchored ? [] : features.named.map(([name]) => this.#namedBelief(name, true));
    const terms: ReadonlyArray<readonly [number, number, number]> = anchored
      ? [[declaredValue(features), 1, 0]]
      : [
          ...features.named.map(([, value], j) => [value, ...(namedBeliefs[j] as Belief)] as const),
          ...features.hashed.map(
            ([bucket, value]) =>
              [value, this.#hashedMean[bucket] as number, this.#hashedVar[bucket] as number] as const,
          ),
        ];
    const n = 6 + terms.length;
    const role = new Uint8Array(n);
    const x = new Float64Array(n).fill(1);
    const m0 = new Float64Array(n);
    const v = new Float64Array(n);
    let i = 0;
    for (const r of [ABILITY, SLOPE, PMAX]) {
      for (const b of [global[r] as Belief, offsets[r] as Belief]) {
        role[i] = r;
        m0[i] = b[0];
        v[i] = b[1];
        i++;
      }
    }
    for (const [value, mean, variance] of terms) {
      role[i] = WEIGHT;
      x[i] = value;
      m0[i] = mean;
      v[i] = variance;
      i++;
    }
    const { mean, variance } = laplaceUpdate(role, x, m0, v, success ? 1 : 0, this.#iterations, this.#falseSuccess);
    i = 0;
    for (const r of [ABILITY, SLOPE, PMAX]) {
      for (const b of [global[r] as Belief, offsets[r] as Belief]) {
        b[0] = mean[i] as number;
        b[1] = variance[i] as number;
        i++;
      }
    }
    for (const b of namedBeliefs) {
      b[0] = mean[i] as number;
      b[1] = variance[i] as number;
      i++;
    }
    for (const [bucket] of anchored ? [] : features.hashed) {
      this.#hashedMean[bucket] = mean[i] as number;
      this.#hashedVar[bucket] = variance[i] as number;
      i++;
    }
    this.#observations++;
    const refit = this.#empiricalBayes && this.#observations % this.#empiricalBayes.every === 0;
    const changed = refit ? this.#refitWidths() : [];
    for (const listener of this.#listeners) {
      listener(agentId);
      for (const other of changed) if (other !== agentId) listener(other);
    }
  }

  toJSON(): LearnerState {
    const prior = this.#sigmas.ngram ** 2;
    const hashed: Array<[number, number, number]> = [];
    for (let b = 0; b < this.#hashedMean.length; b++) {
      const m = this.#hashedMean[b] as number;
      const v = this.#hashedVar[b] as number;
      if (m !== 0 || v !== prior) hashed.push([b, m, v]);
    }
    return {
      version: 1,
      hashBits: this.#hashBits,
      ngramScale: this.#ngramScale,
      observations: this.#observations,
      agents: structuredClone(this.#agents),
      named: Object.fromEntries([...this.#named].map(([k, b]) => [k, [b[0], b[1]] as Belief])),
      hashed,
      ...(this.#widths.size > 0
        ? {
            widths: Object.fromEntries(
              [...this.#widths].map(([key, g]) => [
                key,
                {
                  variance: g.variance,
                  priorMeans: Object.fromEntries([...g.members].map(([m, { priorMean }]) => [m, priorMean])),
                },
              ]),
            ),
          }
        : {}),
    };
  }

  #load(state: LearnerState): void {
    const finite = (b: unknown): b is Belief =>
      Array.isArray(b) && b.length === 2 && Number.isFinite(b[0]) && Number.isFinite(b[1]) && b[1] > 0;
    const triple = (t: unknown): t is [Belief, Belief, Belief] => Array.isArray(t) && t.length === 3 && t.every(finite);
    for (const [id, agent] of Object.entries(state.agents ?? {})) {
      if (!triple(agent?.global)) throw new Error(`learner state: bad beliefs for agent ${id}`);
      const domains: AgentBeliefs['domains'] = {};
      for (const [d, t] of Object.entries(agent.domains ?? {})) {
        if (!triple(t)) throw new Error(`learner state: bad beliefs for agent ${id}, domain ${d}`);
        domains[d] = structuredClone(t);
        this.#entries++;
      }
      this.#agents[id] = { global: structuredClone(agent.global), domains };
    }
    for (const [name, b] of Object.entries(state.named ?? {})) {
      if (!finite(b)) throw new Error(`learner state: bad weight ${name}`);
      this.#named.set(name, [b[0], b[1]]);
      if (name.startsWith('domain:')) this.#entries++;
    }
    const size = this.#hashedMean.length;
    for (const entry of state.hashed ?? []) {
      const [b, m, v] = entry;
      if (!Number.isInteger(b) || b < 0 || b >= size || !Number.isFinite(m) || !(v > 0))
        throw new Error('learner state: bad hashed weight');
      this.#hashedMean[b] = m;
      this.#hashedVar[b] = v;
    }
    this.#observations = Number.isInteger(state.observations) ? state.observations : 0;
    if (this.#empiricalBayes) this.#loadWidths(state.widths ?? {});
  }

  /** Rebuilds the learned-width groups; beliefs a state lists without a prior mean keep their fixed prior. */
  #loadWidths(widths: Record<string, WidthState>): void {
    const s = this.#sigmas;
    for (const [key, w] of Object.entries(widths)) {
      if (!(w?.variance > 0) || !Number.isFinite(w.variance)) throw new Error(`learner state: bad width ${key}`);
      const agentId = key.startsWith(ABILITY_GROUP_PREFIX) ? key.slice(ABILITY_GROUP_PREFIX.length) : undefined;
      if (key !== DOMAIN_GROUP && agentId === undefined) throw new Error(`learner state: unknown width group ${key}`);
      const base = agentId === undefined ? s.domain ** 2 : s.abilityOffset ** 2;
      const group: WidthGroup = { variance: w.variance, baseVariance: base, members: new Map() };
      for (const [member, priorMean] of Object.entries(w.priorMeans ?? {})) {
        const belief =
          agentId === undefined ? this.#named.get(member) : this.#agents[agentId]?.domains[member]?.[ABILITY];
        if (!belief || !Number.isFinite(priorMean)) throw new Error(`learner state: bad width member ${key}/${member}`);
        group.members.set(member, { belief, priorMean });
      }
      this.#widths.set(key, group);
    }
  }
}

/** The declared complexity of a declared task's features (its `prior` feature). */
function declaredValue(features: TaskFeatures): number {
  for (const [name, x] of features.named) if (name === 'prior') return x;
  return DEFAULTS.unknownComplexity.value;
}

/** The domain of a feature vector (its `domain:` feature). */
function domainOf(features: TaskFeatures): string {
  for (const [name] of features.named) if (name.startsWith('domain:')) return name.slice(7);
  return 'general';
}

/**
 * The Laplace update of independent Gaussian beliefs (means m0, variances v) by one Bernoulli outcome y of
 * P = pMax·σ(k(a − c)) with a = Σ abilities, log k = Σ slopes, logit pMax = Σ pMax terms, c = Σ weight·x.
 * Gauss–Newton iterations for the posterior mode: linearising P at θ, the minimiser of
 * ½(θ'−m0)ᵀV⁻¹(θ'−m0) + ½w(y − P − J(θ'−θ))², w = 1/(P(1−P)), is θ' = m0 + V Jᵀ α with
 * α = w(y − P + J(θ − m0)) / (1 + w JVJᵀ) (Sherman–Morrison); its fixed point is the exact MAP (V⁻¹(θ−m0) = ∇log L).
 * The variances are the diagonal of the Laplace covariance (V⁻¹ + w JᵀJ)⁻¹ at the mode. With a false-success rate f
 * the outcome is Bernoulli(f + (1 − f) · P): the same steps with that probability, its Jacobian (1 − f) · J.
 * Exported for tests.
 */
export function laplaceUpdate(
  role: Uint8Array,
  x: Float64Array,
  m0: Float64Array,
  v: Float64Array,
  y: number,
  iterations: number,
  falseSuccess = 0,
): { mean: Float64Array; variance: Float64Array } {
  const n = role.length;
  const theta = Float64Array.from(m0);
  const J = new Float64Array(n);
  let w = 1;
  let s = 0;
  const jacobian = () => {
    let a = 0;
    let kappa = 0;
    let pi = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      const t = theta[i] as number;
      if (role[i] === ABILITY) a += t;
      else if (role[i] === SLOPE) kappa += t;
      else if (role[i] === PMAX) pi += t;
      else c += t * (x[i] as number);
    }
    const k = clamp(Math.exp(kappa), MIN_SLOPE, MAX_SLOPE);
    const slopeFree = k > MIN_SLOPE && k < MAX_SLOPE ? 1 : 0;
    const z = k * (a - c);
    const u = logistic(z);
    const p = logistic(pi);
    const P = clamp(falseSuccess + (1 - falseSuccess) * p * u, P_EPSILON, 1 - P_EPSILON);
    const du = u * (1 - u);
    for (let i = 0; i < n; i++) {
      const r = role[i];
      J[i] =
        (1 - falseSuccess) *
        (r === ABILITY
          ? p * k * du
          : r === SLOPE
            ? p * du * z * slopeFree
            : r === PMAX
              ? u * p * (1 - p)
              : -p * k * du * (x[i] as number));
    }
    w = 1 / (P * (1 - P));
    s = 0;
    for (let i = 0; i < n; i++) s += (J[i] as number) ** 2 * (v[i] as number);
    return P;
  };
  for (let it = 0; it < iterations; it++) {
    const P = jacobian();
    let shift = 0;
    for (let i = 0; i < n; i++) shift += (J[i] as number) * ((theta[i] as number) - (m0[i] as number));
    const alpha = (w * (y - P + shift)) / (1 + w * s);
    let change = 0;
    for (let i = 0; i < n; i++) {
      const next = (m0[i] as number) + (v[i] as number) * (J[i] as number) * alpha;
      change = Math.max(change, Math.abs(next - (theta[i] as number)));
      theta[i] = next;
    }
    if (change < 1e-9) break;
  }
  jacobian();
  const variance = new Float64Array(n);
  const denominator = 1 + w * s;
  for (let i = 0; i < n; i++) {
    const vi = v[i] as number;
    const reduced = vi - (w * (vi * (J[i] as number)) ** 2) / denominator;
    variance[i] = Math.max(reduced, vi * 1e-6);
  }
  return { mean: theta, variance };
}
