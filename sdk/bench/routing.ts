/**
 * bench:routing — routing quality on SIMULATED fleets and workloads (seeded, reproducible). Compares random,
 * always-cheapest, always-strongest, best single agent, a RouteLLM-style threshold router, a FrugalGPT-style
 * cascade, Rightsize, and the informed and hindsight oracles, on a real-time voice mix, a mixed enterprise mix and
 * a hard reasoning mix; then the calibration experiment (30 % of agents over-claim by 2).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { declaredProfiles, pickOverClaimers } from './routing/fleet.js';
import { byBand, type Metrics, metricsOf } from './routing/metrics.js';
import { learningSvg, paretoSvg } from './routing/report.js';
import {
  bestSingleStrategy,
  cascadeStrategy,
  cheapestStrategy,
  hindsightOracle,
  informedOracle,
  randomStrategy,
  rightsizeStrategy,
  strongestStrategy,
  type TaskResult,
  thresholdStrategy,
} from './routing/strategies.js';
import { generateWorkload, realiseAll, type WorkloadName } from './routing/workload.js';

const HELP = `Usage: npm run bench:routing [-- --json] [--tasks 2000] [--seed 1] [--no-write]

Everything is simulated (fleet, tasks, outcomes) and seeded. Writes docs/routing-benchmark.md and the SVG plots
unless --no-write; prints a summary table, or one JSON object with --json.`;

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    tasks: { type: 'string' },
    seed: { type: 'string' },
    'no-write': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const taskCount = Number(values.tasks ?? 2000);
const seed = Number(values.seed ?? 1);
if (!Number.isInteger(taskCount) || taskCount < 100 || !Number.isInteger(seed))
  throw new Error('--tasks must be an integer ≥ 100, --seed an integer');
const log = (line: string) => {
  if (!values.json) console.error(line);
};

const WORKLOADS: WorkloadName[] = ['voice', 'mixed', 'hard'];
const honest = declaredProfiles(seed, new Set());

interface StrategyReport extends Metrics {
  readonly strategy: string;
  readonly oracleShare: number;
  readonly hindsightShare: number;
  readonly costRatioToOracle: number | null;
  readonly regretPoints: number;
  readonly bands: ReturnType<typeof byBand>;
}

const workloads = WORKLOADS.map((name, w) => {
  log(`[${w + 1}/${WORKLOADS.length}] ${name}: generating ${taskCount} tasks and realising every agent's outcome`);
  const tasks = generateWorkload(name, taskCount, seed * 1000 + w);
  const outcomes = realiseAll(tasks, seed * 7919 + w);
  const best = bestSingleStrategy(tasks, outcomes);
  const runs: Array<[string, TaskResult[]]> = [
    ['random', randomStrategy(tasks, outcomes, seed)],
    ['always-cheapest', cheapestStrategy(tasks, outcomes, honest)],
    ['always-strongest', strongestStrategy(tasks, outcomes, honest)],
    [`best-single (${best.agent})`, best.results],
    ['threshold (RouteLLM-style)', thresholdStrategy(tasks, outcomes)],
    ['cascade (FrugalGPT-style)', cascadeStrategy(tasks, outcomes, honest)],
    ['rightsize', rightsizeStrategy(tasks, outcomes, { profiles: honest, calibrate: true })],
    ['informed-oracle', informedOracle(tasks, outcomes)],
    ['hindsight-oracle', hindsightOracle(tasks, outcomes)],
  ];
  log(`    ran ${runs.length} strategies`);
  const oracle = metricsOf(runs.find(([n]) => n === 'informed-oracle')?.[1] ?? []);
  const hindsight = metricsOf(runs.find(([n]) => n === 'hindsight-oracle')?.[1] ?? []);
  const strategies: StrategyReport[] = runs.map(([strategy, results]) => {
    const m = metricsOf(results);
    return {
      strategy,
      ...m,
      oracleShare: Number((m.successRate / oracle.successRate).toFixed(4)),
      hindsightShare: Number((m.successRate / hindsight.successRate).toFixed(4)),
      costRatioToOracle: oracle.cost > 0 ? Number((m.cost / oracle.cost).toFixed(3)) : null,
      regretPoints: Number((100 * (oracle.successRate - m.successRate)).toFixed(2)),
      bands: byBand(tasks, results),
    };
  });
  const rightsize = strategies.find((s) => s.strategy === 'rightsize') as StrategyReport;
  const dominating = strategies
    .filter((s) => !s.strategy.includes('oracle') && s.strategy !== 'rightsize')
    .filter(
      (s) =>
        s.successRate >= rightsize.successRate &&
        s.cost <= rightsize.cost &&
        (s.successRate > rightsize.successRate || s.cost < rightsize.cost),
    )
    .map((s) => s.strategy);
  return { workload: name, tasks: taskCount, strategies, baselinesDominatingRightsize: dominating };
});

// Calibration experiment: the mixed workload, an honest fleet vs one where 30 % of agents over-claim by 2 units.
log('[calibration] mixed workload, 30 % of agents over-claiming by 2 units');
const WINDOW = 100;
const calTasks = generateWorkload('mixed', taskCount, seed * 1000 + 99);
const calOutcomes = realiseAll(calTasks, seed * 7919 + 99);
const overClaimers = pickOverClaimers(seed);
const overDeclared = declaredProfiles(seed, overClaimers);
const series = {
  honest: rightsizeStrategy(calTasks, calOutcomes, { profiles: honest, calibrate: true }),
  overClaimCalibrated: rightsizeStrategy(calTasks, calOutcomes, { profiles: overDeclared, calibrate: true }),
  overClaimUncalibrated: rightsizeStrategy(calTasks, calOutcomes, { profiles: overDeclared, calibrate: false }),
};
const windows = (results: TaskResult[]) =>
  Array.from({ length: Math.floor(results.length / WINDOW) }, (_, i) =>
    Number((results.slice(i * WINDOW, (i + 1) * WINDOW).filter((r) => r.success).length / WINDOW).toFixed(3)),
  );
const after = (results: TaskResult[], from: number) => metricsOf(results.slice(from)).successRate;
const gapAfter500 = Number((100 * (after(series.honest, 500) - after(series.overClaimCalibrated, 500))).toFixed(2));
const calibration = {
  workload: 'mixed',
  overClaimers: [...overClaimers],
  window: WINDOW,
  learningCurve: {
    honest: windows(series.honest),
    overClaimCalibrated: windows(series.overClaimCalibrated),
    overClaimUncalibrated: windows(series.overClaimUncalibrated),
  },
  successAfter500: {
    honest: after(series.honest, 500),
    overClaimCalibrated: after(series.overClaimCalibrated, 500),
    overClaimUncalibrated: after(series.overClaimUncalibrated, 500),
  },
  gapPointsAfter500: gapAfter500,
};

const mixed = workloads.find((w) => w.workload === 'mixed');
const mixedRightsize = mixed?.strategies.find((s) => s.strategy === 'rightsize');
const targets = {
  mixedOracleShare: mixedRightsize?.oracleShare ?? null,
  mixedOracleShareMet: (mixedRightsize?.oracleShare ?? 0) >= 0.97,
  mixedCostRatio: mixedRightsize?.costRatioToOracle ?? null,
  mixedCostRatioMet: (mixedRightsize?.costRatioToOracle ?? Number.POSITIVE_INFINITY) <= 1.15,
  mixedHindsightShare: mixedRightsize?.hindsightShare ?? null,
  noBaselineDominatesOnMixed: (mixed?.baselinesDominatingRightsize.length ?? 1) === 0,
  calibrationGapPointsAfter500: gapAfter500,
  calibrationMet: gapAfter500 <= 2,
};
const summary = {
  benchmark: 'bench:routing',
  simulated: true,
  seed,
  tasksPerWorkload: taskCount,
  baseline: 'informed-oracle (ratios and shares are relative to it)',
  workloads,
  calibration,
  targets,
};

function markdown(): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const money = (x: number | null) => (x === null ? '—' : `$${x.toExponential(2)}`);
  const lines = [
    '# Routing benchmark (simulated)',
    '',
    `Generated by \`npm run bench:routing\` (seed ${seed}, ${taskCount} tasks per workload, Node ${process.version}). Every`,
    'agent, task and outcome is **simulated**: ten agents (on-device small non-thinking, edge mid-size hybrid, cloud',
    'fast and cloud thinking models) with true ability curves, log-normal latencies with a 3 % Pareto tail, and prices;',
    'tasks whose true complexity has an idiosyncratic part no router sees, client estimates with N(0, 1) error and 15 %',
    'missing (then estimated from the text), 4G/high-speed-rail links for voice. Each (task, agent) outcome is drawn once',
    "and shared by all strategies. Success = a correct answer delivered within the task's deadlines. Cascades and",
    "Rightsize's escalation use a verifier that catches 90 % of wrong answers.",
    '',
    '## Targets',
    '',
    '| target | measured | met |',
    '|---|---:|:---:|',
    `| mixed: ≥ 97 % of the informed oracle's success | ${pct(targets.mixedOracleShare ?? 0)} | ${targets.mixedOracleShareMet ? 'yes' : 'no'} |`,
    `| mixed: ≤ 1.15× the informed oracle's cost | ${targets.mixedCostRatio ?? '—'}× | ${targets.mixedCostRatioMet ? 'yes' : 'no'} |`,
    `| mixed: no baseline better on both success and cost | ${mixed?.baselinesDominatingRightsize.join(', ') || 'none'} | ${targets.noBaselineDominatesOnMixed ? 'yes' : 'no'} |`,
    `| over-claiming fleet within 2 points of the honest fleet after 500 tasks | ${targets.calibrationGapPointsAfter500} points | ${targets.calibrationMet ? 'yes' : 'no'} |`,
    `| (information) mixed: share of the hindsight oracle's success | ${pct(targets.mixedHindsightShare ?? 0)} | |`,
    '',
  ];
  for (const w of workloads) {
    lines.push(`## Workload: ${w.workload}`, '', `![${w.workload}: success vs cost](routing-${w.workload}.svg)`, '');
    lines.push(
      '| strategy | success | cost/task | cost/success | p50 ms | p95 ms | deadline miss | attempts | share of oracle | cost ÷ oracle | regret (pts) |',
    );
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const s of w.strategies) {
      lines.push(
        `| ${s.strategy} | ${pct(s.successRate)} | ${money(s.costPerTask)} | ${money(s.costPerSuccess)} | ${s.p50Ms.toFixed(0)} | ${s.p95Ms.toFixed(0)} | ${pct(s.deadlineMissRate)} | ${s.attemptsPerTask} | ${pct(s.oracleShare)} | ${s.costRatioToOracle ?? '—'} | ${s.regretPoints} |`,
      );
    }
    lines.push('', 'By complexity band (true complexity): success / cost per task', '');
    lines.push(`| strategy | ${w.strategies[0]?.bands.map((b) => `${b.band} (n=${b.tasks})`).join(' | ')} |`);
    lines.push(`|---|${w.strategies[0]?.bands.map(() => '---:').join('|')}|`);
    for (const s of w.strategies)
      lines.push(
        `| ${s.strategy} | ${s.bands.map((b) => `${pct(b.successRate)} / ${money(b.costPerTask)}`).join(' | ')} |`,
      );
    lines.push('');
  }
  lines.push('## Calibration: 30 % of agents over-claim by 2 units', '');
  lines.push(
    `Over-claiming agents: ${calibration.overClaimers.join(', ')}. Success per window of ${WINDOW} tasks (mixed workload):`,
    '',
  );
  lines.push('![calibration learning curve](routing-calibration.svg)', '');
  lines.push('| series | success after task 500 |', '|---|---:|');
  lines.push(`| honest fleet (calibrating) | ${pct(calibration.successAfter500.honest)} |`);
  lines.push(`| over-claiming fleet, calibrating | ${pct(calibration.successAfter500.overClaimCalibrated)} |`);
  lines.push(`| over-claiming fleet, no calibration | ${pct(calibration.successAfter500.overClaimUncalibrated)} |`);
  lines.push('', `Gap after 500 tasks: ${gapAfter500} points.`, '');
  return `${lines.join('\n')}\n`;
}

if (!values['no-write']) {
  const docs = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');
  await mkdir(docs, { recursive: true });
  await writeFile(join(docs, 'routing-benchmark.md'), markdown());
  for (const w of workloads) {
    await writeFile(
      join(docs, `routing-${w.workload}.svg`),
      paretoSvg(`${w.workload}: success vs cost per task`, w.strategies),
    );
  }
  await writeFile(
    join(docs, 'routing-calibration.svg'),
    learningSvg('Rightsize success per window, mixed workload', WINDOW, [
      { name: 'honest fleet', points: calibration.learningCurve.honest },
      { name: 'over-claiming, calibrating', points: calibration.learningCurve.overClaimCalibrated },
      { name: 'over-claiming, no calibration', points: calibration.learningCurve.overClaimUncalibrated },
    ]),
  );
  log(`wrote ${join(docs, 'routing-benchmark.md')} and the SVG plots`);
}

if (values.json) {
  console.log(JSON.stringify(summary));
} else {
  console.log(markdown());
}
