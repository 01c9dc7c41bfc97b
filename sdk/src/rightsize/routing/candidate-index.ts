/**
 * An index over registered agents that answers the matching rule of spec §7 without assessing every agent
 * (spec §7.9). It returns the same chosen agent, the same top-N ranking and the same escalation plan as `match()`:
 *
 * 1. agents are grouped by domain (their own curve for it, or `general`), sorted by the highest ability any of
 *    their profiles (skill overrides included) declares for it;
 * 2. when minSuccess r ≥ 0.5, an agent can only be feasible if its ability a ≥ μ + max(σ·Φ⁻¹(r), logit(r)/k_max):
 *    for a ≥ μ the success integral is at most Φ((a − μ)/σ) (it grows with the slope towards that step) and at
 *    most σ_L(k(a − μ)) (the logistic is concave above its centre), and pMax and the budget cut only lower it;
 *    agents below that ability are never assessed;
 * 3. agents that provably miss a hard constraint — placement, region, a deadline even with no queue, the cost cap
 *    even with no reasoning — are skipped without a full assessment;
 * 4. for the cost and latency preferences, candidates are visited in order of a cheap lower bound of the primary
 *    key (expected cost at the lowest prices a candidate declares, divided by `successUpperBound`; latency without
 *    queueing), and the search stops once the bound
 *    exceeds the key of the N-th best feasible agent, N = max(topN, ESCALATION_WINDOW), so the ranking the record
 *    lists and the escalation window are exact.
 */

import {
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
import { logistic, logit, normalCdf, normalQuantile, Z_SCORES } from '../math/stats.js';
import type { Percentile, Placement } from '../model/common.js';
import type { Constraints } from '../model/descriptor.js';
import type { CapabilityProfile } from '../model/profile.js';
import {
  type Assessment,
  assessModes,
  buildResult,
  byCloseness,
  comparator,
  ESCALATION_WINDOW,
  escalationSteps,
  keysEqual,
  type MatchCandidate,
  type MatchPolicy,
  type MatchResult,
  type MatchTask,
  primaryKey,
  profileForMode,
  type ResolvedTask,
  rank,
  resolveTask,
  SOFT_REASONS,
  TIE_TOLERANCE,
} from './match.js';

export interface IndexedMatchResult extends MatchResult {
  /** Candidates assessed in full (the rest were pruned). */
  readonly assessed: number;
  /** Candidates registered. */
  readonly registered: number;
}

export interface CandidateIndexOptions {
  /** Feasible candidates ranked exactly (default 16, the decision record's default length). */
  readonly topN?: number;
}

interface Entry {
  readonly candidate: MatchCandidate;
  readonly ability: number;
  readonly maxSlope: number;
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

/** Per-domain arrays of the cheap bound coefficients, aligned with the ability-sorted entries. */
interface DomainTable {
  readonly entries: Entry[];
  readonly costIn: Float64Array;
  readonly costOut: Float64Array;
  readonly costTask: Float64Array;
  readonly costReasoning: Float64Array;
  readonly currency: string[];
  readonly remote: Uint8Array;
  readonly networkRtt: Float64Array;
  readonly overhead: Float64Array;
  /** ttft at p50, p90, p95, p99 (spec §6.4 (1)), each the minimum over the candidate's profiles. */
  readonly ttft: Record<Percentile, Float64Array>;
  readonly msPerOutputToken: Float64Array;
  /** Reasoning floor inputs: 1 if every profile reasons, the least tokens per step and budget, the fastest rate. */
  /** Index into `reasoningGroups` (distinct least tokens-per-step and budget pairs), −1 if some profile never reasons. */
  readonly reasoningGroup: Int32Array;
  readonly reasoningGroups: ReasoningParams[];
  readonly msPerReasoningToken: Float64Array;
  /** The placement and region of every profile of the candidate, when they all agree (else undefined). */
  readonly placement: Array<{ placement: string; region: string | undefined } | undefined>;
  /** The smallest context window over the candidate's profiles (Infinity when none declares one). */
  readonly contextWindow: Float64Array;
  /** The steepest slope declared for the domain (for the ability threshold). */
  readonly maxSlope: number;
  /** Whether any profile declares a context window (which can cut the reasoning budget). */
  readonly windowed: boolean;
  /** Per entry: the highest ability, steepest slope and highest pMax over its profiles (success upper bound). */
  readonly ability: Float64Array;
  readonly slope: Float64Array;
  readonly pMax: Float64Array;
}

const PERCENTILES: readonly Percentile[] = [50, 90, 95, 99];

function buildTable(entries: Entry[]): DomainTable {
  const n = entries.length;
  const t: DomainTable = {
    entries,
    costIn: new Float64Array(n),
    costOut: new Float64Array(n),
    costTask: new Float64Array(n),
    costReasoning: new Float64Array(n),
    currency: [],
    remote: new Uint8Array(n),
    networkRtt: new Float64Array(n),
    overhead: new Float64Array(n),
    ttft: { 50: new Float64Array(n), 90: new Float64Array(n), 95: new Float64Array(n), 99: new Float64Array(n) },
    msPerOutputToken: new Float64Array(n),
    reasoningGroup: new Int32Array(n),
    reasoningGroups: [],
    msPerReasoningToken: new Float64Array(n),
    placement: [],
    contextWindow: new Float64Array(n),
    maxSlope: Math.max(DEFAULTS.slope, ...entries.map((e) => e.maxSlope)),
    windowed: entries.some((e) => e.variants.some((p) => p.contextWindowTokens !== undefined)),
    ability: Float64Array.from(entries, (e) => e.ability),
    slope: Float64Array.from(entries, (e) => e.maxSlope),
    pMax: Float64Array.from(entries, (e) => e.maxPMax),
  };
  const groupIndex = new Map<string, number>();
  entries.forEach((entry, i) => {
    const min = (f: (p: CapabilityProfile) => number) => Math.min(...entry.variants.map(f));
    t.costIn[i] = min((p) => p.cost.inputPerMillion ?? 0);
    t.costOut[i] = min((p) => p.cost.outputPerMillion ?? 0);
    t.costTask[i] = min((p) => p.cost.perTask ?? 0);
    t.costReasoning[i] = min((p) => p.cost.reasoningPerMillion ?? 0);
    const currencies = new Set(entry.variants.map((p) => p.cost.currency));
    t.currency.push(currencies.size === 1 ? (entry.candidate.profile.cost.currency as string) : '*');
    t.remote[i] = entry.variants.every((p) => p.placement.placement !== 'device') ? 1 : 0;
    t.networkRtt[i] = min((p) => p.latency.networkRttMs ?? 0);
    t.overhead[i] = min((p) => p.latency.overheadMs ?? 0);
    for (const q of PERCENTILES) t.ttft[q][i] = min((p) => ttftAt(p.latency.ttftMs, q));
    t.msPerOutputToken[i] = min((p) => 1000 / p.latency.outputTokensPerSecond);
    t.contextWindow[i] = min((p) => p.contextWindowTokens ?? Number.POSITIVE_INFINITY);
    if (entry.variants.every((p) => p.reasoning.mode !== 'none')) {
      const group = {
        reasons: true,
        tokensPerStep: min((p) => reasoningOf(p.reasoning).tokensPerStep),
        budget: min((p) => reasoningOf(p.reasoning).budget),
      };
      const key = `${group.tokensPerStep}|${group.budget}`;
      let index = groupIndex.get(key);
      if (index === undefined) {
        index = t.reasoningGroups.push(group) - 1;
        groupIndex.set(key, index);
      }
      t.reasoningGroup[i] = index;
    } else {
      t.reasoningGroup[i] = -1;
    }
    t.msPerReasoningToken[i] = min(
      (p) => 1000 / (p.reasoning.reasoningTokensPerSecond ?? p.latency.outputTokensPerSecond),
    );
    const places = new Set(entry.variants.map((p) => `${p.placement.placement}|${p.placement.region ?? ''}`));
    const base = entry.candidate.profile.placement;
    t.placement.push(places.size === 1 ? { placement: base.placement, region: base.region } : undefined);
  });
  return t;
}

/**
 * An upper bound of the success probability of §6.2 (5) for a curve (a, k, pMax) and c ~ N(μ, σ²): for a ≥ μ the
 * integral is at most Φ((a − μ)/σ) (steeper curves approach that step from below) and at most σ_L(k(a − μ)) (the
 * logistic is concave above its centre and the noise is symmetric); the budget cut only lowers it.
 */
export function successUpperBound(a: number, k: number, pMax: number, mu: number, sigma: number): number {
  if (a < mu) return pMax;
  const step = sigma > 0 ? normalCdf((a - mu) / sigma) : 1;
  return pMax * Math.min(step, logistic(k * (a - mu)));
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
    const { base } = predictLatency({
      profile,
      complexity: resolved.complexity,
      percentile: resolved.percentile,
      inputTokens: resolved.inputTokens,
      outputTokens: resolved.outputTokens,
      network: task.descriptor.network,
      load: entry.candidate.load ?? 0,
      brokerLegMs: policy.brokerLegMs ?? 0,
    });
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

/** Whether a candidate whose profiles all share `place` meets the placement and region constraints (unknown: yes). */
function placementAllowed(place: DomainTable['placement'][number], c: Constraints): boolean {
  if (!place) return true;
  if (c.allowedPlacements && !c.allowedPlacements.includes(place.placement as Placement)) return false;
  return !c.allowedRegions || (place.region !== undefined && c.allowedRegions.includes(place.region));
}

/** Candidates heapified up front; the rest join only if the search gets that far. */
const INITIAL_CANDIDATES = 128;

/**
 * Writes into `out[0..count)` the open entries (taken = 0) with the `k` smallest bounds, marking them taken, using
 * `scratch` (k slots) as a bounded max-heap; returns the count and the smallest bound left outside (Infinity if none).
 */
function selectSmallest(
  bounds: Float64Array,
  taken: Uint8Array,
  n: number,
  k: number,
  out: Int32Array,
  scratch: Int32Array,
): { count: number; outside: number } {
  let size = 0;
  let outside = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    if (taken[i] === 1) continue;
    const b = bounds[i] as number;
    if (size < k) {
      let c = size++;
      scratch[c] = i;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if ((bounds[scratch[p] as number] as number) >= (bounds[scratch[c] as number] as number)) break;
        const t = scratch[p] as number;
        scratch[p] = scratch[c] as number;
        scratch[c] = t;
        c = p;
      }
      continue;
    }
    const top = bounds[scratch[0] as number] as number;
    if (b >= top) {
      if (b < outside) outside = b;
      continue;
    }
    if (top < outside) outside = top;
    scratch[0] = i;
    for (let p = 0; ; ) {
      const l = 2 * p + 1;
      const r = l + 1;
      let m = p;
      if (l < size && (bounds[scratch[l] as number] as number) > (bounds[scratch[m] as number] as number)) m = l;
      if (r < size && (bounds[scratch[r] as number] as number) > (bounds[scratch[m] as number] as number)) m = r;
      if (m === p) break;
      const t = scratch[p] as number;
      scratch[p] = scratch[m] as number;
      scratch[m] = t;
      p = m;
    }
  }
  for (let j = 0; j < size; j++) {
    const i = scratch[j] as number;
    out[j] = i;
    taken[i] = 1;
  }
  return { count: size, outside };
}

/** A binary min-heap of entry positions keyed by a shared bounds array, built in O(n) (Floyd). */
class BoundHeap {
  readonly #items: Int32Array;
  #size: number;

  /** `items` is scratch space (reused across decisions) holding positions `items[0..count)` to heapify. */
  constructor(
    readonly bounds: Float64Array,
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
      if (this.#key(p) <= this.#key(c)) break;
      this.#swap(p, c);
      c = p;
    }
  }

  #key(slot: number): number {
    return this.bounds[this.#items[slot] as number] as number;
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
      if (l < this.#size && this.#key(l) < this.#key(m)) m = l;
      if (r < this.#size && this.#key(r) < this.#key(m)) m = r;
      if (m === p) return;
      this.#swap(p, m);
      p = m;
    }
  }
}

export class CandidateIndex {
  readonly #byId = new Map<string, MatchCandidate>();
  readonly #byDomain = new Map<string, DomainTable>();
  readonly #topN: number;
  /** Scratch buffers for one decision, reused (decisions are synchronous). */
  #bounds = new Float64Array(0);
  #taken = new Uint8Array(0);
  #refined = new Uint8Array(0);
  #heapItems = new Int32Array(0);
  #selection = new Int32Array(INITIAL_CANDIDATES);

  constructor(candidates: Iterable<MatchCandidate> = [], options: CandidateIndexOptions = {}) {
    this.#topN = options.topN ?? 16;
    for (const c of candidates) this.#byId.set(c.id, c);
  }

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): MatchCandidate | undefined {
    return this.#byId.get(id);
  }

  /** Add or replace a candidate (e.g. after a profile or load change). */
  upsert(candidate: MatchCandidate): void {
    const previous = this.#byId.get(candidate.id);
    this.#byId.set(candidate.id, candidate);
    if (previous?.profile !== candidate.profile) this.#byDomain.clear();
    else this.#replaceInPlace(candidate);
  }

  remove(id: string): boolean {
    const removed = this.#byId.delete(id);
    if (removed) this.#byDomain.clear();
    return removed;
  }

  values(): IterableIterator<MatchCandidate> {
    return this.#byId.values();
  }

  /** Same profile, new load or availability: patch the cached entries rather than rebuilding them. */
  #replaceInPlace(candidate: MatchCandidate): void {
    for (const table of this.#byDomain.values()) {
      const i = table.entries.findIndex((e) => e.candidate.id === candidate.id);
      if (i >= 0) table.entries[i] = { ...(table.entries[i] as Entry), candidate };
    }
  }

  #domainTable(domain: string): DomainTable {
    let table = this.#byDomain.get(domain);
    if (!table) {
      const entries: Entry[] = [];
      for (const candidate of this.#byId.values()) {
        const variants = variantsOf(candidate);
        const curves = variants.map((v) => curveFor(v, domain)).filter((c) => c !== undefined);
        if (curves.length === 0) continue;
        entries.push({
          candidate,
          variants,
          ability: Math.max(...curves.map((c) => c.ability)),
          maxSlope: Math.max(...curves.map((c) => c.slope ?? DEFAULTS.slope)),
          maxPMax: Math.max(...curves.map((c) => c.pMax ?? DEFAULTS.pMax)),
        });
      }
      entries.sort((a, b) => b.ability - a.ability);
      table = buildTable(entries);
      this.#byDomain.set(domain, table);
    }
    return table;
  }

  /** Spec §7 over the indexed candidates; see the module comment for what is pruned and why it is exact. */
  match(task: MatchTask, policy: MatchPolicy = {}): IndexedMatchResult {
    const resolved = resolveTask(task, policy);
    const table = this.#domainTable(task.descriptor.domain);
    const all = table.entries;
    let poolSize = all.length;
    const r = resolved.minSuccess;
    if (r >= 0.5) {
      const { value, sigma } = resolved.complexity;
      const threshold =
        value + Math.max(sigma > 0 ? sigma * normalQuantile(r) : 0, logit(Math.min(r, 1 - 1e-12)) / table.maxSlope);
      let lo = 0;
      let hi = all.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((all[mid] as Entry).ability >= threshold) lo = mid + 1;
        else hi = mid;
      }
      poolSize = lo;
    }
    const feasible: Assessment[] = [];
    const rejected: Assessment[] = [];
    let assessed = 0;
    const seen = new Set<Entry>();
    const visit = (entry: Entry) => {
      if (seen.has(entry)) return [];
      seen.add(entry);
      assessed++;
      const all = assessModes(entry.candidate, task, resolved, policy);
      for (const a of all) (a.feasible ? feasible : rejected).push(a);
      return all;
    };
    const deadline = task.descriptor.constraints?.completionDeadlineMs;
    const maxEscalations = policy.maxEscalations ?? 2;
    const preference = resolved.preference;

    if (preference !== 'cost' && preference !== 'latency') {
      for (let i = 0; i < poolSize; i++) visit(all[i] as Entry);
      if (feasible.length === 0) this.#assessClosest(all, poolSize, visit, rejected, resolved);
      const { ranked, tieBroken } = rank(feasible, preference);
      return this.#result(resolved, ranked, rejected, tieBroken, deadline, maxEscalations, assessed);
    }

    const { bounds, taken } = this.#prepare(table, poolSize, resolved, task, policy, preference);
    const key = primaryKey(preference, []);
    const order = comparator(key, preference);
    const sorted: Assessment[] = [];
    const insert = (a: Assessment) => {
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (order(sorted[mid] as Assessment, a) <= 0) lo = mid + 1;
        else hi = mid;
      }
      sorted.splice(lo, 0, a);
    };
    // Visit candidates in ascending bound order; stop once the smallest bound left exceeds the key of the last agent
    // that must be ranked exactly (the escalation window, or the record's length). Cost bounds are refined by the
    // success upper bound the first time they reach the top, and pushed back.
    const exact = Math.max(this.#topN, ESCALATION_WINDOW);
    // Most decisions need only a few dozen candidates: heapify the smallest bounds first, and the rest only if the
    // search reaches them (`outside` is the smallest bound not yet in the heap).
    const initial = selectSmallest(bounds, taken, poolSize, INITIAL_CANDIDATES, this.#heapItems, this.#selection);
    const heap = new BoundHeap(bounds, this.#heapItems, initial.count);
    let outside = initial.outside;
    const refined = preference === 'cost' ? this.#refined.fill(0, 0, poolSize) : undefined;
    const { value: mu, sigma } = resolved.complexity;
    const constraints = task.descriptor.constraints ?? {};
    const hasCut =
      constraints.completionDeadlineMs !== undefined ||
      constraints.firstResponseDeadlineMs !== undefined ||
      table.windowed;
    for (;;) {
      if (heap.size === 0 || (bounds[heap.peek()] as number) > outside) {
        if (outside === Number.POSITIVE_INFINITY) break;
        // Bring in every remaining open candidate (they were marked taken only when selected).
        for (let i = 0; i < poolSize; i++) {
          if (taken[i] === 0) {
            taken[i] = 1;
            heap.push(i);
          }
        }
        outside = Number.POSITIVE_INFINITY;
        continue;
      }
      const i = heap.peek();
      const bound = bounds[i] as number;
      const nth = sorted[exact - 1];
      if (nth && bound > key(nth) && !keysEqual(bound, key(nth))) break;
      heap.pop();
      if (refined && refined[i] === 0) {
        refined[i] = 1;
        const success = successUpperBound(
          table.ability[i] as number,
          table.slope[i] as number,
          table.pMax[i] as number,
          mu,
          sigma,
        );
        let cost = bound;
        let reachable = success;
        if (hasCut) {
          // The budget each profile would get caps the success too: P ≤ pMax · P(c ≤ the largest cut).
          const floor = costFloor(all[i] as Entry, task, resolved, policy);
          cost = Math.max(bound, floor.cost);
          const spread = Math.max(sigma, SIGMA_EPSILON);
          reachable = Math.min(success, (table.pMax[i] as number) * normalCdf((floor.cut - mu) / spread));
        }
        if (reachable < resolved.minSuccess) continue; // cannot be feasible (spec §6.6: P_D ≤ this bound)
        bounds[i] = reachable > 0 ? cost / reachable : Number.POSITIVE_INFINITY;
        heap.push(i);
        continue;
      }
      for (const a of visit(all[i] as Entry)) if (a.feasible) insert(a);
    }
    if (sorted.length === 0) this.#assessClosest(all, poolSize, visit, rejected, resolved);
    const [first, second] = sorted;
    const tieBroken = first !== undefined && second !== undefined && keysEqual(key(first), key(second));
    const escalation = escalationSteps(sorted, deadline, maxEscalations);
    return {
      ...buildResult(resolved, sorted.slice(0, this.#topN), rejected.sort(byCloseness), tieBroken, escalation),
      assessed,
      registered: this.#byId.size,
    };
  }

  /**
   * With nothing feasible, find the closest agent (§7.7): when it will be served best-effort, every agent of the domain
   * that could be it is assessed, so the choice is exactly the full scan's; otherwise the strongest agents not yet
   * seen are, so the error can name the closest.
   */
  #assessClosest(
    all: readonly Entry[],
    poolSize: number,
    visit: (e: Entry) => readonly Assessment[],
    rejected: readonly Assessment[],
    resolved: ResolvedTask,
  ): void {
    if (!resolved.hardConstraints) {
      // The best-effort agent has the highest effective ceiling among agents short only on P_D (one reason each).
      // Entries come in descending ability, and c_cap(r) ≤ a + max(0, −logit(r))/k_min (k ≥ 0.25, pMax ≤ 1), so the
      // search stops once no later entry can reach the best ceiling found (within the tie tolerance).
      const r = resolved.minSuccess;
      const slack = r > 0 ? Math.max(0, -logit(Math.min(r, 1 - 1e-12))) / 0.25 : Number.POSITIVE_INFINITY;
      const ceilingOf = (a: Assessment) =>
        a.reasons.every((x) => SOFT_REASONS.has(x))
          ? (a.predictions.effectiveCeiling ?? Number.NEGATIVE_INFINITY)
          : Number.NEGATIVE_INFINITY;
      let best = Math.max(Number.NEGATIVE_INFINITY, ...rejected.map(ceilingOf));
      for (const entry of all) {
        if (entry.ability + slack < best - TIE_TOLERANCE.success) break;
        for (const a of visit(entry)) best = Math.max(best, ceilingOf(a));
      }
      return;
    }
    for (let i = poolSize; i < Math.min(all.length, poolSize + 8); i++) visit(all[i] as Entry);
  }

  #result(
    resolved: ResolvedTask,
    ranked: Assessment[],
    rejected: Assessment[],
    tieBroken: boolean,
    deadline: number | undefined,
    maxEscalations: number,
    assessed: number,
  ): IndexedMatchResult {
    const escalation = escalationSteps(ranked, deadline, maxEscalations);
    return {
      ...buildResult(resolved, ranked.slice(0, this.#topN), rejected.sort(byCloseness), tieBroken, escalation),
      assessed,
      registered: this.#byId.size,
    };
  }

  /**
   * One pass over the first `n` entries: marks as taken those that certainly miss a hard constraint (placement,
   * region, a deadline even without queueing, the cost cap at their lowest prices), and writes for the others a lower
   * bound of the primary key: the expected cost at their lowest prices (refined lazily by `successUpperBound` when
   * the search reaches it), or the completion latency without queueing. Buffers are reused across decisions.
   */
  #prepare(
    t: DomainTable,
    n: number,
    resolved: ResolvedTask,
    task: MatchTask,
    policy: MatchPolicy,
    preference: 'cost' | 'latency',
  ) {
    if (this.#bounds.length < n) {
      this.#bounds = new Float64Array(Math.max(n, 2 * this.#bounds.length));
      this.#taken = new Uint8Array(this.#bounds.length);
      this.#refined = new Uint8Array(this.#bounds.length);
      this.#heapItems = new Int32Array(this.#bounds.length + 1);
    }
    const bounds = this.#bounds;
    const taken = this.#taken;
    taken.fill(0, 0, n);
    const c = task.descriptor.constraints ?? {};
    const checkConstraints = task.descriptor.skill === undefined; // skill overrides may change any member
    const input = resolved.inputTokens / 1e6;
    const output = resolved.outputTokens / 1e6;
    const hasDeadline = c.completionDeadlineMs !== undefined || c.firstResponseDeadlineMs !== undefined;
    // Deadlines and context windows cut the reasoning budget (spec §6.6), so the cost bound then counts no reasoning.
    const groupTokens = t.reasoningGroups.map((g) =>
      hasDeadline ? 0 : expectedReasoningTokens(g, resolved.complexity),
    );
    const z = Z_SCORES[resolved.percentile];
    const cq = resolved.complexity.value + z * resolved.complexity.sigma;
    const groupTokensAtQ = t.reasoningGroups.map((g) => reasoningTokensAt(g, cq));
    const net = task.descriptor.network;
    const lossFactor = 1 / (1 - (net?.lossRate ?? 0));
    const uplink = net?.uplinkKbps ?? net?.bandwidthKbps;
    const downlink = net?.downlinkKbps ?? net?.bandwidthKbps;
    const transferIn = uplink ? (32 * resolved.inputTokens) / uplink : 0;
    const transferOut = downlink ? (32 * resolved.outputTokens) / downlink : 0;
    const brokerLeg = policy.brokerLegMs ?? 0;
    const ttft = t.ttft[resolved.percentile];
    const ttftMedian = t.ttft[50];
    const firstLimit = c.firstResponseDeadlineMs ?? Number.POSITIVE_INFINITY;
    const completionLimit = c.completionDeadlineMs ?? Number.POSITIVE_INFINITY;
    // The latency factor F_L0(D') bounds P_D; an agent whose non-reasoning latency at the minSuccess quantile
    // already misses the deadline cannot be feasible (only checked when that quantile is ≥ the median).
    const zr = resolved.minSuccess >= 0.5 ? normalQuantile(resolved.minSuccess) : Number.NaN;
    const checkDeadline = checkConstraints && hasDeadline && Number.isFinite(zr);
    const needCost = preference === 'cost' || c.maxCost !== undefined;
    const costLimit = checkConstraints && c.maxCost ? c.maxCost.amount : Number.POSITIVE_INFINITY;
    const checkPlace = checkConstraints && (c.allowedPlacements !== undefined || c.allowedRegions !== undefined);
    const rates = new Map<string, number | undefined>();
    const rateOf = (currency: string) => {
      if (currency === resolved.currency) return 1;
      if (currency === '*') return 0;
      if (!rates.has(currency)) rates.set(currency, policy.rates?.[currency]);
      return rates.get(currency);
    };
    const latencyBound = preference === 'latency';
    for (let i = 0; i < n; i++) {
      const group = t.reasoningGroup[i] as number;
      const remote = t.remote[i] === 1;
      const fixed = brokerLeg + (t.overhead[i] as number) + (remote ? transferIn : 0);
      const network = (zz: number) =>
        remote ? ((net?.rttMs ?? 0) + zz * (net?.jitterMs ?? 0) + (t.networkRtt[i] as number)) * lossFactor : 0;
      const after = resolved.outputTokens * (t.msPerOutputToken[i] as number) + (remote ? transferOut : 0);
      if (checkDeadline) {
        const base = fixed + network(zr) + (ttftMedian[i] as number);
        if (base > Math.min(firstLimit, completionLimit - after)) {
          taken[i] = 1;
          continue;
        }
      }
      let completion = 0;
      if (latencyBound) {
        // L_done = min(L0 + T_R, max(L0, D')) + after, non-decreasing in every part (spec §6.4, §6.6).
        const base = fixed + network(z) + (ttft[i] as number);
        const window = Math.max(0, (t.contextWindow[i] as number) - resolved.inputTokens - resolved.outputTokens);
        const reasoningMs =
          group < 0 ? 0 : Math.min(groupTokensAtQ[group] as number, window) * (t.msPerReasoningToken[i] as number);
        completion = Math.min(
          base + reasoningMs + after,
          group < 0 ? Number.POSITIVE_INFINITY : Math.max(base + after, Math.min(firstLimit + after, completionLimit)),
        );
      }
      let cost = 0;
      if (needCost) {
        const rate = rateOf(t.currency[i] as string);
        const reasoningPrice = t.costReasoning[i] as number;
        const windowed = Number.isFinite(t.contextWindow[i] as number);
        cost =
          rate === undefined
            ? Number.POSITIVE_INFINITY
            : rate *
              (input * (t.costIn[i] as number) +
                output * (t.costOut[i] as number) +
                (group < 0 || reasoningPrice === 0 || windowed
                  ? 0
                  : ((groupTokens[group] as number) * reasoningPrice) / 1e6) +
                (t.costTask[i] as number));
      }
      if (cost > costLimit || (checkPlace && !placementAllowed(t.placement[i], c))) {
        taken[i] = 1;
        continue;
      }
      bounds[i] = latencyBound ? completion : cost;
    }
    return { bounds, taken };
  }
}
