/**
 * The learning log's write path (PGlite, and PostgreSQL when RIGHTSIZE_TEST_DATABASE_URL is set): concurrent appends
 * go into one statement with ids in submission order, each with its decision; one bad outcome does not fail the
 * others of its batch; the Learner applies its own appends without reading them back, and still reads the log when
 * another writer's outcome lies in between.
 */
import { InvalidParamsError } from '@rightsize/sdk/errors';
import type { RoutingDecision } from '@rightsize/sdk/rightsize';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Learner } from '../src/broker/learner.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { migrate } from '../src/db/migrations.js';
import { BrokerStore } from '../src/db/store.js';
import { type LoggedOutcome, OutcomeLog } from '../src/routing/outcome-log.js';
import { BrokerRouting } from '../src/routing/routing.js';
import { type FreshDatabase, freshDatabase, POSTGRES_SKIP_REASON, TEST_DATABASE_URL } from './support/postgres.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const outcome = (i: number): LoggedOutcome => ({
  taskId: `task-${i}`,
  agentId: `agent-${i % 3}`,
  domain: 'general',
  complexity: 0.1 * i,
  success: i % 2 === 0,
  source: 'state',
  evidence: 'self-reported',
  ...(i % 4 === 0 ? {} : { features: { length: i } as unknown as NonNullable<LoggedOutcome['features']> }),
});

const decision = (i: number, attempts: number): { decision: RoutingDecision; domain: string } => ({
  decision: {
    decisionId: `d-${i}`,
    decidedAt: '2026-01-01T00:00:00.000Z',
    attempts: Array.from({ length: attempts }, () => ({ agentId: 'agent-0' })),
  } as unknown as RoutingDecision,
  domain: 'general',
});

/** The database with the statements run through it counted by their first words. */
function counted(db: Database) {
  const statements: string[] = [];
  const wrapped: Database = Object.assign(Object.create(db) as Database, {
    query: (text: string, params?: readonly unknown[]) => {
      statements.push(text.replace(/\s+/g, ' ').trim());
      return db.query(text, params);
    },
  });
  return { db: wrapped, statements };
}

const stores: Array<{ name: string; open: () => Promise<{ db: Database; done: () => Promise<void> }> }> = [
  {
    name: 'PGlite',
    open: async () => {
      const db = await openDatabase();
      return { db, done: () => db.close() };
    },
  },
];
const fresh: FreshDatabase[] = [];
if (TEST_DATABASE_URL)
  stores.push({
    name: 'PostgreSQL',
    open: async () => {
      const database = await freshDatabase('outcomes');
      fresh.push(database);
      const db = await openDatabase({ url: database.url });
      return { db, done: () => db.close() };
    },
  });
else it.skip(`PostgreSQL: ${POSTGRES_SKIP_REASON}`, () => undefined);

afterAll(async () => {
  for (const database of fresh) await database.drop();
});

describe.each(stores)('$name', ({ open }) => {
  it('concurrent appends share one statement; ids follow submission order; decisions saved with them', async () => {
    const { db, done } = await open();
    try {
      await migrate(db);
      const { db: watched, statements } = counted(db);
      const log = new OutcomeLog(watched);
      const n = 40;
      // decision d-0 twice in one batch: the later save (more attempts) wins
      const ids = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          log.append(outcome(i), i === 0 ? decision(0, 1) : i === 5 ? decision(0, 2) : decision(i, 1)),
        ),
      );
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(n);
      expect(statements.length).toBeLessThan(n / 4);
      const logged = await log.after(0, 1000);
      expect(logged.map((e) => e.id)).toEqual(ids);
      expect(logged.map((e) => e.outcome)).toEqual(Array.from({ length: n }, (_, i) => outcome(i)));
      const rows = await db.query<{ decision_id: string; task_id: string; decision: RoutingDecision }>(
        'SELECT decision_id, task_id, decision FROM decisions ORDER BY decision_id',
      );
      expect(rows).toHaveLength(n - 1);
      const first = rows.find((r) => r.decision_id === 'd-0');
      expect(first?.decision.attempts).toHaveLength(2);
    } finally {
      await done();
    }
  });

  it("one outcome the store refuses (a NUL character) fails alone, not its batch's others", async () => {
    const { db, done } = await open();
    try {
      await migrate(db);
      const log = new OutcomeLog(db);
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          log.append(i === 2 ? { ...outcome(i), domain: 'bad\u0000domain' } : outcome(i)),
        ),
      );
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
        'fulfilled',
      ]);
      expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidParamsError);
      expect((await log.after(0)).map((e) => e.outcome.taskId)).toEqual([
        'task-0',
        'task-1',
        'task-3',
        'task-4',
        'task-5',
      ]);
    } finally {
      await done();
    }
  });

  it('the Learner applies its own appends without reading them back; an outcome of another writer is read', async () => {
    const { db, done } = await open();
    try {
      await migrate(db);
      const { db: watched, statements } = counted(db);
      const log = new OutcomeLog(watched);
      const learner = new Learner(new BrokerStore(db), new BrokerRouting(), log, { snapshotEvery: 1000 });
      await learner.sync();
      const reads = () => statements.filter((s) => s.startsWith('SELECT id, task_id')).length;
      const before = reads();
      await Promise.all(Array.from({ length: 10 }, (_, i) => learner.observe(outcome(i))));
      expect(learner.applied).toBe(10);
      expect(reads()).toBe(before);
      // another replica's outcome (its own log on the same database), then one of ours: the gap is read
      await new OutcomeLog(db).append(outcome(10));
      await learner.observe(outcome(11));
      expect(learner.applied).toBe(12);
      expect(reads()).toBe(before + 1);
      await learner.close();
    } finally {
      await done();
    }
  });
});
