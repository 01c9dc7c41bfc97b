/** Numerical helpers used by the normative prediction math (spec §6): normal quantiles, logistic, integration. */

/** z-scores of the percentiles the spec allows (spec §6.1). */
export const Z_SCORES: Readonly<Record<50 | 90 | 95 | 99, number>> = {
  50: 0,
  90: 1.2815515655446004,
  95: 1.6448536269514722,
  99: 2.3263478740408408,
};

export const logistic = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export const logit = (p: number): number => Math.log(p / (1 - p));

/** Standard normal CDF, through erfc (to about 1e-15; implementations must agree on Φ(0) = 1/2 exactly). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** erfc: the Maclaurin series of erf below 2, a continued fraction (evaluated backwards) above. */
function erfc(x: number): number {
  return x < 0 ? 2 - erfcOfPositive(-x) : erfcOfPositive(x);
}

function erfcOfPositive(x: number): number {
  if (x < 2) {
    // erf(x) = 2/√π · Σ (−1)^n x^(2n+1) / (n! (2n + 1))
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - TWO_OVER_SQRT_PI * sum;
  }
  if (x > 27) return 0;
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
  let f = x;
  for (let n = x < 3 ? 50 : 24; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** Nodes and weights of n-point Gauss–Legendre quadrature on [-1, 1] (Newton iteration on P_n). */
export function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let derivative = 1;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 0; j < n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j + 1) * z * p2 - j * p3) / (j + 1);
      }
      derivative = (n * (z * p1 - p2)) / (z * z - 1);
      const previous = z;
      z = previous - p1 / derivative;
      if (Math.abs(z - previous) < 1e-15) break;
    }
    nodes[i] = z;
    weights[i] = 2 / ((1 - z * z) * derivative * derivative);
  }
  return { nodes, weights };
}

/** The 16-point rule of `integrateOver` (for integrals written out with the same nodes). */
export const GAUSS_LEGENDRE = gaussLegendre(16);
const PANELS = 3;

/** Composite Gauss–Legendre (`panels` panels of 16 points, default 3) of f over [a, b]. */
export function integrateOver(f: (x: number) => number, a: number, b: number, panels = PANELS): number {
  if (!(b > a)) return 0;
  const h = (b - a) / panels;
  let total = 0;
  for (let p = 0; p < panels; p++) {
    const centre = a + (p + 0.5) * h;
    for (let i = 0; i < GAUSS_LEGENDRE.nodes.length; i++) {
      total += (GAUSS_LEGENDRE.weights[i] as number) * f(centre + (h / 2) * (GAUSS_LEGENDRE.nodes[i] as number));
    }
  }
  return (total * h) / 2;
}

const INV_SQRT_2PI = 0.3989422804014327;
const Z_RANGE = 8.5;

/**
 * ∫_{−∞}^{zMax} φ(z) · σ_L(m − s·z) dz: the expected logistic of a normal variable, cut at zMax (spec §6.2 (5) in
 * standard units: z = (c − μ)/σ, m = k(a − μ), s = kσ). Accurate to 3e-7 over slopes 0.25–16 and sigmas 0.01–8.
 * When the logistic step is narrower than the normal (s > 1) the integral is split: below the step the logistic is 1
 * to within e^-20 (a normal CDF), above it 0, and only the step window is integrated numerically.
 */
export function logisticNormal(m: number, s: number, zMax: number): number {
  const lo = -Z_RANGE;
  const hi = Math.min(zMax, Z_RANGE);
  if (hi <= lo) return 0;
  if (s <= 1) return logisticNormalOver(m, s, lo, hi);
  const centre = m / s;
  const half = 20 / s;
  let total = 0;
  const below = Math.min(hi, centre - half);
  if (below > lo) total += normalCdf(below) - normalCdf(lo);
  total += logisticNormalOver(m, s, Math.max(lo, centre - half), Math.min(hi, centre + half));
  return total;
}

/**
 * `integrateOver` of φ(z) · σ_L(m − s·z) over [a, b], written out: the same nodes, weights and arithmetic in the same
 * order (so the same result to the last bit), without a closure per call or a boxed number per node — the integral
 * is evaluated for every assessed agent, so this is most of what a decision would otherwise allocate.
 */
function logisticNormalOver(m: number, s: number, a: number, b: number): number {
  if (!(b > a)) return 0;
  const h = (b - a) / PANELS;
  let total = 0;
  for (let p = 0; p < PANELS; p++) {
    const centre = a + (p + 0.5) * h;
    for (let i = 0; i < GAUSS_LEGENDRE.nodes.length; i++) {
      const z = centre + (h / 2) * (GAUSS_LEGENDRE.nodes[i] as number);
      total += (GAUSS_LEGENDRE.weights[i] as number) * (INV_SQRT_2PI * Math.exp(-0.5 * z * z) * logistic(m - s * z));
    }
  }
  return (total * h) / 2;
}

/** The standard-units bound beyond which the normal density is negligible (≈1e-17). */
export const NORMAL_RANGE = Z_RANGE;

/** Inverse of the standard normal CDF, by bisection on `normalCdf` (to 1e-10; used once per decision). */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  let lo = -40;
  let hi = 40;
  while (hi - lo > 1e-10) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
