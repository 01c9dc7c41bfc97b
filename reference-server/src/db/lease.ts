/**
 * Per-run leases for start-up recovery. Each broker process is a run with a row in `broker_runs` whose expiry it
 * pushes forward while alive (heartbeat); every task records the run that last wrote it (`tasks.run_id`). A task in
 * flight (SUBMITTED or WORKING) whose run's lease has expired, or that no run holds, is an orphan: the run that
 * claims it (atomically, so two replicas never both take it, and never a task whose run is alive) recovers it. On the
 * embedded store one process owns the data directory, so every other run is gone and its tasks are orphans at once.
 */
import type { Task } from '@rightsize/sdk/a2a';
import type { TaskScope } from '@rightsize/sdk/server';
import type { Database } from './database.js';

export interface LeaseOptions {
  /** A run whose lease is this old is considered gone (default 15 000 ms). */
  readonly ttlMs?: number;
}

/** A task in flight whose run is gone, with where the broker forwarded it (when it had). */
export interface OrphanTask {
  readonly scope: TaskScope;
  readonly task: Task;
  /** The run that last wrote it (undefined: written before leases existed). */
  readonly runId: string | undefined;
  readonly agentId: string | undefined;
  readonly downstreamTaskId: string | undefined;
}

const IN_FLIGHT = "('TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING')";

export class RunLease {
  readonly ttlMs: number;

  constructor(
    readonly db: Database,
    readonly runId: string,
    options: LeaseOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 15_000;
  }

  /** Take (or extend) this run's lease; also forgets runs gone for a day. */
  async renew(): Promise<void> {
    await this.db.query(
      `INSERT INTO broker_runs (run_id, expires_at) VALUES ($1, now() + $2 * interval '1 millisecond')
       ON CONFLICT (run_id) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
      [this.runId, this.ttlMs],
    );
    await this.db.query("DELETE FROM broker_runs WHERE expires_at < now() - interval '1 day'");
  }

  /** Give the lease up (clean shutdown): this run's unfinished tasks become orphans at once. */
  async release(): Promise<void> {
    await this.db.query('DELETE FROM broker_runs WHERE run_id = $1', [this.runId]);
  }

  /** Up to `limit` orphans, oldest first. */
  async orphans(limit = 100): Promise<OrphanTask[]> {
    const rows = await this.db.query<{
      tenant: string;
      owner: string;
      task: Task;
      run_id: string | null;
      agent_id: string | null;
      downstream_task_id: string | null;
    }>(
      `SELECT t.tenant, t.owner, t.task, t.run_id, r.agent_id, r.downstream_task_id
       FROM tasks t LEFT JOIN task_routes r ON r.task_id = t.id
       WHERE t.state IN ${IN_FLIGHT} AND t.run_id IS DISTINCT FROM $1
         AND ($2 OR t.run_id IS NULL
              OR NOT EXISTS (SELECT 1 FROM broker_runs b WHERE b.run_id = t.run_id AND b.expires_at > now()))
       ORDER BY t.status_ts LIMIT $3`,
      [this.runId, this.db.kind === 'pglite', limit],
    );
    return rows.map((r) => ({
      scope: { tenant: r.tenant, owner: r.owner },
      task: r.task,
      runId: r.run_id ?? undefined,
      agentId: r.agent_id ?? undefined,
      downstreamTaskId: r.downstream_task_id ?? undefined,
    }));
  }

  /** Make this run the task's holder, if it is still the orphan `orphans` returned; false when another run was faster. */
  async claim(orphan: OrphanTask): Promise<boolean> {
    // Checked again here: the run may have renewed its lease since `orphans` looked.
    const rows = await this.db.query(
      `UPDATE tasks SET run_id = $1 WHERE id = $2 AND run_id IS NOT DISTINCT FROM $3 AND state IN ${IN_FLIGHT}
         AND ($4 OR $3::text IS NULL
              OR NOT EXISTS (SELECT 1 FROM broker_runs b WHERE b.run_id = $3::text AND b.expires_at > now()))
       RETURNING id`,
      [this.runId, orphan.task.id, orphan.runId ?? null, this.db.kind === 'pglite'],
    );
    return rows.length > 0;
  }
}
