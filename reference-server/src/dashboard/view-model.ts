/**
 * What the dashboard shows, computed from the feed: tasks folded from their events (idempotent by sequence number,
 * so a resumed feed never shows a task twice), why each candidate was not chosen, and the outcomes of the routed
 * tasks beside two fixed policies for the same tasks, an agent's probe counts. Pure functions, no DOM: the browser bundles this module and
 * the tests import it.
 */
import type { CandidateAssessment, Predictions, RoutingDecision, TaskDescriptor } from '@rightsize/sdk/rightsize';
import type { FeedEntry, FleetProbes } from './protocol.js';

export interface AttemptRow {
  readonly agentId: string;
  readonly state: string;
  readonly success: boolean;
  readonly durationMs: number;
}

export interface TaskRow {
  /** The broker's task id, or the decision id of a refused request. */
  readonly key: string;
  readonly taskId: string | null;
  readonly at: string;
  readonly text: string;
  readonly owner: string;
  readonly descriptor: TaskDescriptor | undefined;
  readonly decision: RoutingDecision | undefined;
  /** Registered agents the decision record does not list, assessed for the dashboard at decision time. */
  readonly unlisted: readonly CandidateAssessment[];
  /** Refused before a task existed (NO_CAPABLE_AGENT). */
  readonly refused: boolean;
  readonly attempts: AttemptRow[];
  readonly escalations: Array<{ from: string; to: string; reason: string }>;
  /** The agent working on it now (the last one tried). */
  agent: string | null;
  state: string;
  finished: boolean;
  durationMs: number | null;
  firstResponseMs: number | null;
}

export const ROUTING = 'ROUTING';

/** Tasks from feed entries, newest first; entries at or below the last sequence number applied are ignored. */
export class TaskBook {
  readonly #rows = new Map<string, TaskRow>();
  #last = 0;
  readonly #limit: number;

  constructor(limit = 1000) {
    this.#limit = limit;
  }

  get lastSeq(): number {
    return this.#last;
  }

  get size(): number {
    return this.#rows.size;
  }

  clear(): void {
    this.#rows.clear();
    this.#last = 0;
  }

  get(key: string): TaskRow | undefined {
    return this.#rows.get(key);
  }

  /** Newest first. */
  list(): TaskRow[] {
    return [...this.#rows.values()].reverse();
  }

  /** Apply one entry; false when it was already applied (a duplicate after a resume). */
  apply(entry: FeedEntry): boolean {
    if (entry.seq <= this.#last) return false;
    this.#last = entry.seq;
    if (entry.kind === 'decided') {
      const key = entry.taskId ?? entry.decision.decisionId;
      this.#rows.set(key, {
        key,
        taskId: entry.taskId,
        at: entry.at,
        text: entry.text,
        owner: entry.owner,
        descriptor: entry.descriptor,
        decision: entry.decision,
        unlisted: entry.unlisted ?? [],
        refused: entry.taskId === null,
        attempts: [],
        escalations: [],
        agent: entry.decision.chosen,
        state: entry.taskId === null ? 'NO_CAPABLE_AGENT' : ROUTING,
        finished: entry.taskId === null,
        durationMs: null,
        firstResponseMs: null,
      });
      this.#trim();
      return true;
    }
    const row = this.#rows.get(entry.taskId) ?? this.#followUp(entry);
    if (entry.kind === 'attempt') {
      row.attempts.push({
        agentId: entry.agentId,
        state: entry.state,
        success: entry.success,
        durationMs: entry.durationMs,
      });
      row.agent = entry.agentId;
    } else if (entry.kind === 'escalated') {
      row.escalations.push({ from: entry.from, to: entry.to, reason: entry.reason });
      row.agent = entry.to;
    } else {
      row.state = entry.state;
      row.finished = true;
      row.durationMs = entry.durationMs;
      row.firstResponseMs = entry.firstResponseMs;
    }
    return true;
  }

  /** A task the broker did not decide here (a follow-up in a task or context that an agent already holds). */
  #followUp(entry: FeedEntry & { taskId: string }): TaskRow {
    const row: TaskRow = {
      key: entry.taskId,
      taskId: entry.taskId,
      at: entry.at,
      text: '(follow-up: stays with the agent that holds the task or context)',
      owner: '',
      descriptor: undefined,
      decision: undefined,
      unlisted: [],
      refused: false,
      attempts: [],
      escalations: [],
      agent: null,
      state: ROUTING,
      finished: false,
      durationMs: null,
      firstResponseMs: null,
    };
    this.#rows.set(entry.taskId, row);
    this.#trim();
    return row;
  }

  #trim(): void {
    while (this.#rows.size > this.#limit) {
      const oldest = this.#rows.keys().next().value;
      if (oldest === undefined) break;
      this.#rows.delete(oldest);
    }
  }
}

export const predictionsOf = (
  decision: RoutingDecision | undefined,
  agentId: string | null,
): Predictions | undefined =>
  agentId ? decision?.candidates.find((c) => c.agentId === agentId)?.predictions : undefined;

const REASON_TEXT: Record<string, string> = {
  SKILL_UNAVAILABLE: 'no skill for this task',
  AGENT_UNAVAILABLE: 'unavailable (failed its health check)',
  DOMAIN_UNSUPPORTED: 'does not declare this domain',
  CAPABILITY_CEILING: 'success below the minimum',
  BUDGET_CEILING: 'the task needs more reasoning than its budget',
  FIRST_RESPONSE_DEADLINE: 'first response would miss the deadline',
  COMPLETION_DEADLINE: 'completion would miss the deadline',
  CURRENCY_MISMATCH: 'priced in another currency',
  COST_CAP: 'costs more than the cap',
  PLACEMENT_NOT_ALLOWED: 'placement not allowed',
  REGION_NOT_ALLOWED: 'region not allowed',
  MODALITY_UNSUPPORTED: 'cannot take or give these media types',
  CAPACITY_EXHAUSTED: 'at capacity',
};

const money = (n: number) => (n === 0 ? '$0' : n < 0.01 ? `$${n.toExponential(2)}` : `$${n.toFixed(4)}`);
const ms = (n: number) => `${Math.round(n)} ms`;
const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

/** Why this candidate was (or was not) chosen, in words with the numbers that decided it. */
export function whyNot(candidate: CandidateAssessment, decision: RoutingDecision, descriptor?: TaskDescriptor): string {
  const p = candidate.predictions;
  if (candidate.agentId === decision.chosen)
    return `chosen (${decision.selection.join(', ').toLowerCase().replace(/_/g, ' ')})`;
  if (!candidate.feasible) {
    const limits = descriptor?.constraints;
    return candidate.reasons
      .map((r) => {
        const base = REASON_TEXT[r] ?? r;
        if (!p) return base;
        if (r === 'CAPABILITY_CEILING') return `${base}: ${pct(p.success)} < ${pct(decision.minSuccess)}`;
        if (r === 'FIRST_RESPONSE_DEADLINE' && limits?.firstResponseDeadlineMs !== undefined)
          return `${base}: ${ms(p.firstResponseMs)} > ${ms(limits.firstResponseDeadlineMs)}`;
        if (r === 'COMPLETION_DEADLINE' && limits?.completionDeadlineMs !== undefined)
          return `${base}: ${ms(p.completionMs)} > ${ms(limits.completionDeadlineMs)}`;
        if (r === 'COST_CAP' && limits?.maxCost)
          return `${base}: ${money(p.cost.amount)} > ${money(limits.maxCost.amount)}`;
        return base;
      })
      .join('; ');
  }
  const chosen = predictionsOf(decision, decision.chosen);
  const plan = decision.escalation.indexOf(candidate.agentId);
  const escalation = plan > 0 ? `; escalation step ${plan} if the chosen agent fails` : '';
  if (!p || !chosen) return `ranked #${candidate.rank ?? '?'}${escalation}`;
  const by: Record<string, string> = {
    cost: `cost per success ${money(p.costPerSuccess ?? Number.POSITIVE_INFINITY)} vs ${money(chosen.costPerSuccess ?? 0)}`,
    latency: `completion ${ms(p.completionMs)} vs ${ms(chosen.completionMs)}`,
    quality: `success ${pct(p.success)} vs ${pct(chosen.success)}`,
  };
  return `ranked #${candidate.rank ?? '?'}: ${by[decision.preference] ?? `by ${decision.preference}`}${escalation}`;
}

export type Policy = 'routed' | 'strongest' | 'cheapest';

export interface PolicyTotals {
  readonly tasks: number;
  /** Routed: tasks that succeeded; baselines: the sum of their predicted success probabilities. */
  readonly successes: number;
  readonly cost: number;
  readonly deadlineMisses: number;
}

export interface OutcomeSeries {
  /** Task number, in the order tasks finished. */
  readonly x: number[];
  readonly cost: Record<Policy, number[]>;
  readonly successRate: Record<Policy, number[]>;
}

export interface Outcomes {
  readonly totals: Record<Policy, PolicyTotals>;
  readonly series: OutcomeSeries;
}

const usable = (c: CandidateAssessment): c is CandidateAssessment & { predictions: Predictions } =>
  c.predictions !== undefined && !c.reasons.includes('AGENT_UNAVAILABLE');

/**
 * The agent with the highest predicted success, and the cheapest one, among the candidates of a decision (with the
 * agents the record does not list, so the fixed policies choose from the whole fleet).
 */
export function baselines(decision: RoutingDecision, unlisted: readonly CandidateAssessment[] = []) {
  const pool = [...decision.candidates, ...unlisted].filter(usable);
  const strongest = pool.reduce<(typeof pool)[number] | undefined>(
    (best, c) => (!best || c.predictions.success > best.predictions.success ? c : best),
    undefined,
  );
  const cheapest = pool.reduce<(typeof pool)[number] | undefined>(
    (best, c) => (!best || c.predictions.cost.amount < best.predictions.cost.amount ? c : best),
    undefined,
  );
  return { strongest, cheapest };
}

function missed(p: { firstResponseMs: number | null; completionMs: number | null }, d?: TaskDescriptor): boolean {
  const first = d?.constraints?.firstResponseDeadlineMs;
  const done = d?.constraints?.completionDeadlineMs;
  return (
    (first !== undefined && (p.firstResponseMs === null || p.firstResponseMs > first)) ||
    (done !== undefined && (p.completionMs === null || p.completionMs > done))
  );
}

/**
 * Routed tasks that finished (the refused ones have no agent to compare), in order: the broker's measured outcome
 * and the cost of every attempt it made (priced by the decision's predictions), beside what the strongest and the
 * cheapest candidate of the same decision were predicted to achieve and cost, and their deadline misses.
 */
export function outcomes(rows: readonly TaskRow[]): Outcomes {
  const done = rows
    .filter((r) => r.finished && !r.refused && r.decision?.chosen)
    .sort((a, b) => (a.at < b.at ? -1 : 1));
  const zero = (): PolicyTotals => ({ tasks: 0, successes: 0, cost: 0, deadlineMisses: 0 });
  const totals: Record<Policy, PolicyTotals> = { routed: zero(), strongest: zero(), cheapest: zero() };
  const series: OutcomeSeries = {
    x: [],
    cost: { routed: [], strongest: [], cheapest: [] },
    successRate: { routed: [], strongest: [], cheapest: [] },
  };
  const add = (policy: Policy, success: number, cost: number, miss: boolean) => {
    const t = totals[policy];
    totals[policy] = {
      tasks: t.tasks + 1,
      successes: t.successes + success,
      cost: t.cost + cost,
      deadlineMisses: t.deadlineMisses + (miss ? 1 : 0),
    };
  };
  for (const row of done) {
    const decision = row.decision as RoutingDecision;
    const cost = row.attempts.reduce((sum, a) => sum + (predictionsOf(decision, a.agentId)?.cost.amount ?? 0), 0);
    add(
      'routed',
      row.state === 'TASK_STATE_COMPLETED' || row.state === 'MESSAGE' ? 1 : 0,
      cost,
      missed({ firstResponseMs: row.firstResponseMs, completionMs: row.durationMs }, row.descriptor),
    );
    const { strongest, cheapest } = baselines(decision, row.unlisted);
    for (const [policy, c] of [
      ['strongest', strongest],
      ['cheapest', cheapest],
    ] as const) {
      const p = c?.predictions;
      add(policy, p?.success ?? 0, p?.cost.amount ?? 0, p ? missed(p, row.descriptor) : true);
    }
    series.x.push(series.x.length + 1);
    for (const policy of ['routed', 'strongest', 'cheapest'] as const) {
      const t = totals[policy];
      series.cost[policy].push(t.cost);
      series.successRate[policy].push(t.tasks ? t.successes / t.tasks : 0);
    }
  }
  return { totals, series };
}

/** Nearest-rank percentile of sorted values; null when empty. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? null;
}

export interface TierLatency {
  readonly tier: string;
  readonly attempts: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

/** Measured attempt durations per tier (device / edge / cloud). */
export function latencyByTier(rows: readonly TaskRow[], tierOf: (agentId: string) => string): TierLatency[] {
  const by = new Map<string, number[]>();
  for (const row of rows)
    for (const a of row.attempts) {
      const tier = tierOf(a.agentId);
      const list = by.get(tier) ?? [];
      list.push(a.durationMs);
      by.set(tier, list);
    }
  const order = ['device', 'edge', 'cloud'];
  return [...by.entries()]
    .sort(([a], [b]) => (order.indexOf(a) + 1 || 9) - (order.indexOf(b) + 1 || 9) || a.localeCompare(b))
    .map(([tier, list]) => {
      const sorted = [...list].sort((x, y) => x - y);
      return {
        tier,
        attempts: sorted.length,
        p50: percentile(sorted, 0.5),
        p95: percentile(sorted, 0.95),
        p99: percentile(sorted, 0.99),
      };
    });
}

/** Tasks in flight per agent (the broker's own view of load). */
export function inflightByAgent(rows: readonly TaskRow[]): Map<string, number> {
  const load = new Map<string, number>();
  for (const row of rows) if (!row.finished && row.agent) load.set(row.agent, (load.get(row.agent) ?? 0) + 1);
  return load;
}

/** A window length in words: whole days, else whole hours, else minutes. */
function windowText(ms: number): string {
  const hour = 3_600_000;
  if (ms % (24 * hour) === 0) return ms === 24 * hour ? 'day' : `${ms / (24 * hour)} days`;
  if (ms % hour === 0) return ms === hour ? 'hour' : `${ms / hour} h`;
  return `${Math.round(ms / 60_000)} min`;
}

/** An agent's known-answer probes in one line: this broker's results, then the window's shared budget. */
export function probeSummary(probes: FleetProbes | null): string {
  if (!probes) return 'off';
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const results = `${probes.passed} passed, ${probes.failed} failed, ${plural(probes.errors, 'error')}`;
  const budget = `budget ${probes.windowUsed} of ${probes.budgetPerAgent} per ${windowText(probes.windowMs)} used (all replicas)`;
  return `${probes.sent} sent by this broker: ${results}; ${budget}`;
}
