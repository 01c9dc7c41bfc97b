/**
 * The SQL task store's batched append (`appendMany`, used by the SDK server for the events a run produced while its
 * previous write was in flight, e.g. a relayed stream's chunks): one write for the batch, the events logged with
 * contiguous sequence numbers in order, every later change refused once the task is terminal, subscribers given each
 * event once; a batch from a replica whose cached row is stale is redone from the row. Also: a task just created needs
 * no push-config read before its first event. On PGlite and PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import type { StreamResponse, Task } from '@rightsize/sdk/a2a';
import { type StoredEvent, type TaskChange, TaskExistsError } from '@rightsize/sdk/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { migrate } from '../src/db/migrations.js';
import { SqlTaskStore } from '../src/db/sql-task-store.js';
import { BrokerStore } from '../src/db/store.js';
import { type FreshDatabase, freshDatabase, POSTGRES_SKIP_REASON, TEST_DATABASE_URL } from './support/postgres.js';

const scope = { tenant: '', owner: 'alice' };

const submitted = (): Task => ({
  id: randomUUID(),
  contextId: randomUUID(),
  status: { state: 'TASK_STATE_SUBMITTED', timestamp: new Date().toISOString() },
});
const status = (task: Task, state: 'TASK_STATE_WORKING' | 'TASK_STATE_COMPLETED'): TaskChange => ({
  event: {
    statusUpdate: {
      taskId: task.id,
      contextId: task.contextId ?? '',
      status: { state, timestamp: new Date().toISOString() },
    },
  },
});
const chunk = (task: Task, i: number): TaskChange => ({
  event: {
    artifactUpdate: {
      taskId: task.id,
      contextId: task.contextId ?? '',
      artifact: { artifactId: 'a', parts: [{ text: `${i}` }] },
      ...(i > 0 ? { append: true } : {}),
    },
  },
});

function contract(open: () => Promise<{ db: Database; other: Database; close: () => Promise<void> }>) {
  let db: Database;
  let other: Database;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, other, close } = await open());
    await migrate(db);
  }, 120_000);
  afterAll(async () => close?.());

  const logOf = async (id: string) =>
    (
      await db.query<{ seq: string | number; event: StreamResponse }>(
        'SELECT seq, event FROM task_events WHERE task_id = $1 ORDER BY seq',
        [id],
      )
    ).map((r) => ({ seq: Number(r.seq), event: r.event }));

  it('writes a batch in one write: events in order with the next sequence numbers; none after the terminal one', async () => {
    const store = new SqlTaskStore(db);
    await store.start();
    try {
      const task = submitted();
      await store.create(scope, task);
      const live = new AbortController();
      const seen: StoredEvent[] = [];
      const following = (async () => {
        for await (const e of store.subscribe(scope, task.id, 1, live.signal)) seen.push(e);
      })();
      const writes = vi.spyOn(db, 'write');
      const statements = vi.spyOn(db, 'writeStatement');
      const batch = [
        status(task, 'TASK_STATE_WORKING'),
        { metadata: { note: 'm' } },
        chunk(task, 0),
        chunk(task, 1),
        status(task, 'TASK_STATE_COMPLETED'),
        chunk(task, 2),
      ];
      const results = await store.appendMany(scope, task.id, batch);
      // One statement, a write of its own (no transaction around it when alone).
      expect([statements.mock.calls.length, writes.mock.calls.length]).toEqual([1, 0]);
      writes.mockRestore();
      statements.mockRestore();
      expect(results).toEqual([
        { ok: true, seq: 2, state: 'TASK_STATE_WORKING' },
        { ok: true, seq: 2, state: 'TASK_STATE_WORKING' },
        { ok: true, seq: 3, state: 'TASK_STATE_WORKING' },
        { ok: true, seq: 4, state: 'TASK_STATE_WORKING' },
        { ok: true, seq: 5, state: 'TASK_STATE_COMPLETED' },
        { ok: false, reason: 'terminal', state: 'TASK_STATE_COMPLETED' },
      ]);
      await following; // ends at the terminal event
      const logged = await logOf(task.id);
      expect(logged.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(logged.slice(1).map((e) => e.event)).toEqual([0, 2, 3, 4].map((i) => batch[i]?.event));
      expect(seen).toEqual(logged.slice(1));
      const stored = await store.get(scope, task.id);
      expect(stored?.seq).toBe(5);
      expect(stored?.task.metadata).toEqual({ note: 'm' });
      expect(stored?.task.artifacts?.[0]?.parts).toEqual([{ text: '0' }, { text: '1' }]);
      expect(stored?.task.status.state).toBe('TASK_STATE_COMPLETED');
      // A terminal task takes nothing more; a missing one is not found.
      expect(await store.appendMany(scope, task.id, [chunk(task, 3)])).toEqual([
        { ok: false, reason: 'terminal', state: 'TASK_STATE_COMPLETED' },
      ]);
      expect(await store.appendMany(scope, randomUUID(), [chunk(task, 3)])).toEqual([
        { ok: false, reason: 'not-found' },
      ]);
    } finally {
      await store.stop();
    }
  });

  it('creates a task with its first changes in one statement; a taken id is TaskExistsError and stores nothing', async () => {
    const store = new SqlTaskStore(db);
    const task = submitted();
    const before = db.counts;
    const changes = [
      status(task, 'TASK_STATE_WORKING'),
      chunk(task, 0),
      status(task, 'TASK_STATE_COMPLETED'),
      chunk(task, 1),
    ];
    const { record, results } = await store.createWith(scope, task, changes);
    const after = db.counts;
    expect([after.statements - before.statements, after.roundTrips - before.roundTrips]).toEqual([1, 1]);
    expect(record).toEqual({ task, seq: 1 });
    expect(results).toEqual([
      { ok: true, seq: 2, state: 'TASK_STATE_WORKING' },
      { ok: true, seq: 3, state: 'TASK_STATE_WORKING' },
      { ok: true, seq: 4, state: 'TASK_STATE_COMPLETED' },
      { ok: false, reason: 'terminal', state: 'TASK_STATE_COMPLETED' },
    ]);
    const logged = await logOf(task.id);
    expect(logged).toEqual([
      { seq: 1, event: { task } },
      ...[0, 1, 2].map((i) => ({ seq: i + 2, event: changes[i]?.event })),
    ]);
    // What another replica reads from the table.
    const read = await new SqlTaskStore(other).get(scope, task.id);
    expect(read?.seq).toBe(4);
    expect(read?.task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(read?.task.artifacts?.[0]?.parts).toEqual([{ text: '0' }]);
    await expect(store.createWith(scope, task, [chunk(task, 2)])).rejects.toBeInstanceOf(TaskExistsError);
    expect(await logOf(task.id)).toEqual(logged);
  });

  it('a task in a final state written here is answered from memory (it never changes): get and appends read nothing', async () => {
    const store = new SqlTaskStore(db);
    const task = submitted();
    await store.createWith(scope, task, [status(task, 'TASK_STATE_COMPLETED')]);
    const before = db.counts;
    expect(await store.get(scope, task.id)).toMatchObject({
      seq: 2,
      task: { status: { state: 'TASK_STATE_COMPLETED' } },
    });
    expect(await store.append(scope, task.id, chunk(task, 0))).toEqual({
      ok: false,
      reason: 'terminal',
      state: 'TASK_STATE_COMPLETED',
    });
    expect(db.counts.statements).toBe(before.statements);
    // Another caller's scope is not served from memory: the table says the task is not theirs.
    expect(await store.get({ tenant: '', owner: 'mallory' }, task.id)).toBeUndefined();
    expect(db.counts.statements).toBe(before.statements + 1);
  });

  it('a batch from a replica whose cached row is stale is redone from the row: no sequence number reused', async () => {
    const a = new SqlTaskStore(db);
    const b = new SqlTaskStore(other);
    const task = submitted();
    await a.create(scope, task); // a caches seq 1
    expect(await b.append(scope, task.id, status(task, 'TASK_STATE_WORKING'))).toMatchObject({ ok: true, seq: 2 });
    const results = await a.appendMany(scope, task.id, [chunk(task, 0), chunk(task, 1)]);
    expect(results).toEqual([
      { ok: true, seq: 3, state: 'TASK_STATE_WORKING' },
      { ok: true, seq: 4, state: 'TASK_STATE_WORKING' },
    ]);
    expect((await logOf(task.id)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it('a task just created here has no push configs to read; one saved afterwards (here or by a replica) is seen', async () => {
    const store = new BrokerStore(db);
    const replica = new BrokerStore(other);
    await store.start();
    try {
      const task = submitted();
      await store.tasks.create(scope, task);
      const reads = vi.spyOn(db, 'query');
      expect(await store.pushConfigs.list(scope, task.id)).toEqual([]);
      expect(reads).not.toHaveBeenCalled();
      reads.mockRestore();
      const config = { taskId: task.id, id: 'c1', url: 'https://example.com/hook' };
      await store.pushConfigs.save(scope, config, 10);
      expect(await store.pushConfigs.list(scope, task.id)).toEqual([config]);
      if (other === db) return; // PGlite: one process owns the data, there is no other replica
      const second = submitted();
      await store.tasks.create(scope, second);
      await replica.pushConfigs.save(scope, { ...config, taskId: second.id }, 10);
      // The replica's NOTIFY undoes "none".
      await vi.waitFor(async () =>
        expect(await store.pushConfigs.list(scope, second.id)).toEqual([{ ...config, taskId: second.id }]),
      );
    } finally {
      await store.stop();
    }
  });
}

describe('batched appends on the embedded store (PGlite)', () =>
  contract(async () => {
    const db = await openDatabase();
    // One PGlite is one process's data: the "other replica" is a second store object on the same database.
    return { db, other: db, close: () => db.close() };
  }));

describe.skipIf(!TEST_DATABASE_URL)(
  `batched appends on PostgreSQL${TEST_DATABASE_URL ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    let database: FreshDatabase | undefined;
    contract(async () => {
      database = await freshDatabase('batch');
      const db = await openDatabase({ url: database.url });
      const other = await openDatabase({ url: database.url });
      return {
        db,
        other,
        close: async () => {
          await db.close();
          await other.close();
          await database?.drop();
        },
      };
    });
  },
);
