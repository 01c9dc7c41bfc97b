/**
 * The declared scale for tasks that declare nothing (issue 10, items 2 and 6). Clients that state a complexity put
 * their tasks on the spec's scale (§5.2), the scale of the agents' declared ceilings; a task without a declaration
 * otherwise starts from the spec's default (4) whatever its domain and text, and binary outcomes alone move it
 * slowly (and only together with the agents' abilities, which the same outcomes explain equally well). This module
 * learns, per domain, to predict the DECLARED complexity from the text's documented features (`features.ts`:
 * the cold-start estimate, log word and line counts) — supervised by every declaration the Router sees, with no
 * outcome needed — so an undeclared task gets a complexity on the declared scale: the value its text and domain
 * would typically be declared at, with the spread of that prediction as its sigma.
 *
 * Model, per domain: declared = β · z + ε, z = [1, cold-start − 4, log-words, log-lines] (the features' own
 * centring), β ~ N([4, 0, 0, 0], diag(3², 1, 1, 1)) (the spec's default complexity, a weak prior), ε ~ N(0, 1) for
 * the update (recursive least squares with the full 4×4 covariance: O(16) per declaration). The prediction's sigma
 * is the root mean squared error of the predictions made before each declaration was learned (prequential), shrunk
 * towards 2 (the cold-start estimator's sigma) by a prior worth 4 declarations. Memory: one entry per domain,
 * at most `maxDomains`.
 */
import type { TaskFeatures } from './features.js';

/** Observation noise of one declaration in the update (complexity units). */
const NOISE_VARIANCE = 1;
/** Prior mean and standard deviations of β. */
const PRIOR_MEAN = [4, 0, 0, 0] as const;
const PRIOR_SD = [3, 1, 1, 1] as const;
/** The prediction's sigma before any error is measured, and how many declarations that prior is worth. */
const PRIOR_SIGMA = 2;
const PRIOR_WEIGHT = 4;
const DIMENSION = 4;

/** One domain's regression: β's mean and covariance (row-major), declarations learned, sum of squared errors. */
export interface DeclaredScaleDomainState {
  readonly mean: number[];
  readonly covariance: number[];
  readonly count: number;
  readonly squaredErrors: number;
}

export interface DeclaredScaleState {
  readonly domains: Record<string, DeclaredScaleDomainState>;
}

interface DomainModel {
  mean: Float64Array;
  covariance: Float64Array;
  count: number;
  squaredErrors: number;
}

/** z of a task from its features (an undeclared task's: `cold-start` holds the cold-start estimate − 4). */
function regressors(features: TaskFeatures): Float64Array {
  const z = new Float64Array(DIMENSION);
  z[0] = 1;
  for (const [name, x] of features.named) {
    if (name === 'cold-start') z[1] = x;
    else if (name === 'log-words') z[2] = x;
    else if (name === 'log-lines') z[3] = x;
  }
  return z;
}

export class DeclaredScale {
  readonly #domains = new Map<string, DomainModel>();
  readonly #maxDomains: number;

  constructor(options: { maxDomains?: number } = {}, state?: DeclaredScaleState) {
    this.#maxDomains = options.maxDomains ?? 10_000;
    for (const [domain, d] of Object.entries(state?.domains ?? {})) {
      const finite = (xs: unknown, n: number) =>
        Array.isArray(xs) && xs.length === n && xs.every((x) => Number.isFinite(x));
      if (
        !finite(d?.mean, DIMENSION) ||
        !finite(d?.covariance, DIMENSION * DIMENSION) ||
        !Number.isInteger(d.count) ||
        d.count < 0 ||
        !(d.squaredErrors >= 0)
      )
        throw new Error(`router state: bad declared-scale model for domain ${domain}`);
      this.#domains.set(domain, {
        mean: Float64Array.from(d.mean),
        covariance: Float64Array.from(d.covariance),
        count: d.count,
        squaredErrors: d.squaredErrors,
      });
    }
  }

  #model(domain: string, create: boolean): DomainModel | undefined {
    let m = this.#domains.get(domain);
    if (!m && create && this.#domains.size < this.#maxDomains) {
      const covariance = new Float64Array(DIMENSION * DIMENSION);
      for (let i = 0; i < DIMENSION; i++) covariance[i * DIMENSION + i] = (PRIOR_SD[i] as number) ** 2;
      m = { mean: Float64Array.from(PRIOR_MEAN), covariance, count: 0, squaredErrors: 0 };
      this.#domains.set(domain, m);
    }
    return m;
  }

  /**
   * The complexity an undeclared task of this domain would typically be declared at, from its features as an
   * undeclared task; undefined until the domain has seen a declaration.
   */
  predict(domain: string, features: TaskFeatures): { value: number; sigma: number } | undefined {
    const m = this.#model(domain, false);
    if (!m || m.count === 0) return undefined;
    const z = regressors(features);
    let value = 0;
    for (let i = 0; i < DIMENSION; i++) value += (m.mean[i] as number) * (z[i] as number);
    const sigma = Math.sqrt((m.squaredErrors + PRIOR_WEIGHT * PRIOR_SIGMA ** 2) / (m.count + PRIOR_WEIGHT));
    return { value: Math.max(0, value), sigma };
  }

  /** Learn one declaration: `features` are the task's features as if undeclared, `declared` the stated value. */
  learn(domain: string, features: TaskFeatures, declared: number): void {
    if (!Number.isFinite(declared)) return;
    const m = this.#model(domain, true);
    if (!m) return;
    const z = regressors(features);
    const P = m.covariance;
    const Pz = new Float64Array(DIMENSION);
    let predicted = 0;
    for (let i = 0; i < DIMENSION; i++) {
      predicted += (m.mean[i] as number) * (z[i] as number);
      for (let j = 0; j < DIMENSION; j++)
        Pz[i] = (Pz[i] as number) + (P[i * DIMENSION + j] as number) * (z[j] as number);
    }
    let s = NOISE_VARIANCE;
    for (let i = 0; i < DIMENSION; i++) s += (z[i] as number) * (Pz[i] as number);
    const error = declared - predicted;
    for (let i = 0; i < DIMENSION; i++) m.mean[i] = (m.mean[i] as number) + ((Pz[i] as number) * error) / s;
    for (let i = 0; i < DIMENSION; i++)
      for (let j = 0; j < DIMENSION; j++)
        P[i * DIMENSION + j] = (P[i * DIMENSION + j] as number) - ((Pz[i] as number) * (Pz[j] as number)) / s;
    m.squaredErrors += (declared - Math.max(0, predicted)) ** 2; // the error of the prediction `predict` gave
    m.count++;
  }

  toJSON(): DeclaredScaleState {
    return {
      domains: Object.fromEntries(
        [...this.#domains].map(([domain, m]) => [
          domain,
          {
            mean: [...m.mean],
            covariance: [...m.covariance],
            count: m.count,
            squaredErrors: m.squaredErrors,
          },
        ]),
      ),
    };
  }
}
