/**
 * Everything the broker persists, over one Database: the registry, tasks (as the SDK server's TaskStore), task and
 * context routes (broker ids ↔ downstream ids) and decisions. (Outcomes and the learned state: `routing/outcome-log.ts`.)
 */
import type { AgentCard, Message } from '@rightsize/sdk/a2a';
import type { RegisteredAgent, RoutingDecision } from '@rightsize/sdk/rightsize';
import type { Database } from './database.js';
import { SqlPushConfigStore, SqlTaskStore, type SqlTaskStoreOptions } from './sql-task-store.js';

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
  readonly owner: string;
  readonly contextId: string;
  readonly agentId: string;
  readonly downstreamContextId: string;
}

const json = (value: unknown) => JSON.stringify(value);

/** NOTIFY channel for registry changes: other replicas reload their registry. */
export const REGISTRY_CHANNEL = 'rightsize_registry';

export class BrokerStore {
  readonly tasks: SqlTaskStore;
  readonly pushConfigs: SqlPushConfigStore;

  constructor(
    readonly db: Database,
    options: SqlTaskStoreOptions = {},
  ) {
    const pushConfigs = new SqlPushConfigStore(db);
    this.pushConfigs = pushConfigs;
    this.tasks = new SqlTaskStore(db, {
      ...options,
      onCreated: (scope, taskId) => {
        pushConfigs.created(scope, taskId);
        options.onCreated?.(scope, taskId);
      },
    });
  }

  /** Start following other replicas' task events and push config changes (PostgreSQL). */
  async start(): Promise<void> {
    await this.tasks.start();
    await this.pushConfigs.start();
  }

  async stop(): Promise<void> {
    await this.tasks.stop();
    await this.pushConfigs.stop();
  }

  /** The first message of a task (the client's request), whoever owns it; for learning from feedback. */
  async firstMessage(taskId: string): Promise<Message | undefined> {
    const rows = await this.db.query<{ message: Message | null }>(
      "SELECT task->'history'->0 AS message FROM tasks WHERE id = $1",
      [taskId],
    );
    return rows[0]?.message ?? undefined;
  }

  async saveAgent(row: AgentRow): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
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
      await tx.query('SELECT pg_notify($1, $2)', [REGISTRY_CHANNEL, row.record.id]);
    });
  }

  async deleteAgent(id: string): Promise<boolean> {
    const rows = await this.db.transaction(async (tx) => {
      const deleted = await tx.query('DELETE FROM agents WHERE id = $1 RETURNING id', [id]);
      await tx.query('SELECT pg_notify($1, $2)', [REGISTRY_CHANNEL, id]);
      return deleted;
    });
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

  /** The task's route and (when the agent named its context) the context's, in one statement. */
  async saveRoute(route: TaskRoute): Promise<void> {
    await this.db.writeStatement(
      `WITH saved AS (
           INSERT INTO task_routes (task_id, context_id, agent_id, downstream_task_id, downstream_context_id, decision_id,
             owner)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (task_id) DO UPDATE SET agent_id = $3, downstream_task_id = $4, downstream_context_id = $5,
             decision_id = COALESCE($6, task_routes.decision_id)
           RETURNING 1
         )
         INSERT INTO context_routes (owner, context_id, agent_id, downstream_context_id)
         SELECT $7, $2, $3, $5 WHERE $5::text IS NOT NULL
         ON CONFLICT (owner, context_id) DO UPDATE SET agent_id = $3, downstream_context_id = $5`,
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

  /** Which agent holds a caller's context (follow-ups stay with it). */
  async contextRoute(owner: string, contextId: string): Promise<ContextRoute | undefined> {
    const rows = await this.db.query<{ context_id: string; agent_id: string; downstream_context_id: string }>(
      'SELECT * FROM context_routes WHERE owner = $1 AND context_id = $2',
      [owner, contextId],
    );
    const r = rows[0];
    return r
      ? { owner, contextId: r.context_id, agentId: r.agent_id, downstreamContextId: r.downstream_context_id }
      : undefined;
  }

  /** A decision, with the task it routed and the task's domain (not part of the record, needed for outcomes). */
  async saveDecision(decision: RoutingDecision, taskId: string | undefined, domain: string): Promise<void> {
    await this.db.writeStatement(
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
}
