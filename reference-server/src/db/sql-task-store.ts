/**
 * The SDK server's TaskStore and PushConfigStore on SQL (PGlite or PostgreSQL): tasks scoped by (tenant, owner), an
 * event log with per-task sequence numbers, atomic conditional appends (row lock, terminal states never change),
 * and subscriptions that replay the log after a sequence number and then follow live events. Live events reach
 * subscribers in this process directly and other replicas through NOTIFY (a wake-up carrying the task id and
 * sequence number; the table stays the truth, and a periodic re-read is the backstop if a notification is lost).
 */
import { randomUUID } from 'node:crypto';
import type { StreamResponse, Task, TaskState } from '@rightsize/sdk/a2a';
import {
  type AppendOptions,
  type AppendResult,
  applyTaskEvent,
  InvalidPageTokenError,
  isTerminal,
  type PushConfigSaveResult,
  type PushConfigStore,
  type StoredEvent,
  type StoredPushConfig,
  type TaskChange,
  TaskExistsError,
  type TaskPage,
  type TaskQuery,
  type TaskRecord,
  type TaskScope,
  type TaskStore,
} from '@rightsize/sdk/server';
import type { Database, Sql } from './database.js';

export const EVENTS_CHANNEL = 'rightsize_task_events';

const json = (value: unknown) => JSON.stringify(value);
const cursorOf = (statusTs: string, id: string) => Buffer.from(json([statusTs, id])).toString('base64url');

function parseCursor(token: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string'))
      return value as [string, string];
  } catch {
    // fall through
  }
  throw new InvalidPageTokenError('invalid pageToken');
}

const stateOf = (event: StreamResponse): TaskState | undefined =>
  event.statusUpdate?.status.state ?? event.task?.status.state;

type Waiter = (event: StoredEvent | undefined) => void;

export interface SqlTaskStoreOptions {
  /** Re-read the log this often while waiting, in case a notification was lost (default 1 000 ms). */
  readonly pollMs?: number;
}

export class SqlTaskStore implements TaskStore {
  /** Identifies this process's notifications, so it ignores its own (it has already woken its subscribers). */
  readonly #origin = randomUUID();
  readonly #waiters = new Map<string, Set<Waiter>>();
  #unlisten: (() => Promise<void>) | undefined;
  readonly #pollMs: number;

  constructor(
    readonly db: Database,
    options: SqlTaskStoreOptions = {},
  ) {
    this.#pollMs = options.pollMs ?? 1000;
  }

  /** Start following other replicas' events (LISTEN). */
  async start(): Promise<void> {
    this.#unlisten ??= await this.db.listen(EVENTS_CHANNEL, (payload) => {
      const [origin, taskId] = payload.split(' ');
      if (origin !== this.#origin && taskId) this.#wake(taskId, undefined);
    });
  }

  async stop(): Promise<void> {
    await this.#unlisten?.();
    this.#unlisten = undefined;
    for (const set of this.#waiters.values()) for (const w of set) w(undefined);
  }

  async create(scope: TaskScope, task: Task): Promise<TaskRecord> {
    const event: StreamResponse = { task };
    try {
      await this.db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO tasks (id, tenant, owner, context_id, state, status_ts, seq, task)
           VALUES ($1, $2, $3, $4, $5, $6, 1, $7)`,
          [
            task.id,
            scope.tenant,
            scope.owner,
            task.contextId ?? '',
            task.status.state,
            task.status.timestamp ?? '',
            json(task),
          ],
        );
        await tx.query('INSERT INTO task_events (task_id, seq, event) VALUES ($1, 1, $2)', [task.id, json(event)]);
        await this.#notify(tx, task.id, 1);
      });
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new TaskExistsError(`task ${task.id} exists`);
      throw error;
    }
    this.#wake(task.id, { seq: 1, event: structuredClone(event) });
    return { task: structuredClone(task), seq: 1 };
  }

  async get(scope: TaskScope, id: string): Promise<TaskRecord | undefined> {
    const rows = await this.db.query<{ task: Task; seq: string | number }>(
      'SELECT task, seq FROM tasks WHERE id = $1 AND tenant = $2 AND owner = $3',
      [id, scope.tenant, scope.owner],
    );
    const row = rows[0];
    return row ? { task: row.task, seq: Number(row.seq) } : undefined;
  }

  async append(scope: TaskScope, id: string, change: TaskChange, options: AppendOptions = {}): Promise<AppendResult> {
    let logged: StoredEvent | undefined;
    const result = await this.db.transaction(async (tx): Promise<AppendResult> => {
      const rows = await tx.query<{ task: Task; seq: string | number }>(
        'SELECT task, seq FROM tasks WHERE id = $1 AND tenant = $2 AND owner = $3 FOR UPDATE',
        [id, scope.tenant, scope.owner],
      );
      const row = rows[0];
      if (!row) return { ok: false, reason: 'not-found' };
      const task = row.task;
      const state = task.status.state;
      if (isTerminal(state)) return { ok: false, reason: 'terminal', state };
      if (options.ifStateIn && !options.ifStateIn.includes(state)) return { ok: false, reason: 'state', state };
      if (change.userMessage) task.history = [...(task.history ?? []), change.userMessage];
      if (change.metadata) task.metadata = { ...task.metadata, ...change.metadata };
      let seq = Number(row.seq);
      if (change.event) {
        applyTaskEvent(task, structuredClone(change.event));
        seq += 1;
        await tx.query('INSERT INTO task_events (task_id, seq, event) VALUES ($1, $2, $3)', [
          id,
          seq,
          json(change.event),
        ]);
        await this.#notify(tx, id, seq);
        logged = { seq, event: structuredClone(change.event) };
      }
      await tx.query('UPDATE tasks SET task = $2, state = $3, status_ts = $4, seq = $5 WHERE id = $1', [
        id,
        json(task),
        task.status.state,
        task.status.timestamp ?? '',
        seq,
      ]);
      return { ok: true, seq, state: task.status.state };
    });
    if (logged) this.#wake(id, logged);
    return result;
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
      const [ts, id] = parseCursor(query.pageToken);
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
      nextPageToken: rows.length > query.pageSize && last ? cursorOf(last.status_ts, last.id) : '',
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

  async #notify(tx: Sql, taskId: string, seq: number): Promise<void> {
    await tx.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, `${this.#origin} ${taskId} ${seq}`]);
  }

  #wake(taskId: string, event: StoredEvent | undefined): void {
    const set = this.#waiters.get(taskId);
    if (set) for (const w of set) w(event ? structuredClone(event) : undefined);
  }
}

/** Push configs keyed by (tenant, owner, task, id): one caller never sees another's webhooks. */
export class SqlPushConfigStore implements PushConfigStore {
  constructor(readonly db: Database) {}

  async save(scope: TaskScope, config: StoredPushConfig, maxPerTask: number): Promise<PushConfigSaveResult> {
    return this.db.transaction(async (tx) => {
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
    const rows = await this.db.query<{ config: StoredPushConfig }>(
      `SELECT config FROM push_configs WHERE tenant = $1 AND owner = $2 AND task_id = $3 AND id > $4
       ORDER BY id LIMIT $5`,
      [scope.tenant, scope.owner, taskId, page.afterId ?? '', page.limit ?? 1000],
    );
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
