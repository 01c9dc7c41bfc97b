/** Metrics of bench:routing: per strategy and workload, and by complexity band. */
import type { TaskResult } from './strategies.js';
import type { SimTask } from './workload.js';

export interface Metrics {
  readonly tasks: number;
  readonly successRate: number;
  readonly firstAttemptSuccessRate: number;
  readonly cost: number;
  readonly costPerTask: number;
  readonly costPerSuccess: number | null;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly deadlineMissRate: number;
  readonly attemptsPerTask: number;
}

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
const round = (x: number, digits = 4) => Number(x.toFixed(digits));

export function metricsOf(results: readonly TaskResult[]): Metrics {
  const n = results.length;
  const successes = results.filter((r) => r.success).length;
  const cost = results.reduce((s, r) => s + r.cost, 0);
  const elapsed = results
    .filter((r) => r.attempts.length > 0)
    .map((r) => r.elapsedMs)
    .sort((a, b) => a - b);
  return {
    tasks: n,
    successRate: round(successes / Math.max(1, n)),
    firstAttemptSuccessRate: round(results.filter((r) => r.firstAttemptSuccess).length / Math.max(1, n)),
    cost: round(cost, 6),
    costPerTask: round(cost / Math.max(1, n), 8),
    costPerSuccess: successes > 0 ? round(cost / successes, 8) : null,
    p50Ms: round(quantile(elapsed, 0.5), 1),
    p95Ms: round(quantile(elapsed, 0.95), 1),
    deadlineMissRate: round(results.filter((r) => r.deadlineMiss).length / Math.max(1, n)),
    attemptsPerTask: round(results.reduce((s, r) => s + r.attempts.length, 0) / Math.max(1, n), 3),
  };
}

export const BANDS = [
  { name: 'easy (c<4)', lo: 0, hi: 4 },
  { name: 'medium (4≤c<8)', lo: 4, hi: 8 },
  { name: 'hard (c≥8)', lo: 8, hi: Number.POSITIVE_INFINITY },
] as const;

export function byBand(tasks: readonly SimTask[], results: readonly TaskResult[]) {
  return BANDS.map((b) => {
    const picked = results.filter((_, i) => {
      const c = (tasks[i] as SimTask).trueComplexity;
      return c >= b.lo && c < b.hi;
    });
    const m = metricsOf(picked);
    return { band: b.name, tasks: m.tasks, successRate: m.successRate, costPerTask: m.costPerTask };
  });
}
