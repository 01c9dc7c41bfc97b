/**
 * The tuning protocol of bench:real's dial sweep (docs/real-benchmark.md): the settings it fixes (the training λ of
 * the one learner, the exploration budget) are chosen on a DIFFERENT replay orders (seeds 2 and 3 by default) than the scored
 * one (seed 1), by the mean dial-sweep APGR on those orders' evaluation splits. Prints one JSON object per candidate.
 * Usage: npx tsx sdk/bench/real/tune.ts [--seeds 2,3] [--data dir]
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadQuestions, shuffled } from './data.js';
import { dialApgr, dialSweep } from './dial-sweep.js';

const { values } = parseArgs({ options: { seeds: { type: 'string' }, data: { type: 'string' } } });
const seeds = (values.seeds ?? '2,3').split(',').map(Number);
if (seeds.some((s) => !Number.isInteger(s) || s === 1))
  throw new Error('--seeds: integers other than the scored seed 1');
const here = dirname(fileURLToPath(import.meta.url));
const all = await loadQuestions(values.data ?? join(here, '..', '..', '..', '..', 'shared', 'data', 'routellm-mmlu'));
const LAMBDAS = [0, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128, 1000, 1000000];
for (const trainLambda of [4, 8, 16])
  for (const budget of [0.1, 0.2]) {
    const perSeed = seeds.map((seed) => {
      const qs = shuffled(all, seed);
      const from = Math.floor(0.2 * qs.length);
      const sweep = dialSweep(qs, { explorationBudget: budget, ngramScale: 0, seed }, trainLambda, LAMBDAS, from);
      return Number(dialApgr(qs, sweep, from).toFixed(4));
    });
    const mean = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
    console.log(JSON.stringify({ trainLambda, budget, seeds, perSeed, mean: Number(mean.toFixed(4)) }));
  }
