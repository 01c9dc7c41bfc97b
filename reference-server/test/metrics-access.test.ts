/**
 * `/metrics` names agents and their routing and probe counts, so it takes a credential by default: an admin key or JWT,
 * or the dedicated metrics token (which opens nothing else). `publicMetrics` is the explicit opt-out. The token never
 * reaches the log.
 */
import { SignJWT } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../../sdk/test/support/log-capture.js';
import { type Broker, createBroker } from '../src/index.js';

const ADMIN = 'metrics-test-admin-key';
const CLIENT = 'metrics-test-client-key';
const TOKEN = 'scraper-token-that-must-not-be-logged-5e2f';
const WRONG = 'wrong-scraper-token-that-must-not-be-logged';
const JWT_SECRET = 'metrics-test-jwt-secret-0123456789abcdef';

const log = captureLog();
let guarded: Broker;
let open: Broker;
let guardedUrl: string;
let openUrl: string;

beforeAll(async () => {
  guarded = await createBroker({
    healthIntervalMs: 0,
    auth: { adminKeys: [ADMIN], clientKeys: { [CLIENT]: 'client' }, metricsToken: TOKEN, jwt: { secret: JWT_SECRET } },
    logger: { level: 'debug', stream: log.stream },
  });
  guardedUrl = await guarded.listen();
  open = await createBroker({ healthIntervalMs: 0, auth: { adminKeys: [ADMIN] }, publicMetrics: true });
  openUrl = await open.listen();
}, 120_000);

afterAll(async () => {
  await guarded?.close();
  await open?.close();
});

async function scrape(url: string, headers: Record<string, string> = {}) {
  const response = await request(`${url}/metrics`, { headers });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

const jwt = (scope: string) =>
  new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('prometheus')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JWT_SECRET));

describe('/metrics credential', () => {
  it('refuses a scrape without a credential: 401, WWW-Authenticate: Bearer, an A2A error body', async () => {
    const answer = await scrape(guardedUrl);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer\b/);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
    expect(answer.text).not.toContain('rightsize_broker_');
  });

  it('refuses a wrong token with 401 and a client credential with 403', async () => {
    const wrong = await scrape(guardedUrl, { authorization: `Bearer ${WRONG}` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Bearer\b/);
    const client = await scrape(guardedUrl, { 'x-api-key': CLIENT });
    expect(client.status).toBe(403);
    expect(client.text).not.toContain('rightsize_broker_');
    expect((await scrape(guardedUrl, { authorization: `Bearer ${await jwt('read')}` })).status).toBe(403);
  });

  it('serves the metrics token (bearer or x-api-key) and admin credentials (key or JWT with the admin scope)', async () => {
    const credentials: Array<Record<string, string>> = [
      { authorization: `Bearer ${TOKEN}` },
      { 'x-api-key': TOKEN },
      { 'x-api-key': ADMIN },
      { authorization: `Bearer ${await jwt('rightsize:admin')}` },
    ];
    for (const headers of credentials) {
      const answer = await scrape(guardedUrl, headers);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^text\/plain/);
      expect(answer.text).toContain('# TYPE rightsize_broker_attempts_total counter');
    }
  });

  it('the metrics token opens nothing else: the admin API and the A2A surface refuse it', async () => {
    const admin = await request(`${guardedUrl}/rightsize/v1/agents`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await admin.body.dump();
    expect(admin.statusCode).toBe(401);
    const tasks = await request(`${guardedUrl}/a2a/rest/tasks`, {
      headers: { authorization: `Bearer ${TOKEN}`, 'a2a-version': '1.0' },
    });
    await tasks.body.dump();
    expect(tasks.statusCode).toBe(401);
  });

  it('publicMetrics serves /metrics without a credential', async () => {
    const answer = await scrape(openUrl);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('# TYPE rightsize_broker_attempts_total counter');
  });

  it('never logs the metrics token, right or wrong', async () => {
    await scrape(guardedUrl, { authorization: `Bearer ${TOKEN}` });
    await scrape(guardedUrl, { 'x-api-key': WRONG });
    const logged = log.text();
    expect(logged).toContain('/metrics');
    expect(logged).not.toContain(TOKEN);
    expect(logged).not.toContain(WRONG);
  });
});
