/**
 * The best-first search of spec §7.9 over a domain's pool (agents whose ability can reach minSuccess): agents and
 * blocks are visited in the lexicographic order of lower bounds of the cells of the ranking keys (spec §7.3),
 * refined the first times they reach the top, until the bounds at the top are worse than the N-th feasible agent's.
 */
import { SIGMA_EPSILON } from '../../math/predict.js';
import { normalCdf } from '../../math/stats.js';
import {
  type Assessment,
  ESCALATION_WINDOW,
  keyCell,
  logCell,
  type MatchPolicy,
  type MatchTask,
  type RankKeys,
  type ResolvedTask,
  successCell,
} from '../match.js';
import { successUpperBound, truncatedSuccessUpperBound } from '../success-bounds.js';
import type { BlockTable } from './block-table.js';
import type { BoundTable } from './bound-table.js';
import type { DomainTable } from './domain-table.js';
import type { Entry } from './entry.js';
import {
  factorBound,
  firstSuccessBound,
  jitterSdOf,
  type PreferenceKind,
  prepareRows,
  type Scratch,
} from './first-pass.js';
import { KeyHeap } from './key-heap.js';
import { costFloor, latencyFactorBound } from './profile-bounds.js';

/** A feasible assessment with its ranking keys (spec §7.3). */
export interface Ranked {
  readonly assessment: Assessment;
  readonly keys: RankKeys;
}

/** What one search works on. */
export interface SearchInput {
  readonly t: DomainTable;
  /** The domain's block table (undefined: the first pass runs over the agents). */
  readonly blocks: BlockTable | undefined;
  readonly b: Scratch;
  /** Agents of the pool: the first `poolSize` rows of `t`. */
  readonly poolSize: number;
  readonly kind: PreferenceKind;
  readonly resolved: ResolvedTask;
  readonly task: MatchTask;
  readonly policy: MatchPolicy;
  /** Feasible agents ranked exactly. */
  readonly topN: number;
  /** Receives the feasible assessments in ranking order. */
  readonly sorted: readonly Ranked[];
  /** Assesses an agent (once). */
  readonly visit: (e: Entry) => readonly Assessment[];
}

/**
 * Best-first search over the pool: visits, in the lexicographic order of lower bounds of the ranking keys' cells
 * (spec §7.3), every agent that may rank among the first N feasible ones, refining an agent's bounds the first
 * times it reaches the top. Exact because the cells are non-decreasing in the keys: a bound of a key bounds its
 * cell. Returns the number of bounds refined and of rows prepared.
 */
export function searchPool({
  t,
  blocks,
  b,
  poolSize,
  kind,
  resolved,
  task,
  policy,
  topN,
  sorted,
  visit,
}: SearchInput): { refined: number; prepared: number } {
  const preference = resolved.preference;
  const cellOf = keyCell(preference);
  const r = resolved.minSuccess;
  const { value: mu, sigma } = resolved.complexity;
  const spread = Math.max(sigma, SIGMA_EPSILON);
  const weights = typeof preference === 'string' ? {} : preference.weights;
  const wc = weights.cost ?? 0;
  const wl = weights.latency ?? 0;
  const wq = weights.quality ?? 0;
  /** Lower bound of the primary key of entry i when its success is at most `p`. */
  const primaryBound = (i: number, p: number): number => {
    const cost = b.cost[i] as number;
    if (kind === 'latency') return b.latency[i] as number;
    if (kind === 'quality') return -p;
    const perSuccess = p > 0 ? cost / p : Number.POSITIVE_INFINITY;
    if (kind === 'cost') return perSuccess;
    return (
      wc * Math.log(Math.max(perSuccess, 1e-12)) +
      wl * Math.log(Math.max(b.latency[i] as number, 1)) -
      wq * Math.log(Math.max(p, 1e-12))
    );
  };
  /** Lower bounds of entry i's ranking-key cells when its success is at most `p`. */
  const setKeys = (i: number, p: number) => {
    const cost = b.cost[i] as number;
    b.k1[i] = cellOf(primaryBound(i, p));
    b.k2[i] = -successCell(p);
    b.k3[i] = logCell(b.latency[i] as number);
    b.k4[i] = logCell(cost === 0 ? 0 : p > 0 ? cost / p : Number.POSITIVE_INFINITY);
  };
  /** The order of entry i's key bounds against the N-th ranked agent's keys (0: every cell equal). */
  const bounds = [b.k1, b.k2, b.k3, b.k4] as const;
  const against = (i: number, keys: RankKeys): number => {
    for (let k = 0; k < 4; k++) {
      const x = (bounds[k] as Float64Array)[i] as number;
      const y = keys[k] as number;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };

  const constraints = task.descriptor.constraints ?? {};
  const hasDeadline =
    constraints.completionDeadlineMs !== undefined || constraints.firstResponseDeadlineMs !== undefined;
  const jitterSd = jitterSdOf(task);
  const factorOf = (i: number, of: BoundTable = t, node = i) => factorBound(of, b, i, node, jitterSd);
  // Under `quality` success is the primary key: the bound is applied in the first pass, so agents the deadline
  // rules out never enter the heap; under the other preferences, when the search first reaches the agent.
  const eager = hasDeadline && kind === 'quality';
  // Under `quality` success is the primary key: near P = 1 the σ-aware tail bound keeps thousands of strong
  // agents out of the heap; elsewhere it changes keys too little to pay for its exponential.
  const curve = kind === 'latency' ? 'none' : 'tail';
  /** The first pass over row i of table `of` (bounds at b[node]), its success at most `cap`: false when it cannot be
   * feasible. */
  const admit = (i: number, of: BoundTable, node: number, block: boolean, cap: number): boolean => {
    if (b.excluded[node] !== 0) return false;
    // A first success bound: one exponential (every key but latency depends on success), and the budget cut's
    // pMax·Φ((c_cut − μ)/σ) read from a grid above Φ (spec §6.6 (3): no task past the cut succeeds).
    const factor = eager ? factorOf(i, of, node) : 1;
    b.factor[node] = factor;
    const success = Math.min(cap, firstSuccessBound(of, b, i, node, block ? 'tail' : curve, mu, sigma, block));
    const p = factor * success;
    if (p < r) return false; // cannot be feasible
    if (block) {
      b.reach[node] = success;
      b.tight[node] = 0;
    }
    setKeys(node, p);
    return true;
  };
  // The first pass runs over the blocks (node n + j for block j): a block's bounds hold for every row in it, and
  // its rows get their own bounds when the search first reaches it.
  const n = t.size;
  const prepareAgents = prepareRows(b, t, resolved, task, policy);
  let count = 0;
  let prepared = 0;
  if (blocks) {
    // Blocks with a row in the pool (their strongest row is) enter the search.
    const prepareBlocks = prepareRows(b, blocks.table, resolved, task, policy);
    for (let j = 0; j < blocks.count; j++) {
      if ((blocks.first[j] as number) >= poolSize) continue;
      prepareBlocks(j, j + 1, n);
      if (admit(j, blocks.table, n + j, true, 1)) b.items[count++] = n + j;
    }
  } else {
    prepareAgents(0, poolSize);
    prepared = poolSize;
    for (let i = 0; i < poolSize; i++) {
      b.reach[i] = Number.NaN;
      b.tight[i] = 0;
      b.cap[i] = 1;
      if (admit(i, t, i, false, 1)) b.items[count++] = i;
    }
  }
  const heap = new KeyHeap(b.k1, b.k2, b.k3, b.k4, b.items, count);
  /** Opens block j: prepares its rows of the pool and pushes those that may be feasible. The block's success bound
   * (its first bound, tightened to the truncated integral at its best curve) holds for every row: it caps theirs. */
  const open = ({ members, start }: BlockTable, j: number) => {
    const cap = b.reach[n + j] as number;
    for (let m = start[j] as number; m < (start[j + 1] as number); m++) {
      const i = members[m] as number;
      if (i >= poolSize) continue;
      prepareAgents(i, i + 1);
      prepared++;
      b.reach[i] = Number.NaN;
      b.tight[i] = 0;
      b.cap[i] = cap;
      if (admit(i, t, i, false, cap)) heap.push(i);
    }
  };
  const exact = Math.max(topN, ESCALATION_WINDOW);
  const costCut = (hasDeadline || t.windowed) && (kind === 'cost' || kind === 'weighted');
  let refined = 0;
  while (heap.size > 0) {
    const i = heap.pop();
    const nth = sorted[exact - 1];
    if (nth) {
      // Every agent left has key bounds at least this agent's (or block's): when they are worse than the N-th's
      // keys, no agent left can enter the first N. Equal cells leave the id to decide (a block: its least id).
      const order = against(i, nth.keys);
      if (order > 0) break;
      const id = i < n ? (t.entries[i] as Entry).candidate.id : (blocks?.leastId[i - n] as string);
      if (order === 0 && id > nth.assessment.agentId) continue;
    }
    if (blocks && i >= n) {
      const j = i - n;
      const bt = blocks.table;
      if (b.tight[i] === 0 && sigma >= SIGMA_EPSILON) {
        // A block's first arrival at the top: its success bound tightened to the success integral at its best
        // curve truncated at its largest budget cut (one logistic-normal for the whole block).
        b.tight[i] = 1;
        refined++;
        const reach = b.reach[i] as number;
        const cut = b.cut[i] as number;
        const a = bt.ability[j] as number;
        const bound = truncatedSuccessUpperBound(
          a,
          bt.slope[j] as number,
          bt.slopeBelow[j] as number,
          bt.pMax[j] as number,
          resolved.complexity,
          cut,
        );
        const factor = b.factor[i] as number;
        if (bound * factor < r) continue;
        if (bound < reach) {
          b.reach[i] = bound;
          setKeys(i, bound * factor);
          heap.push(i);
          continue;
        }
      }
      open(blocks, j);
      continue;
    }
    if (Number.isNaN(b.reach[i] as number)) {
      // First arrival at the top: the success bound with a normal CDF (and the budget cut's).
      refined++;
      const p = Math.min(b.cap[i] as number, reach(t, b, i, mu, sigma, spread));
      // Agents the deadline rules out skip the success integral.
      const factor = hasDeadline && !eager ? factorOf(i) : (b.factor[i] as number);
      b.factor[i] = factor;
      if (p * factor < r) continue; // cannot be feasible (spec §6.6: P_D is below this bound)
      b.reach[i] = p;
      setKeys(i, p * factor);
      heap.push(i);
      continue;
    }
    if (b.tight[i] === 0 && (sigma >= SIGMA_EPSILON || costCut)) {
      // Second arrival: the success integral itself (one logistic-normal, far cheaper than an assessment) at the
      // entry's best curve, up to the largest budget cut, plus the numeric tolerance of §6.7; and, where a deadline
      // or a window cuts the budget, the cost with the reasoning each profile's budget allows and the largest cut.
      b.tight[i] = 1;
      refined++;
      const cost = b.cost[i] as number;
      let cut = b.cut[i] as number;
      if (costCut) {
        const floorOf = costFloor(t.entries[i] as Entry, task, resolved, policy);
        b.cost[i] = Math.max(cost, floorOf.cost);
        cut = Math.min(cut, floorOf.cut);
      }
      const reach = b.reach[i] as number;
      const p =
        sigma >= SIGMA_EPSILON
          ? Math.min(
              reach,
              truncatedSuccessUpperBound(
                t.ability[i] as number,
                t.slope[i] as number,
                t.slopeBelow[i] as number,
                t.pMax[i] as number,
                resolved.complexity,
                cut,
              ),
            )
          : Math.min(reach, (t.pMax[i] as number) * normalCdf((cut - mu) / spread));
      const factor = b.factor[i] as number;
      if (p * factor < r) continue;
      if (p < reach || (b.cost[i] as number) > cost) {
        b.reach[i] = p;
        setKeys(i, p * factor);
        heap.push(i);
        continue;
      }
    }
    if ((b.tight[i] as number) < 2 && hasDeadline) {
      // Third arrival, with deadlines: the latency factor, P_D ≤ S_cut · F_L0(D') (spec §6.6 (4):
      // F_L0(D' − T_R(c)) ≤ F_L0(D')).
      b.tight[i] = 2;
      refined++;
      const reach = b.reach[i] as number;
      const bound = b.factor[i] as number;
      const factor = Math.min(bound, latencyFactorBound(t.entries[i] as Entry, task, resolved, policy));
      const p = reach * factor;
      if (p < r) continue;
      if (factor < bound) {
        b.factor[i] = factor;
        setKeys(i, p);
        heap.push(i);
        continue;
      }
    }
    visit(t.entries[i] as Entry);
  }
  return { refined, prepared };
}

/** The success upper bound of entry i: its curves' bound, and the budget cut's pMax·Φ((c_cut − μ)/σ). */
function reach(t: BoundTable, b: Scratch, i: number, mu: number, sigma: number, spread: number): number {
  const a = t.ability[i] as number;
  const pMax = t.pMax[i] as number;
  const curve = successUpperBound(a, a >= mu ? (t.slope[i] as number) : (t.slopeBelow[i] as number), pMax, mu, sigma);
  const cut = b.cut[i] as number;
  return cut === Number.POSITIVE_INFINITY ? curve : Math.min(curve, pMax * normalCdf((cut - mu) / spread));
}
