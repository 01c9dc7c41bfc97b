/**
 * Router variants across seeds and workloads of bench:routing (simulated), for settling a change on seeds other than
 * the reported one: per case the Router's objective, success share of the oracle, cost ratio to it, and which tuned
 * baselines dominate it; then the mean objective of each variant.
 * Usage: npx tsx sdk/bench/routing/sweep.ts --seeds 2,3,4,5,6,7 --workloads mixed,hard,voice --deadline 180
 *        --variants default,…   (the oracle and baselines of a case are cached in $TMPDIR between runs)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { RouterOptions } from '../../src/rightsize/learning/router.js';
import { claimOffsets, declaredProfiles } from './fleet.js';
import { metricsOf } from './metrics.js';
import { objective, rightsize, type TaskResult, thresholdEscalation, trueOracle, tunedCascade } from './strategies.js';
import { generateWorkload, realiseAll, VERIFIER_FALSE_ACCEPT, type WorkloadName } from './workload.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string' },
    workloads: { type: 'string' },
    deadline: { type: 'string' },
    variants: { type: 'string' },
    tasks: { type: 'string' },
  },
});

const verifier = { falseSuccessRate: VERIFIER_FALSE_ACCEPT };
/** The variants of the report's table (`default` is the bench's Router: plans by expected value). */
const variantsOf = (seed: number): Record<string, Partial<RouterOptions>> => ({
  default: {},
  'myopic plan': { failureDetection: undefined },
  'myopic plan + verifier model': { failureDetection: undefined, learner: verifier },
  'verifier model': { learner: verifier },
  'explore 0.1': { exploration: { budget: 0.1, seed } },
  'explore 0.2': { exploration: { budget: 0.2, seed } },
  'anchored difficulty': { learner: { priorSigmas: { prior: 0.05, domain: 0.3 } } },
  'anchored difficulty + verifier model': { learner: { ...verifier, priorSigmas: { prior: 0.05, domain: 0.3 } } },
  'no cost correction': { costCorrection: { priorWeight: 1e12 } },
  'no declared scale': { declaredScale: false },
  'no declared scale, free difficulty': { declaredScale: false, learner: {} },
  'free difficulty': { learner: {} },
});

const seeds = (values.seeds ?? '2,3,4,5,6,7').split(',').map(Number);
if (seeds.includes(1)) throw new Error('seed 1 is the reported seed: never tune on it');
const workloads = (values.workloads ?? 'mixed,hard,voice').split(',') as WorkloadName[];
const deadlineS = Number(values.deadline ?? 180);
const taskCount = Number(values.tasks ?? 2000);
const variants = (values.variants ?? Object.keys(variantsOf(0)).join(',')).split(',');
const cacheDir = join(tmpdir(), 'rightsize-routing-sweep');
mkdirSync(cacheDir, { recursive: true });

const summary = (results: readonly TaskResult[]) => {
  const m = metricsOf(results);
  return { success: m.successRate, cost: m.cost, objective: objective(results) / results.length };
};
type Summary = ReturnType<typeof summary>;

const totals = new Map<string, number[]>();
for (const workload of workloads)
  for (const seed of seeds) {
    const w = ['voice', 'mixed', 'hard'].indexOf(workload);
    const tasks = generateWorkload(workload, taskCount, seed * 1000 + w, deadlineS * 1000);
    const outcomes = realiseAll(tasks, seed * 7919 + w);
    const cut = Math.floor(0.2 * tasks.length);
    const warmup = tasks.slice(0, cut);
    const scored = tasks.slice(cut);
    const cacheFile = join(cacheDir, `${workload}-${deadlineS}-${seed}-${taskCount}.json`);
    const reference: Record<string, Summary> = existsSync(cacheFile)
      ? JSON.parse(readFileSync(cacheFile, 'utf8'))
      : {
          oracle: summary(trueOracle(scored, outcomes, seed * 7919 + w).results),
          threshold: summary(thresholdEscalation(warmup, scored, outcomes).results),
          cascade: summary(tunedCascade(warmup, scored, outcomes).results),
        };
    writeFileSync(cacheFile, JSON.stringify(reference));
    const oracle = reference.oracle as Summary;
    const declared = declaredProfiles(seed, claimOffsets(seed));
    for (const name of variants) {
      const run = rightsize(tasks, outcomes, declared, seed, variantsOf(seed)[name] ?? {});
      const r = summary(run.results.slice(-scored.length));
      const dominatedBy = ['threshold', 'cascade'].filter((b) => {
        const s = reference[b] as Summary;
        return s.success >= r.success && s.cost <= r.cost && (s.success > r.success || s.cost < r.cost);
      });
      totals.set(`${workload} ${name}`, [...(totals.get(`${workload} ${name}`) ?? []), r.objective]);
      console.log(
        `${workload} seed ${seed} ${name.padEnd(32)} obj ${r.objective.toFixed(5)} (oracle ${oracle.objective.toFixed(5)}) ` +
          `share ${(r.success / oracle.success).toFixed(3)} cost× ${(r.cost / oracle.cost).toFixed(2)} ` +
          `dominated by ${dominatedBy.join('+') || '-'}`,
      );
    }
  }
for (const [key, xs] of totals)
  console.log(`mean ${key.padEnd(44)} ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(5)}`);
