/**
 * Everything the broker persists, over one Database: the registry, tasks (as the SDK server's TaskStore), task and
 * context routes (broker ids ↔ downstream ids), decisions, outcomes and the learned state. Writes that belong
 * together (an outcome and the model it updated) share a transaction, so a crash never keeps one without the other.
 */
import type { AgentCard, Task } from '@rightsize/sdk/a2a';
import type { RegisteredAgent, RoutingDecision } from '@rightsize/sdk/rightsize';
import { InvalidPageTokenError, type TaskPage, type TaskQuery, type TaskStore } from '@rightsize/sdk/server';
import type { Database, Sql } from './database.js';

export interface AgentRow {
  readonly record: RegisteredAgent;
  readonly card: AgentCard;
  readonly etag: string | undefined;
  readonly failures: number;
  readonly nextCheckAt: Date;
  readonly inflight: number;
}

export interface TaskRoute {
  readonly taskId: string;
  readonly contextId: string;
  readonly agentId: string;
  readonly downstreamTaskId: string | undefined;
  readonly downstreamContextId: string | undefined;
  readonly decisionId: string | undefined;
  /** The caller that created the task ('' when callers are anonymous). */
  readonly owner: string;
}

export interface ContextRoute {
  readonly contextId: string;
  readonly agentId: string;
  readonly downstreamContextId: string;
}

export interface StoredOutcome {
  readonly taskId: string | undefined;
  readonly agentId: string;
  readonly domain: string;
  readonly complexity: number;
  readonly success: boolean;
  /** `state` (the attempt's terminal state) or `feedback`. */
  readonly source: 'state' | 'feedback';
}

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

/** The SDK server's TaskStore on SQL; tasks listed most recent first, ties by id (A2A §3.1.4). */
export class SqlTaskStore implements TaskStore {
  constructor(readonly db: Sql) {}

  async get(id: string): Promise<Task | undefined> {
    const rows = await this.db.query<{ task: Task }>('SELECT task FROM tasks WHERE id = $1', [id]);
    return rows[0]?.task;
  }

  async save(task: Task): Promise<void> {
    await this.db.query(
      `INSERT INTO tasks (id, context_id, state, status_ts, task) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET context_id = $2, state = $3, status_ts = $4, task = $5`,
      [task.id, task.contextId ?? '', task.status.state, task.status.timestamp ?? '', json(task)],
    );
  }

  async list(query: TaskQuery): Promise<TaskPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (column: string, operator: string, value: unknown) => {
      params.push(value);
      where.push(`${column} ${operator} $${params.length}`);
    };
    if (query.contextId !== undefined) add('context_id', '=', query.contextId);
    if (query.status !== undefined) add('state', '=', query.status);
    if (query.statusTimestampAfter !== undefined) add('status_ts', '>', query.statusTimestampAfter);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = await this.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM tasks ${filter}`, params);
    const pageParams = [...params];
    let page = filter;
    if (query.pageToken) {
      const [ts, id] = parseCursor(query.pageToken);
      pageParams.push(ts, id);
      const a = pageParams.length - 1;
      const b = pageParams.length;
      page = `${filter ? `${filter} AND` : 'WHERE'} (status_ts < $${a} OR (status_ts = $${a} AND id > $${b}))`;
    }
    pageParams.push(query.pageSize + 1);
    const rows = await this.db.query<{ task: Task; status_ts: string; id: string }>(
      `SELECT task, status_ts, id FROM tasks ${page} ORDER BY status_ts DESC, id ASC LIMIT $${pageParams.length}`,
      pageParams,
    );
    const more = rows.length > query.pageSize;
    const tasks = rows.slice(0, query.pageSize);
    const last = tasks[tasks.length - 1];
    return {
      tasks: tasks.map((r) => r.task),
      nextPageToken: more && last ? cursorOf(last.status_ts, last.id) : '',
      totalSize: Number(total[0]?.n ?? 0),
    };
  }
}

export class BrokerStore {
  readonly tasks: SqlTaskStore;

  constructor(readonly db: Database) {
    this.tasks = new SqlTaskStore(db);
  }

  async saveAgent(row: AgentRow): Promise<void> {
    await this.db.query(
      `INSERT INTO agents (id, card_url, record, card, etag, status, failures, next_check_at, inflight)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET card_url = $2, record = $3, card = $4, etag = $5, status = $6, failures = $7,
         next_check_at = $8, inflight = $9`,
      [
        row.record.id,
        row.record.cardUrl,
        json(row.record),
        json(row.card),
        row.etag ?? null,
        row.record.status,
        row.failures,
        row.nextCheckAt.toISOString(),
        row.inflight,
      ],
    );
  }

  async deleteAgent(id: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM agents WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }

  async agents(): Promise<AgentRow[]> {
    const rows = await this.db.query<{
      record: RegisteredAgent;
      card: AgentCard;
      etag: string | null;
      failures: number;
      next_check_at: Date | string;
      inflight: number;
    }>('SELECT record, card, etag, failures, next_check_at, inflight FROM agents ORDER BY id');
    return rows.map((r) => ({
      record: r.record,
      card: r.card,
      etag: r.etag ?? undefined,
      failures: Number(r.failures),
      nextCheckAt: new Date(r.next_check_at),
      inflight: Number(r.inflight),
    }));
  }

  async saveRoute(route: TaskRoute): Promise<void> {
    await this.db.query(
      `INSERT INTO task_routes (task_id, context_id, agent_id, downstream_task_id, downstream_context_id, decision_id, owner)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (task_id) DO UPDATE SET agent_id = $3, downstream_task_id = $4, downstream_context_id = $5,
         decision_id = COALESCE($6, task_routes.decision_id)`,
      [
        route.taskId,
        route.contextId,
        route.agentId,
        route.downstreamTaskId ?? null,
        route.downstreamContextId ?? null,
        route.decisionId ?? null,
        route.owner,
      ],
    );
    if (route.downstreamContextId) {
      await this.db.query(
        `INSERT INTO context_routes (context_id, agent_id, downstream_context_id) VALUES ($1, $2, $3)
         ON CONFLICT (context_id) DO UPDATE SET agent_id = $2, downstream_context_id = $3`,
        [route.contextId, route.agentId, route.downstreamContextId],
      );
    }
  }

  async route(taskId: string): Promise<TaskRoute | undefined> {
    const rows = await this.db.query<{
      task_id: string;
      context_id: string;
      agent_id: string;
      downstream_task_id: string | null;
      downstream_context_id: string | null;
      decision_id: string | null;
      owner: string;
    }>('SELECT * FROM task_routes WHERE task_id = $1', [taskId]);
    const r = rows[0];
    return r
      ? {
          taskId: r.task_id,
          contextId: r.context_id,
          agentId: r.agent_id,
          downstreamTaskId: r.downstream_task_id ?? undefined,
          downstreamContextId: r.downstream_context_id ?? undefined,
          decisionId: r.decision_id ?? undefined,
          owner: r.owner,
        }
      : undefined;
  }

  async contextRoute(contextId: string): Promise<ContextRoute | undefined> {
    const rows = await this.db.query<{ context_id: string; agent_id: string; downstream_context_id: string }>(
      'SELECT * FROM context_routes WHERE context_id = $1',
      [contextId],
    );
    const r = rows[0];
    return r
      ? { contextId: r.context_id, agentId: r.agent_id, downstreamContextId: r.downstream_context_id }
      : undefined;
  }

  /** A decision, with the task it routed and the task's domain (not part of the record, needed for outcomes). */
  async saveDecision(decision: RoutingDecision, taskId: string | undefined, domain: string): Promise<void> {
    await this.db.query(
      `INSERT INTO decisions (decision_id, task_id, domain, decision, decided_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (decision_id) DO UPDATE SET task_id = COALESCE($2, decisions.task_id), decision = $4`,
      [decision.decisionId, taskId ?? null, domain, json(decision), decision.decidedAt],
    );
  }

  async decisionForTask(taskId: string): Promise<{ decision: RoutingDecision; domain: string } | undefined> {
    const rows = await this.db.query<{ decision: RoutingDecision; domain: string }>(
      'SELECT decision, domain FROM decisions WHERE task_id = $1 ORDER BY decided_at DESC LIMIT 1',
      [taskId],
    );
    return rows[0];
  }

  /** Store an outcome and the learned state it produced in one transaction. */
  async recordOutcome(outcome: StoredOutcome, learned: { name: string; state: unknown }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        'INSERT INTO outcomes (task_id, agent_id, domain, complexity, success, source) VALUES ($1, $2, $3, $4, $5, $6)',
        [outcome.taskId ?? null, outcome.agentId, outcome.domain, outcome.complexity, outcome.success, outcome.source],
      );
      await tx.query(
        `INSERT INTO learned_state (name, state, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (name) DO UPDATE SET state = $2, updated_at = now()`,
        [learned.name, json(learned.state)],
      );
    });
  }

  async outcomes(): Promise<StoredOutcome[]> {
    const rows = await this.db.query<{
      task_id: string | null;
      agent_id: string;
      domain: string;
      complexity: number;
      success: boolean;
      source: 'state' | 'feedback';
    }>('SELECT task_id, agent_id, domain, complexity, success, source FROM outcomes ORDER BY id');
    return rows.map((r) => ({
      taskId: r.task_id ?? undefined,
      agentId: r.agent_id,
      domain: r.domain,
      complexity: Number(r.complexity),
      success: r.success,
      source: r.source,
    }));
  }

  async learnedState<T>(name: string): Promise<T | undefined> {
    const rows = await this.db.query<{ state: T }>('SELECT state FROM learned_state WHERE name = $1', [name]);
    return rows[0]?.state;
  }
}
