/**
 * Calibration of agents' curves from outcomes (spec §9.3: the joint penalised-likelihood fit of ability, slope and
 * pMax, with the declared curve as prior) and the sequential rule that accepts or rejects a declared ability
 * (spec §9.4). The state is plain JSON (`toJSON` / `Calibrator.fromJSON`) so a broker can persist it.
 */

import { budgetCeiling, capabilitySuccessAt, curveOf, DEFAULTS, reasoningOf } from '../math/predict.js';
import { logistic, logit } from '../math/stats.js';
import type { CalibratedDomain, Outcome } from '../model/index.js';
import type { CapabilityProfile, DomainCeiling } from '../model/profile.js';

/** Spec §9.3: prior standard deviation of the ability. */
export const PRIOR_SIGMA = 1.5;
/** Spec §9.3: prior standard deviation of ln(slope). */
export const SLOPE_PRIOR_SIGMA = 0.5;
/** Spec §9.3: prior standard deviation of logit(pMax); the declared pMax, clamped to [0.01, 0.99], is its centre. */
export const PMAX_PRIOR_SIGMA = 2;
const PMAX_PRIOR_CLAMP = 0.01;
/** Spec §9.3: outcomes are pooled per complexity rounded to this grid (1/100 of a unit). */
export const COMPLEXITY_GRID = 100;
/** Spec §9.3: outcomes before the calibrated curve replaces the declared one. */
export const MIN_OBSERVATIONS = 20;
/** Spec §9.4: |z| reported for information (calibration-in-the-large); the verdict uses the e-values below. */
export const Z_THRESHOLD = 3;
/** Spec §9.4: the effect-size margin δ: a declared ability off by at least δ is what the test looks for. */
export const EFFECT_MARGIN = 1;
/**
 * Spec §9.4: the false-alarm level α per agent and domain, for both directions together: each one-sided test
 * rejects when its e-value first reaches 2/α (Ville's inequality bounds each by α/2 however long it runs).
 */
export const FALSE_ALARM_LEVEL = 0.01;
const REJECT_LOG_E = Math.log(2 / FALSE_ALARM_LEVEL);

/** A success curve P(c) = pMax·σ(slope·(ability − c)) (spec §4.1). */
export interface Curve {
  readonly ability: number;
  readonly slope: number;
  readonly pMax: number;
}

/** Outcomes pooled at one complexity: `trials` (weighted, with decay) of which `successes` succeeded. */
export interface PooledOutcome {
  readonly complexity: number;
  readonly trials: number;
  readonly successes: number;
}

/** The joint fit of spec §9.3: the posterior mode, and its Laplace covariance in (a, ln k, logit pMax). */
export interface CurveFit extends Curve {
  readonly abilitySigma: number;
  /** Inverse of (Fisher information + prior precision) at the mode, rows/columns (a, ln k, logit pMax). */
  readonly covariance: readonly (readonly number[])[];
  readonly iterations: number;
}

type Vec3 = [number, number, number];
type Mat3 = [Vec3, Vec3, Vec3];

const clampP = (p: number) => Math.min(1 - 1e-12, Math.max(1e-12, p));

/** Spec §9.3: the prior centre and precisions in (a, ln k, logit pMax) for a declared curve. */
function priorOf(declared: Curve): { centre: Vec3; precision: Vec3 } {
  const p = Math.min(1 - PMAX_PRIOR_CLAMP, Math.max(PMAX_PRIOR_CLAMP, declared.pMax));
  return {
    centre: [declared.ability, Math.log(declared.slope), logit(p)],
    precision: [1 / PRIOR_SIGMA ** 2, 1 / SLOPE_PRIOR_SIGMA ** 2, 1 / PMAX_PRIOR_SIGMA ** 2],
  };
}

const curveAt = (t: Vec3): Curve => ({ ability: t[0], slope: Math.exp(t[1]), pMax: logistic(t[2]) });

/** Log posterior (up to a constant), gradient and expected information (Fisher + prior) at θ. */
function posterior(
  t: Vec3,
  data: readonly PooledOutcome[],
  prior: { centre: Vec3; precision: Vec3 },
): { value: number; gradient: Vec3; information: Mat3 } {
  const { ability: a, slope: k, pMax: p } = curveAt(t);
  let value = 0;
  const g: Vec3 = [0, 0, 0];
  const F: Mat3 = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (const { complexity: c, trials: n, successes: y } of data) {
    const z = k * (a - c);
    const u = logistic(z);
    const P = clampP(p * u);
    value += y * Math.log(P) + (n - y) * Math.log(1 - P);
    const slopeTerm = p * u * (1 - u);
    const d: Vec3 = [slopeTerm * k, slopeTerm * z, u * p * (1 - p)];
    const w = 1 / (P * (1 - P));
    const r = (y - n * P) * w;
    for (let i = 0; i < 3; i++) {
      g[i] = (g[i] as number) + r * (d[i] as number);
      for (let j = 0; j < 3; j++)
        (F[i] as Vec3)[j] = ((F[i] as Vec3)[j] as number) + n * w * (d[i] as number) * (d[j] as number);
    }
  }
  for (let i = 0; i < 3; i++) {
    const dev = (t[i] as number) - (prior.centre[i] as number);
    value -= 0.5 * (prior.precision[i] as number) * dev * dev;
    g[i] = (g[i] as number) - (prior.precision[i] as number) * dev;
    (F[i] as Vec3)[i] = ((F[i] as Vec3)[i] as number) + (prior.precision[i] as number);
  }
  return { value, gradient: g, information: F };
}

function inverse3(m: Mat3): Mat3 {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
}

const times = (m: Mat3, v: Vec3): Vec3 => m.map((row) => row[0] * v[0] + row[1] * v[1] + row[2] * v[2]) as Vec3;

/**
 * Spec §9.3: the joint fit of ability, slope and pMax to pooled outcomes: the mode of the posterior with independent
 * normal priors on a (sd 1.5), ln k (sd 0.5) and logit pMax (sd 2) centred on the declared curve, found by Fisher
 * scoring with step halving; the Laplace covariance is the inverse of the expected information plus the prior
 * precision at the mode.
 */
export function fitCurve(data: readonly PooledOutcome[], declared: Curve): CurveFit {
  const prior = priorOf(declared);
  let t: Vec3 = [...prior.centre];
  let state = posterior(t, data, prior);
  let iterations = 0;
  for (; iterations < 200; iterations++) {
    const step = times(inverse3(state.information), state.gradient);
    let scale = 1;
    let next: Vec3 = t;
    let nextState = state;
    for (let halvings = 0; halvings < 40; halvings++, scale /= 2) {
      next = [t[0] + scale * step[0], t[1] + scale * step[1], t[2] + scale * step[2]];
      nextState = posterior(next, data, prior);
      if (nextState.value >= state.value) break;
    }
    const moved = Math.max(...next.map((x, i) => Math.abs(x - (t[i] as number))));
    if (nextState.value < state.value) break;
    t = next;
    state = nextState;
    if (moved < 1e-10) break;
  }
  const covariance = inverse3(state.information);
  return { ...curveAt(t), abilitySigma: Math.sqrt(covariance[0][0]), covariance, iterations };
}

/**
 * Spec §9.4: the counted outcomes after which the pMax of the sequential test is refitted: every power of two, and
 * every multiple of 1024.
 */
export const isRefitPoint = (n: number): boolean => n > 0 && (n % 1024 === 0 || (n & (n - 1)) === 0);

interface Belief {
  declaredAbility: number | null;
  /** The declared (prior) curve: ability, slope and pMax. */
  ability: number;
  slope: number;
  pMax: number;
  /** Budget ceiling (null = none). */
  budgetCeiling: number | null;
  observations: number;
  /** Counted outcomes (below the budget ceiling), pooled per complexity·COMPLEXITY_GRID rounded: [trials, successes]. */
  pooled?: Record<string, [number, number]>;
  counted?: number;
  /** The pMax the sequential test uses: the joint fit's at the last refit point (the declared one before). */
  testPMax?: number;
  /** Sums for the z statistic against the declared curve (spec §9.4, informative). */
  successes: number;
  expected: number;
  variance: number;
  /**
   * ln of the e-values of the sequential tests against the declared ability − δ (over-claim) and + δ (under-claim),
   * with the declared slope and the refitted pMax.
   */
  logEOver?: number;
  logEUnder?: number;
  /** Their running maxima: the test rejects at the first crossing and stays rejected. */
  peakLogEOver?: number;
  peakLogEUnder?: number;
}

export interface CalibrationState {
  readonly version: 1;
  readonly agents: Record<string, Record<string, Belief>>;
}

export interface CalibratorOptions {
  /** Per-outcome decay of the pooled outcomes' weights, ρ in spec §9.3 (default 0: no forgetting). */
  readonly decay?: number;
}

function declaredCurve(profile: CapabilityProfile, domain: string): DomainCeiling | undefined {
  return profile.domains.find((d) => d.domain === domain) ?? profile.domains.find((d) => d.domain === 'general');
}

const pooledOf = (b: Belief): PooledOutcome[] =>
  Object.entries(b.pooled ?? {}).map(([key, [trials, successes]]) => ({
    complexity: Number(key) / COMPLEXITY_GRID,
    trials,
    successes,
  }));

export class Calibrator {
  readonly #agents: Record<string, Record<string, Belief>>;
  readonly #decay: number;
  /** Joint fits by belief, dropped when the belief changes (not part of the state). */
  readonly #fits = new WeakMap<Belief, CurveFit>();

  constructor(options: CalibratorOptions = {}, state?: CalibrationState) {
    this.#decay = options.decay ?? 0;
    if (this.#decay < 0 || this.#decay >= 1) throw new RangeError('decay must be in [0, 1)');
    this.#agents = state ? structuredClone(state.agents) : {};
  }

  static fromJSON(state: CalibrationState, options: CalibratorOptions = {}): Calibrator {
    if (state.version !== 1) throw new Error(`unsupported calibration state version ${String(state.version)}`);
    return new Calibrator(options, state);
  }

  toJSON(): CalibrationState {
    return { version: 1, agents: structuredClone(this.#agents) };
  }

  /** Forget an agent (e.g. when it leaves the registry). */
  forget(agentId: string): void {
    delete this.#agents[agentId];
  }

  #belief(agentId: string, domain: string, profile: CapabilityProfile): Belief {
    let domains = this.#agents[agentId];
    if (!domains) {
      domains = {};
      this.#agents[agentId] = domains;
    }
    let belief = domains[domain];
    if (!belief) {
      const declared = declaredCurve(profile, domain);
      const curve = declared ? curveOf(declared) : { ability: 0, slope: DEFAULTS.slope, pMax: DEFAULTS.pMax };
      const cB = budgetCeiling(reasoningOf(profile.reasoning));
      belief = {
        declaredAbility: declared?.ability ?? null,
        ability: curve.ability,
        slope: curve.slope,
        pMax: curve.pMax,
        budgetCeiling: Number.isFinite(cB) ? cB : null,
        observations: 0,
        successes: 0,
        expected: 0,
        variance: 0,
      };
      domains[domain] = belief;
    }
    return belief;
  }

  /**
   * Spec §9.3: update the agent's belief for the outcome's domain; `profile` is the agent's declared profile.
   * Outcomes labelled by the agent itself (`evidence: "self-reported"`) are ignored: only verified or
   * client-confirmed outcomes calibrate.
   */
  observe(outcome: Outcome, profile: CapabilityProfile): void {
    if (outcome.evidence === 'self-reported') return;
    const b = this.#belief(outcome.agentId, outcome.domain, profile);
    const c = outcome.complexity;
    const y = outcome.success ? 1 : 0;
    const aboveBudget = b.budgetCeiling !== null && c > b.budgetCeiling;
    // z-test sums against the declared curve, with the budget cut (spec §9.4).
    if (b.declaredAbility !== null) {
      const p = aboveBudget ? 0 : capabilitySuccessAt({ ability: b.declaredAbility, slope: b.slope, pMax: b.pMax }, c);
      b.expected += p;
      b.variance += p * (1 - p);
    }
    if (b.declaredAbility !== null && !aboveBudget) {
      // Spec §9.4: likelihood ratios of the declared ability shifted by ∓δ against the declared ability, all with the
      // declared slope and the pMax of the joint fit at the last refit point (so a model that fails some easy tasks is
      // explained by its pMax, not by a lower ability): their running products are the e-processes.
      const tested = { ability: b.declaredAbility, slope: b.slope, pMax: b.testPMax ?? b.pMax };
      const p0 = clampTest(capabilitySuccessAt(tested, c));
      const lower = clampTest(capabilitySuccessAt({ ...tested, ability: b.declaredAbility - EFFECT_MARGIN }, c));
      const higher = clampTest(capabilitySuccessAt({ ...tested, ability: b.declaredAbility + EFFECT_MARGIN }, c));
      const lr = (p1: number) => (y === 1 ? Math.log(p1 / p0) : Math.log((1 - p1) / (1 - p0)));
      b.logEOver = (b.logEOver ?? 0) + lr(lower);
      b.logEUnder = (b.logEUnder ?? 0) + lr(higher);
      b.peakLogEOver = Math.max(b.peakLogEOver ?? 0, b.logEOver);
      b.peakLogEUnder = Math.max(b.peakLogEUnder ?? 0, b.logEUnder);
    }
    b.successes += y;
    b.observations++;
    if (aboveBudget) return; // a failure above the budget ceiling says nothing about ability
    this.#fits.delete(b);
    const pooled = b.pooled ?? {};
    b.pooled = pooled;
    if (this.#decay > 0) {
      for (const cell of Object.values(pooled)) {
        cell[0] *= 1 - this.#decay;
        cell[1] *= 1 - this.#decay;
      }
    }
    const key = String(Math.floor(c * COMPLEXITY_GRID + 0.5));
    const cell = pooled[key] ?? [0, 0];
    cell[0] += 1;
    cell[1] += y;
    pooled[key] = cell;
    b.counted = (b.counted ?? 0) + 1;
    if (b.declaredAbility !== null && isRefitPoint(b.counted)) {
      b.testPMax = this.#fit(b).pMax;
    }
  }

  /** Spec §9.3: the joint fit of the belief's pooled outcomes, cached until the next outcome. */
  #fit(b: Belief): CurveFit {
    let fit = this.#fits.get(b);
    if (!fit) {
      fit = fitCurve(pooledOf(b), { ability: b.ability, slope: b.slope, pMax: b.pMax });
      this.#fits.set(b, fit);
    }
    return fit;
  }

  /** Spec §9.3–§9.4: the calibration report of an agent, one row per domain observed. */
  report(agentId: string): CalibratedDomain[] {
    return Object.entries(this.#agents[agentId] ?? {}).map(([domain, b]) => {
      const z = b.variance > 0 ? (b.successes - b.expected) / Math.sqrt(b.variance) : null;
      const threshold = REJECT_LOG_E;
      const peakOver = b.peakLogEOver ?? 0;
      const peakUnder = b.peakLogEUnder ?? 0;
      const verdict =
        b.declaredAbility === null
          ? 'insufficient-data'
          : peakOver >= threshold
            ? 'over-claimed'
            : peakUnder >= threshold
              ? 'under-claimed'
              : b.observations < MIN_OBSERVATIONS
                ? 'insufficient-data'
                : 'consistent';
      const fit = this.#fit(b);
      return {
        domain,
        declaredAbility: b.declaredAbility,
        ability: fit.ability,
        abilitySigma: fit.abilitySigma,
        slope: fit.slope,
        pMax: fit.pMax,
        observations: b.observations,
        verdict,
        z,
        eOverClaim: Math.exp(peakOver),
        eUnderClaim: Math.exp(peakUnder),
      };
    });
  }

  /**
   * Spec §9.4: the (agent, domain) pairs flagged across the whole registry with false-discovery control: the e-BH
   * procedure over every over- and under-claim e-value at level `alpha` (default 1 %): with K tests, reject the k
   * largest e-values where the k-th largest is at least K/(alpha·k).
   */
  flagged(
    alpha = FALSE_ALARM_LEVEL,
  ): Array<{ agentId: string; domain: string; verdict: 'over-claimed' | 'under-claimed' }> {
    const tests: Array<{ agentId: string; domain: string; verdict: 'over-claimed' | 'under-claimed'; e: number }> = [];
    for (const [agentId, domains] of Object.entries(this.#agents)) {
      for (const [domain, b] of Object.entries(domains)) {
        if (b.declaredAbility === null) continue;
        tests.push({ agentId, domain, verdict: 'over-claimed', e: Math.exp(b.logEOver ?? 0) });
        tests.push({ agentId, domain, verdict: 'under-claimed', e: Math.exp(b.logEUnder ?? 0) });
        // (e-BH needs e-values, i.e. the processes at a stopping time: their current values, not their peaks.)
      }
    }
    return eBenjaminiHochberg(
      tests.map((t) => t.e),
      alpha,
    ).map((i) => {
      const { agentId, domain, verdict } = tests[i] as (typeof tests)[number];
      return { agentId, domain, verdict };
    });
  }

  /**
   * The profile to predict with: the declared one, with each domain's curve (ability, slope, pMax) replaced by the
   * joint fit once it has MIN_OBSERVATIONS outcomes (spec §9.3). Domains observed but not declared are added.
   */
  calibratedProfile(agentId: string, profile: CapabilityProfile): CapabilityProfile {
    const beliefs = this.#agents[agentId];
    if (!beliefs) return profile;
    const fitted = (b: Belief) => {
      const { ability, slope, pMax } = this.#fit(b);
      return { ability, slope, pMax };
    };
    const domains = profile.domains.map((d) => {
      const b = beliefs[d.domain];
      return b && b.observations >= MIN_OBSERVATIONS ? { ...d, ...fitted(b) } : d;
    });
    for (const [domain, b] of Object.entries(beliefs)) {
      if (b.observations >= MIN_OBSERVATIONS && !domains.some((d) => d.domain === domain)) {
        domains.push({ domain, ...fitted(b) });
      }
    }
    return { ...profile, domains };
  }
}

const clampTest = (p: number) => Math.min(1 - 1e-9, Math.max(1e-9, p));

/** The e-BH procedure (Wang & Ramdas 2022): indices of the e-values rejected at FDR level alpha. */
export function eBenjaminiHochberg(eValues: readonly number[], alpha: number): number[] {
  const k = eValues.length;
  const order = eValues.map((e, i) => ({ e, i })).sort((a, b) => b.e - a.e);
  let cut = 0;
  for (let j = 1; j <= k; j++) if ((order[j - 1] as { e: number }).e >= k / (alpha * j)) cut = j;
  return order.slice(0, cut).map((o) => o.i);
}
