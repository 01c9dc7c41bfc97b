/**
 * One SQL interface over the two stores the broker supports: PGlite embedded in the process (the default, nothing
 * to install; data in a directory or in memory) and PostgreSQL through `pg` (production, several replicas).
 */
import { PGlite } from '@electric-sql/pglite';
import { InvalidParamsError } from '@rightsize/sdk/errors';
import pg from 'pg';
import { PgliteWire } from './pglite-wire.js';

/**
 * PostgreSQL cannot store U+0000 in text (22021) or jsonb (22P05): such input is the caller's error
 * (InvalidParams), not an internal one.
 */
function translated(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05'
    ? new InvalidParamsError('the request contains a NUL character (U+0000), which cannot be stored')
    : error;
}

async function translating<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translated(error);
  }
}

/** A COMMIT that rolled back (a statement had failed): the transaction's writes are not stored. */
export class CommitRolledBackError extends Error {
  readonly code = '25P02';
  constructor() {
    super('the transaction was rolled back instead of committed: one of its statements failed');
  }
}

export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

export type Notification = (payload: string) => void;

/** What a Database has been asked so far (read by tests): monotonic counters. */
export interface DatabaseCounts {
  /** Statements run, in a transaction or on their own. */
  readonly statements: number;
  /** Transactions: each explicit one (BEGIN … COMMIT), and each statement run on its own (implicitly one). */
  readonly transactions: number;
  /**
   * Calls into the backend: PGlite `execProtocol` calls (a statement, a prepare, a COMMIT), or PostgreSQL round trips
   * (BEGIN, each statement, COMMIT, ROLLBACK). LISTEN connections are not counted.
   */
  readonly roundTrips: number;
}

/** The counters a Database implementation bumps. */
export class Counts implements DatabaseCounts {
  statements = 0;
  transactions = 0;
  roundTrips = 0;
}

export interface Database extends Sql {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `work` in one transaction (committed when it resolves, rolled back when it throws). */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Runs `work` atomically like `transaction`, but grouped with the writes submitted while the previous group was
   * committing: one transaction, one commit for all of them (group commit). Resolves only after the commit, so an
   * acknowledged write is durable. `work` may run twice (when another write of its group fails, each is retried in
   * its own transaction): it must only read and write through `tx` and return what it computed.
   */
  write<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * One statement as a write of the current group (see `write`). Alone in its group it runs on its own, as its own
   * transaction (one round trip, no BEGIN or COMMIT); with other writes it runs in their transaction. Resolves with
   * its rows after the commit.
   */
  writeStatement<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** Statements, transactions and round trips so far (a copy). */
  readonly counts: DatabaseCounts;
  /**
   * Calls `onNotify` for each NOTIFY on `channel`; resolves once listening. Returns the unlisten function. When the
   * connection is lost (a server restart) it is re-established, and `onNotify('')` is called once after, since
   * notifications sent meanwhile were missed.
   */
  listen(channel: string, onNotify: Notification): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A PostgreSQL connection string; when absent the embedded PGlite store is used. */
  readonly url?: string;
  /** PGlite data directory (default: in memory). */
  readonly dataDir?: string;
  /** Pool size for PostgreSQL (default 10). */
  readonly poolSize?: number;
}

interface QueuedWrite {
  readonly work: (tx: Sql) => Promise<unknown>;
  /** A write that is one statement: run on its own when alone in its group. */
  readonly statement?: { readonly text: string; readonly params: readonly unknown[] };
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Most writes in one group: bounds the latency a write can add to the others of its group. */
const MAX_GROUP = 256;

/**
 * Group commit: writes queue while `lanes` groups are committing; each free lane takes the queued writes as one
 * transaction (a lone single-statement write runs on its own: a statement is atomic, BEGIN and COMMIT add nothing). When the group's transaction fails, each of its writes is retried alone, so one write's error (e.g. a
 * unique violation) never fails another. With `gather`, a lane first lets the current turn of the event loop finish,
 * so the writes of every request handled in it join the group: on PGlite a group runs without ever yielding to I/O
 * (its statements execute synchronously in the WASM backend), so otherwise no write could join it and every write
 * would pay its own BEGIN and COMMIT.
 */
class WriteGroups {
  readonly #queue: QueuedWrite[] = [];
  #busy = 0;

  constructor(
    readonly transaction: <T>(work: (tx: Sql) => Promise<T>) => Promise<T>,
    readonly query: Sql['query'],
    readonly lanes: number,
    readonly gather: boolean,
  ) {}

  write<T>(work: (tx: Sql) => Promise<T>, statement?: QueuedWrite['statement']): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        work,
        ...(statement ? { statement } : {}),
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (this.#busy < this.lanes) void this.#drain();
    });
  }

  writeStatement<R>(text: string, params: readonly unknown[]): Promise<R[]> {
    return this.write((tx) => tx.query<R>(text, params), { text, params });
  }

  /** A write alone: one statement on its own, else its own transaction. */
  #alone(w: QueuedWrite): Promise<unknown> {
    return w.statement ? this.query(w.statement.text, w.statement.params) : this.transaction(w.work);
  }

  async #drain(): Promise<void> {
    this.#busy++;
    try {
      while (this.#queue.length > 0) {
        if (this.gather) await new Promise((resolve) => setImmediate(resolve));
        const group = this.#queue.splice(0, MAX_GROUP);
        if (group.length > 0) await this.#commit(group);
      }
    } finally {
      this.#busy--;
    }
  }

  async #commit(group: QueuedWrite[]): Promise<void> {
    if (group.length === 1) {
      const w = group[0] as QueuedWrite;
      return this.#alone(w).then(w.resolve, w.reject);
    }
    let results: unknown[];
    try {
      results = await this.transaction(async (tx) => {
        const out: unknown[] = [];
        for (const w of group) out.push(await w.work(tx));
        return out;
      });
    } catch {
      for (const w of group) await this.#alone(w).then(w.resolve, w.reject);
      return;
    }
    for (const [i, w] of group.entries()) w.resolve(results[i]);
  }
}

class PgliteDatabase implements Database {
  readonly kind = 'pglite';
  /** PGlite runs one statement at a time: one group commits while the next one gathers. */
  readonly #groups = new WriteGroups(
    (work) => this.transaction(work),
    (text, params) => this.query(text, params),
    1,
    true,
  );
  readonly #counts = new Counts();
  readonly #wire: PgliteWire;
  constructor(readonly db: PGlite) {
    this.#wire = new PgliteWire(db, this.#counts);
  }

  get counts(): DatabaseCounts {
    return { ...this.#counts };
  }

  write<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    return this.#groups.write(work);
  }

  writeStatement<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.#groups.writeStatement<R>(text, params);
  }

  /** One statement in its own (implicit) transaction, under PGlite's locks as its own `query()` takes them. */
  query<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    this.#counts.transactions++;
    return translating(() =>
      this.db._runExclusiveTransaction(() => this.db.runExclusive(() => this.#wire.run<R>(text, params, false, false))),
    );
  }

  /**
   * BEGIN travels with the transaction's first statement (a transaction without statements costs nothing), COMMIT
   * in a call of its own; a COMMIT that rolled back (a statement failed and `work` went on) is an error.
   */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    return translating(() =>
      this.db._runExclusiveTransaction(async () => {
        let begun = false;
        const tx: Sql = {
          query: <R>(text: string, params: readonly unknown[] = []) =>
            this.db.runExclusive(() => {
              const begin = !begun;
              if (begin) this.#counts.transactions++;
              begun = true;
              return this.#wire.run<R>(text, params, begin, true);
            }),
        };
        try {
          const result = await work(tx);
          if (begun && (await this.db.runExclusive(() => this.#wire.command('COMMIT', true))) === 'ROLLBACK')
            throw new CommitRolledBackError();
          return result;
        } catch (error) {
          if (begun) await this.db.runExclusive(() => this.#wire.command('ROLLBACK', true)).catch(() => undefined);
          throw error;
        }
      }),
    );
  }

  async listen(channel: string, onNotify: Notification): Promise<() => Promise<void>> {
    return this.db.listen(channel, onNotify);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

class PostgresDatabase implements Database {
  readonly kind = 'postgres';
  /** The unlisten functions of the live LISTEN connections. */
  readonly #listeners: Array<() => Promise<void>> = [];
  /** A few groups commit in parallel on the pool's connections. */
  readonly #groups: WriteGroups;
  /** Names of this pool's prepared statements, by text. */
  readonly #names = new Map<string, string>();
  readonly #counts = new Counts();
  constructor(
    readonly pool: pg.Pool,
    readonly url: string,
    lanes: number,
  ) {
    this.#groups = new WriteGroups(
      (work) => this.transaction(work),
      (text, params) => this.query(text, params),
      lanes,
      false,
    );
  }

  get counts(): DatabaseCounts {
    return { ...this.#counts };
  }

  async query<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    this.#counts.statements++;
    this.#counts.transactions++;
    this.#counts.roundTrips++;
    return translating(async () => (await this.pool.query(this.#prepared(text, params))).rows as R[]);
  }

  /**
   * A statement with parameters runs as a named prepared statement (pg prepares it once per connection), so it is
   * parsed and planned once, not on every call.
   */
  #prepared(text: string, params: readonly unknown[]): pg.QueryConfig | string {
    if (params.length === 0) return text;
    let name = this.#names.get(text);
    if (!name) {
      name = `rs_${this.#names.size}`;
      this.#names.set(text, name);
    }
    return { name, text, values: params as unknown[] };
  }

  write<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    return this.#groups.write(work);
  }

  writeStatement<R>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.#groups.writeStatement<R>(text, params);
  }

  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    return translating(() => this.#transaction(work));
  }

  async #transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client has no pool error listener: a server restart (57P01) would otherwise crash the process.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    const counts = this.#counts;
    try {
      counts.transactions++;
      counts.roundTrips++;
      await client.query('BEGIN');
      const result = await work({
        query: async <R>(text: string, params: readonly unknown[] = []) => {
          counts.statements++;
          counts.roundTrips++;
          return (await client.query(this.#prepared(text, params))).rows as R[];
        },
      });
      // A failed statement whose error `work` swallowed leaves the transaction aborted: COMMIT then rolls back.
      counts.roundTrips++;
      if ((await client.query('COMMIT')).command === 'ROLLBACK') throw new CommitRolledBackError();
      return result;
    } catch (error) {
      counts.roundTrips++;
      await client.query('ROLLBACK').catch(() => undefined);
      broken ??= error instanceof Error && 'severity' in error && error.severity === 'FATAL' ? error : undefined;
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken); // a broken connection is discarded, not handed to the next caller
    }
  }

  /** LISTEN needs its own direct connection (never through a transaction pooler), re-established when lost. */
  async listen(channel: string, onNotify: Notification): Promise<() => Promise<void>> {
    let client: pg.Client | undefined;
    let closed = false;
    let reconnecting = false;
    const connect = async () => {
      const next = new pg.Client({ connectionString: this.url });
      next.on('error', () => undefined);
      try {
        await next.connect();
        next.on('notification', (n) => {
          if (n.channel === channel) onNotify(n.payload ?? '');
        });
        await next.query(`LISTEN ${quoteIdentifier(channel)}`);
      } catch (error) {
        await next.end().catch(() => undefined);
        throw error;
      }
      next.on('end', () => void reconnect());
      client = next;
    };
    const reconnect = async () => {
      if (closed || reconnecting) return;
      reconnecting = true;
      for (let wait = 100; !closed; wait = Math.min(wait * 2, 5000)) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        if (closed) break;
        try {
          await connect();
          onNotify('');
          break;
        } catch {
          // still down: try again after a longer wait
        }
      }
      reconnecting = false;
    };
    await connect();
    const unlisten = async () => {
      closed = true;
      const i = this.#listeners.indexOf(unlisten);
      if (i >= 0) this.#listeners.splice(i, 1);
      await client?.end().catch(() => undefined);
    };
    this.#listeners.push(unlisten);
    return unlisten;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#listeners].map((unlisten) => unlisten()));
    await this.pool.end();
  }
}

export const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Open the database the options name: PostgreSQL when `url` is given, else PGlite (in `dataDir`, or in memory). */
export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  if (options.url) {
    const size = options.poolSize ?? 10;
    const pool = new pg.Pool({ connectionString: options.url, max: size });
    pool.on('error', () => undefined);
    // Every connection also gets a listener of its own: when the server terminates connections (a restart, 57P01),
    // a client can emit 'error' after pg-pool's once-only listener of pool.query() has been used up, and an 'error'
    // event with no listener kills the process. The error itself still reaches the query that was running.
    pool.on('connect', (client) => client.on('error', () => undefined));
    await pool.query('SELECT 1');
    return new PostgresDatabase(pool, options.url, Math.max(1, Math.floor(size / 2)));
  }
  const db = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
  await db.waitReady;
  // In memory nothing survives the process, so waiting for the WAL flush at each commit buys nothing.
  if (!options.dataDir) await db.exec('SET synchronous_commit = off');
  return new PgliteDatabase(db);
}
