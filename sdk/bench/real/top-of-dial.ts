/**
 * Why the top of the dial stayed below a GPT-4 share of 1 under the pure expected-utility rule (ρ = ∞; dial.ts now gives the
 * pricier agent the benefit of the doubt at high λ; docs/real-benchmark.md, "The top of the dial"): trains the
 * dial's Router (λ 4, budget 0.2) on one replay order, then, on its evaluation split, counts the questions where
 * GPT-4 is not believed more likely right and how many of them lie in subjects where GPT-4's learned ability is
 * lower; the rest come from the learned slopes (the curves cross). Prints one JSON object.
 * Usage: npx tsx sdk/bench/real/top-of-dial.ts [--seed 2] [--empirical-bayes] [--data dir]
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadQuestions, shuffled } from './data.js';
import { AGENTS, continueReplay, routerFor } from './replay.js';

const { values } = parseArgs({
  options: { seed: { type: 'string' }, 'empirical-bayes': { type: 'boolean' }, data: { type: 'string' } },
});
const seed = Number(values.seed ?? 2);
if (!Number.isInteger(seed) || seed === 1) throw new Error('--seed: an integer other than the scored seed 1');
const here = dirname(fileURLToPath(import.meta.url));
const all = await loadQuestions(values.data ?? join(here, '..', '..', '..', '..', 'shared', 'data', 'routellm-mmlu'));
const qs = shuffled(all, seed);
const learner = values['empirical-bayes'] ? { empiricalBayes: { pseudoCount: 0.5 } } : undefined;
const { router } = continueReplay(
  routerFor({ explorationBudget: 0.2, ngramScale: 0, seed, ...(learner ? { learner } : {}) }, 4),
  qs,
  true,
);
const model = router.learner;
const curve = (agent: 'weak' | 'strong', subject: string) =>
  model.curve(AGENTS[agent].id, AGENTS[agent].profile, subject);
const evaluation = qs.slice(Math.floor(0.2 * qs.length));
let notBetter = 0;
let lowerAbility = 0;
for (const q of evaluation) {
  const f = model.features(q.prompt, q.subject);
  const weak = model.successAtMean(AGENTS.weak.id, AGENTS.weak.profile, f);
  const strong = model.successAtMean(AGENTS.strong.id, AGENTS.strong.profile, f);
  if (strong > weak) continue;
  notBetter++;
  if (curve('strong', q.subject).ability < curve('weak', q.subject).ability) lowerAbility++;
}
const subjects = [...new Set(qs.map((q) => q.subject))];
const mean = (agent: 'weak' | 'strong', key: 'slope' | 'ability') =>
  subjects.reduce((s, d) => s + curve(agent, d)[key], 0) / subjects.length;
console.log(
  JSON.stringify({
    seed,
    empiricalBayes: learner !== undefined,
    gpt4NotBelievedBetter: Number((notBetter / evaluation.length).toFixed(4)),
    ofWhichGpt4AbilityLower: Number((lowerAbility / Math.max(1, notBetter)).toFixed(4)),
    meanSlope: { mixtral: Number(mean('weak', 'slope').toFixed(3)), gpt4: Number(mean('strong', 'slope').toFixed(3)) },
    meanAbility: {
      mixtral: Number(mean('weak', 'ability').toFixed(3)),
      gpt4: Number(mean('strong', 'ability').toFixed(3)),
    },
  }),
);
