/**
 * The learning log: every outcome the broker derives (spec §8.2) is appended to the `outcomes` table, in one
 * statement under a transaction-scoped advisory lock, so ids are assigned in commit order and a reader that applies
 * the rows after the last id it applied never skips one. Every replica applies the same rows in the same order (on
 * start, then as NOTIFY announces new ones), so replicas on one PostgreSQL converge to the same model; the learned
 * state is only a snapshot of the log up to an id (a cache for start-up, never the source of truth).
 */
import { randomUUID } from 'node:crypto';
import type { RoutingDecision, TaskFeatures } from '@rightsize/sdk/rightsize';
import type { Database } from '../db/database.js';
import type { Evidence, LearningOutcome, RoutingState } from './routing.js';

/** NOTIFY channel of new outcomes; the payload is `<origin> <id>`: the appending OutcomeLog and the new row's id. */
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

/** One append waiting for its batch's statement. */
interface QueuedAppend {
  readonly outcome: LoggedOutcome;
  readonly decision: { decision: RoutingDecision; domain: string } | undefined;
  readonly resolve: (id: number) => void;
  readonly reject: (error: unknown) => void;
}

/** Most outcomes in one statement: bounds the latency an append can add to the others of its batch. */
const MAX_BATCH = 256;

/**
 * The appends of one batch as one JSON array parameter (element order = id order), each with its decision (the last
 * one of the batch per decision id: a statement may not update one row twice, and a later save holds more attempts).
 */
function batchParameter(batch: readonly QueuedAppend[]): string {
  const lastOfDecision = new Map<string, number>();
  for (const [i, a] of batch.entries()) if (a.decision) lastOfDecision.set(a.decision.decision.decisionId, i);
  return json(
    batch.map(({ outcome: o, decision: d }, i) => ({
      taskId: o.taskId ?? null,
      agentId: o.agentId,
      domain: o.domain,
      complexity: o.complexity,
      success: o.success,
      source: o.source,
      evidence: o.evidence,
      features: o.features ?? null,
      ...(d && lastOfDecision.get(d.decision.decisionId) === i
        ? {
            decisionId: d.decision.decisionId,
            decisionDomain: d.domain,
            decision: d.decision,
            decidedAt: d.decision.decidedAt,
          }
        : {}),
    })),
  );
}

export class OutcomeLog {
  readonly #queue: QueuedAppend[] = [];
  #appending = false;
  /** The NOTIFY of new outcomes only matters to other replicas, which only PostgreSQL has. */
  readonly #announce: string;
  /** Names this log's notifications, so that its own learner ignores them (it applies its appends as they return). */
  readonly origin = randomUUID();

  constructor(readonly db: Database) {
    this.#announce = db.kind === 'postgres' ? `, pg_notify('${OUTCOMES_CHANNEL}', '${this.origin} ' || id::text)` : '';
  }

  /**
   * Append an outcome (and, when given, save the decision with its attempts so far); resolves with the outcome's id
   * once committed, after announcing it to the other replicas (PostgreSQL). The appends submitted while a batch is
   * being written go together into the next one: one statement, one commit (ids in submission order).
   */
  append(outcome: LoggedOutcome, decision?: { decision: RoutingDecision; domain: string }): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#queue.push({ outcome, decision, resolve, reject });
      // The first append of a batch waits for the end of this turn of the event loop, so that the appends of the
      // requests handled in the same turn (e.g. after a blocking PGlite statement) join it.
      if (!this.#appending) {
        this.#appending = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH);
        try {
          const ids = await this.#insert(batch);
          for (const [i, a] of batch.entries()) a.resolve(ids[i] as number);
        } catch (error) {
          // One append's error (e.g. a NUL character) must not fail the others: each is retried alone.
          if (batch.length === 1) (batch[0] as QueuedAppend).reject(error);
          else for (const a of batch) await this.#insert([a]).then((ids) => a.resolve(ids[0] as number), a.reject);
        }
      }
    } finally {
      this.#appending = false;
    }
  }

  /**
   * One statement under a transaction-scoped advisory lock (ids in commit order across replicas): the decisions, then
   * the outcomes in batch order (INSERT … SELECT … ORDER BY draws the ids in that order), then (PostgreSQL) one NOTIFY
   * per outcome.
   */
  async #insert(batch: readonly QueuedAppend[]): Promise<number[]> {
    if (batch.length === 1) {
      const { outcome, decision } = batch[0] as QueuedAppend;
      return [await this.#insertOne(outcome, decision)];
    }
    const rows = await this.db.query<{ id: string | number }>(
      `WITH appending AS (SELECT pg_advisory_xact_lock($2::bigint)),
       input AS (SELECT e.value AS o, e.n FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(value, n)),
       saved_decisions AS (
         INSERT INTO decisions (decision_id, task_id, domain, decision, decided_at)
         SELECT o->>'decisionId', o->>'taskId', o->>'decisionDomain', o->'decision', (o->>'decidedAt')::timestamptz
         FROM input WHERE o ? 'decisionId'
         ON CONFLICT (decision_id) DO UPDATE SET task_id = COALESCE(EXCLUDED.task_id, decisions.task_id),
           decision = EXCLUDED.decision
         RETURNING 1
       ), saved_outcomes AS (
         INSERT INTO outcomes (task_id, agent_id, domain, complexity, success, source, evidence, features)
         SELECT o->>'taskId', o->>'agentId', o->>'domain', (o->>'complexity')::double precision,
           (o->>'success')::boolean, o->>'source', o->>'evidence', NULLIF(o->'features', 'null'::jsonb)
         FROM appending, input ORDER BY n RETURNING id
       )
       SELECT id${this.#announce} FROM saved_outcomes ORDER BY id`,
      [batchParameter(batch), APPEND_LOCK_KEY],
    );
    if (rows.length !== batch.length) throw new Error(`appended ${rows.length} outcomes of ${batch.length}`);
    return rows.map((r) => Number(r.id));
  }

  /** One append alone: the single-row statement, cheaper than the batch's for one outcome. */
  async #insertOne(outcome: LoggedOutcome, decision: { decision: RoutingDecision; domain: string } | undefined) {
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
       SELECT id${this.#announce} FROM saved_outcome`,
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
