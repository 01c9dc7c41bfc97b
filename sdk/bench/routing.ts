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

/** Mean objective per task over seeds 2–7 at 180 s (`sweep.ts`), in the order status quo → change. */
const SWEEP_LINES = [
  '| Router at 180 s, mean objective per task, seeds 2–7 | mixed | hard | voice |',
  '|---|---:|---:|---:|',
  '| myopic plan (before this change) | 0.07160 | 0.00799 | 0.09268 |',
  '| myopic plan + verifier model (`falseSuccessRate` 0.1) | 0.07218 | 0.00703 | 0.09314 |',
  '| **plan by expected value (`failureDetection` 0.9, now the bench’s Router)** | **0.07669** | **0.01250** | **0.09598** |',
  '| plan by value + verifier model | 0.07709 | 0.00884 | 0.09594 |',
  '| plan by value, exploration budget 0.1 (0.05 in the bench) | 0.07659 | 0.01112 | 0.09581 |',
  '| plan by value, exploration budget 0.2 | 0.07746 | 0.01223 | 0.09508 |',
  '| oracle (true model) | 0.08166 | 0.02031 | 0.09683 |',
];

/**
 * Why the Router lost to the tuned baselines and falls short of the oracle (measured on seeds 2–7, never the
 * reported seed, with `sweep.ts`, `diagnose.ts` and `trace.ts` in sdk/bench/routing).
 */
const DIAGNOSIS = [
  '## Diagnosis (seeds 2–7, never the reported seed)',
  '',
  '### Stop 13: the difficulty scale and the price of escalations',
  '',
  'Commands: `npx tsx sdk/bench/routing/trace.ts --workload hard --seed 2` (per band of true complexity: the Router’s',
  'plans against the oracle’s, learned difficulty − truth, learned curves), a per-task print of the assessments',
  '(predicted P, cost and time of every agent against 64 fresh draws of the truth) and `npx tsx',
  'sdk/bench/routing/sweep.ts --seeds 2,3,4,5,6,7 --workloads hard,mixed,voice --deadline 180 --variants …`.',
  '',
  '- **Why the Router spent 0.24× the oracle’s cost for half its success on hard.** Not refusals, not λ and not the',
  '  plan’s length: the oracle wins hard on tasks of true complexity 5–8, opening with an edge agent and escalating',
  '  to a thinking agent (sim-cloud-think-code) on a rejection; the Router never escalated to a thinking agent. (1) Its',
  '  learned difficulty was 1–2 units below the truth (hard, seed 2: d − c from −0.8 at c 6–7 to −2.2 at c 10–11;',
  '  undeclared tasks at ≈ 4.2, the spec’s default 4 plus learned weights, on a workload of 6–12), and the agents it',
  '  had tried were learned on that shifted scale (sim-cloud-fast at 3.0 in math, truth 6); the thinking agents, never',
  '  tried, stayed on the declared scale. (2) Their price corrections came from the few escalations they served,',
  '  which follow failures, so their tasks are harder than predicted: mean actual ÷ predicted cost 10–20 (at learned',
  '  difficulty 4.2 for a true 8–9), factors 4–7 (sim-cloud-think 7.0, sim-cloud-think-code 6.7 at the end of seed 2),',
  '  so every thinking attempt was predicted at 0.2–0.5 USD where it costs 0.04–0.1. (3) What remained were free',
  '  device agents opened on hopeless tasks (0 cost) and learned as flat lotteries.',
  '- **Fixes** (general mechanisms in the SDK, each settled on seeds 2–7 before seed 1 was run):',
  '  - `declared-scale.ts` (Router default): every declaration teaches a per-domain regression of the declared',
  '    complexity on the text features; an undeclared task starts from its prediction (and spread) instead of 4.',
  '  - `cost.ts`: escalations’ costs are recorded apart (`escalationFactor`) and price only escalation steps in the',
  '    plan by value (Router default).',
  '  - learner `anchorDeclared` (on in this bench): a declared task’s difficulty is its declared value and its',
  '    outcomes move only the agent, so the scale cannot drift away from the untried agents’ declared ceilings.',
  '',
  '| Router at 180 s, mean objective per task, seeds 2–7 | hard | mixed | voice |',
  '|---|---:|---:|---:|',
  '| stop 12 (plan by value) | 0.01250 | 0.07669 | 0.09598 |',
  '| + declared scale, escalation costs mixed into the price factor | 0.01261 | — | — |',
  '| + declared scale, escalation costs dropped (first attempts only) | 0.00886 | 0.07832 | — |',
  '| + declared scale, escalation costs apart (the Router’s defaults now) | 0.01330 | 0.07838 | 0.09564 |',
  '| **+ `anchorDeclared` (the bench’s Router)** | **0.01474** | **0.07850** | **0.09574** |',
  '| oracle (true model) | 0.02031 | 0.08166 | 0.09683 |',
  '',
  '- Per seed, hard: the bench’s Router reaches 53–69 % of the oracle’s success at 0.32–0.47× its cost (stop 12:',
  '  49–66 % at 0.34–0.63×); dropping escalation costs reached 62–109 % but at 1.0–4.0× (seed 5: 3.95×), and with',
  '  no price correction at all (before the declared scale) 81–126 % at 3–14× (objective −0.027): the thinking agents’',
  '  heavy-tailed reasoning costs more than the prediction at the declared complexity, which is what the correction',
  '  learns. A first version of anchoring that let the first undeclared tasks of a domain (before any declaration)',
  '  move the shared weights collapsed on seed 4 (14 % of the oracle’s success, difficulties +2 to +4 high and then',
  '  frozen); an anchored difficulty is now exactly the declared value.',
  '- Mixed: the declared scale raises five seeds of six (mean 0.07838 against 0.07669); anchoring is within the',
  '  seed spread there (−0.0006 to +0.0016 per seed). Voice (seeds 6 and 7 finished after seed 1 was started;',
  '  nothing was changed): 0.09574 anchored, 0.09564 without, 0.09598 at stop 12 — slightly lower; threshold +',
  '  escalation dominates the bench’s Router on seeds 3, 6 and 7 (on 7 the cascade too).',
  '- **Sensitivity** of what this stop added: the table above is the on/off sensitivity of each mechanism; the',
  '  declared-scale regression’s own constants (prior sd 3 on the intercept, noise 1, sigma prior 2 worth 4',
  '  declarations) were set once from the spec’s scale and not varied.',
  '- **Left:** hard stays far below the 95 % target — the reference oracle that knows the true agents but only the',
  '  client’s estimate reaches 74 % — and the Router still opens hopeless tasks with free lotteries; the escalation’s',
  '  success is not conditioned on the failure before it.',
  '',
  '### Before stop 13',
  '',
  'Commands: `npx tsx sdk/bench/routing/sweep.ts --seeds 2,3,4,5,6,7 --workloads mixed,hard,voice --variants …`',
  '(Router variants against the oracle and the tuned baselines, per seed), `npx tsx sdk/bench/routing/trace.ts',
  '--workload mixed --deadline 180 --seed 2` (per-task traces by domain and band of true complexity, learned curves',
  'against the truth) and `npx tsx sdk/bench/routing/diagnose.ts --workload mixed --deadline 180 --seed 2`.',
  '',
  '### The main cause: the Router chose the best single agent, not the best plan',
  '',
  '- The tuned threshold + escalation router wins by trying a cheap agent first and escalating when the verifier',
  '  rejects its answer (it catches 90 % of wrong ones); the oracle does the same (mixed, seed 2: 611 of 1 600 tasks',
  '  first to a free on-device agent). The Router picked the agent of the largest λ · P − cost and then the spec’s',
  '  escalation plan: a free agent at P 0.969 lost to a priced one at 0.977 (λ · ΔP 0.0008 > its price 0.0004), although',
  '  trying the free one first and escalating on a rejection is worth more. It sent 7 of 2 000 tasks to the free',
  '  sim-device-chat; the oracle 341 of the 1 600 scored.',
  '- **Fix** (`plan.ts`, Router option `failureDetection`): with λ and the probability that a failure is detected,',
  '  the Router chooses the plan (first agent and escalations, each fitting the deadline) of the largest expected',
  '  value Σᵢ Πⱼ<ᵢ(1 − Pⱼ)·d · (λ Pᵢ − costᵢ) over its 8 best candidates; a broker knows its verifier’s detection rate',
  '  (here 0.9). Settled on seeds 2–7 before the reported seed was run:',
  '',
  ...SWEEP_LINES,
  '',
  'The gain of planning by value is positive on every workload and seed (mixed +0.0030 to +0.0083, hard +0.0011 to',
  '+0.0081, voice +0.0018 to +0.0075 per task). Tuned baselines still dominating it at 180 s: mixed 3 of 6 seeds',
  '(cascade or threshold + escalation), voice 3 of 6 (threshold + escalation), hard none.',
  '',
  '### What is left',
  '',
  '- **Learning the agents.** Under-claiming agents are found slowly: at the end of mixed seed 2 (myopic Router)',
  '  the free sim-device-chat (true dialogue ceiling 4.5, declared 2.3) was learned at 4.4 after 7 tries, the',
  '  under-claiming sim-edge-plan at 5.1 in planning (truth 7.5). On voice seed 3 (plan by value) the Router starts',
  '  about 1 200 of 1 600 tasks on sim-cloud-fast and 220 on sim-edge-fast, the oracle about 250 and 800 (learned',
  '  pMax 0.97 and 0.93, truth 0.95 and 0.92): a difference of latency and pMax the Router has not resolved; that is',
  '  where threshold + escalation (always sim-edge-fast first) is cheaper at the same success.',
  '- **Part of the gap is information no router has.** The oracle knows each task’s true complexity; the Router has',
  '  the client’s estimate (error N(0, 1), plus the task’s own N(0, 0.6)). The reference row “oracle knowing only the',
  '  client’s estimate” — the same planner with the TRUE agents, but each draw’s complexity from the estimate’s error',
  '  model — reaches 74 % of the oracle’s success on hard, 94.5–96 % on mixed and 100 % on voice. The ≥ 95 % target',
  '  on hard is therefore out of reach of any router told what the Router is told, at the same objective.',
  '- **Hard, before this change:** the Router’s predictions hardly varied by task (0.10–0.38 for the oracle’s agent',
  '  where the truth is 0.83–0.94; ~0.2 on hopeless tasks where the truth is 0–0.04) and it declined solvable tasks',
  '  by sending them to a free agent with no escalation worth its cost; planning by value weighs the escalation after',
  '  a rejection into the first choice.',
  '',
  '### Tried and rejected (settings fixed on seeds 2–7; the reported seed was never used)',
  '',
  '- **Modelling the verifier in the learner** (`falseSuccessRate` 0.1: outcomes learned as 0.1 + 0.9 · P, so the',
  '  curves are of true success): correct in the brute-force test, but on hard it collapses two seeds in six (success',
  '  8 % and 32 % of the oracle’s: every failure is now informative, and the shared difficulty weights absorb the',
  '  over-claiming free agent’s failures, so every agent looks worse and the Router declines) — hard 0.01250 →',
  '  0.00884 with plan by value; the option stays in the learner, off here.',
  '- **A larger exploration budget with plan by value** (0.1 and 0.2 against 0.05): mixed −0.0001 and +0.0008,',
  '  hard −0.0014 and −0.0003, voice −0.0002 and −0.0009 per task; tuned baselines dominate it on as many seeds',
  '  (0.2: mixed 3 of 6, voice 3 of 6): not adopted.',
  '- **Earlier:** learning under the declared complexity’s spread (probit-smoothed slope): hard 0.00799 → 0.00753,',
  '  mixed and voice unchanged; predicting without the client’s sigma, correcting verdicts in the utility',
  '  (P − 0.1)/0.9, log-slope prior sd 0.5–1, ability prior sd 3: each lowered hard on seed 2; `declared` weight',
  '  prior sd 0.1: within the seed spread; re-planning each escalation with the difficulty conditioned on the',
  '  failures: mixed +0.0013, hard −0.0046 (seed 2).',
  '',
  '### Why the tuned baselines still dominate it (stop 12; seeds 2–7 at 180 s, never the reported seed)',
  '',
  'Commands: `npx tsx sdk/bench/routing/trace.ts --workload mixed --deadline 180 --seed 4`, `npx tsx',
  'sdk/bench/routing/diagnose.ts --workload voice --seed 3 --variants default,"no exploration"` and `npx tsx',
  'sdk/bench/routing/sweep.ts --seeds 2,3,4,5,6,7 --deadline 180 --variants default,"anchored difficulty",…`. Default',
  'Router at 180 s: dominated on mixed seeds 3, 4, 6 (cascade; threshold + cascade; threshold), on voice seeds 3, 6, 7',
  '(threshold + escalation), on hard none.',
  '',
  '- **Free agents are learned as flat lotteries.** Mixed, seed 4, end of the run: the free sim-device-math is learned',
  '  in math at ability 9.4 and pMax 0.19 (truth 3.5 and 0.88; declared 3.15), sim-device-chat in planning at 8.1 and',
  '  0.16 (truth 2.5 and 0.88). The plan search opens hopeless tasks with a free attempt (under the learned logistic',
  '  tails it is worth a try before an escalation), the verifier accepts 10 % of wrong answers, and a reported success',
  '  at complexity 10 is explained by a high ability with a low pMax. So (1) on easy tasks (true complexity < 3) the',
  '  free agents are predicted 0.28–0.69 where they succeed 0.88–0.89, and the Router pays edge agents where the oracle',
  '  opens with the free ones; (2) on medium tasks the Router opens with free lotteries (predicted 0.38, true 0.04) and',
  '  escalates to cheap agents that fail: dialogue at true complexity 6–7 and 7–8 it succeeds 5 % and 0 % where the',
  '  oracle (sim-cloud-fast) succeeds 95 % and 92 %, extraction 6–7 and 7–8 27 % and 0 % against 100 % and 89 %.',
  '- **Under-claiming agents are never corrected where it matters.** Same run: sim-cloud-fast (declared 2.4 below its',
  '  truth) is learned at ability 1.3–2.5 in math, planning and code (truth 6), sim-cloud-coder at 1.0 in code (truth',
  '  6.5): the oracle opens 83 and 135 of the 1 600 scored tasks with them, the Router 67 and 61. Overall the Router',
  '  succeeds 78.4 % at 3.5e-3 USD per task, threshold + escalation 78.5 % at 1.2e-3, the cascade 80.7 % at 2.3e-3',
  '  (oracle 85.3 % at 3.3e-3); 890 of its first attempts go to the over-claiming sim-edge-math.',
  '- **The learned difficulty is biased upwards** by +0.2 to +1.7 per band of true complexity (mixed, seed 4).',
  '- **Voice (seed 3):** the Router opens 1 208 of 1 600 tasks on sim-cloud-fast (pMax 0.95, true) and tries the free',
  '  sim-device-chat once (it under-claims its dialogue ceiling by 1.7); the tuned threshold router opens on',
  '  sim-edge-fast and escalates to sim-device-chat: 97.3 % at 4.5e-5 USD per task against the Router’s 96.9 % at',
  '  2.0e-4 (oracle 96.9 % at 1.1e-4). On voice a success is worth 500–2 000 times an attempt’s price, so the',
  '  objectives differ by about 0.001 per task or less and domination turns on cost alone.',
  '',
  'Tried this stop and rejected (seeds 2–7 at 180 s, mean objective per task; the Router of the report is unchanged):',
  '',
  '| variant | mixed | hard | voice | dominated (mixed / hard / voice) |',
  '|---|---:|---:|---:|---|',
  '| bench’s Router (default) | 0.07669 | 0.01250 | 0.09598 | 3 / 0 / 3 of 6 |',
  '| verifier model (`falseSuccessRate` 0.1) | seeds 2–4: 0.07720, 0.07793, 0.07825 (default 0.07721, 0.07852, 0.07493) | — | seeds 3, 6, 7: 0.09610, 0.09509, 0.09592 (default 0.09674, 0.09583, 0.09603) | mixed 3, 4; voice 3, 6, 7 |',
  '| anchored difficulty (prior sd of the complexity scale 0.05, of domain difficulties 0.3) | seeds 2–4: 0.07739, 0.07551, 0.07856 | 0.01163 | 0.09599 | mixed 3; hard 2 of 6 (4, 5); voice 3 of 6 (3, 6, 7) |',
  '| anchored difficulty + verifier model | seed 4: 0.07541 (cost 1.69× the oracle’s) | — | — | — |',
  '',
  'The verifier model removes the flat lotteries’ cause but not the domination; anchoring the difficulty to the',
  'declared complexity (unbiased in this simulation) helps mixed on seed 4 (+0.0036, no longer dominated) and hurts it',
  'on seed 3 (−0.0030) and hard on four seeds in six. Runs stopped early (the machine was shared, load 16–27) are',
  'marked by the seeds listed.',
  '',
  '**Next:** exploration aimed at agents whose draw could change the plan (free and under-claiming ones: a free',
  'attempt on an easy task costs nothing but latency), not opening hopeless tasks with free lotteries whose tails the',
  'learned curve cannot resolve, per-domain difficulty scales that an over-claiming free agent cannot move for every',
  'agent, and the escalation value conditioned on the first failure.',
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
    '- **The Router here:** λ = that value, exploration budget 0.05, plans by expected value given the verifier’s',
    '  detection of wrong answers (`failureDetection` 0.9: a broker knows its own verifier), declared difficulties',
    '  anchored (`anchorDeclared`: the clients’ estimates are unbiased here), otherwise the defaults (undeclared tasks',
    '  on the declared scale, escalation costs kept apart from first attempts).',
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
