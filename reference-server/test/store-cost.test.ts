/**
 * What one routed unary SendMessage asks of the store: statements, transactions, round trips (PGlite backend calls,
 * PostgreSQL round trips) and NOTIFYs, counted exactly, for an agent that answers with a Message (the broker creates
 * no task) and one that answers with a completed Task. The regression guard of issue 11's store cost: a change that
 * adds a statement, a transaction or a round trip to this path fails here. On PGlite and PostgreSQL.
 *
 * What each must still write before the client is answered (the durability promise, see restart.test.ts): the
 * outcome with the decision record; with a Task also the task, its events and the route (broker ↔ downstream ids).
 */
import { withMessageExtension } from '@rightsize/sdk/rightsize';
import pg from 'pg';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, createBroker } from '../src/broker/broker.js';
import type { DatabaseCounts } from '../src/db/database.js';
import { EVENTS_CHANNEL, PUSH_CHANNEL } from '../src/db/sql-task-store.js';
import { REGISTRY_CHANNEL } from '../src/db/store.js';
import { OUTCOMES_CHANNEL } from '../src/routing/outcome-log.js';
import { profileOf, startTestAgent, type TestAgent } from './support/agents.js';
import { type FreshDatabase, freshDatabase, POSTGRES_SKIP_REASON, TEST_DATABASE_URL } from './support/postgres.js';

const CHANNELS = [EVENTS_CHANNEL, PUSH_CHANNEL, OUTCOMES_CHANNEL, REGISTRY_CHANNEL];
const MARKER = 'rightsize_test_marker';
/** Requests measured per case (fewer than the learner's snapshot cadence of 64 outcomes, so none is saved here). */
const REQUESTS = 6;

interface Cost extends DatabaseCounts {
  readonly notifies: number;
}

/** Counts NOTIFYs on the broker's channels; `settle` returns once every notification sent so far has arrived. */
interface NotifyCounter {
  count: number;
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** PostgreSQL: a connection of its own; notifications arrive in commit order, so a marker sent last closes the count. */
async function postgresNotifies(url: string): Promise<NotifyCounter> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let marked: (() => void) | undefined;
  const counter: NotifyCounter = {
    count: 0,
    async settle() {
      const seen = new Promise<void>((resolve) => {
        marked = resolve;
      });
      await client.query(`NOTIFY ${MARKER}`);
      await seen;
    },
    close: () => client.end(),
  };
  client.on('notification', (n) => {
    if (n.channel === MARKER) marked?.();
    else counter.count++;
  });
  for (const channel of [...CHANNELS, MARKER]) await client.query(`LISTEN ${channel}`);
  return counter;
}

/** PGlite: its own listeners, called as the notifying statement returns. */
async function pgliteNotifies(broker: Broker): Promise<NotifyCounter> {
  const counter = { count: 0 };
  const unlisten = await Promise.all(CHANNELS.map((c) => broker.db.listen(c, () => counter.count++)));
  return Object.assign(counter, {
    settle: async () => undefined,
    close: async () => {
      for (const u of unlisten) await u();
    },
  });
}

function costs(open: () => Promise<{ url?: string; close: () => Promise<void> }>) {
  let broker: Broker;
  let base: string;
  let notifies: NotifyCounter;
  let closeStore: () => Promise<void>;
  const agents: TestAgent[] = [];
  beforeAll(async () => {
    const store = await open();
    closeStore = store.close;
    // A long lease: no renewal falls into a measurement.
    broker = await createBroker({
      allowPrivateNetworks: true,
      healthIntervalMs: 0,
      leaseTtlMs: 600_000,
      ...(store.url ? { databaseUrl: store.url } : {}),
    });
    base = await broker.listen();
    notifies = store.url ? await postgresNotifies(store.url) : await pgliteNotifies(broker);
    agents.push(await startTestAgent('replier', profileOf({ dialogue: 8 }, { placement: 'edge' }, 0.001, 5), 'reply'));
    agents.push(
      await startTestAgent('tasker', profileOf({ extraction: 8 }, { placement: 'edge' }, 0.001, 5), 'answer'),
    );
    for (const agent of agents) await broker.registry.register(agent.cardUrl);
  }, 120_000);
  afterAll(async () => {
    await notifies?.close();
    await broker?.close();
    for (const agent of agents) await agent.app.close();
    await closeStore?.();
  });

  const send = async (domain: string) => {
    const message = withMessageExtension(
      { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'what is two and two?' }] },
      { descriptor: { domain, complexity: { value: 1, sigma: 0.2 } } },
    );
    const response = await request(`${base}/a2a/jsonrpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message } }),
    });
    return ((await response.body.json()) as { result: { message?: unknown; task?: { status: { state: string } } } })
      .result;
  };

  /** The store's work per request over REQUESTS requests, one at a time (each fully answered before the next). */
  const measure = async (domain: string): Promise<Cost> => {
    await send(domain); // prepared statements, caches
    await notifies.settle();
    const before = broker.db.counts;
    notifies.count = 0;
    for (let i = 0; i < REQUESTS; i++) await send(domain);
    await notifies.settle();
    const after = broker.db.counts;
    const per = (n: number) => n / REQUESTS;
    return {
      statements: per(after.statements - before.statements),
      transactions: per(after.transactions - before.transactions),
      roundTrips: per(after.roundTrips - before.roundTrips),
      notifies: per(notifies.count),
    };
  };

  return { send, measure, broker: () => broker };
}

describe('store cost of a routed unary SendMessage on the embedded store (PGlite)', () => {
  const c = costs(async () => ({ close: async () => undefined }));

  it('an agent answering with a Message: one statement (the outcome with its decision), one call, no NOTIFY', async () => {
    expect(await c.send('dialogue')).toHaveProperty('message');
    expect(await c.measure('dialogue')).toEqual({ statements: 1, transactions: 1, roundTrips: 1, notifies: 0 });
  });

  it('an agent answering with a Task: the route, the outcome, the task with its events; each one call', async () => {
    expect((await c.send('extraction'))?.task?.status.state).toBe('TASK_STATE_COMPLETED');
    expect(await c.measure('extraction')).toEqual({ statements: 3, transactions: 3, roundTrips: 3, notifies: 0 });
  });
});

describe.skipIf(!TEST_DATABASE_URL)(
  `store cost of a routed unary SendMessage on PostgreSQL${TEST_DATABASE_URL ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    let database: FreshDatabase | undefined;
    const c = costs(async () => {
      database = await freshDatabase('cost');
      return { url: database.url, close: () => database?.drop() ?? Promise.resolve() };
    });

    it('an agent answering with a Message: one statement, one round trip, one NOTIFY (the outcome)', async () => {
      expect(await c.send('dialogue')).toHaveProperty('message');
      expect(await c.measure('dialogue')).toEqual({ statements: 1, transactions: 1, roundTrips: 1, notifies: 1 });
    });

    it('an agent answering with a Task: three statements, three round trips; NOTIFYs of the outcome and the events', async () => {
      expect((await c.send('extraction'))?.task?.status.state).toBe('TASK_STATE_COMPLETED');
      expect(await c.measure('extraction')).toEqual({ statements: 3, transactions: 3, roundTrips: 3, notifies: 2 });
    });
  },
);
