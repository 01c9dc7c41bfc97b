/**
 * The dashboard's live feed: every routing event, numbered and kept in the broker's store, so a browser that
 * reconnects — after a dropped connection or a broker restart on the same store — asks for the entries after the
 * last number it has and gets exactly those, in order, then live ones. Each store has a feed id; a browser that
 * comes back to another feed (e.g. a restarted in-memory broker) is told to start over. Writes happen off the
 * request path, batched (one statement for the events queued meanwhile) and in order; the oldest entries beyond
 * `maxEntries` are pruned.
 */
import { randomUUID } from 'node:crypto';
import type { CandidateAssessment } from '@rightsize/sdk/rightsize';
import type { RoutingEvent } from '../broker/routing-events.js';
import type { Database } from '../db/database.js';
import { type Migration, migrate } from '../db/migrations.js';
import type { FeedEntry, FeedEvent } from './protocol.js';

/** The feed's tables, as migrations of their own (versions from 1001, clear of the broker's). */
export const DASHBOARD_MIGRATIONS: readonly Migration[] = [
  {
    version: 1001,
    name: 'dashboard feed',
    sql: `
      CREATE TABLE dashboard_feed (
        seq bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        entry jsonb NOT NULL
      );
      CREATE TABLE dashboard_meta (key text PRIMARY KEY, value text NOT NULL)
    `,
  },
];

const MAX_TEXT = 280;

export interface DashboardFeedOptions {
  /** Entries kept (default 5000); older ones are pruned. */
  readonly maxEntries?: number;
  /** Called when writing an entry fails (the entry is then lost; the broker carries on). */
  readonly onError?: (error: unknown) => void;
}

export type FeedListener = (entry: FeedEntry) => void;

export class DashboardFeed {
  readonly #db: Database;
  readonly #listeners = new Set<FeedListener>();
  readonly #maxEntries: number;
  readonly #onError: (error: unknown) => void;
  #chain: Promise<void> = Promise.resolve();
  readonly #queue: Array<{
    event: RoutingEvent;
    unlisted: (() => readonly CandidateAssessment[] | undefined) | undefined;
  }> = [];
  #id = '';
  #written = 0;

  constructor(db: Database, options: DashboardFeedOptions = {}) {
    this.#db = db;
    this.#maxEntries = options.maxEntries ?? 5000;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Create the tables if needed and read (or make) this store's feed id. */
  async start(): Promise<void> {
    await migrate(this.#db, DASHBOARD_MIGRATIONS);
    await this.#db.query(
      "INSERT INTO dashboard_meta (key, value) VALUES ('feed_id', $1) ON CONFLICT (key) DO NOTHING",
      [randomUUID()],
    );
    const rows = await this.#db.query<{ value: string }>("SELECT value FROM dashboard_meta WHERE key = 'feed_id'");
    this.#id = rows[0]?.value ?? '';
  }

  get id(): string {
    return this.#id;
  }

  /**
   * Queue the event; it is stored (with the events queued meanwhile, in one statement) and then handed to the
   * listeners, in the order appended. `unlisted` is evaluated off the request path, when the event is written.
   */
  append(event: RoutingEvent, unlisted?: () => readonly CandidateAssessment[] | undefined): void {
    this.#queue.push({ event, unlisted });
    if (this.#queue.length === 1) this.#chain = this.#chain.then(() => this.#write()).catch(this.#onError);
  }

  async #write(): Promise<void> {
    const batch = this.#queue.splice(0, this.#queue.length);
    if (batch.length === 0) return;
    const kept = batch.map(({ event, unlisted }): FeedEvent => {
      if (event.kind !== 'decided') return event;
      const extra = unlisted?.();
      return { ...event, text: event.text.slice(0, MAX_TEXT), ...(extra?.length ? { unlisted: extra } : {}) };
    });
    const rows = await this.#db.query<{ seq: string | number; at: Date | string }>(
      `INSERT INTO dashboard_feed (entry)
         SELECT e FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, i) ORDER BY i
       RETURNING seq, at`,
      [JSON.stringify(kept)],
    );
    const stored = rows
      .map((r) => ({ seq: Number(r.seq), at: new Date(r.at).toISOString() }))
      .sort((a, b) => a.seq - b.seq);
    const entries = stored.map((r, i): FeedEntry => ({ ...(kept[i] as FeedEvent), ...r }));
    const newest = entries.at(-1)?.seq ?? 0;
    this.#written += entries.length;
    if (this.#written >= 500) {
      this.#written = 0;
      await this.#prune(newest);
    }
    for (const entry of entries) for (const listener of this.#listeners) listener(entry);
  }

  /** Resolves once every appended event is stored and delivered. */
  flush(): Promise<void> {
    return this.#chain;
  }

  subscribe(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stored entries after `after`, oldest first, at most `limit` (the newest ones when there are more). */
  async since(after: number, limit = 2000): Promise<FeedEntry[]> {
    const rows = await this.#db.query<{ seq: string | number; at: Date | string; entry: FeedEvent }>(
      `SELECT seq, at, entry FROM (
         SELECT seq, at, entry FROM dashboard_feed WHERE seq > $1 ORDER BY seq DESC LIMIT $2
       ) newest ORDER BY seq`,
      [after, limit],
    );
    return rows.map((r) => ({ ...r.entry, seq: Number(r.seq), at: new Date(r.at).toISOString() }));
  }

  async #prune(newest: number): Promise<void> {
    await this.#db.query('DELETE FROM dashboard_feed WHERE seq <= $1', [newest - this.#maxEntries]);
  }
}
