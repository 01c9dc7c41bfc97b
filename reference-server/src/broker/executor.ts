/**
 * The routing executor: the broker's `AgentExecutor` for the SDK's agent server. For a new task it takes the
 * decision (made by the request guard, or now), forwards the message to the chosen agent with the broker's own
 * client and credentials (`withoutNetwork`), relays the agent's events as they arrive under the broker's ids,
 * escalates along the plan when an attempt fails (spec §7.4: a failed attempt's terminal event and buffered
 * artifacts never reach the client), enforces the completion deadline, propagates cancellation, writes the decision
 * record and usage report on the task (spec §7.5, §7.6) and records each attempt's outcome for learning (§8.2).
 * Follow-ups (same task, or same context) stay with the agent that holds them.
 */
import { randomUUID } from 'node:crypto';
import type { Artifact, Message, StreamResponse, TaskState } from '@rightsize/sdk/a2a';
import type { A2AClient } from '@rightsize/sdk/client';
import {
  type Assessment,
  forwardedBudget,
  RIGHTSIZE_EXTENSION_URI,
  type RoutingDecision,
  readTaskExtension,
  type TaskExtensionData,
  type TaskFeatures,
  type UsageReport,
  withoutNetwork,
  withReasoningBudget,
} from '@rightsize/sdk/rightsize';
import { type AgentExecutor, type ExecutionContext, isSettled, type TaskEvents } from '@rightsize/sdk/server';
import type { BrokerStore, TaskRoute } from '../db/store.js';
import type { Registry } from '../registry/registry.js';
import { type Route, type RoutingEngine, routeRequestOf, textOf } from '../routing/routing.js';
import type { AgentClients } from './agent-clients.js';
import type { Learner } from './learner.js';
import type { BrokerMetrics } from './metrics.js';
import type { PendingDecisions, PendingEntry } from './pending.js';
import { RelayOrder } from './relay-order.js';
import type { RoutingEvents } from './routing-events.js';

export interface RoutingExecutorOptions {
  readonly store: BrokerStore;
  readonly routing: RoutingEngine;
  readonly registry: Registry;
  readonly clients: AgentClients;
  readonly pending: PendingDecisions;
  readonly learner: Learner;
  readonly metrics?: BrokerMetrics;
  /** Observers of decisions, attempts and escalations (the dashboard). */
  readonly events?: RoutingEvents;
  /** How long to wait for a downstream CancelTask (default 5 s). */
  readonly cancelTimeoutMs?: number;
  /**
   * Watch the task's event log for a CancelTask served by another replica (several brokers on one PostgreSQL), and
   * cancel downstream when one appears. Default false (one process sees its own cancels directly).
   */
  readonly watchRemoteCancels?: boolean;
  /**
   * Longest wait for the next event (or the answer) of an agent before the attempt fails as a transport error: the
   * agent's task is canceled and the plan goes on (default 600 000 ms). Bounds a hanging agent when the task has
   * no deadline.
   */
  readonly idleTimeoutMs?: number;
}

/** Default of `RoutingExecutorOptions.idleTimeoutMs`. */
export const DEFAULT_IDLE_TIMEOUT_MS = 600_000;

type Attempt = NonNullable<RoutingDecision['attempts']>[number];

/** How one forwarded attempt ended. */
type AttemptEnd =
  | { readonly kind: 'answered'; readonly state: TaskState | 'MESSAGE' }
  | {
      readonly kind: 'failed';
      readonly state: TaskState | 'ERROR';
      readonly message: string;
      readonly outcome: boolean;
    }
  | { readonly kind: 'canceled' }
  | { readonly kind: 'deadline' };

const FAILED_STATES: readonly TaskState[] = ['TASK_STATE_FAILED', 'TASK_STATE_REJECTED'];

const agentText = (message: Message | undefined) =>
  message?.parts.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join('') ?? '';

/** A downstream message as the sink takes it: the parts and metadata; the sink assigns the broker's ids. */
const relayable = (message: Message) => ({
  parts: message.parts,
  ...(message.metadata ? { metadata: message.metadata } : {}),
  ...(message.extensions ? { extensions: message.extensions } : {}),
});

/** Everything one task's forwarding needs to share between attempts. */
class Relay {
  created = false;
  readonly ext: TaskExtensionData & { decision?: RoutingDecision } = {};
  readonly attempts: Attempt[] = [];

  constructor(readonly events: TaskEvents) {}

  /** The task's domain (for outcomes). */
  domain: string | undefined;
  /** How many attempts the stored decision record lists. */
  storedAttempts = -1;
  /** The client waits for the final answer only (see `PendingEntry.unary`). */
  unary = false;

  /** The decision record with the attempts so far. */
  decision(): RoutingDecision | undefined {
    return this.ext.decision ? { ...this.ext.decision, attempts: [...this.attempts] } : undefined;
  }

  /** Create the broker's task (if not yet) with the decision record on it, then publish the extension data. */
  publish(): void {
    const decision = this.decision();
    this.events.metadata({ [RIGHTSIZE_EXTENSION_URI]: { ...this.ext, ...(decision ? { decision } : {}) } });
    this.created = true;
  }

  ensure(): void {
    if (!this.created) this.publish();
  }
}

export class RoutingExecutor implements AgentExecutor {
  readonly #o: RoutingExecutorOptions;

  constructor(options: RoutingExecutorOptions) {
    this.#o = options;
  }

  async execute(context: ExecutionContext, events: TaskEvents): Promise<void> {
    try {
      await this.#execute(context, events);
    } finally {
      this.#o.pending.forget(context.taskId);
    }
  }

  async #execute(context: ExecutionContext, events: TaskEvents): Promise<void> {
    const owner = context.principal.id;
    const pending = this.#o.pending.take(owner, context.message.messageId);
    await this.#o.learner.feedbackFromMessage(context.message, owner, pending?.extension);
    const relay = new Relay(events);
    relay.unary = pending?.unary === true;
    if (context.task) {
      const route = await this.#o.store.route(context.taskId);
      if (!route) return events.fail('the broker has no route for this task');
      await this.#forwardFollowUp(
        context,
        relay,
        route.agentId,
        route.downstreamTaskId,
        route.downstreamContextId,
        owner,
      );
      return;
    }
    // The guard decided a new route only when no agent holds the context: no need to look again.
    const held =
      !pending?.route && context.message.contextId
        ? await this.#o.store.contextRoute(owner, context.contextId)
        : undefined;
    if (held && this.#o.registry.card(held.agentId)) {
      await this.#forwardFollowUp(context, relay, held.agentId, undefined, held.downstreamContextId, owner);
      return;
    }
    const route = pending?.route ?? this.#route(context.message, pending?.extension);
    relay.ext.decision = route.decision;
    relay.domain = route.descriptor.domain;
    // The task is created with its decision record, so the first Task event of a stream carries it (spec §7.5).
    this.#o.pending.initialMetadata(context.taskId, { [RIGHTSIZE_EXTENSION_URI]: { decision: relay.decision() } });
    this.#o.events?.emit({
      kind: 'decided',
      taskId: context.taskId,
      owner,
      descriptor: route.descriptor,
      text: textOf(context.message),
      decision: route.decision,
    });
    if (!route.decision.chosen) {
      // Normally answered by the request guard before a task exists (spec §7.7); here the registry changed since.
      relay.publish();
      events.fail(`no capable agent: ${route.result.rejected[0]?.reasons.join(', ') ?? 'the registry is empty'}`);
    } else await this.#cascade(context, relay, route, owner);
    // The final decision with every attempt, written after the client has its answer, unless the last outcome
    // already stored it as it is.
    if (relay.storedAttempts !== relay.attempts.length)
      await this.#o.store.saveDecision(relay.decision() as RoutingDecision, context.taskId, route.descriptor.domain);
  }

  /** Decide here: the guard did not (the registry or the context's agent changed since), or the request bypassed it. */
  #route(message: Message, extension: PendingEntry['extension']): Route {
    const started = performance.now();
    const route = this.#o.routing.route(routeRequestOf(message, undefined, extension));
    this.#o.metrics?.decisionSeconds.observe((performance.now() - started) / 1000);
    return route;
  }

  /** Try the plan in order (spec §7.4) until an attempt answers, the deadline passes or the client cancels. */
  async #cascade(context: ExecutionContext, relay: Relay, route: Route, owner: string): Promise<void> {
    const plan = route.decision.escalation;
    const deadlineMs = route.descriptor.constraints?.completionDeadlineMs;
    const started = Date.now();
    const assessed = [...route.result.ranked, ...route.result.rejected];
    const modes = route.decision.escalationModes;
    /** The assessment of step `i` of the plan: its agent in the mode the plan names (spec §4.9). */
    const step = (i: number) => {
      const mode = modes?.[i] ?? undefined;
      return assessed.find((a: Assessment) => a.agentId === plan[i] && (mode === undefined || a.mode === mode));
    };
    let lastFailure = '';
    for (const [i, agentId] of plan.entries()) {
      if (i > 0) {
        const elapsed = Date.now() - started;
        if (deadlineMs !== undefined && elapsed + (step(i)?.predictions.completionMs ?? 0) > deadlineMs) break;
        this.#o.metrics?.escalations.inc({ from: plan[i - 1] as string, to: agentId });
        this.#o.events?.emit({
          kind: 'escalated',
          taskId: context.taskId,
          from: plan[i - 1] as string,
          to: agentId,
          reason: lastFailure,
        });
        relay.ensure();
        relay.events.working(`${plan[i - 1]} did not succeed (${lastFailure}); escalating to ${agentId}`);
      }
      const next = plan[i + 1];
      const end = await this.#attempt(context, relay, {
        agentId,
        owner,
        decisionId: route.decision.decisionId,
        live: i === plan.length - 1,
        deadlineAt:
          deadlineMs !== undefined
            ? attemptCutoff(
                started + deadlineMs,
                next ? (step(i + 1)?.predictions.completionMs ?? 0) : undefined,
                deadlineMs,
              )
            : undefined,
        assessment: step(i),
        domain: route.descriptor.domain,
        complexity: route.result.task.complexity.value,
        features: route.features,
      });
      if (end.kind === 'answered' || end.kind === 'canceled') return;
      if (end.kind === 'deadline' && next && deadlineMs !== undefined && Date.now() < started + deadlineMs) {
        lastFailure = `${agentId} did not finish in time to leave the next agent room before the deadline`;
        continue;
      }
      if (end.kind === 'deadline') {
        relay.publish();
        return relay.events.fail(`the completion deadline of ${deadlineMs} ms passed; the agent's task was canceled`);
      }
      lastFailure = end.message;
    }
    relay.publish();
    relay.events.fail(`every agent in the plan failed; last: ${lastFailure}`);
  }

  async #forwardFollowUp(
    context: ExecutionContext,
    relay: Relay,
    agentId: string,
    downstreamTaskId: string | undefined,
    downstreamContextId: string | undefined,
    owner: string,
  ): Promise<void> {
    const decision = context.task ? (await this.#o.store.decisionForTask(context.taskId))?.decision : undefined;
    if (decision) relay.ext.decision = decision;
    const existing = context.task ? readTaskExtension(context.task) : undefined;
    if (existing?.ok) Object.assign(relay.ext, existing.value);
    relay.attempts.push(...(relay.ext.decision?.attempts ?? []));
    relay.created = context.task !== undefined;
    const end = await this.#attempt(context, relay, {
      agentId,
      owner,
      decisionId: decision?.decisionId,
      live: true,
      downstreamTaskId,
      downstreamContextId,
      deadlineAt: undefined,
      domain: undefined,
      complexity: undefined,
      features: undefined,
    });
    if (end.kind === 'failed') {
      relay.publish();
      relay.events.fail(end.message);
    }
  }

  /** Forward the message to one agent and relay its events; never relays a failed terminal state. */
  async #attempt(
    context: ExecutionContext,
    relay: Relay,
    a: {
      agentId: string;
      owner: string;
      decisionId: string | undefined;
      /** Relay artifacts as they arrive (last attempt of the plan); otherwise buffer them until success. */
      live: boolean;
      downstreamTaskId?: string | undefined;
      downstreamContextId?: string | undefined;
      deadlineAt: number | undefined;
      /** The matcher's assessment of this attempt's agent and mode: predictions and the budget to forward. */
      assessment?: Pick<Assessment, 'mode' | 'predictions'> | undefined;
      domain: string | undefined;
      complexity: number | undefined;
      features: TaskFeatures | undefined;
    },
  ): Promise<AttemptEnd> {
    const card = this.#o.registry.card(a.agentId);
    if (!card)
      return { kind: 'failed', state: 'ERROR', message: `${a.agentId} is no longer registered`, outcome: false };
    const client = this.#o.clients.get(a.agentId, card);
    const route: TaskRoute = {
      taskId: context.taskId,
      contextId: context.contextId,
      agentId: a.agentId,
      downstreamTaskId: a.downstreamTaskId,
      downstreamContextId: a.downstreamContextId,
      decisionId: a.decisionId,
      owner: a.owner,
    };
    let current = route;
    const { taskId: _t, contextId: _c, referenceTaskIds: _r, ...rest } = context.message;
    const forwarded = withoutNetwork({
      ...rest,
      messageId: randomUUID(),
      ...(a.downstreamTaskId ? { taskId: a.downstreamTaskId } : {}),
      ...(a.downstreamContextId ? { contextId: a.downstreamContextId } : {}),
    });
    const profile = this.#o.registry.profile(a.agentId);
    const budget = a.assessment && profile ? forwardedBudget(profile, a.assessment) : undefined;
    const outgoing = budget ? withReasoningBudget(forwarded, budget) : forwarded;
    // One controller ends the attempt, whichever of these happened (several may): the deadline passed, another
    // replica served a CancelTask, the agent stayed silent too long.
    const ended = new Set<'deadline' | 'remote' | 'idle'>();
    const stop = new AbortController();
    const end = (why: 'deadline' | 'remote' | 'idle') => {
      ended.add(why);
      stop.abort();
    };
    let watching = false;
    const timer =
      a.deadlineAt !== undefined
        ? setTimeout(() => end('deadline'), Math.max(0, a.deadlineAt - Date.now()))
        : undefined;
    const idleMs = this.#o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    // The agent's SendMessage when nobody can watch the attempt's progress: the client waits for the answer only,
    // the broker's task does not exist yet (nobody can cancel it), no deadline needs the downstream task's id to
    // cancel it (spec §7.4), and the idle timeout is not shorter than the request may take (a SendMessage shows no
    // sign of life before its answer; the client's time limit bounds it, so the idle timer starts only if a task it
    // answered is then followed). It saves the SSE framing at both ends of the hop.
    const unary = relay.unary && !relay.created && a.deadlineAt === undefined && idleMs >= this.#o.clients.timeoutMs;
    const idle = () => setTimeout(() => end('idle'), idleMs);
    let idleTimer = unary ? undefined : idle();
    // The client's cancel ends the attempt too (one listener, removed at the end, rather than a combined signal).
    const cancel = () => stop.abort();
    if (context.signal.aborted) stop.abort();
    else context.signal.addEventListener('abort', cancel, { once: true });
    const signal = stop.signal;
    const buffered: Array<{ artifact: Artifact; append?: boolean; lastChunk?: boolean }> = [];
    const attempt: Attempt = {
      agentId: a.agentId,
      ...(a.downstreamTaskId ? { taskId: a.downstreamTaskId } : {}),
    } as Attempt;
    const started = performance.now();
    const ids = async (taskId: string | undefined, contextId: string | undefined) => {
      if (taskId === current.downstreamTaskId && contextId === current.downstreamContextId) return;
      current = { ...current, downstreamTaskId: taskId, downstreamContextId: contextId };
      if (taskId) (attempt as { taskId?: string }).taskId = taskId;
      await this.#o.store.saveRoute(current);
    };
    const finish = async (state: TaskState | 'ERROR', usage: UsageReport | undefined, observed: boolean) => {
      (attempt as { state?: string }).state = state === 'ERROR' ? 'TASK_STATE_FAILED' : state;
      if (usage) (attempt as { usage?: UsageReport }).usage = usage;
      relay.attempts.push(attempt);
      if (usage) relay.ext.usage = usage;
      const success =
        state === 'TASK_STATE_COMPLETED' &&
        !(usage?.selfReportedSuccess !== undefined && usage.selfReportedSuccess < 0.5);
      this.#o.metrics?.routed.inc({
        agent: a.agentId,
        outcome: state === 'ERROR' ? 'error' : state.replace('TASK_STATE_', '').toLowerCase(),
      });
      const seconds = (performance.now() - started) / 1000;
      this.#o.metrics?.attemptSeconds.observe({ agent: a.agentId }, seconds);
      const predicted = a.assessment?.predictions;
      if (observed && predicted) {
        this.#o.metrics?.predictedSuccess.inc({ agent: a.agentId }, predicted.success);
        if (predicted.completionMs > 0)
          this.#o.metrics?.latencyRatio.observe({ agent: a.agentId }, (seconds * 1000) / predicted.completionMs);
      }
      this.#o.events?.emit({
        kind: 'attempt',
        taskId: context.taskId,
        agentId: a.agentId,
        state,
        success,
        durationMs: seconds * 1000,
        ...(usage ? { usage } : {}),
      });
      if (observed && a.domain !== undefined && a.complexity !== undefined) {
        const decision = relay.decision();
        await this.#o.learner.observe(
          {
            taskId: context.taskId,
            agentId: a.agentId,
            domain: a.domain,
            complexity: a.complexity,
            success,
            source: 'state',
            // The agent's own terminal state: logged, but spec §9.4 forbids learning from it.
            evidence: 'self-reported',
            ...(a.features ? { features: a.features } : {}),
          },
          decision ? { decision, domain: a.domain } : undefined,
        );
        if (decision) relay.storedAttempts = decision.attempts?.length ?? 0;
      }
    };
    const relayArtifact = (artifact: Artifact, options: { append?: boolean; lastChunk?: boolean }) => {
      if (a.live) {
        relay.ensure();
        relay.events.artifact(artifact, options);
      } else buffered.push({ artifact, ...options });
    };
    const answer = async (state: TaskState, message: Message | undefined, usage: UsageReport | undefined) => {
      await finish(state, usage, true);
      relay.publish();
      for (const b of buffered)
        relay.events.artifact(b.artifact, {
          ...(b.append ? { append: true } : {}),
          ...(b.lastChunk ? { lastChunk: true } : {}),
        });
      const input = message ? relayable(message) : undefined;
      if (state === 'TASK_STATE_COMPLETED') relay.events.complete(input);
      else if (state === 'TASK_STATE_INPUT_REQUIRED') relay.events.inputRequired(input ?? 'input required');
      else if (state === 'TASK_STATE_AUTH_REQUIRED') relay.events.authRequired(input ?? 'authentication required');
      else relay.events.fail(`the agent ended the task as ${state}${message ? `: ${agentText(message)}` : ''}`);
      return { kind: 'answered', state } as const;
    };
    try {
      const stream: AsyncIterable<StreamResponse> =
        card.capabilities.streaming && !unary
          ? client.sendStreamingMessage(outgoing, { signal })
          : answerOf(client, outgoing, signal, card.capabilities.streaming === true, () => {
              idleTimer ??= idle();
            });
      const order = new RelayOrder();
      for await (const event of stream) {
        idleTimer?.refresh(); // the agent is alive: the idle timeout starts again
        if (!order.admit(event)) continue; // a duplicate or late update from the agent
        if (this.#o.watchRemoteCancels && relay.created && !watching) {
          watching = true;
          void this.#watchCancel(context, () => end('remote'), signal);
        }
        if (event.message) {
          await finish('TASK_STATE_COMPLETED', undefined, true);
          const reply = { ...relayable(event.message) };
          if (relay.created) {
            relay.publish();
            relay.events.complete(reply);
          } else {
            const decision = relay.ext.decision ? { ...relay.ext.decision, attempts: [...relay.attempts] } : undefined;
            relay.events.reply({
              ...reply,
              metadata: { ...reply.metadata, [RIGHTSIZE_EXTENSION_URI]: { ...(decision ? { decision } : {}) } },
            });
          }
          return { kind: 'answered', state: 'MESSAGE' };
        }
        const task = event.task;
        const update = event.statusUpdate;
        if (task) {
          await ids(task.id, task.contextId);
          // A Task that answers (settled, not failed) is relayed by `answer`, after its outcome is stored: the
          // broker's task is then created with all its events in one write.
          const state = task.status.state;
          const answers = isSettled(state) && !FAILED_STATES.includes(state) && state !== 'TASK_STATE_CANCELED';
          for (const artifact of task.artifacts ?? [])
            if (answers) buffered.push({ artifact });
            else relayArtifact(artifact, {});
        }
        if (update) await ids(update.taskId, update.contextId);
        if (event.artifactUpdate) {
          const u = event.artifactUpdate;
          relayArtifact(u.artifact, {
            ...(u.append ? { append: true } : {}),
            ...(u.lastChunk ? { lastChunk: true } : {}),
          });
        }
        const status = task?.status ?? update?.status;
        if (!status) continue;
        const usageRead = task ? readTaskExtension(task) : undefined;
        const updateUsage = update?.metadata?.[RIGHTSIZE_EXTENSION_URI] as TaskExtensionData | undefined;
        const usage = (usageRead?.ok ? usageRead.value.usage : undefined) ?? updateUsage?.usage;
        const state = status.state;
        if (state === 'TASK_STATE_SUBMITTED') {
          relay.ensure();
          continue;
        }
        if (state === 'TASK_STATE_WORKING') {
          relay.ensure();
          relay.events.working(status.message ? relayable(status.message) : undefined);
          continue;
        }
        if (FAILED_STATES.includes(state)) {
          await finish(state, usage, true);
          return {
            kind: 'failed',
            state,
            message: `${a.agentId}: ${state}${status.message ? ` (${agentText(status.message)})` : ''}`,
            outcome: true,
          };
        }
        if (state === 'TASK_STATE_CANCELED') {
          await finish(state, usage, false);
          relay.publish();
          relay.events.fail(`${a.agentId} canceled its task`);
          return { kind: 'answered', state };
        }
        // A stream's final status update does not carry the usage report; the agent's Task does.
        const final = usage ?? (event.statusUpdate ? await this.#usageOf(client, current, signal) : undefined);
        return await answer(state, status.message, final);
      }
      await finish('ERROR', undefined, false);
      return {
        kind: 'failed',
        state: 'ERROR',
        message: `${a.agentId} ended the stream without a final state`,
        outcome: false,
      };
    } catch (error) {
      if (context.signal.aborted || ended.has('deadline') || ended.has('remote')) {
        await this.#cancelDownstream(client, current.downstreamTaskId);
        if (!ended.has('deadline')) return { kind: 'canceled' };
        await finish('ERROR', undefined, false);
        return { kind: 'deadline' };
      }
      if (ended.has('idle')) await this.#cancelDownstream(client, current.downstreamTaskId);
      await this.#o.registry.reportFailure(a.agentId).catch(() => undefined);
      await finish('ERROR', undefined, false);
      if (ended.has('idle'))
        return {
          kind: 'failed',
          state: 'ERROR',
          message: `${a.agentId} sent nothing for ${idleMs} ms (idle timeout); its task was canceled`,
          outcome: false,
        };
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return {
        kind: 'failed',
        state: 'ERROR',
        message: `${a.agentId} could not be reached (${reason})`,
        outcome: false,
      };
    } finally {
      if (timer) clearTimeout(timer);
      clearTimeout(idleTimer);
      context.signal.removeEventListener('abort', cancel);
    }
  }

  /** Call `cancel` when the task's log shows CANCELED (written by whichever replica served the CancelTask). */
  async #watchCancel(context: ExecutionContext, cancel: () => void, stop: AbortSignal): Promise<void> {
    const scope = { tenant: context.tenant, owner: context.principal.id };
    try {
      // The SDK server creates the task in order after the relayed events queued before it: wait for it to exist.
      for (let wait = 10; !(await this.#o.store.tasks.get(scope, context.taskId)) && !stop.aborted; wait *= 2) {
        if (wait > 5000) return;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      for await (const stored of this.#o.store.tasks.subscribe(scope, context.taskId, 0, stop)) {
        if (stored.event.statusUpdate?.status.state === 'TASK_STATE_CANCELED') cancel();
      }
    } catch {
      // the watch is best effort; the SDK handler also ends the run when its next append is refused
    }
  }

  /** The usage report is on the agent's Task; a stream's final status update may not carry it. */
  async #usageOf(client: A2AClient, route: TaskRoute, signal: AbortSignal): Promise<UsageReport | undefined> {
    if (!route.downstreamTaskId) return undefined;
    try {
      const task = await client.getTask(route.downstreamTaskId, { historyLength: 0, signal, timeoutMs: 5000 });
      const read = readTaskExtension(task);
      return read?.ok ? read.value.usage : undefined;
    } catch {
      return undefined;
    }
  }

  async #cancelDownstream(client: A2AClient, downstreamTaskId: string | undefined): Promise<void> {
    if (!downstreamTaskId) return;
    this.#o.metrics?.cancels.inc();
    // Best effort: the agent may already have finished, or be unreachable; the broker's task is canceled anyway.
    await client.cancelTask(downstreamTaskId, { timeoutMs: this.#o.cancelTimeoutMs ?? 5000 }).catch(() => undefined);
  }
}

/**
 * When to cut off an attempt that is not the last of the plan: early enough for the next agent to finish before the
 * task's deadline (its predicted completion plus 5 % of the deadline as slack), so a hanging or slow agent leads to
 * escalation rather than a missed deadline (spec §7.4). With no room left the attempt keeps the whole deadline.
 */
export function attemptCutoff(deadlineAt: number, nextPredictedMs: number | undefined, deadlineMs: number): number {
  if (nextPredictedMs === undefined) return deadlineAt;
  const cutoff = deadlineAt - nextPredictedMs - deadlineMs * 0.05;
  return cutoff > Date.now() ? cutoff : deadlineAt;
}

/**
 * One SendMessage, its answer as a stream. A task the agent answered before it settled (its own blocking limit) is
 * followed with SubscribeToTask when the agent streams (`following` is called first); otherwise the stream ends there
 * (no final state).
 */
async function* answerOf(
  client: A2AClient,
  message: Message,
  signal: AbortSignal,
  streaming: boolean,
  following: () => void,
): AsyncGenerator<StreamResponse> {
  const response = await client.sendMessage(message, { signal });
  if (response.message) yield { message: response.message };
  else if (response.task) {
    yield { task: response.task };
    if (streaming && !isSettled(response.task.status.state)) {
      following();
      yield* client.subscribeToTask(response.task.id, { signal });
    }
  }
}
