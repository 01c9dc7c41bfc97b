/**
 * Exploration by Thompson sampling with a budget (issue 10, item 3). Each decision draws the agents' curves and the
 * task's difficulty from the learner's posterior and decides on the draw; when the drawn choice differs from the
 * greedy one (posterior means) the decision is exploratory. The budget caps the share of exploratory decisions:
 * once explored/decisions would exceed it, the greedy choice is kept. `enabled: false` turns exploration off. With
 * `decayAfter: n₀` the cap is that share for the first n₀ decisions and budget · √(n₀ · n) after n (the share falls as
 * 1/√n): near a decision boundary posterior draws keep flipping the choice however much is known, so a constant share
 * keeps paying for exploration long after it informs anything.
 *
 * With `lambdaRange`, exploration serves the whole λ dial rather than the Router's own λ: each decision draws a λ'
 * log-uniformly from the range and explores only where the posterior draw's choice at λ' differs from the posterior
 * means' choice at λ' — that is, where the belief about the agents straddles the decision boundary of some setting of
 * the dial. An operator who turns the dial later then finds outcomes where its new setting is uncertain.
 *
 * Information probes (`probe`, off by default): Thompson sampling at a low λ rarely draws the pricier agent (its draw
 * must beat the price gap), so a Router that starts from equal priors at a low λ never learns where that agent is
 * better, and at a high λ never learns where the cheaper one is as good. A probe sends the task to an alternative when
 * the posterior standard deviation of the alternative's success on it is at least `minSpread` (the learner does not
 * yet know it on tasks like this one; its outcome is the information) and the alternative is optimistically worth its
 * price at the Router's λ: λ · (P̄_alt − P̄_greedy + z·s) > cost_alt − cost_greedy, s the spread of their difference,
 * z = `optimism` — information that could change a decision at this λ. Each probe's outcome shrinks that spread, so the
 * probes of an (agent, domain) stop once it is known to `minSpread`: their number is bounded by the data, not by a
 * share of the traffic, and they fall where the learner knows least (new domains, mid-difficulty tasks) and early.
 */
import { mulberry32, type Prng } from '../math/prng.js';
import type { Assessment } from '../routing/match.js';
import type { SpreadOf } from './dial.js';

/** Information probes (see the module comment). */
export interface ProbeOptions {
  /** Probe an alternative while the posterior sd of its success on the task is at least this (0 < x < 1). */
  readonly minSpread: number;
  /** z of the optimism gate (default 2). */
  readonly optimism?: number;
  /** Largest share of decisions that may probe (default 1: bounded by `minSpread` alone). */
  readonly budget?: number;
}

export interface ExplorationOptions {
  /** Default true. */
  readonly enabled?: boolean;
  /** Largest share of decisions that may explore (default 0.1). */
  readonly budget?: number;
  /**
   * Decisions after which the budget decays (default none: a constant share). Beyond n₀ decisions the explored count
   * is capped at budget · √(n₀ · n) rather than budget · n, so the share falls as 1/√n: a learner that has seen n₀
   * outcomes explores less and less (the schedule of ε-greedy with ε ∝ 1/√t, applied to Thompson draws).
   */
  readonly decayAfter?: number;
  /** Seed of the sampling PRNG (default 1), for reproducible runs. */
  readonly seed?: number;
  /** Explore for every λ in [lo, hi] (0 < lo ≤ hi), not only the Router's λ; applies when the Router decides by λ. */
  readonly lambdaRange?: readonly [number, number];
  /** Information probes (module comment); absent: none. Apply when the Router decides by λ. */
  readonly probe?: ProbeOptions;
}

export interface ExplorationState {
  readonly decisions: number;
  readonly explored: number;
  /** Decisions that probed (absent in states written before probes existed: 0). */
  readonly probes?: number;
  /** The sampling PRNG's position (its Mulberry32 state), so a restored Router continues the same sequence. */
  readonly rng?: number;
}

/** Mulberry32's state advances by this constant per draw (spec §9.2). */
const MULBERRY32_STEP = 0x6d2b79f5;

/**
 * Mulberry32 that knows its position: after k draws from state s its state is s + k·STEP (mod 2³²), so
 * `mulberry32(state)` continues the same sequence. `normal` takes two draws, `next` and `int` one (Prng's contract,
 * checked by the round-trip test).
 */
class ResumablePrng implements Prng {
  readonly #start: number;
  readonly #inner: Prng;
  #draws = 0;

  constructor(state: number) {
    this.#start = state >>> 0;
    this.#inner = mulberry32(this.#start);
  }

  next(): number {
    this.#draws = (this.#draws + 1) >>> 0;
    return this.#inner.next();
  }

  int(lo: number, hi: number): number {
    this.#draws = (this.#draws + 1) >>> 0;
    return this.#inner.int(lo, hi);
  }

  normal(mean?: number, sd?: number): number {
    this.#draws = (this.#draws + 2) >>> 0;
    return this.#inner.normal(mean, sd);
  }

  get state(): number {
    return (this.#start + Math.imul(this.#draws, MULBERRY32_STEP)) >>> 0;
  }
}

export class ThompsonExploration {
  readonly enabled: boolean;
  readonly budget: number;
  readonly lambdaRange: readonly [number, number] | undefined;
  readonly probe: Required<ProbeOptions> | undefined;
  readonly decayAfter: number | undefined;
  readonly #rng: ResumablePrng;
  #decisions: number;
  #explored: number;
  #probes: number;

  constructor(options: ExplorationOptions = {}, state?: ExplorationState) {
    this.enabled = options.enabled ?? true;
    this.budget = options.budget ?? 0.1;
    if (!(this.budget >= 0 && this.budget <= 1)) throw new RangeError('exploration budget must be in [0, 1]');
    const range = options.lambdaRange;
    if (range !== undefined && !(range[0] > 0 && range[1] >= range[0] && Number.isFinite(range[1])))
      throw new RangeError('exploration lambdaRange must be [lo, hi] with 0 < lo ≤ hi < ∞');
    this.lambdaRange = range;
    this.decayAfter = options.decayAfter;
    if (this.decayAfter !== undefined && !(Number.isInteger(this.decayAfter) && this.decayAfter >= 1))
      throw new RangeError('exploration decayAfter must be an integer ≥ 1');
    const probe = options.probe;
    if (probe !== undefined) {
      this.probe = { optimism: 2, budget: 1, ...probe };
      const { minSpread, optimism, budget } = this.probe;
      if (!(minSpread > 0 && minSpread < 1)) throw new RangeError('exploration probe minSpread must be in (0, 1)');
      if (!(optimism >= 0 && Number.isFinite(optimism)))
        throw new RangeError('exploration probe optimism must be a finite number ≥ 0');
      if (!(budget >= 0 && budget <= 1)) throw new RangeError('exploration probe budget must be in [0, 1]');
    }
    const count = (x: unknown, name: string) => {
      if (x === undefined) return 0;
      if (!Number.isInteger(x) || (x as number) < 0) throw new Error(`router state: bad exploration ${name}`);
      return x as number;
    };
    this.#decisions = count(state?.decisions, 'decisions');
    this.#explored = count(state?.explored, 'explored');
    this.#probes = count(state?.probes, 'probes');
    if (state?.rng !== undefined && !(Number.isInteger(state.rng) && state.rng >= 0 && state.rng < 2 ** 32))
      throw new Error('router state: bad exploration rng');
    this.#rng = new ResumablePrng(state?.rng ?? options.seed ?? 1);
  }

  get rng(): Prng {
    return this.#rng;
  }

  /** Whether this decision may explore (the budget would still hold if it did). */
  allowed(): boolean {
    const n = this.#decisions + 1;
    const decay = this.decayAfter;
    const cap = decay !== undefined && n > decay ? this.budget * Math.sqrt(decay * n) : this.budget * n;
    return this.enabled && this.#explored + 1 <= cap;
  }

  /**
   * The alternative to probe instead of `greedy` at λ (module comment), or undefined: probes off or over budget, no λ,
   * or no alternative both uncertain enough and optimistically worth its price. Among several, the most uncertain.
   */
  probeTarget(
    greedy: Assessment,
    pool: readonly Assessment[],
    lambda: number | undefined,
    spreadOf: SpreadOf,
  ): Assessment | undefined {
    const probe = this.probe;
    if (!this.enabled || !probe || lambda === undefined || this.#probes + 1 > probe.budget * (this.#decisions + 1))
      return undefined;
    let target: Assessment | undefined;
    let widest = 0;
    for (const a of pool) {
      if (a.agentId === greedy.agentId) continue;
      const own = spreadOf(a.agentId);
      if (!(own >= probe.minSpread) || own <= widest) continue;
      const spread = Math.hypot(own, spreadOf(greedy.agentId));
      const gain = a.predictions.success - greedy.predictions.success + probe.optimism * spread;
      const worth =
        lambda === Number.POSITIVE_INFINITY ? gain > 0 : lambda * gain > a.comparableCost - greedy.comparableCost;
      if (!worth) continue;
      target = a;
      widest = own;
    }
    return target;
  }

  /** The λ this decision explores for: the Router's own, or a log-uniform draw from `lambdaRange`. */
  targetLambda(lambda: number | undefined): number | undefined {
    const range = this.lambdaRange;
    if (lambda === undefined || range === undefined) return lambda;
    return range[0] * (range[1] / range[0]) ** this.#rng.next();
  }

  /** Count a decision: Thompson-exploratory, a probe, or neither. */
  record(explored: boolean, probed = false): void {
    this.#decisions++;
    if (explored) this.#explored++;
    if (probed) this.#probes++;
  }

  get share(): number {
    return this.#decisions === 0 ? 0 : this.#explored / this.#decisions;
  }

  /** Share of decisions that probed. */
  get probeShare(): number {
    return this.#decisions === 0 ? 0 : this.#probes / this.#decisions;
  }

  toJSON(): ExplorationState {
    return {
      decisions: this.#decisions,
      explored: this.#explored,
      ...(this.#probes > 0 ? { probes: this.#probes } : {}),
      rng: this.#rng.state,
    };
  }
}
