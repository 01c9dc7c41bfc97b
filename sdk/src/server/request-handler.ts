/**
 * The binding-independent core of the agent server: every A2A operation (A2A §3.1) over a TaskStore, with the task
 * lifecycle (states, history, cancellation, streaming, resubscription, push notifications) handled for the author.
 * Every operation acts in the caller's scope (tenant + principal): other callers' tasks do not exist for it.
 */
import { randomUUID } from 'node:crypto';
import {
  A2AError,
  ExtendedAgentCardNotConfiguredError,
  InternalError,
  InvalidParamsError,
  PushNotificationNotSupportedError,
  TaskNotCancelableError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from '../a2a/errors.js';
import {
  type AgentCard,
  type Artifact,
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
} from '../a2a/model/index.js';
import { AuthenticationRequiredError, type Principal } from './auth.js';
import { EventChannel } from './event-channel.js';
import type { AgentExecutor, MessageInput, TaskEvents } from './executor.js';
import { checkInputModes } from './media-types.js';
import type { PushConfigStore, PushSender, StoredPushConfig } from './push.js';
import {
  type AppendResult,
  EventsExpiredError,
  InvalidPageTokenError,
  isSettled,
  isTerminal,
  StoreFullError,
  type TaskChange,
  type TaskRecord,
  type TaskScope,
  type TaskStore,
} from './task-store.js';

export interface RequestHandlerOptions {
  /** The card, or a function giving it (when it names the server's own URL, known only once listening). */
  readonly card: AgentCard | (() => AgentCard);
  readonly executor: AgentExecutor;
  readonly store: TaskStore;
  readonly extendedCard?: AgentCard;
  readonly push?: {
    readonly configs: PushConfigStore;
    readonly sender: PushSender;
    /** Most push configs per task (default 10). */
    readonly maxConfigsPerTask?: number;
  };
  /** Largest page of ListTasks (A2A: default 50, maximum 100). */
  readonly maxPageSize?: number;
  /** Longest a blocking SendMessage waits for a final state before answering with the task as it is (default 5 min). */
  readonly maxBlockingMs?: number;
  /** Most events queued for one stream's reader before it is dropped as stalled (default 10 000). */
  readonly maxQueuedEvents?: number;
  /** Most SubscribeToTask streams of one task open at once; beyond it InternalError, retry later (default 100). */
  readonly maxSubscribersPerTask?: number;
  /**
   * Called with every unexpected error (executor exceptions, store failures) and its correlation id, which is the
   * only thing the client sees. Default: nothing (the plugin passes a redacting logger).
   */
  readonly onError?: (error: unknown, correlationId: string) => void;
}

export interface CallContext {
  readonly extensions: readonly string[];
  /** The authenticated caller. */
  readonly principal: Principal;
  /** The request's tenant ('' when none). */
  readonly tenant: string;
  readonly signal?: AbortSignal;
}

/** A streamed event with its per-task sequence number (absent for a direct message reply). */
export interface SequencedEvent {
  readonly event: StreamResponse;
  readonly seq?: number;
}

const now = () => new Date().toISOString();
const scopeOf = (call: CallContext): TaskScope => ({ tenant: call.tenant, owner: call.principal.id });
const runKey = (scope: TaskScope, id: string) => `${scope.tenant}\u0000${scope.owner}\u0000${id}`;
const stateOf = (event: StreamResponse) => event.task?.status.state ?? event.statusUpdate?.status.state;

/** Trim history to the last n messages (A2A §3.2.4); n = 0 removes it; undefined keeps all. */
function withHistory(task: Task, historyLength: number | undefined): Task {
  if (historyLength === undefined || !task.history) return task;
  const { history, ...rest } = task;
  return historyLength === 0 ? rest : { ...rest, history: history.slice(-historyLength) };
}

/** An InternalError that names only a correlation id; the detail goes to `onError`. */
export function internalError(error: unknown, onError?: (error: unknown, correlationId: string) => void): A2AError {
  const correlationId = randomUUID();
  onError?.(error, correlationId);
  return new InternalError(`internal error (correlation id ${correlationId})`, { metadata: { correlationId } });
}

interface Run {
  readonly channel: EventChannel<SequencedEvent>;
  readonly abort: AbortController;
  /** Serialises every change of the task made by this server (executor events and cancellation). */
  chain: Promise<unknown>;
  finished: boolean;
  /** Resolves when the executor has finished. */
  done: Promise<void>;
}

export class RequestHandler {
  readonly #o: RequestHandlerOptions;
  readonly #runs = new Map<string, Run>();
  /** Open SubscribeToTask streams per task (runKey). */
  readonly #subscribers = new Map<string, number>();
  /** Webhook deliveries started or queued (see `#delivered`). */
  readonly #deliveries = new Set<Promise<void>>();
  /** Blocking SendMessage calls and when they stop waiting: one sweeper instead of a timer per request. */
  readonly #waiting = new Set<{ at: number; stop: () => void }>();
  #sweeper: NodeJS.Timeout | undefined;

  /** What a TaskRun needs from its handler (built once, not per request). */
  readonly #host: RunHost;

  constructor(options: RequestHandlerOptions) {
    this.#o = options;
    this.#host = {
      store: options.store,
      onError: options.onError,
      enqueue: (run, work) => this.#enqueue(run, work),
      delivered: (scope, taskId, run, event, after) => this.#delivered(scope, taskId, run, event, after),
      finish: (scope, taskId, run, error) => this.#finish(scope, taskId, run, error),
      failRun: (scope, taskId, run, error) => this.#failRun(scope, taskId, run, error),
      register: (key, run) => this.#runs.set(key, run),
      savePushConfig: (scope, config) => this.#savePushConfig(scope, config),
    };
  }

  get card(): AgentCard {
    return typeof this.#o.card === 'function' ? this.#o.card() : this.#o.card;
  }

  async sendMessage(request: SendMessageRequest, call: CallContext): Promise<SendMessageResponse> {
    const started = await this.#start(request, call);
    const returnImmediately = request.configuration?.returnImmediately === true;
    // Stop listening when the blocking limit passes (or the caller goes away); the task itself keeps running.
    const deadline = {
      at: Date.now() + (this.#o.maxBlockingMs ?? 300_000),
      stop: () => void started.events.return?.(),
    };
    this.#waiting.add(deadline);
    this.#sweeper ??= setInterval(() => this.#sweep(), 250).unref();
    try {
      for await (const { event } of started.events) {
        if (event.message) return { message: event.message };
        if (returnImmediately) break;
        const state = stateOf(event);
        if (state && isSettled(state)) break;
      }
    } finally {
      this.#waiting.delete(deadline);
    }
    const record = await this.#o.store.get(scopeOf(call), started.taskId);
    if (!record) throw new TaskNotFoundError(undefined, { metadata: { taskId: started.taskId } });
    return { task: withHistory(record.task, request.configuration?.historyLength) };
  }

  async *sendStreamingMessage(request: SendMessageRequest, call: CallContext): AsyncGenerator<SequencedEvent> {
    this.#requireStreaming();
    const started = await this.#start(request, call);
    yield* started.events;
  }

  async getTask(id: string, historyLength: number | undefined, call: CallContext): Promise<Task> {
    const record = await this.#o.store.get(scopeOf(call), id, call.signal);
    if (!record) throw new TaskNotFoundError(undefined, { metadata: { taskId: id } });
    return withHistory(record.task, historyLength);
  }

  async listTasks(request: ListTasksRequest, call: CallContext): Promise<ListTasksResponse> {
    const max = this.#o.maxPageSize ?? 100;
    const pageSize = Math.min(request.pageSize ?? 50, max);
    try {
      const page = await this.#o.store.list(
        scopeOf(call),
        {
          pageSize,
          ...(request.contextId !== undefined ? { contextId: request.contextId } : {}),
          ...(request.status !== undefined ? { status: request.status } : {}),
          ...(request.statusTimestampAfter !== undefined ? { statusTimestampAfter: request.statusTimestampAfter } : {}),
          ...(request.pageToken ? { pageToken: request.pageToken } : {}),
        },
        call.signal,
      );
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

  /**
   * Cancel a task: a CANCELED status appended through the task's update chain (after every change already queued),
   * which the store refuses when the task is terminal, so a terminal state never changes.
   */
  async cancelTask(id: string, call: CallContext): Promise<Task> {
    const scope = scopeOf(call);
    const record = await this.#o.store.get(scope, id, call.signal);
    if (!record) throw new TaskNotFoundError(undefined, { metadata: { taskId: id } });
    const run = this.#runs.get(runKey(scope, id));
    const status = { state: 'TASK_STATE_CANCELED' as const, timestamp: now() };
    const event: StreamResponse = { statusUpdate: { taskId: id, contextId: record.task.contextId ?? '', status } };
    const cancel = async () => {
      const result = await this.#o.store.append(scope, id, { event });
      if (!result.ok) return result;
      this.#delivered(scope, id, run, { event, seq: result.seq });
      if (run) this.#finish(scope, id, run);
      return result;
    };
    const result = await (run ? this.#enqueue(run, cancel) : cancel());
    if (!result.ok) {
      if (result.reason === 'not-found') throw new TaskNotFoundError(undefined, { metadata: { taskId: id } });
      throw new TaskNotCancelableError(`task is ${result.state}`, { metadata: { taskId: id } });
    }
    run?.abort.abort();
    return this.getTask(id, undefined, call);
  }

  /**
   * The task's current state, then every later event — across runs: an interrupted task's stream stays open and
   * delivers the run a follow-up message starts — until a terminal state. Snapshot and subscription are joined by
   * the sequence number, so nothing is missed or duplicated. With `afterSeq` (SSE Last-Event-ID), no snapshot:
   * exactly the events after it; a number beyond the task's last event is InvalidParams.
   */
  async *subscribeToTask(id: string, call: CallContext, afterSeq?: number): AsyncGenerator<SequencedEvent> {
    const scope = scopeOf(call);
    const record = await this.#subscribable(id, call, afterSeq);
    const key = runKey(scope, id);
    this.#checkSubscribers(key, id);
    this.#subscribers.set(key, (this.#subscribers.get(key) ?? 0) + 1);
    try {
      let seq = afterSeq ?? record.seq;
      if (afterSeq === undefined) yield { event: { task: record.task }, seq: record.seq };
      for (;;) {
        try {
          for await (const stored of this.#o.store.subscribe(scope, id, seq, call.signal)) {
            seq = stored.seq;
            yield stored;
            const state = stateOf(stored.event);
            if (state && isTerminal(state)) return;
          }
          return;
        } catch (error) {
          if (!(error instanceof EventsExpiredError)) throw error;
          // The missed events are gone: send the current task instead, then continue after it.
          const latest = await this.#o.store.get(scope, id, call.signal);
          if (!latest) return;
          seq = latest.seq;
          yield { event: { task: latest.task }, seq };
          if (isTerminal(latest.task.status.state)) return;
        }
      }
    } finally {
      const left = (this.#subscribers.get(key) ?? 1) - 1;
      if (left > 0) this.#subscribers.set(key, left);
      else this.#subscribers.delete(key);
    }
  }

  /** A task's streams are bounded: one caller cannot hold unbounded sockets and store subscriptions on it. */
  #checkSubscribers(key: string, id: string): void {
    const max = this.#o.maxSubscribersPerTask ?? 100;
    if ((this.#subscribers.get(key) ?? 0) >= max) {
      throw new InternalError(`task ${id} has ${max} subscribers, the most this agent serves at once; retry later`, {
        metadata: { taskId: id },
      });
    }
  }

  /**
   * Whether SubscribeToTask (from `afterSeq`, when resuming) can start: the errors it would raise before its first
   * event, raised now. A server resuming a quiet task can then answer with the stream's headers at once.
   */
  async checkSubscription(id: string, call: CallContext, afterSeq?: number): Promise<void> {
    await this.#subscribable(id, call, afterSeq);
    this.#checkSubscribers(runKey(scopeOf(call), id), id);
  }

  async #subscribable(id: string, call: CallContext, afterSeq: number | undefined): Promise<TaskRecord> {
    this.#requireStreaming();
    const record = await this.#o.store.get(scopeOf(call), id, call.signal);
    if (!record) throw new TaskNotFoundError(undefined, { metadata: { taskId: id } });
    // A number this task never gave out (another task's, or made up) would wait for events that never come.
    if (afterSeq !== undefined && afterSeq > record.seq) {
      throw new InvalidParamsError(`Last-Event-ID ${afterSeq} is beyond this task's last event (${record.seq})`, {
        metadata: { taskId: id },
      });
    }
    const resuming = afterSeq !== undefined && afterSeq < record.seq;
    if (isTerminal(record.task.status.state) && !resuming) {
      throw new UnsupportedOperationError(`task is ${record.task.status.state}; there is nothing to subscribe to`);
    }
    return record;
  }

  async createPushConfig(
    config: TaskPushNotificationConfig,
    taskId: string,
    call: CallContext,
  ): Promise<TaskPushNotificationConfig> {
    this.#requirePush();
    await this.getTask(taskId, 0, call);
    const saved = this.#checkPushConfig(config, taskId);
    await this.#savePushConfig(scopeOf(call), saved);
    return saved;
  }

  async getPushConfig(taskId: string, id: string, call: CallContext): Promise<TaskPushNotificationConfig> {
    const push = this.#requirePush();
    await this.getTask(taskId, 0, call);
    const found = await push.configs.get(scopeOf(call), taskId, id);
    if (!found)
      throw new TaskNotFoundError('push notification config not found', { metadata: { taskId, configId: id } });
    return found;
  }

  /** A page of a task's push configs, ordered by id; the token names the last id of the previous page. */
  async listPushConfigs(
    request: ListTaskPushNotificationConfigsRequest,
    call: CallContext,
  ): Promise<ListTaskPushNotificationConfigsResponse> {
    const push = this.#requirePush();
    await this.getTask(request.taskId, 0, call);
    const afterId = request.pageToken ? parsePushPageToken(request.pageToken) : undefined;
    const size = Math.min(request.pageSize || 100, 100);
    const page = await push.configs.list(scopeOf(call), request.taskId, {
      limit: size + 1,
      ...(afterId !== undefined ? { afterId } : {}),
    });
    const configs = page.slice(0, size);
    const last = configs[configs.length - 1];
    return { configs, nextPageToken: page.length > size && last ? pushPageToken(last.id) : '' };
  }

  /** Idempotent (A2A §3.1.10): deleting a config that does not exist succeeds; a missing task is TaskNotFound. */
  async deletePushConfig(taskId: string, id: string, call: CallContext): Promise<void> {
    const push = this.#requirePush();
    await this.getTask(taskId, 0, call);
    await push.configs.delete(scopeOf(call), taskId, id);
  }

  /** The extended card is for authenticated callers only (A2A §3.1.11). */
  async getExtendedCard(call: CallContext): Promise<AgentCard> {
    if (this.card.capabilities.extendedAgentCard !== true)
      throw new UnsupportedOperationError('no extended agent card');
    if (call.principal.scheme === 'anonymous') throw new AuthenticationRequiredError();
    if (!this.#o.extendedCard) throw new ExtendedAgentCardNotConfiguredError();
    return this.#o.extendedCard;
  }

  #sweep(): void {
    const now = Date.now();
    for (const w of this.#waiting) {
      if (w.at <= now) {
        this.#waiting.delete(w);
        w.stop();
      }
    }
  }

  /** Abort every running task (server shutdown) and wait for the executors to return. */
  async close(): Promise<void> {
    if (this.#sweeper) clearInterval(this.#sweeper);
    const runs = [...this.#runs.values()];
    for (const r of runs) r.abort.abort();
    await Promise.allSettled(runs.map((r) => r.done));
    await Promise.allSettled([...this.#deliveries]);
  }

  #requireStreaming(): void {
    if (this.card.capabilities.streaming !== true) throw new UnsupportedOperationError('streaming is not supported');
  }

  #requirePush() {
    if (this.card.capabilities.pushNotifications !== true || !this.#o.push)
      throw new PushNotificationNotSupportedError();
    return this.#o.push;
  }

  /** The same checks for CreateTaskPushNotificationConfig and inline configs of SendMessage. */
  #checkPushConfig(config: TaskPushNotificationConfig, taskId: string): StoredPushConfig {
    const push = this.#requirePush();
    let url: URL;
    try {
      url = new URL(config.url);
    } catch {
      throw new InvalidParamsError('url is not a valid URL');
    }
    const refusal = push.sender.refuse?.(url);
    if (refusal) throw new InvalidParamsError(refusal);
    if (config.taskId && config.taskId !== taskId) throw new InvalidParamsError('taskId does not match the task');
    return { ...config, taskId, id: config.id || randomUUID() };
  }

  async #savePushConfig(scope: TaskScope, config: StoredPushConfig): Promise<void> {
    const push = this.#requirePush();
    const max = push.maxConfigsPerTask ?? 10;
    if ((await push.configs.save(scope, config, max)) === 'limit') {
      throw new InvalidParamsError(`a task has at most ${max} push notification configs`);
    }
  }

  #enqueue<T>(run: Run, work: () => Promise<T>): Promise<T> {
    const next = run.chain.then(work);
    run.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * Hand a logged event to this run's stream and to the webhooks; the webhook delivery starts after `after` settled
   * (the run's previous delivery: see `TaskRun.#publish`). Returns the delivery.
   */
  #delivered(
    scope: TaskScope,
    taskId: string,
    run: Run | undefined,
    event: SequencedEvent,
    after?: Promise<void>,
  ): Promise<void> | undefined {
    run?.channel.publish(event);
    const push = this.#o.push;
    if (!push) return undefined;
    const notify = () => push.sender.notify(scope, taskId, event.event, push.configs);
    // Delivery runs in the background; a failing store or sender must never become an unhandled rejection.
    const delivery = (after ? after.then(notify) : notify()).catch((error) => {
      internalError(error, this.#o.onError);
    });
    // Tracked until done, so that `close` lets the queued ones go out before the sender closes.
    this.#deliveries.add(delivery);
    void delivery.then(() => this.#deliveries.delete(delivery));
    return delivery;
  }

  #finish(scope: TaskScope, taskId: string, run: Run, error?: Error): void {
    if (run.finished) return;
    run.finished = true;
    if (this.#runs.get(runKey(scope, taskId)) === run) this.#runs.delete(runKey(scope, taskId));
    run.channel.close(error);
  }

  /** Check the message against existing state, create or resume the task, and run the executor. */
  async #start(request: SendMessageRequest, call: CallContext) {
    const scope = scopeOf(call);
    const store = this.#o.store;
    const message = request.message;
    const inlinePush = request.configuration?.taskPushNotificationConfig;
    let existing: Task | undefined;
    if (message.taskId) {
      existing = (await store.get(scope, message.taskId, call.signal))?.task;
      if (!existing) throw new TaskNotFoundError(undefined, { metadata: { taskId: message.taskId } });
      if (isTerminal(existing.status.state)) {
        throw new UnsupportedOperationError(
          `task ${existing.id} is ${existing.status.state} and accepts no more messages`,
        );
      }
      if (message.contextId && existing.contextId && message.contextId !== existing.contextId) {
        throw new InvalidParamsError(`contextId ${message.contextId} does not match the task's context`);
      }
    }
    checkInputModes(message, this.card);
    const taskId = existing?.id ?? randomUUID();
    const contextId = existing?.contextId ?? message.contextId ?? randomUUID();
    const pushConfig = inlinePush ? this.#checkPushConfig(inlinePush, taskId) : undefined;
    const userMessage: Message = { ...message, taskId, contextId };
    const run: Run = {
      channel: new EventChannel<SequencedEvent>(),
      abort: new AbortController(),
      chain: Promise.resolve(),
      finished: false,
      done: Promise.resolve(),
    };
    const events = run.channel.subscribe(call.signal, { maxQueued: this.#o.maxQueuedEvents ?? 10_000 });
    const key = runKey(scope, taskId);

    if (existing) {
      // Resume atomically: only an interrupted task takes a follow-up, and only one follow-up at a time.
      const status = { state: 'TASK_STATE_WORKING' as const, timestamp: now() };
      const event: StreamResponse = { statusUpdate: { taskId, contextId, status } };
      const result = await store.append(scope, taskId, { userMessage, event }, { ifStateIn: INTERRUPTED_TASK_STATES });
      if (!result.ok) {
        if (result.reason === 'not-found') throw new TaskNotFoundError(undefined, { metadata: { taskId } });
        throw new UnsupportedOperationError(`task ${taskId} is ${result.state} and does not take a message now`);
      }
      if (pushConfig) await this.#savePushConfig(scope, pushConfig);
      this.#runs.set(key, run);
      this.#delivered(scope, taskId, run, { event, seq: result.seq });
    }

    const taskRun = new TaskRun(this.#host, run, {
      scope,
      key,
      taskId,
      contextId,
      userMessage,
      existing,
      pushConfig,
    });
    run.done = taskRun.execute(this.#o.executor, call);
    return { taskId, events };
  }

  /**
   * A store failure ends the run with an InternalError on its stream: never swallowed, never a lost task. A store
   * that refuses the input with an A2A error of its own (e.g. InvalidParams for text it cannot hold) is reported as is.
   */
  #failRun(scope: TaskScope, taskId: string, run: Run, error: unknown): void {
    const reported =
      error instanceof StoreFullError
        ? new InternalError('the agent has no room for more tasks; retry later')
        : error instanceof A2AError
          ? error
          : internalError(error, this.#o.onError);
    run.abort.abort();
    this.#finish(scope, taskId, run, reported);
  }
}

const pushPageToken = (id: string) => Buffer.from(JSON.stringify(['pc', id])).toString('base64url');

function parsePushPageToken(token: string): string {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value[0] === 'pc' && typeof value[1] === 'string') {
      return value[1];
    }
  } catch {
    // fall through
  }
  throw new InvalidParamsError('invalid pageToken');
}

interface RunHost {
  readonly store: TaskStore;
  readonly onError: ((error: unknown, correlationId: string) => void) | undefined;
  enqueue<T>(run: Run, work: () => Promise<T>): Promise<T>;
  delivered(
    scope: TaskScope,
    taskId: string,
    run: Run,
    event: SequencedEvent,
    after?: Promise<void>,
  ): Promise<void> | undefined;
  finish(scope: TaskScope, taskId: string, run: Run, error?: Error): void;
  failRun(scope: TaskScope, taskId: string, run: Run, error: unknown): void;
  register(key: string, run: Run): void;
  savePushConfig(scope: TaskScope, config: StoredPushConfig): Promise<void>;
}

interface RunSetup {
  readonly scope: TaskScope;
  readonly key: string;
  readonly taskId: string;
  readonly contextId: string;
  readonly userMessage: Message;
  readonly existing: Task | undefined;
  readonly pushConfig: StoredPushConfig | undefined;
}

/**
 * One run of the executor on a task: the TaskEvents it is given. Every change goes through the run's update chain,
 * in order; the task is created in the store on the first change. (A class rather than closures: one allocation.)
 */
class TaskRun implements TaskEvents {
  readonly #host: RunHost;
  readonly #run: Run;
  readonly #s: RunSetup;
  #created: boolean;
  #replied = false;
  #applied = 0;
  /** Changes not yet handed to the store (see `#change`). */
  readonly #queued: TaskChange[] = [];
  /** The run's last webhook delivery (see `#publish`). */
  #pushed: Promise<void> | undefined;
  /**
   * When the message was taken: the new task's SUBMITTED timestamp. The task is created in the update chain, after
   * the executor's first update was stamped; stamping it then put SUBMITTED after WORKING whenever a millisecond
   * passed in between (under load), and a relay that drops late progress updates dropped that WORKING. Kept as a
   * number: formatted only if a task is created (a direct reply never needs it).
   */
  readonly #submittedAt = Date.now();

  constructor(host: RunHost, run: Run, setup: RunSetup) {
    this.#host = host;
    this.#run = run;
    this.#s = setup;
    this.#created = setup.existing !== undefined;
  }

  reply(input: MessageInput): void {
    if (this.#created || this.#replied || this.#run.finished) return;
    this.#replied = true;
    this.#run.channel.publish({ event: { message: this.#agentMessage(input, this.#s.existing !== undefined) } });
    this.#host.finish(this.#s.scope, this.#s.taskId, this.#run);
  }
  working(input?: MessageInput): void {
    this.#status('TASK_STATE_WORKING', input);
  }
  inputRequired(input: MessageInput): void {
    this.#status('TASK_STATE_INPUT_REQUIRED', input);
  }
  authRequired(input: MessageInput): void {
    this.#status('TASK_STATE_AUTH_REQUIRED', input);
  }
  complete(input?: MessageInput): void {
    this.#status('TASK_STATE_COMPLETED', input);
  }
  fail(input?: MessageInput): void {
    this.#status('TASK_STATE_FAILED', input);
  }
  reject(input?: MessageInput): void {
    this.#status('TASK_STATE_REJECTED', input);
  }
  artifact(artifact: Artifact, options: { append?: boolean; lastChunk?: boolean } = {}): void {
    const { taskId, contextId } = this.#s;
    const artifactUpdate = {
      taskId,
      contextId,
      artifact,
      ...(options.append ? { append: true } : {}),
      ...(options.lastChunk ? { lastChunk: true } : {}),
    };
    this.#change({ event: { artifactUpdate } });
  }
  metadata(values: Record<string, unknown>): void {
    this.#change({ metadata: values });
  }

  /** Run the executor; completes the task when it returns without a final state, fails it when it throws. */
  async execute(executor: AgentExecutor, call: CallContext): Promise<void> {
    const { taskId, contextId, userMessage, existing, scope } = this.#s;
    let failure: unknown;
    try {
      await executor.execute(
        {
          message: userMessage,
          task: existing,
          taskId,
          contextId,
          extensions: call.extensions,
          principal: call.principal,
          tenant: call.tenant,
          signal: this.#run.abort.signal,
        },
        this,
      );
    } catch (error) {
      failure = error;
    }
    try {
      await this.#run.chain;
      if (this.#run.finished || this.#run.abort.signal.aborted) return;
      if (failure === undefined) this.#status('TASK_STATE_COMPLETED');
      else {
        // The client learns only a correlation id; the detail goes to onError (logged redacted by the plugin).
        const reported = internalError(failure, this.#host.onError);
        this.#status('TASK_STATE_FAILED', `the agent failed: ${reported.message}`);
      }
      await this.#run.chain;
    } catch (error) {
      this.#host.failRun(scope, taskId, this.#run, error);
    }
  }

  #agentMessage(input: MessageInput, inTask = true): Message {
    const base =
      typeof input === 'string' ? { parts: [{ text: input }] } : Array.isArray(input) ? { parts: input } : input;
    return {
      messageId: randomUUID(),
      ...base,
      role: 'ROLE_AGENT',
      contextId: this.#s.contextId,
      ...(inTask ? { taskId: this.#s.taskId } : {}),
    } as Message;
  }

  #status(state: TaskState, input?: MessageInput): void {
    const status = { state, timestamp: now(), ...(input !== undefined ? { message: this.#agentMessage(input) } : {}) };
    this.#change({ event: { statusUpdate: { taskId: this.#s.taskId, contextId: this.#s.contextId, status } } });
  }

  /** The task as it is created: SUBMITTED when the message was taken, with the message as its history. */
  #newTask(): Task {
    const { taskId, contextId, userMessage } = this.#s;
    return {
      id: taskId,
      contextId,
      status: { state: 'TASK_STATE_SUBMITTED', timestamp: new Date(this.#submittedAt).toISOString() },
      history: [userMessage],
    };
  }

  async #ensureTask(): Promise<void> {
    if (this.#created) return;
    const { scope, pushConfig, key } = this.#s;
    const record = await this.#host.store.create(scope, this.#newTask());
    this.#created = true;
    this.#host.register(key, this.#run);
    if (pushConfig) await this.#host.savePushConfig(scope, pushConfig);
    this.#publish({ event: { task: record.task }, seq: record.seq });
  }

  /** Create the task with its first changes in one write (`TaskStore.createWith`); the task event is published. */
  async #createWith(
    createWith: NonNullable<TaskStore['createWith']>,
    changes: readonly TaskChange[],
  ): Promise<AppendResult[]> {
    const { record, results } = await createWith(this.#s.scope, this.#newTask(), changes);
    this.#created = true;
    this.#host.register(this.#s.key, this.#run);
    this.#publish({ event: { task: record.task }, seq: record.seq });
    return results;
  }

  /**
   * Apply one change in order; a refused change (task now terminal, evicted) ends the run. Changes made while the
   * previous write was in flight are written together (`appendMany` when the store has it, at most `MAX_BATCH` per
   * write), each published after it is stored; none after one that settles the task.
   */
  #change(change: TaskChange): void {
    this.#queued.push(change);
    if (this.#queued.length > 1) return; // the write queued for the first waiting change takes this one too
    const run = this.#run;
    const { scope, taskId } = this.#s;
    this.#host
      .enqueue(run, async () => {
        const store = this.#host.store;
        while (this.#queued.length > 0) {
          if (run.finished || run.abort.signal.aborted) return void this.#queued.splice(0);
          // A new task is created with the changes waiting, in one write, when the store can (an inline push config
          // is saved between the creation and the first event: not then).
          const createWith = this.#created || this.#s.pushConfig ? undefined : store.createWith?.bind(store);
          if (!createWith) await this.#ensureTask();
          const changes = untilSettled(this.#queued.splice(0, MAX_BATCH));
          let results: AppendResult[] | undefined;
          if (createWith) results = await this.#createWith(createWith, changes);
          else if (store.appendMany) {
            await this.#breathe();
            results = await store.appendMany(scope, taskId, changes);
          }
          if (results) {
            for (const [i, result] of results.entries()) if (this.#stored(result, changes[i] as TaskChange)) return;
          } else
            for (const c of changes) {
              await this.#breathe();
              if (this.#stored(await store.append(scope, taskId, c), c)) return;
            }
        }
      })
      .catch((error) => this.#host.failRun(scope, taskId, run, error));
  }

  /** A fast store resolves in microtasks: let I/O (readers, other requests) in between bursts of writes. */
  async #breathe(): Promise<void> {
    if (++this.#applied % 64 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Publish a stored change's event; true when the run is over (the change was refused, or settled the task). */
  #stored(result: AppendResult, change: TaskChange): boolean {
    const { scope, taskId } = this.#s;
    if (!result.ok) {
      this.#host.finish(scope, taskId, this.#run);
      this.#run.abort.abort();
      return true;
    }
    if (change.event) this.#publish({ event: change.event, seq: result.seq });
    if (!isSettled(result.state)) return false;
    this.#host.finish(scope, taskId, this.#run);
    return true;
  }

  /**
   * Hand a stored event to the run's stream and the webhooks, each webhook delivery after the run's previous one: the
   * events of a write are stored together, and a receiver gets them in order (the final status last).
   */
  #publish(event: SequencedEvent): void {
    const { scope, taskId } = this.#s;
    this.#pushed = this.#host.delivered(scope, taskId, this.#run, event, this.#pushed) ?? this.#pushed;
  }
}

/** Most changes in one `appendMany`: bounds a write's size and how long a burst keeps other work waiting. */
const MAX_BATCH = 256;

/** The changes up to and including the first that settles the task (a run stops publishing there). */
function untilSettled(changes: TaskChange[]): TaskChange[] {
  const i = changes.findIndex((c) => {
    const state = c.event?.statusUpdate?.status.state;
    return state !== undefined && isSettled(state);
  });
  return i < 0 ? changes : changes.slice(0, i + 1);
}
