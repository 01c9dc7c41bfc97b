/**
 * Why the online Router stays below the per-subject baselines on the MMLU replay: compares, on the same questions,
 * what the learner extracts from FULL information (both models' outcomes) with what it extracts under BANDIT feedback
 * (only the chosen model's outcome), each against per-subject counts built from exactly the same observations.
 * Every score is the APGR of a frozen score (learned gain, or per-subject mean gain) on the questions not learned.
 * Usage: npx tsx sdk/bench/real/diagnose.ts [--seeds 1,2,3] [--data dir]   (prints one JSON line per seed)
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Router } from '../../src/rightsize/learning/index.js';
import { apgr, scoreCurve } from './curves.js';
import { loadQuestions, type Question, shuffled } from './data.js';
import { AGENTS, continueReplay, gainScores, taskOf } from './replay.js';

const { values } = parseArgs({ options: { seeds: { type: 'string' }, data: { type: 'string' } } });
const here = dirname(fileURLToPath(import.meta.url));
const all = await loadQuestions(values.data ?? join(here, '..', '..', '..', '..', 'shared', 'data', 'routellm-mmlu'));
const round = (x: number) => Number(x.toFixed(3));

/** APGR of a score on `rest`. */
const scored = (rest: readonly Question[], scores: readonly number[]) =>
  round(
    apgr(
      scoreCurve(rest, scores),
      rest.filter((q) => q.weak).length / rest.length,
      rest.filter((q) => q.strong).length / rest.length,
    ),
  );

/** Per-subject mean gain from observations [subject, agent is strong, success]. */
function perSubject(observations: ReadonlyArray<readonly [string, boolean, boolean]>) {
  const sums = new Map<string, [number, number, number, number]>();
  for (const [subject, strong, ok] of observations) {
    const s = sums.get(subject) ?? [1, 2, 1, 2]; // Beta(1, 1) per model and subject
    if (strong) {
      s[2] += ok ? 1 : 0;
      s[3]++;
    } else {
      s[0] += ok ? 1 : 0;
      s[1]++;
    }
    sums.set(subject, s);
  }
  return (q: Question) => {
    const s = sums.get(q.subject) ?? [1, 2, 1, 2];
    return s[2] / s[3] - s[0] / s[1];
  };
}

/** The learned gain averaged per subject (what is left when within-subject text features are removed). */
function subjectAveraged(rest: readonly Question[], gains: readonly number[]): number[] {
  const sums = new Map<string, [number, number]>();
  rest.forEach((q, i) => {
    const s = sums.get(q.subject) ?? [0, 0];
    s[0] += gains[i] as number;
    s[1]++;
    sums.set(q.subject, s);
  });
  return rest.map((q) => {
    const s = sums.get(q.subject) as [number, number];
    return s[0] / s[1];
  });
}

for (const seed of (values.seeds ?? '1,2,3').split(',').map(Number)) {
  const qs = shuffled(all, seed);
  const half = Math.floor(qs.length / 2);
  const learned = qs.slice(0, half);
  const rest = qs.slice(half);
  // Full information: the learner sees both outcomes of every question of the first half.
  const full = new Router({ agents: [AGENTS.weak, AGENTS.strong], lambda: 4, exploration: false });
  for (const [i, q] of learned.entries()) {
    const d = full.route(taskOf(q, String(i)));
    full.observe({ taskId: d.taskId, agentId: AGENTS.weak.id, success: q.weak });
    full.observe({ taskId: d.taskId, agentId: AGENTS.strong.id, success: q.strong });
    full.complete(d.taskId);
  }
  const fullObs = learned.flatMap((q) => [[q.subject, false, q.weak] as const, [q.subject, true, q.strong] as const]);
  // Bandit feedback: the Router of bench:real's dial sweep (λ 4, exploration budget 0.2) on the same first half.
  const bandit = continueReplay(
    new Router({ agents: [AGENTS.weak, AGENTS.strong], lambda: 4, exploration: { budget: 0.2, seed } }),
    learned,
    true,
  );
  const banditObs = learned.map((q, i) => {
    const strong = bandit.strong[i] as boolean;
    return [q.subject, strong, strong ? q.strong : q.weak] as const;
  });
  const perSubjectCounts = (strong: boolean) => {
    const counts = new Map<string, number>();
    for (const [s, isStrong] of banditObs) if (isStrong === strong) counts.set(s, (counts.get(s) ?? 0) + 1);
    const n = [...new Set(learned.map((q) => q.subject))].map((s) => counts.get(s) ?? 0).sort((a, b) => a - b);
    return { min: n[0], median: n[Math.floor(n.length / 2)] };
  };
  const fullGains = gainScores(full, rest);
  const banditGains = gainScores(bandit.router, rest);
  console.log(
    JSON.stringify({
      seed,
      learnedOn: half,
      fullInformation: {
        learner: scored(rest, fullGains),
        learnerAveragedPerSubject: scored(rest, subjectAveraged(rest, fullGains)),
        perSubjectCounts: scored(rest, rest.map(perSubject(fullObs))),
      },
      banditFeedback: {
        strongShare: round(bandit.strong.filter(Boolean).length / half),
        learner: scored(rest, banditGains),
        learnerAveragedPerSubject: scored(rest, subjectAveraged(rest, banditGains)),
        perSubjectCounts: scored(rest, rest.map(perSubject(banditObs))),
        outcomesPerSubject: { weak: perSubjectCounts(false), strong: perSubjectCounts(true) },
      },
    }),
  );
}
