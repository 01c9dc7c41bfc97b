/**
 * Quality/cost curves and APGR as RouteLLM defines them (routellm/evals): the accuracy as a function of the share of
 * calls sent to the strong model, from 0 (all weak) to 1 (all strong); PGR = (acc − weak)/(strong − weak); APGR is the
 * area under the PGR curve (trapezoids), random routing = 0.5.
 */
import type { Question } from './data.js';

export interface CurvePoint {
  /** Share of calls sent to the strong model. */
  readonly share: number;
  readonly accuracy: number;
}

export const accuracyOf = (qs: readonly Question[], pick: (q: Question, i: number) => boolean) =>
  qs.reduce((n, q, i) => n + ((pick(q, i) ? q.strong : q.weak) ? 1 : 0), 0) / qs.length;

/** Area under the accuracy curve normalised to PGR; points are sorted by share and the two ends are added. */
export function apgr(points: readonly CurvePoint[], weak: number, strong: number): number {
  const all = [{ share: 0, accuracy: weak }, ...points, { share: 1, accuracy: strong }].sort(
    (a, b) => a.share - b.share,
  );
  let area = 0;
  for (let i = 1; i < all.length; i++) {
    const a = all[i - 1] as CurvePoint;
    const b = all[i] as CurvePoint;
    area += ((b.share - a.share) * (a.accuracy + b.accuracy)) / 2;
  }
  return (area - weak) / (strong - weak);
}

/**
 * The curve of a score router (route strong when the score is at least a threshold) over every threshold. Tasks with
 * equal scores move together, and the curve is linear between groups (a random tie-break, in expectation).
 */
export function scoreCurve(qs: readonly Question[], scores: readonly number[]): CurvePoint[] {
  const order = qs.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const n = qs.length;
  let correct = qs.reduce((sum, q) => sum + (q.weak ? 1 : 0), 0);
  const points: CurvePoint[] = [{ share: 0, accuracy: correct / n }];
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    const q = qs[i] as Question;
    correct += (q.strong ? 1 : 0) - (q.weak ? 1 : 0);
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[i]) points.push({ share: (k + 1) / n, accuracy: correct / n });
  }
  return points;
}

/** The smallest strong share at which the curve reaches `accuracy` (linear interpolation); null if never. */
export function shareToReach(points: readonly CurvePoint[], accuracy: number): number | null {
  const sorted = [...points].sort((a, b) => a.share - b.share);
  for (let i = 0; i < sorted.length; i++) {
    const b = sorted[i] as CurvePoint;
    if (b.accuracy >= accuracy) {
      const a = sorted[i - 1];
      if (!a || b.accuracy === a.accuracy) return b.share;
      return a.share + ((accuracy - a.accuracy) / (b.accuracy - a.accuracy)) * (b.share - a.share);
    }
  }
  return null;
}

/** The hindsight oracle: strong exactly where it alone is right; its curve (RouteLLM's "optimal"). */
export function oracleCurve(qs: readonly Question[]): CurvePoint[] {
  const n = qs.length;
  const weak = qs.filter((q) => q.weak).length;
  const gains = qs.filter((q) => q.strong && !q.weak).length;
  const neutral = qs.filter((q) => q.strong === q.weak).length;
  return [
    { share: 0, accuracy: weak / n },
    { share: gains / n, accuracy: (weak + gains) / n },
    { share: (gains + neutral) / n, accuracy: (weak + gains) / n },
    { share: 1, accuracy: qs.filter((q) => q.strong).length / n },
  ];
}
