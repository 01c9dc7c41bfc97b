/**
 * Online calibration of agents' abilities from outcomes (spec §9.3) and the statistical rule that accepts or
 * rejects a declared ceiling (spec §9.4). The state is plain JSON (`toJSON` / `Calibrator.fromJSON`) so a broker can
 * persist it.
 */

import { budgetCeiling, capabilitySuccessAt, curveOf, DEFAULTS, reasoningOf } from '../math/predict.js';
import { logistic } from '../math/stats.js';
import type { CalibratedDomain, Outcome } from '../model/index.js';
import type { CapabilityProfile, DomainCeiling } from '../model/profile.js';

/** Spec §9.3: prior standard deviation of the ability belief. */
export const PRIOR_SIGMA = 1.5;
/** Spec §9.3: outcomes before the calibrated ability replaces the declared one. */
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

interface Belief {
  declaredAbility: number | null;
  /** Mean and precision (1/variance) of the ability belief. */
  ability: number;
  precision: number;
  slope: number;
  pMax: number;
  /** Budget ceiling (null = none). */
  budgetCeiling: number | null;
  observations: number;
  /** Sums for the z statistic against the declared curve (spec §9.4, informative). */
  successes: number;
  expected: number;
  variance: number;
  /** ln of the e-values of the sequential tests against a curve δ lower (over-claim) and δ higher (under-claim). */
  logEOver?: number;
  logEUnder?: number;
  /** Their running maxima: the sequential test rejects at the first crossing and stays rejected. */
  peakLogEOver?: number;
  peakLogEUnder?: number;
}

export interface CalibrationState {
  readonly version: 1;
  readonly agents: Record<string, Record<string, Belief>>;
}

export interface CalibratorOptions {
  /** Per-outcome decay of the precision, ρ in spec §9.3 (default 0: no forgetting). */
  readonly decay?: number;
}

function declaredCurve(profile: CapabilityProfile, domain: string): DomainCeiling | undefined {
  return profile.domains.find((d) => d.domain === domain) ?? profile.domains.find((d) => d.domain === 'general');
}

export class Calibrator {
  readonly #agents: Record<string, Record<string, Belief>>;
  readonly #decay: number;

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
        precision: 1 / (PRIOR_SIGMA * PRIOR_SIGMA),
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
      // Spec §9.4: likelihood ratios of the declared curve shifted by ∓δ against the declared curve: their running
      // products are e-processes (test martingales) under an honest agent, valid however often they are checked.
      const declaredCurve = { ability: b.declaredAbility, slope: b.slope, pMax: b.pMax };
      const p0 = clampP(capabilitySuccessAt(declaredCurve, c));
      const lower = clampP(capabilitySuccessAt({ ...declaredCurve, ability: b.declaredAbility - EFFECT_MARGIN }, c));
      const higher = clampP(capabilitySuccessAt({ ...declaredCurve, ability: b.declaredAbility + EFFECT_MARGIN }, c));
      const lr = (p1: number) => (y === 1 ? Math.log(p1 / p0) : Math.log((1 - p1) / (1 - p0)));
      b.logEOver = (b.logEOver ?? 0) + lr(lower);
      b.logEUnder = (b.logEUnder ?? 0) + lr(higher);
      b.peakLogEOver = Math.max(b.peakLogEOver ?? 0, b.logEOver);
      b.peakLogEUnder = Math.max(b.peakLogEUnder ?? 0, b.logEUnder);
    }
    b.successes += y;
    b.observations++;
    if (aboveBudget) return; // a failure above the budget ceiling says nothing about ability
    b.precision *= 1 - this.#decay;
    const u = logistic(b.slope * (b.ability - c));
    const P = Math.min(1 - 1e-9, Math.max(1e-9, b.pMax * u));
    const g = b.pMax * b.slope * u * (1 - u);
    const info = (g * g) / (P * (1 - P));
    const score = (g * (y - P)) / (P * (1 - P));
    b.precision += info;
    b.ability += score / b.precision;
  }

  /** Spec §9.3–§9.4: the calibration report of an agent, one row per domain observed. */
  report(agentId: string): CalibratedDomain[] {
    return Object.entries(this.#agents[agentId] ?? {}).map(([domain, b]) => {
      const z = b.variance > 0 ? (b.successes - b.expected) / Math.sqrt(b.variance) : null;
      const threshold = REJECT_LOG_E;
      const verdict =
        b.declaredAbility === null
          ? 'insufficient-data'
          : (b.peakLogEOver ?? 0) >= threshold
            ? 'over-claimed'
            : (b.peakLogEUnder ?? 0) >= threshold
              ? 'under-claimed'
              : b.observations < MIN_OBSERVATIONS
                ? 'insufficient-data'
                : 'consistent';
      return {
        domain,
        declaredAbility: b.declaredAbility,
        ability: b.ability,
        abilitySigma: 1 / Math.sqrt(b.precision),
        observations: b.observations,
        verdict,
        z,
        eOverClaim: Math.exp(b.peakLogEOver ?? 0),
        eUnderClaim: Math.exp(b.peakLogEUnder ?? 0),
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
   * The profile to predict with: the declared one, with each domain's ability replaced by the calibrated ability
   * once it has MIN_OBSERVATIONS outcomes (spec §9.3). Domains observed but not declared are added.
   */
  calibratedProfile(agentId: string, profile: CapabilityProfile): CapabilityProfile {
    const beliefs = this.#agents[agentId];
    if (!beliefs) return profile;
    const domains = profile.domains.map((d) => {
      const b = beliefs[d.domain];
      return b && b.observations >= MIN_OBSERVATIONS ? { ...d, ability: b.ability } : d;
    });
    for (const [domain, b] of Object.entries(beliefs)) {
      if (b.observations >= MIN_OBSERVATIONS && !domains.some((d) => d.domain === domain)) {
        domains.push({ domain, ability: b.ability, slope: b.slope, pMax: b.pMax });
      }
    }
    return { ...profile, domains };
  }
}

const clampP = (p: number) => Math.min(1 - 1e-9, Math.max(1e-9, p));

/** The e-BH procedure (Wang & Ramdas 2022): indices of the e-values rejected at FDR level alpha. */
export function eBenjaminiHochberg(eValues: readonly number[], alpha: number): number[] {
  const k = eValues.length;
  const order = eValues.map((e, i) => ({ e, i })).sort((a, b) => b.e - a.e);
  let cut = 0;
  for (let j = 1; j <= k; j++) if ((order[j - 1] as { e: number }).e >= k / (alpha * j)) cut = j;
  return order.slice(0, cut).map((o) => o.i);
}
