/**
 * The SQL interface both stores share (`Database`): parameters typed by the server from their text, prepared
 * statements that survive a failing first run, transactions that commit, roll back, and refuse to acknowledge a
 * COMMIT that rolled back; on PGlite also its locking (a statement from outside never joins an open transaction) and
 * the cost of its wire path (one call into the WASM backend per statement, two per single-statement transaction).
 */
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { type FreshDatabase, freshDatabase, POSTGRES_SKIP_REASON, TEST_DATABASE_URL } from './support/postgres.js';

const TABLE = `CREATE TABLE items (
  id text PRIMARY KEY, n double precision, flag boolean, doc jsonb, at timestamptz, big bigint, raw bytea
)`;

function contract(open: () => Promise<{ db: Database; close: () => Promise<void> }>) {
  let db: Database;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await open());
    await db.query(TABLE);
  }, 120_000);
  afterAll(async () => close?.());

  const count = async (id: string) =>
    Number((await db.query<{ n: unknown }>('SELECT count(*) AS n FROM items WHERE id = $1', [id]))[0]?.n);

  it('sends parameters as text the server types: text, numbers, booleans, JSON, dates, bigint, bytes, NULL', async () => {
    const at = new Date('2026-11-29T03:00:00.123Z');
    await db.query('INSERT INTO items (id, n, flag, doc, at, big, raw) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      'types',
      1.5,
      false,
      JSON.stringify({ a: [1, 'b'] }),
      at,
      2n ** 53n + 1n,
      new Uint8Array([0, 1, 255]),
    ]);
    await db.query('INSERT INTO items (id, n, doc) VALUES ($1, $2, $3)', ['nulls', null, { object: true }]);
    const rows = await db.query<{ id: string; n: number | null; flag: boolean | null; doc: unknown; at: Date | null }>(
      'SELECT id, n, flag, doc, at, big::text AS big, encode(raw, $1) AS raw FROM items WHERE id = ANY($2::text[]) ORDER BY id',
      ['hex', '{nulls,types}'],
    );
    expect(rows).toMatchObject([
      { id: 'nulls', n: null, flag: null, doc: { object: true }, at: null, big: null, raw: null },
      { id: 'types', n: 1.5, flag: false, doc: { a: [1, 'b'] }, big: '9007199254740993', raw: '0001ff' },
    ]);
    expect(new Date(rows[1]?.at as Date).getTime()).toBe(at.getTime());
    expect(
      await db.query('SELECT $1::text[] AS a, $2::int[] AS b', [
        ['x', 'q"\\', null],
        [1, 2],
      ]),
    ).toEqual([{ a: ['x', 'q"\\', null], b: [1, 2] }]);
  });

  it('a statement whose first run fails runs again; a syntax error does not disturb the next statement', async () => {
    const insert = 'INSERT INTO items (id, n) VALUES ($1, $2) RETURNING n';
    await db.query('INSERT INTO items (id) VALUES ($1)', ['first-fails']);
    await expect(db.query(insert, ['first-fails', 1])).rejects.toMatchObject({ code: '23505' });
    expect(await db.query(insert, ['then-runs', 2])).toEqual([{ n: 2 }]);
    await expect(db.query('SELEC $1', [1])).rejects.toMatchObject({ code: '42601' });
    expect(await db.query<{ x: number }>('SELECT $1::int AS x', [7])).toEqual([{ x: 7 }]);
  });

  it('a lone single-statement write is one round trip; written together, one failing write fails only itself', async () => {
    const insert = 'INSERT INTO items (id) VALUES ($1) RETURNING id';
    await db.writeStatement(insert, ['ws0']); // prepared
    const before = db.counts;
    expect(await db.writeStatement(insert, ['ws1'])).toEqual([{ id: 'ws1' }]);
    const after = db.counts;
    expect([
      after.statements - before.statements,
      after.transactions - before.transactions,
      after.roundTrips - before.roundTrips,
    ]).toEqual([1, 1, 1]);
    // Three writes of one turn of the event loop (one group on PGlite): the duplicate key fails, the others are stored.
    const settled = await new Promise<PromiseSettledResult<unknown>[]>((resolve) =>
      setImmediate(
        () =>
          void Promise.allSettled(
            ['ws2', 'ws1', 'ws3'].map((id) => db.writeStatement('INSERT INTO items (id) VALUES ($1)', [id])),
          ).then(resolve),
      ),
    );
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect([await count('ws2'), await count('ws3')]).toEqual([1, 1]);
  });

  it('commits a transaction, rolls back on a throw, and refuses a COMMIT that rolled back', async () => {
    const insert = 'INSERT INTO items (id) VALUES ($1)';
    expect(await db.transaction(async (tx) => (await tx.query(`${insert} RETURNING id`, ['committed']))[0])).toEqual({
      id: 'committed',
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query(insert, ['thrown']);
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    // A statement fails, `work` swallows the error and returns: the COMMIT rolls back, and that is an error.
    await expect(
      db.transaction(async (tx) => {
        await tx.query(insert, ['swallowed']);
        await tx.query(insert, ['swallowed']).catch(() => undefined);
        return 'acknowledged';
      }),
    ).rejects.toMatchObject({ code: '25P02' });
    expect([await count('committed'), await count('thrown'), await count('swallowed')]).toEqual([1, 0, 0]);
    // Group commit: one write refused (unique violation) fails alone, the others of its group commit.
    const writes = ['g1', 'committed', 'g2'].map((id) => db.write((tx) => tx.query(insert, [id])));
    const settled = await Promise.allSettled(writes);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect([await count('g1'), await count('g2')]).toEqual([1, 1]);
  });

  it('never runs a statement from outside inside an open transaction', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const rolledBack = db.transaction(async (tx) => {
      await tx.query('INSERT INTO items (id) VALUES ($1)', ['in-tx']);
      entered();
      await gate;
      throw new Error('roll back');
    });
    await inside;
    const outside = db.query('INSERT INTO items (id) VALUES ($1)', ['outside']);
    release();
    await expect(rolledBack).rejects.toThrow('roll back');
    await outside;
    expect([await count('in-tx'), await count('outside')]).toEqual([0, 1]);
  });
}

describe('Database on PGlite (in memory)', () => {
  contract(async () => {
    const db = await openDatabase();
    return { db, close: () => db.close() };
  });

  it('one call into the WASM backend per statement, two per single-statement transaction; any number of texts', async () => {
    const db = await openDatabase();
    try {
      await db.query('CREATE TABLE counted (id int PRIMARY KEY, v text)');
      const pglite = (db as unknown as { db: PGlite }).db;
      const calls = vi.spyOn(pglite, 'execProtocolRawSync');
      const upsert = 'INSERT INTO counted (id, v) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET v = $2 RETURNING v';
      await db.query(upsert, [1, 'prepared']);
      calls.mockClear();
      expect(await db.query(upsert, [1, 'a'])).toEqual([{ v: 'a' }]);
      expect(calls).toHaveBeenCalledTimes(1);
      calls.mockClear();
      await db.write((tx) => tx.query(upsert, [2, 'b']));
      expect(calls).toHaveBeenCalledTimes(2);
      calls.mockClear();
      await db.transaction(async () => 'nothing written');
      expect(calls).toHaveBeenCalledTimes(0);
      // Writes of requests handled in one turn of the event loop (here: three I/O-like callbacks) share one group:
      // BEGIN with the first statement, the two others, one COMMIT (each alone: 6 calls).
      const commits = vi.spyOn(pglite, 'execProtocol');
      const written = await new Promise<unknown[]>((resolve) => {
        const writes = [3, 4, 5].map(
          (id) =>
            new Promise((done) => setImmediate(() => void db.write((tx) => tx.query(upsert, [id, 'g'])).then(done))),
        );
        void Promise.all(writes).then(resolve);
      });
      expect(written).toHaveLength(3);
      expect(commits.mock.calls.filter(([m]) => Buffer.from(m).includes('COMMIT'))).toHaveLength(1);
      commits.mockRestore();
      // More distinct statements than the backend keeps prepared: the rest are parsed at each run.
      for (let i = 0; i < 300; i++) expect(await db.query(`SELECT $1::int + ${i} AS x`, [1])).toEqual([{ x: 1 + i }]);
    } finally {
      await db.close();
    }
  }, 60_000);
});

describe.skipIf(!TEST_DATABASE_URL)(
  `Database on PostgreSQL${TEST_DATABASE_URL ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    let fresh: FreshDatabase | undefined;
    contract(async () => {
      fresh = await freshDatabase('database');
      const db = await openDatabase({ url: fresh.url, poolSize: 4 });
      return {
        db,
        close: async () => {
          await db.close();
          await fresh?.drop();
        },
      };
    });
  },
);
