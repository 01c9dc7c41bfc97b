/**
 * The tuning protocol of bench:real's dial sweep (docs/real-benchmark.md): the settings it fixes (the training λ of
 * the one learner, the exploration budget, the λ range exploration serves) are chosen on DIFFERENT replay orders
 * (seeds 2 to 5 by default) than the scored one (seed 1), by the mean dial-sweep APGR on those orders' evaluation
 * splits. Prints one JSON object per candidate, then the chosen one.
 * Round 2: exploration range × training λ × budget (fixed prior widths). Round 3: the learner's prior widths — fixed
 * widths, and widths learned by empirical Bayes (learner.ts) — then the training λ and budget again with the best.
 * Usage: npx tsx sdk/bench/real/tune.ts [--round 2|3] [--seeds 2,3,4,5] [--data dir]
 */
import { parseArgs } from 'node:util';
import type { LearnerOptions } from '../../src/rightsize/learning/index.js';
import { shuffled, tuningInputs } from './data.js';
import { dialApgr, dialSweep } from './dial-sweep.js';
import type { ReplaySettings } from './replay.js';

const { values } = parseArgs({
  options: { seeds: { type: 'string' }, data: { type: 'string' }, round: { type: 'string' } },
});
const { seeds, all } = await tuningInputs(values);
const LAMBDAS = [0, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128, 1000, 1000000];

interface Candidate {
  readonly lambdaRange?: readonly [number, number];
  readonly trainLambda: number;
  readonly budget: number;
  readonly learner?: LearnerOptions;
}

/** Round 2: exploration for the training λ only (the first report's rule), or for every λ of a range of the dial. */
const round2: Candidate[] = [undefined, [1.5, 1000] as const].flatMap((lambdaRange) =>
  [4, 8].flatMap((trainLambda) =>
    [0.1, 0.2].map((budget) => ({ trainLambda, budget, ...(lambdaRange ? { lambdaRange } : {}) })),
  ),
);
/** Round 3: prior widths (sd) at round 2's choice (λ 4, budget 0.2), then λ and budget with the best learner. */
const fixedWidths: Array<LearnerOptions['priorSigmas']> = [
  {},
  { abilityOffset: 0.5, domain: 1.5 },
  { abilityOffset: 0.75, domain: 2 },
  { abilityOffset: 1, domain: 2 },
  { abilityOffset: 0.5, domain: 2, ability: 3 },
  { abilityOffset: 0.3, domain: 1.5 },
  { abilityOffset: 0.5, domain: 1.5, logitPMaxOffset: 0.3 },
  { abilityOffset: 0.3, domain: 1.5, logitPMaxOffset: 0.3 },
  { abilityOffset: 0.5, domain: 1.5, logitPMaxOffset: 0.3, logitPMax: 0.3 },
];
const learned = [
  { pseudoCount: 2 },
  { pseudoCount: 1 },
  { pseudoCount: 0.5 },
  { pseudoCount: 0.25 },
  { pseudoCount: 0.5, every: 16 },
  { pseudoCount: 0.5, every: 256 },
];
const round3: Candidate[] = [
  ...fixedWidths.map((priorSigmas) => ({ trainLambda: 4, budget: 0.2, learner: { priorSigmas } })),
  ...learned.map((empiricalBayes) => ({ trainLambda: 4, budget: 0.2, learner: { empiricalBayes } })),
  ...[
    [4, 0.1],
    [4, 0.3],
    [8, 0.1],
    [8, 0.2],
  ].map(([trainLambda, budget]) => ({
    trainLambda: trainLambda as number,
    budget: budget as number,
    learner: { empiricalBayes: { pseudoCount: 0.5 } },
  })),
];
let best: { mean: number } | undefined;
for (const c of values.round === '2' ? round2 : round3) {
  const perSeed = seeds.map((seed) => {
    const qs = shuffled(all, seed);
    const from = Math.floor(0.2 * qs.length);
    const settings: ReplaySettings = {
      explorationBudget: c.budget,
      ngramScale: 0,
      seed,
      ...(c.lambdaRange ? { lambdaRange: c.lambdaRange } : {}),
      ...(c.learner ? { learner: c.learner } : {}),
    };
    return Number(dialApgr(qs, dialSweep(qs, settings, c.trainLambda, LAMBDAS, from), from).toFixed(4));
  });
  const mean = Number((perSeed.reduce((a, b) => a + b, 0) / perSeed.length).toFixed(4));
  const row = { ...c, lambdaRange: c.lambdaRange ?? null, seeds, perSeed, mean };
  console.log(JSON.stringify(row));
  if (!best || mean > best.mean) best = row;
}
console.log(JSON.stringify({ chosen: best }));
