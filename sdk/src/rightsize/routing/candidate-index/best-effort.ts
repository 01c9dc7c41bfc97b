/** Best effort with nothing feasible (spec §7.7, §7.9): the closest agents, found without assessing every agent. */
import { logit } from '../../math/stats.js';
import {
  type Assessment,
  assessModes,
  ceilingCell,
  type MatchCandidate,
  type MatchPolicy,
  type MatchTask,
  type ResolvedTask,
  SOFT_REASONS,
} from '../match.js';
import type { DomainTable } from './domain-table.js';
import type { Entry } from './entry.js';
import { EXCLUDED_HARD, type Scratch } from './first-pass.js';

/** Spec §7.9: agents assessed at least before answering that none is capable. */
export const MIN_ASSESSED_BEFORE_REFUSAL = 8;

/** Entries past the pool whose bounds the best-effort search prepares at a time. */
const PREPARE_CHUNK = 256;

/**
 * With nothing feasible (spec §7.7, §7.9): assess the strongest agents of the domain (padded with agents of the
 * registry that lack it) so a refusal names the closest; unless constraints are hard, find the best-effort agent —
 * the highest effective ceiling among agents short only on P — exactly, skipping agents whose ceiling bound
 * cannot reach the best found's cell (spec §7.7) or that miss a constraint best effort never relaxes.
 */
export function assessClosest(
  t: DomainTable,
  b: Scratch,
  registry: Iterable<MatchCandidate>,
  prepare: (from: number, to: number) => void,
  visit: (e: Entry) => readonly Assessment[],
  rejected: Assessment[],
  resolved: ResolvedTask,
  task: MatchTask,
  policy: MatchPolicy,
  count: () => void,
): void {
  const all = t.entries;
  for (let i = 0; i < Math.min(MIN_ASSESSED_BEFORE_REFUSAL, all.length); i++) visit(all[i] as Entry);
  let padded = all.length;
  for (const candidate of registry) {
    if (padded >= MIN_ASSESSED_BEFORE_REFUSAL) break;
    if (t.ids.has(candidate.id)) continue;
    rejected.push(...assessModes(candidate, task, resolved, policy)); // DOMAIN_UNSUPPORTED: never feasible
    count();
    padded++;
  }
  const r = resolved.minSuccess;
  if (resolved.hardConstraints || !(r > 0)) return; // with r = 0 no agent falls short on P alone
  // c_eff = min(c_cap(r), c_B) with c_cap(r) = a − logit(r/pMax)/k (spec §6.2 (3), (4)): per entry from its best
  // curve; over the entries left, a − logit(r)/k_max when r ≥ 1/2 (logit(r/pMax) ≥ logit(r) ≥ 0), else
  // a − logit(r)/k_min.
  const lr = logit(Math.min(r, 1 - 1e-12));
  const reach = lr >= 0 ? -lr / t.maxSlope : -lr / t.minSlope;
  const capability = (i: number) => {
    const pMax = t.pMax[i] as number;
    if (r >= pMax) return Number.NEGATIVE_INFINITY;
    const l = logit(r / pMax);
    return (t.ability[i] as number) - l / (l >= 0 ? (t.slope[i] as number) : (t.slopeBelow[i] as number));
  };
  const ceilingOf = (a: Assessment) =>
    a.reasons.every((x) => SOFT_REASONS.has(x))
      ? (a.predictions.effectiveCeiling ?? Number.NEGATIVE_INFINITY)
      : Number.NEGATIVE_INFINITY;
  let best = Math.max(Number.NEGATIVE_INFINITY, ...rejected.map(ceilingOf));
  // Spec §7.7: ceilings compare by their cell; an agent in a lower cell than the best found cannot be closer.
  const below = (x: number) => ceilingCell(x) < ceilingCell(best);
  const deferred: number[] = [];
  let ready = 0; // entries get their bounds in chunks, as the search reaches them
  for (let i = 0; i < all.length; i++) {
    if (below((t.ability[i] as number) + reach)) break;
    if (i >= ready) {
      const from = ready;
      ready = Math.min(all.length, ready + PREPARE_CHUNK);
      prepare(from, ready);
    }
    if (b.excluded[i] === EXCLUDED_HARD) continue;
    const ceiling = Math.min(capability(i), b.ceilingCut[i] as number);
    // An agent with no ceiling at all is the closest only when no agent has one: visited last, if at all.
    if (ceiling === Number.NEGATIVE_INFINITY) deferred.push(i);
    else if (!below(ceiling)) for (const a of visit(all[i] as Entry)) best = Math.max(best, ceilingOf(a));
  }
  if (best === Number.NEGATIVE_INFINITY) for (const i of deferred) visit(all[i] as Entry);
}
