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

/** Router variants on seeds 2–7 at 180 s (diagnose.ts; mean objective per task, the default's in brackets). */
const VARIANT_LINES = [
  '- **Exploration budget 0.15** (default 0.05 here): hard 0.00852 (0.00798), mixed 0.0719 (0.0716), voice 0.0932',
  '  (0.0927); per seed hard moves −0.0060 to +0.0047. **`declared` weight prior sd 0.1** (scale shift held):',
  '  hard 0.00779, mixed 0.0724, voice 0.0936. Gains within the seed-to-seed spread: neither adopted.',
];

/**
 * Why the Router loses to the tuned baselines and falls short of the oracle (measured on seeds 2–7, never the
 * reported seed, with `npx tsx sdk/bench/routing/diagnose.ts` and `npx tsx sdk/bench/routing/trace.ts`).
 */
const DIAGNOSIS = [
  '## Diagnosis (seeds 2–7, never the reported seed)',
  '',
  'Commands: `npx tsx sdk/bench/routing/trace.ts --workload hard --deadline 180 --seed 2` (per-task traces: the',
  'Router against the oracle by domain and band of true complexity, predicted against true P, learned curves against',
  'the truth) and `npx tsx sdk/bench/routing/diagnose.ts --workload hard --deadline 180 --seed 2 --variants …`.',
  '',
  '### The hard workload (seed 2, 180 s): why the Router is so cheap',
  '',
  '- **Refusals and best effort: not the cause.** Best-effort decisions: 0; nothing is refused. The Router sends 64 %',
  '  of the tasks first to the free sim-device-math (its way of declining: true P 0 on every hard task, predicted 0.10',
  '  because the 90 %-sensitive verifier accepts 10 % of wrong answers and the Router learns from verdicts); the',
  '  oracle declines 66 % outright. Both serve about a third of the tasks with a priced agent.',
  '- **λ: not the cause.** The Router’s λ is the objective’s value of a success (0.1 USD), as for the oracle and the',
  '  tuned baselines; spending more than that objective says would buy success share with a different objective.',
  '- **Plan length and deadlines: not the cause.** A cap of 4 escalations changes nothing (earlier diagnosis: the plan',
  '  stops at the first step not worth its cost); its success moves little with the deadline (12.2–13.4 % at 120–600 s).',
  '- **The cause is discrimination.** On the tasks the oracle solves (true complexity 5–8) the Router predicts',
  '  0.10–0.38 for the oracle’s agent where the truth is 0.83–0.94; on hopeless ones (8–9) it predicts 0.18–0.22 for',
  '  its own choice (truth 0–0.04). Its predictions hardly vary with the task, so it pays for hopeless tasks and',
  '  declines solvable ones: planning at complexity 6–7 — 26 % success against the oracle’s 98 %, 37 of 65 tasks sent',
  '  to the free device agent — and code at 7–8 (14 % against 69 %). Learned curves at the end: pMax of the edge',
  '  agents 0.57–0.87 (truth 0.92), a common downward shift of every ability and of the difficulty scale (the',
  '  `declared` weight at −2.0: harmless, the scale is not identified), and the under-claiming sim-edge-plan still',
  '  below its true planning ceiling (72 first choices in 1 600 tasks).',
  '- **Part of the gap is information no router has.** The oracle knows each task’s true complexity; the Router has',
  '  the client’s estimate (error N(0, 1), plus the task’s own N(0, 0.6)). The reference row “oracle knowing only the',
  '  client’s estimate” — the same planner with the TRUE agents, but each draw’s complexity from the estimate’s error',
  '  model — reaches 74 % of the oracle’s success on hard (0.219 against 0.294, seed 2), 94.5 % on mixed and 100 % on',
  '  voice. The ≥ 95 % target on hard is therefore out of reach of any router told what the Router is told, at the',
  '  same objective; the Router’s 0.134 is 61 % of that reference: the rest is learning the agents.',
  '- **Learning is unstable across seeds.** Router objective per task on hard @ 180 s, seeds 2–7: 0.0101, 0.0089,',
  '  0.0039, 0.0093, 0.0095, 0.0063 (oracle 0.019–0.022); mixed 0.0697–0.0746; voice 0.0881–0.0949.',
  '',
  '### Tried and rejected (settings fixed on seeds 2–7; the reported seed was never used)',
  '',
  '- **Learning under the declared complexity’s spread** (the matcher integrates over the client’s sigma; the learner',
  '  fitted the curve with c at its mean, flattening it twice; fix: probit-smoothed slope k/√(1 + πk²σ²/8) in the',
  '  Laplace update). Mean objective over seeds 2–7: hard 0.00799 → 0.00753, mixed 0.07160 → 0.07156, voice',
  '  0.09267 → 0.09358 — no robust gain; reverted.',
  '- **Predicting without the client’s sigma** (learned sigma only), seed 2: hard 0.0101 → 0.0077, mixed 0.0742 →',
  '  0.0706. **Correcting the verifier’s false accepts** in the utility (P − 0.1)/0.9, seed 2: hard 0.0101 → 0.0076.',
  '- **Learner priors:** log-slope prior sd 0.5 or 1 (steep curves learnable) collapses hard (success 1–2 %: every',
  '  task to free agents); ability prior sd 3: hard 0.0101 → 0.0053 (seed 2).',
  ...VARIANT_LINES,
  '- **Earlier (seed 2):** re-planning each escalation with the difficulty conditioned on the failures: mixed',
  '  objective 0.0746 → 0.0759, hard 0.0134 → 0.0088 — rejected; without exploration the mixed cost rose.',
  '',
  '**Next:** the instability and the flat predictions come from the shared difficulty weights and the free agent’s',
  'verdict noise; a difficulty model trained on more than the chosen agent’s verdicts (or per-domain difficulty',
  'scales) is the lead, not a setting.',
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
    '- **A reference, not a target:** “oracle knowing only the client’s estimate” is the same planner with the TRUE',
    '  agents but only what the Router is told of the task (each draw’s complexity from the estimate’s error model,',
    '  N(estimate, 1 + 0.6²); from the workload’s true complexities in the domain when none is stated). The gap between',
    '  it and the oracle is what the true complexity is worth; between the Router and it, what learning the agents costs.',
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
