/**
 * bench:routing — routing quality on SIMULATED fleets and workloads (seeded, reproducible), built so that it does
 * not favour Rightsize (issue 10, item 6): the truth is not the matcher's model (step ceilings with a narrow soft
 * band, pMax < 1, heavy-tailed reasoning tokens, agents that over- and under-claim by 1.5–3), the Router learns only
 * from what a broker observes (the verifier's verdicts), the oracle is the best plan under the true probabilities
 * for the same objective, every baseline is tuned on the first 20 % and all are scored on the other 80 %, and every
 * workload is reported at every deadline (120, 180, 300 and 600 s) with a domination check.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { claimOffsets, declaredProfiles } from './routing/fleet.js';
import { byBand, type Metrics, metricsOf } from './routing/metrics.js';
import { paretoSvg } from './routing/report.js';
import {
  bestSingle,
  estimateOnlyOracle,
  hindsightOracle,
  ORACLE_DRAWS,
  objective,
  randomStrategy,
  realisedCostOracle,
  rightsize,
  type StrategyRun,
  strongestDeclared,
  thresholdEscalation,
  trueOracle,
  tunedCascade,
  VALUE_OF_SUCCESS,
} from './routing/strategies.js';
import { generateWorkload, realiseAll, type WorkloadName } from './routing/workload.js';

const HELP = `Usage: npm run bench:routing [-- --json] [--tasks 2000] [--seed 1] [--no-write]

Everything is simulated (fleet, tasks, outcomes) and seeded. Runs the voice workload (its own real-time deadlines)
and the mixed and hard workloads at completion deadlines of 120, 180, 300 and 600 s. Writes
docs/routing-benchmark.md and the SVG plots unless --no-write; prints the report, or one JSON object with --json.`;

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
if (!Number.isInteger(taskCount) || taskCount < 100 || !Number.isInteger(seed)) {
  console.error(`--tasks must be an integer ≥ 100, --seed an integer\n\n${HELP}`);
  process.exit(2);
}
const log = (line: string) => {
  if (!values.json) console.error(line);
};

/** Settings fixed before any result was seen: deadlines, warm-up share, value of a success. */
const DEADLINES_S = [120, 180, 300, 600] as const;
const WARMUP = 0.2;
const offsets = claimOffsets(seed);
const declared = declaredProfiles(seed, offsets);

interface StrategyReport extends Metrics {
  readonly strategy: string;
  readonly tuned: string | undefined;
  readonly objectivePerTask: number;
  readonly oracleShare: number;
  readonly costRatioToOracle: number | null;
  readonly bands: ReturnType<typeof byBand>;
}

const CASES: Array<{ workload: WorkloadName; deadlineS: number | null }> = [
  { workload: 'voice', deadlineS: null },
  ...(['mixed', 'hard'] as const).flatMap((workload) => DEADLINES_S.map((deadlineS) => ({ workload, deadlineS }))),
];

const cases = CASES.map(({ workload, deadlineS }, k) => {
  const label = deadlineS === null ? `${workload} (real-time deadlines)` : `${workload} @ ${deadlineS} s`;
  log(`[${k + 1}/${CASES.length}] ${label}: ${taskCount} tasks`);
  const w = ['voice', 'mixed', 'hard'].indexOf(workload);
  const tasks = generateWorkload(workload, taskCount, seed * 1000 + w, (deadlineS ?? 600) * 1000);
  const outcomes = realiseAll(tasks, seed * 7919 + w);
  const cut = Math.floor(WARMUP * tasks.length);
  const warmup = tasks.slice(0, cut);
  const scored = tasks.slice(cut);
  const evaluated = (run: StrategyRun) => ({ ...run, results: run.results.slice(-scored.length) });
  const runs: StrategyRun[] = [
    randomStrategy(scored, outcomes, seed),
    strongestDeclared(scored, outcomes, declared),
    bestSingle(warmup, scored, outcomes),
    thresholdEscalation(warmup, scored, outcomes),
    tunedCascade(warmup, scored, outcomes),
    evaluated(rightsize(tasks, outcomes, declared, seed)),
    trueOracle(scored, outcomes, seed * 7919 + w),
    estimateOnlyOracle(tasks, scored, outcomes, seed * 7919 + w),
    realisedCostOracle(scored, outcomes),
    hindsightOracle(scored, outcomes),
  ];
  const oracle = metricsOf((runs.find((r) => r.name.startsWith('oracle (true model')) as StrategyRun).results);
  const strategies: StrategyReport[] = runs.map((run) => {
    const m = metricsOf(run.results);
    return {
      strategy: run.name,
      tuned: run.tuned,
      ...m,
      objectivePerTask: Number((objective(run.results) / run.results.length).toFixed(6)),
      oracleShare: Number((m.successRate / oracle.successRate).toFixed(4)),
      costRatioToOracle: oracle.cost > 0 ? Number((m.cost / oracle.cost).toFixed(3)) : null,
      bands: byBand(scored, run.results),
    };
  });
  const rs = strategies.find((s) => s.strategy.startsWith('rightsize')) as StrategyReport;
  const dominating = strategies
    .filter((s) => !s.strategy.startsWith('oracle') && !s.strategy.startsWith('hindsight') && s !== rs)
    .filter(
      (s) =>
        s.successRate >= rs.successRate && s.cost <= rs.cost && (s.successRate > rs.successRate || s.cost < rs.cost),
    )
    .map((s) => s.strategy);
  return {
    workload,
    deadlineS,
    label,
    tasks: taskCount,
    scored: scored.length,
    strategies,
    baselinesDominatingRightsize: dominating,
    rightsizeOracleShare: rs.oracleShare,
    rightsizeCostRatio: rs.costRatioToOracle,
  };
});

const allMet = cases.map((c) => ({
  label: c.label,
  noDomination: c.baselinesDominatingRightsize.length === 0,
  oracleShareMet: c.rightsizeOracleShare >= 0.95,
  costRatioMet: (c.rightsizeCostRatio ?? Number.POSITIVE_INFINITY) <= 1.15,
}));
const summary = {
  benchmark: 'bench:routing',
  simulated: true,
  seed,
  tasksPerCase: taskCount,
  warmupShare: WARMUP,
  valueOfSuccessUsd: VALUE_OF_SUCCESS,
  claimOffsets: Object.fromEntries(offsets),
  baseline: 'oracle (true model, expected value, with escalation): shares and ratios are relative to it',
  cases,
  targets: {
    noTunedBaselineBetterOnBoth: allMet.every((c) => c.noDomination),
    atLeast95PercentOfOracleSuccess: allMet.every((c) => c.oracleShareMet),
    atMost115xOracleCost: allMet.every((c) => c.costRatioMet),
    perCase: allMet,
  },
};

/**
 * Why the Router loses to the tuned baselines (measured on seed 2, never the reported seed, with
 * `npx tsx sdk/bench/routing/diagnose.ts [--workload mixed|hard] [--deadline 180] [--seed 2]`).
 */
const DIAGNOSIS = [
  '## Diagnosis (seed 2, mixed and hard at 180 s; `npx tsx sdk/bench/routing/diagnose.ts`)',
  '',
  '- **Refusals: none.** The Router serves every task (best effort: 0 decisions needed it); the old engine refused',
  '  26–32 %.',
  '- **Estimator bias: none left on the agents it uses.** Mean predicted P(success) of the first choice against the',
  '  realised first-attempt success, per agent (mixed): sim-cloud-coder 0.884 / 0.877, sim-cloud-fast 0.700 / 0.682,',
  '  sim-edge-plan 0.953 / 0.955, sim-edge-math 0.810 / 0.839, sim-edge-fast 0.849 / 0.825. The exception is the free',
  '  over-claiming sim-device-math (0.23 / 0.09), chosen for tasks whose expected value does not pay for any priced',
  '  agent — the Router’s way of declining, where the oracle declines outright.',
  '- **Exploration is not the cost:** without it the mixed cost per task rose ($5.6e-3 → $8.0e-3) at equal success.',
  '- **The escalation plan is.** A cap of 4 escalations instead of 2 changes nothing (the spec’s plan stops at the',
  '  first agent not strictly likelier to succeed, and the Router keeps a step only when λ·P > its cost). At equal',
  '  success (80 %) the Router spends $5.6e-3 per task against $1.9e-3–2.2e-3 for the tuned threshold + escalation and',
  '  cascade: after a failure it escalates to thinking agents whose cost exceeds the prediction, because a failure',
  '  means a harder task (more reasoning tokens) than the one predicted. Tried: re-planning each escalation step with the',
  '  difficulty conditioned on the failures (the posterior of c reweighted by Π(1 − P_a(c))). Mixed: cost −36 %,',
  '  objective 0.0746 → 0.0759, success −0.8 points; hard: success 0.196 → 0.116, objective 0.0134 → 0.0088 — rejected',
  '  on seed 2 and not kept.',
  '- **First attempt:** 73.6 % against the oracle’s 75.3 % (expected-value oracle) — close; the earlier oracle’s',
  '  85 % came from knowing which attempt would be fast, cheap and within its reasoning budget.',
  '- **The oracle** was partly clairvoyant (see above); replaced by the expected-value one, the earlier kept as a row.',
];

function markdown(): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const money = (x: number | null) => (x === null ? '—' : `$${x.toExponential(2)}`);
  const yes = (b: boolean) => (b ? 'yes' : '**no**');
  const lines = [
    '# Routing benchmark (simulated)',
    '',
    `Generated by \`npm run bench:routing\` (seed ${seed}, ${taskCount} tasks per case, Node ${process.version}).`,
    'Every agent, task and outcome is **simulated**. The protocol is built not to favour Rightsize (issue 10, item 6):',
    '',
    '- **Truth that is not the matcher’s model.** Success is a hard step at each agent’s true ceiling with a ±0.25',
    '  soft band, topping out at pMax 0.88–0.97 (never 1); reasoning tokens are heavy-tailed (log-normal σ 0.7, and a',
    '  Pareto(1.5) blow-up on 10 % of attempts) against the agents’ budgets; latencies log-normal with a 3 % Pareto',
    `  tail. Two agents over-claim and two under-claim their ceilings by 1.5–3 units (${[...offsets]
      .filter(([, o]) => Math.abs(o) > 0)
      .map(([id, o]) => `${id} ${o > 0 ? '+' : ''}${o.toFixed(2)}`)
      .join(', ')}).`,
    '- **Realistic feedback only.** The Router learns online from the verifier’s verdict (90 % sensitive) and the',
    '  reported cost of each attempt — nothing about the true complexity. Clients state a complexity with N(0, 1) error',
    '  (15 % state none).',
    `- **Same objective for all:** ${VALUE_OF_SUCCESS} USD per success minus the cost (the Router's λ).`,
    '- **A true upper bound:** the oracle picks, per task, the best plan (one agent, or one then another on a',
    '  rejection) for that objective in expectation under the TRUE model — the true complexity, curves, latency, token',
    `  and price distributions, expectations estimated from ${ORACLE_DRAWS} independent draws per (task, agent) — then runs it on the`,
    '  scored outcomes. It bounds every strategy that cannot see the scored realisation. The previous version also',
    '  knew the scored attempt’s cost, time and reasoning-budget cut (which heavy-tailed attempt would blow up) — a',
    '  partly clairvoyant bound no router can approach; it is kept as a row ("oracle seeing each attempt’s cost and',
    '  time"), with the hindsight row that sees every outcome.',
    `- **Tuned baselines:** every baseline is tuned on the first ${100 * WARMUP} % of the tasks (pair and threshold; ladder,`,
    '  start and depth; best single agent); all strategies are scored on the remaining 80 %. The Router learns from',
    '  task 1 (warm-up included) and is scored on the same 80 %.',
    '- **Every deadline:** mixed and hard at 120, 180, 300 and 600 s; voice at its real-time deadlines (1 s first',
    '  response, 2.5 s completion). Settings were fixed before any result was seen.',
    '',
    '## Targets (every case)',
    '',
    '| case | no tuned baseline better on both | ≥ 95 % of oracle success | ≤ 1.15× oracle cost |',
    '|---|:---:|:---:|:---:|',
    ...cases.map(
      (c) =>
        `| ${c.label} | ${c.baselinesDominatingRightsize.length === 0 ? 'yes' : `**no** (${c.baselinesDominatingRightsize.join(', ')})`} | ${yes(c.rightsizeOracleShare >= 0.95)} (${pct(c.rightsizeOracleShare)}) | ${yes((c.rightsizeCostRatio ?? Infinity) <= 1.15)} (${c.rightsizeCostRatio ?? '—'}×) |`,
    ),
    '',
  ];
  lines.push(...DIAGNOSIS, '');
  for (const c of cases) {
    lines.push(`## ${c.label}`, '');
    if (c.deadlineS === null || c.deadlineS === 180) lines.push(`![${c.label}](routing-${c.workload}.svg)`, '');
    lines.push(
      '| strategy | success | first-attempt success | cost/task | objective/task | p95 ms | deadline miss | attempts | share of oracle | cost ÷ oracle | tuned |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const s of c.strategies)
      lines.push(
        `| ${s.strategy} | ${pct(s.successRate)} | ${pct(s.firstAttemptSuccessRate)} | ${money(s.costPerTask)} | ${s.objectivePerTask.toFixed(4)} | ${s.p95Ms.toFixed(0)} | ${pct(s.deadlineMissRate)} | ${s.attemptsPerTask} | ${pct(s.oracleShare)} | ${s.costRatioToOracle ?? '—'} | ${s.tuned ?? ''} |`,
      );
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

if (!values['no-write']) {
  const docs = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');
  await mkdir(docs, { recursive: true });
  await writeFile(join(docs, 'routing-benchmark.md'), markdown());
  for (const c of cases.filter((x) => x.deadlineS === null || x.deadlineS === 180))
    await writeFile(
      join(docs, `routing-${c.workload}.svg`),
      paretoSvg(`${c.label}: success vs cost per task`, c.strategies),
    );
  log(`wrote ${join(docs, 'routing-benchmark.md')} and the SVG plots`);
}

console.log(values.json ? JSON.stringify(summary) : markdown());
