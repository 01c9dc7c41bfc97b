/**
 * The case the diagnostic scripts of bench:routing (trace.ts, diagnose.ts) replay: one workload and deadline of the
 * simulated benchmark, read from the command line, generated and realised exactly as bench:routing does, with its
 * warm-up (first 20 %) and scored split.
 */
import { parseArgs } from 'node:util';
import { claimOffsets, declaredProfiles } from './fleet.js';
import { generateWorkload, realiseAll, type WorkloadName } from './workload.js';

/** Reads `--workload --deadline --seed --tasks` (and `--variants` for diagnose.ts); builds the case. */
export function diagnosticCase(defaultWorkload: WorkloadName) {
  const { values } = parseArgs({
    options: {
      workload: { type: 'string' },
      deadline: { type: 'string' },
      seed: { type: 'string' },
      tasks: { type: 'string' },
      variants: { type: 'string' },
    },
  });
  const workload = (values.workload ?? defaultWorkload) as WorkloadName;
  const deadlineS = Number(values.deadline ?? 180);
  const seed = Number(values.seed ?? 2);
  const offsets = claimOffsets(seed);
  const w = ['voice', 'mixed', 'hard'].indexOf(workload);
  const tasks = generateWorkload(workload, Number(values.tasks ?? 2000), seed * 1000 + w, deadlineS * 1000);
  const cut = Math.floor(0.2 * tasks.length);
  return {
    workload,
    deadlineS,
    seed,
    offsets,
    declared: declaredProfiles(seed, offsets),
    tasks,
    outcomes: realiseAll(tasks, seed * 7919 + w),
    /** Seed of the oracles' draws, as bench:routing gives it. */
    oracleSeed: seed * 7919 + w,
    cut,
    warmup: tasks.slice(0, cut),
    scored: tasks.slice(cut),
    variants: values.variants,
  };
}
