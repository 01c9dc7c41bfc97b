/**
 * The known-answer probe budget, shared by every broker on one store: at most `perAgent` probes per agent per
 * window, whichever replica sends them. Each probe first claims a slot with one atomic statement (an upsert that
 * increments the window's counter only while it is below the budget), so two replicas together never exceed it, and
 * a restart on the same store does not spend the budget again. Windows are aligned on the database's clock
 * (`window_start` = now rounded down to a multiple of `windowMs`), the one clock all replicas share.
 */
import type { Sql } from '../db/database.js';

export interface ProbeBudgetOptions {
  /** Most probes per agent per window, across all replicas. */
  readonly perAgent: number;
  /** The window's length (default one day). */
  readonly windowMs?: number;
}

export const DEFAULT_PROBE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The current window's start in epoch milliseconds on the database's clock; `$1` is the window's length. */
const WINDOW_START = '(floor(extract(epoch FROM now()) * 1000 / $1::float8) * $1::float8)::bigint';

export class ProbeBudget {
  readonly perAgent: number;
  readonly windowMs: number;

  constructor(
    readonly db: Sql,
    options: ProbeBudgetOptions,
  ) {
    if (!(Number.isSafeInteger(options.perAgent) && options.perAgent >= 0))
      throw new RangeError('the probe budget must be an integer ≥ 0');
    const windowMs = options.windowMs ?? DEFAULT_PROBE_WINDOW_MS;
    if (!(Number.isSafeInteger(windowMs) && windowMs >= 1000))
      throw new RangeError('the probe window must be ≥ 1000 ms');
    this.perAgent = options.perAgent;
    this.windowMs = windowMs;
  }

  /** Take one probe of the agent's budget in the current window; false when the window's budget is spent. */
  async claim(agentId: string): Promise<boolean> {
    const rows = await this.db.query<{ sent: number; window_start: string | number }>(
      `INSERT INTO probe_budget (agent_id, window_start, sent) SELECT $2, ${WINDOW_START}, 1 WHERE $3 > 0
       ON CONFLICT (agent_id, window_start) DO UPDATE SET sent = probe_budget.sent + 1 WHERE probe_budget.sent < $3
       RETURNING sent, window_start`,
      [this.windowMs, agentId, this.perAgent],
    );
    const row = rows[0];
    if (!row) return false;
    // The agent's first probe of a window: its earlier windows are history (one row per agent stays).
    if (Number(row.sent) === 1)
      await this.db.query('DELETE FROM probe_budget WHERE agent_id = $1 AND window_start < $2', [
        agentId,
        row.window_start,
      ]);
    return true;
  }

  /** Probes claimed in the current window, per agent (all replicas). */
  async used(): Promise<Map<string, number>> {
    const rows = await this.db.query<{ agent_id: string; sent: number }>(
      `SELECT agent_id, sent FROM probe_budget WHERE window_start = ${WINDOW_START}`,
      [this.windowMs],
    );
    return new Map(rows.map((r) => [r.agent_id, Number(r.sent)]));
  }
}
