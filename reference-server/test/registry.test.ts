/**
 * The registry end to end on loopback (real HTTP, embedded PGlite), with SIMULATED agents and a card server:
 * signed cards verified (tampered refused, unsigned per option), history keyed to the signing key (spec §9.4,
 * §10.5), refresh by cache headers within bounds, health checks with exponential backoff (down → not routed →
 * recovers) and deregistration. Time is the registry's injected clock; checks are triggered, never waited for.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentCard, Message, StreamResponse, Task } from '@rightsize/sdk/a2a';
import { A2AClient } from '@rightsize/sdk/client';
import { type TaskDescriptor, withMessageExtension } from '@rightsize/sdk/rightsize';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseCli } from '../src/config.js';
import { type Broker, createBroker } from '../src/index.js';
import { cardFor, profileOf, startTestAgent, type TestAgent } from './support/agents.js';
import { type CardServer, type CardSigner, startCardServer } from './support/card-server.js';
import { freshDatabase, POSTGRES_SKIP_REASON, TEST_DATABASE_URL } from './support/postgres.js';

const ADMIN = 'registry-admin-key';
const ALICE = 'registry-alice-key';
const MIN_REFRESH = 10_000;
const MAX_REFRESH = 600_000;

let clock = Date.parse('2026-11-28T12:00:00Z');
let broker: Broker;
let url: string;
let cards: CardServer & { signer(name: string): Promise<CardSigner> };
let mathy: TestAgent;
let fallback: TestAgent;
let stepper: TestAgent;
let keyA: CardSigner;
let keyB: CardSigner;

const admin = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, target = url) => {
  const response = await request(`${target}/rightsize/v1${path}`, {
    method,
    headers: { 'x-api-key': ADMIN, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
};

const message = (text: string, descriptor: TaskDescriptor): Message =>
  withMessageExtension({ messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }] }, { descriptor });

const mathTask: TaskDescriptor = { domain: 'math', complexity: { value: 4, sigma: 0.3 } };
const codeTask: TaskDescriptor = { domain: 'code', complexity: { value: 3, sigma: 0.3 } };
const chosenFor = async (descriptor: TaskDescriptor) => (await admin('POST', '/match', { descriptor })).body.chosen;
const observations = (agent: { calibration: Array<{ observations: number }> }) =>
  agent.calibration.reduce((sum, c) => sum + c.observations, 0);

beforeAll(async () => {
  [mathy, fallback, stepper] = await Promise.all([
    startTestAgent('mathy', profileOf({ math: 8 }, { placement: 'cloud' }, 0.001, 100), 'answer'),
    startTestAgent('fallback', profileOf({ math: 8 }, { placement: 'cloud' }, 0.05, 100), 'answer'),
    startTestAgent('stepper', profileOf({ code: 8 }, { placement: 'cloud' }, 0.001, 100), 'steps'),
  ]);
  cards = await startCardServer();
  keyA = await cards.signer('a');
  keyB = await cards.signer('b');
  broker = await createBroker({
    allowPrivateNetworks: true,
    healthIntervalMs: 0,
    minRefreshMs: MIN_REFRESH,
    maxRefreshMs: MAX_REFRESH,
    now: () => clock,
    auth: { adminKeys: [ADMIN], clientKeys: { [ALICE]: 'alice' } },
  });
  url = await broker.listen();
}, 120_000);

afterAll(async () => {
  await broker?.close();
  await Promise.all([mathy, fallback, stepper].map((a) => a?.app.close()));
  await cards?.close();
});

const cardOf = (agent: TestAgent, abilities: Record<string, number>, price: number): AgentCard =>
  cardFor(agent.id, profileOf(abilities, { placement: 'cloud' }, price, 100), agent.url);

describe('signed cards (spec §10.5, A2A §8.4)', () => {
  it('accepts a card with a valid signature and reports it verified', async () => {
    const cardUrl = cards.serve('mathy-1', { card: await keyA.sign(cardOf(mathy, { math: 8 }, 0.001)) });
    const { status, body } = await admin('POST', '/agents', { cardUrl });
    expect(status).toBe(201);
    expect(body).toMatchObject({ id: 'mathy', signatureVerified: true, cardUrl });
  });

  it('refuses a tampered signed card with 400 and a clear error; accepts an unsigned card by default', async () => {
    const signed = await keyA.sign(cardOf(fallback, { math: 8 }, 0.05));
    const tampered = cards.serve('tampered', {
      card: { ...signed, description: 'Claims more than it was signed for.' },
    });
    const refused = await admin('POST', '/agents', { cardUrl: tampered });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/signature does not verify/);
    expect((await admin('GET', '/agents')).body.agents.map((a: { id: string }) => a.id)).toEqual(['mathy']);
    const plain = await admin('POST', '/agents', {
      cardUrl: cards.serve('fallback', { card: cardOf(fallback, { math: 8 }, 0.05) }),
    });
    expect(plain.status).toBe(201);
    expect(plain.body).toMatchObject({ id: 'fallback', signatureVerified: false });
  });

  it('refuses unsigned cards when requireSignedCards is set, and still accepts signed ones', async () => {
    const strict = await createBroker({
      allowPrivateNetworks: true,
      healthIntervalMs: 0,
      requireSignedCards: true,
      auth: { adminKeys: [ADMIN] },
    });
    try {
      const strictUrl = await strict.listen();
      const unsigned = await admin('POST', '/agents', { cardUrl: `${cards.base}/cards/fallback.json` }, strictUrl);
      expect(unsigned.status).toBe(400);
      expect(unsigned.body.error.message).toMatch(/not signed.*requires signed cards/);
      const signed = await admin('POST', '/agents', { cardUrl: `${cards.base}/cards/mathy-1.json` }, strictUrl);
      expect(signed.status).toBe(201);
    } finally {
      await strict.close();
    }
  });
});

describe('history keyed to the signing key (spec §9.4)', () => {
  it('a signed agent registered again under a new URL keeps its id and calibration; another key starts afresh', async () => {
    const client = await A2AClient.connect(url, {
      allowPrivateNetworks: true,
      auth: { apiKey: { header: 'x-api-key', value: ALICE } },
    });
    for (let i = 0; i < 3; i++) {
      const task = (await client.sendMessage(message(`sum ${i}`, mathTask))).task as Task;
      const feedback = await request(`${url}/rightsize/v1/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': ALICE },
        body: JSON.stringify({ taskId: task.id, success: true, verified: true }),
      });
      expect(feedback.statusCode).toBe(202);
      await feedback.body.dump();
    }
    await client.close();
    const before = (await admin('GET', '/agents/mathy')).body;
    expect(observations(before)).toBeGreaterThan(0);

    const moved = cards.serve('mathy-2', { card: await keyA.sign(cardOf(mathy, { math: 8 }, 0.001)) });
    const again = await admin('POST', '/agents', { cardUrl: moved });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: 'mathy', cardUrl: moved, registeredAt: before.registeredAt });
    expect(observations(again.body)).toBe(observations(before));
    const ids = (await admin('GET', '/agents')).body.agents.map((a: { id: string }) => a.id);
    expect(ids).toEqual(['fallback', 'mathy']);
    // Deregistering does not erase the history of the key's identity: registered again, the agent has it back.
    expect((await admin('DELETE', '/agents/mathy')).status).toBe(204);
    const back = await admin('POST', '/agents', { cardUrl: moved });
    expect(back.body.id).toBe('mathy');
    expect(observations(back.body)).toBe(observations(before));

    const otherKey = cards.serve('mathy-b', { card: await keyB.sign(cardOf(mathy, { math: 8 }, 0.001)) });
    const stranger = await admin('POST', '/agents', { cardUrl: otherKey });
    expect(stranger.status).toBe(201);
    expect(stranger.body.id).not.toBe('mathy');
    expect(observations(stranger.body)).toBe(0);
    expect((await admin('DELETE', `/agents/${stranger.body.id}`)).status).toBe(204);
  });

  it('refuses an unsigned card in place of a signed agent; a refresh signed with another key marks it unavailable', async () => {
    const signed = cards.served('mathy-2').card;
    cards.serve('mathy-2', { card: cardOf(mathy, { math: 8 }, 0.001) });
    const downgrade = await admin('POST', '/agents', { cardUrl: `${cards.base}/cards/mathy-2.json` });
    expect(downgrade.status).toBe(400);
    expect(downgrade.body.error.message).toMatch(/registered with a signed card/);
    cards.serve('mathy-2', { card: await keyB.sign(cardOf(mathy, { math: 8 }, 0.001)) });
    expect((await admin('POST', '/agents/mathy/check')).body.status).toBe('unavailable');
    cards.serve('mathy-2', { card: signed });
    expect((await admin('POST', '/agents/mathy/check')).body.status).toBe('active');
  });
});

describe('refresh by cache headers', () => {
  it('re-fetches when max-age expires (bounded), conditionally (ETag, Last-Modified), and adopts a changed card', async () => {
    const lastModified = 'Sat, 28 Nov 2026 10:00:00 GMT';
    const cardUrl = cards.serve('cached', {
      card: cardOf(fallback, { general: 5 }, 0.02),
      etag: '"v1"',
      lastModified,
      cacheControl: 'public, max-age=120',
    });
    // the card names itself "fallback (simulated)": another agent, so a new id
    const registered = await admin('POST', '/agents', { cardUrl });
    const id = registered.body.id as string;
    const fetches = () => cards.requests('cached').length;
    expect(fetches()).toBe(1);
    const advance = async (ms: number) => {
      clock += ms;
      await broker.registry.checkDue();
    };
    await advance(119_999);
    expect(fetches()).toBe(1);
    await advance(1);
    expect(cards.requests('cached').at(-1)).toEqual({
      ifNoneMatch: '"v1"',
      ifModifiedSince: lastModified,
      status: 304,
    });
    // 304 keeps the card and its max-age
    await advance(119_999);
    expect(fetches()).toBe(2);
    cards.serve('cached', {
      card: cardOf(fallback, { general: 7 }, 0.02),
      etag: '"v2"',
      cacheControl: 'max-age=1',
    });
    await advance(1);
    expect(cards.requests('cached').at(-1)?.status).toBe(200);
    expect((await admin('GET', `/agents/${id}`)).body.profile.domains).toEqual([{ domain: 'general', ability: 7 }]);
    // max-age=1 is raised to the minimum interval
    await advance(MIN_REFRESH - 1);
    expect(fetches()).toBe(3);
    cards.served('cached').cacheControl = 'max-age=86400';
    cards.served('cached').etag = '"v3"';
    await advance(1);
    expect(fetches()).toBe(4);
    // max-age of a day is capped at the maximum interval
    await advance(MAX_REFRESH - 1);
    expect(fetches()).toBe(4);
    await advance(1);
    expect(fetches()).toBe(5);
    expect((await admin('DELETE', `/agents/${id}`)).status).toBe(204);
  });
});

describe('health checks with exponential backoff', () => {
  it('an agent that goes down is marked unavailable and not routed to, backs off 1 s, 2 s, 4 s, and recovers', async () => {
    expect(await chosenFor(mathTask)).toBe('mathy');
    const fetches = () => cards.requests('mathy-2').length;
    cards.served('mathy-2').down = true;
    const check = await admin('POST', '/agents/mathy/check');
    expect(check.body.status).toBe('unavailable');
    expect(await chosenFor(mathTask)).toBe('fallback');
    const received = mathy.received.length;
    const client = await A2AClient.connect(url, {
      allowPrivateNetworks: true,
      auth: { apiKey: { header: 'x-api-key', value: ALICE } },
    });
    const task = (await client.sendMessage(message('while down', mathTask))).task as Task;
    expect(task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(mathy.received.length).toBe(received);
    let seen = fetches();
    for (const delay of [1000, 2000, 4000]) {
      clock += delay - 1;
      await broker.registry.checkDue();
      expect(fetches()).toBe(seen);
      clock += 1;
      await broker.registry.checkDue();
      expect(fetches()).toBe(++seen);
    }
    cards.served('mathy-2').down = false;
    clock += 8000;
    await broker.registry.checkDue();
    expect((await admin('GET', '/agents/mathy')).body.status).toBe('active');
    expect(await chosenFor(mathTask)).toBe('mathy');
    const after = (await client.sendMessage(message('back up', mathTask))).task as Task;
    expect(after.status.state).toBe('TASK_STATE_COMPLETED');
    expect(mathy.received.length).toBe(received + 1);
    await client.close();
  });
});

describe('deregistration (admin API)', () => {
  it('a removed agent is no longer routed to, its in-flight task completes, unknown ids are 404', async () => {
    const cardUrl = cards.serve('stepper', { card: cardOf(stepper, { code: 8 }, 0.001) });
    expect((await admin('POST', '/agents', { cardUrl })).status).toBe(201);
    const client = await A2AClient.connect(url, {
      allowPrivateNetworks: true,
      auth: { apiKey: { header: 'x-api-key', value: ALICE } },
    });
    const stream = client.sendStreamingMessage(message('long code task', codeTask));
    const events: StreamResponse[] = [(await stream.next()).value as StreamResponse];
    while (stepper.received.length === 0) events.push((await stream.next()).value as StreamResponse);
    expect((await admin('DELETE', '/agents/stepper')).status).toBe(204);
    stepper.release(stepper.steps);
    for await (const event of stream) events.push(event);
    expect(events.at(-1)?.statusUpdate?.status.state).toBe('TASK_STATE_COMPLETED');
    expect(events.filter((e) => e.artifactUpdate).length).toBe(stepper.steps);

    expect((await admin('GET', '/agents/stepper')).status).toBe(404);
    expect(await chosenFor(codeTask)).not.toBe('stepper');
    const received = stepper.received.length;
    await expect(
      client.sendMessage(message('after removal', { ...codeTask, hardConstraints: true })),
    ).rejects.toThrow();
    expect(stepper.received.length).toBe(received);
    expect((await admin('DELETE', '/agents/stepper')).status).toBe(404);
    expect((await admin('DELETE', '/agents/no-such-agent')).status).toBe(404);
    await client.close();
  });
});

describe('identities survive a restart (PGlite data directory)', () => {
  it('after a restart, the signed agent registered under yet another URL keeps its id; the option is configurable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rightsize-registry-'));
    const open = () =>
      createBroker({ dataDir: dir, allowPrivateNetworks: true, healthIntervalMs: 0, auth: { adminKeys: [ADMIN] } });
    try {
      let first = await open();
      const firstUrl = await first.listen();
      const card = await keyA.sign(cardOf(fallback, { math: 6 }, 0.05));
      const a = await admin('POST', '/agents', { cardUrl: cards.serve('restart-1', { card }) }, firstUrl);
      expect(a.status).toBe(201);
      await first.close();
      first = await open();
      try {
        const again = await admin(
          'POST',
          '/agents',
          { cardUrl: cards.serve('restart-2', { card }) },
          await first.listen(),
        );
        expect(again.status).toBe(200);
        expect(again.body.id).toBe(a.body.id);
      } finally {
        await first.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(loadConfig(parseCli(['--require-signed-cards']).values, {}).requireSignedCards).toBe(true);
    expect(loadConfig(parseCli([]).values, { RIGHTSIZE_REQUIRE_SIGNED_CARDS: '1' }).requireSignedCards).toBe(true);
    expect(loadConfig(parseCli([]).values, {}).requireSignedCards).toBe(false);
  }, 120_000);
});

describe.skipIf(!TEST_DATABASE_URL)(
  `identities across two replicas on PostgreSQL${TEST_DATABASE_URL ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    it('a signed agent registered on replica A and again under a new URL on replica B keeps its id', async () => {
      const database = await freshDatabase('identities');
      const replica = () =>
        createBroker({
          databaseUrl: database.url,
          allowPrivateNetworks: true,
          healthIntervalMs: 0,
          auth: { adminKeys: [ADMIN] },
        });
      const [a, b] = [await replica(), await replica()];
      try {
        const [urlA, urlB] = [await a.listen(), await b.listen()];
        const card = await keyB.sign(cardOf(stepper, { code: 6 }, 0.02));
        const first = await admin('POST', '/agents', { cardUrl: cards.serve('replica-a', { card }) }, urlA);
        expect(first.status).toBe(201);
        // straight away: B may not have heard A's NOTIFY yet; the binding in the database decides
        const second = await admin('POST', '/agents', { cardUrl: cards.serve('replica-b', { card }) }, urlB);
        expect(second.body.id).toBe(first.body.id);
        const listed = await admin('GET', '/agents', undefined, urlB);
        expect(listed.body.agents.map((x: { id: string; cardUrl: string }) => [x.id, x.cardUrl])).toEqual([
          [first.body.id, `${cards.base}/cards/replica-b.json`],
        ]);
      } finally {
        await a.close();
        await b.close();
        await database.drop();
      }
    }, 180_000);
  },
);
