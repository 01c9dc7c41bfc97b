/**
 * Diagnosis of bench:routing (simulated): one workload and deadline, the Router in variants beside the oracle and the
 * tuned baselines, with where the Router's first attempts and escalations differ from the oracle's.
 * Usage: npx tsx sdk/bench/routing/diagnose.ts [--workload mixed] [--deadline 180] [--seed 2] [--tasks 2000]
 */
import type { RouterOptions } from '../../src/rightsize/learning/router.js';
import { diagnosticCase } from './diagnostic-case.js';
import { SIM_AGENTS, trueSuccess } from './fleet.js';
import { metricsOf } from './metrics.js';
import { objective, rightsize, type StrategyRun, thresholdEscalation, trueOracle, tunedCascade } from './strategies.js';

const { workload, deadlineS, seed, offsets, declared, tasks, outcomes, oracleSeed, cut, warmup, scored, variants } =
  diagnosticCase('mixed');
const VARIANTS: Record<string, Partial<RouterOptions>> = {
  default: {},
  'no exploration': { exploration: false },
  'maxEscalations 4': { policy: { maxEscalations: 4 } },
  'slope 0.5': { learner: { priorSigmas: { logSlope: 0.5, logSlopeOffset: 0.3 } } },
  'slope 1': { learner: { priorSigmas: { logSlope: 1, logSlopeOffset: 0.5 } } },
  'explore 0.15': { exploration: { budget: 0.15, seed } },
  'ability 3': { learner: { priorSigmas: { ability: 3, abilityOffset: 2 } } },
  'declared 0.1': { learner: { priorSigmas: { declared: 0.1, prior: 0.05 } } },
};
const chosen = (variants ?? Object.keys(VARIANTS).join(',')).split(',');
const row = (run: StrategyRun) => {
  const m = metricsOf(run.results);
  return {
    name: run.name,
    success: m.successRate,
    first: m.firstAttemptSuccessRate,
    costPerTask: m.costPerTask,
    objective: Number((objective(run.results) / run.results.length).toFixed(5)),
    attempts: m.attemptsPerTask,
    tuned: run.tuned,
  };
};
const oracle = trueOracle(scored, outcomes, oracleSeed);
console.log(JSON.stringify({ workload, deadlineS, seed, offsets: Object.fromEntries(offsets) }));
for (const run of [oracle, thresholdEscalation(warmup, scored, outcomes), tunedCascade(warmup, scored, outcomes)])
  console.log(JSON.stringify(row(run)));
const firstAgents = (run: StrategyRun) => {
  const counts: Record<string, number> = {};
  for (const r of run.results) counts[r.attempts[0] ?? 'none'] = (counts[r.attempts[0] ?? 'none'] ?? 0) + 1;
  return counts;
};
console.log(JSON.stringify({ oracleFirst: firstAgents(oracle) }));
for (const name of chosen) {
  /** Per first-choice agent (scored part): tasks, mean predicted P, realised correct share, mean true P. */
  const calibration: Record<string, [number, number, number, number]> = {};
  const run = rightsize(tasks, outcomes, declared, seed, VARIANTS[name] ?? {}, (t, d, r) => {
    if (t.index < cut || !d.chosen) return;
    const a =
      d.match.ranked.find((x) => x.agentId === d.chosen) ?? d.match.rejected.find((x) => x.agentId === d.chosen);
    const sim = SIM_AGENTS.find((x) => x.id === d.chosen) as (typeof SIM_AGENTS)[number];
    const e = calibration[d.chosen] ?? [0, 0, 0, 0];
    e[0]++;
    e[1] += a?.predictions.success ?? 0;
    e[2] += r.firstAttemptSuccess ? 1 : 0;
    e[3] += trueSuccess(sim, t.domain, t.trueComplexity);
    calibration[d.chosen] = e;
  });
  console.log(
    JSON.stringify(
      Object.fromEntries(
        Object.entries(calibration).map(([id, [n, p, ok, truth]]) => [
          id,
          { n, predicted: +(p / n).toFixed(3), firstAttemptOk: +(ok / n).toFixed(3), trueP: +(truth / n).toFixed(3) },
        ]),
      ),
    ),
  );
  const scoredRun = { ...run, name: `router: ${name}`, results: run.results.slice(-scored.length) };
  console.log(JSON.stringify({ ...row(scoredRun), routerFirst: firstAgents(scoredRun) }));
}
