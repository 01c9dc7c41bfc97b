/**
 * Where an agent server keeps its tasks (A2A §3.1.3–§3.1.6): the TaskStore interface, the rules every
 * implementation follows, and the bounded in-memory default.
 *
 * Every method may be a network round trip (e.g. PostgreSQL). The contract is built so that it maps onto SQL:
 * - scope: every call names a TaskScope (tenant + owner); a task is visible only in the scope that created it, and
 *   a task of another scope is reported exactly as a missing one (A2A §13.3: never reveal its existence);
 * - an event log: every change that clients may observe is a StreamResponse with a per-task sequence number
 *   (1, 2, 3, … strictly increasing); `subscribe(afterSeq)` yields every event after a sequence number, then the
 *   live ones, so a `get` (which returns the task with the sequence number of its last event) followed by
 *   `subscribe(seq)` misses nothing and duplicates nothing;
 * - atomic, conditional appends: a task in a terminal state never changes (appends to it are refused), and an
 *   append may require the current state to be one of a set (e.g. resuming an interrupted task).
 */
import type { Artifact, Message, StreamResponse, Task, TaskState } from '../a2a/model/index.js';
import { INTERRUPTED_TASK_STATES, TERMINAL_TASK_STATES } from '../a2a/model/index.js';
import { EventChannel } from './event-channel.js';

/** Who a store operation acts for: `tenant` ('' when none) and `owner` (the authenticated Principal's id). */
export interface TaskScope {
  readonly tenant: string;
  readonly owner: string;
}

export interface TaskQuery {
  readonly contextId?: string;
  readonly status?: TaskState;
  /** Only tasks whose status timestamp is after this instant. */
  readonly statusTimestampAfter?: string;
  readonly pageSize: number;
  readonly pageToken?: string;
}

export interface TaskPage {
  readonly tasks: Task[];
  /** Empty on the last page. */
  readonly nextPageToken: string;
  readonly totalSize: number;
}

/** A task with the sequence number of the last event applied to it. */
export interface TaskRecord {
  readonly task: Task;
  readonly seq: number;
}

/** One logged event of a task. */
export interface StoredEvent {
  readonly seq: number;
  readonly event: StreamResponse;
}

/**
 * A change to a stored task, applied in this order: `userMessage` appended to the history (a client's follow-up),
 * `metadata` merged into the task's metadata, then `event` (a statusUpdate, artifactUpdate or message) applied with
 * `applyTaskEvent` and logged with the next sequence number. Only the event is logged and published: a change
 * without one keeps the task's sequence number.
 */
export interface TaskChange {
  readonly event?: StreamResponse;
  readonly userMessage?: Message;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export interface AppendOptions {
  /** Apply only when the task's current state is one of these; otherwise the result is `{ ok: false, reason: 'state' }`. */
  readonly ifStateIn?: readonly TaskState[];
}

export type AppendResult =
  | { readonly ok: true; readonly seq: number; readonly state: TaskState }
  | { readonly ok: false; readonly reason: 'not-found' }
  | { readonly ok: false; readonly reason: 'terminal' | 'state'; readonly state: TaskState };

export interface TaskStore {
  /** Store a new task; its `{ task }` event gets sequence number 1. Throws TaskExistsError when the id is taken. */
  create(scope: TaskScope, task: Task, signal?: AbortSignal): Promise<TaskRecord>;
  /** The task and its last sequence number; undefined when missing, evicted or in another scope. */
  get(scope: TaskScope, id: string, signal?: AbortSignal): Promise<TaskRecord | undefined>;
  /**
   * Atomically: check the task exists in scope, is not terminal, and (with `ifStateIn`) is in one of the given
   * states; apply the change; log an event with the next sequence number; publish it to subscribers. Refused
   * appends change nothing. The result carries the task's state after the change.
   */
  append(scope: TaskScope, id: string, change: TaskChange, options?: AppendOptions): Promise<AppendResult>;
  /**
   * Optional: several changes of one task, in order, with the result each would have had appended alone (once the
   * task is terminal every later change is refused), written and published together, so that a store with a cost per
   * write (a transaction, a round trip) pays it once for the events a run produced meanwhile. The server uses it when
   * present.
   */
  appendMany?(scope: TaskScope, id: string, changes: readonly TaskChange[]): Promise<AppendResult[]>;
  /**
   * Optional: `create` then `appendMany` of `changes`, as one write, so that a new task's first events cost no write
   * of their own. Resolves with the task as created (its `{ task }` event has sequence number 1) and the result of
   * each change. Throws TaskExistsError when the id is taken (nothing is stored). The server uses it when present.
   */
  createWith?(
    scope: TaskScope,
    task: Task,
    changes: readonly TaskChange[],
  ): Promise<{ readonly record: TaskRecord; readonly results: AppendResult[] }>;
  /** Tasks of the scope by status timestamp, most recent first (A2A §3.1.4), with an opaque cursor. */
  list(scope: TaskScope, query: TaskQuery, signal?: AbortSignal): Promise<TaskPage>;
  /**
   * Every event of the task with a sequence number greater than `afterSeq`, in order, then live events as they are
   * appended, until `signal` aborts or the consumer stops. Throws EventsExpiredError (at once or when iterated)
   * when events after `afterSeq` are no longer kept; TaskNotFoundError-free: a missing task yields nothing and ends.
   */
  subscribe(scope: TaskScope, id: string, afterSeq: number, signal?: AbortSignal): AsyncIterable<StoredEvent>;
}

/** Raised for a page token the store did not issue. */
export class InvalidPageTokenError extends Error {
  override readonly name = 'InvalidPageTokenError';
}

/** Raised by `create` when the task id exists. */
export class TaskExistsError extends Error {
  override readonly name = 'TaskExistsError';
}

/** Raised by `subscribe` when the events after the requested sequence number are no longer kept. */
export class EventsExpiredError extends Error {
  override readonly name = 'EventsExpiredError';
}

/** Raised by `create` when the store is full of tasks it may not evict. */
export class StoreFullError extends Error {
  override readonly name = 'StoreFullError';
}

export const isTerminal = (state: TaskState) => TERMINAL_TASK_STATES.includes(state);

/** A final or interrupted state: where a blocking SendMessage stops waiting and answers. */
export const isSettled = (state: TaskState) => isTerminal(state) || INTERRUPTED_TASK_STATES.includes(state);

/** The task's history, created when absent. */
function historyOf(task: Task): Message[] {
  if (!task.history) task.history = [];
  return task.history;
}

function applyArtifact(task: Task, artifact: Artifact, append: boolean): void {
  if (!task.artifacts) task.artifacts = [];
  const artifacts = task.artifacts;
  const i = artifacts.findIndex((a) => a.artifactId === artifact.artifactId);
  const prior = i >= 0 ? artifacts[i] : undefined;
  if (prior && append) {
    for (const part of artifact.parts) prior.parts.push(part);
    if (artifact.metadata) prior.metadata = { ...prior.metadata, ...artifact.metadata };
  } else if (prior) artifacts[i] = { ...artifact, parts: [...artifact.parts] };
  else artifacts.push({ ...artifact, parts: [...artifact.parts] });
}

/**
 * Fold one event into a task, IN PLACE (the store owns the task): a status update sets the status and appends its
 * message to the history; an artifact update adds, replaces or (with `append`) extends an artifact; a message is
 * appended to the history; a `task` event replaces the whole task. Cost is linear in the event, not the task.
 */
export function applyTaskEvent(task: Task, event: StreamResponse): Task {
  if (event.statusUpdate) {
    task.status = event.statusUpdate.status;
    if (event.statusUpdate.status.message) historyOf(task).push(event.statusUpdate.status.message);
  } else if (event.artifactUpdate) {
    applyArtifact(task, event.artifactUpdate.artifact, event.artifactUpdate.append === true);
  } else if (event.message) {
    historyOf(task).push(event.message as Message);
  } else if (event.task) {
    Object.assign(task, event.task);
  }
  return task;
}

/**
 * The checks every store makes before an append, on the task's current state (undefined: the task is missing in the
 * scope): the refusal to return, or undefined when the change may be applied.
 */
export function appendRefusal(
  state: TaskState | undefined,
  options: AppendOptions = {},
): Exclude<AppendResult, { ok: true }> | undefined {
  if (state === undefined) return { ok: false, reason: 'not-found' };
  if (isTerminal(state)) return { ok: false, reason: 'terminal', state };
  if (options.ifStateIn && !options.ifStateIn.includes(state)) return { ok: false, reason: 'state', state };
  return undefined;
}

/**
 * Apply an accepted change to a task IN PLACE, in the order TaskChange documents: the user message, the metadata,
 * then the event (`applyTaskEvent`). The task takes the change's objects (copy the change first when the caller keeps
 * it). Only the event is then logged, with the next sequence number.
 */
export function applyTaskChange(task: Task, change: TaskChange): Task {
  if (change.userMessage) historyOf(task).push(change.userMessage);
  if (change.metadata) task.metadata = { ...task.metadata, ...change.metadata };
  if (change.event) applyTaskEvent(task, change.event);
  return task;
}

/** The opaque ListTasks cursor after a task: its status timestamp and id (the order is newest first, then id). */
export const taskCursor = (statusTimestamp: string, id: string) =>
  Buffer.from(JSON.stringify([statusTimestamp, id])).toString('base64url');

/** The [status timestamp, id] a cursor names; InvalidPageTokenError for a token no store issued. */
export function parseTaskCursor(token: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string'))
      return value as [string, string];
  } catch {
    // fall through
  }
  throw new InvalidPageTokenError('invalid pageToken');
}

/** Most recent first; ties by id, so the order (and the cursor) is total. */
const newestFirst = (a: Task, b: Task) => {
  const ta = a.status.timestamp ?? '';
  const tb = b.status.timestamp ?? '';
  if (ta !== tb) return ta < tb ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

export interface InMemoryTaskStoreOptions {
  /** Most tasks kept (default 10 000). */
  readonly maxTasks?: number;
  /** Most bytes kept, counted as the serialised JSON written (default 256 MiB). */
  readonly maxBytes?: number;
  /** Terminal tasks are dropped this long after their last change (default 1 hour). */
  readonly terminalTtlMs?: number;
  /** Events kept per task for resumption (default 1 000); older ones answer EventsExpiredError. */
  readonly maxEventsPerTask?: number;
  /** Clock (for tests). */
  readonly now?: () => number;
}

interface Entry {
  readonly key: string;
  readonly scope: TaskScope;
  readonly task: Task;
  seq: number;
  bytes: number;
  touched: number;
  /** The last `maxEventsPerTask` events; `log[0].seq` is the oldest kept. */
  readonly log: StoredEvent[];
  logBytes: number[];
  readonly live: EventChannel<StoredEvent>;
}

/**
 * A deep copy of a JSON value and its approximate serialised size, in one pass (structuredClone is ~5x slower on
 * the small objects a store copies per event). `__proto__` members are copied as own data properties.
 */
export function copyJson<T>(value: T): { copy: T; bytes: number } {
  let bytes = 0;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      bytes += v.length + 2;
      return v;
    }
    if (typeof v !== 'object' || v === null) {
      bytes += 8;
      return v;
    }
    if (Array.isArray(v)) {
      bytes += 2;
      return v.map(walk);
    }
    const out: Record<string, unknown> = {};
    bytes += 2;
    for (const key of Object.keys(v)) {
      bytes += key.length + 4;
      const child = walk((v as Record<string, unknown>)[key]);
      if (key === '__proto__') Object.defineProperty(out, key, { value: child, enumerable: true, writable: true });
      else out[key] = child;
    }
    return out;
  };
  const copy = walk(value) as T;
  return { copy, bytes };
}

const clone = <T>(value: T): T => copyJson(value).copy;
const keyOf = (scope: TaskScope, id: string) => `${scope.tenant}\u0000${scope.owner}\u0000${id}`;

/**
 * The default store: tasks in a Map, bounded by count and bytes (least recently used first, terminal tasks expire
 * after a TTL). Tasks are copied in and out (callers cannot mutate stored state) and changed in place, so an
 * append costs time proportional to the change, never to the task.
 */
export class InMemoryTaskStore implements TaskStore {
  readonly #entries = new Map<string, Entry>(); // insertion order = least recently used first
  readonly #maxTasks: number;
  readonly #maxBytes: number;
  readonly #ttl: number;
  readonly #maxEvents: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(options: InMemoryTaskStoreOptions = {}) {
    this.#maxTasks = options.maxTasks ?? 10_000;
    this.#maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.#ttl = options.terminalTtlMs ?? 60 * 60 * 1000;
    this.#maxEvents = options.maxEventsPerTask ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Current size: tasks and (approximate) bytes. */
  get stats(): { tasks: number; bytes: number } {
    return { tasks: this.#entries.size, bytes: this.#bytes };
  }

  async create(scope: TaskScope, task: Task): Promise<TaskRecord> {
    const key = keyOf(scope, task.id);
    if (this.#entries.has(key)) throw new TaskExistsError(`task ${task.id} exists`);
    const { copy: stored, bytes } = copyJson(task);
    const event: StoredEvent = { seq: 1, event: { task: clone(task) } };
    const entry: Entry = {
      key,
      scope,
      task: stored,
      seq: 1,
      bytes: bytes * 2,
      touched: this.#now(),
      log: [event],
      logBytes: [bytes],
      live: new EventChannel(),
    };
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
    this.#evict(entry);
    return { task: clone(stored), seq: 1 };
  }

  async get(scope: TaskScope, id: string): Promise<TaskRecord | undefined> {
    const entry = this.#find(scope, id);
    return entry ? { task: clone(entry.task), seq: entry.seq } : undefined;
  }

  async append(scope: TaskScope, id: string, change: TaskChange, options: AppendOptions = {}): Promise<AppendResult> {
    const entry = this.#find(scope, id);
    const refused = appendRefusal(entry?.task.status.state, options);
    if (refused || !entry) return refused ?? { ok: false, reason: 'not-found' };
    // One copy, shared by the log and the task: the store never mutates an event's objects, only replaces them or
    // pushes them onto its own arrays, and every read hands out a copy.
    const { copy: written, bytes } = copyJson(change);
    applyTaskChange(entry.task, written);
    if (!written.event) {
      this.#grow(entry, bytes);
      return { ok: true, seq: entry.seq, state: entry.task.status.state };
    }
    const stored: StoredEvent = { seq: ++entry.seq, event: written.event };
    entry.log.push(stored);
    entry.logBytes.push(bytes);
    this.#grow(entry, bytes * 2);
    if (entry.log.length >= 2 * this.#maxEvents) {
      // Trim in batches: amortised O(1) per event.
      const drop = entry.log.length - this.#maxEvents;
      entry.log.splice(0, drop);
      this.#grow(entry, -entry.logBytes.splice(0, drop).reduce((a, b) => a + b, 0));
    }
    entry.live.publish(stored);
    const after = entry.task.status.state;
    if (isTerminal(after)) entry.live.close();
    this.#evict(entry);
    return { ok: true, seq: stored.seq, state: after };
  }

  async list(scope: TaskScope, query: TaskQuery): Promise<TaskPage> {
    this.#expire();
    const matching: Task[] = [];
    for (const e of this.#entries.values()) {
      const t = e.task;
      if (e.scope.tenant !== scope.tenant || e.scope.owner !== scope.owner) continue;
      if (query.contextId !== undefined && t.contextId !== query.contextId) continue;
      if (query.status !== undefined && t.status.state !== query.status) continue;
      if (query.statusTimestampAfter !== undefined && (t.status.timestamp ?? '') <= query.statusTimestampAfter)
        continue;
      matching.push(t);
    }
    matching.sort(newestFirst);
    let start = 0;
    if (query.pageToken) {
      const [timestamp, id] = parseTaskCursor(query.pageToken);
      const marker = { id, status: { state: 'TASK_STATE_WORKING', timestamp } } as Task;
      start = matching.findIndex((t) => newestFirst(t, marker) > 0);
      if (start < 0) start = matching.length;
    }
    const page = matching.slice(start, start + query.pageSize);
    const last = page[page.length - 1];
    const more = start + page.length < matching.length;
    return {
      tasks: page.map((t) => clone(t)),
      nextPageToken: more && last ? taskCursor(last.status.timestamp ?? '', last.id) : '',
      totalSize: matching.length,
    };
  }

  async *subscribe(scope: TaskScope, id: string, afterSeq: number, signal?: AbortSignal): AsyncIterable<StoredEvent> {
    const entry = this.#find(scope, id);
    if (!entry) return;
    const oldest = entry.log[0]?.seq ?? entry.seq + 1;
    if (afterSeq + 1 < oldest && afterSeq < entry.seq) {
      throw new EventsExpiredError(`events after ${afterSeq} of task ${id} are no longer kept`);
    }
    // Copy the backlog and subscribe in the same synchronous step: nothing can be appended in between.
    const backlog = entry.log.filter((e) => e.seq > afterSeq);
    const live = entry.live.subscribe(signal);
    try {
      for (const e of backlog) yield clone(e);
      for await (const e of live) if (e.seq > afterSeq) yield clone(e);
    } finally {
      await live.return?.();
    }
  }

  #find(scope: TaskScope, id: string): Entry | undefined {
    const key = keyOf(scope, id);
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (isTerminal(entry.task.status.state) && this.#now() - entry.touched > this.#ttl) {
      this.#drop(entry);
      return undefined;
    }
    // Most recently used last.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    entry.touched = this.#now();
    return entry;
  }

  #grow(entry: Entry, bytes: number): void {
    entry.bytes += bytes;
    this.#bytes += bytes;
  }

  #drop(entry: Entry): void {
    this.#entries.delete(entry.key);
    this.#bytes -= entry.bytes;
    entry.live.close();
  }

  #expire(): void {
    const now = this.#now();
    for (const e of [...this.#entries.values()]) {
      if (isTerminal(e.task.status.state) && now - e.touched > this.#ttl) this.#drop(e);
    }
  }

  /** Evict least recently used tasks (never `keep`, the one just written) until within bounds. */
  #evict(keep: Entry): void {
    if (this.#entries.size <= this.#maxTasks && this.#bytes <= this.#maxBytes) return;
    this.#expire();
    for (const e of this.#entries.values()) {
      if (this.#entries.size <= this.#maxTasks && this.#bytes <= this.#maxBytes) return;
      if (e !== keep) this.#drop(e);
    }
    if (this.#bytes > this.#maxBytes && keep.log.length > 1) {
      // A single task larger than the budget keeps its state but not its event log.
      const dropped = keep.logBytes.reduce((a, b) => a + b, 0);
      keep.log.length = 0;
      keep.logBytes = [];
      this.#grow(keep, -dropped);
    }
  }
}
