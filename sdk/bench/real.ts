/**
 * bench:real — routing on REAL recorded outcomes: the RouteLLM MMLU replay (Mixtral-8x7B vs GPT-4 on 14 042
 * questions, ../shared/data/routellm-mmlu). The Router starts from EQUAL priors for both models, sees the subject
 * (as the domain) and the question text, and learns only the outcome of the model it picked. Reports APGR over a
 * λ sweep, the share of strong calls per λ, the cost at 95 % of GPT-4's accuracy, learning curves and a held-out
 * split, against random, a prompt-length threshold, per-subject hindsight and the hindsight oracle in the same run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_DOUBT_FROM } from '../src/rightsize/learning/dial.js';
import { accuracyOf, apgr, type CurvePoint, oracleCurve, scoreCurve, shareToReach } from './real/curves.js';
import { loadQuestions, type Question, shuffled } from './real/data.js';
import { type DialSweep, dialApgr } from './real/dial-sweep.js';
import { ReplayPool, type Stream } from './real/jobs.js';
import {
  AGENTS,
  continueReplay,
  gainScores,
  PRICES,
  type ReplaySettings,
  routerFor,
  switchScores,
} from './real/replay.js';
import { linePlot } from './real/report.js';

const HELP = `Usage: npm run bench:real [-- --json] [--seed 1] [--limit n] [--budget 0.1] [--ngram-scale 0]
                          [--lambdas 1,2,...] [--dial-lambda 4] [--dial-budget 0.2]
                          [--dial-range off|lo,hi] [--empirical-bayes on|off] [--probe m|off]
                          [--decay-after n|off]
                          [--data dir] [--sensitivity] [--only name,...] [--no-write] [--workers n]

Replays ../shared/data/routellm-mmlu in a fixed shuffled order (mulberry32(seed)). For each λ of the sweep a fresh
Router (equal priors) routes every question, sees only the chosen model's recorded outcome and learns from it.
Writes docs/real-benchmark.md and its SVG plots unless --no-write; --json prints one object with every figure.
--limit uses only the first n questions of the shuffled order (for quick runs and tests). --sensitivity reruns the
sweep with one setting changed at a time (probes, exploration budget, n-grams, replay order) and adds the table;
--only runs just the variants whose names start with one of the given prefixes (e.g. --only "probe,no information").
--probe m gives the fresh Routers information probes (exploration.ts, probe.minSpread m; off: none) and
--decay-after n makes their exploration budget decay as 1/√n after n decisions (exploration.ts, decayAfter; off: a
constant share); both fixed on replay orders 2 and 3 (npx tsx sdk/bench/real/tune-fresh.ts). The dial sweep and the
held-out split use neither (their settings were fixed before, without them).
The dial sweep (one Router learning online at --dial-lambda with exploration budget --dial-budget; the greedy
choice of every λ taken over its beliefs before each question is learned) always runs, with its sensitivity.
--dial-range lo,hi makes its exploration serve every λ of [lo, hi] instead of the training λ only.
--empirical-bayes off keeps the learner's fixed prior widths for the per-subject offsets (default on: learned widths).
Its settings were fixed on replay orders 2 to 5 (npx tsx sdk/bench/real/tune.ts), never on seed 1.
--workers n replays that many runs at once in worker threads (default: the machine's available parallelism).`;

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    seed: { type: 'string' },
    limit: { type: 'string' },
    budget: { type: 'string' },
    'ngram-scale': { type: 'string' },
    lambdas: { type: 'string' },
    'dial-lambda': { type: 'string' },
    'dial-budget': { type: 'string' },
    'dial-range': { type: 'string' },
    'empirical-bayes': { type: 'string' },
    data: { type: 'string' },
    'no-write': { type: 'boolean' },
    sensitivity: { type: 'boolean' },
    only: { type: 'string' },
    probe: { type: 'string' },
    'decay-after': { type: 'string' },
    workers: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const here = dirname(fileURLToPath(import.meta.url));
const number = (name: string, raw: string | undefined, fallback: number, ok: (x: number) => boolean) => {
  const x = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(x) || !ok(x)) {
    console.error(`bench:real: invalid --${name} ${raw}\n\n${HELP}`);
    process.exit(2);
  }
  return x;
};
/** Settings, fixed before the reported run (see docs/real-benchmark.md for how they were chosen). */
const seed = number('seed', values.seed, 1, Number.isInteger);
const workers = number('workers', values.workers, availableParallelism(), (x) => Number.isInteger(x) && x >= 1);
const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : number('limit', values.limit, 0, (x) => x >= 200);
/** Learned prior widths for the per-subject offsets (empirical Bayes); fixed on seeds 2 to 5 by tune.ts. */
const EMPIRICAL_BAYES = { pseudoCount: 0.5, every: 64 } as const;
const empiricalBayes = values['empirical-bayes'] ?? 'on';
if (empiricalBayes !== 'on' && empiricalBayes !== 'off') {
  console.error(`bench:real: invalid --empirical-bayes ${empiricalBayes} (on or off)\n\n${HELP}`);
  process.exit(2);
}
/**
 * The fresh Routers' information probes (minimum spread) and exploration decay (n₀), fixed on seeds 2 and 3 by
 * tune-fresh.ts (docs/real-benchmark.md, "Sixth round"); undefined: off.
 */
const PROBE_MIN_SPREAD: number | undefined = undefined;
const DECAY_AFTER: number | undefined = undefined;
/** The candidates of the sixth round, rejected on seeds 2 and 3: run on seed 1 only as sensitivity variants. */
const TRIED = { probeMinSpread: 0.2, decayAfter: 2000 } as const;
const optional = (name: string, raw: string | undefined, fallback: number | undefined, ok: (x: number) => boolean) =>
  raw === 'off' || (raw === undefined && fallback === undefined) ? undefined : number(name, raw, fallback ?? 0, ok);
const probeSpread = optional('probe', values.probe, PROBE_MIN_SPREAD, (x) => x > 0 && x < 1);
const decayAfter = optional('decay-after', values['decay-after'], DECAY_AFTER, (x) => Number.isInteger(x) && x >= 1);
/** The dial sweep's and the held-out split's settings (no probes: fixed in earlier rounds without them). */
const dialBase: ReplaySettings = {
  explorationBudget: number('budget', values.budget, 0.1, (x) => x >= 0 && x <= 1),
  ngramScale: number('ngram-scale', values['ngram-scale'], 0, (x) => x >= 0),
  seed,
  ...(empiricalBayes === 'on' ? { learner: { empiricalBayes: EMPIRICAL_BAYES } } : {}),
};
/** The fresh Routers' settings: the same with information probes. */
const withProbe = (base: ReplaySettings, minSpread: number | undefined): ReplaySettings => {
  const { probe: _probe, ...rest } = base;
  return minSpread === undefined ? rest : { ...rest, probe: { minSpread } };
};
const settings: ReplaySettings = {
  ...withProbe(dialBase, probeSpread),
  ...(decayAfter !== undefined ? { decayAfter } : {}),
};
/** The fresh settings without the exploration decay (sensitivity). */
const { decayAfter: _decayAfter, ...noDecay } = settings;
/** The same settings with fixed prior widths (sensitivity). */
const { learner: _learner, ...fixedWidths } = settings;
const { learner: _dialLearner, ...dialFixedWidths } = dialBase;
/** Fixed on seeds 2 to 5 by sdk/bench/real/tune.ts (docs/real-benchmark.md lists every candidate). */
const dialLambda = number('dial-lambda', values['dial-lambda'], 4, (x) => x >= 0);
const dialBudget = number('dial-budget', values['dial-budget'], 0.2, (x) => x >= 0 && x <= 1);
/** Exploration for the training λ only ('off') or for every λ of a range of the dial; fixed with the two above. */
const dialRange = ((raw: string) => {
  if (raw === 'off') return undefined;
  const [lo, hi, ...rest] = raw.split(',').map(Number);
  if (rest.length > 0 || !(lo !== undefined && hi !== undefined && lo > 0 && hi >= lo && Number.isFinite(hi))) {
    console.error(`bench:real: invalid --dial-range ${raw} (off, or lo,hi with 0 < lo ≤ hi)\n\n${HELP}`);
    process.exit(2);
  }
  return [lo, hi] as const;
})(values['dial-range'] ?? 'off');
const LAMBDAS = (values.lambdas ?? '0,1,1.5,2,3,4,6,8,12,16,24,32,64,128,1000,1000000').split(',').map(Number);
if (LAMBDAS.some((l) => !(l >= 0)) || LAMBDAS.length < 2) {
  console.error(`bench:real: --lambdas must be two or more numbers ≥ 0\n\n${HELP}`);
  process.exit(2);
}
/** Progress goes to stderr (also with --json, whose one object goes to stdout). */
const log = (line: string) => console.error(line);

const dataDir = values.data ?? join(here, '..', '..', '..', 'shared', 'data', 'routellm-mmlu');
const loaded = await loadQuestions(dataDir).catch((error: unknown) => {
  console.error(
    `bench:real: cannot read the data in ${dataDir}: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(2);
});
const all = shuffled(loaded, seed);
const stream = Number.isFinite(limit) ? all.slice(0, limit) : all;
const n = stream.length;
const warmupEnd = Math.floor(0.2 * n);
const evalSet = stream.slice(warmupEnd);
const ends = (qs: readonly Question[]) => ({
  weak: accuracyOf(qs, () => false),
  strong: accuracyOf(qs, () => true),
});
const fullEnds = ends(stream);
const evalEnds = ends(evalSet);
const round = (x: number, d = 4) => Number(x.toFixed(d));
/** Cost per task relative to always calling GPT-4, at a strong-call share. */
const relativeCost = (share: number) => (share * PRICES.strong + (1 - share) * PRICES.weak) / PRICES.strong;
const target95 = (qs: readonly Question[]) => 0.95 * ends(qs).strong;
const costAt95 = (points: readonly CurvePoint[], qs: readonly Question[]) => {
  const share = shareToReach(points, target95(qs));
  return share === null ? null : { strongShare: round(share), relativeCost: round(relativeCost(share)) };
};
log(
  `bench:real: ${n} questions (seed ${seed}), weak ${(100 * fullEnds.weak).toFixed(1)} %, strong ${(100 * fullEnds.strong).toFixed(1)} %; ${LAMBDAS.length} λ values`,
);

// 1. The online sweep: one fresh Router per λ over the whole stream. Every replay below (each fresh Router, each dial
// sweep) is independent of the others: they all start here, in parallel on the worker pool (jobs.ts).
const started = Date.now();
const pool = new ReplayPool(dataDir, workers);
const mainStream: Stream = { orders: [seed], limit: n };
const onlineSweep = (qs: readonly Question[], order: Stream, s: ReplaySettings, label: string) =>
  Promise.all(
    LAMBDAS.map(async (lambda, i) => {
      const r = await pool.run({ kind: 'online', stream: order, settings: s, lambda });
      const on = (from: number) => {
        const strong = r.strong.slice(from);
        const correct = r.correct.slice(from);
        return {
          share: strong.filter(Boolean).length / strong.length,
          accuracy: correct.filter(Boolean).length / correct.length,
        };
      };
      log(`  ${label} [${i + 1}/${LAMBDAS.length}] λ=${lambda}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
      const from = Math.floor(0.2 * qs.length);
      return {
        lambda,
        full: on(0),
        eval: on(from),
        explored: r.explored / qs.length,
        probed: r.probed / qs.length,
        strong: r.strong,
        correct: r.correct,
      };
    }),
  );
const sweepRun = onlineSweep(stream, mainStream, settings, 'online sweep');
// The dial swept over ONE learner's beliefs (section 4b), with its sensitivity on seed 1.
const dialSettings = (budget: number, base: ReplaySettings = dialBase): ReplaySettings => ({
  ...base,
  explorationBudget: budget,
  ...(dialRange ? { lambdaRange: dialRange } : {}),
});
const dialOf = async (lambda: number, budget: number, label: string, base: ReplaySettings = dialBase) => {
  const d = await pool.run({
    kind: 'dial',
    stream: mainStream,
    settings: dialSettings(budget, base),
    trainLambda: lambda,
    lambdas: LAMBDAS,
    from: warmupEnd,
  });
  log(`  dial sweep (${label}): ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return d;
};
const dialRun = dialOf(dialLambda, dialBudget, 'reported');
const dialVariants = [
  { name: `training λ 8 (budget ${dialBudget})`, lambda: 8, budget: dialBudget },
  { name: `training λ 16 (budget ${dialBudget})`, lambda: 16, budget: dialBudget },
  { name: `exploration budget 0.1 (training λ ${dialLambda})`, lambda: dialLambda, budget: 0.1 },
  { name: `no exploration (training λ ${dialLambda})`, lambda: dialLambda, budget: 0 },
  {
    name: 'no benefit of the doubt (ρ = ∞: the expected-utility argmax at every λ)',
    lambda: dialLambda,
    budget: dialBudget,
    base: { ...dialBase, doubtFrom: Number.POSITIVE_INFINITY },
  },
  ...(dialBase.learner
    ? [
        {
          name: 'fixed prior widths (empirical Bayes off)',
          lambda: dialLambda,
          budget: dialBudget,
          base: dialFixedWidths,
        },
      ]
    : []),
  ...(settings.probe || settings.decayAfter !== undefined
    ? [
        {
          name: "with the fresh Routers' probes and exploration decay (not used to choose)",
          lambda: dialLambda,
          budget: dialBudget,
          base: settings,
        },
      ]
    : []),
];
const dialVariantRuns = dialVariants.map((v) => dialOf(v.lambda, v.budget, v.name, v.base));
// Sensitivity (--sensitivity, section 5): the same online sweep with one setting changed at a time.
const variants: Array<{ name: string; settings: ReplaySettings; seed?: number }> = [
  ...(settings.probe
    ? [
        { name: 'no information probes', settings: withProbe(settings, undefined) },
        {
          name: `probe minSpread ${settings.probe.minSpread / 2} (half)`,
          settings: withProbe(settings, settings.probe.minSpread / 2),
        },
        {
          name: `probe minSpread ${settings.probe.minSpread * 1.5} (1.5×)`,
          settings: withProbe(settings, settings.probe.minSpread * 1.5),
        },
      ]
    : []),
  ...(settings.probe
    ? []
    : [
        {
          name: `information probes, minSpread ${TRIED.probeMinSpread} (rejected on seeds 2–3)`,
          settings: withProbe(settings, TRIED.probeMinSpread),
        },
      ]),
  ...(settings.decayAfter !== undefined
    ? []
    : [
        {
          name: `exploration decay after ${TRIED.decayAfter} (rejected on seeds 2–3)`,
          settings: { ...settings, decayAfter: TRIED.decayAfter },
        },
      ]),
  ...(settings.decayAfter !== undefined
    ? [
        { name: 'no exploration decay (a constant budget share)', settings: noDecay },
        {
          name: `exploration decay after ${settings.decayAfter / 4}`,
          settings: { ...settings, decayAfter: settings.decayAfter / 4 },
        },
        {
          name: `exploration decay after ${settings.decayAfter * 2}`,
          settings: { ...settings, decayAfter: settings.decayAfter * 2 },
        },
      ]
    : []),
  { name: 'exploration budget 0.05', settings: { ...settings, explorationBudget: 0.05 } },
  { name: 'exploration budget 0.2', settings: { ...settings, explorationBudget: 0.2 } },
  { name: 'no exploration', settings: { ...settings, explorationBudget: 0 } },
  { name: 'hashed n-grams on (scale 1)', settings: { ...settings, ngramScale: 1 } },
  { name: 'another replay order (seed + 1)', settings, seed: seed + 1 },
  ...(settings.learner ? [{ name: 'fixed prior widths (empirical Bayes off)', settings: fixedWidths }] : []),
];
const only = values.only?.split(',');
const sensitivityRuns = values.sensitivity
  ? variants
      .filter((v) => !only || only.some((prefix) => v.name.startsWith(prefix)))
      .map((v) => {
        const qs = v.seed === undefined ? stream : shuffled(all, v.seed).slice(0, n);
        const order = v.seed === undefined ? mainStream : { orders: [seed, v.seed], limit: n };
        return onlineSweep(qs, order, v.settings, v.name).then((runs) => ({ v, qs, runs }));
      })
  : [];
const sweep = await sweepRun;
const onlinePoints = (key: 'full' | 'eval') => sweep.map((s) => s[key]);
const monotoneViolations = sweep.slice(1).filter((s, i) => s.full.share < (sweep[i]?.full.share ?? 0)).length;

// 2. Learning curve: APGR of the λ sweep within each window of the stream.
const WINDOWS = 10;
const learningCurve = Array.from({ length: WINDOWS }, (_, w) => {
  const from = Math.floor((w * n) / WINDOWS);
  const to = Math.floor(((w + 1) * n) / WINDOWS);
  const qs = stream.slice(from, to);
  const points = sweep.map((s) => ({
    share: s.strong.slice(from, to).filter(Boolean).length / qs.length,
    accuracy: s.correct.slice(from, to).filter(Boolean).length / qs.length,
  }));
  const e = ends(qs);
  return { from, to, apgr: round(apgr(points, e.weak, e.strong)) };
});

// 3. Baselines, tuned on the warm-up (first 20 %) and scored on the rest, as the Router is.
const words = (q: Question) => (q.prompt.match(/[\p{L}\p{N}]+/gu) ?? []).length;
const warmup = stream.slice(0, warmupEnd);
const longerIsHarder =
  apgr(scoreCurve(warmup, warmup.map(words)), ends(warmup).weak, ends(warmup).strong) >= 0.5 ? 1 : -1;
const subjectGain = (qs: readonly Question[]) => {
  const sums = new Map<string, [number, number]>();
  for (const q of qs) {
    const s = sums.get(q.subject) ?? [0, 0];
    s[0] += (q.strong ? 1 : 0) - (q.weak ? 1 : 0);
    s[1]++;
    sums.set(q.subject, s);
  }
  return (q: Question) => {
    const s = sums.get(q.subject);
    return s ? s[0] / s[1] : 0;
  };
};
const hindsightGain = subjectGain(stream);
const warmupGain = subjectGain(warmup);
const baselineCurves = (qs: readonly Question[]) => ({
  random: [
    { share: 0, accuracy: ends(qs).weak },
    { share: 1, accuracy: ends(qs).strong },
  ],
  promptLength: scoreCurve(
    qs,
    qs.map((q) => longerIsHarder * words(q)),
  ),
  perSubjectWarmup: scoreCurve(qs, qs.map(warmupGain)),
  perSubjectHindsight: scoreCurve(qs, qs.map(hindsightGain)),
  oracle: oracleCurve(qs),
});

const describe = (points: readonly CurvePoint[], qs: readonly Question[]) => {
  const e = ends(qs);
  return { apgr: round(apgr(points, e.weak, e.strong)), costAt95: costAt95(points, qs) };
};
const evalBaselines = Object.fromEntries(
  Object.entries(baselineCurves(evalSet)).map(([name, points]) => [name, describe(points, evalSet)]),
);
const fullBaselines = Object.fromEntries(
  Object.entries(baselineCurves(stream)).map(([name, points]) => [name, describe(points, stream)]),
);

// 4. Held-out split: the dial's Router (its training λ and budget) learns online on the first half, is frozen (restored
// with its λ, so that both models are assessed), and scores the second half.
const half = Math.floor(n / 2);
const heldOutSettings: ReplaySettings = { ...dialBase, explorationBudget: dialBudget };
const trained = continueReplay(routerFor(heldOutSettings, dialLambda), stream.slice(0, half), true).router;
const frozen = (await import('../src/rightsize/learning/router.js')).Router.fromJSON(trained.toJSON(), {
  agents: [AGENTS.weak, AGENTS.strong],
  exploration: false,
  lambda: dialLambda,
});
const secondHalf = stream.slice(half);
const heldOutCurve = scoreCurve(secondHalf, gainScores(frozen, secondHalf));
const heldOutDialCurve = scoreCurve(secondHalf, switchScores(frozen, secondHalf));
const heldOutBaselines = baselineCurves(secondHalf);
const heldOut = {
  trainLambda: dialLambda,
  explorationBudget: dialBudget,
  learnedOn: half,
  scoredOn: secondHalf.length,
  router: describe(heldOutCurve, secondHalf),
  routerDial: describe(heldOutDialCurve, secondHalf),
  promptLength: describe(heldOutBaselines.promptLength, secondHalf),
  perSubjectHindsight: describe(heldOutBaselines.perSubjectHindsight, secondHalf),
  oracle: describe(heldOutBaselines.oracle, secondHalf),
};

const onlineEval = describe(onlinePoints('eval'), evalSet);

// 4b. The dial swept over ONE learner's beliefs (monotone by construction), with its sensitivity on seed 1.
const dial = await dialRun;
const dialShares = dial.points.map((p) => p.full.share);
const dialInversions = dialShares.slice(1).filter((x, i) => x < (dialShares[i] ?? 0)).length;
const dialEval = {
  apgr: round(dialApgr(stream, dial, warmupEnd)),
  costAt95: costAt95(
    dial.points.map((p) => p.eval),
    evalSet,
  ),
};
const dialFull = describe(
  dial.points.map((p) => p.full),
  stream,
);
/**
 * The top of the dial beside what maximum quality means with hindsight (evaluation split): the share of questions in
 * subjects where GPT-4's accuracy beats Mixtral's (per-subject hindsight at λ → ∞), and the share where only GPT-4 is
 * right (the per-question oracle's cheapest max-quality routing). A router maximising success never needs share 1.
 */
const oneQuestionPerSubject = [...new Map(stream.map((q) => [q.subject, q])).values()];
const strongBetterSubjects = new Set(oneQuestionPerSubject.filter((q) => hindsightGain(q) > 0).map((q) => q.subject));
const topOfDial = {
  router: round(Math.max(...dial.points.map((p) => p.eval.share))),
  perSubjectHindsight: round(evalSet.filter((q) => strongBetterSubjects.has(q.subject)).length / evalSet.length),
  oracle: round(evalSet.filter((q) => q.strong && !q.weak).length / evalSet.length),
  subjectsWhereGpt4IsWorse: oneQuestionPerSubject.filter((q) => hindsightGain(q) < 0).map((q) => q.subject),
};
const dialLearningCurve = Array.from({ length: WINDOWS }, (_, w) => {
  const from = Math.floor((w * n) / WINDOWS);
  const to = Math.floor(((w + 1) * n) / WINDOWS);
  const qs = stream.slice(from, to);
  const points = dial.choices.map((c) => {
    const part = c.slice(from, to);
    return {
      share: part.filter(Boolean).length / qs.length,
      accuracy: qs.filter((q, i) => (part[i] ? q.strong : q.weak)).length / qs.length,
    };
  });
  const e = ends(qs);
  return { from, to, apgr: round(apgr(points, e.weak, e.strong)) };
});
const dialSensitivity = await Promise.all(
  dialVariants.map(async (v, i) => ({
    variant: v.name,
    apgrEvaluation: round(dialApgr(stream, await (dialVariantRuns[i] as Promise<DialSweep>), warmupEnd)),
  })),
);

// 5. Sensitivity (--sensitivity): the same online sweep with one setting changed at a time.
const sensitivity = (await Promise.all(sensitivityRuns)).map(({ v, qs, runs }) => {
  const evalQs = qs.slice(Math.floor(0.2 * qs.length));
  const e = ends(evalQs);
  const shares = runs.map((r) => r.full.share);
  return {
    variant: v.name,
    apgrEvaluation: round(
      apgr(
        runs.map((r) => r.eval),
        e.weak,
        e.strong,
      ),
    ),
    shareRange: [round(Math.min(...shares)), round(Math.max(...shares))],
  };
});
await pool.close();
const onlineFull = describe(onlinePoints('full'), stream);
const topShare = Math.max(...sweep.map((s) => s.full.share));
const summary = {
  benchmark: 'bench:real',
  data: 'RouteLLM MMLU responses: Mixtral-8x7B-Instruct vs gpt-4-1106-preview, real per-question correctness',
  seed,
  questions: n,
  warmup: warmupEnd,
  settings: { ...settings, prices: PRICES, lambdas: LAMBDAS, priors: 'equal (ability 5, slope 2, pMax 1 for both)' },
  accuracy: { full: fullEnds, evaluation: evalEnds },
  router: {
    apgrEvaluation: onlineEval.apgr,
    apgrFullStream: onlineFull.apgr,
    costAt95Evaluation: onlineEval.costAt95,
    shareRange: [round(Math.min(...sweep.map((s) => s.full.share))), round(topShare)],
    monotoneViolations,
    perLambda: sweep.map((s) => ({
      lambda: s.lambda,
      strongShare: round(s.full.share),
      accuracy: round(s.full.accuracy),
      strongShareEvaluation: round(s.eval.share),
      accuracyEvaluation: round(s.eval.accuracy),
      exploredShare: round(s.explored),
      probedShare: round(s.probed),
    })),
    learningCurve,
  },
  baselines: { evaluation: evalBaselines, fullStream: fullBaselines },
  ratios: {
    apgrOverPromptLength: round(onlineEval.apgr / (evalBaselines.promptLength?.apgr ?? 1)),
    apgrOverPerSubjectHindsight: round(onlineEval.apgr / (evalBaselines.perSubjectHindsight?.apgr ?? 1)),
  },
  heldOut,
  dialSweep: {
    trainLambda: dialLambda,
    doubtFrom: DEFAULT_DOUBT_FROM,
    explorationBudget: dialBudget,
    explorationLambdaRange: dialRange ?? null,
    apgrEvaluation: dialEval.apgr,
    apgrFullStream: dialFull.apgr,
    costAt95Evaluation: dialEval.costAt95,
    monotoneViolations: dialInversions,
    shareRange: [round(Math.min(...dialShares)), round(Math.max(...dialShares))],
    perLambda: dial.points.map((p) => ({
      lambda: p.lambda,
      strongShare: round(p.full.share),
      accuracy: round(p.full.accuracy),
      strongShareEvaluation: round(p.eval.share),
      accuracyEvaluation: round(p.eval.accuracy),
    })),
    training: {
      strongShare: round(dial.training.full.share),
      accuracy: round(dial.training.full.accuracy),
      exploredShare: round(dial.training.explored),
    },
    learningCurve: dialLearningCurve,
    topOfDial,
    sensitivity: dialSensitivity,
  },
  sensitivity,
  targets: {
    apgrAtLeast065: { measured: onlineEval.apgr, met: onlineEval.apgr >= 0.65 },
    sweepCovers0To1Monotonically: {
      shareRange: [round(Math.min(...sweep.map((s) => s.full.share))), round(topShare)],
      monotoneViolations,
      met: monotoneViolations === 0 && topShare >= 0.999 && Math.min(...sweep.map((s) => s.full.share)) === 0,
    },
    dialSweepApgrAtLeast065: { measured: dialEval.apgr, met: dialEval.apgr >= 0.65 },
    dialSweepCovers0To1Monotonically: {
      shareRange: [round(Math.min(...dialShares)), round(Math.max(...dialShares))],
      monotoneViolations: dialInversions,
      met: dialInversions === 0 && Math.max(...dialShares) >= 0.999 && Math.min(...dialShares) === 0,
    },
  },
};

function markdown(): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const c95 = (c: { strongShare: number; relativeCost: number } | null) =>
    c === null ? 'not reached' : `${pct(c.strongShare)} strong calls, ${c.relativeCost.toFixed(3)}× GPT-4's cost`;
  const row = (name: string, d: { apgr: number; costAt95: ReturnType<typeof costAt95> }) =>
    `| ${name} | ${d.apgr.toFixed(3)} | ${c95(d.costAt95)} |`;
  const t = summary.targets;
  return `${[
    '# Real-data routing benchmark (bench:real)',
    '',
    `Generated by \`npm run bench:real\` (seed ${seed}, ${n} questions, Node ${process.version}). Data: the RouteLLM`,
    'MMLU responses — whether Mixtral-8x7B-Instruct (the weak, cheap model) and GPT-4-1106 (the strong one) answered',
    "each of MMLU's questions correctly ([`../shared/data/routellm-mmlu`](../../shared/data/routellm-mmlu/README.md)).",
    'Nothing is simulated: every outcome is a recorded answer.',
    '',
    '**Protocol.** The questions are replayed in one fixed shuffled order. For each λ of the sweep a fresh `Router`',
    'starts from *equal* declared priors for both models (ability 5, slope 2, pMax 1 in `general`), sees the subject',
    '(as the domain) and the question text only, picks one model, and learns only the recorded outcome of that model.',
    `Prices per call: Mixtral ${PRICES.weak}, GPT-4 ${PRICES.strong} (a 20× ratio). λ is the value of one correct`,
    `answer in that unit; exploration is Thompson sampling with a budget of ${settings.explorationBudget}${settings.decayAfter !== undefined ? ` of the decisions, decaying as 1/√n after ${settings.decayAfter} (the explored count capped at ${settings.explorationBudget}·√(${settings.decayAfter}·n); exploration.ts \`decayAfter\`)` : ''}${settings.probe ? `, plus information probes (minSpread ${settings.probe.minSpread}: a question goes to the other model when its success there is still that uncertain and it could be worth its price at the Router's λ; exploration.ts, "Information probes" below)` : ''}. ${settings.learner ? 'The learner learns the prior widths of its per-subject offsets from the data (empirical Bayes, `empiricalBayes` in learner.ts).' : 'The learner keeps fixed prior widths (empirical Bayes off).'} The first 20 %`,
    `(${warmupEnd} questions) is the warm-up on which the baselines are tuned; every strategy is scored on the other`,
    `${evalSet.length}. The Router is scored on them too, after learning online from question 1 (it learns throughout).`,
    'APGR is the area under the performance-gap-recovered curve as the share of GPT-4 calls goes 0 → 1 (RouteLLM;',
    'random = 0.5), with the curve closed at both ends (all Mixtral, all GPT-4).',
    '',
    '## Targets',
    '',
    '| target | measured | met |',
    '|---|---:|:---:|',
    `| APGR ≥ 0.65, learned online from equal priors (evaluation split) | ${t.apgrAtLeast065.measured.toFixed(3)} | ${t.apgrAtLeast065.met ? 'yes' : '**no**'} |`,
    `| λ sweep covers the strong share 0 → 1 monotonically | ${pct(t.sweepCovers0To1Monotonically.shareRange[0] ?? 0)} → ${pct(t.sweepCovers0To1Monotonically.shareRange[1] ?? 0)}, ${monotoneViolations} inversions | ${t.sweepCovers0To1Monotonically.met ? 'yes' : '**no**'} |`,
    `| APGR ≥ 0.65, dial swept over one online learner (evaluation split) | ${t.dialSweepApgrAtLeast065.measured.toFixed(3)} | ${t.dialSweepApgrAtLeast065.met ? 'yes' : '**no**'} |`,
    `| the same dial sweep covers 0 → 1 monotonically | ${pct(t.dialSweepCovers0To1Monotonically.shareRange[0] ?? 0)} → ${pct(t.dialSweepCovers0To1Monotonically.shareRange[1] ?? 0)}, ${dialInversions} inversions | ${t.dialSweepCovers0To1Monotonically.met ? 'yes' : '**no**'} |`,
    '',
    'The first two rows are the protocol of the first report: one fresh Router per λ, so every point of the curve',
    'comes from a different learner fed different outcomes. The last two are one Router (see "The dial over one',
    'learner" below). Neither protocol reaches the target of 0.65 unless its row says yes. The first protocol’s',
    'exploration was revisited in the sixth round (information probes whose budget does not shrink with λ, and a',
    'decaying budget; "Sixth round" below): neither beat its settings on seeds 2 and 3, so neither is used.',
    '',
    '## APGR and cost at 95 % of GPT-4 accuracy (evaluation split)',
    '',
    '![accuracy against the share of GPT-4 calls](real-curve.svg)',
    '',
    '| strategy | APGR | cost at 95 % of GPT-4 accuracy |',
    '|---|---:|---|',
    row('**Router (online, equal priors, bandit feedback)**', onlineEval),
    row('random', evalBaselines.random as never),
    row('prompt-length threshold (direction tuned on the warm-up)', evalBaselines.promptLength as never),
    row('per-subject accuracies of the warm-up (full information)', evalBaselines.perSubjectWarmup as never),
    row(
      'per-subject hindsight (knows every subject’s accuracies in advance)',
      evalBaselines.perSubjectHindsight as never,
    ),
    row('hindsight oracle (knows every outcome)', evalBaselines.oracle as never),
    '',
    `Over the whole stream (learning phase included): Router ${onlineFull.apgr.toFixed(3)}, prompt length ${fullBaselines.promptLength?.apgr.toFixed(3)}, per-subject hindsight ${fullBaselines.perSubjectHindsight?.apgr.toFixed(3)}, oracle ${fullBaselines.oracle?.apgr.toFixed(3)}.`,
    `Accuracy on the evaluation split: Mixtral ${pct(evalEnds.weak)}, GPT-4 ${pct(evalEnds.strong)}; 95 % of GPT-4 = ${pct(0.95 * evalEnds.strong)}.`,
    '',
    '## Share of GPT-4 calls per λ',
    '',
    '| λ | GPT-4 share (all) | accuracy (all) | GPT-4 share (evaluation) | accuracy (evaluation) | explored | of which probes |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...summary.router.perLambda.map(
      (p) =>
        `| ${p.lambda} | ${pct(p.strongShare)} | ${pct(p.accuracy)} | ${pct(p.strongShareEvaluation)} | ${pct(p.accuracyEvaluation)} | ${pct(p.exploredShare)} | ${pct(p.probedShare)} |`,
    ),
    '',
    '## Learning curve',
    '',
    '![APGR per tenth of the stream](real-learning.svg)',
    '',
    `APGR of the λ sweep within each tenth of the stream (${Math.round(n / WINDOWS)} questions each):`,
    '',
    `| window | ${learningCurve.map((w) => `${w.from}–${w.to}`).join(' | ')} |`,
    `|---|${learningCurve.map(() => '---:').join('|')}|`,
    `| APGR | ${learningCurve.map((w) => w.apgr.toFixed(3)).join(' | ')} |`,
    '',
    '## Held-out split',
    '',
    `The dial's Router (λ = ${dialLambda}, exploration budget ${dialBudget}) learns online on the first half (${half} questions), is`,
    'frozen (restored from its saved state with its λ), and routes the second half by its learned gain',
    "P(GPT-4 right) − P(Mixtral right) (every threshold, as RouteLLM's curves), and by its dial (each question ranked by",
    'the smallest λ at which the dial calls GPT-4, i.e. the dial at every setting):',
    '',
    '| strategy (second half) | APGR | cost at 95 % of GPT-4 accuracy |',
    '|---|---:|---|',
    row('Router, frozen after the first half, by learned gain', heldOut.router),
    row('Router, frozen after the first half, by its dial', heldOut.routerDial),
    row('prompt-length threshold', heldOut.promptLength),
    row('per-subject hindsight', heldOut.perSubjectHindsight),
    row('hindsight oracle', heldOut.oracle),
    '',
    '**Why the previous reports had it below prompt length (0.562, 0.613): a measurement bug, not the learner.** The',
    'frozen Router was restored without its λ, so it routed by the descriptor’s default preference, whose candidate',
    'index assesses only the agents it ranks; on many questions one model had no assessment and its success was read',
    'as 0. Restored with its λ, both models are assessed on every question (`gainScores` now refuses a missing one).',
    'On the other replay orders (`npx tsx sdk/bench/real/tune-dial-top.ts`, λ 4 / budget 0.2, empirical Bayes) the',
    'frozen gain scores 0.659, 0.649, 0.663 and 0.654 on seeds 2–5 (mean 0.656), against 0.607, 0.610, 0.635 and',
    '0.599 with the bug (`held-out-check.ts` before the fix). The held-out split now also uses the dial’s training settings (one',
    'Router for every protocol; previously λ 8 / budget 0.1), fixed before this run.',
    '',
    '## Diagnosis: why the online Router stays below the per-subject baselines',
    '',
    '`npx tsx sdk/bench/real/diagnose.ts` (fixed prior widths) learns the first half of each replay order, freezes, and scores the second',
    'half by the learned gain; the same observations also feed per-subject counts (a Beta(1, 1) per model and subject):',
    '',
    '| replay order | full information: learner | its gain averaged per subject | per-subject counts | bandit feedback (λ 4, budget 0.2): learner | averaged per subject | per-subject counts | GPT-4 outcomes per subject (median, min) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    '| seed 1 | 0.675 | 0.678 | 0.676 | 0.640 | 0.641 | 0.644 | 19, 2 |',
    '| seed 2 | 0.673 | 0.682 | 0.680 | 0.677 | 0.685 | 0.683 | 19, 2 |',
    '| seed 3 | 0.683 | 0.684 | 0.684 | 0.651 | 0.657 | 0.660 | 18, 2 |',
    '',
    '- **The learner is not the bottleneck.** Given both outcomes of the same questions, the online IRT learner ranks as',
    '  well as exact per-subject counts (0.673–0.683 against 0.676–0.684); its per-subject offsets move fast enough',
    '  (the diagonal Laplace step takes a subject from the prior to its accuracy in a few dozen outcomes), and the',
    '  shared text-difficulty weights neither help nor absorb the subject effect (the gain averaged per subject scores',
    '  the same as the per-question gain).',
    '- **The information is.** Under bandit feedback the same learner, and per-subject counts on the same observations,',
    '  both lose up to 0.04 (seed 1 0.035, seed 3 0.032; seed 2 none): where Mixtral is chosen, GPT-4 gets a median of 19 outcomes per subject (as few as 2), and',
    '  Thompson exploration at one λ only resolves subjects near *that* λ’s decision boundary. The per-subject warm-up',
    '  baseline has both outcomes of every warm-up question, which an online router never gets.',
    '- **The non-monotone share** of the first protocol comes from one fresh learner per λ (different outcomes seen,',
    '  different beliefs); for one belief the dial is monotone (dial.ts, property-tested). Under the pure',
    '  expected-utility rule its top stayed below 1 (GPT-4 called only where believed more likely right); the',
    '  benefit of the doubt (below, "The top of the dial") lifts it to 1.',
    '- **Changes tried and rejected on seeds 2 and 3 (never on seed 1):** deciding on the posterior-predictive',
    '  probability (slope flattened by the ability’s uncertainty) lowered the frozen held-out APGR (seed 2 0.643 → 0.617,',
    '  seed 3 0.644 → 0.631); fixing the slope lowered the dial-sweep APGR (mean 0.651 → 0.639); tighter per-subject',
    '  offsets (prior sd 0.5; 0.75 with a wider subject difficulty) lowered it too (0.629, 0.637). In that round the learner was left',
    '  unchanged; the change kept is the protocol below. Exploration aimed at the whole dial was tried next and',
    '  rejected (below).',
    '- **Empirical Bayes (third round, kept).** With the prior widths of the per-subject ability offsets (one per',
    '  model) and of the subject difficulties learned from the data, the per-subject gains of GPT-4 are shrunk by the',
    '  measured spread of the subjects rather than a fixed width of 1.5 (on seed 2 the learned widths end at 0.24 for',
    '  Mixtral, 0.40 for GPT-4 and 0.20 for the shared subject difficulty): a subject with few GPT-4 outcomes borrows',
    '  the other subjects’ gain instead of keeping its own noisy estimate. On seeds 2 to 5 it raised the mean',
    '  dial-sweep APGR from 0.639 to 0.652, and no seed fell below 0.648 (table below).',
    '',
    '## The dial over one learner',
    '',
    `One Router learns online over the whole stream at λ = ${dialLambda} with Thompson exploration (budget ${dialBudget}),`,
    'from equal priors and bandit feedback only. Before each question is learned, the greedy choice that the *same*',
    "Router would make at every λ of the grid is read off its current beliefs (the Router's dial rule, dial.ts:",
    'λ·P(success) − price, with the benefit of the doubt for GPT-4 beyond ρ price gaps) and scored with that',
    "choice's recorded outcome. This is one deployed Router whose operator turns the dial: for one belief the choice",
    'is monotone in λ, so the share of GPT-4 calls is monotone by construction, from 0 at λ = 0 to 1 as λ → ∞.',
    '',
    '| strategy | APGR | cost at 95 % of GPT-4 accuracy |',
    '|---|---:|---|',
    row('**Router, dial over one learner (evaluation split)**', dialEval),
    row('Router, dial over one learner (whole stream)', dialFull),
    '',
    `The training run itself (λ = ${dialLambda}, exploration on): ${pct(dial.training.full.share)} GPT-4 calls, accuracy ${pct(dial.training.full.accuracy)}, ${pct(dial.training.explored)} of decisions explored.`,
    '',
    '| λ | GPT-4 share (all) | accuracy (all) | GPT-4 share (evaluation) | accuracy (evaluation) |',
    '|---:|---:|---:|---:|---:|',
    ...summary.dialSweep.perLambda.map(
      (p) =>
        `| ${p.lambda} | ${pct(p.strongShare)} | ${pct(p.accuracy)} | ${pct(p.strongShareEvaluation)} | ${pct(p.accuracyEvaluation)} |`,
    ),
    '',
    `Learning curve (APGR per tenth of the stream): ${dialLearningCurve.map((w) => w.apgr.toFixed(3)).join(', ')}.`,
    '',
    '**The top of the dial.** Under the pure expected-utility rule (λ·P̄ − price at every λ) the top of the dial called',
    'GPT-4 only where it was *believed* more likely right: 73–77 % of the questions on seeds 2–5 (78.8 % on seed 1 in',
    'the previous report), with an accuracy *below* all-GPT-4. Two causes: subjects with too few GPT-4 outcomes',
    '(bandit feedback) to believe GPT-4 better, and learned slopes that cross (on seed 2 Mixtral learned 4.5 and',
    'GPT-4 2.9 on average, so Mixtral’s curve is the higher one on the questions the text features call easiest;',
    '`npx tsx sdk/bench/real/top-of-dial.ts --seed 2`). The dial rule now gives the pricier agent the benefit of the',
    'doubt beyond ρ price gaps: at λ > ρ·(price gap) the cheaper model keeps a question only when it is credibly',
    'better — P(λ·(P_GPT-4 − P_Mixtral) < price gap) > 1 − ε with ε = ½·ρ·gap/λ (normal approximation, each',
    'success’s spread from its learned ability’s posterior sd) — and ε → 0 as λ → ∞, so the top sends every question',
    'to GPT-4. Below ρ price gaps the rule is exactly the expected-utility argmax (the training run at λ 4 is',
    'unchanged). With hindsight (evaluation split):',
    '',
    '| at maximum quality | share of GPT-4 calls |',
    '|---|---:|',
    `| Router, dial over one learner, top of the sweep | ${pct(topOfDial.router)} |`,
    `| per-subject hindsight: GPT-4 on every subject where its accuracy beats Mixtral's | ${pct(topOfDial.perSubjectHindsight)} |`,
    `| per-question oracle: GPT-4 only where it alone is right | ${pct(topOfDial.oracle)} |`,
    '',
    `Subjects where GPT-4 is less accurate than Mixtral over the whole stream: ${topOfDial.subjectsWhereGpt4IsWorse.join(', ') || 'none'}.`,
    'ρ was chosen on seeds 2–5 (fourth round, `npx tsx sdk/bench/real/tune-dial-top.ts`; one training run per order',
    'serves every ρ ≥ 4.2, since the training λ 4 is below ρ price gaps), by the mean dial-sweep APGR:',
    '',
    '| ρ | seed 2 | seed 3 | seed 4 | seed 5 | mean | top share (every seed) |',
    '|---:|---:|---:|---:|---:|---:|---|',
    '| ∞ (expected utility) | 0.652 | 0.652 | 0.656 | 0.649 | 0.652 | 73.4–77.2 % |',
    '| 4.5 | 0.662 | 0.655 | 0.661 | 0.652 | 0.657 | 100 % |',
    '| 6 | 0.662 | 0.657 | 0.664 | 0.656 | 0.660 (the fourth round’s choice) | 100 % |',
    '| 8 | 0.663 | 0.658 | 0.661 | 0.653 | 0.659 | 100 % |',
    '| 12 | 0.661 | 0.658 | 0.660 | 0.655 | 0.658 | 100 % |',
    '| 16 | 0.659 | 0.656 | 0.661 | 0.654 | 0.658 | 100 % |',
    '| **32** | 0.660 | 0.654 | 0.660 | 0.653 | 0.657 (**chosen** in the fifth round, below) | 100 % |',
    '| 64 | 0.659 | 0.654 | 0.660 | 0.652 | 0.656 | 100 % |',
    '',
    'Every finite ρ reaches a share of 1 with no inversion and a higher APGR than the expected-utility top on every',
    'seed; the differences between finite ρ are within the noise. The simulated test',
    '(`sdk/test/learning-router.test.ts`, "the dial over one online learner") checks the same dial, learned from',
    'equal priors and bandit feedback, covers 0 → 1 monotonically; "the top of the dial on learned beliefs" checks',
    'monotonicity and the top on random learned Router states (property).',
    '',
    '**Fifth round: ρ for both protocols (kept).** The fourth round chose ρ for the dial over one learner, whose',
    'training λ (4) is below ρ price gaps, so it never learned under the benefit of the doubt. A fresh Router per λ',
    'does: at λ 8 with ρ 6 it sends GPT-4 every question Mixtral is not *credibly* better on, Mixtral is then no',
    'longer observed there, so it never becomes credibly better (its spread stays wide) — the benefit of the doubt',
    'starves the cheaper model of outcomes. On seed 2 the fresh λ-8 Router reached 77.5 % GPT-4 calls at 79.47 %',
    'accuracy, 0.3 points below the one-learner dial at the same share; under the pure expected-utility rule it sat',
    '0.3 above. The simulated test "a learning Router at a moderate λ" (learning-router.test.ts) shows the',
    'mechanism: two equally good agents, λ = 25 price gaps — with ρ 6 the cheaper one gets 0 % of the late tasks.',
    'ρ was therefore chosen again, by both protocols on seeds 2 and 3 (the fresh sweep costs 16 replays per order;',
    '`npx tsx sdk/bench/real/tune-fresh.ts --seeds 2` and `--seeds 3 --candidates "rho 32" --lambdas 6,8,…`: the runs',
    'at λ ≤ 4 are identical for every ρ ≥ 4.2), with the rule fixed before: keep the larger ρ if the fresh sweep gains',
    'more than the dial loses. Fresh-Router APGR on the evaluation split:',
    '',
    '| ρ | seed 2 | seed 3 | mean | dial over one learner, seeds 2 and 3 (table above) |',
    '|---:|---:|---:|---:|---:|',
    '| 6 | 0.648 | 0.642 | 0.645 | 0.660 |',
    '| **32** | 0.653 | 0.644 | **0.649** (+0.0034) | 0.657 (−0.0025) |',
    '',
    'A small net gain, within the seed-to-seed noise of either protocol; it is kept because it removes the',
    'starvation, not because the difference is significant. The fresh sweep at ρ 32 also covers the middle of the',
    'curve more evenly (seed 2: λ 6–32 at 39–86 % GPT-4 calls instead of 44–97 %), so less area is lost to chords.',
    '',
    '**Sixth round: exploration for the fresh Router (two mechanisms tried, neither kept).** The fifth round left the',
    'fresh-Router protocol at 0.649 on seeds 2 and 3. Two causes were seen: at a low λ a fresh Router rarely calls',
    'GPT-4 (a Thompson draw must beat the price gap), so it never learns in which subjects GPT-4 is worth its price;',
    'and from λ 6 up its Thompson budget stays spent (10 % of the decisions, the evaluation split included), since',
    'near a decision boundary posterior draws keep flipping the choice however much is known. Two general mechanisms',
    'were added to `exploration.ts` (off by default; unit-tested in learning-router.test.ts, each test failing',
    'without its mechanism) and tried on seeds 2 and 3 (`npx tsx sdk/bench/real/tune-fresh.ts --seeds 2 --candidates',
    '"probe 0.2"`, …), with the rule fixed before: keep the candidate of the best mean fresh-sweep APGR if it beats',
    'the fifth round’s 0.649.',
    '',
    '- *Information probes* (`probe.minSpread`): a question goes to the other model when that model’s own success on',
    '  it is still uncertain (posterior sd ≥ minSpread) and it could be worth its price at the Router’s λ',
    '  (λ·(P̄_other − P̄_chosen + 2·s) > price gap). A budget that does not shrink with λ, aimed where the learner',
    '  knows least, and bounded by the data: each probe shrinks that sd, so probes stop once a subject is known.',
    '  At minSpread 0.2 they took 1.0–1.9 % of the decisions, nearly all in the first tenth of the stream; at λ 4 on',
    '  seed 2 the fresh Router then reached 29.1 % GPT-4 calls at 74.5 % accuracy (without: 22.7 % at 73.4 %), a',
    '  point on the one-learner dial’s curve. At minSpread 0.1 (screened at λ 4 on seed 2 only) they took 7.6 % and',
    '  were still 0.9 % of the decisions at the end of the stream.',
    '- *A decaying budget* (`decayAfter` n₀): the explored count is capped at budget·√(n₀·n) after n₀ decisions',
    '  instead of budget·n, so the share falls as 1/√n (about 2.6 % over the evaluation split at n₀ = 2000).',
    '',
    '| fresh Router per λ (evaluation split) | seed 2 | seed 3 | mean |',
    '|---|---:|---:|---:|',
    '| ρ 32, constant Thompson budget 0.1 (fifth round; kept) | 0.653 | 0.644 | **0.649** |',
    '| + information probes, minSpread 0.2 | 0.647 | 0.644 | 0.646 |',
    '| + exploration decay after 2000 decisions | 0.662 | 0.634 | 0.648 |',
    '',
    'Neither beats the fifth round, so neither is used (the reported sweep is unchanged); both stay available as',
    'options. Each moves single points (probes the low-λ points, the decay seed 2 by +0.009 and seed 3 by −0.010),',
    'but the seed-to-seed spread of one setting (±0.01) is larger than either effect on the area. Seed 1, run once',
    'with each after the choice, as sensitivity only: probes 0.636 (with one inversion of the share, and 97.8 % GPT-4',
    'calls at λ 10⁶: at λ = ∞ a probe may still send an uncertain question to Mixtral), the decay 0.643 (no',
    'inversion), against 0.641 as reported (`--sensitivity --only "information probes,exploration decay"` reruns them).',
    '',
    '**How its settings were fixed.** The training λ, the exploration budget and whether exploration serves the',
    'whole dial were chosen *before* this run, on other replay orders (whole pipeline identical) by',
    '`npx tsx sdk/bench/real/tune.ts`, by the mean dial-sweep APGR on their evaluation splits. First round (the',
    'previous report, seeds 2 and 3): training λ ∈ {4, 8, 16} × budget ∈ {0.1, 0.2}; λ 4 / 0.2 chosen (mean 0.651,',
    'others 0.622–0.646). Second round (this report, seeds 2 to 5, to halve the selection noise): exploration for the',
    "training λ only or for every λ of [1.5, 1000] (Thompson sampling at a λ' drawn log-uniformly, exploring only where",
    "the posterior draw and the posterior means disagree at λ' — where the belief straddles that setting's decision",
    'boundary; `lambdaRange` in exploration.ts) × training λ ∈ {4, 8} × budget ∈ {0.1, 0.2}:',
    '',
    '| exploration serves | training λ | budget | seed 2 | seed 3 | seed 4 | seed 5 | mean |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    '| training λ only | 4 | 0.1 | 0.649 | 0.640 | 0.635 | 0.627 | 0.638 |',
    '| training λ only | 4 | 0.2 | 0.661 | 0.640 | 0.626 | 0.629 | **0.639** (chosen) |',
    '| training λ only | 8 | 0.1 | 0.659 | 0.633 | 0.625 | 0.629 | 0.636 |',
    '| training λ only | 8 | 0.2 | 0.631 | 0.649 | 0.628 | 0.625 | 0.633 |',
    '| every λ of [1.5, 1000] | 4 | 0.1 | 0.662 | 0.611 | 0.610 | 0.646 | 0.632 |',
    '| every λ of [1.5, 1000] | 4 | 0.2 | 0.652 | 0.610 | 0.630 | 0.637 | 0.632 |',
    '| every λ of [1.5, 1000] | 8 | 0.1 | 0.663 | 0.641 | 0.620 | 0.621 | 0.636 |',
    '| every λ of [1.5, 1000] | 8 | 0.2 | 0.645 | 0.626 | 0.608 | 0.638 | 0.629 |',
    '',
    'Exploration aimed at the whole dial did not help: it spends the budget where *some* setting is uncertain, which',
    'on this data is nearly everywhere for λ → ∞ (subjects where the two models are within a few points), and the',
    'information it buys there is worth little area under the curve. The seed-to-seed spread of one setting (up to',
    '0.05) is larger than every difference between settings. (A first screen on seeds 2 and 3 also tried the range',
    '[2, 64] and budget 0.3: means 0.629–0.652, no better.) Seed 1 (scored) was then run once with the chosen',
    'settings and nothing changed after.',
    '',
    'Third round (this report, seeds 2 to 5, `npx tsx sdk/bench/real/tune.ts --round 3`): the learner’s prior widths',
    'at the second round’s choice (λ 4, budget 0.2). Fixed widths (sd of the per-subject ability offset / subject',
    'difficulty / others) against widths learned by empirical Bayes (`pseudoCount`: the weight of the configured',
    'width, in subjects; `every`: outcomes between refits), then λ and budget again with the best:',
    '',
    '| learner | training λ | budget | seed 2 | seed 3 | seed 4 | seed 5 | mean |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    '| fixed: defaults (1.5 / 1) | 4 | 0.2 | 0.661 | 0.640 | 0.626 | 0.629 | 0.639 |',
    '| fixed: 0.5 / 1.5 | 4 | 0.2 | 0.653 | 0.648 | 0.641 | 0.646 | 0.647 |',
    '| fixed: 0.75 / 2 | 4 | 0.2 | 0.653 | 0.647 | 0.648 | 0.630 | 0.644 |',
    '| fixed: 1 / 2 | 4 | 0.2 | 0.649 | 0.645 | 0.633 | 0.626 | 0.638 |',
    '| fixed: 0.5 / 2, agent-wide ability 3 | 4 | 0.2 | 0.651 | 0.630 | 0.635 | 0.632 | 0.637 |',
    '| fixed: 0.3 / 1.5 | 4 | 0.2 | 0.632 | 0.621 | 0.642 | 0.630 | 0.631 |',
    '| fixed: 0.5 / 1.5, pMax offset 0.3 | 4 | 0.2 | 0.643 | 0.635 | 0.641 | 0.638 | 0.639 |',
    '| fixed: 0.3 / 1.5, pMax offset 0.3 | 4 | 0.2 | 0.635 | 0.612 | 0.564 | 0.629 | 0.610 |',
    '| fixed: 0.5 / 1.5, pMax 0.3 and its offset 0.3 | 4 | 0.2 | 0.641 | 0.634 | 0.650 | 0.629 | 0.639 |',
    '| empirical Bayes, pseudoCount 2 | 4 | 0.2 | 0.654 | 0.639 | 0.633 | 0.638 | 0.641 |',
    '| empirical Bayes, pseudoCount 1 | 4 | 0.2 | 0.667 | 0.638 | 0.639 | 0.642 | 0.647 |',
    '| **empirical Bayes, pseudoCount 0.5** | 4 | 0.2 | 0.652 | 0.652 | 0.656 | 0.649 | **0.652** (chosen) |',
    '| empirical Bayes, pseudoCount 0.25 | 4 | 0.2 | 0.652 | 0.652 | 0.643 | 0.650 | 0.649 |',
    '| empirical Bayes, pseudoCount 0.5, every 16 | 4 | 0.2 | 0.653 | 0.644 | 0.652 | 0.631 | 0.645 |',
    '| empirical Bayes, pseudoCount 0.5, every 256 | 4 | 0.2 | 0.654 | 0.645 | 0.643 | 0.644 | 0.647 |',
    '| empirical Bayes, pseudoCount 0.5 | 4 | 0.1 | 0.661 | 0.631 | 0.639 | 0.637 | 0.642 |',
    '| empirical Bayes, pseudoCount 0.5 | 4 | 0.3 | 0.652 | 0.639 | 0.638 | 0.647 | 0.644 |',
    '| empirical Bayes, pseudoCount 0.5 | 8 | 0.1 | 0.665 | 0.658 | 0.652 | 0.624 | 0.650 |',
    '| empirical Bayes, pseudoCount 0.5 | 8 | 0.2 | 0.646 | 0.643 | 0.652 | 0.639 | 0.645 |',
    '',
    'Every learned-width row but one beats the default fixed widths; the best fixed widths (0.647) come within',
    'the noise of the chosen setting, and the differences among learned-width settings are within the noise too.',
    'The chosen setting is the best mean and also the lowest spread. Seed 1 was then run once with it.',
    'Sensitivity on seed 1, one setting changed:',
    '',
    '| variant (one setting changed) | dial-sweep APGR (evaluation split) |',
    '|---|---:|',
    `| as reported (λ ${dialLambda}, budget ${dialBudget}) | ${dialEval.apgr.toFixed(3)} |`,
    ...dialSensitivity.map((v) => `| ${v.variant} | ${v.apgrEvaluation.toFixed(3)} |`),
    '',
    '## How the settings were chosen, and sensitivity',
    '',
    'The first defaults (learner priors, n-grams off, exploration budget 0.1, prices, λ grid) were chosen during',
    'development on this same data and replay order (seed 1), by comparing the online APGR of a few configurations',
    'on a 10-point λ grid: the first version (cold-start estimate as the prior, slope free, n-grams on) 0.575;',
    'the cold-start estimate as a learned correction 0.549, and with n-grams off 0.584; n-grams at scale 0.3 0.561;',
    'tight slope prior and wider per-domain offsets, n-grams off 0.611 (chosen); the same',
    'with budget 0.05 0.608; a tighter slope and wider offsets still 0.611. Figures tuned on the data they are',
    'reported on are optimistic. Every setting changed since (the rounds above: the dial’s training λ and budget,',
    'empirical Bayes, ρ, and the sixth round’s rejected candidates) was fixed on seeds 2 to 5, never on seed 1; the',
    'held-out split and the variants below are the checks.',
    '',
    ...(sensitivity.length === 0
      ? ['(Run with `--sensitivity` for the table of variants.)']
      : [
          '| variant (one setting changed) | APGR (evaluation split) | GPT-4 share range over the sweep |',
          '|---|---:|---|',
          `| as reported above | ${onlineEval.apgr.toFixed(3)} | ${pct(summary.router.shareRange[0] ?? 0)} – ${pct(summary.router.shareRange[1] ?? 0)} |`,
          ...sensitivity.map(
            (v) =>
              `| ${v.variant} | ${v.apgrEvaluation.toFixed(3)} | ${pct(v.shareRange[0] ?? 0)} – ${pct(v.shareRange[1] ?? 0)} |`,
          ),
        ]),
    '',
  ].join('\n')}\n`;
}

if (!values['no-write']) {
  const docs = join(here, '..', '..', 'docs');
  await mkdir(docs, { recursive: true });
  await writeFile(join(docs, 'real-benchmark.md'), markdown());
  const evalCurves = baselineCurves(evalSet);
  const sorted = [...onlinePoints('eval')].sort((a, b) => a.share - b.share);
  await writeFile(
    join(docs, 'real-curve.svg'),
    linePlot(
      {
        title: 'MMLU (real outcomes): accuracy vs share of GPT-4 calls, evaluation split',
        xLabel: 'share of calls to GPT-4',
        yLabel: 'accuracy',
        x: [0, 1],
        y: [
          Math.floor(evalEnds.weak * 20) / 20,
          Math.ceil(Math.max(...evalCurves.oracle.map((p) => p.accuracy)) * 20) / 20,
        ],
      },
      [
        {
          name: `Router, online (APGR ${onlineEval.apgr.toFixed(3)})`,
          points: [{ share: 0, accuracy: evalEnds.weak }, ...sorted, { share: 1, accuracy: evalEnds.strong }],
        },
        {
          name: 'random (0.500)',
          points: [
            { share: 0, accuracy: evalEnds.weak },
            { share: 1, accuracy: evalEnds.strong },
          ],
          dashed: true,
        },
        { name: `prompt length (${evalBaselines.promptLength?.apgr.toFixed(3)})`, points: evalCurves.promptLength },
        {
          name: `per-subject hindsight (${evalBaselines.perSubjectHindsight?.apgr.toFixed(3)})`,
          points: evalCurves.perSubjectHindsight,
        },
        {
          name: `hindsight oracle (${evalBaselines.oracle?.apgr.toFixed(3)})`,
          points: evalCurves.oracle,
          dashed: true,
        },
      ],
    ),
  );
  await writeFile(
    join(docs, 'real-learning.svg'),
    linePlot(
      {
        title: 'MMLU (real outcomes): Router APGR per tenth of the stream',
        xLabel: 'questions seen',
        yLabel: 'APGR in the window',
        x: [0, n],
        y: [0.3, 0.9],
      },
      [
        { name: 'Router (online)', points: learningCurve.map((w) => ({ share: w.to, accuracy: w.apgr })) },
        {
          name: 'random',
          points: [
            { share: 0, accuracy: 0.5 },
            { share: n, accuracy: 0.5 },
          ],
          dashed: true,
        },
      ],
    ),
  );
  log(`wrote ${join(docs, 'real-benchmark.md')}, real-curve.svg and real-learning.svg`);
}

console.log(values.json ? JSON.stringify(summary) : markdown());
