/**
 * The broker's schema as versioned migrations, applied in order at start, each once, in one transaction under an
 * advisory lock (so replicas starting together on one PostgreSQL do not race). Same SQL on PGlite and PostgreSQL.
 */
import type { Database } from './database.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'registry, tasks, routes, events, decisions, outcomes, learned state',
    sql: `
      CREATE TABLE agents (
        id text PRIMARY KEY,
        card_url text NOT NULL UNIQUE,
        record jsonb NOT NULL,
        card jsonb NOT NULL,
        etag text,
        status text NOT NULL,
        failures integer NOT NULL DEFAULT 0,
        next_check_at timestamptz NOT NULL,
        inflight integer NOT NULL DEFAULT 0
      );
      CREATE TABLE tasks (
        id text PRIMARY KEY,
        tenant text NOT NULL,
        owner text NOT NULL,
        context_id text NOT NULL,
        state text NOT NULL,
        status_ts text NOT NULL,
        seq bigint NOT NULL,
        task jsonb NOT NULL
      );
      CREATE INDEX tasks_by_scope ON tasks (tenant, owner, status_ts DESC, id);
      CREATE TABLE push_configs (
        tenant text NOT NULL,
        owner text NOT NULL,
        task_id text NOT NULL,
        id text NOT NULL,
        config jsonb NOT NULL,
        PRIMARY KEY (tenant, owner, task_id, id)
      );
      CREATE TABLE task_routes (
        task_id text PRIMARY KEY,
        context_id text NOT NULL,
        agent_id text NOT NULL,
        downstream_task_id text,
        downstream_context_id text,
        decision_id text,
        owner text NOT NULL DEFAULT ''
      );
      CREATE TABLE context_routes (
        owner text NOT NULL,
        context_id text NOT NULL,
        agent_id text NOT NULL,
        downstream_context_id text NOT NULL,
        PRIMARY KEY (owner, context_id)
      );
      CREATE TABLE task_events (
        task_id text NOT NULL,
        seq bigint NOT NULL,
        event jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (task_id, seq)
      );
      CREATE TABLE decisions (
        decision_id text PRIMARY KEY,
        task_id text,
        domain text NOT NULL,
        decision jsonb NOT NULL,
        decided_at timestamptz NOT NULL
      );
      CREATE INDEX decisions_by_task ON decisions (task_id);
      CREATE TABLE outcomes (
        id bigserial PRIMARY KEY,
        task_id text,
        agent_id text NOT NULL,
        domain text NOT NULL,
        complexity double precision NOT NULL,
        success boolean NOT NULL,
        source text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE learned_state (
        name text PRIMARY KEY,
        version bigint NOT NULL,
        state jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 2,
    name: 'broker runs with leases; the run that last wrote each task (start-up recovery)',
    sql: `
      CREATE TABLE broker_runs (
        run_id text PRIMARY KEY,
        started_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      );
      ALTER TABLE tasks ADD COLUMN run_id text;
      CREATE INDEX tasks_in_flight ON tasks (state, run_id) WHERE state IN ('TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING')
      `,
  },
  {
    version: 3,
    name: 'outcomes become the learning log: evidence (spec §9.4) and the task features the Router learns from',
    sql: `
      ALTER TABLE outcomes ADD COLUMN evidence text;
      UPDATE outcomes SET evidence = CASE WHEN source = 'feedback' THEN 'client' ELSE 'self-reported' END;
      ALTER TABLE outcomes ALTER COLUMN evidence SET NOT NULL;
      ALTER TABLE outcomes ADD COLUMN features jsonb;
      DELETE FROM learned_state WHERE name = 'routing'
    `,
  },
  {
    version: 4,
    name: 'agent identities: history keyed to the card signing key (spec 9.4, 10.5)',
    sql: `
      CREATE TABLE agent_identities (
        agent_id text PRIMARY KEY,
        key_thumbprint text NOT NULL,
        name text NOT NULL,
        bound_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (key_thumbprint, name)
      );
    `,
  },
  {
    version: 5,
    name: 'known-answer probe budget per agent and window, shared by every replica (spec 9.4)',
    sql: `
      CREATE TABLE probe_budget (
        agent_id text NOT NULL,
        window_start bigint NOT NULL,
        sent integer NOT NULL,
        PRIMARY KEY (agent_id, window_start)
      );
    `,
  },
];

/** An arbitrary constant key for pg_advisory_xact_lock: "rightsize" in ASCII, truncated to int8. */
const LOCK_KEY = 7_227_111_712_341;

/** Apply every migration not yet recorded; returns the versions applied now. */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)),
    );
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      for (const statement of m.sql.split(';').map((s) => s.trim())) {
        if (statement) await tx.query(statement);
      }
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}
