/**
 * Exploration by Thompson sampling with a budget (issue 10, item 3). Each decision draws the agents' curves and the
 * task's difficulty from the learner's posterior and decides on the draw; when the drawn choice differs from the
 * greedy one (posterior means) the decision is exploratory. The budget caps the share of exploratory decisions:
 * once explored/decisions would exceed it, the greedy choice is kept. `enabled: false` turns exploration off.
 */
import { mulberry32, type Prng } from '../math/prng.js';

export interface ExplorationOptions {
  /** Default true. */
  readonly enabled?: boolean;
  /** Largest share of decisions that may explore (default 0.1). */
  readonly budget?: number;
  /** Seed of the sampling PRNG (default 1), for reproducible runs. */
  readonly seed?: number;
}

export interface ExplorationState {
  readonly decisions: number;
  readonly explored: number;
}

export class ThompsonExploration {
  readonly enabled: boolean;
  readonly budget: number;
  readonly rng: Prng;
  #decisions: number;
  #explored: number;

  constructor(options: ExplorationOptions = {}, state?: ExplorationState) {
    this.enabled = options.enabled ?? true;
    this.budget = options.budget ?? 0.1;
    if (!(this.budget >= 0 && this.budget <= 1)) throw new RangeError('exploration budget must be in [0, 1]');
    this.rng = mulberry32(options.seed ?? 1);
    this.#decisions = state?.decisions ?? 0;
    this.#explored = state?.explored ?? 0;
  }

  /** Whether this decision may explore (the budget would still hold if it did). */
  allowed(): boolean {
    return this.enabled && this.#explored + 1 <= this.budget * (this.#decisions + 1);
  }

  /** Count a decision, exploratory or not. */
  record(explored: boolean): void {
    this.#decisions++;
    if (explored) this.#explored++;
  }

  get share(): number {
    return this.#decisions === 0 ? 0 : this.#explored / this.#decisions;
  }

  toJSON(): ExplorationState {
    return { decisions: this.#decisions, explored: this.#explored };
  }
}
