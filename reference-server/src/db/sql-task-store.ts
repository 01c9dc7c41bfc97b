/**
 * The SDK server's TaskStore and PushConfigStore on SQL (PGlite or PostgreSQL): tasks scoped by (tenant, owner), an
 * event log with per-task sequence numbers, atomic conditional appends (terminal states never change), and
 * subscriptions that replay the log after a sequence number and then follow live events. Live events reach
 * subscribers in this process directly and, on PostgreSQL, other replicas through NOTIFY (a wake-up carrying the task
 * id and sequence number; the table stays the truth, and a periodic re-read is the backstop if one is lost).
 *
 * The write path: one statement per write (the task row, its logged events and the NOTIFY together; a new task with
 * the changes waiting at its creation, `createWith`), grouped with the other writes of the moment into one
 * transaction, or on its own when alone (`Database.writeStatement`); the caller is answered after the commit. The
 * tasks this process writes are kept in memory, so an append does not read the row first: the UPDATE names the
 * sequence number it expects, and when another replica changed the task meanwhile it matches no row and the append
 * is redone from the row read under lock. A task in a final state never changes again: as this process wrote it, it
 * answers `get` and refuses appends without a read.
 */
import { randomUUID } from 'node:crypto';
import type { StreamResponse, Task, TaskState } from '@rightsize/sdk/a2a';
import {
  type AppendOptions,
  type AppendResult,
  appendRefusal,
  applyTaskChange,
  copyJson,
  isTerminal,
  type PushConfigSaveResult,
  type PushConfigStore,
  parseTaskCursor,
  type StoredEvent,
  type StoredPushConfig,
  type TaskChange,
  TaskExistsError,
  type TaskPage,
  type TaskQuery,
  type TaskRecord,
  type TaskScope,
  type TaskStore,
  taskCursor,
} from '@rightsize/sdk/server';
import type { Database, Sql } from './database.js';

export const EVENTS_CHANNEL = 'rightsize_task_events';
/** NOTIFY channel for push config changes (replicas forget what they know of the task's configs). */
export const PUSH_CHANNEL = 'rightsize_push_configs';

const json = (value: unknown) => JSON.stringify(value);
const keyOf = (scope: TaskScope, id: string) => `${scope.tenant}\u0000${scope.owner}\u0000${id}`;
/** The cache key of a push-config notification's payload (`[tenant, owner, taskId]`); '' (forget all) when unreadable. */
function keyOfPayload(payload: string): string {
  try {
    const [tenant, owner, id] = JSON.parse(payload) as unknown[];
    if (typeof tenant === 'string' && typeof owner === 'string' && typeof id === 'string')
      return keyOf({ tenant, owner }, id);
  } catch {
    // fall through
  }
  return '';
}

const stateOf = (event: StreamResponse): TaskState | undefined =>
  event.statusUpdate?.status.state ?? event.task?.status.state;

type Waiter = (event: StoredEvent | undefined) => void;

export interface SqlTaskStoreOptions {
  /** Re-read the log this often while waiting, in case a notification was lost (default 1 000 ms). */
  readonly pollMs?: number;
  /**
   * This broker run's id, recorded on every task it creates or changes: start-up recovery finds the tasks of runs
   * that are gone by it (default: a random id).
   */
  readonly runId?: string;
  /** Called when this store has created a task (before `create` resolves). */
  readonly onCreated?: (scope: TaskScope, taskId: string) => void;
  /**
   * Most tasks in flight kept in memory for appends without a read (default 10 000)... A quarter as many tasks in a
   * final state are kept too (they never change: `get` and appends to them need no read).
   */
  readonly cacheSize?: number;
  /** ...and most bytes (serialised size, default 64 MiB); beyond either the least recently written are dropped. */
  readonly cacheBytes?: number;
}

/** A task as this process last wrote it. */
interface Cached {
  readonly task: Task;
  readonly seq: number;
  /** Approximate serialised size. */
  readonly bytes: number;
}

/** What one append did: a result per change, and (when applied) the task as written and the logged events. */
interface Applied {
  readonly results: AppendResult[];
  readonly written?: Cached;
  readonly logged: StoredEvent[];
}

/** An append to make: what it will have done, and the statement that does it (none when nothing is applied). */
interface Planned extends Applied {
  readonly statement?: { readonly text: string; readonly params: unknown[] };
}

export class SqlTaskStore implements TaskStore {
  /** Identifies this process's notifications, so it ignores its own (it has already woken its subscribers). */
  readonly #origin = randomUUID();
  readonly #waiters = new Map<string, Set<Waiter>>();
  #unlisten: (() => Promise<void>) | undefined;
  readonly #pollMs: number;
  /** Tasks in flight as this process last wrote them. */
  readonly #live: TaskCache;
  /** Tasks in a final state as this process wrote them: no replica can change them any more. */
  readonly #settled: TaskCache;
  /** NOTIFY only matters to other replicas, which only PostgreSQL has. */
  readonly #notify: boolean;
  readonly runId: string;
  readonly #onCreated: ((scope: TaskScope, taskId: string) => void) | undefined;

  constructor(
    readonly db: Database,
    options: SqlTaskStoreOptions = {},
  ) {
    this.#pollMs = options.pollMs ?? 1000;
    const size = options.cacheSize ?? 10_000;
    const bytes = options.cacheBytes ?? 64 * 1024 * 1024;
    this.#live = new TaskCache(size, bytes);
    this.#settled = new TaskCache(Math.ceil(size / 4), Math.ceil(bytes / 4));
    this.#notify = db.kind === 'postgres';
    this.runId = options.runId ?? randomUUID();
    this.#onCreated = options.onCreated;
  }

  /** Start following other replicas' events (LISTEN). */
  async start(): Promise<void> {
    if (!this.#notify) return;
    this.#unlisten ??= await this.db.listen(EVENTS_CHANNEL, (payload) => {
      // An empty payload: the connection was re-established and notifications were missed, so wake every reader.
      if (payload === '') for (const taskId of this.#waiters.keys()) this.#wake(taskId, undefined);
      const [origin, taskId] = payload.split(' ');
      if (origin !== this.#origin && taskId) this.#wake(taskId, undefined);
    });
  }

  async stop(): Promise<void> {
    await this.#unlisten?.();
    this.#unlisten = undefined;
    for (const set of this.#waiters.values()) for (const w of set) w(undefined);
  }

  /**
   * The NOTIFY of logged events (PostgreSQL only) as a column of a statement whose CTE `logged` holds them: one
   * notification however many there are (naming the last sequence number), or none when nothing was logged. The
   * column's SQL, with parameters `$first` and `$first + 1`, and those parameters.
   */
  #notifying(first: number, taskId: string, seq: number): { column: string; params: unknown[] } {
    if (!this.#notify) return { column: '', params: [] };
    return {
      column: `, (SELECT count(pg_notify($${first}, $${first + 1})) FROM (SELECT FROM logged LIMIT 1) AS l) AS notified`,
      params: [EVENTS_CHANNEL, `${this.#origin} ${taskId} ${seq}`],
    };
  }

  async create(scope: TaskScope, task: Task): Promise<TaskRecord> {
    return (await this.createWith(scope, task, [])).record;
  }

  /**
   * A new task and its first changes in one statement (TaskStore.createWith): the row as the changes leave it, the
   * `{ task }` event with sequence number 1 and the changes' events after it.
   */
  async createWith(
    scope: TaskScope,
    task: Task,
    changes: readonly TaskChange[],
  ): Promise<{ record: TaskRecord; results: AppendResult[] }> {
    const { copy: stored, bytes } = copyJson(task);
    const created: StoredEvent = { seq: 1, event: { task: stored } };
    const applied = this.#apply({ task: stored, seq: 1 }, changes, {});
    const written = applied.written ?? { task: stored, seq: 1, bytes };
    const logged = [created, ...applied.logged];
    const notify = this.#notifying(11, task.id, written.seq);
    try {
      await this.db.writeStatement(
        `WITH created AS (
           INSERT INTO tasks (id, tenant, owner, context_id, state, status_ts, seq, task, run_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id
         ), logged AS (
           INSERT INTO task_events (task_id, seq, event)
           SELECT id, e.n, e.value FROM created, jsonb_array_elements($10::jsonb) WITH ORDINALITY AS e(value, n)
           RETURNING task_id
         )
         SELECT (SELECT count(*) FROM logged) AS logged${notify.column}`,
        [
          task.id,
          scope.tenant,
          scope.owner,
          task.contextId ?? '',
          written.task.status.state,
          written.task.status.timestamp ?? '',
          written.seq,
          json(written.task),
          this.runId,
          json(logged.map((l) => l.event)),
          ...notify.params,
        ],
      );
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new TaskExistsError(`task ${task.id} exists`);
      throw error;
    }
    this.#remember(keyOf(scope, task.id), written);
    this.#onCreated?.(scope, task.id);
    for (const event of logged) this.#wake(task.id, event);
    return { record: { task: copyJson(stored).copy, seq: 1 }, results: applied.results };
  }

  async get(scope: TaskScope, id: string): Promise<TaskRecord | undefined> {
    const settled = this.#settled.get(keyOf(scope, id));
    if (settled) return { task: copyJson(settled.task).copy, seq: settled.seq };
    const rows = await this.db.query<{ task: Task; seq: string | number }>(
      'SELECT task, seq FROM tasks WHERE id = $1 AND tenant = $2 AND owner = $3',
      [id, scope.tenant, scope.owner],
    );
    const row = rows[0];
    return row ? { task: row.task, seq: Number(row.seq) } : undefined;
  }

  async append(scope: TaskScope, id: string, change: TaskChange, options: AppendOptions = {}): Promise<AppendResult> {
    return (await this.#append(scope, id, [change], options))[0] as AppendResult;
  }

  /**
   * Several changes of one task in order, as one write: the task row updated once and every logged event inserted by
   * the same statement (a relayed stream's events that arrived together cost one statement and one commit, not one
   * each). A change after a refused one is refused too.
   */
  appendMany(scope: TaskScope, id: string, changes: readonly TaskChange[]): Promise<AppendResult[]> {
    return this.#append(scope, id, changes, {});
  }

  async #append(
    scope: TaskScope,
    id: string,
    changes: readonly TaskChange[],
    options: AppendOptions,
  ): Promise<AppendResult[]> {
    const key = keyOf(scope, id);
    // A conditional append checks a state another replica may have changed: it reads the row, unless the task is
    // in a final state (which refuses every append).
    const cached = this.#settled.get(key) ?? (options.ifStateIn ? undefined : this.#live.get(key));
    let applied: Applied;
    try {
      // The usual case: this process wrote the task last, and one statement (a write of its own) applies the changes
      // if the row still has the sequence number it knows. Otherwise the row is read under lock and the changes
      // applied to it, in one transaction.
      const planned = cached ? this.#plan(scope, id, cached, changes, options) : undefined;
      applied =
        (planned && (await this.#run(planned, (text, params) => this.db.writeStatement(text, params)))) ??
        (await this.db.write(async (tx) => {
          const rows = await tx.query<{ task: Task; seq: string | number }>(
            'SELECT task, seq FROM tasks WHERE id = $1 AND tenant = $2 AND owner = $3 FOR UPDATE',
            [id, scope.tenant, scope.owner],
          );
          const row = rows[0];
          const current = row ? { task: row.task, seq: Number(row.seq) } : undefined;
          return (await this.#run(this.#plan(scope, id, current, changes, options), tx.query.bind(tx))) as Applied;
        }));
    } catch (error) {
      this.#forget(key);
      throw error;
    }
    if (applied.written) this.#remember(key, applied.written);
    for (const event of applied.logged) this.#wake(id, event);
    return applied.results;
  }

  /** Run a planned append's statement: undefined when it matched no row (another replica changed the task). */
  async #run(planned: Planned, query: Sql['query']): Promise<Applied | undefined> {
    if (!planned.statement) return planned;
    const rows = await query(planned.statement.text, planned.statement.params);
    return Number((rows[0] as { changed?: unknown } | undefined)?.changed ?? 0) === 0 ? undefined : planned;
  }

  /**
   * Apply the changes to `current` in order, and the one statement that writes them if the row still has
   * `current.seq` (none when every change is refused).
   */
  #plan(
    scope: TaskScope,
    id: string,
    current: Pick<Cached, 'task' | 'seq'> | undefined,
    changes: readonly TaskChange[],
    options: AppendOptions,
  ): Planned {
    if (!current) return { results: changes.map(() => ({ ok: false, reason: 'not-found' })), logged: [] };
    const applied = this.#apply(current, changes, options);
    const written = applied.written;
    if (!written) return applied;
    const notify = this.#notifying(11, id, written.seq);
    const text = `WITH changed AS (
         UPDATE tasks SET task = $4, state = $5, status_ts = $6, seq = $7, run_id = $8
         WHERE id = $1 AND tenant = $2 AND owner = $3 AND seq = $9 RETURNING id
       ), logged AS (
         INSERT INTO task_events (task_id, seq, event)
         SELECT id, $9 + e.n, e.value FROM changed, jsonb_array_elements($10::jsonb) WITH ORDINALITY AS e(value, n)
         RETURNING task_id
       )
       SELECT (SELECT count(*) FROM changed) AS changed${notify.column}`;
    const params = [
      id,
      scope.tenant,
      scope.owner,
      json(written.task),
      written.task.status.state,
      written.task.status.timestamp ?? '',
      written.seq,
      this.runId,
      current.seq,
      json(applied.logged.map((l) => l.event)),
      ...notify.params,
    ];
    return { ...applied, statement: { text, params } };
  }

  /** The changes applied in order to a copy of `current`: the task as written (none when every change is refused). */
  #apply(current: Pick<Cached, 'task' | 'seq'>, changes: readonly TaskChange[], options: AppendOptions): Applied {
    const { copy: task, bytes: baseBytes } = copyJson(current.task);
    let bytes = baseBytes;
    let seq = current.seq;
    const results: AppendResult[] = [];
    const logged: StoredEvent[] = [];
    for (const change of changes) {
      // Checked on the state the earlier changes left (a terminal state refuses every later change).
      const refused = appendRefusal(task.status.state, options);
      if (refused) {
        results.push(refused);
        continue;
      }
      const { copy: written, bytes: changeBytes } = copyJson(change);
      applyTaskChange(task, written);
      bytes += changeBytes;
      if (written.event) logged.push({ seq: ++seq, event: written.event });
      results.push({ ok: true, seq, state: task.status.state });
    }
    return results.some((r) => r.ok) ? { results, written: { task, seq, bytes }, logged } : { results, logged: [] };
  }

  async list(scope: TaskScope, query: TaskQuery): Promise<TaskPage> {
    const params: unknown[] = [scope.tenant, scope.owner];
    const where = ['tenant = $1', 'owner = $2'];
    const add = (column: string, operator: string, value: unknown) => {
      params.push(value);
      where.push(`${column} ${operator} $${params.length}`);
    };
    if (query.contextId !== undefined) add('context_id', '=', query.contextId);
    if (query.status !== undefined) add('state', '=', query.status);
    if (query.statusTimestampAfter !== undefined) add('status_ts', '>', query.statusTimestampAfter);
    const total = await this.db.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM tasks WHERE ${where.join(' AND ')}`,
      params,
    );
    if (query.pageToken) {
      const [ts, id] = parseTaskCursor(query.pageToken);
      params.push(ts, id);
      where.push(
        `(status_ts < $${params.length - 1} OR (status_ts = $${params.length - 1} AND id > $${params.length}))`,
      );
    }
    params.push(query.pageSize + 1);
    const rows = await this.db.query<{ task: Task; status_ts: string; id: string }>(
      `SELECT task, status_ts, id FROM tasks WHERE ${where.join(' AND ')}
       ORDER BY status_ts DESC, id ASC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, query.pageSize);
    const last = page[page.length - 1];
    return {
      tasks: page.map((r) => r.task),
      nextPageToken: rows.length > query.pageSize && last ? taskCursor(last.status_ts, last.id) : '',
      totalSize: Number(total[0]?.n ?? 0),
    };
  }

  async *subscribe(scope: TaskScope, id: string, afterSeq: number, signal?: AbortSignal): AsyncIterable<StoredEvent> {
    if (!(await this.get(scope, id))) return;
    // Register before reading the log, so an event appended in between is not missed (duplicates are skipped).
    const queue: Array<StoredEvent | undefined> = [];
    let notify: (() => void) | undefined;
    const waiter: Waiter = (event) => {
      queue.push(event);
      notify?.();
    };
    let set = this.#waiters.get(id);
    if (!set) {
      set = new Set();
      this.#waiters.set(id, set);
    }
    set.add(waiter);
    const onAbort = () => notify?.();
    signal?.addEventListener('abort', onAbort);
    let seq = afterSeq;
    try {
      let reread = true;
      while (!signal?.aborted) {
        if (reread) {
          const rows = await this.db.query<{ seq: string | number; event: StreamResponse }>(
            'SELECT seq, event FROM task_events WHERE task_id = $1 AND seq > $2 ORDER BY seq',
            [id, seq],
          );
          for (const row of rows) {
            seq = Number(row.seq);
            yield { seq, event: row.event };
            const state = stateOf(row.event);
            if (state && isTerminal(state)) return;
          }
          reread = false;
        }
        if (queue.length === 0) {
          await new Promise<void>((resolve) => {
            notify = resolve;
            setTimeout(resolve, this.#pollMs).unref();
          });
          notify = undefined;
          if (queue.length === 0) reread = true; // the backstop: re-read after pollMs without a wake-up
        }
        while (queue.length > 0 && !reread) {
          const event = queue.shift();
          if (event === undefined || event.seq > seq + 1)
            reread = true; // a remote wake-up, or a gap
          else if (event.seq === seq + 1) {
            seq = event.seq;
            yield event;
            const state = stateOf(event.event);
            if (state && isTerminal(state)) return;
          }
        }
        queue.length = 0;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      set.delete(waiter);
      if (set.size === 0) this.#waiters.delete(id);
    }
  }

  /** Keep the task as written (most recently written last). */
  #remember(key: string, written: Cached): void {
    const known = this.#live.get(key);
    this.#live.delete(key);
    const keep = known && known.seq > written.seq ? known : written;
    (isTerminal(keep.task.status.state) ? this.#settled : this.#live).set(key, keep);
  }

  #forget(key: string): void {
    this.#live.delete(key);
  }

  #wake(taskId: string, event: StoredEvent | undefined): void {
    const set = this.#waiters.get(taskId);
    if (set) for (const w of set) w(event ? copyJson(event).copy : undefined);
  }
}

/** Tasks by key, least recently written first, at most `maxTasks` and `maxBytes` (the oldest are dropped). */
class TaskCache {
  readonly #entries = new Map<string, Cached>();
  #bytes = 0;

  constructor(
    readonly maxTasks: number,
    readonly maxBytes: number,
  ) {}

  get(key: string): Cached | undefined {
    return this.#entries.get(key);
  }

  set(key: string, task: Cached): void {
    this.delete(key);
    this.#entries.set(key, task);
    this.#bytes += task.bytes;
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.maxTasks && this.#bytes <= this.maxBytes) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const known = this.#entries.get(key);
    if (!known) return;
    this.#entries.delete(key);
    this.#bytes -= known.bytes;
  }
}

/**
 * Push configs keyed by (tenant, owner, task, id): one caller never sees another's webhooks. The webhook sender asks
 * for a task's configs at every event; most tasks have none, and that answer is remembered until a config of the task
 * is saved (here, or on another replica: NOTIFY).
 */
export class SqlPushConfigStore implements PushConfigStore {
  /** Tasks known to have no push configs. */
  readonly #none = new Set<string>();
  /** Bumped at every change, so a read that raced with one does not remember a stale "none". */
  #generation = 0;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(readonly db: Database) {}

  /** Follow other replicas' changes (PostgreSQL). */
  async start(): Promise<void> {
    if (this.db.kind !== 'postgres') return;
    this.#unlisten ??= await this.db.listen(PUSH_CHANNEL, (payload) => this.#changed(payload && keyOfPayload(payload)));
  }

  async stop(): Promise<void> {
    await this.#unlisten?.();
    this.#unlisten = undefined;
  }

  /**
   * A task this process has just created has no push configs yet (a config is saved only for a task that exists, and
   * its id was unknown until now): its first events need no read. A save here or on another replica (NOTIFY) undoes it.
   */
  created(scope: TaskScope, taskId: string): void {
    if (this.#none.size >= 10_000) this.#none.clear();
    this.#none.add(keyOf(scope, taskId));
  }

  #changed(key: string): void {
    this.#generation++;
    // An empty key: notifications were missed while reconnecting, so no remembered "none" can be trusted.
    if (key === '') this.#none.clear();
    else this.#none.delete(key);
  }

  async save(scope: TaskScope, config: StoredPushConfig, maxPerTask: number): Promise<PushConfigSaveResult> {
    const cacheKey = keyOf(scope, config.taskId);
    // Before (a read racing with the save) and after (a read that saw the row not yet committed).
    this.#changed(cacheKey);
    try {
      return await this.#save(scope, config, maxPerTask);
    } finally {
      this.#changed(cacheKey);
    }
  }

  #save(scope: TaskScope, config: StoredPushConfig, maxPerTask: number) {
    return this.db.transaction(async (tx): Promise<PushConfigSaveResult> => {
      // The payload names the task as JSON: the cache key's NUL separators cannot travel in a notification.
      if (this.db.kind === 'postgres')
        await tx.query('SELECT pg_notify($1, $2)', [PUSH_CHANNEL, json([scope.tenant, scope.owner, config.taskId])]);
      // Lock the task's row so concurrent saves count one after the other.
      await tx.query('SELECT 1 FROM tasks WHERE id = $1 FOR UPDATE', [config.taskId]);
      const key = [scope.tenant, scope.owner, config.taskId];
      const existing = await tx.query(
        'SELECT 1 FROM push_configs WHERE tenant = $1 AND owner = $2 AND task_id = $3 AND id = $4',
        [...key, config.id],
      );
      if (existing.length > 0) {
        await tx.query(
          'UPDATE push_configs SET config = $5 WHERE tenant = $1 AND owner = $2 AND task_id = $3 AND id = $4',
          [...key, config.id, json(config)],
        );
        return 'replaced';
      }
      const count = await tx.query<{ n: string | number }>(
        'SELECT count(*) AS n FROM push_configs WHERE tenant = $1 AND owner = $2 AND task_id = $3',
        key,
      );
      if (Number(count[0]?.n ?? 0) >= maxPerTask) return 'limit';
      await tx.query('INSERT INTO push_configs (tenant, owner, task_id, id, config) VALUES ($1, $2, $3, $4, $5)', [
        ...key,
        config.id,
        json(config),
      ]);
      return 'created';
    });
  }

  async get(scope: TaskScope, taskId: string, id: string): Promise<StoredPushConfig | undefined> {
    const rows = await this.db.query<{ config: StoredPushConfig }>(
      'SELECT config FROM push_configs WHERE tenant = $1 AND owner = $2 AND task_id = $3 AND id = $4',
      [scope.tenant, scope.owner, taskId, id],
    );
    return rows[0]?.config;
  }

  async list(
    scope: TaskScope,
    taskId: string,
    page: { limit?: number; afterId?: string } = {},
  ): Promise<StoredPushConfig[]> {
    const key = keyOf(scope, taskId);
    if (this.#none.has(key)) return [];
    const generation = this.#generation;
    const rows = await this.db.query<{ config: StoredPushConfig }>(
      `SELECT config FROM push_configs WHERE tenant = $1 AND owner = $2 AND task_id = $3 AND id > $4
       ORDER BY id LIMIT $5`,
      [scope.tenant, scope.owner, taskId, page.afterId ?? '', page.limit ?? 1000],
    );
    if (rows.length === 0 && page.afterId === undefined && generation === this.#generation) {
      if (this.#none.size >= 10_000) this.#none.clear();
      this.#none.add(key);
    }
    return rows.map((r) => r.config);
  }

  async delete(scope: TaskScope, taskId: string, id: string): Promise<boolean> {
    const rows = await this.db.query(
      'DELETE FROM push_configs WHERE tenant = $1 AND owner = $2 AND task_id = $3 AND id = $4 RETURNING id',
      [scope.tenant, scope.owner, taskId, id],
    );
    return rows.length > 0;
  }
}
