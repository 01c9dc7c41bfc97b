/**
 * The dial swept over ONE learner's beliefs: a single Router learns online at its training λ (bandit feedback,
 * Thompson exploration); before each question is learned, the Router's greedy choice at every λ of the grid is taken
 * over the same beliefs and scored with the recorded outcome of that choice. For one belief the choice is monotone in
 * λ (dial.ts), so the share of strong calls is monotone in λ by construction; the curve measures what the learned
 * beliefs are worth at every setting of the dial, as an operator turning one deployed Router's dial would see it.
 */
import { apgr, type CurvePoint } from './curves.js';
import type { Question } from './data.js';
import { continueReplay, type ReplaySettings, routerFor } from './replay.js';

export interface DialSweep {
  readonly trainLambda: number;
  /** Per λ of the grid: [strong share, accuracy] on the whole stream and on the part after `from`. */
  readonly points: ReadonlyArray<{ readonly lambda: number; readonly full: CurvePoint; readonly eval: CurvePoint }>;
  /** The training run itself (its own λ, exploration included). */
  readonly training: { readonly full: CurvePoint; readonly eval: CurvePoint; readonly explored: number };
  /** Per λ, per question: strong chosen (for windows). */
  readonly choices: readonly (readonly boolean[])[];
}

const pointOf = (qs: readonly Question[], strong: readonly boolean[], from: number): CurvePoint => {
  let s = 0;
  let ok = 0;
  for (let i = from; i < qs.length; i++) {
    const q = qs[i] as Question;
    if (strong[i]) s++;
    if (strong[i] ? q.strong : q.weak) ok++;
  }
  const n = qs.length - from;
  return { share: s / n, accuracy: ok / n };
};

export function dialSweep(
  qs: readonly Question[],
  settings: ReplaySettings,
  trainLambda: number,
  lambdas: readonly number[],
  from: number,
): DialSweep {
  const r = continueReplay(routerFor(settings, trainLambda), qs, true, lambdas);
  return {
    trainLambda,
    points: lambdas.map((lambda, j) => ({
      lambda,
      full: pointOf(qs, r.dial[j] ?? [], 0),
      eval: pointOf(qs, r.dial[j] ?? [], from),
    })),
    training: { full: pointOf(qs, r.strong, 0), eval: pointOf(qs, r.strong, from), explored: r.explored / qs.length },
    choices: r.dial,
  };
}

/** APGR of a dial sweep on the questions from `from` on. */
export function dialApgr(qs: readonly Question[], sweep: DialSweep, from: number): number {
  const rest = qs.slice(from);
  const weak = rest.filter((q) => q.weak).length / rest.length;
  const strong = rest.filter((q) => q.strong).length / rest.length;
  return apgr(
    sweep.points.map((p) => p.eval),
    weak,
    strong,
  );
}
