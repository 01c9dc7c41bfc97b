/**
 * Run leases (start-up recovery): a task in flight is an orphan only when the run that wrote it is gone, so with two
 * replicas on one PostgreSQL one never takes the other's live task; a run whose lease expired loses its tasks to the
 * first live run that claims them, and only one run can claim each. On PGlite one process owns the data, so every
 * other run's tasks are orphans at once. Also: the store's one-statement appends stay correct when another replica
 * changed the row (the sequence check).
 */
import { randomUUID } from 'node:crypto';
import type { Task } from '@rightsize/sdk/a2a';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { RunLease } from '../src/db/lease.js';
import { migrate } from '../src/db/migrations.js';
import { SqlTaskStore } from '../src/db/sql-task-store.js';
import { type FreshDatabase, freshDatabase, POSTGRES_SKIP_REASON, TEST_DATABASE_URL } from './support/postgres.js';

const scope = { tenant: '', owner: 'alice' };
const working = (): Task => ({
  id: randomUUID(),
  contextId: randomUUID(),
  status: { state: 'TASK_STATE_WORKING', timestamp: new Date().toISOString() },
});
const status = (task: Task, state: 'TASK_STATE_WORKING' | 'TASK_STATE_COMPLETED') => ({
  event: {
    statusUpdate: {
      taskId: task.id,
      contextId: task.contextId ?? '',
      status: { state, timestamp: new Date().toISOString() },
    },
  },
});

describe.skipIf(!TEST_DATABASE_URL)(
  `run leases with two replicas on PostgreSQL${TEST_DATABASE_URL ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    let database: FreshDatabase | undefined;
    let a: Database;
    let b: Database;
    beforeAll(async () => {
      database = await freshDatabase('lease');
      a = await openDatabase({ url: database.url, poolSize: 2 });
      b = await openDatabase({ url: database.url, poolSize: 2 });
      await migrate(a);
    }, 120_000);
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await database?.drop();
    });

    it('never takes a live run’s task; takes a gone run’s task exactly once', async () => {
      const storeA = new SqlTaskStore(a, { runId: `a-${randomUUID()}` });
      const leaseA = new RunLease(a, storeA.runId, { ttlMs: 60_000 });
      const leaseB = new RunLease(b, `b-${randomUUID()}`, { ttlMs: 60_000 });
      const leaseC = new RunLease(b, `c-${randomUUID()}`, { ttlMs: 60_000 });
      await leaseA.renew();
      await leaseB.renew();
      await leaseC.renew();
      const task = working();
      await storeA.create(scope, task);
      const mine = (orphans: Awaited<ReturnType<RunLease['orphans']>>) => orphans.filter((o) => o.task.id === task.id);

      expect(mine(await leaseB.orphans())).toEqual([]); // A is alive
      const stale = { scope, task, runId: storeA.runId, agentId: undefined, downstreamTaskId: undefined };
      expect(await leaseB.claim(stale)).toBe(false);

      await leaseA.release(); // A is gone
      const [orphan] = mine(await leaseB.orphans());
      expect(orphan).toMatchObject({ scope, runId: storeA.runId, task: { id: task.id } });
      const claims = await Promise.all([leaseB.claim(orphan as never), leaseC.claim(orphan as never)]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(mine(await leaseC.orphans())).toEqual([]); // the winner is alive
      await leaseB.release();
      await leaseC.release();
    });

    it('an append from a replica whose cached row is stale is redone from the row', async () => {
      const storeA = new SqlTaskStore(a);
      const storeB = new SqlTaskStore(b);
      const task = working();
      await storeA.create(scope, task); // A now appends without reading the row
      expect(await storeB.append(scope, task.id, status(task, 'TASK_STATE_WORKING'))).toMatchObject({
        ok: true,
        seq: 2,
      });
      expect(await storeA.append(scope, task.id, status(task, 'TASK_STATE_WORKING'))).toMatchObject({
        ok: true,
        seq: 3,
      });
      expect(await storeB.append(scope, task.id, status(task, 'TASK_STATE_COMPLETED'))).toMatchObject({
        ok: true,
        seq: 4,
      });
      expect(await storeA.append(scope, task.id, status(task, 'TASK_STATE_WORKING'))).toEqual({
        ok: false,
        reason: 'terminal',
        state: 'TASK_STATE_COMPLETED',
      });
      const seqs = await a.query<{ seq: string }>('SELECT seq FROM task_events WHERE task_id = $1 ORDER BY seq', [
        task.id,
      ]);
      expect(seqs.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4]);
    });
  },
);

describe('run leases on the embedded store (PGlite: one process owns the data)', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase();
    await migrate(db);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  it('treats every other run’s tasks in flight as orphans at once, and ended tasks never', async () => {
    const old = new SqlTaskStore(db, { runId: 'killed-run' });
    await new RunLease(db, old.runId).renew(); // its lease has not expired, but its process is gone
    const inFlight = working();
    const ended = working();
    await old.create(scope, inFlight);
    await old.create(scope, ended);
    await old.append(scope, ended.id, status(ended, 'TASK_STATE_COMPLETED'));
    const lease = new RunLease(db, 'this-run');
    const orphans = await lease.orphans();
    expect(orphans.map((o) => o.task.id)).toEqual([inFlight.id]);
    expect(await lease.claim(orphans[0] as never)).toBe(true);
    expect(await lease.orphans()).toEqual([]);
  });
});
