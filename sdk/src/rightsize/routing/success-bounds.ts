/**
 * Cheap upper bounds of the success probability of spec §6.2 (5) and §6.6, used by the candidate index (spec §7.9)
 * to skip agents without assessing them. Every bound here is a true upper bound of the exact value for any curve
 * with the stated ability, slope and pMax limits; none is used as a prediction.
 */
import { SIGMA_EPSILON } from '../math/predict.js';
import { logistic, normalCdf } from '../math/stats.js';

/**
 * An upper bound of S = pMax · E[σ_L(k(a − c))], c ~ N(μ, σ²) (the budget cut and the deadlines only lower it):
 * - a ≥ μ: S ≤ pMax · min(Φ((a − μ)/σ), σ_L(k(a − μ))) (steeper curves approach the step from below; the logistic is
 *   concave above its centre and the noise symmetric);
 * - a < μ: S ≤ pMax/2 (S grows with a and is 1/2 at a = μ) and S ≤ pMax · E[min(1, e^{kX})], X = a − c, which is
 *   pMax · (Φ(m/σ) + e^{km + k²σ²/2} Φ((−m − kσ²)/σ)), m = a − μ (σ_L(x) ≤ min(1, eˣ));
 * - any a: S = pMax · (1 − E[σ_L(Y)]), Y = k(c − a) ~ N(−km, k²σ²), and σ_L(y) ≥ e^y/2 for y ≤ 0 and ≥ 1/2 above,
 *   so E[σ_L(Y)] ≥ ½ e^{−km + k²σ²/2} Φ(m/σ − kσ) + ½ Φ(−m/σ): within a factor 2 of the failure share, the bound
 *   that separates strong agents near P = 1 (plus the numeric tolerance of §6.7, as it is compared with computed P).
 */
export function successUpperBound(a: number, k: number, pMax: number, mu: number, sigma: number): number {
  const m = a - mu;
  if (sigma < SIGMA_EPSILON) return pMax * logistic(k * m);
  const ks = k * sigma;
  const tailExponent = -k * m + (ks * ks) / 2;
  const failure =
    0.5 * normalCdf(-m / sigma) + (tailExponent > 600 ? 0 : 0.5 * Math.exp(tailExponent) * normalCdf(m / sigma - ks));
  const tail = pMax * (1 - failure) + NUMERIC_TOLERANCE;
  if (m >= 0) return Math.min(tail, pMax * Math.min(normalCdf(m / sigma), logistic(k * m)));
  const exponent = k * m + (k * sigma * k * sigma) / 2;
  if (exponent > 40) return Math.min(tail, pMax / 2);
  const below = normalCdf(m / sigma) + Math.exp(exponent) * normalCdf((-m - k * sigma * sigma) / sigma);
  return Math.min(tail, pMax * Math.min(0.5, below));
}

/** Spec §6.7: S and P_D are computed within 1e-6 of the exact value, so bounds compared with them widen by that. */
export const NUMERIC_TOLERANCE = 1e-6;

/**
 * A bound that needs one exponential and no normal CDF: pMax · σ_L(k(a − μ)) above the centre, and
 * pMax · min(1/2, e^{km + k²σ²/2}) below it (E[e^{kX}] bounds E[min(1, e^{kX})]). Looser than `successUpperBound`.
 */
export function cheapSuccessUpperBound(
  a: number,
  kAbove: number,
  kBelow: number,
  pMax: number,
  mu: number,
  sigma: number,
) {
  const m = a - mu;
  if (m >= 0) return pMax * logistic(kAbove * m);
  const s = sigma < SIGMA_EPSILON ? 0 : sigma;
  const exponent = kBelow * m + (kBelow * s * kBelow * s) / 2;
  return pMax * Math.min(0.5, exponent > 0 ? 1 : Math.exp(exponent));
}

/**
 * The success bound of any agent whose curves have ability ≤ a, slopes in [kMin, kMax] and pMax ≤ pMax: S grows
 * with the slope above the centre and falls with it below (E[X σ_L'(kX)] has the sign of E[X]), so the bound takes
 * kMax above μ and kMin below. Non-decreasing in a.
 */
export function frontierBound(a: number, kMin: number, kMax: number, pMax: number, mu: number, sigma: number): number {
  return successUpperBound(a, a >= mu ? kMax : kMin, pMax, mu, sigma);
}

/**
 * The ability below which no agent of those limits reaches success `target` (by `frontierBound`): agents with a
 * lower ability cannot be feasible at minSuccess = target. −Infinity when target ≤ 0, Infinity when target > pMax.
 */
export function abilityFloor(target: number, kMin: number, kMax: number, pMax: number, mu: number, sigma: number) {
  if (!(target > 0)) return Number.NEGATIVE_INFINITY;
  if (target > pMax) return Number.POSITIVE_INFINITY;
  // The bound reaches pMax·(1 − 1e-17) within 40 units above μ for slopes ≥ 0.25 and σ ≤ 8; go far enough both ways.
  let lo = mu - 400;
  let hi = mu + 400;
  if (frontierBound(hi, kMin, kMax, pMax, mu, sigma) < target) return Number.POSITIVE_INFINITY;
  if (frontierBound(lo, kMin, kMax, pMax, mu, sigma) >= target) return Number.NEGATIVE_INFINITY;
  while (hi - lo > 1e-9 * Math.max(1, Math.abs(lo))) {
    const mid = (lo + hi) / 2;
    if (frontierBound(mid, kMin, kMax, pMax, mu, sigma) >= target) hi = mid;
    else lo = mid;
  }
  return lo; // every a < lo has a bound below target
}
