/**
 * Caller identity and tenancy on the agent server (issue 9 §4, A2A §13.1, §13.3): the authenticate hook, the
 * built-in bearer-JWT and API-key authenticators, per-caller scoping of every operation, the authenticated extended
 * card, and executor errors that never reach clients.
 */
import Fastify from 'fastify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoCard } from '../examples/echo-agent.js';
import { type AgentExecutor, a2aServer, apiKeys, bearerJwt, firstOf, redactCredentials } from '../src/server/index.js';
import { recordingEchoExecutor, send, startAgent, type TestAgent, V1 } from './support/agent-server.js';
import { captureLog } from './support/log-capture.js';

const ALICE = { 'x-api-key': 'alice-key' };
const BOB = { 'x-api-key': 'bob-key' };

describe('per-caller scoping with API keys', () => {
  let agent: TestAgent;
  const { executor: recording, seen } = recordingEchoExecutor();
  beforeAll(async () => {
    agent = await startAgent({
      executor: recording,
      authenticate: apiKeys({ keys: { 'alice-key': 'alice', 'bob-key': 'bob' } }),
    });
  });
  afterAll(async () => {
    await agent.close();
  });

  it('refuses requests without valid credentials with 401 and a challenge, on both bindings', async () => {
    const rest = await agent.rest('GET', '/tasks');
    expect(rest.status).toBe(401);
    expect(rest.headers['www-authenticate']).toBeTruthy();
    expect(rest.json.error.status).toBe('UNAUTHENTICATED');
    const wrong = await agent.rest('GET', '/tasks', undefined, { 'x-api-key': 'guess' });
    expect(wrong.status).toBe(401);
    const rpc = await agent.rpc('ListTasks', {});
    expect(rpc.status).toBe(401);
    expect(rpc.json.error.code).toBe(-31401);
    expect((await agent.raw('GET', '/.well-known/agent-card.json')).status).toBe(200); // the card stays public
  });

  it('hands the principal to the executor; a caller sees, lists, cancels and subscribes only to its own tasks', async () => {
    const task = (await agent.rpc('SendMessage', send('ask: mine'), ALICE)).json.result.task;
    expect(seen.find((c) => c.taskId === task.id)?.principal).toMatchObject({ id: 'alice', scheme: 'api-key' });
    expect((await agent.rpc('GetTask', { id: task.id }, ALICE)).json.result.id).toBe(task.id);
    expect((await agent.rpc('GetTask', { id: task.id }, BOB)).json.error.code).toBe(-32001);
    const bobsList = (await agent.rpc('ListTasks', {}, BOB)).json.result;
    expect(bobsList.tasks.map((t: { id: string }) => t.id)).not.toContain(task.id);
    expect((await agent.rpc('ListTasks', {}, ALICE)).json.result.tasks.map((t: { id: string }) => t.id)).toContain(
      task.id,
    );
    expect((await agent.rpc('CancelTask', { id: task.id }, BOB)).json.error.code).toBe(-32001);
    expect((await agent.rest('GET', `/tasks/${task.id}:subscribe`, undefined, BOB)).status).toBe(404);
    const follow = await agent.rpc('SendMessage', send('task: hijack', { taskId: task.id }), BOB);
    expect(follow.json.error.code).toBe(-32001);
    expect((await agent.rpc('GetTask', { id: task.id }, ALICE)).json.result.status.state).toBe(
      'TASK_STATE_INPUT_REQUIRED',
    );
  });

  it('scopes push configs: another caller can neither read nor replace a webhook, whatever id it picks', async () => {
    const alices = (await agent.rpc('SendMessage', send('ask: a'), ALICE)).json.result.task.id;
    const bobs = (await agent.rpc('SendMessage', send('ask: b'), BOB)).json.result.task.id;
    const url = 'https://alice.example.com/hook';
    await agent.rpc('CreateTaskPushNotificationConfig', { taskId: alices, id: 'hook', url }, ALICE);
    const onAlices = await agent.rpc(
      'CreateTaskPushNotificationConfig',
      { taskId: alices, id: 'hook', url: 'https://bob.example.com/steal' },
      BOB,
    );
    expect(onAlices.json.error.code).toBe(-32001);
    await agent.rpc(
      'CreateTaskPushNotificationConfig',
      { taskId: bobs, id: 'hook', url: 'https://bob.example.com/' },
      BOB,
    );
    expect(
      (await agent.rpc('GetTaskPushNotificationConfig', { taskId: alices, id: 'hook' }, ALICE)).json.result.url,
    ).toBe(url);
    expect(
      (await agent.rpc('GetTaskPushNotificationConfig', { taskId: alices, id: 'hook' }, BOB)).json.error.code,
    ).toBe(-32001);
    expect((await agent.rpc('ListTaskPushNotificationConfigs', { taskId: alices }, BOB)).json.error.code).toBe(-32001);
    expect(
      (await agent.rpc('DeleteTaskPushNotificationConfig', { taskId: alices, id: 'hook' }, BOB)).json.error.code,
    ).toBe(-32001);
  });
});

describe('bearer JWT (jose): signature, issuer, audience, expiry and algorithms pinned', () => {
  let agent: TestAgent;
  let sign: (claims: Record<string, unknown>, options?: { alg?: string; exp?: string | number }) => Promise<string>;
  let foreign: typeof sign;
  beforeAll(async () => {
    const signer =
      (key: Parameters<SignJWT['sign']>[0]) =>
      async (claims: Record<string, unknown>, options: { alg?: string; exp?: string | number } = {}) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: 'k1' })
          .setIssuedAt()
          .setExpirationTime(options.exp ?? '5m')
          .sign(key);
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const other = await generateKeyPair('ES256');
    sign = signer(privateKey);
    foreign = signer(other.privateKey);
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    agent = await startAgent({
      capabilities: { streaming: true, extendedAgentCard: true },
      extendedCard: { ...echoCard('https://example.com'), name: 'Echo Agent (extended)' },
      authenticate: firstOf(
        bearerJwt({ jwks: { keys: [jwk] }, issuer: 'https://issuer.example', audience: 'echo', algorithms: ['ES256'] }),
        apiKeys({ keys: { k: 'service' } }),
      ),
      allowAnonymous: true,
    });
  });
  afterAll(async () => {
    await agent.close();
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const good = { sub: 'carol', iss: 'https://issuer.example', aud: 'echo' };

  it('accepts a valid token and names the principal by its subject', async () => {
    const token = await sign(good);
    const task = (await agent.rpc('SendMessage', send('ask: jwt'), bearer(token))).json.result.task;
    expect((await agent.rpc('GetTask', { id: task.id }, bearer(token))).json.result.id).toBe(task.id);
    expect((await agent.rpc('GetTask', { id: task.id })).json.error.code).toBe(-32001); // anonymous is someone else
  });

  it('refuses expired, mis-addressed, foreign-signed and unsigned tokens', async () => {
    const bad = [
      await sign(good, { exp: Math.floor(Date.now() / 1000) - 3600 }),
      await sign({ ...good, aud: 'other' }),
      await sign({ ...good, iss: 'https://evil.example' }),
      await foreign(good),
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(good)).toString('base64url')}.`,
    ];
    for (const token of bad) {
      const answer = await agent.rest('GET', '/tasks', undefined, bearer(token));
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toMatch(/invalid_token/);
    }
  });

  it('serves the extended card to authenticated callers only', async () => {
    const anonymous = await agent.rest('GET', '/extendedAgentCard');
    expect(anonymous.status).toBe(401);
    const token = await sign(good);
    const card = await agent.rest('GET', '/extendedAgentCard', undefined, bearer(token));
    expect(card.json.name).toBe('Echo Agent (extended)');
    const viaKey = await agent.rpc('GetExtendedAgentCard', {}, { 'x-api-key': 'k' });
    expect(viaKey.json.result.name).toBe('Echo Agent (extended)');
  });
});

describe('executor errors never reach clients', () => {
  it('answers a generic message with a correlation id, and logs the detail with credentials redacted', async () => {
    const logs = captureLog();
    const failing: AgentExecutor = {
      async execute() {
        throw new Error('cannot reach postgres://app:s3cret@db.internal:5432/tasks?password=s3cret (Bearer abc.def)');
      },
    };
    const app = Fastify({ logger: { level: 'error', stream: logs.stream } });
    let base = '';
    await app.register(a2aServer, { card: () => echoCard(base), executor: failing });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const r = await request(`${base}/a2a/rest/message:send`, {
        method: 'POST',
        headers: { ...V1, 'content-type': 'application/json' },
        body: JSON.stringify(send('boom')),
      });
      const text = await r.body.text();
      expect(text).not.toContain('s3cret');
      expect(text).not.toContain('postgres');
      const task = JSON.parse(text).task;
      expect(task.status.state).toBe('TASK_STATE_FAILED');
      const message = task.status.message.parts[0].text as string;
      const correlationId = /correlation id ([0-9a-f-]{36})/.exec(message)?.[1];
      expect(correlationId).toBeTruthy();
      const logged = logs.text();
      expect(logged).toContain(correlationId);
      expect(logged).toContain('db.internal');
      expect(logged).not.toContain('s3cret');
      expect(logged).not.toContain('abc.def');
    } finally {
      await app.close();
    }
  });

  it('redacts URL userinfo, query strings, bearer tokens and key=value secrets', () => {
    expect(redactCredentials('https://u:p@h.example/x?token=t#f and Bearer xyz and password=hunter2')).toBe(
      'https://***@h.example/x?***#f and Bearer *** and password=***',
    );
  });
});
