/**
 * Durable, resumable streams and replicas, on the embedded store (PGlite) and on PostgreSQL: every relayed event is
 * stored with a per-task sequence number (the SSE `id:`); a client that drops its connection and comes back with
 * `Last-Event-ID` receives exactly the events it missed, in order, then the live ones, and the disconnect never
 * cancels the agent's task. With PostgreSQL, two broker replicas serve the same tasks: a task started through A is
 * read, subscribed to and canceled through B.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '@rightsize/sdk/a2a';
import { withMessageExtension } from '@rightsize/sdk/rightsize';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, type BrokerOptions, createBroker } from '../src/index.js';
import { profileOf, startTestAgent, type TestAgent } from './support/agents.js';
import { type FreshDatabase, freshDatabase, POSTGRES_SKIP_REASON, TEST_DATABASE_URL } from './support/postgres.js';
import { openSse, type RawSseEvent } from './support/sse.js';

const KEY = 'stream-client-key';
const ADMIN = 'stream-admin-key';
const headers = { 'x-api-key': KEY };

const message = (): Message =>
  withMessageExtension(
    { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'stream me' }] },
    { descriptor: { domain: 'general', complexity: { value: 2, sigma: 0.3 } } },
  );

const stateOf = (e: RawSseEvent) =>
  (e.data.statusUpdate as { status?: { state?: string } } | undefined)?.status?.state ??
  (e.data.task as { status?: { state?: string } } | undefined)?.status?.state;

async function startBroker(options: BrokerOptions): Promise<{ broker: Broker; url: string }> {
  const broker = await createBroker({
    allowPrivateNetworks: true,
    healthIntervalMs: 0,
    auth: { adminKeys: [ADMIN], clientKeys: { [KEY]: 'streamer' } },
    ...options,
  });
  return { broker, url: await broker.listen() };
}

async function register(url: string, cardUrl: string) {
  const response = await request(`${url}/rightsize/v1/agents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': ADMIN },
    body: JSON.stringify({ cardUrl }),
  });
  await response.body.dump();
  expect([200, 201]).toContain(response.statusCode);
}

function suite(kind: 'pglite' | 'postgres') {
  let agent: TestAgent;
  let a: { broker: Broker; url: string };
  let b: { broker: Broker; url: string } | undefined;
  let database: FreshDatabase | undefined;

  beforeAll(async () => {
    agent = await startTestAgent('streamer', profileOf({ general: 8 }, { placement: 'cloud' }, 0.001, 20), 'steps');
    if (kind === 'postgres') {
      database = await freshDatabase('streams');
      a = await startBroker({ databaseUrl: database.url });
      b = await startBroker({ databaseUrl: database.url });
    } else a = await startBroker({});
    await register(a.url, agent.cardUrl);
  }, 120_000);

  afterAll(async () => {
    await a?.broker.close();
    await b?.broker.close();
    await agent?.app.close();
    await database?.drop();
  }, 120_000);

  it('resumes a dropped stream with Last-Event-ID: exactly the missed events, in order, then live ones', async () => {
    agent.steps = 4;
    agent.canceled.length = 0;
    const first = await openSse(`${a.url}/a2a/rest/message:stream`, { body: { message: message() }, headers });
    expect(first.status).toBe(200);
    const seen: RawSseEvent[] = [];
    // task, working (relayed), then one chunk
    agent.release(1);
    while (!seen.some((e) => e.data.artifactUpdate)) seen.push((await first.next()) as RawSseEvent);
    const taskId = (seen[0]?.data.task as { id: string }).id;
    first.drop();
    // events happen while the client is away: two more chunks, which the broker must keep
    agent.release(2);
    await expect
      .poll(
        async () =>
          (await a.broker.store.tasks.get({ tenant: '', owner: 'streamer' }, taskId))?.task.artifacts?.[0]?.parts
            .length,
        {
          timeout: 10_000,
        },
      )
      .toBe(3);
    const lastId = seen.at(-1)?.id as number;
    const server = b ?? a; // with replicas, resume through the other one
    const resumed = await openSse(`${server.url}/a2a/rest/tasks/${taskId}:subscribe`, {
      headers: { ...headers, 'last-event-id': String(lastId) },
    });
    expect(resumed.status).toBe(200);
    const rest: RawSseEvent[] = [];
    rest.push((await resumed.next()) as RawSseEvent, (await resumed.next()) as RawSseEvent);
    agent.release(1);
    for (;;) {
      const e = await resumed.next();
      if (!e) break;
      rest.push(e);
      const state = stateOf(e);
      if (state === 'TASK_STATE_COMPLETED') break;
    }
    const ids = [...seen, ...rest].map((e) => e.id);
    expect(ids).toEqual(ids.map((_, i) => (ids[0] as number) + i)); // contiguous, nothing lost or repeated
    expect(rest[0]?.id).toBe(lastId + 1);
    const chunks = [...seen, ...rest].flatMap((e) =>
      e.data.artifactUpdate
        ? [(e.data.artifactUpdate as { artifact: { parts: Array<{ text: string }> } }).artifact.parts[0]?.text]
        : [],
    );
    expect(chunks).toEqual(['chunk 0', 'chunk 1', 'chunk 2', 'chunk 3']);
    expect(stateOf(rest.at(-1) as RawSseEvent)).toBe('TASK_STATE_COMPLETED');
    expect(agent.canceled).toEqual([]); // the disconnect never canceled the agent's task
  });

  it.runIf(kind === 'postgres')(
    'two replicas: a task started on A is read, subscribed to and canceled on B',
    async () => {
      const replica = b as { broker: Broker; url: string };
      agent.steps = 5;
      agent.canceled.length = 0;
      const started = await openSse(`${a.url}/a2a/rest/message:stream`, { body: { message: message() }, headers });
      const firstEvent = (await started.next()) as RawSseEvent;
      const taskId = (firstEvent.data.task as { id: string }).id;
      agent.release(1);
      // read through B
      const get = await request(`${replica.url}/a2a/rest/tasks/${taskId}`, {
        headers: { ...headers, 'a2a-version': '1.0' },
      });
      expect(get.statusCode).toBe(200);
      expect(((await get.body.json()) as { id: string }).id).toBe(taskId);
      // subscribe through B: the snapshot, then live events relayed by A
      const watch = await openSse(`${replica.url}/a2a/rest/tasks/${taskId}:subscribe`, { headers });
      const snapshot = (await watch.next()) as RawSseEvent;
      expect((snapshot.data.task as { id: string }).id).toBe(taskId);
      agent.release(1);
      let live: RawSseEvent | undefined;
      do live = await watch.next();
      while (live && !live.data.artifactUpdate);
      expect(live?.id).toBeGreaterThan(snapshot.id as number);
      // cancel through B: A cancels the agent's task
      const cancel = await request(`${replica.url}/a2a/rest/tasks/${taskId}:cancel`, {
        method: 'POST',
        headers: { ...headers, 'a2a-version': '1.0', 'content-type': 'application/json' },
        body: '{}',
      });
      expect(cancel.statusCode).toBe(200);
      expect(((await cancel.body.json()) as { status: { state: string } }).status.state).toBe('TASK_STATE_CANCELED');
      await expect.poll(() => agent.canceled.length, { timeout: 10_000 }).toBe(1);
      started.drop();
      watch.drop();
    },
  );
}

describe('durable streams on the embedded store (PGlite)', () => suite('pglite'));
describe.skipIf(!TEST_DATABASE_URL)(
  `durable streams and replicas on PostgreSQL${TEST_DATABASE_URL ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => suite('postgres'),
);
