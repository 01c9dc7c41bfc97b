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
 *    agents get their own bounds, their success capped by the block's, which holds for each of them (`blockBounds`
 *    reports a block's). Then, per agent of an opened block, typed arrays of the domain give lower bounds of the
 *    expected cost (lowest prices,
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

import { SIGMA_EPSILON } from '../math/predict.js';
import { assessClosest } from './candidate-index/best-effort.js';
import { BLOCK_ROWS, BLOCKS_FROM } from './candidate-index/block-table.js';
import { DomainTable } from './candidate-index/domain-table.js';
import { type Entry, entryOf } from './candidate-index/entry.js';
import {
  factorBound,
  firstSuccessBound,
  jitterSdOf,
  kindOf,
  prepareRows,
  Scratch,
} from './candidate-index/first-pass.js';
import { type Ranked, searchPool } from './candidate-index/search.js';
import {
  type Assessment,
  assessModes,
  buildResult,
  byCloseness,
  byIdAndMode,
  compareRankKeys,
  escalationSteps,
  type MatchCandidate,
  type MatchPolicy,
  type MatchResult,
  type MatchTask,
  rankKeys,
  resolveTask,
} from './match.js';
import { abilityFloor, truncatedSuccessUpperBound } from './success-bounds.js';

export { MIN_ASSESSED_BEFORE_REFUSAL } from './candidate-index/best-effort.js';
export { BLOCK_ROWS, BLOCKS_FROM } from './candidate-index/block-table.js';
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

const compareRanked = (x: Ranked, y: Ranked): number =>
  compareRankKeys(x.keys, y.keys) || byIdAndMode(x.assessment, y.assessment);

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
    prepareRows(this.#scratch, t, resolved, task, policy)(0, t.size);
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
    const count = blocks.count;
    const b = this.#scratch;
    b.ensure(t.size + count);
    prepareRows(b, blocks.table, resolved, task, policy)(0, count, t.size);
    const { value: mu, sigma } = resolved.complexity;
    const c = task.descriptor.constraints ?? {};
    const hasDeadline = c.completionDeadlineMs !== undefined || c.firstResponseDeadlineMs !== undefined;
    return Array.from({ length: count }, (_, j) => {
      const node = t.size + j;
      const first = firstSuccessBound(blocks.table, b, j, node, 'tail', mu, sigma, true);
      const truncated =
        sigma >= SIGMA_EPSILON
          ? truncatedSuccessUpperBound(
              blocks.table.ability[j] as number,
              blocks.table.slope[j] as number,
              blocks.table.slopeBelow[j] as number,
              blocks.table.pMax[j] as number,
              resolved.complexity,
              b.cut[node] as number,
            )
          : 1;
      const factor = hasDeadline ? factorBound(blocks.table, b, j, node, jitterSdOf(task)) : 1;
      const rows = blocks.rows(j);
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
    b.ensure(table.size + (blocks ? blocks.count + 1 : 0));
    // The best-effort search (nothing feasible) ranks by ceilings, not cost: only a cost cap needs the tight bound.
    const prepare = (from: number, to: number) => prepareRows(b, table, resolved, task, policy, 'cap')(from, to);

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

    const { refined, prepared } = searchPool({
      t: table,
      blocks,
      b,
      poolSize,
      kind,
      resolved,
      task,
      policy,
      topN: this.#topN,
      sorted,
      visit,
    });
    // The search prepared only the rows of the blocks it opened: the best-effort search prepares what it reaches.
    if (sorted.length === 0)
      assessClosest(table, b, this.#byId.values(), prepare, visit, rejected, resolved, task, policy, () => assessed++);
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
}
