/**
 * Fourth tuning round of bench:real (docs/real-benchmark.md, "The top of the dial"): the dial's benefit-of-the-doubt
 * ratio ρ (`doubtFrom`, dial.ts) on replay orders other than the scored seed 1. One Router per order learns online at
 * the dial's fixed settings (λ 4, budget 0.2, empirical Bayes pseudoCount 0.5); before each question is learned the
 * choice of every λ of the grid is read off its beliefs under each ρ (ρ above the training λ's price-gap ratio leaves
 * the training run itself unchanged, so one run serves every ρ). Also the held-out split (frozen after the first
 * half, λ restored) ranked by the learned gain and by the dial's switch point. Prints one JSON line per order.
 * Usage: npx tsx sdk/bench/real/tune-dial-top.ts [--seeds 2,3,4,5] [--data dir]
 */
import { parseArgs } from 'node:util';
import { Router } from '../../src/rightsize/learning/router.js';
import { apgr, type CurvePoint, scoreCurve } from './curves.js';
import { type Question, shuffled, tuningInputs } from './data.js';
import { AGENTS, gainScores, routerFor, strongAt, switchScores, taskOf } from './replay.js';

const { values } = parseArgs({ options: { seeds: { type: 'string' }, data: { type: 'string' } } });
const { seeds, all } = await tuningInputs(values);
const LAMBDAS = [0, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128, 1000, 1000000];
const RHOS = [Number.POSITIVE_INFINITY, 4.5, 6, 8, 12, 16, 32, 64];
const TRAIN_LAMBDA = 4;
const round = (x: number) => Number(x.toFixed(4));
const ends = (qs: readonly Question[]) => [
  qs.filter((q) => q.weak).length / qs.length,
  qs.filter((q) => q.strong).length / qs.length,
];

for (const seed of seeds) {
  const qs = shuffled(all, seed);
  const from = Math.floor(0.2 * qs.length);
  const half = Math.floor(qs.length / 2);
  const router = routerFor(
    { explorationBudget: 0.2, ngramScale: 0, seed, learner: { empiricalBayes: { pseudoCount: 0.5 } } },
    TRAIN_LAMBDA,
  );
  /** [ρ][λ] → strong picks and correct answers on the evaluation split. */
  const counts = RHOS.map(() => LAMBDAS.map(() => [0, 0]));
  let snapshot: ReturnType<Router['toJSON']> | undefined;
  for (const [i, q] of qs.entries()) {
    if (i === half) snapshot = router.toJSON();
    const d = router.route(taskOf(q, String(i)));
    if (i >= from)
      for (const [r, rho] of RHOS.entries())
        for (const [l, lambda] of LAMBDAS.entries()) {
          const strong = strongAt(d, lambda, rho);
          const c = counts[r]?.[l] as number[];
          c[0] = (c[0] as number) + (strong ? 1 : 0);
          c[1] = (c[1] as number) + ((strong ? q.strong : q.weak) ? 1 : 0);
        }
    const ok = d.chosen === AGENTS.strong.id ? q.strong : q.weak;
    if (d.chosen) router.observe({ taskId: d.taskId, agentId: d.chosen, success: ok });
    router.complete(d.taskId);
  }
  const evalQs = qs.slice(from);
  const [weak, strong] = ends(evalQs) as [number, number];
  const dial = Object.fromEntries(
    RHOS.map((rho, r) => {
      const points: CurvePoint[] = (counts[r] as number[][]).map(([s, ok]) => ({
        share: (s as number) / evalQs.length,
        accuracy: (ok as number) / evalQs.length,
      }));
      const shares = points.map((p) => p.share);
      const inversions = shares.slice(1).filter((x, k) => x < (shares[k] as number)).length;
      return [String(rho), { apgr: round(apgr(points, weak, strong)), top: round(Math.max(...shares)), inversions }];
    }),
  );
  const second = qs.slice(half);
  const [w2, s2] = ends(second) as [number, number];
  const frozen = Router.fromJSON(snapshot as ReturnType<Router['toJSON']>, {
    agents: [AGENTS.weak, AGENTS.strong],
    exploration: false,
    lambda: TRAIN_LAMBDA,
  });
  const heldOut = {
    gain: round(apgr(scoreCurve(second, gainScores(frozen, second)), w2, s2)),
    ...Object.fromEntries(
      RHOS.map((rho) => [
        `switch ρ ${rho}`,
        round(apgr(scoreCurve(second, switchScores(frozen, second, rho)), w2, s2)),
      ]),
    ),
  };
  console.log(JSON.stringify({ seed, dial, heldOut }));
}
