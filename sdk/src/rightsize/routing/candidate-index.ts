/**
 * An index over registered agents that answers the matching rule of spec §7 without assessing every agent
 * (spec §7.9). It returns the same chosen agent, the same top-N ranking, selection and escalation plan as `match()`,
 * for every preference:
 *
 * 1. agents are grouped by domain (their own curve for it, or `general`), sorted by the highest ability any of
 *    their profiles (skill overrides and modes included) declares for it;
 * 2. agents whose ability cannot reach minSuccess — by an upper bound of the success integral that holds for any
 *    minSuccess (`abilityFloor`, success-bounds.ts) — are never assessed;
 * 3. the first pass runs over blocks, not agents (in domains of at least `blocks.from` agents, default 256): agents
 *    are grouped by class (every profile remote or not, reasoning or not, currency) and, within a class, in ability
 *    order, 16 at a time; a block table holds, per block, the most favourable value of every column below (least
 *    prices and times, largest ability, pMax, budget and window, …; `COLUMN_EXTREMES`), so the same arithmetic on a
 *    block's row bounds every agent of the block. Blocks enter the search like agents (their success bound tightened
 *    once to the truncated success integral at their best curve); a block that reaches the top is opened: its
 *    agents get their own bounds (`blockBounds` reports a block's). Then, per agent of an opened block,
 *    typed arrays of the domain give lower bounds of the expected cost (lowest prices,
 *    and the reasoning of the least budget any profile gets: its budget, the context window left and what the
 *    deadlines leave with each part of L0 at its slowest profile, none when its load queues it) and of the completion
 *    latency (no queue), an upper bound of the complexity its budget can reach (largest budget, context window and
 *    what the deadlines leave: P_D ≤ pMax·Φ((c_cut − μ)/σ), read from a grid above Φ) and whether it provably misses
 *    a hard constraint (placement, region, the cost cap, a deadline even with no queue), a first success bound (one
 *    exponential and the σ-aware tail bound) and the inputs of a bound of the deadline's latency factor
 *    (P_D ≤ S · F_L0(D′), `latencyFactorUpperBound`: applied in this pass under `quality`, where success is the
 *    primary key, else when the search first reaches the agent; for an agent that never reasons, whose P_D is S times
 *    this very factor, the bound converges to within 1e-9, so agents whose P_D tie to a cell are told apart by the
 *    next keys unassessed); `firstPassBounds` reports them;
 * 4. agents are visited best first by lower bounds of the cells of the comparator's keys of spec §7.3 (a total order:
 *    the first N of the whole ranking are the first N of any subset holding them), lexicographically: the preference's
 *    primary key (cost per success, latency, −success or the weighted score, each from the bounds above and a success
 *    upper bound refined — to a normal-CDF bound, then to the success integral at the agent's best curve truncated
 *    at its largest budget cut — the first two times an agent reaches the top), then −success, latency and cost per
 *    success. The search stops when the bounds at the top are worse than the keys of the N-th best feasible agent
 *    found (N = max(topN, ESCALATION_WINDOW)): every agent left is ranked after it (on equal cells, the agent's id,
 *    a block's least id, decides);
 * 5. with nothing feasible, the 8 strongest agents of the domain are assessed (padded with agents of the registry
 *    that lack the domain), and, unless constraints are hard, the best-effort agent of §7.7 is found by descending
 *    ability, skipping agents whose effective ceiling bound (capability ceiling, budget cut) cannot reach the best
 *    found, or that miss a constraint best effort never relaxes.
 */

import {
  baseLatencyCdf,
  budgetToComplexity,
  DEFAULTS,
  deadlineBudget,
  expectedReasoningTokens,
  firstTokenDeadline,
  predictCost,
  predictLatency,
  type ReasoningParams,
  reasoningOf,
  reasoningTokensAt,
  SIGMA_EPSILON,
  ttftAt,
} from '../math/predict.js';
import { logit, normalCdf, normalQuantile, Z_SCORES } from '../math/stats.js';
import type { Percentile, Placement } from '../model/common.js';
import type { Constraints, Preference } from '../model/descriptor.js';
import type { CapabilityProfile } from '../model/profile.js';
import {
  type Assessment,
  assessModes,
  buildResult,
  byCloseness,
  byIdAndMode,
  ceilingCell,
  compareRankKeys,
  ESCALATION_WINDOW,
  escalationSteps,
  keyCell,
  logCell,
  type MatchCandidate,
  type MatchPolicy,
  type MatchResult,
  type MatchTask,
  profileForMode,
  type RankKeys,
  type ResolvedTask,
  rankKeys,
  resolveTask,
  SOFT_REASONS,
  successCell,
} from './match.js';
import {
  abilityFloor,
  cheapSuccessUpperBound,
  cheapTailSuccessUpperBound,
  latencyFactorUpperBound,
  NUMERIC_TOLERANCE,
  normalCdfAbove,
  successUpperBound,
  truncatedSuccessUpperBound,
} from './success-bounds.js';

export { successUpperBound } from './success-bounds.js';

export interface IndexedMatchResult extends MatchResult {
  /** Candidates assessed in full (the rest were pruned). */
  readonly assessed: number;
  /** Bounds refined short of an assessment (a normal-CDF bound, a success integral, a latency factor): the search's
   * other work, load-independent like `assessed`. */
  readonly refined: number;
  /** Rows whose first-pass bounds the search computed: those of the blocks it opened (spec §7.9; load-independent). */
  readonly prepared: number;
  /** Candidates registered. */
  readonly registered: number;
}

/** What `CandidateIndex.blockBounds` reports for one block of agents. */
export interface BlockBounds {
  readonly agents: readonly string[];
  readonly cost: number;
  readonly completionMs: number;
  readonly success: number;
  readonly excluded: boolean;
}

/** What `CandidateIndex.firstPassBounds` reports for one agent. */
export interface FirstPassBounds {
  readonly cost: number;
  readonly completionMs: number;
  readonly success: number;
  readonly excluded: boolean;
}

export interface CandidateIndexOptions {
  /** Feasible candidates ranked exactly (default 16, the decision record's default length; Infinity: all). */
  readonly topN?: number;
  /** The first pass's blocks (spec §7.9): rows per block (default 16) and the domain size from which blocks are used
   * (default 256; 0: always). Tuning only: every setting gives the same decisions. */
  readonly blocks?: { readonly rows?: number; readonly from?: number };
}

/** A feasible assessment with its ranking keys (spec §7.3). */
interface Ranked {
  readonly assessment: Assessment;
  readonly keys: RankKeys;
}

const compareRanked = (x: Ranked, y: Ranked): number =>
  compareRankKeys(x.keys, y.keys) || byIdAndMode(x.assessment, y.assessment);

/** Spec §7.9: agents assessed at least before answering that none is capable. */
export const MIN_ASSESSED_BEFORE_REFUSAL = 8;

interface Entry {
  readonly candidate: MatchCandidate;
  readonly ability: number;
  readonly maxSlope: number;
  readonly minSlope: number;
  readonly maxPMax: number;
  readonly variants: readonly CapabilityProfile[];
}

/** Every profile the candidate may be assessed with: its own and each skill override, in each declared mode. */
function variantsOf(candidate: MatchCandidate): CapabilityProfile[] {
  const base = candidate.profile;
  const overrides = Object.values(base.skills ?? {}).map((o) => ({ ...base, ...o }) as CapabilityProfile);
  return [base, ...overrides].flatMap((p) =>
    p.modes ? (['no-think', 'think'] as const).filter((m) => p.modes?.[m]).map((m) => profileForMode(p, m)) : [p],
  );
}

function curveFor(profile: CapabilityProfile, domain: string) {
  return profile.domains.find((d) => d.domain === domain) ?? profile.domains.find((d) => d.domain === 'general');
}

/** The candidate's entry in a domain's table; undefined when none of its profiles serves the domain. */
function entryOf(candidate: MatchCandidate, domain: string): Entry | undefined {
  const variants = variantsOf(candidate);
  const curves = variants.map((v) => curveFor(v, domain)).filter((c) => c !== undefined);
  if (curves.length === 0) return undefined;
  const slopes = curves.map((c) => c.slope ?? DEFAULTS.slope);
  return {
    candidate,
    variants,
    ability: Math.max(...curves.map((c) => c.ability)),
    maxSlope: Math.max(...slopes),
    minSlope: Math.min(...slopes),
    maxPMax: Math.max(...curves.map((c) => c.pMax ?? DEFAULTS.pMax)),
  };
}

const PERCENTILES: readonly Percentile[] = [50, 90, 95, 99];

type Column = Float64Array | Int32Array | Uint8Array;

/** 1 when the candidate's load reaches the capacity of any of its profiles (spec §6.4 (3): it may queue). */
const queuedOf = (entry: Entry): number => {
  const load = entry.candidate.load ?? 0;
  return entry.variants.some((p) => load >= (p.capacity?.maxConcurrentTasks ?? Number.POSITIVE_INFINITY)) ? 1 : 0;
};

/** Default rows per block of a domain's block table (`DomainTable.blocks`). */
export const BLOCK_ROWS = 16;

/** Default size below which a domain is searched row by row (blocks built after each update would cost more than
 * they save). */
export const BLOCKS_FROM = 256;

/**
 * For each column of `DomainTable.#columns` (same order), the extreme a block keeps: 'min' where a smaller value
 * only lowers the bounds of cost and latency or raises the deadline and budget left (prices, times, whether every
 * profile is remote, the least context window, tokens per step), 'max' where a larger value only raises success, the
 * budget cut or lowers the reasoning budget counted in the cost bound (the slowest parts of L0, queueing, largest
 * budget and window, soft cuts, ability, steepest slope, pMax); the reasoning group is summarised apart. The flattest
 * slope is kept 'min': below the centre success falls with the slope.
 */
const COLUMN_EXTREMES: ReadonlyArray<'min' | 'max' | 'group'> = [
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
 * Per-domain arrays of the bound coefficients, aligned with the entries sorted by ability (descending). Updated in
 * place when one candidate changes (`put`, `delete`): the entry moves to its new place and only the rows between
 * its old and new places shift, so a learning update costs the distance it moves, not a rebuild.
 */
class DomainTable {
  readonly entries: Entry[] = [];
  /** The entry of each candidate in the table, by id. */
  readonly ids = new Map<string, Entry>();
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

  /** The block table (row j summarises the rows blockMembers[blockStart[j] … blockStart[j + 1])), and whether a
   * row changed since it was built. */
  #blocks: DomainTable | undefined;
  #blocksStale = true;
  /** Rows of each block (block j: blockMembers[blockStart[j] … blockStart[j + 1])), the block of each row and the
   * least (strongest) row of each block; see `blocks`. */
  blockMembers = new Int32Array(0);
  blockStart = new Int32Array(1);
  blockOf = new Int32Array(0);
  blockFirst = new Int32Array(0);
  #patches = 0;
  /** The least agent id of each block (a block whose keys tie with the N-th's is skipped when it is above its id). */
  blockLeastId: string[] = [];

  constructor(entries: readonly Entry[]) {
    const sorted = [...entries].sort((a, b) => b.ability - a.ability);
    this.#grow(sorted.length);
    for (const entry of sorted) this.#write(this.entries.length, entry, 'append');
  }

  get size(): number {
    return this.entries.length;
  }

  /** Add or replace the candidate's entry (undefined: the candidate no longer serves the domain). */
  put(id: string, entry: Entry | undefined): void {
    const previous = this.ids.get(id);
    const from = previous ? this.indexOf(previous) : -1;
    if (from >= 0 && entry) {
      const to = this.#slot(entry.ability, from);
      this.#shift(from, to);
      this.#write(to, entry, 'overwrite');
      this.#moved(from, to);
    } else if (from >= 0) {
      this.#shift(from, this.entries.length - 1);
      this.#truncate();
      this.ids.delete(id);
    } else if (entry) {
      if (this.entries.length === this.ability.length) this.#grow(2 * this.entries.length + 16);
      const to = this.#slot(entry.ability, this.entries.length);
      this.entries.push(entry);
      this.currency.push('');
      this.placement.push(undefined);
      this.#shift(this.entries.length - 1, to);
      this.#write(to, entry, 'overwrite');
      this.#touch();
    }
  }

  /** The row of an entry of the table (a binary search on its ability, then a scan of equal abilities). */
  indexOf(entry: Entry): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ability[mid] as number) > entry.ability) lo = mid + 1;
      else hi = mid;
    }
    while (lo < this.entries.length && this.entries[lo] !== entry) lo++;
    return lo < this.entries.length ? lo : -1;
  }

  /** Marks the blocks stale (a row added or removed): they are built again before the next decision. */
  #touch(): void {
    this.#blocksStale = true;
  }

  /**
   * Row i changed in place (a new load, or its new content after a move): its block is summarised again. Blocks
   * patched this way keep their rows, so a row whose class or ability changed may sit in a block of other rows —
   * still exact, as the block's extremes cover it, only looser: after as many patches as there are blocks they are
   * built again.
   */
  #patch(i: number): void {
    const blocks = this.#blocks;
    if (!blocks || this.#blocksStale) return;
    const j = this.blockOf[i] as number;
    blocks.#summarise(this, this.blockMembers.subarray(this.blockStart[j], this.blockStart[j + 1]), j);
    if (++this.#patches > this.blockStart.length) this.#blocksStale = true;
  }

  /** Row `from` moved to `to` (the rows between shifted by one): the blocks follow their rows (O(rows) integers). */
  #moved(from: number, to: number): void {
    if (!this.#blocks || this.#blocksStale) return;
    const members = this.blockMembers;
    const [lo, hi, step] = from < to ? [from + 1, to, -1] : [to, from - 1, 1];
    for (let k = 0; k < members.length; k++) {
      const m = members[k] as number;
      members[k] = m === from ? to : m >= lo && m <= hi ? m + step : m;
    }
    this.#index();
    this.#patch(to);
  }

  /** The block of each row and the least (strongest) row of each block, from the members. */
  #index(): void {
    const count = this.blockStart.length - 1;
    this.blockOf = new Int32Array(this.size);
    this.blockFirst = new Int32Array(count);
    for (let j = 0; j < count; j++) {
      let first = Number.POSITIVE_INFINITY;
      for (let k = this.blockStart[j] as number; k < (this.blockStart[j + 1] as number); k++) {
        const m = this.blockMembers[k] as number;
        this.blockOf[m] = j;
        first = Math.min(first, m);
      }
      this.blockFirst[j] = first;
    }
  }

  /**
   * The block table, built again when a row changed: rows are grouped by class (every profile remote or not,
   * reasoning or not, currency) and, within a class, in ability order, `size` at a time, so a block's rows are
   * alike in price and latency as well as ability; blocks are ordered by their first row (the strongest). Row j of the
   * block table holds, over block j's rows, each column's most favourable value for a bound — the least of a quantity
   * that only lowers the bounds of cost and latency or raises the deadline and budget left, the largest of one that
   * only raises success or the budget cut (`COLUMN_EXTREMES`). Every bound the first pass computes on row j is then
   * at least as good as the same bound on any row of the block, so a block whose bounds cannot rank is skipped whole.
   * Building costs O(rows × columns), once after any change.
   */
  blocks(size: number): DomainTable {
    if (this.#blocks && !this.#blocksStale) return this.#blocks;
    const n = this.size;
    const currencies = new Map<string, number>();
    const classes = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const currency = this.currency[i] as string;
      if (!currencies.has(currency)) currencies.set(currency, currencies.size);
      const c = currencies.get(currency) as number;
      const key = 4 * c + 2 * (this.remote[i] as number) + ((this.reasoningGroup[i] as number) >= 0 ? 1 : 0);
      const rows = classes.get(key);
      if (rows) rows.push(i);
      else classes.set(key, [i]);
    }
    const chunks: number[][] = [];
    for (const rows of classes.values()) {
      for (let k = 0; k < rows.length; k += size) chunks.push(rows.slice(k, k + size));
    }
    chunks.sort((x, y) => (x[0] as number) - (y[0] as number));
    const blocks = new DomainTable([]);
    blocks.#grow(chunks.length);
    this.blockMembers = new Int32Array(n);
    this.blockStart = new Int32Array(chunks.length + 1);
    this.blockLeastId = chunks.map(
      (rows) => rows.map((i) => (this.entries[i] as Entry).candidate.id).sort()[0] as string,
    );
    let at = 0;
    chunks.forEach((rows, j) => {
      this.blockMembers.set(rows, at);
      at += rows.length;
      this.blockStart[j + 1] = at;
      blocks.#summarise(this, rows, j);
    });
    this.#index();
    this.#blocks = blocks;
    this.#blocksStale = false;
    this.#patches = 0;
    return blocks;
  }

  /** Row j of a block table: the most favourable value of every column over the source's rows. */
  #summarise(source: DomainTable, rows: ArrayLike<number> & Iterable<number>, j: number): void {
    const columns = this.#columns();
    const sourceColumns = source.#columns();
    const first = rows[0] as number;
    for (let c = 0; c < columns.length; c++) {
      const into = columns[c] as Column;
      const column = sourceColumns[c] as Column;
      const direction = COLUMN_EXTREMES[c];
      if (direction === 'group') continue;
      let value = column[first] as number;
      for (const i of rows)
        value = direction === 'max' ? Math.max(value, column[i] as number) : Math.min(value, column[i] as number);
      into[j] = value;
    }
    // Reasoning: none when any row never reasons; else the least tokens per step and budget of the rows' groups
    // (the expected reasoning tokens grow with both).
    let tokensPerStep = Number.POSITIVE_INFINITY;
    let budget = Number.POSITIVE_INFINITY;
    let reasons = true;
    for (const i of rows) {
      const g = source.reasoningGroup[i] as number;
      if (g < 0) {
        reasons = false;
        break;
      }
      const group = source.reasoningGroups[g] as ReasoningParams;
      tokensPerStep = Math.min(tokensPerStep, group.tokensPerStep);
      budget = Math.min(budget, group.budget);
    }
    this.reasoningGroup[j] = reasons ? this.#groupOf(tokensPerStep, budget) : -1;
    const currency = source.currency[first] as string;
    const place = source.placement[first];
    let sameCurrency = true;
    let samePlace = place !== undefined;
    for (const i of rows) {
      sameCurrency &&= source.currency[i] === currency;
      const other = source.placement[i];
      samePlace &&= other !== undefined && other.placement === place?.placement && other.region === place.region;
    }
    // '*' converts at rate 0 (a cost bound of 0); an unknown placement is allowed.
    this.currency[j] = sameCurrency ? currency : '*';
    this.placement[j] = samePlace ? place : undefined;
  }

  /** The index of the reasoning group (least tokens per step, least budget), added when new. */
  #groupOf(tokensPerStep: number, budget: number): number {
    const key = `${tokensPerStep}|${budget}`;
    let index = this.#groupIndex.get(key);
    if (index === undefined) {
      index = this.reasoningGroups.push({ reasons: true, tokensPerStep, budget }) - 1;
      this.#groupIndex.set(key, index);
    }
    return index;
  }

  /** The typed columns (every per-entry number), in the order of COLUMN_EXTREMES. */
  #columns(): Column[] {
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

  #grow(capacity: number): void {
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

  /** Marks row i queued when the candidate's load reaches the capacity of any of its profiles (spec §6.4 (3)). */
  setLoad(i: number, entry: Entry): void {
    this.queued[i] = queuedOf(entry);
    this.#patch(i);
  }

  /** Where an entry of this ability goes, the entry at `from` set aside (after equal abilities). */
  #slot(ability: number, from: number): number {
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = mid < from ? mid : mid + 1; // positions without `from`
      if (at < this.entries.length && (this.ability[at] as number) >= ability) lo = mid + 1;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Moves row `from` to `to`, shifting the rows between by one (the moved row's content is then rewritten). */
  #shift(from: number, to: number): void {
    if (from === to) return;
    const [start, end, target] = from < to ? [from + 1, to + 1, from] : [to, from, to + 1];
    for (const c of this.#columns()) c.copyWithin(target, start, end);
    for (const list of [this.entries, this.currency, this.placement] as unknown[][]) {
      const [moved] = list.splice(from, 1);
      list.splice(to, 0, moved);
    }
  }

  #truncate(): void {
    this.#touch();
    this.entries.pop();
    this.currency.pop();
    this.placement.pop();
  }

  /** Writes the bound coefficients of `entry` at row i (appending it, or over a row already in place). */
  #write(i: number, entry: Entry, how: 'append' | 'overwrite'): void {
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
    this.ids.set(entry.candidate.id, entry);
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
      ? this.#groupOf(
          min((p) => reasoningOf(p.reasoning).tokensPerStep),
          min((p) => reasoningOf(p.reasoning).budget),
        )
      : -1;
    this.msPerReasoningToken[i] = min(
      (p) => 1000 / (p.reasoning.reasoningTokensPerSecond ?? p.latency.outputTokensPerSecond),
    );
  }
}

/**
 * The least expected cost, in the decision currency, of any of the candidate's profiles, with the reasoning budget
 * each would actually get (spec §6.6: min of B, the context window and what the deadlines leave). Used to tighten the
 * cost bound of a candidate when it reaches the top of the search (the cheap bound then counts no reasoning).
 */
function costFloor(
  entry: Entry,
  task: MatchTask,
  resolved: ResolvedTask,
  policy: MatchPolicy,
): { cost: number; cut: number } {
  const c = task.descriptor.constraints ?? {};
  let floor = Number.POSITIVE_INFINITY;
  let cut = Number.NEGATIVE_INFINITY;
  for (const profile of entry.variants) {
    const rate = profile.cost.currency === resolved.currency ? 1 : policy.rates?.[profile.cost.currency];
    const { base } = latencyOf(profile, entry, task, resolved, policy);
    const r = reasoningOf(profile.reasoning);
    const window =
      (profile.contextWindowTokens ?? Number.POSITIVE_INFINITY) - resolved.inputTokens - resolved.outputTokens;
    const tokensPerSecond = profile.reasoning.reasoningTokensPerSecond ?? profile.latency.outputTokensPerSecond;
    const budget = Math.min(
      r.budget,
      Math.max(0, window),
      deadlineBudget(base, firstTokenDeadline(base, c), Z_SCORES[resolved.percentile], tokensPerSecond),
    );
    // A soft cut (budgetSlope) lets tasks past the budget succeed sometimes: no bound from it then.
    const soft = profile.reasoning.budgetSlope !== undefined;
    cut = Math.max(cut, r.reasons && !soft ? budgetToComplexity(budget, r.tokensPerStep) : Number.POSITIVE_INFINITY);
    if (rate === undefined) continue;
    const reasoning = expectedReasoningTokens({ ...r, budget }, resolved.complexity);
    const cost = predictCost(profile.cost, {
      input: resolved.inputTokens,
      output: resolved.outputTokens,
      reasoning,
    });
    floor = Math.min(floor, rate * cost);
  }
  return { cost: floor, cut };
}

/** The latency prediction of one profile of an entry for this task (the inputs every bound shares). */
function latencyOf(
  profile: CapabilityProfile,
  entry: Entry,
  task: MatchTask,
  resolved: ResolvedTask,
  policy: MatchPolicy,
) {
  return predictLatency({
    profile,
    complexity: resolved.complexity,
    percentile: resolved.percentile,
    inputTokens: resolved.inputTokens,
    outputTokens: resolved.outputTokens,
    network: task.descriptor.network,
    load: entry.candidate.load ?? 0,
    brokerLegMs: policy.brokerLegMs ?? 0,
  });
}

/**
 * The largest latency factor F_L0(D') of the candidate's profiles (spec §6.6): the probability that everything but
 * reasoning fits the deadlines, with this task's queue; P_D of every profile is at most its S times this.
 */
function latencyFactorBound(entry: Entry, task: MatchTask, resolved: ResolvedTask, policy: MatchPolicy): number {
  const c = task.descriptor.constraints ?? {};
  let factor = 0;
  for (const profile of entry.variants) {
    const { base } = latencyOf(profile, entry, task, resolved, policy);
    factor = Math.max(factor, baseLatencyCdf(base, firstTokenDeadline(base, c)));
  }
  return factor;
}

/** The network's jitter standard deviation, loss included (spec §6.4 (2)), for the latency factor's bound. */
const jitterSdOf = (task: MatchTask): number =>
  (task.descriptor.network?.jitterMs ?? 0) * (1 / (1 - (task.descriptor.network?.lossRate ?? 0)));

/**
 * With deadlines, P_D ≤ S · F_L0(D') (spec §6.6): the latency factor's bound for row i of table t (its bounds at
 * b[node]), with no queue and the least parts. An agent that never reasons has P_D = S · F_L0(D'), this very factor:
 * its bound converges with a tolerance far below a tie cell, so agents whose P_D differ by less than a cell are told
 * apart unassessed (the quality voice tail); others get the cheap bound (three exponentials).
 */
function factorBound(t: DomainTable, b: Scratch, i: number, node: number, jitterSd: number): number {
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
function firstSuccessBound(
  t: DomainTable,
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
function placementAllowed(place: DomainTable['placement'][number], c: Constraints): boolean {
  if (!place) return true;
  if (c.allowedPlacements && !c.allowedPlacements.includes(place.placement as Placement)) return false;
  return !c.allowedRegions || (place.region !== undefined && c.allowedRegions.includes(place.region));
}

/**
 * A binary min-heap of entry positions ordered lexicographically by four shared key arrays, built in O(n) (Floyd).
 * Keys of an entry may only grow while it is outside the heap (it is popped, re-keyed and pushed back).
 */
class KeyHeap {
  readonly #items: Int32Array;
  #size: number;

  /** `items` is scratch space (reused across decisions) holding positions `items[0..count)` to heapify. */
  constructor(
    readonly k1: Float64Array,
    readonly k2: Float64Array,
    readonly k3: Float64Array,
    readonly k4: Float64Array,
    items: Int32Array,
    count: number,
  ) {
    this.#items = items;
    this.#size = count;
    for (let p = (count >> 1) - 1; p >= 0; p--) this.#down(p);
  }

  get size(): number {
    return this.#size;
  }

  peek(): number {
    return this.#items[0] as number;
  }

  pop(): number {
    const top = this.#items[0] as number;
    this.#size--;
    if (this.#size > 0) {
      this.#items[0] = this.#items[this.#size] as number;
      this.#down(0);
    }
    return top;
  }

  push(i: number): void {
    let c = this.#size++;
    this.#items[c] = i;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (!this.#less(c, p)) break;
      this.#swap(p, c);
      c = p;
    }
  }

  #less(a: number, b: number): boolean {
    const i = this.#items[a] as number;
    const j = this.#items[b] as number;
    const x1 = this.k1[i] as number;
    const y1 = this.k1[j] as number;
    if (x1 !== y1) return x1 < y1;
    const x2 = this.k2[i] as number;
    const y2 = this.k2[j] as number;
    if (x2 !== y2) return x2 < y2;
    const x3 = this.k3[i] as number;
    const y3 = this.k3[j] as number;
    if (x3 !== y3) return x3 < y3;
    return (this.k4[i] as number) < (this.k4[j] as number);
  }

  #swap(a: number, b: number): void {
    const t = this.#items[a] as number;
    this.#items[a] = this.#items[b] as number;
    this.#items[b] = t;
  }

  #down(p: number): void {
    for (;;) {
      const l = 2 * p + 1;
      const r = l + 1;
      let m = p;
      if (l < this.#size && this.#less(l, m)) m = l;
      if (r < this.#size && this.#less(r, m)) m = r;
      if (m === p) return;
      this.#swap(p, m);
      p = m;
    }
  }
}

/** The tolerance of the exact latency factor bound of agents that never reason (see `latencyFactorUpperBound`). */
const FACTOR_TOLERANCE = 1e-9;

/** Entries past the pool whose bounds the best-effort search prepares at a time. */
const PREPARE_CHUNK = 256;

/** Why `prepare` excluded an entry: it misses a constraint best effort never relaxes, or (soft) a deadline. */
const EXCLUDED_HARD = 1;
const EXCLUDED_DEADLINE = 2;

/** Per-decision bound arrays over a domain's entries (scratch buffers reused across decisions). */
class Scratch {
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
    this.tight = new Uint8Array(size);
    this.items = new Int32Array(size + 1);
  }
}

type PreferenceKind = 'cost' | 'latency' | 'quality' | 'weighted';

function kindOf(preference: Preference): PreferenceKind {
  if (typeof preference === 'string') return preference;
  const w = preference.weights;
  return (w.cost ?? 0) + (w.latency ?? 0) + (w.quality ?? 0) > 0 ? 'weighted' : 'cost';
}

/** Index of the first entry (abilities descending) whose ability is below `floor`. */
function countAtLeast(ability: Float64Array, size: number, floor: number): number {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ability[mid] as number) >= floor) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class CandidateIndex {
  readonly #byId = new Map<string, MatchCandidate>();
  readonly #byDomain = new Map<string, DomainTable>();
  readonly #topN: number;
  readonly #blockRows: number;
  readonly #blocksFrom: number;
  /** Scratch buffers for one decision, reused (decisions are synchronous). */
  readonly #scratch = new Scratch();

  constructor(candidates: Iterable<MatchCandidate> = [], options: CandidateIndexOptions = {}) {
    this.#topN = options.topN ?? 16;
    this.#blockRows = options.blocks?.rows ?? BLOCK_ROWS;
    this.#blocksFrom = options.blocks?.from ?? BLOCKS_FROM;
    if (!(Number.isInteger(this.#blockRows) && this.#blockRows >= 1)) throw new RangeError('blocks.rows must be ≥ 1');
    if (!(this.#topN >= 1)) throw new RangeError('topN must be at least 1');
    for (const c of candidates) this.#byId.set(c.id, c);
  }

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): MatchCandidate | undefined {
    return this.#byId.get(id);
  }

  /** Add or replace a candidate (e.g. after a profile or load change): the cached domain tables are updated in place. */
  upsert(candidate: MatchCandidate): void {
    const previous = this.#byId.get(candidate.id);
    this.#byId.set(candidate.id, candidate);
    for (const [domain, table] of this.#byDomain) {
      const entry = table.ids.get(candidate.id);
      if (entry && previous?.profile === candidate.profile) {
        // Same profile, new load or availability: the bounds are unchanged.
        const replaced = { ...entry, candidate };
        const row = table.indexOf(entry);
        table.entries[row] = replaced;
        table.ids.set(candidate.id, replaced);
        table.setLoad(row, replaced);
      } else {
        table.put(candidate.id, entryOf(candidate, domain));
      }
    }
  }

  remove(id: string): boolean {
    const removed = this.#byId.delete(id);
    if (removed) for (const table of this.#byDomain.values()) table.put(id, undefined);
    return removed;
  }

  values(): IterableIterator<MatchCandidate> {
    return this.#byId.values();
  }

  #domainTable(domain: string): DomainTable {
    let table = this.#byDomain.get(domain);
    if (!table) {
      const entries: Entry[] = [];
      for (const candidate of this.#byId.values()) {
        const entry = entryOf(candidate, domain);
        if (entry) entries.push(entry);
      }
      table = new DomainTable(entries);
      this.#byDomain.set(domain, table);
    }
    return table;
  }

  /**
   * The bounds the index's first pass computes for every agent of the task's domain (spec §7.9), for diagnostics and
   * tests of what it prunes: lower bounds of the expected cost (decision currency) and of the completion latency, an
   * upper bound of the success probability (deadline factor aside), and whether it rules the agent out unassessed.
   */
  firstPassBounds(task: MatchTask, policy: MatchPolicy = {}): Map<string, FirstPassBounds> {
    const resolved = resolveTask(task, policy);
    const t = this.#domainTable(task.descriptor.domain);
    this.#scratch.ensure(t.size);
    this.#prepare(t, resolved, task, policy)(0, t.size);
    const b = this.#scratch;
    const { value: mu, sigma } = resolved.complexity;
    const bounds = new Map<string, FirstPassBounds>();
    for (let i = 0; i < t.size; i++) {
      bounds.set((t.entries[i] as Entry).candidate.id, {
        cost: b.cost[i] as number,
        completionMs: b.latency[i] as number,
        success: firstSuccessBound(t, b, i, i, 'tail', mu, sigma),
        excluded: b.excluded[i] !== 0,
      });
    }
    return bounds;
  }

  /**
   * The first pass's bounds of every block of the task's domain (spec §7.9), for diagnostics and tests of what blocks
   * prune (built even below `blocks.from`): each block's agents, lower bounds of their expected cost (decision
   * currency) and completion latency, an upper bound of their success probability within the deadlines (the block's
   * first bound, tightened to the truncated success integral at its best curve, times the latency factor's bound),
   * and whether the block is ruled out unopened.
   */
  blockBounds(task: MatchTask, policy: MatchPolicy = {}): BlockBounds[] {
    const resolved = resolveTask(task, policy);
    const t = this.#domainTable(task.descriptor.domain);
    const blocks = t.blocks(this.#blockRows);
    const count = t.blockStart.length - 1;
    const b = this.#scratch;
    b.ensure(t.size + count);
    this.#prepare(blocks, resolved, task, policy)(0, count, t.size);
    const { value: mu, sigma } = resolved.complexity;
    const c = task.descriptor.constraints ?? {};
    const hasDeadline = c.completionDeadlineMs !== undefined || c.firstResponseDeadlineMs !== undefined;
    return Array.from({ length: count }, (_, j) => {
      const node = t.size + j;
      const first = firstSuccessBound(blocks, b, j, node, 'tail', mu, sigma, true);
      const truncated =
        sigma >= SIGMA_EPSILON
          ? truncatedSuccessUpperBound(
              blocks.ability[j] as number,
              blocks.slope[j] as number,
              blocks.slopeBelow[j] as number,
              blocks.pMax[j] as number,
              resolved.complexity,
              b.cut[node] as number,
            )
          : 1;
      const factor = hasDeadline ? factorBound(blocks, b, j, node, jitterSdOf(task)) : 1;
      const rows = t.blockMembers.subarray(t.blockStart[j], t.blockStart[j + 1]);
      return {
        agents: Array.from(rows, (i) => (t.entries[i] as Entry).candidate.id),
        cost: b.cost[node] as number,
        completionMs: b.latency[node] as number,
        success: Math.min(first, truncated) * factor,
        excluded: b.excluded[node] !== 0,
      };
    });
  }

  /** Spec §7 over the indexed candidates; see the module comment for what is pruned and why it is exact. */
  match(task: MatchTask, policy: MatchPolicy = {}): IndexedMatchResult {
    const resolved = resolveTask(task, policy);
    const table = this.#domainTable(task.descriptor.domain);
    const r = resolved.minSuccess;
    const { value: mu, sigma } = resolved.complexity;
    const preference = resolved.preference;
    const kind = kindOf(preference);
    const floor = abilityFloor(r, table.minSlope, table.maxSlope, table.maxPMax, mu, sigma);
    const poolSize = countAtLeast(table.ability, table.size, floor);
    const blocks = table.size >= this.#blocksFrom ? table.blocks(this.#blockRows) : undefined;
    const b = this.#scratch;
    b.ensure(table.size + (blocks ? table.blockStart.length : 0));
    // The best-effort search (nothing feasible) ranks by ceilings, not cost: only a cost cap needs the tight bound.
    const prepare = (from: number, to: number) => this.#prepare(table, resolved, task, policy, 'cap')(from, to);

    const rejected: Assessment[] = [];
    // Feasible assessments in ranking order (spec §7.3: a total order, so any subset sorts the same way).
    const sorted: Ranked[] = [];
    let assessed = 0;
    const seen = new Set<Entry>();
    const keysOf = rankKeys(preference);
    const visit = (entry: Entry): readonly Assessment[] => {
      if (seen.has(entry)) return [];
      seen.add(entry);
      assessed++;
      const assessments = assessModes(entry.candidate, task, resolved, policy);
      for (const a of assessments) {
        if (!a.feasible) {
          rejected.push(a);
          continue;
        }
        const ranked = { assessment: a, keys: keysOf(a) };
        let lo = 0;
        let hi = sorted.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (compareRanked(sorted[mid] as Ranked, ranked) <= 0) lo = mid + 1;
          else hi = mid;
        }
        sorted.splice(lo, 0, ranked);
      }
      return assessments;
    };

    const { refined, prepared } = this.#search(table, blocks, b, poolSize, kind, resolved, task, policy, sorted, visit);
    // The search prepared only the rows of the blocks it opened: the best-effort search prepares what it reaches.
    if (sorted.length === 0)
      this.#assessClosest(table, b, prepare, visit, rejected, resolved, task, policy, () => assessed++);
    const ranked = sorted.map((x) => x.assessment);
    const [first, second] = sorted;
    const tieBroken = first !== undefined && second !== undefined && first.keys[0] === second.keys[0];
    const deadline = task.descriptor.constraints?.completionDeadlineMs;
    const escalation = escalationSteps(ranked, deadline, policy.maxEscalations ?? 2);
    return {
      ...buildResult(resolved, ranked.slice(0, this.#topN), rejected.sort(byCloseness), tieBroken, escalation),
      assessed,
      refined,
      prepared,
      registered: this.#byId.size,
    };
  }

  /**
   * Best-first search over the pool (the first `poolSize` entries): visits, in the lexicographic order of lower
   * bounds of the ranking keys' cells (spec §7.3), every agent that may rank among the first N feasible ones,
   * refining an agent's bounds the first two times it reaches the top. `sorted` receives the feasible assessments in
   * ranking order. Exact because the cells are non-decreasing in the keys: a bound of a key bounds its cell. Returns
   * the number of bounds refined.
   */
  #search(
    t: DomainTable,
    blocks: DomainTable | undefined,
    b: Scratch,
    poolSize: number,
    kind: PreferenceKind,
    resolved: ResolvedTask,
    task: MatchTask,
    policy: MatchPolicy,
    sorted: readonly Ranked[],
    visit: (e: Entry) => readonly Assessment[],
  ): { refined: number; prepared: number } {
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
    const factorOf = (i: number, of = t, node = i) => factorBound(of, b, i, node, jitterSd);
    // Under `quality` success is the primary key: the bound is applied in the first pass, so agents the deadline
    // rules out never enter the heap; under the other preferences, when the search first reaches the agent.
    const eager = hasDeadline && kind === 'quality';
    // Under `quality` success is the primary key: near P = 1 the σ-aware tail bound keeps thousands of strong
    // agents out of the heap; elsewhere it changes keys too little to pay for its exponential.
    const curve = kind === 'latency' ? 'none' : 'tail';
    /** The first pass over row i of table `of` (bounds at b[node]): false when it cannot be feasible. */
    const admit = (i: number, of: DomainTable, node: number, block: boolean): boolean => {
      if (b.excluded[node] !== 0) return false;
      // A first success bound: one exponential (every key but latency depends on success), and the budget cut's
      // pMax·Φ((c_cut − μ)/σ) read from a grid above Φ (spec §6.6 (3): no task past the cut succeeds).
      const factor = eager ? factorOf(i, of, node) : 1;
      b.factor[node] = factor;
      const success = firstSuccessBound(of, b, i, node, block ? 'tail' : curve, mu, sigma, block);
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
    const members = t.blockMembers;
    const starts = t.blockStart;
    const prepareRows = this.#prepare(t, resolved, task, policy);
    let count = 0;
    let prepared = 0;
    if (blocks) {
      // Blocks with a row in the pool (their strongest row is) enter the search.
      const blockCount = starts.length - 1;
      const prepareBlocks = this.#prepare(blocks, resolved, task, policy);
      for (let j = 0; j < blockCount; j++) {
        if ((t.blockFirst[j] as number) >= poolSize) continue;
        prepareBlocks(j, j + 1, n);
        if (admit(j, blocks, n + j, true)) b.items[count++] = n + j;
      }
    } else {
      prepareRows(0, poolSize);
      prepared = poolSize;
      for (let i = 0; i < poolSize; i++) {
        b.reach[i] = Number.NaN;
        b.tight[i] = 0;
        if (admit(i, t, i, false)) b.items[count++] = i;
      }
    }
    const heap = new KeyHeap(b.k1, b.k2, b.k3, b.k4, b.items, count);
    /** Opens block j: prepares its rows of the pool and pushes those that may be feasible. */
    const open = (j: number) => {
      for (let m = starts[j] as number; m < (starts[j + 1] as number); m++) {
        const i = members[m] as number;
        if (i >= poolSize) continue;
        prepareRows(i, i + 1);
        prepared++;
        b.reach[i] = Number.NaN;
        b.tight[i] = 0;
        if (admit(i, t, i, false)) heap.push(i);
      }
    };
    const exact = Math.max(this.#topN, ESCALATION_WINDOW);
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
        const id = i < n ? (t.entries[i] as Entry).candidate.id : (t.blockLeastId[i - n] as string);
        if (order === 0 && id > nth.assessment.agentId) continue;
      }
      if (blocks && i >= n) {
        const j = i - n;
        if (b.tight[i] === 0 && sigma >= SIGMA_EPSILON) {
          // A block's first arrival at the top: its success bound tightened to the success integral at its best
          // curve truncated at its largest budget cut (one logistic-normal for the whole block).
          b.tight[i] = 1;
          refined++;
          const reach = b.reach[i] as number;
          const cut = b.cut[i] as number;
          const a = blocks.ability[j] as number;
          const bound = truncatedSuccessUpperBound(
            a,
            blocks.slope[j] as number,
            blocks.slopeBelow[j] as number,
            blocks.pMax[j] as number,
            resolved.complexity,
            cut,
          );
          const factor = b.factor[i] as number;
          if (bound * factor < r) continue;
          if (bound < reach) {
            setKeys(i, bound * factor);
            heap.push(i);
            continue;
          }
        }
        open(j);
        continue;
      }
      if (Number.isNaN(b.reach[i] as number)) {
        // First arrival at the top: the success bound with a normal CDF (and the budget cut's).
        refined++;
        const p = this.#reach(t, b, i, mu, sigma, spread);
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
  #reach(t: DomainTable, b: Scratch, i: number, mu: number, sigma: number, spread: number): number {
    const a = t.ability[i] as number;
    const pMax = t.pMax[i] as number;
    const curve = successUpperBound(a, a >= mu ? (t.slope[i] as number) : (t.slopeBelow[i] as number), pMax, mu, sigma);
    const cut = b.cut[i] as number;
    return cut === Number.POSITIVE_INFINITY ? curve : Math.min(curve, pMax * normalCdf((cut - mu) / spread));
  }

  /**
   * With nothing feasible (spec §7.7, §7.9): assess the strongest agents of the domain (padded with agents of the
   * registry that lack it) so a refusal names the closest; unless constraints are hard, find the best-effort agent —
   * the highest effective ceiling among agents short only on P — exactly, skipping agents whose ceiling bound
   * cannot reach the best found's cell (spec §7.7) or that miss a constraint best effort never relaxes.
   */
  #assessClosest(
    t: DomainTable,
    b: Scratch,
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
    for (const candidate of this.#byId.values()) {
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

  /**
   * The first pass over rows of a table, set up once per decision: the returned function, for rows [from, to) of
   * `t` (a domain's table or its block table), marks those that certainly miss a hard constraint (placement, region,
   * the cost cap at their lowest prices; or a deadline even without queueing), and writes at b[at + i] lower bounds
   * of the expected cost (lowest prices, and the reasoning of the least budget any profile gets where the cost keys
   * (`costUse` 'keys') or a cost cap need it) and of the completion latency (no queue), and upper bounds of the budget
   * cut's complexity (largest budget, window and what the deadlines leave at the latency percentile). Every bound is
   * monotone in each column in the direction `COLUMN_EXTREMES` keeps, so on a block table it holds for the block.
   */
  #prepare(
    t: DomainTable,
    resolved: ResolvedTask,
    task: MatchTask,
    policy: MatchPolicy,
    costUse: 'keys' | 'cap' = 'keys',
  ): (from: number, to: number, at?: number) => void {
    const b = this.#scratch;
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
}
