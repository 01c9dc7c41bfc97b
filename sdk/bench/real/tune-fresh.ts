/**
 * The tuning protocol of bench:real's FIRST protocol (a fresh Router per λ, docs/real-benchmark.md): each candidate
 * setting is scored by the APGR of the fresh-Router sweep on the evaluation splits of replay orders other than the
 * scored one (seeds 2 to 5 by default), never seed 1. Prints one JSON line per candidate and seed.
 * Usage: npx tsx sdk/bench/real/tune-fresh.ts [--seeds 2,3,4,5] [--candidates name,...] [--lambdas 1.5,2,...]
 *   (--lambdas defaults to the report's grid without the points every setting puts at the ends: 0 and 1 call GPT-4
 *   never, 1000 and 10⁶ always, so the curve's closed ends stand for them.)
 */
import { parseArgs } from 'node:util';
import { apgr } from './curves.js';
import { type Question, shuffled, tuningInputs } from './data.js';
import { continueReplay, type ReplaySettings, routerFor } from './replay.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string' },
    data: { type: 'string' },
    candidates: { type: 'string' },
    lambdas: { type: 'string' },
  },
});
const { seeds, all } = await tuningInputs(values);
const LAMBDAS = (values.lambdas ?? '1.5,2,3,4,6,8,12,16,24,32,64,128').split(',').map(Number);
const EMPIRICAL_BAYES = { empiricalBayes: { pseudoCount: 0.5, every: 64 } } as const;

/**
 * The candidates: the report's settings (exploration budget 0.1, empirical Bayes) with the dial's benefit-of-the-doubt
 * ratio ρ (dial.ts) at the previous default 6 or at 32 (only the runs with λ above 6 price gaps differ between them);
 * then (sixth round) information probes (exploration.ts, `probe`) at minimum spreads 0.05–0.3 on top of ρ 32, and
 * an exploration budget that decays as 1/√n after n₀ decisions (`decayAfter`).
 */
const BASE = { explorationBudget: 0.1, learner: EMPIRICAL_BAYES } as const;
const CANDIDATES: Record<string, Omit<ReplaySettings, 'seed' | 'ngramScale'>> = {
  'rho 6': { ...BASE, doubtFrom: 6 },
  'rho 32': { ...BASE, doubtFrom: 32 },
  'probe 0.05': { ...BASE, doubtFrom: 32, probe: { minSpread: 0.05 } },
  'probe 0.075': { ...BASE, doubtFrom: 32, probe: { minSpread: 0.075 } },
  'probe 0.1': { ...BASE, doubtFrom: 32, probe: { minSpread: 0.1 } },
  'probe 0.15': { ...BASE, doubtFrom: 32, probe: { minSpread: 0.15 } },
  'probe 0.2': { ...BASE, doubtFrom: 32, probe: { minSpread: 0.2 } },
  'probe 0.3': { ...BASE, doubtFrom: 32, probe: { minSpread: 0.3 } },
  'decay 2000': { ...BASE, doubtFrom: 32, decayAfter: 2000 },
  'decay 500': { ...BASE, doubtFrom: 32, decayAfter: 500 },
};
const names = values.candidates?.split(',') ?? Object.keys(CANDIDATES);

const point = (qs: readonly Question[], strong: readonly boolean[], from: number) => {
  let s = 0;
  let ok = 0;
  for (let i = from; i < qs.length; i++) {
    if (strong[i]) s++;
    if ((strong[i] ? qs[i]?.strong : qs[i]?.weak) === true) ok++;
  }
  return { share: s / (qs.length - from), accuracy: ok / (qs.length - from) };
};

for (const name of names) {
  const c = CANDIDATES[name];
  if (!c) throw new Error(`unknown candidate ${name}`);
  for (const seed of seeds) {
    const qs = shuffled(all, seed);
    const from = Math.floor(0.2 * qs.length);
    const rest = qs.slice(from);
    const points = LAMBDAS.map((lambda) => {
      const settings: ReplaySettings = { ...c, ngramScale: 0, seed };
      const r = continueReplay(routerFor(settings, lambda), qs, true);
      return { lambda, ...point(qs, r.strong, from), probed: r.probed / qs.length };
    });
    const weak = rest.filter((q) => q.weak).length / rest.length;
    const strong = rest.filter((q) => q.strong).length / rest.length;
    const round = (x: number) => Number(x.toFixed(4));
    console.log(
      JSON.stringify({
        candidate: name,
        seed,
        apgr: round(apgr(points, weak, strong)),
        points: points.map((p) => [p.lambda, round(p.share), round(p.accuracy), round(p.probed)]),
      }),
    );
  }
}
