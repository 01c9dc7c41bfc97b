/**
 * The binding-independent core of the agent server: every A2A operation (A2A §3.1) over a TaskStore, with the task
 * lifecycle (states, history, cancellation, streaming, resubscription, push notifications) handled for the author.
 */
import { randomUUID } from 'node:crypto';
import {
  ExtendedAgentCardNotConfiguredError,
  InvalidParamsError,
  PushNotificationNotSupportedError,
  TaskNotCancelableError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from '../a2a/errors.js';
import {
  type AgentCard,
  INTERRUPTED_TASK_STATES,
  type ListTaskPushNotificationConfigsRequest,
  type ListTaskPushNotificationConfigsResponse,
  type ListTasksRequest,
  type ListTasksResponse,
  type Message,
  type SendMessageRequest,
  type SendMessageResponse,
  type StreamResponse,
  type Task,
  type TaskPushNotificationConfig,
  type TaskState,
  TERMINAL_TASK_STATES,
} from '../a2a/model/index.js';
import { EventChannel } from './event-channel.js';
import type { AgentExecutor, MessageInput, TaskEvents } from './executor.js';
import type { PushConfigStore, PushSender } from './push.js';
import { InvalidPageTokenError, type TaskStore } from './task-store.js';

export interface RequestHandlerOptions {
  /** The card, or a function giving it (when it names the server's own URL, known only once listening). */
  readonly card: AgentCard | (() => AgentCard);
  readonly executor: AgentExecutor;
  readonly store: TaskStore;
  readonly extendedCard?: AgentCard;
  readonly push?: { readonly configs: PushConfigStore; readonly sender: PushSender };
  /** Largest page of ListTasks (A2A: default 50, maximum 100). */
  readonly maxPageSize?: number;
  /** Longest a blocking SendMessage waits for a final state before answering with the task as it is (default 5 min). */
  readonly maxBlockingMs?: number;
}

export interface CallContext {
  readonly extensions: readonly string[];
  readonly signal?: AbortSignal;
}

const isFinal = (s: TaskState) => TERMINAL_TASK_STATES.includes(s) || INTERRUPTED_TASK_STATES.includes(s);
const now = () => new Date().toISOString();

/** Trim history to the last n messages (A2A §3.2.4); n = 0 removes it; undefined keeps all. */
function withHistory(task: Task, historyLength: number | undefined): Task {
  if (historyLength === undefined || !task.history) return task;
  const { history, ...rest } = task;
  return historyLength === 0 ? rest : { ...rest, history: history.slice(-historyLength) };
}

interface Running {
  readonly channel: EventChannel<StreamResponse>;
  readonly abort: AbortController;
  /** Resolves when the executor has finished. */
  done: Promise<void>;
}

export class RequestHandler {
  readonly #o: RequestHandlerOptions;
  readonly #running = new Map<string, Running>();

  constructor(options: RequestHandlerOptions) {
    this.#o = options;
  }

  get card(): AgentCard {
    return typeof this.#o.card === 'function' ? this.#o.card() : this.#o.card;
  }

  async sendMessage(request: SendMessageRequest, call: CallContext): Promise<SendMessageResponse> {
    // Stop listening when the caller goes away or the blocking limit passes; the task itself keeps running.
    const limit = AbortSignal.timeout(this.#o.maxBlockingMs ?? 300_000);
    const signal = call.signal ? AbortSignal.any([call.signal, limit]) : limit;
    const stream = await this.#start(request, { ...call, signal });
    const returnImmediately = request.configuration?.returnImmediately === true;
    for await (const event of stream.events) {
      if (event.message) return { message: event.message };
      if (returnImmediately) break;
      const state = event.task?.status.state ?? event.statusUpdate?.status.state;
      if (state && isFinal(state)) break;
    }
    const task = await this.#o.store.get(stream.taskId);
    if (!task) throw new TaskNotFoundError(undefined, { metadata: { taskId: stream.taskId } });
    return { task: withHistory(task, request.configuration?.historyLength) };
  }

  async *sendStreamingMessage(request: SendMessageRequest, call: CallContext): AsyncGenerator<StreamResponse> {
    this.#requireStreaming();
    const stream = await this.#start(request, call);
    yield* stream.events;
  }

  async getTask(id: string, historyLength: number | undefined): Promise<Task> {
    const task = await this.#o.store.get(id);
    if (!task) throw new TaskNotFoundError(undefined, { metadata: { taskId: id } });
    return withHistory(task, historyLength);
  }

  async listTasks(request: ListTasksRequest): Promise<ListTasksResponse> {
    const max = this.#o.maxPageSize ?? 100;
    const pageSize = Math.min(request.pageSize ?? 50, max);
    try {
      const page = await this.#o.store.list({
        pageSize,
        ...(request.contextId !== undefined ? { contextId: request.contextId } : {}),
        ...(request.status !== undefined ? { status: request.status } : {}),
        ...(request.statusTimestampAfter !== undefined ? { statusTimestampAfter: request.statusTimestampAfter } : {}),
        ...(request.pageToken ? { pageToken: request.pageToken } : {}),
      });
      const tasks = page.tasks.map((t) => {
        const trimmed = withHistory(t, request.historyLength);
        if (request.includeArtifacts) return trimmed;
        const { artifacts: _omitted, ...rest } = trimmed;
        return rest;
      });
      return { tasks, nextPageToken: page.nextPageToken, pageSize, totalSize: page.totalSize };
    } catch (error) {
      if (error instanceof InvalidPageTokenError) throw new InvalidParamsError('invalid pageToken');
      throw error;
    }
  }

  async cancelTask(id: string): Promise<Task> {
    const task = await this.#o.store.get(id);
    if (!task) throw new TaskNotFoundError(undefined, { metadata: { taskId: id } });
    if (TERMINAL_TASK_STATES.includes(task.status.state)) {
      throw new TaskNotCancelableError(`task is ${task.status.state}`, { metadata: { taskId: id } });
    }
    const running = this.#running.get(id);
    running?.abort.abort();
    const canceled: Task = { ...task, status: { state: 'TASK_STATE_CANCELED', timestamp: now() } };
    await this.#o.store.save(canceled);
    this.#emit(
      id,
      running,
      {
        statusUpdate: { taskId: id, contextId: canceled.contextId ?? '', status: canceled.status },
      },
      canceled,
    );
    running?.channel.close();
    return canceled;
  }

  async *subscribeToTask(id: string, call: CallContext): AsyncGenerator<StreamResponse> {
    this.#requireStreaming();
    const task = await this.#o.store.get(id);
    if (!task) throw new TaskNotFoundError(undefined, { metadata: { taskId: id } });
    if (TERMINAL_TASK_STATES.includes(task.status.state)) {
      throw new UnsupportedOperationError(`task is ${task.status.state}; there is nothing to subscribe to`);
    }
    const running = this.#running.get(id);
    const events = running?.channel.subscribe(call.signal);
    yield { task };
    if (events) yield* events;
  }

  async createPushConfig(config: TaskPushNotificationConfig, taskId: string): Promise<TaskPushNotificationConfig> {
    const push = this.#requirePush();
    await this.getTask(taskId, 0);
    let url: URL;
    try {
      url = new URL(config.url);
    } catch {
      throw new InvalidParamsError('url is not a valid URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new InvalidParamsError('url must be http or https');
    const saved = { ...config, taskId, id: config.id || randomUUID() };
    await push.configs.save(saved);
    return saved;
  }

  async getPushConfig(taskId: string, id: string): Promise<TaskPushNotificationConfig> {
    const configs = await this.#requirePush().configs.list(taskId);
    const found = configs.find((c) => c.id === id);
    if (!found)
      throw new TaskNotFoundError('push notification config not found', { metadata: { taskId, configId: id } });
    return found;
  }

  /** A page of a task's push configs, ordered by id; the token is the last id of the previous page. */
  async listPushConfigs(
    request: ListTaskPushNotificationConfigsRequest,
  ): Promise<ListTaskPushNotificationConfigsResponse> {
    const push = this.#requirePush();
    await this.getTask(request.taskId, 0);
    const all = (await push.configs.list(request.taskId)).sort((a, b) => ((a.id ?? '') < (b.id ?? '') ? -1 : 1));
    const after = request.pageToken ? Buffer.from(request.pageToken, 'base64url').toString('utf8') : undefined;
    const rest = after === undefined ? all : all.filter((c) => (c.id ?? '') > after);
    const size = Math.min(request.pageSize || 100, 100);
    const configs = rest.slice(0, size);
    const last = configs[configs.length - 1];
    const nextPageToken = rest.length > size && last?.id ? Buffer.from(last.id).toString('base64url') : '';
    return { configs, nextPageToken };
  }

  async deletePushConfig(taskId: string, id: string): Promise<void> {
    const push = this.#requirePush();
    if (!(await push.configs.delete(taskId, id))) {
      throw new TaskNotFoundError('push notification config not found', { metadata: { taskId, configId: id } });
    }
  }

  async getExtendedCard(): Promise<AgentCard> {
    if (this.card.capabilities.extendedAgentCard !== true)
      throw new UnsupportedOperationError('no extended agent card');
    if (!this.#o.extendedCard) throw new ExtendedAgentCardNotConfiguredError();
    return this.#o.extendedCard;
  }

  /** Abort every running task (server shutdown) and wait for the executors to return. */
  async close(): Promise<void> {
    const running = [...this.#running.values()];
    for (const r of running) r.abort.abort();
    await Promise.allSettled(running.map((r) => r.done));
  }

  #requireStreaming(): void {
    if (this.card.capabilities.streaming !== true) throw new UnsupportedOperationError('streaming is not supported');
  }

  #requirePush() {
    if (this.card.capabilities.pushNotifications !== true || !this.#o.push)
      throw new PushNotificationNotSupportedError();
    return this.#o.push;
  }

  #emit(taskId: string, running: Running | undefined, event: StreamResponse, task: Task | undefined): void {
    running?.channel.publish(event);
    // Delivery runs in the background; a failing store or sender must never become an unhandled rejection.
    if (this.#o.push && task) this.#o.push.sender.notify(taskId, event, this.#o.push.configs).catch(() => undefined);
  }

  /** Validate the message against existing state, create or resume the task, and run the executor. */
  async #start(request: SendMessageRequest, call: CallContext) {
    const message = request.message;
    let existing: Task | undefined;
    if (message.taskId) {
      existing = await this.#o.store.get(message.taskId);
      if (!existing) throw new TaskNotFoundError(undefined, { metadata: { taskId: message.taskId } });
      if (TERMINAL_TASK_STATES.includes(existing.status.state)) {
        throw new UnsupportedOperationError(
          `task ${existing.id} is ${existing.status.state} and accepts no more messages`,
        );
      }
      if (this.#running.has(existing.id)) throw new UnsupportedOperationError(`task ${existing.id} is still running`);
    }
    const taskId = existing?.id ?? randomUUID();
    const contextId = existing?.contextId ?? message.contextId ?? randomUUID();
    const userMessage: Message = { ...message, taskId, contextId };
    const channel = new EventChannel<StreamResponse>();
    const abort = new AbortController();
    const running: Running = { channel, abort, done: Promise.resolve() };
    const events = channel.subscribe(call.signal);
    let task: Task | undefined = existing
      ? { ...existing, history: [...(existing.history ?? []), userMessage] }
      : undefined;
    let finished = false;
    let replied = false;
    const store = this.#o.store;
    const pushConfig = request.configuration?.taskPushNotificationConfig;

    const agentMessage = (input: MessageInput | undefined, inTask = true): Message | undefined => {
      if (input === undefined) return undefined;
      const base =
        typeof input === 'string' ? { parts: [{ text: input }] } : Array.isArray(input) ? { parts: input } : input;
      return {
        messageId: randomUUID(),
        ...base,
        role: 'ROLE_AGENT',
        contextId,
        ...(inTask ? { taskId } : {}),
      } as Message;
    };
    // Updates are applied in order: each waits for the previous save.
    let chain = Promise.resolve();
    const enqueue = (work: () => Promise<void>) => {
      chain = chain.then(work).catch(() => undefined);
      return chain;
    };
    const ensureTask = async (): Promise<Task> => {
      if (!task) {
        task = {
          id: taskId,
          contextId,
          status: { state: 'TASK_STATE_SUBMITTED', timestamp: now() },
          history: [userMessage],
        };
        await store.save(task);
        this.#running.set(taskId, running);
        if (pushConfig && this.#o.push) {
          await this.#o.push.configs.save({ ...pushConfig, taskId, id: pushConfig.id || randomUUID() });
        }
        this.#emit(taskId, running, { task }, task);
      }
      return task;
    };
    const setStatus = (state: TaskState, input?: MessageInput) =>
      enqueue(async () => {
        if (finished || abort.signal.aborted) return;
        const current = await ensureTask();
        const status = {
          state,
          timestamp: now(),
          ...(agentMessage(input) ? { message: agentMessage(input) as Message } : {}),
        };
        task = {
          ...current,
          status,
          history: status.message ? [...(current.history ?? []), status.message] : (current.history ?? []),
        };
        await store.save(task);
        this.#emit(taskId, running, { statusUpdate: { taskId, contextId, status } }, task);
        if (isFinal(state)) {
          finished = true;
          this.#running.delete(taskId);
          channel.close();
        }
      });
    const sink: TaskEvents = {
      reply: (input) => {
        if (task || replied || finished) return;
        replied = true;
        finished = true;
        channel.publish({ message: agentMessage(input, existing !== undefined) as Message });
        channel.close();
      },
      working: (input) => void setStatus('TASK_STATE_WORKING', input),
      inputRequired: (input) => void setStatus('TASK_STATE_INPUT_REQUIRED', input),
      authRequired: (input) => void setStatus('TASK_STATE_AUTH_REQUIRED', input),
      complete: (input) => void setStatus('TASK_STATE_COMPLETED', input),
      fail: (input) => void setStatus('TASK_STATE_FAILED', input),
      reject: (input) => void setStatus('TASK_STATE_REJECTED', input),
      artifact: (artifact, options = {}) =>
        void enqueue(async () => {
          if (finished || abort.signal.aborted) return;
          const current = await ensureTask();
          const artifacts = [...(current.artifacts ?? [])];
          const i = artifacts.findIndex((a) => a.artifactId === artifact.artifactId);
          if (i >= 0 && options.append) {
            const prior = artifacts[i] as typeof artifact;
            artifacts[i] = { ...prior, parts: [...prior.parts, ...artifact.parts] };
          } else if (i >= 0) artifacts[i] = artifact;
          else artifacts.push(artifact);
          task = { ...current, artifacts };
          await store.save(task);
          this.#emit(
            taskId,
            running,
            {
              artifactUpdate: {
                taskId,
                contextId,
                artifact,
                ...(options.append ? { append: true } : {}),
                ...(options.lastChunk ? { lastChunk: true } : {}),
              },
            },
            task,
          );
        }),
      metadata: (values) =>
        void enqueue(async () => {
          const current = await ensureTask();
          task = { ...current, metadata: { ...current.metadata, ...values } };
          await store.save(task);
        }),
    };
    if (existing) {
      this.#running.set(taskId, running);
      await store.save(task as Task);
    }
    running.done = (async () => {
      try {
        await this.#o.executor.execute(
          {
            message: userMessage,
            task: existing,
            taskId,
            contextId,
            extensions: call.extensions,
            signal: abort.signal,
          },
          sink,
        );
        await chain;
        if (!finished && !abort.signal.aborted) await setStatus('TASK_STATE_COMPLETED');
      } catch (error) {
        await chain;
        if (!finished && !abort.signal.aborted) {
          await setStatus(
            'TASK_STATE_FAILED',
            `agent error: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      } finally {
        if (!finished) {
          this.#running.delete(taskId);
          channel.close();
        }
      }
    })();
    return { taskId, events };
  }
}
