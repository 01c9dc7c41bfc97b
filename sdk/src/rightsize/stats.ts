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

/** Standard normal CDF, through erfc (fractional error below 1.2e-7, ample for the spec's tolerances). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

function erfc(x: number): number {
  // Chebyshev fit of erfc (Numerical Recipes, 2nd ed., §6.2).
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Composite Simpson's rule of f over [a, b] with n (even) intervals. */
export function simpson(f: (x: number) => number, a: number, b: number, n: number): number {
  if (!(b > a)) return 0;
  const h = (b - a) / n;
  let sum = f(a) + f(b);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}
