/**
 * Security of the broker and the SDK agent server (issue 14):
 * - tenancy: one caller never reads, lists, cancels, subscribes to or configures another's tasks — on the embedded
 *   store, and across two replicas on one PostgreSQL (when RIGHTSIZE_TEST_DATABASE_URL is set);
 * - JWTs: expired, without expiry, wrong audience, wrong issuer, wrong key, `alg: none` and algorithm confusion are
 *   refused (the broker's HS256 authenticator and the SDK's pinned bearerJwt with a JWKS);
 * - SSRF: card, JWKS and webhook URLs on private ranges, IPv6 and embedded-IPv4 forms, DNS names resolving to
 *   loopback and redirects are refused unless allowed;
 * - secrets (API keys, JWT secret and tokens, a database password, webhook credentials) never appear in the logs.
 */
import { randomUUID } from 'node:crypto';
import * as net from '@rightsize/sdk/net';
import { a2aServer, bearerJwt, WebhookPushSender } from '@rightsize/sdk/server';
import Fastify from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoCard, echoExecutor } from '../../../sdk/examples/echo-agent.js';
import { captureLog } from '../../../sdk/test/support/log-capture.js';
import { type Broker, type BrokerOptions, createBroker } from '../../src/index.js';
import { Registry } from '../../src/registry/registry.js';
import { profileOf, startTestAgent, type TestAgent } from '../support/agents.js';
import { type FreshDatabase, freshDatabase, POSTGRES_SKIP_REASON, TEST_DATABASE_URL } from '../support/postgres.js';
import { openSse, type RawSseEvent } from '../support/sse.js';

const ADMIN = 'sec-admin-key-a1b2c3';
const ALICE = 'sec-alice-key-d4e5f6';
const BOB = 'sec-bob-key-0718aa';
const JWT_SECRET = 'sec-jwt-secret-that-is-long-enough-0123456789';

const call = async (base: string, method: string, path: string, key: string, body?: unknown) => {
  const r = await request(`${base}${path}`, {
    method: method as 'GET',
    headers: {
      'a2a-version': '1.0',
      'x-api-key': key,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.body.text();
  return { status: r.statusCode, text, json: text ? JSON.parse(text) : undefined };
};

const sendBody = () => ({
  message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'mine only' }] },
});

function tenancy(kind: 'pglite' | 'postgres') {
  let agent: TestAgent;
  let a: Broker;
  let b: Broker;
  let urlA: string;
  let urlB: string;
  let database: FreshDatabase | undefined;

  beforeAll(async () => {
    agent = await startTestAgent('holder', profileOf({ general: 8 }, { placement: 'cloud' }, 0.001, 20), 'wait');
    const options: BrokerOptions = {
      allowPrivateNetworks: true,
      healthIntervalMs: 0,
      auth: { adminKeys: [ADMIN], clientKeys: { [ALICE]: 'alice', [BOB]: 'bob' } },
    };
    if (kind === 'postgres') {
      database = await freshDatabase('security');
      a = await createBroker({ ...options, databaseUrl: database.url });
      b = await createBroker({ ...options, databaseUrl: database.url });
    } else {
      a = await createBroker(options);
      b = a;
    }
    urlA = await a.listen();
    urlB = b === a ? urlA : await b.listen();
    await a.registry.register(agent.cardUrl);
    await b.registry.load();
  }, 90_000);

  afterAll(async () => {
    await a?.close();
    if (b !== a) await b?.close();
    await agent?.app.close();
    await database?.drop();
  }, 60_000);

  it('bob never reads, lists, cancels, subscribes to or configures alice’s task (on either replica)', async () => {
    // streamed, so the broker's task exists while the agent works (the agent holds it until canceled)
    const started = await openSse(`${urlA}/a2a/rest/message:stream`, {
      body: sendBody(),
      headers: { 'x-api-key': ALICE },
    });
    expect(started.status).toBe(200);
    const id = (((await started.next()) as RawSseEvent).data.task as { id: string }).id;
    started.drop();
    for (const base of [urlA, urlB]) {
      expect((await call(base, 'GET', `/a2a/rest/tasks/${id}`, ALICE)).status).toBe(200);
      expect((await call(base, 'GET', `/a2a/rest/tasks/${id}`, BOB)).status).toBe(404);
      const list = await call(base, 'GET', '/a2a/rest/tasks', BOB);
      expect(list.status).toBe(200);
      expect(list.text).not.toContain(id);
      expect((await call(base, 'POST', `/a2a/rest/tasks/${id}:cancel`, BOB, {})).status).toBe(404);
      const sub = await openSse(`${base}/a2a/rest/tasks/${id}:subscribe`, {
        method: 'GET',
        headers: { 'x-api-key': BOB },
      });
      expect(sub.status).toBe(404);
      sub.drop();
      const push = await call(base, 'POST', `/a2a/rest/tasks/${id}/pushNotificationConfigs`, BOB, {
        url: 'https://example.com/hook',
      });
      expect(push.status).toBe(404);
      const rpc = await call(base, 'POST', '/a2a/jsonrpc', BOB, {
        jsonrpc: '2.0',
        id: 1,
        method: 'GetTask',
        params: { id },
      });
      expect(rpc.json.error.code).toBe(-32001);
      // bob's feedback on alice's task is refused as if the task did not exist
      expect((await call(base, 'POST', '/rightsize/v1/feedback', BOB, { taskId: id, success: false })).status).toBe(
        404,
      );
    }
    // still alice's, still running (submitted or working, as far as the relay has come): bob's cancel changed nothing
    expect(['TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING']).toContain(
      (await call(urlB, 'GET', `/a2a/rest/tasks/${id}`, ALICE)).json.status.state,
    );
    expect((await call(urlB, 'POST', `/a2a/rest/tasks/${id}:cancel`, ALICE, {})).json.status.state).toBe(
      'TASK_STATE_CANCELED',
    );
  });
}

describe('tenancy on the embedded store', () => tenancy('pglite'));
describe.skipIf(!TEST_DATABASE_URL)(
  `tenancy across two replicas on PostgreSQL${TEST_DATABASE_URL ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => tenancy('postgres'),
);

describe('JWT validation', () => {
  const secret = new TextEncoder().encode(JWT_SECRET);
  const sign = (claims: Record<string, unknown>, key: Uint8Array = secret, exp: string | number | null = '5m') => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
    if (exp !== null) jwt.setExpirationTime(exp);
    return jwt.sign(key);
  };
  let broker: Broker;
  let url: string;

  beforeAll(async () => {
    broker = await createBroker({
      healthIntervalMs: 0,
      auth: { adminKeys: [ADMIN], jwt: { secret: JWT_SECRET, issuer: 'https://issuer.test', audience: 'rightsize' } },
    });
    url = await broker.listen();
  }, 90_000);
  afterAll(() => broker?.close(), 60_000);

  const list = async (token: string) =>
    (
      await request(`${url}/a2a/rest/tasks`, {
        headers: { 'a2a-version': '1.0', authorization: `Bearer ${token}` },
      })
    ).statusCode;

  it('the broker accepts a valid token and refuses expired, non-expiring, wrong-audience, wrong-issuer, wrong-key and unsigned ones', async () => {
    const good = { sub: 'carol', iss: 'https://issuer.test', aud: 'rightsize' };
    expect(await list(await sign(good))).toBe(200);
    const refused = {
      expired: await sign(good, secret, Math.floor(Date.now() / 1000) - 3600),
      'no expiry': await sign(good, secret, null),
      'wrong audience': await sign({ ...good, aud: 'someone-else' }),
      'wrong issuer': await sign({ ...good, iss: 'https://evil.test' }),
      'wrong key': await sign(good, new TextEncoder().encode(`${JWT_SECRET}-but-not`)),
      'alg none': new UnsecuredJWT(good).setExpirationTime('5m').encode(),
      'no subject': await sign({ iss: good.iss, aud: good.aud }),
    };
    for (const [name, token] of Object.entries(refused)) expect([name, await list(token)]).toEqual([name, 401]);
  });

  it('the SDK bearerJwt (JWKS, ES256 pinned) refuses algorithm confusion (HS256 keyed with the public key) and alg none', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const app = Fastify();
    await app.register(a2aServer, {
      card: echoCard('http://127.0.0.1'),
      executor: echoExecutor,
      authenticate: bearerJwt({ jwks: { keys: [jwk] }, issuer: 'iss', audience: 'aud', algorithms: ['ES256'] }),
    });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const status = async (token: string) =>
      (await request(`${base}/a2a/rest/tasks`, { headers: { 'a2a-version': '1.0', authorization: `Bearer ${token}` } }))
        .statusCode;
    const claims = { sub: 'dave', iss: 'iss', aud: 'aud' };
    const good = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await status(good)).toBe(200);
    const publicBytes = new TextEncoder().encode(JSON.stringify(jwk));
    const confused = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setExpirationTime('5m')
      .sign(publicBytes);
    const other = await generateKeyPair('ES256');
    const wrongKey = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setExpirationTime('5m')
      .sign(other.privateKey);
    const expired = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(privateKey);
    const none = new UnsecuredJWT(claims).setExpirationTime('5m').encode();
    for (const token of [confused, wrongKey, expired, none]) expect(await status(token)).toBe(401);
    await app.close();
  });
});

describe('SSRF: card, JWKS and webhook URLs', () => {
  let broker: Broker;
  let target: TestAgent;
  /** Whether the SDK's address policy judges embedded-IPv4 and tunnelling forms (the IANA policy of h9-client). */
  const ianaPolicy = 'classifyAddress' in net;

  beforeAll(async () => {
    broker = await createBroker({ healthIntervalMs: 0 });
    target = await startTestAgent('target', profileOf({ general: 8 }, { placement: 'cloud' }, 0.001, 20), 'answer');
  }, 90_000);
  afterAll(async () => {
    await broker?.close();
    await target?.app.close();
  }, 60_000);

  const port = () => new URL(target.url).port;
  const privateHosts = () => [
    `127.0.0.1:${port()}`,
    `localhost:${port()}`, // a DNS name that resolves to loopback: refused when connecting
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    `[::1]:${port()}`,
    '[fe80::1]',
    '[fd00::1]',
    `[::ffff:127.0.0.1]:${port()}`,
    `[::ffff:7f00:1]:${port()}`,
    '[::ffff:a9fe:a9fe]',
    `2130706433:${port()}`,
    `0x7f000001:${port()}`,
    `017700000001:${port()}`,
    ...(ianaPolicy ? ['[64:ff9b::7f00:1]', '[2002:7f00:1::]', '[fec0::1]', '[::7f00:1]'] : []),
  ];

  it(`refuses card URLs on private, loopback, IPv6 and embedded-IPv4 addresses${ianaPolicy ? '' : ' (NAT64/6to4/fec0/IPv4-compatible forms need the IANA address policy of the h9-client branch: skipped here)'}`, async () => {
    const strict = new Registry({
      store: broker.store,
      routing: broker.routing,
      allowPrivateNetworks: false,
      fetchTimeoutMs: 5000,
    });
    for (const host of privateHosts()) {
      const error = await strict.register(`http://${host}/.well-known/agent-card.json`).catch((e: unknown) => e);
      expect([host, (error as { httpStatus?: number }).httpStatus]).toEqual([host, 403]);
    }
    // allowed when configured (tests, the demo)
    const open = new Registry({ store: broker.store, routing: broker.routing, allowPrivateNetworks: true });
    expect((await open.register(target.cardUrl)).agent.id).toBe('target');
  });

  it('does not follow redirects from a card URL (a public URL could redirect to a private one)', async () => {
    const app = Fastify();
    app.get('/card', async (_q, reply) => reply.redirect(target.cardUrl, 302));
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const open = new Registry({ store: broker.store, routing: broker.routing, allowPrivateNetworks: true });
    const error = await open.register(`${base}/card`).catch((e: unknown) => e);
    expect((error as { httpStatus?: number }).httpStatus).toBe(502);
    expect(String((error as Error).message)).toMatch(/302/);
    await app.close();
  });

  it('refuses JWKS (jku) fetches on private addresses with the same policy', async () => {
    for (const host of privateHosts()) {
      const error = await net.fetchText(`http://${host}/jwks.json`, { timeoutMs: 5000 }).catch((e: unknown) => e);
      expect([host, (error as Error).name]).toEqual([host, 'AddressNotAllowedError']);
    }
  });

  it('refuses webhook URLs on private addresses when configured, and at delivery for names resolving to loopback', async () => {
    const sender = new WebhookPushSender({ attempts: 1 });
    for (const host of privateHosts().filter((h) => !h.startsWith('localhost'))) {
      expect([host, sender.refuse(new URL(`http://${host}/hook`))]).toEqual([
        host,
        expect.stringMatching(/private|loopback/),
      ]);
    }
    // through the broker: CreateTaskPushNotificationConfig and inline configs refuse them
    const url = await broker.listen();
    const inline = await call(url, 'POST', '/a2a/rest/message:send', 'none', {
      ...sendBody(),
      configuration: { taskPushNotificationConfig: { url: `http://127.0.0.1:${port()}/hook` } },
    });
    expect(inline.status).toBe(400);
    // a DNS name passes the literal check but is refused when connecting: a recorded failure, nothing delivered
    const failures: string[] = [];
    const guarded = new WebhookPushSender({ attempts: 1, onError: (e) => failures.push(e.message) });
    const configs = new (await import('@rightsize/sdk/server')).InMemoryPushConfigStore();
    const scope = { tenant: '', owner: 'x' };
    await configs.save(scope, { taskId: 't', id: 'c', url: `http://localhost:${port()}/hook` }, 10);
    await guarded.notify(
      scope,
      't',
      { task: { id: 't', contextId: 'c', status: { state: 'TASK_STATE_WORKING' } } },
      configs,
    );
    expect(failures.join(' ')).toMatch(/refusing|private|loopback|not a public/i);
    await guarded.close();
    await sender.close();
  });
});

describe('secrets never appear in logs', () => {
  it('captured pino logs (trace level) hold none of the keys, tokens, passwords or webhook credentials used', async () => {
    const captured = captureLog();
    const dbPassword = 'sec-db-password-77f0';
    const databaseUrl = TEST_DATABASE_URL
      ? Object.assign(new URL(TEST_DATABASE_URL), { password: dbPassword }).href // trust auth ignores it
      : undefined;
    const agent = await startTestAgent('logged', profileOf({ general: 8 }, { placement: 'cloud' }, 0.001, 20), 'fail');
    const database = databaseUrl ? await freshDatabase('logs') : undefined;
    const broker = await createBroker({
      healthIntervalMs: 0,
      allowPrivateNetworks: true,
      auth: { adminKeys: [ADMIN], clientKeys: { [ALICE]: 'alice' }, jwt: { secret: JWT_SECRET } },
      ...(database && databaseUrl
        ? { databaseUrl: Object.assign(new URL(database.url), { password: dbPassword }).href }
        : {}),
      logger: {
        level: 'trace',
        stream: captured.stream,
        redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
      },
    });
    const url = await broker.listen();
    try {
      const token = await new SignJWT({ sub: 'eve' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(JWT_SECRET));
      await call(url, 'POST', '/rightsize/v1/agents', ADMIN, { cardUrl: agent.cardUrl });
      await call(url, 'POST', '/rightsize/v1/agents', ADMIN, {
        cardUrl: 'http://user:card-pass-91@127.0.0.1:1/c.json',
      });
      await call(url, 'GET', '/rightsize/v1/agents', 'wrong-key-that-is-secret-too');
      const webhookToken = 'sec-webhook-token-5511';
      await call(url, 'POST', '/a2a/rest/message:send', ALICE, {
        ...sendBody(),
        configuration: {
          taskPushNotificationConfig: {
            url: 'https://example.invalid/hook',
            token: webhookToken,
            authentication: { scheme: 'Bearer', credentials: 'sec-webhook-cred-66' },
          },
        },
      });
      await request(`${url}/a2a/rest/tasks`, {
        headers: { 'a2a-version': '1.0', authorization: `Bearer ${token}` },
      }).then((r) => r.body.dump());
      await request(`${url}/a2a/jsonrpc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'a2a-version': '1.0', authorization: `Bearer ${token}x` },
        body: '{"jsonrpc":"2.0","id":1,"method":"ListTasks","params":{}}',
      }).then((r) => r.body.dump());
      const log = captured.text();
      expect(log.length).toBeGreaterThan(1000); // the capture works: requests were logged
      for (const secret of [
        ADMIN,
        ALICE,
        JWT_SECRET,
        token,
        dbPassword,
        'card-pass-91',
        'wrong-key-that-is-secret-too',
        webhookToken,
        'sec-webhook-cred-66',
      ])
        expect([secret, log.includes(secret)]).toEqual([secret, false]);
    } finally {
      await broker.close();
      await agent.app.close();
      await database?.drop();
    }
  }, 60_000);
});
