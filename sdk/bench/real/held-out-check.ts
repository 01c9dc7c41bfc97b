/**
 * The held-out protocol of bench:real (learn online on the first half, freeze, rank the second half by the learned
 * gain) on replay orders other than the scored seed 1, with fixed and learned (empirical Bayes) prior widths, at
 * bench:real's held-out training setting (λ 8, budget 0.1) and the dial's (λ 4, budget 0.2). Prints one line of JSON
 * per replay order. Usage: npx tsx sdk/bench/real/held-out-check.ts [--seeds 2,3,4,5] [--data dir]
 */
import { parseArgs } from 'node:util';
import { Router } from '../../src/rightsize/learning/router.js';
import { apgr, scoreCurve } from './curves.js';
import { shuffled, tuningInputs } from './data.js';
import { AGENTS, continueReplay, gainScores, routerFor } from './replay.js';

const { values } = parseArgs({ options: { seeds: { type: 'string' }, data: { type: 'string' } } });
const { seeds, all } = await tuningInputs(values);
const LEARNERS = [
  ['fixed widths', undefined],
  ['empirical Bayes', { empiricalBayes: { pseudoCount: 0.5 } }],
] as const;
const TRAINING = [
  [8, 0.1],
  [4, 0.2],
] as const;
for (const seed of seeds) {
  const qs = shuffled(all, seed);
  const half = Math.floor(qs.length / 2);
  const second = qs.slice(half);
  const weak = second.filter((q) => q.weak).length / second.length;
  const strong = second.filter((q) => q.strong).length / second.length;
  const row: Record<string, number> = {};
  for (const [name, learner] of LEARNERS)
    for (const [lambda, budget] of TRAINING) {
      const settings = { explorationBudget: budget, ngramScale: 0, seed, ...(learner ? { learner } : {}) };
      const trained = continueReplay(routerFor(settings, lambda), qs.slice(0, half), true).router;
      // Restored with its λ: without one the candidate index assesses only the model it ranks (gainScores refuses that).
      const frozen = Router.fromJSON(trained.toJSON(), {
        agents: [AGENTS.weak, AGENTS.strong],
        exploration: false,
        lambda,
      });
      row[`${name}, λ ${lambda}, budget ${budget}`] = Number(
        apgr(scoreCurve(second, gainScores(frozen, second)), weak, strong).toFixed(4),
      );
    }
  console.log(JSON.stringify({ seed, heldOutApgr: row }));
}
