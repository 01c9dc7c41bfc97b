/**
 * Per-row bound tables (spec §7.9): typed columns of the bound coefficients of a domain's agents (one row per agent)
 * or of its blocks (one row per block, each column's most favourable value over the block; `block-table.ts`).
 */
import { DEFAULTS, type ReasoningParams, reasoningOf, ttftAt } from '../../math/predict.js';
import { Z_SCORES } from '../../math/stats.js';
import type { Percentile } from '../../model/common.js';
import type { CapabilityProfile } from '../../model/profile.js';
import { type Entry, queuedOf } from './entry.js';

const PERCENTILES: readonly Percentile[] = [50, 90, 95, 99];

export type Column = Float64Array | Int32Array | Uint8Array;

/**
 * For each column of `BoundTable.columns` (same order), the extreme a block keeps: 'min' where a smaller value
 * only lowers the bounds of cost and latency or raises the deadline and budget left (prices, times, whether every
 * profile is remote, the least context window, tokens per step), 'max' where a larger value only raises success, the
 * budget cut or lowers the reasoning budget counted in the cost bound (the slowest parts of L0, queueing, largest
 * budget and window, soft cuts, ability, steepest slope, pMax); the reasoning group is summarised apart. The flattest
 * slope is kept 'min': below the centre success falls with the slope.
 */
export const COLUMN_EXTREMES: ReadonlyArray<'min' | 'max' | 'group'> = [
  'min', // costIn
  'min', // costOut
  'min', // costTask
  'min', // costReasoning
  'min', // remote (1 only when every row's profiles are all remote)
  'min', // networkRtt
  'min', // overhead
  'min', // ttft p50
  'min', // ttft p90
  'min', // ttft p95
  'min', // ttft p99
  'min', // ttftGrowth
  'min', // msPerOutputToken
  'max', // overheadMax
  'max', // networkRttMax
  'max', // ttftMax p50
  'max', // ttftMax p90
  'max', // ttftMax p95
  'max', // ttftMax p99
  'max', // msPerInputTokenMax
  'max', // msPerOutputTokenMax
  'max', // msPerReasoningTokenMax
  'max', // remoteAny
  'max', // reasonsAny
  'min', // msPerInputToken
  'max', // queued
  'group', // reasoningGroup
  'min', // msPerReasoningToken
  'max', // maxBudget
  'min', // minTokensPerStep
  'max', // softCut
  'min', // contextWindow
  'max', // maxContextWindow
  'max', // ability
  'max', // slope
  'min', // slopeBelow
  'max', // pMax
];

/**
 * Typed arrays of the bound coefficients, one row per entry (or per block), in ability order (descending) for a
 * domain's table. `DomainTable` keeps them sorted and updated in place; `BlockTable` fills one of them per block.
 */
export class BoundTable {
  readonly entries: Entry[] = [];
  costIn = new Float64Array(0);
  costOut = new Float64Array(0);
  costTask = new Float64Array(0);
  costReasoning = new Float64Array(0);
  readonly currency: string[] = [];
  remote = new Uint8Array(0);
  networkRtt = new Float64Array(0);
  overhead = new Float64Array(0);
  /** ttft at p50, p90, p95, p99 (spec §6.4 (1)), each the minimum over the candidate's profiles. */
  ttft: Record<Percentile, Float64Array> = {
    50: new Float64Array(0),
    90: new Float64Array(0),
    95: new Float64Array(0),
    99: new Float64Array(0),
  };
  /** The least growth rate of ttft in z over the profiles, ln(p95/p50)/z95 (0 when some p50 is 0; spec §6.4 (1)). */
  ttftGrowth = new Float64Array(0);
  msPerOutputToken = new Float64Array(0);
  /** Upper bounds over the profiles of the parts of L0 and of the generation time (for a lower bound of the reasoning
   * budget the deadlines leave, spec §6.6 (3)): overhead, network round trip, ttft per percentile, time per input,
   * output and reasoning token; whether any profile is remote; whether the candidate's load makes any profile queue. */
  overheadMax = new Float64Array(0);
  networkRttMax = new Float64Array(0);
  ttftMax: Record<Percentile, Float64Array> = {
    50: new Float64Array(0),
    90: new Float64Array(0),
    95: new Float64Array(0),
    99: new Float64Array(0),
  };
  msPerInputTokenMax = new Float64Array(0);
  msPerOutputTokenMax = new Float64Array(0);
  msPerReasoningTokenMax = new Float64Array(0);
  remoteAny = new Uint8Array(0);
  /** Whether any profile reasons (its P_D is then an integral over the reasoning time, within §6.7's tolerance). */
  reasonsAny = new Uint8Array(0);
  /** The least time per input token (prefill) over the profiles (0 when some profile declares no input rate). */
  msPerInputToken = new Float64Array(0);
  queued = new Uint8Array(0);
  /** Index into `reasoningGroups` (distinct least tokens-per-step and budget pairs), −1 if some profile never reasons. */
  reasoningGroup = new Int32Array(0);
  readonly reasoningGroups: ReasoningParams[] = [];
  readonly #groupIndex = new Map<string, number>();
  msPerReasoningToken = new Float64Array(0);
  /** The largest reasoning budget and the least tokens per step over the profiles (for the budget cut's bound). */
  maxBudget = new Float64Array(0);
  minTokensPerStep = new Float64Array(0);
  /** 1 when some profile declares a soft budget cut (budgetSlope): the cut then bounds the ceiling, not P. */
  softCut = new Uint8Array(0);
  /** The placement and region of every profile of the candidate, when they all agree (else undefined). */
  readonly placement: Array<{ placement: string; region: string | undefined } | undefined> = [];
  /** The smallest and largest context window over the candidate's profiles (Infinity when none declares one). */
  contextWindow = new Float64Array(0);
  maxContextWindow = new Float64Array(0);
  /** Slope and pMax limits over every curve of the domain (for the frontier bound; they only widen on updates). */
  minSlope: number = DEFAULTS.slope;
  maxSlope: number = DEFAULTS.slope;
  maxPMax = 0;
  /** Whether any profile declares a context window (which can cut the reasoning budget; only set on updates). */
  windowed = false;
  /** Per entry: the highest ability, steepest and flattest slope and highest pMax over its profiles. */
  ability = new Float64Array(0);
  slope = new Float64Array(0);
  slopeBelow = new Float64Array(0);
  pMax = new Float64Array(0);

  get size(): number {
    return this.entries.length;
  }

  /** The index of the reasoning group (least tokens per step, least budget), added when new. */
  groupOf(tokensPerStep: number, budget: number): number {
    const key = `${tokensPerStep}|${budget}`;
    let index = this.#groupIndex.get(key);
    if (index === undefined) {
      index = this.reasoningGroups.push({ reasons: true, tokensPerStep, budget }) - 1;
      this.#groupIndex.set(key, index);
    }
    return index;
  }

  /** The typed columns (every per-entry number), in the order of COLUMN_EXTREMES. */
  columns(): Column[] {
    return [
      this.costIn,
      this.costOut,
      this.costTask,
      this.costReasoning,
      this.remote,
      this.networkRtt,
      this.overhead,
      this.ttft[50],
      this.ttft[90],
      this.ttft[95],
      this.ttft[99],
      this.ttftGrowth,
      this.msPerOutputToken,
      this.overheadMax,
      this.networkRttMax,
      this.ttftMax[50],
      this.ttftMax[90],
      this.ttftMax[95],
      this.ttftMax[99],
      this.msPerInputTokenMax,
      this.msPerOutputTokenMax,
      this.msPerReasoningTokenMax,
      this.remoteAny,
      this.reasonsAny,
      this.msPerInputToken,
      this.queued,
      this.reasoningGroup,
      this.msPerReasoningToken,
      this.maxBudget,
      this.minTokensPerStep,
      this.softCut,
      this.contextWindow,
      this.maxContextWindow,
      this.ability,
      this.slope,
      this.slopeBelow,
      this.pMax,
    ];
  }

  grow(capacity: number): void {
    const length = this.entries.length;
    const f64 = (c: Float64Array) => {
      const next = new Float64Array(capacity);
      next.set(c.subarray(0, length));
      return next;
    };
    const u8 = (c: Uint8Array) => {
      const next = new Uint8Array(capacity);
      next.set(c.subarray(0, length));
      return next;
    };
    this.costIn = f64(this.costIn);
    this.costOut = f64(this.costOut);
    this.costTask = f64(this.costTask);
    this.costReasoning = f64(this.costReasoning);
    this.remote = u8(this.remote);
    this.networkRtt = f64(this.networkRtt);
    this.overhead = f64(this.overhead);
    this.ttft = { 50: f64(this.ttft[50]), 90: f64(this.ttft[90]), 95: f64(this.ttft[95]), 99: f64(this.ttft[99]) };
    this.ttftGrowth = f64(this.ttftGrowth);
    this.msPerOutputToken = f64(this.msPerOutputToken);
    this.overheadMax = f64(this.overheadMax);
    this.networkRttMax = f64(this.networkRttMax);
    this.ttftMax = {
      50: f64(this.ttftMax[50]),
      90: f64(this.ttftMax[90]),
      95: f64(this.ttftMax[95]),
      99: f64(this.ttftMax[99]),
    };
    this.msPerInputTokenMax = f64(this.msPerInputTokenMax);
    this.msPerOutputTokenMax = f64(this.msPerOutputTokenMax);
    this.msPerReasoningTokenMax = f64(this.msPerReasoningTokenMax);
    this.remoteAny = u8(this.remoteAny);
    this.reasonsAny = u8(this.reasonsAny);
    this.msPerInputToken = f64(this.msPerInputToken);
    this.queued = u8(this.queued);
    this.reasoningGroup = Int32Array.from({ length: capacity }, (_, i) => this.reasoningGroup[i] ?? -1);
    this.msPerReasoningToken = f64(this.msPerReasoningToken);
    this.maxBudget = f64(this.maxBudget);
    this.minTokensPerStep = f64(this.minTokensPerStep);
    this.softCut = u8(this.softCut);
    this.contextWindow = f64(this.contextWindow);
    this.maxContextWindow = f64(this.maxContextWindow);
    this.ability = f64(this.ability);
    this.slope = f64(this.slope);
    this.slopeBelow = f64(this.slopeBelow);
    this.pMax = f64(this.pMax);
  }

  /** Writes the bound coefficients of `entry` at row i (appending it, or over a row already in place). */
  write(i: number, entry: Entry, how: 'append' | 'overwrite'): void {
    const min = (f: (p: CapabilityProfile) => number) => Math.min(...entry.variants.map(f));
    const max = (f: (p: CapabilityProfile) => number) => Math.max(...entry.variants.map(f));
    const currencies = new Set(entry.variants.map((p) => p.cost.currency));
    const currency = currencies.size === 1 ? (entry.candidate.profile.cost.currency as string) : '*';
    const places = new Set(entry.variants.map((p) => `${p.placement.placement}|${p.placement.region ?? ''}`));
    const base = entry.candidate.profile.placement;
    const placement = places.size === 1 ? { placement: base.placement, region: base.region } : undefined;
    if (how === 'append') {
      this.entries.push(entry);
      this.currency.push(currency);
      this.placement.push(placement);
    } else {
      this.entries[i] = entry;
      this.currency[i] = currency;
      this.placement[i] = placement;
    }
    this.minSlope = Math.min(this.minSlope, entry.minSlope);
    this.maxSlope = Math.max(this.maxSlope, entry.maxSlope);
    this.maxPMax = Math.max(this.maxPMax, entry.maxPMax);
    this.windowed ||= entry.variants.some((p) => p.contextWindowTokens !== undefined);
    this.ability[i] = entry.ability;
    this.slope[i] = entry.maxSlope;
    this.slopeBelow[i] = entry.minSlope;
    this.pMax[i] = entry.maxPMax;
    this.costIn[i] = min((p) => p.cost.inputPerMillion ?? 0);
    this.costOut[i] = min((p) => p.cost.outputPerMillion ?? 0);
    this.costTask[i] = min((p) => p.cost.perTask ?? 0);
    this.costReasoning[i] = min((p) => p.cost.reasoningPerMillion ?? 0);
    this.remote[i] = entry.variants.every((p) => p.placement.placement !== 'device') ? 1 : 0;
    this.networkRtt[i] = min((p) => p.latency.networkRttMs ?? 0);
    this.overhead[i] = min((p) => p.latency.overheadMs ?? 0);
    for (const q of PERCENTILES) this.ttft[q][i] = min((p) => ttftAt(p.latency.ttftMs, q));
    this.ttftGrowth[i] = min(({ latency: { ttftMs: t } }) =>
      t.p50 > 0 ? Math.log(Math.max(t.p95, t.p50) / t.p50) / Z_SCORES[95] : 0,
    );
    this.msPerOutputToken[i] = min((p) => 1000 / p.latency.outputTokensPerSecond);
    this.overheadMax[i] = max((p) => p.latency.overheadMs ?? 0);
    this.networkRttMax[i] = max((p) => p.latency.networkRttMs ?? 0);
    for (const q of PERCENTILES) this.ttftMax[q][i] = max((p) => ttftAt(p.latency.ttftMs, q));
    this.msPerInputTokenMax[i] = max((p) =>
      p.latency.inputTokensPerSecond ? 1000 / p.latency.inputTokensPerSecond : 0,
    );
    this.msPerOutputTokenMax[i] = max((p) => 1000 / p.latency.outputTokensPerSecond);
    this.msPerReasoningTokenMax[i] = max(
      (p) => 1000 / (p.reasoning.reasoningTokensPerSecond ?? p.latency.outputTokensPerSecond),
    );
    this.remoteAny[i] = entry.variants.some((p) => p.placement.placement !== 'device') ? 1 : 0;
    this.reasonsAny[i] = entry.variants.some((p) => p.reasoning.mode !== 'none') ? 1 : 0;
    this.msPerInputToken[i] = min((p) => (p.latency.inputTokensPerSecond ? 1000 / p.latency.inputTokensPerSecond : 0));
    this.queued[i] = queuedOf(entry); // a moved row's block is patched once the blocks follow the move
    this.contextWindow[i] = min((p) => p.contextWindowTokens ?? Number.POSITIVE_INFINITY);
    this.maxContextWindow[i] = max((p) => p.contextWindowTokens ?? Number.POSITIVE_INFINITY);
    this.maxBudget[i] = max((p) => reasoningOf(p.reasoning).budget);
    this.minTokensPerStep[i] = min((p) => reasoningOf(p.reasoning).tokensPerStep);
    this.softCut[i] = entry.variants.some((p) => p.reasoning.budgetSlope !== undefined) ? 1 : 0;
    this.reasoningGroup[i] = entry.variants.every((p) => p.reasoning.mode !== 'none')
      ? this.groupOf(
          min((p) => reasoningOf(p.reasoning).tokensPerStep),
          min((p) => reasoningOf(p.reasoning).budget),
        )
      : -1;
    this.msPerReasoningToken[i] = min(
      (p) => 1000 / (p.reasoning.reasoningTokensPerSecond ?? p.latency.outputTokensPerSecond),
    );
  }
}
