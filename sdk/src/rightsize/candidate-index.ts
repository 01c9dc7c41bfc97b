/**
 * An index over registered agents that answers the matching rule of spec §7 without assessing every agent
 * (spec §7.9). It returns the same chosen agent, the same top-N ranking and the same escalation plan as `match()`:
 *
 * 1. agents are grouped by domain (their own curve for it, or `general`), sorted by the highest ability any of
 *    their profiles (skill overrides included) declares for it;
 * 2. when minSuccess ≥ 0.5 only agents whose ability reaches the task's mean complexity can be feasible (the
 *    success integral of a curve centred below the mean is below one half), so the rest are never assessed;
 * 3. for the cost and latency preferences, candidates are visited in order of a cheap lower bound of the primary
 *    key (cost without reasoning; latency without reasoning or queueing), and the search stops once the bound
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
import type { CapabilityProfile } from './model/profile.js';
import { latencyFloor, predictCost } from './predict.js';

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
  readonly variants: readonly CapabilityProfile[];
}

function variantsOf(candidate: MatchCandidate): CapabilityProfile[] {
  const base = candidate.profile;
  const overrides = Object.values(base.skills ?? {}).map((o) => ({ ...base, ...o }) as CapabilityProfile);
  return [base, ...overrides];
}

function abilityFor(profile: CapabilityProfile, domain: string): number | undefined {
  return (profile.domains.find((d) => d.domain === domain) ?? profile.domains.find((d) => d.domain === 'general'))
    ?.ability;
}

/** A min-heap of candidate positions keyed by their bound. */
class BoundHeap {
  readonly #items: number[] = [];
  constructor(readonly bounds: Float64Array) {}
  push(i: number): void {
    const a = this.#items;
    a.push(i);
    let c = a.length - 1;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if ((this.bounds[a[p] as number] as number) <= (this.bounds[a[c] as number] as number)) break;
      [a[p], a[c]] = [a[c] as number, a[p] as number];
      c = p;
    }
  }
  peekBound(): number {
    return this.#items.length === 0 ? Number.POSITIVE_INFINITY : (this.bounds[this.#items[0] as number] as number);
  }
  get size(): number {
    return this.#items.length;
  }
  pop(): number {
    const a = this.#items;
    const top = a[0] as number;
    const last = a.pop() as number;
    if (a.length > 0) {
      a[0] = last;
      let p = 0;
      for (;;) {
        const l = 2 * p + 1;
        const r = l + 1;
        let m = p;
        if (l < a.length && (this.bounds[a[l] as number] as number) < (this.bounds[a[m] as number] as number)) m = l;
        if (r < a.length && (this.bounds[a[r] as number] as number) < (this.bounds[a[m] as number] as number)) m = r;
        if (m === p) break;
        [a[p], a[m]] = [a[m] as number, a[p] as number];
        p = m;
      }
    }
    return top;
  }
}

export class CandidateIndex {
  readonly #byId = new Map<string, MatchCandidate>();
  readonly #byDomain = new Map<string, Entry[]>();
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
    for (const entries of this.#byDomain.values()) {
      const i = entries.findIndex((e) => e.candidate.id === candidate.id);
      if (i >= 0) entries[i] = { ...(entries[i] as Entry), candidate };
    }
  }

  #domainEntries(domain: string): Entry[] {
    let entries = this.#byDomain.get(domain);
    if (!entries) {
      entries = [];
      for (const candidate of this.#byId.values()) {
        const variants = variantsOf(candidate);
        const abilities = variants.map((v) => abilityFor(v, domain)).filter((a): a is number => a !== undefined);
        if (abilities.length > 0) entries.push({ candidate, ability: Math.max(...abilities), variants });
      }
      entries.sort((a, b) => b.ability - a.ability);
      this.#byDomain.set(domain, entries);
    }
    return entries;
  }

  /** Spec §7 over the indexed candidates; see the module comment for what is pruned and why it is exact. */
  match(task: MatchTask, policy: MatchPolicy = {}): IndexedMatchResult {
    const resolved = resolveTask(task, policy);
    const all = this.#domainEntries(task.descriptor.domain);
    let pool = all;
    if (resolved.minSuccess >= 0.5) {
      let lo = 0;
      let hi = all.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((all[mid] as Entry).ability >= resolved.complexity.value) lo = mid + 1;
        else hi = mid;
      }
      pool = all.slice(0, lo);
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
      for (const entry of pool) visit(entry);
      if (feasible.length === 0) this.#assessClosest(all, pool, visit);
      const { ranked, tieBroken } = rank(feasible, preference);
      return this.#result(resolved, ranked, rejected, tieBroken, deadline, maxEscalations, assessed);
    }

    const bounds = new Float64Array(pool.length);
    const heap = new BoundHeap(bounds);
    for (let i = 0; i < pool.length; i++) {
      bounds[i] = this.#bound(pool[i] as Entry, resolved, task, policy, preference);
      heap.push(i);
    }
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
    const step = () => {
      const a = visit(pool[heap.pop()] as Entry);
      if (a.feasible) insert(a);
    };
    const beyond = (limit: number) => heap.peekBound() > limit && !keysEqual(heap.peekBound(), limit);

    // Rank exactly as many as the record lists, and at least the escalation window (spec §7.4).
    const exact = Math.max(this.#topN, ESCALATION_WINDOW);
    while (heap.size > 0) {
      const nth = sorted[exact - 1];
      if (nth && beyond(key(nth))) break;
      step();
    }
    if (sorted.length === 0) this.#assessClosest(all, pool, visit);
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
  #assessClosest(all: readonly Entry[], pool: readonly Entry[], visit: (e: Entry) => unknown): void {
    const seen = new Set(pool);
    let extra = 0;
    for (const entry of all) {
      if (extra >= 8) break;
      if (seen.has(entry)) continue;
      visit(entry);
      extra++;
    }
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

  /** A lower bound of the candidate's primary key over all its profile variants. */
  #bound(
    entry: Entry,
    resolved: ResolvedTask,
    task: MatchTask,
    policy: MatchPolicy,
    preference: 'cost' | 'latency',
  ): number {
    let bound = Number.POSITIVE_INFINITY;
    for (const profile of entry.variants) {
      let value: number;
      if (preference === 'cost') {
        const rate = profile.cost.currency === resolved.currency ? 1 : policy.rates?.[profile.cost.currency];
        value =
          rate === undefined
            ? Number.POSITIVE_INFINITY
            : rate *
              predictCost(profile.cost, { input: resolved.inputTokens, output: resolved.outputTokens, reasoning: 0 });
      } else {
        value = latencyFloor(
          profile,
          resolved.percentile,
          resolved.inputTokens,
          resolved.outputTokens,
          task.descriptor.network,
        );
      }
      if (value < bound) bound = value;
    }
    return bound;
  }
}
