/** Prior widths for the learner tests that check the posterior against an exact or brute-force one. */
import type { PriorSigmas } from '../../src/rightsize/learning/learner.js';

/** A prior so narrow that the quantity is fixed at its prior mean. */
const TINY = 1e-4;

/** Every prior width tiny (the cold-start weight keeps its default) except those in `free`. */
export const pinnedPriorSigmas = (free: Partial<PriorSigmas>): Partial<PriorSigmas> => ({
  ability: TINY,
  abilityOffset: TINY,
  logSlope: TINY,
  logSlopeOffset: TINY,
  logitPMax: TINY,
  logitPMaxOffset: TINY,
  prior: TINY,
  declared: TINY,
  domain: TINY,
  length: TINY,
  ...free,
});
