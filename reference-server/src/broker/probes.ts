/**
 * Active claims verification (spec §9.4): the broker learns without client feedback by sending registered agents
 * tasks with known answers — the reference families of §9.1 (the SDK task bank) — and verifying the answers with the
 * family's exact verifier. Each verified answer is a `verified` outcome (the only kind, with client-confirmed ones,
 * that the model learns from), appended to the outcome log like any other, so every replica learns it.
 *
 * A probe looks like ordinary forwarded traffic: the SDK's `probePlan` (fresh seeds from the platform's secure
 * generator, the family and paraphrased surface form drawn per task, a descriptor an ordinary client would send:
 * estimated complexity rounded to 0.5 with sigma 1), a fresh message id, the reasoning budget the broker forwards
 * for such a task, nothing marking it as a probe; the domains' plans are interleaved with `mixProbes`, and probes go
 * out at exponentially distributed intervals, so their positions in the traffic are random. Probes are sent straight
 * to the agent with the broker's downstream client: they are never broker tasks, so they appear in no client's task
 * list. Bounded: at most `budgetPerAgent` probes per agent per window (`ProbeBudget`: claimed in the store, so shared
 * by every replica and kept across restarts), `maxInFlight` at once, each cut off after `timeoutMs`; stopped
 * (in-flight probes aborted) by `stop` or the signal given to `start`.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentCard, Message, StreamResponse, TaskState } from '@rightsize/sdk/a2a';
import type { A2AClient } from '@rightsize/sdk/client';
import {
  type CapabilityProfile,
  forwardedBudget,
  freshSeed,
  mixProbes,
  mulberry32,
  type Prng,
  type Probe,
  probePlan,
  TASK_FAMILIES,
  type TaskInstance,
  withMessageExtension,
  withReasoningBudget,
} from '@rightsize/sdk/rightsize';
import type { Registry } from '../registry/registry.js';
import type { RoutingEngine } from '../routing/routing.js';
import type { AgentClients } from './agent-clients.js';
import type { Learner } from './learner.js';
import type { BrokerMetrics } from './metrics.js';
import type { ProbeBudget } from './probe-budget.js';

export interface ProbeOptions {
  /** Most probes sent to one agent per window by all replicas on the store together (0: none). */
  readonly budgetPerAgent: number;
  /** The budget's window (default one day). */
  readonly windowMs?: number;
  /** Mean probes per minute across the registry, per replica (exponential gaps: random positions in the traffic). */
  readonly ratePerMinute: number;
  /** Probes at once (default 2). */
  readonly maxInFlight?: number;
  /** A probe not answered by then counts as an error, not an outcome (default 60 000 ms). */
  readonly timeoutMs?: number;
  /** Probes planned per complexity offset and declared domain (spec §9.4: 10). */
  readonly perOffset?: number;
  /** Seed of the scheduler's own choices (which agent next, the gaps); default fresh. Plans always use fresh seeds. */
  readonly seed?: number;
}

/** How one probe ended: `passed`/`failed` are verified outcomes; `error` (no answer in time, transport) is none. */
export type ProbeResult = 'passed' | 'failed' | 'error';

export interface ProbeReport {
  readonly agentId: string;
  readonly domain: string;
  readonly complexity: number;
  readonly result: ProbeResult;
}

export interface ProbeSchedulerDeps {
  readonly registry: Registry;
  readonly routing: RoutingEngine;
  readonly clients: AgentClients;
  readonly learner: Learner;
  /** The shared budget each probe is claimed from before it is sent. */
  readonly budget: ProbeBudget;
  readonly metrics?: BrokerMetrics;
  /** Each probe as it is sent (the demo's simulated agents take their answer key from it); never logged. */
  readonly onSend?: (agentId: string, task: TaskInstance) => void;
  /** Each probe as it ends. */
  readonly onResult?: (report: ProbeReport) => void;
  /** Each time the store refuses an agent's probe: its budget for the current window is spent (by any replica). */
  readonly onSpent?: (agentId: string) => void;
}

export interface ProbeCounts {
  readonly sent: number;
  readonly passed: number;
  readonly failed: number;
  readonly errors: number;
}

/** One agent's probes: this broker's counts since it started, and the shared budget spent in the current window. */
export interface AgentProbeStats extends ProbeCounts {
  /** Probes claimed in the current window by every replica on the store. */
  readonly windowUsed: number;
}

export interface ProbeStats extends ProbeCounts {
  readonly budgetPerAgent: number;
  readonly windowMs: number;
  readonly agents: Readonly<Record<string, AgentProbeStats>>;
}

interface AgentPlan {
  readonly profile: CapabilityProfile;
  /** The declared profile the plan was made from, as JSON (a changed profile is planned afresh). */
  readonly declared: string;
  readonly queue: Probe[];
}

type MutableCounts = { -readonly [K in keyof ProbeCounts]: number };

const NO_PROBES: ProbeCounts = { sent: 0, passed: 0, failed: 0, errors: 0 };
/** An agent whose window's budget is spent is asked again after this long (or the window, when shorter). */
const SPENT_RECHECK_MS = 60_000;

const TEXT_ONLY = ['text/plain'];

/** Spec §9.4: the probes of an agent's declared domains, each domain's plan fresh, interleaved at random. */
export function agentProbes(profile: CapabilityProfile, budget: number, perOffset?: number): Probe[] {
  let mixed: Probe[] = [];
  for (const curve of profile.domains) {
    const plan = probePlan(curve.domain, curve.ability, perOffset !== undefined ? { perOffset } : {});
    mixed = mixProbes(mixed, plan);
  }
  return mixed.slice(0, budget);
}

/** A probe as an ordinary client's message: the prompt and the descriptor, a fresh id, nothing else. */
export function probeMessage(probe: Probe): Message {
  return withMessageExtension(
    { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: probe.task.prompt }] },
    { descriptor: probe.descriptor },
  );
}

export class ProbeScheduler {
  readonly #deps: ProbeSchedulerDeps;
  readonly #options: ProbeOptions;
  readonly #rng: Prng;
  readonly #plans = new Map<string, AgentPlan>();
  readonly #control = new AbortController();
  #inFlight = 0;
  #loop: Promise<void> | undefined;
  readonly #counts: MutableCounts = { ...NO_PROBES };
  readonly #agentCounts = new Map<string, MutableCounts>();
  /** Agents whose budget the store refused, until when this broker does not ask again. */
  readonly #spentUntil = new Map<string, number>();
  readonly #running = new Set<Promise<void>>();
  #wake: (() => void) | undefined;

  constructor(deps: ProbeSchedulerDeps, options: ProbeOptions) {
    if (!(options.budgetPerAgent >= 0) || !(options.ratePerMinute > 0))
      throw new RangeError('probes need budgetPerAgent ≥ 0 and ratePerMinute > 0');
    this.#deps = deps;
    this.#options = options;
    this.#rng = mulberry32(options.seed ?? freshSeed());
  }

  get counts(): ProbeCounts {
    return { ...this.#counts };
  }

  /** This broker's probes to one agent since it started. */
  countsOf(agentId: string): ProbeCounts {
    return { ...(this.#agentCounts.get(agentId) ?? NO_PROBES) };
  }

  /** The totals, and per agent this broker's counts and the window's shared budget spent. */
  async stats(agentIds: readonly string[]): Promise<ProbeStats> {
    const used = await this.#deps.budget.used();
    const agents: Record<string, AgentProbeStats> = {};
    for (const agentId of agentIds) agents[agentId] = { ...this.countsOf(agentId), windowUsed: used.get(agentId) ?? 0 };
    return {
      ...this.counts,
      budgetPerAgent: this.#deps.budget.perAgent,
      windowMs: this.#deps.budget.windowMs,
      agents,
    };
  }

  /** Start sending; `signal` (e.g. the broker's shutdown) stops it like `stop`. */
  start(signal?: AbortSignal): void {
    if (this.#loop) return;
    signal?.addEventListener('abort', () => this.#control.abort(), { once: true });
    this.#loop = this.#run(this.#control.signal);
  }

  /** Stop: no new probes; in-flight ones are aborted (they record no outcome). */
  async stop(): Promise<void> {
    this.#control.abort();
    this.#wake?.();
    await this.#loop;
    await Promise.allSettled([...this.#running]);
  }

  async #run(signal: AbortSignal): Promise<void> {
    const meanGapMs = 60_000 / this.#options.ratePerMinute;
    const maxInFlight = this.#options.maxInFlight ?? 2;
    while (!signal.aborted) {
      const gap = -Math.log(1 - this.#rng.next()) * meanGapMs;
      await sleep(gap, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) break;
      if (this.#inFlight >= maxInFlight) {
        // wait for a probe to end (bounded concurrency), not for time
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      // A store that cannot be reached now sends no probe this round (the next round asks again).
      const next = await this.#next().catch(() => undefined);
      if (!next || signal.aborted) continue;
      this.#inFlight++;
      const running: Promise<void> = this.#send(next.agentId, next.card, next.probe, signal).finally(() => {
        this.#inFlight--;
        this.#running.delete(running);
        this.#wake?.();
        this.#wake = undefined;
      });
      this.#running.add(running);
    }
  }

  /**
   * The next probe: a random registered, available agent whose shared budget grants one, its next planned task. The
   * budget is asked first: planning (generating the task bank's tasks) costs CPU and is done only for a granted probe.
   */
  async #next(): Promise<{ agentId: string; card: AgentCard; probe: Probe } | undefined> {
    const { registry, budget } = this.#deps;
    const now = Date.now();
    const eligible: Array<{ agentId: string; card: AgentCard; profile: CapabilityProfile }> = [];
    for (const agentId of registry.ids()) {
      const agent = registry.get(agentId);
      const card = registry.card(agentId);
      if (!agent || !card || agent.status !== 'active' || (this.#spentUntil.get(agentId) ?? 0) > now) continue;
      eligible.push({ agentId, card, profile: agent.profile });
    }
    while (eligible.length > 0) {
      const i = this.#rng.int(0, eligible.length - 1);
      const pick = eligible[i] as (typeof eligible)[number];
      if (await budget.claim(pick.agentId)) {
        // A profile that yields no probes (no domain of the task bank) spends the slot and sends nothing.
        const probe = this.#planOf(pick.agentId, pick.profile).queue.shift();
        return probe ? { agentId: pick.agentId, card: pick.card, probe } : undefined;
      }
      this.#spentUntil.set(pick.agentId, Date.now() + Math.min(SPENT_RECHECK_MS, budget.windowMs));
      this.#deps.onSpent?.(pick.agentId);
      eligible.splice(i, 1);
    }
    return undefined;
  }

  /** The agent's plan: planned (afresh) from its declared curves when new, changed or used up. */
  #planOf(agentId: string, profile: CapabilityProfile): AgentPlan {
    const plan = this.#plans.get(agentId);
    const declared = plan?.profile === profile ? plan.declared : JSON.stringify(profile);
    if (plan && plan.declared === declared && plan.queue.length > 0) return plan;
    const queue = agentProbes(profile, this.#options.budgetPerAgent, this.#options.perOffset);
    const fresh = { profile, declared, queue };
    this.#plans.set(agentId, fresh);
    return fresh;
  }

  async #send(agentId: string, card: AgentCard, probe: Probe, stop: AbortSignal): Promise<void> {
    const { routing, clients, learner, metrics } = this.#deps;
    const { task, descriptor } = probe;
    const counts = this.#agentCounts.get(agentId) ?? { ...NO_PROBES };
    this.#agentCounts.set(agentId, counts);
    this.#counts.sent++;
    counts.sent++;
    this.#deps.onSend?.(agentId, task);
    const request = { descriptor, text: task.prompt, inputModes: TEXT_ONLY };
    // The reasoning budget the broker would forward to this agent for such a task (spec §5.3), as for any task.
    const assessed = routing.explain(request).result;
    const assessment = [...assessed.ranked, ...assessed.rejected].find((a) => a.agentId === agentId);
    const profile = this.#plans.get(agentId)?.profile;
    const budget = assessment && profile ? forwardedBudget(profile, assessment) : undefined;
    const message = budget ? withReasoningBudget(probeMessage(probe), budget) : probeMessage(probe);
    const signal = AbortSignal.any([stop, AbortSignal.timeout(this.#options.timeoutMs ?? 60_000)]);
    let result: ProbeResult = 'error';
    try {
      const answer = await answerOf(clients.get(agentId, card), card, message, signal);
      if (answer) {
        const family = TASK_FAMILIES[task.family];
        const success = answer.state === 'TASK_STATE_COMPLETED' && family?.verify(task, answer.text) === true;
        result = success ? 'passed' : 'failed';
        // Spec §9.4: a verifier decided this outcome; the complexity is the task's, known by construction.
        await learner.observe({
          taskId: undefined,
          agentId,
          domain: task.domain,
          complexity: task.complexity,
          success,
          source: 'probe',
          evidence: 'verified',
          features: routing.features(task.prompt, task.domain, descriptor.complexity?.value),
        });
      }
    } catch {
      // no answer (timeout, transport, stopped): no outcome
    }
    const counter = result === 'error' ? 'errors' : result;
    this.#counts[counter]++;
    counts[counter]++;
    if (!stop.aborted || result !== 'error') {
      metrics?.probes.inc({ agent: agentId, result });
      this.#deps.onResult?.({ agentId, domain: task.domain, complexity: task.complexity, result });
    }
  }
}

const TERMINAL: readonly TaskState[] = [
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_REJECTED',
  'TASK_STATE_CANCELED',
];

const partsText = (parts: Message['parts']) =>
  parts.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join('');

/**
 * The agent's answer: its end state and its text (the artifacts', else the final message's). Undefined when the
 * agent ended otherwise than completed, failed or rejected (canceled, input or auth required: no outcome); such a
 * task is canceled downstream.
 */
async function answerOf(
  client: A2AClient,
  card: AgentCard,
  message: Message,
  signal: AbortSignal,
): Promise<{ state: TaskState; text: string } | undefined> {
  const artifacts = new Map<string, string>();
  let state: TaskState | undefined;
  let final = '';
  let downstreamTaskId: string | undefined;
  const take = (event: StreamResponse) => {
    if (event.message) {
      state = 'TASK_STATE_COMPLETED';
      final = partsText(event.message.parts);
      return;
    }
    const task = event.task;
    if (task) {
      downstreamTaskId = task.id;
      for (const a of task.artifacts ?? []) artifacts.set(a.artifactId, partsText(a.parts));
    }
    const update = event.artifactUpdate;
    if (update) {
      const text = partsText(update.artifact.parts);
      artifacts.set(
        update.artifact.artifactId,
        (update.append ? (artifacts.get(update.artifact.artifactId) ?? '') : '') + text,
      );
    }
    const status = task?.status ?? event.statusUpdate?.status;
    if (event.statusUpdate) downstreamTaskId = event.statusUpdate.taskId;
    if (status && status.state !== 'TASK_STATE_SUBMITTED' && status.state !== 'TASK_STATE_WORKING') {
      state = status.state;
      if (status.message) final = partsText(status.message.parts);
    }
  };
  if (card.capabilities.streaming) {
    for await (const event of client.sendStreamingMessage(message, { signal })) {
      take(event);
      if (state) break;
    }
  } else take(await client.sendMessage(message, { signal }));
  if (state === 'TASK_STATE_FAILED' || state === 'TASK_STATE_REJECTED' || state === 'TASK_STATE_COMPLETED')
    // The answer is the task's artifacts (A2A's result); the final message only when there are none.
    return { state, text: artifacts.size > 0 ? [...artifacts.values()].join('\n') : final };
  if (downstreamTaskId && !(state && TERMINAL.includes(state)))
    await client.cancelTask(downstreamTaskId, { timeoutMs: 10_000 }).catch(() => undefined);
  return undefined;
}
