/**
 * The learning log: every outcome the broker derives (spec §8.2) is appended to the `outcomes` table, in one
 * statement under a transaction-scoped advisory lock, so ids are assigned in commit order and a reader that applies
 * the rows after the last id it applied never skips one. Every replica applies the same rows in the same order (on
 * start, then as NOTIFY announces new ones), so replicas on one PostgreSQL converge to the same model; the learned
 * state is only a snapshot of the log up to an id (a cache for start-up, never the source of truth).
 */
import type { RoutingDecision, TaskFeatures } from '@rightsize/sdk/rightsize';
import type { Database } from '../db/database.js';
import type { Evidence, LearningOutcome, RoutingState } from './routing.js';

/** NOTIFY channel of new outcomes; the payload is the new row's id. */
export const OUTCOMES_CHANNEL = 'rightsize_outcomes';
/** Advisory lock key serialising appends (ids in commit order): "outcomes" in ASCII, truncated to int8. */
const APPEND_LOCK_KEY = 8_029_476_593_118;
const SNAPSHOT = 'router';

export type OutcomeSource = 'state' | 'feedback' | 'probe';

export interface LoggedOutcome extends LearningOutcome {
  readonly taskId: string | undefined;
  /** `state` (an attempt's terminal state), `feedback` (the client's) or `probe` (a verified known-answer task). */
  readonly source: OutcomeSource;
}

export interface LogEntry {
  readonly id: number;
  readonly outcome: LoggedOutcome;
}

/** The learned state after applying the log up to `applied` (an outcome id). */
export interface Snapshot {
  readonly applied: number;
  readonly state: RoutingState;
}

interface Row {
  id: string | number;
  task_id: string | null;
  agent_id: string;
  domain: string;
  complexity: number;
  success: boolean;
  source: OutcomeSource;
  evidence: Evidence;
  features: TaskFeatures | null;
}

const json = (value: unknown) => JSON.stringify(value);

export class OutcomeLog {
  constructor(readonly db: Database) {}

  /**
   * Append an outcome (and, when given, save the decision with its attempts so far) in one statement; resolves with
   * the outcome's id once committed, after announcing it to the other replicas.
   */
  async append(outcome: LoggedOutcome, decision?: { decision: RoutingDecision; domain: string }): Promise<number> {
    const d = decision?.decision;
    const rows = await this.db.query<{ id: string | number }>(
      `WITH appending AS (SELECT pg_advisory_xact_lock($13::bigint)), saved_decision AS (
         INSERT INTO decisions (decision_id, task_id, domain, decision, decided_at)
         SELECT $9::text, $1::text, $10::text, $11::jsonb, $12::timestamptz WHERE $9::text IS NOT NULL
         ON CONFLICT (decision_id) DO UPDATE SET task_id = COALESCE(EXCLUDED.task_id, decisions.task_id),
           decision = EXCLUDED.decision
         RETURNING 1
       ), saved_outcome AS (
         INSERT INTO outcomes (task_id, agent_id, domain, complexity, success, source, evidence, features)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8::jsonb FROM appending RETURNING id
       )
       SELECT id, pg_notify('${OUTCOMES_CHANNEL}', id::text) FROM saved_outcome`,
      [
        outcome.taskId ?? null,
        outcome.agentId,
        outcome.domain,
        outcome.complexity,
        outcome.success,
        outcome.source,
        outcome.evidence,
        outcome.features ? json(outcome.features) : null,
        d?.decisionId ?? null,
        decision?.domain ?? null,
        d ? json(d) : null,
        d?.decidedAt ?? null,
        APPEND_LOCK_KEY,
      ],
    );
    return Number(rows[0]?.id);
  }

  /** Outcomes after id `after`, oldest first, at most `limit`. */
  async after(after: number, limit = 500): Promise<LogEntry[]> {
    const rows = await this.db.query<Row>(
      `SELECT id, task_id, agent_id, domain, complexity, success, source, evidence, features FROM outcomes
       WHERE id > $1 ORDER BY id LIMIT $2`,
      [after, limit],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      outcome: {
        taskId: r.task_id ?? undefined,
        agentId: r.agent_id,
        domain: r.domain,
        complexity: Number(r.complexity),
        success: r.success,
        source: r.source,
        evidence: r.evidence,
        ...(r.features ? { features: r.features } : {}),
      },
    }));
  }

  async snapshot(): Promise<Snapshot | undefined> {
    const rows = await this.db.query<{ version: string | number; state: RoutingState }>(
      'SELECT version, state FROM learned_state WHERE name = $1',
      [SNAPSHOT],
    );
    const row = rows[0];
    return row && row.state?.version === 2 ? { applied: Number(row.version), state: row.state } : undefined;
  }

  /** Keep the snapshot of the longest prefix of the log (a shorter one never replaces it). */
  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    await this.db.query(
      `INSERT INTO learned_state (name, version, state, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state, updated_at = now()
       WHERE learned_state.version < EXCLUDED.version`,
      [SNAPSHOT, snapshot.applied, json(snapshot.state)],
    );
  }
}
