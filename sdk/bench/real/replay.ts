/**
 * The online replay of bench:real: a Router with two agents declared with EQUAL priors routes each question in the
 * fixed shuffled order, sees only the chosen model's real outcome, and learns from it.
 */

import type { ProbeOptions } from '../../src/rightsize/learning/exploration.js';
import {
  dialChoice,
  type LearnerOptions,
  Router,
  type RouterDecision,
  type RouterOptions,
} from '../../src/rightsize/learning/index.js';
import type { CapabilityProfile } from '../../src/rightsize/model/profile.js';
import type { MatchCandidate } from '../../src/rightsize/routing/match.js';
import type { Question } from './data.js';

/** Prices per call (USD): the strong model costs 20× the weak one, about the GPT-4-1106 / Mixtral input-price ratio. */
export const PRICES = { weak: 0.05, strong: 1 } as const;

/** Both agents declare the same curve: the router must learn who is better where. */
const EQUAL_PRIOR: CapabilityProfile['domains'] = [{ domain: 'general', ability: 5 }];

const agent = (id: string, perTask: number): MatchCandidate => ({
  id,
  profile: {
    domains: EQUAL_PRIOR,
    reasoning: { mode: 'none' },
    latency: { ttftMs: { p50: 500, p95: 1500 }, outputTokensPerSecond: 50 },
    placement: { placement: 'cloud' },
    cost: { currency: 'USD', perTask },
  },
});

export const AGENTS = { weak: agent('mixtral-8x7b', PRICES.weak), strong: agent('gpt-4', PRICES.strong) } as const;

export interface ReplaySettings {
  readonly explorationBudget: number;
  readonly ngramScale: number;
  readonly seed: number;
  /** Explore for every λ of this range rather than the training λ only (exploration.ts); absent: the training λ. */
  readonly lambdaRange?: readonly [number, number];
  /** Decisions after which the exploration budget decays as 1/√n (exploration.ts); absent: a constant share. */
  readonly decayAfter?: number;
  /** Information probes (exploration.ts); absent: none. */
  readonly probe?: ProbeOptions;
  /** Learner options beyond n-grams (prior widths, empirical Bayes). */
  readonly learner?: LearnerOptions;
  /** The dial's benefit-of-the-doubt ratio ρ (dial.ts); absent: the Router's default; Infinity: off. */
  readonly doubtFrom?: number;
}

export interface ReplayResult {
  /** Per question: the strong model was called. */
  readonly strong: boolean[];
  /** Per question: the answer was correct. */
  readonly correct: boolean[];
  /** Decisions that explored (Thompson draws and probes). */
  readonly explored: number;
  /** Of which probes. */
  readonly probed: number;
  readonly router: Router;
  /**
   * Per λ of `dial` (when given), per question: the Router's greedy choice at that λ over the SAME beliefs the
   * running Router had when the question arrived (strong or not). One learner, the dial swept over its beliefs.
   */
  readonly dial: boolean[][];
}

export function routerFor(settings: ReplaySettings, lambda: number): Router {
  const options: RouterOptions = {
    agents: [AGENTS.weak, AGENTS.strong],
    lambda,
    exploration:
      settings.explorationBudget > 0
        ? {
            budget: settings.explorationBudget,
            seed: settings.seed,
            ...(settings.lambdaRange ? { lambdaRange: settings.lambdaRange } : {}),
            ...(settings.probe ? { probe: settings.probe } : {}),
            ...(settings.decayAfter !== undefined ? { decayAfter: settings.decayAfter } : {}),
          }
        : false,
    learner: { ...settings.learner, ngramScale: settings.ngramScale },
    ...(settings.doubtFrom !== undefined ? { doubtFrom: settings.doubtFrom } : {}),
  };
  return new Router(options);
}

export const taskOf = (q: Question, id: string) => ({ id, text: q.prompt, descriptor: { domain: q.subject } });

/** Routes, answers (from the recorded outcome of the chosen model only) and learns, question by question. */
export function replay(qs: readonly Question[], lambda: number, settings: ReplaySettings, learn = true): ReplayResult {
  const router = routerFor(settings, lambda);
  return continueReplay(router, qs, learn);
}

export function continueReplay(
  router: Router,
  qs: readonly Question[],
  learn: boolean,
  dial: readonly number[] = [],
): ReplayResult {
  const strong: boolean[] = [];
  const correct: boolean[] = [];
  const dialChoices = dial.map(() => [] as boolean[]);
  let explored = 0;
  let probed = 0;
  for (const [i, q] of qs.entries()) {
    const decision = router.route(taskOf(q, String(i)));
    for (const [j, lambda] of dial.entries())
      dialChoices[j]?.push(router.chooseAt(decision, lambda) === AGENTS.strong.id);
    const isStrong = decision.chosen === AGENTS.strong.id;
    const ok = isStrong ? q.strong : q.weak;
    if (decision.explored) explored++;
    if (decision.probed) probed++;
    if (learn && decision.chosen) router.observe({ taskId: decision.taskId, agentId: decision.chosen, success: ok });
    router.complete(decision.taskId);
    strong.push(isStrong);
    correct.push(ok);
  }
  return { strong, correct, explored, probed, router, dial: dialChoices };
}

/** The frozen router's score per question: P(strong succeeds) − P(weak succeeds) at the posterior means. The router
 * must assess both agents (restore it with its λ: without one, the candidate index assesses only what it ranks). */
export function gainScores(router: Router, qs: readonly Question[]): number[] {
  return qs.map((q, i) => {
    const decision = router.route(taskOf(q, `held-out-${i}`));
    router.complete(decision.taskId);
    const all = [...decision.match.ranked, ...decision.match.rejected];
    const p = (id: string) => {
      const a = all.find((x) => x.agentId === id);
      if (!a) throw new Error(`gainScores: ${id} was not assessed (route with a λ)`);
      return a.predictions.success;
    };
    return p(AGENTS.strong.id) - p(AGENTS.weak.id);
  });
}

/** Whether the dial with ratio ρ = `doubtFrom` picks the strong model at λ over the beliefs of `decision`. */
export const strongAt = (decision: RouterDecision, lambda: number, doubtFrom?: number): boolean =>
  dialChoice([...decision.match.ranked], lambda, {
    spreadOf: (id) => decision.successSpread[id] ?? 0,
    doubtFrom,
  })?.agentId === AGENTS.strong.id;

/**
 * The frozen router's score per question by its dial: −log of the smallest λ at which the dial picks the strong model
 * (bisection on log λ, exact to 0.1 %; monotone by construction, so it is well defined); −∞ when it never does. Ranking
 * by it traces the curve of the dial itself at every setting, as `gainScores` traces the expected-utility rule.
 */
export function switchScores(router: Router, qs: readonly Question[], doubtFrom?: number): number[] {
  return qs.map((q, i) => {
    const decision = router.route(taskOf(q, `held-out-${i}`));
    router.complete(decision.taskId);
    let lo = Math.log(1e-3);
    let hi = Math.log(1e12);
    if (!strongAt(decision, Math.exp(hi), doubtFrom)) return Number.NEGATIVE_INFINITY;
    if (strongAt(decision, Math.exp(lo), doubtFrom)) return -lo;
    while (hi - lo > 1e-3) {
      const mid = (lo + hi) / 2;
      if (strongAt(decision, Math.exp(mid), doubtFrom)) hi = mid;
      else lo = mid;
    }
    return -hi;
  });
}
