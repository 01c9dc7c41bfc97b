/**
 * Cheap upper bounds of the success probability of spec §6.2 (5) and §6.6, used by the candidate index (spec §7.9)
 * to skip agents without assessing them. Every bound here is a true upper bound of the exact value for any curve
 * with the stated ability, slope and pMax limits; none is used as a prediction.
 */
import { expectedSuccess, SIGMA_EPSILON } from '../math/predict.js';
import { logistic, NORMAL_RANGE, normalCdf } from '../math/stats.js';
import type { Complexity } from '../model/common.js';

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

/**
 * An upper bound of the success integral truncated at a budget cut, S_cut = pMax·E[σ_L(k(a − c))·1[c ≤ cut]],
 * c ~ N(μ, σ²), for every curve with ability ≤ a, pMax ≤ `pMax` and slope in [kBelow, kAbove], and every cut ≤ `cut`
 * (plus the numeric tolerance of §6.7). The integrand grows with a, pMax and the cut pointwise. In the slope,
 * ∂S_cut/∂k = pMax·E[(a − c)·σ_L'(k(a − c))·1[c ≤ cut]]: when a ≥ μ the untruncated expectation is ≥ 0 and the cut
 * only drops terms with c > cut (negative ones when cut ≥ a; when cut < a only positive terms remain), so the
 * steepest slope bounds it. Below the centre the sign depends on the cut (with cut < a steeper is better): unless the
 * slopes agree, the untruncated integral at the flattest slope is used (S falls with k there).
 */
export function truncatedSuccessUpperBound(
  a: number,
  kAbove: number,
  kBelow: number,
  pMax: number,
  complexity: Complexity,
  cut: number,
): number {
  const above = a >= complexity.value;
  const slope = above ? kAbove : kBelow;
  const upper = above || kAbove === kBelow ? cut : Number.POSITIVE_INFINITY;
  return expectedSuccess({ ability: a, slope, pMax }, complexity, upper) + NUMERIC_TOLERANCE;
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
 *
 * A bracketing search: within 40 units of μ (else 400), bisection down to a bracket 4 units wide, then false
 * position (Illinois) with a bisection step after three steps in a row that did not halve the bracket. Every step
 * keeps bound(lo) < target ≤ bound(hi) (the bound is non-decreasing in a), so the result has the contract of plain
 * bisection (every a < lo has a bound below target; the same final width) with ~14 bound evaluations instead of ~42
 * (random limits and targets), once per decision.
 */
export function abilityFloor(target: number, kMin: number, kMax: number, pMax: number, mu: number, sigma: number) {
  if (!(target > 0)) return Number.NEGATIVE_INFINITY;
  if (target > pMax) return Number.POSITIVE_INFINITY;
  const excess = (a: number) => frontierBound(a, kMin, kMax, pMax, mu, sigma) - target;
  // The bound reaches pMax·(1 − 1e-17) within 40 units above μ for slopes ≥ 0.25 and σ ≤ 8: try that bracket first,
  // then one far enough both ways.
  let lo = mu - 40;
  let hi = mu + 40;
  let above = excess(hi);
  let below = excess(lo);
  if (above < 0 || below >= 0) {
    lo = mu - 400;
    hi = mu + 400;
    above = excess(hi);
    if (above < 0) return Number.POSITIVE_INFINITY;
    below = excess(lo);
    if (below >= 0) return Number.NEGATIVE_INFINITY;
  }
  const wide = () => hi - lo > 1e-9 * Math.max(1, Math.abs(lo));
  while (hi - lo > 4 && wide()) {
    const mid = (lo + hi) / 2;
    const value = excess(mid);
    if (value >= 0) [hi, above] = [mid, value];
    else [lo, below] = [mid, value];
  }
  let side = 0;
  let stale = 0;
  while (wide()) {
    const width = hi - lo;
    const secant = (lo * above - hi * below) / (above - below);
    const mid = stale < 3 && secant > lo && secant < hi ? secant : (lo + hi) / 2;
    const value = excess(mid);
    if (value >= 0) {
      hi = mid;
      above = value;
      if (side === 1) below /= 2; // Illinois: an end kept twice counts half, so the next step moves it
      side = 1;
    } else {
      lo = mid;
      below = value;
      if (side === -1) above /= 2;
      side = -1;
    }
    stale = hi - lo > width / 2 ? stale + 1 : 0;
  }
  return lo; // every a < lo has a bound below target
}

/** Φ on a grid of step 1/256 over the normal range (§6.6 clamps z* to it): `normalCdfAbove` reads the next node up. */
const CDF_STEPS_PER_UNIT = 256;
const CDF_GRID = Float64Array.from({ length: 2 * NORMAL_RANGE * CDF_STEPS_PER_UNIT + 1 }, (_, k) =>
  normalCdf(k / CDF_STEPS_PER_UNIT - NORMAL_RANGE),
);

/** An upper bound of Φ(z) without a normal CDF: Φ at the grid node at or above z (within ~0.0016 of Φ(z)). */
export function normalCdfAbove(z: number): number {
  if (!(z < NORMAL_RANGE)) return 1;
  if (z < -NORMAL_RANGE) return CDF_GRID[0] as number;
  return CDF_GRID[Math.ceil((z + NORMAL_RANGE) * CDF_STEPS_PER_UNIT)] as number;
}

/** A lower bound of Φ(z) without a normal CDF: Φ at the grid node at or below z (0 below the range). */
export function normalCdfBelow(z: number): number {
  if (!(z >= -NORMAL_RANGE)) return 0;
  if (z >= NORMAL_RANGE) return CDF_GRID[CDF_GRID.length - 1] as number;
  return CDF_GRID[Math.floor((z + NORMAL_RANGE) * CDF_STEPS_PER_UNIT)] as number;
}

/**
 * The tail bound of `successUpperBound` with Φ read from the grid below it (one exponential, no normal CDF):
 * S ≤ pMax·(1 − ½ e^{−km + k²σ²/2} Φ(m/σ − kσ) − ½ Φ(−m/σ)), m = a − μ. It sees the complexity's spread, so it
 * separates strong agents near P = 1 (where `cheapSuccessUpperBound`, σ-blind above the centre, does not).
 */
export function cheapTailSuccessUpperBound(a: number, k: number, pMax: number, mu: number, sigma: number): number {
  if (sigma < SIGMA_EPSILON) return pMax;
  const m = a - mu;
  const ks = k * sigma;
  const tailExponent = -k * m + (ks * ks) / 2;
  const failure =
    0.5 * normalCdfBelow(-m / sigma) +
    (tailExponent > 600 ? 0 : 0.5 * Math.exp(tailExponent) * normalCdfBelow(m / sigma - ks));
  return pMax * (1 - failure) + NUMERIC_TOLERANCE;
}

/**
 * An upper bound of the latency factor F_L0(x) = Φ(z*) of spec §6.6 (2) for every profile whose non-reasoning latency
 * L0(z) = fixed + network mean + sd·z + ttft(z) is, for z ≥ 0, at least `offset` + `sd`·z + `p50`·e^{growth·z}
 * (`p50` and `growth` = ln(p95/p50)/z95 the least over the profiles, `offset` and `sd` lower bounds). That lower
 * bound is convex and increasing, so each Newton step from the right of its root stays right of it (and of every
 * profile's z*): three steps from the first (taken at z = 0, which also lands right) bound z*, read on the grid above
 * Φ plus the numeric tolerance of §6.7 (three exponentials and no normal CDF).
 *
 * With `tolerance`, Newton's method runs to convergence (still from the right) and Φ is the normal CDF itself plus
 * `tolerance`: for a profile whose L0 is exactly that function the bound is then its factor within `tolerance`, which
 * may be far below §6.7's 1e-6 where the prediction multiplies this very factor (an agent that never reasons:
 * P_D = S · F_L0(D')), so agents whose P_D differ by less than a tie cell are told apart without assessing them.
 */
export function latencyFactorUpperBound(
  offset: number,
  sd: number,
  p50: number,
  growth: number,
  x: number,
  tolerance?: number,
): number {
  if (x === Number.POSITIVE_INFINITY) return 1;
  const at0 = offset + p50;
  if (at0 > x) return 0.5 + NUMERIC_TOLERANCE; // z* < 0 for every profile
  const slope0 = sd + growth * p50;
  if (!(slope0 > 0)) return 1;
  let z = (x - at0) / slope0;
  const steps = tolerance === undefined ? 3 : 100;
  for (let step = 0; step < steps && z < NORMAL_RANGE; step++) {
    const ttft = p50 * Math.exp(growth * z);
    const next = z - (offset + sd * z + ttft - x) / (sd + growth * ttft);
    if (!(next < z)) break;
    const converged = z - next < 1e-13 * Math.max(1, z);
    z = Math.max(0, next);
    if (converged) break;
  }
  if (tolerance === undefined) return Math.min(1, normalCdfAbove(z) + NUMERIC_TOLERANCE);
  return z >= NORMAL_RANGE ? 1 : Math.min(1, normalCdf(z) + tolerance);
}
