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
 *    key (expected cost at the lowest prices a candidate declares; latency without queueing), and the search stops once the bound
 *    exceeds the key of the N-th best feasible agent, N = max(topN, ESCALATION_WINDOW), so the ranking the record
 *    lists and the escalation window are exact.
 */
import {
  type Assessment,
  assess,
  buildResult,
  byCloseness,
  comparator,
  ESCALATION_WINDOW,
  escalationPlan,
  keysEqual,
  type MatchCandidate,
  type MatchPolicy,
  type MatchResult,
  type MatchTask,
  primaryKey,
  type ResolvedTask,
  rank,
  resolveTask,
} from './match.js';
import type { Percentile, Placement } from './model/common.js';
import type { CapabilityProfile } from './model/profile.js';
import { DEFAULTS, expectedReasoningTokens, reasoningOf, ttftAt } from './predict.js';
import { logit, normalQuantile, Z_SCORES } from './stats.js';

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
  readonly variants: readonly CapabilityProfile[];
}

function variantsOf(candidate: MatchCandidate): CapabilityProfile[] {
  const base = candidate.profile;
  const overrides = Object.values(base.skills ?? {}).map((o) => ({ ...base, ...o }) as CapabilityProfile);
  return [base, ...overrides];
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
  readonly reasons: Uint8Array;
  readonly tokensPerStep: Float64Array;
  readonly budget: Float64Array;
  readonly msPerReasoningToken: Float64Array;
  /** The placement and region of every profile of the candidate, when they all agree (else undefined). */
  readonly placement: Array<{ placement: string; region: string | undefined } | undefined>;
  /** The steepest slope declared for the domain (for the ability threshold). */
  readonly maxSlope: number;
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
    reasons: new Uint8Array(n),
    tokensPerStep: new Float64Array(n),
    budget: new Float64Array(n),
    msPerReasoningToken: new Float64Array(n),
    placement: [],
    maxSlope: Math.max(DEFAULTS.slope, ...entries.map((e) => e.maxSlope)),
  };
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
    t.reasons[i] = entry.variants.every((p) => p.reasoning.mode !== 'none') ? 1 : 0;
    t.tokensPerStep[i] = min((p) => reasoningOf(p.reasoning).tokensPerStep);
    t.budget[i] = min((p) => reasoningOf(p.reasoning).budget);
    t.msPerReasoningToken[i] = min(
      (p) => 1000 / (p.reasoning.reasoningTokensPerSecond ?? p.latency.outputTokensPerSecond),
    );
    const places = new Set(entry.variants.map((p) => `${p.placement.placement}|${p.placement.region ?? ''}`));
    const base = entry.candidate.profile.placement;
    t.placement.push(places.size === 1 ? { placement: base.placement, region: base.region } : undefined);
  });
  return t;
}

/** The positions of the `size` smallest bounds among [0, n) not yet taken, in ascending order of bound. */
function smallestUntaken(bounds: Float64Array, n: number, taken: Uint8Array, size: number): number[] {
  const heap: number[] = []; // max-heap on bound
  const above = (i: number, j: number) => (bounds[heap[i] as number] as number) > (bounds[heap[j] as number] as number);
  const swap = (i: number, j: number) => {
    [heap[i], heap[j]] = [heap[j] as number, heap[i] as number];
  };
  for (let i = 0; i < n; i++) {
    if (taken[i]) continue;
    if (heap.length < size) {
      heap.push(i);
      for (let c = heap.length - 1; c > 0 && above(c, (c - 1) >> 1); c = (c - 1) >> 1) swap(c, (c - 1) >> 1);
    } else if ((bounds[i] as number) < (bounds[heap[0] as number] as number)) {
      heap[0] = i;
      for (let p = 0; ; ) {
        const l = 2 * p + 1;
        const r = l + 1;
        let m = p;
        if (l < heap.length && above(l, m)) m = l;
        if (r < heap.length && above(r, m)) m = r;
        if (m === p) break;
        swap(p, m);
        p = m;
      }
    }
  }
  return heap.sort((a, b) => (bounds[a] as number) - (bounds[b] as number));
}

export class CandidateIndex {
  readonly #byId = new Map<string, MatchCandidate>();
  readonly #byDomain = new Map<string, DomainTable>();
  readonly #topN: number;

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
      const threshold = value + Math.max(sigma > 0 ? sigma * normalQuantile(r) : 0, logit(Math.min(r, 1 - 1e-12)) / table.maxSlope);
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
    const visit = (entry: Entry) => {
      assessed++;
      const a = assess(entry.candidate, task, resolved, policy);
      (a.feasible ? feasible : rejected).push(a);
      return a;
    };
    const deadline = task.descriptor.constraints?.completionDeadlineMs;
    const maxEscalations = policy.maxEscalations ?? 2;
    const preference = resolved.preference;

    if (preference !== 'cost' && preference !== 'latency') {
      for (let i = 0; i < poolSize; i++) visit(all[i] as Entry);
      if (feasible.length === 0) this.#assessClosest(all, poolSize, visit);
      const { ranked, tieBroken } = rank(feasible, preference);
      return this.#result(resolved, ranked, rejected, tieBroken, deadline, maxEscalations, assessed);
    }

    const bounds = this.#bounds(table, poolSize, resolved, task, policy, preference);
    const key = primaryKey(preference, []);
    const order = comparator(key);
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
    // Visit candidates in ascending bound order, in batches of the smallest bounds not yet taken; stop once the
    // next bound exceeds the key of the last agent that must be ranked exactly (spec §7.4 window, record length).
    const exact = Math.max(this.#topN, ESCALATION_WINDOW);
    const taken = this.#provablyInfeasible(table, poolSize, resolved, task, policy);
    let remaining = poolSize - taken.reduce((sum, x) => sum + x, 0);
    let batchSize = 32;
    search: while (remaining > 0) {
      const batch = smallestUntaken(bounds, poolSize, taken, batchSize);
      batchSize *= 4;
      for (const i of batch) {
        const nth = sorted[exact - 1];
        const bound = bounds[i] as number;
        if (nth && bound > key(nth) && !keysEqual(bound, key(nth))) break search;
        taken[i] = 1;
        remaining--;
        const a = visit(all[i] as Entry);
        if (a.feasible) insert(a);
      }
    }
    if (sorted.length === 0) this.#assessClosest(all, poolSize, visit);
    const [first, second] = sorted;
    const tieBroken = first !== undefined && second !== undefined && keysEqual(key(first), key(second));
    const escalation = escalationPlan(sorted, deadline, maxEscalations);
    return {
      ...buildResult(resolved, sorted.slice(0, this.#topN), rejected.sort(byCloseness), tieBroken, escalation),
      assessed,
      registered: this.#byId.size,
    };
  }

  /** With nothing feasible, assess the strongest agents not yet seen so the error can name the closest (§7.7). */
  #assessClosest(all: readonly Entry[], poolSize: number, visit: (e: Entry) => unknown): void {
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
    const escalation = escalationPlan(ranked, deadline, maxEscalations);
    return {
      ...buildResult(resolved, ranked.slice(0, this.#topN), rejected.sort(byCloseness), tieBroken, escalation),
      assessed,
      registered: this.#byId.size,
    };
  }

  /** Marks (1) the first `n` entries that certainly miss a hard constraint whatever their reasoning or queue. */
  #provablyInfeasible(t: DomainTable, n: number, resolved: ResolvedTask, task: MatchTask, policy: MatchPolicy): Uint8Array {
    const out = new Uint8Array(n);
    const c = task.descriptor.constraints ?? {};
    if (task.descriptor.skill !== undefined) return out; // skill overrides may change any member
    const floors = this.#latencyFloors(t, n, resolved, task);
    const costs = c.maxCost ? this.#costFloors(t, n, resolved, policy) : undefined;
    for (let i = 0; i < n; i++) {
      const place = t.placement[i];
      if (
        (c.completionDeadlineMs !== undefined && (floors.completion[i] as number) > c.completionDeadlineMs) ||
        (c.firstResponseDeadlineMs !== undefined && (floors.first[i] as number) > c.firstResponseDeadlineMs) ||
        (costs && c.maxCost && (costs[i] as number) > c.maxCost.amount) ||
        (place && c.allowedPlacements && !c.allowedPlacements.includes(place.placement as Placement)) ||
        (place && c.allowedRegions && !(place.region && c.allowedRegions.includes(place.region)))
      ) {
        out[i] = 1;
      }
    }
    return out;
  }

  /** Lower bounds of the primary key for the first `n` entries: cost without reasoning, or latency without
   * reasoning and queueing, each from per-profile minima (so below every profile's true key). */
  #bounds(
    t: DomainTable,
    n: number,
    resolved: ResolvedTask,
    task: MatchTask,
    policy: MatchPolicy,
    preference: 'cost' | 'latency',
  ): Float64Array {
    return preference === 'cost' ? this.#costFloors(t, n, resolved, policy) : this.#latencyFloors(t, n, resolved, task).completion;
  }

  /** Expected cost from per-profile minimum prices, tokens per step and budgets, in the decision currency
   * (Infinity when not convertible). Expected reasoning tokens are cached per (tokens per step, budget). */
  #costFloors(t: DomainTable, n: number, resolved: ResolvedTask, policy: MatchPolicy): Float64Array {
    const floors = new Float64Array(n);
    const input = resolved.inputTokens / 1e6;
    const output = resolved.outputTokens / 1e6;
    const reasoningCache = new Map<string, number>();
    const reasoningTokens = (i: number) => {
      if (t.reasons[i] !== 1) return 0;
      const tokensPerStep = t.tokensPerStep[i] as number;
      const budget = t.budget[i] as number;
      const cacheKey = `${tokensPerStep}|${budget}`;
      let tokens = reasoningCache.get(cacheKey);
      if (tokens === undefined) {
        tokens = expectedReasoningTokens({ reasons: true, tokensPerStep, budget }, resolved.complexity);
        reasoningCache.set(cacheKey, tokens);
      }
      return tokens;
    };
    for (let i = 0; i < n; i++) {
      const currency = t.currency[i] as string;
      const rate = currency === resolved.currency ? 1 : currency === '*' ? 0 : policy.rates?.[currency];
      const reasoningPrice = t.costReasoning[i] as number;
      floors[i] =
        rate === undefined
          ? Number.POSITIVE_INFINITY
          : rate *
            (input * (t.costIn[i] as number) +
              output * (t.costOut[i] as number) +
              (reasoningPrice > 0 ? (reasoningTokens(i) * reasoningPrice) / 1e6 : 0) +
              (t.costTask[i] as number));
    }
    return floors;
  }

  /** Time to first response and to completion without queueing (spec §6.4 without Q), from per-profile minima. */
  #latencyFloors(t: DomainTable, n: number, resolved: ResolvedTask, task: MatchTask) {
    const first = new Float64Array(n);
    const completion = new Float64Array(n);
    const net = task.descriptor.network;
    const link = (net?.rttMs ?? 0) + Z_SCORES[resolved.percentile] * (net?.jitterMs ?? 0);
    const lossFactor = 1 / (1 - (net?.lossRate ?? 0));
    const bandwidth = net?.bandwidthKbps;
    const transferIn = bandwidth ? (32 * resolved.inputTokens) / bandwidth : 0;
    const transferOut = bandwidth ? (32 * resolved.outputTokens) / bandwidth : 0;
    const ttft = t.ttft[resolved.percentile];
    const steps = 2 ** (resolved.complexity.value + Z_SCORES[resolved.percentile] * resolved.complexity.sigma);
    for (let i = 0; i < n; i++) {
      const remote = t.remote[i] === 1;
      const reasoning =
        t.reasons[i] === 1
          ? Math.min((t.tokensPerStep[i] as number) * steps, t.budget[i] as number) * (t.msPerReasoningToken[i] as number)
          : 0;
      const toFirst =
        (remote ? (link + (t.networkRtt[i] as number)) * lossFactor + transferIn : 0) +
        (t.overhead[i] as number) +
        (ttft[i] as number) +
        reasoning;
      first[i] = toFirst;
      completion[i] = toFirst + resolved.outputTokens * (t.msPerOutputToken[i] as number) + (remote ? transferOut : 0);
    }
    return { first, completion };
  }
}
