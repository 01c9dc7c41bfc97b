/**
 * Start-up recovery: tasks that were in flight when their broker run died (SIGKILL, crash, a replica lost) end in a
 * defined state instead of staying WORKING forever. While the broker runs it holds a lease (`RunLease`) and, at start
 * and at every renewal, claims the orphans of runs that are gone. For each claimed task:
 * - forwarded to an agent that is still registered: re-attach to the agent's task (GetTask, then SubscribeToTask or,
 *   for an agent without streaming, GetTask polls) and keep relaying under the broker's ids until it ends. The agent's
 *   task may end between the GetTask and the SubscribeToTask, which the agent then refuses: its final state and
 *   artifacts are read with GetTask instead (also when a stream ends before the task does);
 * - otherwise, or when re-attaching fails: FAILED, with a message saying why.
 * Clients see the result through GetTask and SubscribeToTask (Last-Event-ID resumption included), as for any task.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Artifact, Message, StreamResponse, Task, TaskState, TaskStatus } from '@rightsize/sdk/a2a';
import type { A2AClient } from '@rightsize/sdk/client';
import { UnsupportedOperationError } from '@rightsize/sdk/errors';
import type { OrphanTask, RunLease } from '../db/lease.js';
import type { SqlTaskStore } from '../db/sql-task-store.js';
import type { Registry } from '../registry/registry.js';
import type { AgentClients } from './agent-clients.js';

export interface RecoveryOptions {
  readonly lease: RunLease;
  readonly tasks: SqlTaskStore;
  readonly registry: Registry;
  readonly clients: AgentClients;
  /** How each recovered task ended up (for the log). */
  readonly log?: (line: string, taskId: string) => void;
  /** GetTask polling interval for agents without streaming (default 1 000 ms). */
  readonly pollMs?: number;
  /**
   * A recovered task held by an agent ended: with the agent's own terminal state, or FAILED by the broker itself
   * (`byBroker`: it could not re-attach). The broker records the outcome (spec §8.2) here.
   */
  readonly onEnded?: (orphan: OrphanTask, agentState: TaskState, byBroker: boolean) => Promise<void>;
}

const INTERRUPTED: readonly TaskState[] = ['TASK_STATE_INPUT_REQUIRED', 'TASK_STATE_AUTH_REQUIRED'];
const CALL_TIMEOUT_MS = 10_000;

const textOf = (message: Message | undefined) =>
  message?.parts.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join('') ?? '';

export class Recovery {
  readonly #o: RecoveryOptions;
  readonly #running = new Set<AbortController>();
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<void> = Promise.resolve();

  constructor(options: RecoveryOptions) {
    this.#o = options;
  }

  /** Take the lease, recover the orphans there are now, then renew and look again every third of the lease. */
  async start(): Promise<void> {
    await this.#o.lease.renew();
    await this.recoverOnce();
    this.#timer = setInterval(
      () => {
        this.#pass = this.#pass
          .then(() => this.#o.lease.renew())
          .then(() => this.recoverOnce())
          .then(
            () => undefined,
            () => undefined,
          ); // the store is unreachable: try again at the next beat
      },
      Math.max(100, Math.floor(this.#o.lease.ttlMs / 3)),
    );
    this.#timer.unref();
  }

  /** Stop looking, stop the re-attachments (their tasks stay orphans for the next run) and give the lease up. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    for (const c of this.#running) c.abort();
    await this.#pass;
    await this.#o.lease.release().catch(() => undefined);
  }

  /** Claim every orphan there is now; re-attachments continue in the background. Returns how many were claimed. */
  async recoverOnce(): Promise<number> {
    let claimed = 0;
    for (const orphan of await this.#o.lease.orphans()) {
      if (!(await this.#o.lease.claim(orphan))) continue;
      claimed++;
      const control = new AbortController();
      this.#running.add(control);
      void this.#recover(orphan, control.signal)
        .catch((error) => this.#o.log?.(`recovery failed: ${String(error)}`, orphan.task.id))
        .finally(() => this.#running.delete(control));
    }
    return claimed;
  }

  async #recover(orphan: OrphanTask, signal: AbortSignal): Promise<void> {
    const { agentId, downstreamTaskId } = orphan;
    const card = agentId ? this.#o.registry.card(agentId) : undefined;
    if (!agentId || !downstreamTaskId)
      return this.#fail(orphan, 'it had not been forwarded to an agent yet, so there is nothing to re-attach to');
    if (!card) return this.#fail(orphan, `the agent ${agentId} that held it is no longer registered`);
    const client = this.#o.clients.get(agentId, card);
    try {
      const snapshot = await client.getTask(downstreamTaskId, { signal, timeoutMs: CALL_TIMEOUT_MS });
      if (await this.#relay(orphan, { task: snapshot }, client)) return;
      this.#o.log?.(`re-attached to ${agentId}'s task ${downstreamTaskId}`, orphan.task.id);
      if (card.capabilities.streaming) {
        if (await this.#follow(orphan, client, downstreamTaskId, signal)) return;
      } else await sleep(this.#o.pollMs ?? 1000, undefined, { signal });
      // No stream, or it could not tell the end: read the agent's task until it ends.
      for (;;) {
        const task = await client.getTask(downstreamTaskId, { signal, timeoutMs: CALL_TIMEOUT_MS });
        if (await this.#relay(orphan, { task }, client)) return;
        await sleep(this.#o.pollMs ?? 1000, undefined, { signal });
      }
    } catch (error) {
      if (signal.aborted) return;
      const reason = error instanceof Error ? error.message : String(error);
      await this.#fail(orphan, `re-attaching to ${agentId}'s task ${downstreamTaskId} failed (${reason})`);
    }
  }

  /**
   * Relay the agent's task stream; true when the broker's task is done with. False when the agent refused the
   * subscription because its task ended after the snapshot was read (A2A refuses SubscribeToTask on a task in a
   * terminal state), or when the stream ended before the task did: the caller then reads the task with GetTask.
   */
  async #follow(orphan: OrphanTask, client: A2AClient, downstreamTaskId: string, signal: AbortSignal) {
    try {
      for await (const event of client.subscribeToTask(downstreamTaskId, { signal }))
        if (await this.#relay(orphan, event, client)) return true;
    } catch (error) {
      if (!(error instanceof UnsupportedOperationError)) throw error;
    }
    return false;
  }

  /** Relay one downstream event under the broker's ids; true when the broker's task is done with (ended or interrupted). */
  async #relay(orphan: OrphanTask, event: StreamResponse, client: A2AClient): Promise<boolean> {
    if (event.message) return this.#status(orphan, { state: 'TASK_STATE_COMPLETED' }, event.message, client);
    if (event.artifactUpdate) {
      const { artifact, append, lastChunk } = event.artifactUpdate;
      return !(await this.#artifact(orphan, artifact, append === true, lastChunk === true, client));
    }
    const status = event.task?.status ?? event.statusUpdate?.status;
    for (const artifact of event.task?.artifacts ?? []) {
      const known = orphan.task.artifacts?.find((a) => a.artifactId === artifact.artifactId);
      // The snapshot holds every chunk so far: replace what the broker had relayed before it died.
      if (
        JSON.stringify(known) !== JSON.stringify(artifact) &&
        !(await this.#artifact(orphan, artifact, false, false, client))
      )
        return true;
    }
    // A snapshot still WORKING adds nothing to a task the broker already shows WORKING.
    if (!status || (event.task && status.state === orphan.task.status.state)) return false;
    return this.#status(orphan, status, status.message, client);
  }

  async #artifact(orphan: OrphanTask, artifact: Artifact, append: boolean, lastChunk: boolean, client: A2AClient) {
    const { id, contextId } = orphan.task;
    const artifactUpdate = {
      taskId: id,
      contextId: contextId ?? '',
      artifact,
      ...(append ? { append: true } : {}),
      ...(lastChunk ? { lastChunk: true } : {}),
    };
    return this.#append(orphan, { artifactUpdate }, client);
  }

  async #status(orphan: OrphanTask, status: TaskStatus, message: Message | undefined, client: A2AClient) {
    const state = status.state;
    if (state === 'TASK_STATE_SUBMITTED') return false;
    const relayed: TaskState =
      state === 'TASK_STATE_WORKING' || state === 'TASK_STATE_COMPLETED' || INTERRUPTED.includes(state)
        ? state
        : 'TASK_STATE_FAILED';
    const text =
      relayed === state ? undefined : `the agent ended the task as ${state}${message ? `: ${textOf(message)}` : ''}`;
    const ok = await this.#append(orphan, this.#statusEvent(orphan.task, relayed, text ?? message), client);
    if (ok && (relayed === 'TASK_STATE_COMPLETED' || relayed === 'TASK_STATE_FAILED'))
      await this.#ended(orphan, state, false);
    return !ok || relayed !== 'TASK_STATE_WORKING';
  }

  #statusEvent(task: Task, state: TaskState, content: string | Message | undefined): StreamResponse {
    const message: Message | undefined =
      content === undefined
        ? undefined
        : {
            ...(typeof content === 'string' ? { parts: [{ text: content }] } : content),
            messageId: randomUUID(),
            role: 'ROLE_AGENT',
            taskId: task.id,
            contextId: task.contextId,
          };
    const status = { state, timestamp: new Date().toISOString(), ...(message ? { message } : {}) };
    return { statusUpdate: { taskId: task.id, contextId: task.contextId ?? '', status } };
  }

  /** Append to the broker's task; false when it no longer takes changes (canceled meanwhile: cancel downstream). */
  async #append(orphan: OrphanTask, event: StreamResponse, client: A2AClient | undefined): Promise<boolean> {
    const result = await this.#o.tasks.append(orphan.scope, orphan.task.id, { event });
    if (result.ok) return true;
    if (result.reason !== 'not-found' && result.state === 'TASK_STATE_CANCELED' && client && orphan.downstreamTaskId)
      await client.cancelTask(orphan.downstreamTaskId, { timeoutMs: CALL_TIMEOUT_MS }).catch(() => undefined);
    return false;
  }

  async #fail(orphan: OrphanTask, why: string): Promise<void> {
    const text = `the broker restarted while this task was in flight and ${why}`;
    this.#o.log?.(`failed: ${text}`, orphan.task.id);
    if (await this.#append(orphan, this.#statusEvent(orphan.task, 'TASK_STATE_FAILED', text), undefined))
      await this.#ended(orphan, 'TASK_STATE_FAILED', true);
  }

  async #ended(orphan: OrphanTask, agentState: TaskState, byBroker: boolean): Promise<void> {
    if (!orphan.agentId) return;
    await this.#o.onEnded?.(orphan, agentState, byBroker).catch((error) => {
      this.#o.log?.(`recording the outcome failed: ${String(error)}`, orphan.task.id);
    });
  }
}
