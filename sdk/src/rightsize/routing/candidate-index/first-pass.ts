/**
 * The first pass (spec §7.9): per-decision bounds of rows of a bound table (a domain's agents or its blocks) from
 * their columns — lower bounds of the expected cost and completion latency, upper bounds of the budget cut, of the
 * success probability and of the latency factor, and whether a row provably misses a hard constraint — written into
 * scratch arrays reused across decisions.
 */
import {
  budgetToComplexity,
  expectedReasoningTokens,
  type ReasoningParams,
  reasoningTokensAt,
  SIGMA_EPSILON,
} from '../../math/predict.js';
import { normalQuantile, Z_SCORES } from '../../math/stats.js';
import type { Placement } from '../../model/common.js';
import type { Constraints, Preference } from '../../model/descriptor.js';
import type { MatchPolicy, MatchTask, ResolvedTask } from '../match.js';
import {
  cheapSuccessUpperBound,
  cheapTailSuccessUpperBound,
  latencyFactorUpperBound,
  NUMERIC_TOLERANCE,
  normalCdfAbove,
} from '../success-bounds.js';
import type { BoundTable } from './bound-table.js';

/** The tolerance of the exact latency factor bound of agents that never reason (see `latencyFactorUpperBound`). */
const FACTOR_TOLERANCE = 1e-9;

/** Why `prepare` excluded an entry: it misses a constraint best effort never relaxes, or (soft) a deadline. */
export const EXCLUDED_HARD = 1;
const EXCLUDED_DEADLINE = 2;

/** Per-decision bound arrays over a domain's entries (scratch buffers reused across decisions). */
export class Scratch {
  size = 0;
  cost = new Float64Array(0);
  latency = new Float64Array(0);
  /** Upper bound of the budget cut's complexity, for P (Infinity with a soft cut) and for the ceiling. */
  cut = new Float64Array(0);
  ceilingCut = new Float64Array(0);
  excluded = new Uint8Array(0);
  /** Upper bound of the latency factor F_L0(D') (spec §6.6; 1 until refined): P_D ≤ S · factor. */
  factor = new Float64Array(0);
  /** Lower bound of L0's deterministic part and network mean, and upper bound of D' (for `latencyFactorUpperBound`). */
  offset = new Float64Array(0);
  deadline = new Float64Array(0);
  k1 = new Float64Array(0);
  k2 = new Float64Array(0);
  k3 = new Float64Array(0);
  k4 = new Float64Array(0);
  /** Success upper bound once refined (NaN before). */
  reach = new Float64Array(0);
  /** Upper bound of success (deadline factor aside) from the entry's opened block (1 without blocks). */
  cap = new Float64Array(0);
  /** 1 once the success bound was tightened to the success integral at the entry's best curve, 2 once also by the
   * latency factor. */
  tight = new Uint8Array(0);
  items = new Int32Array(0);

  ensure(n: number): void {
    if (this.size >= n) return;
    const size = Math.max(n, 2 * this.size);
    this.size = size;
    this.cost = new Float64Array(size);
    this.latency = new Float64Array(size);
    this.cut = new Float64Array(size);
    this.ceilingCut = new Float64Array(size);
    this.excluded = new Uint8Array(size);
    this.factor = new Float64Array(size);
    this.offset = new Float64Array(size);
    this.deadline = new Float64Array(size);
    this.k1 = new Float64Array(size);
    this.k2 = new Float64Array(size);
    this.k3 = new Float64Array(size);
    this.k4 = new Float64Array(size);
    this.reach = new Float64Array(size);
    this.cap = new Float64Array(size);
    this.tight = new Uint8Array(size);
    this.items = new Int32Array(size + 1);
  }
}

export type PreferenceKind = 'cost' | 'latency' | 'quality' | 'weighted';

export function kindOf(preference: Preference): PreferenceKind {
  if (typeof preference === 'string') return preference;
  const w = preference.weights;
  return (w.cost ?? 0) + (w.latency ?? 0) + (w.quality ?? 0) > 0 ? 'weighted' : 'cost';
}

/** The network's jitter standard deviation, loss included (spec §6.4 (2)), for the latency factor's bound. */
export const jitterSdOf = (task: MatchTask): number =>
  (task.descriptor.network?.jitterMs ?? 0) * (1 / (1 - (task.descriptor.network?.lossRate ?? 0)));

/**
 * With deadlines, P_D ≤ S · F_L0(D') (spec §6.6): the latency factor's bound for row i of table t (its bounds at
 * b[node]), with no queue and the least parts. An agent that never reasons has P_D = S · F_L0(D'), this very factor:
 * its bound converges with a tolerance far below a tie cell, so agents whose P_D differ by less than a cell are told
 * apart unassessed (the quality voice tail); others get the cheap bound (three exponentials).
 */
export function factorBound(t: BoundTable, b: Scratch, i: number, node: number, jitterSd: number): number {
  return latencyFactorUpperBound(
    b.offset[node] as number,
    t.remote[i] === 1 ? jitterSd : 0,
    t.ttft[50][i] as number,
    t.ttftGrowth[i] as number,
    b.deadline[node] as number,
    t.reasonsAny[i] === 1 ? undefined : FACTOR_TOLERANCE,
  );
}

/**
 * The first pass's success bound of row i of table t (its bounds at b[node]): the cheap bounds of its curves (σ-blind,
 * and above the centre the σ-aware tail bound; one exponential each; as `curve` asks: none gives pMax) and the
 * budget cut's pMax·Φ((c_cut − μ)/σ) read from a grid above Φ (spec §6.6 (3): no task past the cut succeeds), plus
 * the numeric tolerance of §6.7.
 *
 * On a block table (`block`), row i holds the block's highest ability and pMax, steepest and flattest slopes: S grows
 * with the ability and pMax, and with the slope above the centre and falls with it below (`frontierBound`), so every
 * row's S is at most S at the block's ability with the steepest slope (ability ≥ μ) or the flattest (below), and any
 * upper bound of that one S bounds them all (the tail bound is not monotone in the slope, but it bounds this S).
 */
export function firstSuccessBound(
  t: BoundTable,
  b: Scratch,
  i: number,
  node: number,
  curve: 'none' | 'cheap' | 'tail',
  mu: number,
  sigma: number,
  block = false,
): number {
  const pMax = t.pMax[i] as number;
  const cut = b.cut[node] as number;
  const a = t.ability[i] as number;
  const k = block && a < mu ? (t.slopeBelow[i] as number) : (t.slope[i] as number);
  const kBelow = block ? k : (t.slopeBelow[i] as number);
  const bound = Math.min(
    curve !== 'none' ? cheapSuccessUpperBound(a, k, kBelow, pMax, mu, sigma) : pMax,
    // Above the centre, where S nears pMax, the σ-aware tail bound (one more exponential).
    curve === 'tail' && a >= mu ? cheapTailSuccessUpperBound(a, k, pMax, mu, sigma) : pMax,
    cut === Number.POSITIVE_INFINITY ? pMax : pMax * normalCdfAbove((cut - mu) / Math.max(sigma, SIGMA_EPSILON)),
  );
  // Computed success is within the numeric tolerance of the exact value (spec §6.7): at a = μ the cheap bound is
  // exactly pMax/2 while the integral may come out a rounding above it, one success cell higher. Success is at most
  // 1: past it the bound's cell would beat every agent's and the id order could no longer end the search.
  return Math.min(1, bound + NUMERIC_TOLERANCE);
}

/** Budget grid steps per doubling for `ReasoningFloor` (a budget is rounded down by at most 2^(1/8) ≈ 9 %). */
const BUDGET_STEPS_PER_DOUBLING = 8;
/** The budget grid's nodes 2^(k/8), k = 0 … 512 (budgets up to 2^64 tokens). */
const BUDGET_NODES = Float64Array.from(
  { length: BUDGET_STEPS_PER_DOUBLING * 64 + 1 },
  (_, k) => 2 ** (k / BUDGET_STEPS_PER_DOUBLING),
);

/**
 * Lower bounds of the expected reasoning tokens E[min(t·2^c, B)] of a reasoning group (least tokens per step, least
 * budget) for one decision's complexity, at a budget B at most the group's (spec §6.1): E grows with B, so its value
 * at the grid node 2^(k/8) ≤ B bounds it; values are memoised per group and node (a few normal CDFs per decision),
 * and shaded by 1e-9 so rounding can never lift a bound above the assessed value.
 */
class ReasoningFloor {
  /** Per group, allocated when first used (a decision reads few groups). */
  readonly #memo: Array<Float64Array | undefined> = [];

  constructor(
    readonly groups: readonly ReasoningParams[],
    readonly complexity: ResolvedTask['complexity'],
  ) {}

  tokens(group: number, budget: number): number {
    const g = this.groups[group] as ReasoningParams;
    let memo = this.#memo[group];
    if (!memo) {
      memo = new Float64Array(BUDGET_NODES.length + 1).fill(Number.NaN);
      this.#memo[group] = memo;
    }
    const last = memo.length - 1;
    if (budget >= g.budget) {
      if (Number.isNaN(memo[last] as number)) memo[last] = expectedReasoningTokens(g, this.complexity) * (1 - 1e-9);
      return memo[last] as number;
    }
    if (!(budget >= 1)) return 0;
    let k = Math.floor(BUDGET_STEPS_PER_DOUBLING * Math.log2(budget));
    if (k >= last) return 0; // beyond the grid (budgets past 2^64 tokens): no bound
    if ((BUDGET_NODES[k] as number) > budget) k--;
    if (Number.isNaN(memo[k] as number)) {
      memo[k] = expectedReasoningTokens({ ...g, budget: BUDGET_NODES[k] as number }, this.complexity) * (1 - 1e-9);
    }
    return memo[k] as number;
  }
}

/** Whether a candidate whose profiles all share `place` meets the placement and region constraints (unknown: yes). */
function placementAllowed(place: BoundTable['placement'][number], c: Constraints): boolean {
  if (!place) return true;
  if (c.allowedPlacements && !c.allowedPlacements.includes(place.placement as Placement)) return false;
  return !c.allowedRegions || (place.region !== undefined && c.allowedRegions.includes(place.region));
}

/**
 * The first pass over rows of a table, set up once per decision: the returned function, for rows [from, to) of
 * `t` (a domain's table or its block table), marks those that certainly miss a hard constraint (placement, region,
 * the cost cap at their lowest prices; or a deadline even without queueing), and writes at b[at + i] lower bounds
 * of the expected cost (lowest prices, and the reasoning of the least budget any profile gets where the cost keys
 * (`costUse` 'keys') or a cost cap need it) and of the completion latency (no queue), and upper bounds of the budget
 * cut's complexity (largest budget, window and what the deadlines leave at the latency percentile). Every bound is
 * monotone in each column in the direction `COLUMN_EXTREMES` keeps, so on a block table it holds for the block.
 */
export function prepareRows(
  b: Scratch,
  t: BoundTable,
  resolved: ResolvedTask,
  task: MatchTask,
  policy: MatchPolicy,
  costUse: 'keys' | 'cap' = 'keys',
): (from: number, to: number, at?: number) => void {
  const c = task.descriptor.constraints ?? {};
  const checkConstraints = task.descriptor.skill === undefined; // skill overrides may change any member
  const input = resolved.inputTokens / 1e6;
  const output = resolved.outputTokens / 1e6;
  const hasDeadline = c.completionDeadlineMs !== undefined || c.firstResponseDeadlineMs !== undefined;
  // Deadlines and context windows cut the reasoning budget (spec §6.6): the cost bound counts the reasoning of a
  // lower bound of the budget every profile gets.
  const reasoningFloor = new ReasoningFloor(t.reasoningGroups, resolved.complexity);
  // Only the cost and weighted keys and a cost cap need a tight cost bound; else (a tie-break key) the reasoning
  // is counted only where nothing cuts the budget (one expectation per reasoning group).
  const kind = kindOf(resolved.preference);
  const costMatters = c.maxCost !== undefined || (costUse === 'keys' && (kind === 'cost' || kind === 'weighted'));
  const z = Z_SCORES[resolved.percentile];
  // The complexity quantile of the latency prediction (spec §6.1: a sigma below 1e-6 counts as 0 there too).
  const sigmaUsed = resolved.complexity.sigma < SIGMA_EPSILON ? 0 : resolved.complexity.sigma;
  const cq = resolved.complexity.value + z * sigmaUsed;
  const groupTokensAtQ = t.reasoningGroups.map((g) => reasoningTokensAt(g, cq));
  const net = task.descriptor.network;
  const lossFactor = 1 / (1 - (net?.lossRate ?? 0));
  const rttMs = net?.rttMs ?? 0;
  const jitterMs = net?.jitterMs ?? 0;
  const uplink = net?.uplinkKbps ?? net?.bandwidthKbps;
  const downlink = net?.downlinkKbps ?? net?.bandwidthKbps;
  const transferIn = uplink ? (32 * resolved.inputTokens) / uplink : 0;
  const transferOut = downlink ? (32 * resolved.outputTokens) / downlink : 0;
  const brokerLeg = policy.brokerLegMs ?? 0;
  const ttft = t.ttft[resolved.percentile];
  const ttftMedian = t.ttft[50];
  const ttftMost = t.ttftMax[resolved.percentile];
  const firstLimit = c.firstResponseDeadlineMs ?? Number.POSITIVE_INFINITY;
  const completionLimit = c.completionDeadlineMs ?? Number.POSITIVE_INFINITY;
  const tokens = resolved.inputTokens + resolved.outputTokens;
  // The latency factor F_L0(D') bounds P_D; an agent whose non-reasoning latency at the minSuccess quantile
  // already misses the deadline cannot be feasible (only checked when that quantile is ≥ the median).
  const zr = resolved.minSuccess >= 0.5 ? normalQuantile(resolved.minSuccess) : Number.NaN;
  const checkDeadline = checkConstraints && hasDeadline && Number.isFinite(zr);
  const costLimit = checkConstraints && c.maxCost ? c.maxCost.amount : Number.POSITIVE_INFINITY;
  const checkPlace = checkConstraints && (c.allowedPlacements !== undefined || c.allowedRegions !== undefined);
  const rates = new Map<string, number | undefined>();
  const rateOf = (currency: string) => {
    if (currency === resolved.currency) return 1;
    if (currency === '*') return 0;
    if (!rates.has(currency)) rates.set(currency, policy.rates?.[currency]);
    return rates.get(currency);
  };
  return (from, to, at = 0) => {
    for (let i = from; i < to; i++) {
      const group = t.reasoningGroup[i] as number;
      const unbounded = !hasDeadline && (t.contextWindow[i] as number) === Number.POSITIVE_INFINITY;
      const remote = t.remote[i] === 1;
      const fixed =
        brokerLeg +
        (t.overhead[i] as number) +
        resolved.inputTokens * (t.msPerInputToken[i] as number) +
        (remote ? transferIn : 0);
      const rtt = remote ? (rttMs + (t.networkRtt[i] as number)) * lossFactor : 0;
      const jitter = remote ? jitterMs * lossFactor : 0;
      const after = resolved.outputTokens * (t.msPerOutputToken[i] as number) + (remote ? transferOut : 0);
      const deadline = Math.min(firstLimit, completionLimit - after);
      const rate = rateOf(t.currency[i] as string);
      const reasoningPrice = t.costReasoning[i] as number;
      let reasoningTokens = 0;
      if (group >= 0 && reasoningPrice > 0 && rate !== undefined && !costMatters) {
        reasoningTokens = unbounded ? reasoningFloor.tokens(group, Number.POSITIVE_INFINITY) : 0;
      } else if (group >= 0 && reasoningPrice > 0 && rate !== undefined) {
        // The least budget any profile gets: its budget, the context window left and what the deadlines leave with
        // the slowest parts of L0 (spec §6.6 (3)); none when the load may queue the candidate.
        let budget = Math.max(0, (t.contextWindow[i] as number) - tokens);
        if (hasDeadline) {
          const remoteAny = t.remoteAny[i] === 1;
          const afterMost =
            resolved.outputTokens * (t.msPerOutputTokenMax[i] as number) + (remoteAny ? transferOut : 0);
          const baseMost =
            brokerLeg +
            (t.overheadMax[i] as number) +
            resolved.inputTokens * (t.msPerInputTokenMax[i] as number) +
            (remoteAny ? transferIn + (rttMs + (t.networkRttMax[i] as number) + jitterMs * z) * lossFactor : 0) +
            (ttftMost[i] as number);
          const left = Math.min(firstLimit, completionLimit - afterMost) - baseMost;
          budget =
            t.queued[i] === 1 ? 0 : Math.min(budget, Math.max(0, left) / (t.msPerReasoningTokenMax[i] as number));
        }
        reasoningTokens = reasoningFloor.tokens(group, budget);
      }
      const cost =
        rate === undefined
          ? Number.POSITIVE_INFINITY
          : rate *
            (input * (t.costIn[i] as number) +
              output * (t.costOut[i] as number) +
              (reasoningTokens * reasoningPrice) / 1e6 +
              (t.costTask[i] as number));
      b.cost[at + i] = cost;
      // For the latency factor's bound (spec §6.6), computed when the search first reaches the entry.
      b.offset[at + i] = fixed + rtt;
      b.deadline[at + i] = deadline;
      b.excluded[at + i] =
        cost > costLimit || (checkPlace && !placementAllowed(t.placement[i], c))
          ? EXCLUDED_HARD
          : checkDeadline && fixed + rtt + jitter * zr + (ttftMedian[i] as number) > deadline
            ? EXCLUDED_DEADLINE
            : 0;
      // L_done = min(L0 + T_R, max(L0, D')) + after, non-decreasing in every part (spec §6.4, §6.6).
      const base = fixed + rtt + jitter * z + (ttft[i] as number);
      const window = Math.max(0, (t.contextWindow[i] as number) - tokens);
      const reasoningMs =
        group < 0 ? 0 : Math.min(groupTokensAtQ[group] as number, window) * (t.msPerReasoningToken[i] as number);
      b.latency[at + i] = Math.min(
        base + reasoningMs + after,
        group < 0 ? Number.POSITIVE_INFINITY : Math.max(base + after, Math.min(firstLimit + after, completionLimit)),
      );
      // The budget cut: c_cut = log2(min(B, window room, what the deadline leaves) / t) at most (spec §6.6 (3)).
      let cut = Number.POSITIVE_INFINITY;
      if (group >= 0) {
        const leftByDeadline =
          deadline === Number.POSITIVE_INFINITY
            ? Number.POSITIVE_INFINITY
            : Math.max(0, deadline - base) / (t.msPerReasoningToken[i] as number);
        const budget = Math.min(
          t.maxBudget[i] as number,
          Math.max(0, (t.maxContextWindow[i] as number) - tokens),
          leftByDeadline,
        );
        cut = budgetToComplexity(budget, t.minTokensPerStep[i] as number);
      }
      b.ceilingCut[at + i] = cut;
      b.cut[at + i] = t.softCut[i] === 1 ? Number.POSITIVE_INFINITY : cut;
    }
  };
}
