/** Mulberry32, the PRNG of spec §9.2: the same seed gives the same sequence in every implementation. */

export interface Prng {
  /** A number in [0, 1). */
  next(): number;
  /** An integer drawn uniformly from [lo, hi]. */
  int(lo: number, hi: number): number;
  /** A normal deviate (Box–Muller on two draws); not used by the normative generators. */
  normal(mean?: number, sd?: number): number;
}

export function mulberry32(seed: number): Prng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    normal: (mean = 0, sd = 1) => {
      const u = 1 - next();
      const v = next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}
