/**
 * The tuning protocol of bench:real's dial sweep (docs/real-benchmark.md): the settings it fixes (the training λ of
 * the one learner, the exploration budget, the λ range exploration serves) are chosen on DIFFERENT replay orders
 * (seeds 2 to 5 by default) than the scored one (seed 1), by the mean dial-sweep APGR on those orders' evaluation
 * splits. Prints one JSON object per candidate, then the chosen one.
 * Usage: npx tsx sdk/bench/real/tune.ts [--seeds 2,3,4,5] [--data dir]
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadQuestions, shuffled } from './data.js';
import { dialApgr, dialSweep } from './dial-sweep.js';
import type { ReplaySettings } from './replay.js';

const { values } = parseArgs({ options: { seeds: { type: 'string' }, data: { type: 'string' } } });
const seeds = (values.seeds ?? '2,3,4,5').split(',').map(Number);
if (seeds.some((s) => !Number.isInteger(s) || s === 1))
  throw new Error('--seeds: integers other than the scored seed 1');
const here = dirname(fileURLToPath(import.meta.url));
const all = await loadQuestions(values.data ?? join(here, '..', '..', '..', '..', 'shared', 'data', 'routellm-mmlu'));
const LAMBDAS = [0, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128, 1000, 1000000];
/** Exploration for the training λ only (the first report's rule), or for every λ of a range of the dial. */
const RANGES: ReadonlyArray<readonly [number, number] | undefined> = [undefined, [1.5, 1000]];
let best: { mean: number } | undefined;
for (const lambdaRange of RANGES)
  for (const trainLambda of [4, 8])
    for (const budget of [0.1, 0.2]) {
      const perSeed = seeds.map((seed) => {
        const qs = shuffled(all, seed);
        const from = Math.floor(0.2 * qs.length);
        const settings: ReplaySettings = {
          explorationBudget: budget,
          ngramScale: 0,
          seed,
          ...(lambdaRange ? { lambdaRange } : {}),
        };
        return Number(dialApgr(qs, dialSweep(qs, settings, trainLambda, LAMBDAS, from), from).toFixed(4));
      });
      const mean = Number((perSeed.reduce((a, b) => a + b, 0) / perSeed.length).toFixed(4));
      const row = { lambdaRange: lambdaRange ?? null, trainLambda, budget, seeds, perSeed, mean };
      console.log(JSON.stringify(row));
      if (!best || mean > best.mean) best = row;
    }
console.log(JSON.stringify({ chosen: best }));
