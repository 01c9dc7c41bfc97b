/**
 * Structured logs: every response carries a request id (the client's or a generated one), and credentials never
 * reach the log. And the per-caller rate limit.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../../sdk/test/support/log-capture.js';
import { type Broker, createBroker } from '../src/index.js';

const SECRET = 'super-secret-admin-key-0123456789';
let broker: Broker;
let url: string;
const log = captureLog();

beforeAll(async () => {
  broker = await createBroker({
    healthIntervalMs: 0,
    auth: { adminKeys: [SECRET], clientKeys: { 'client-secret-key-987': 'c' } },
    rateLimitPerMinute: 20,
    logger: { level: 'debug', stream: log.stream, redact: ['req.headers.authorization', 'req.headers["x-api-key"]'] },
  });
  url = await broker.listen();
}, 120_000);

afterAll(async () => {
  await broker?.close();
});

describe('logs', () => {
  it('echo a given request id, generate one otherwise, and never log credentials', async () => {
    const given = await request(`${url}/rightsize/v1/agents`, {
      headers: { 'x-api-key': SECRET, 'x-request-id': 'req-42' },
    });
    await given.body.dump();
    expect(given.headers['x-request-id']).toBe('req-42');
    const generated = await request(`${url}/a2a/rest/tasks/nope`, {
      headers: { authorization: 'Bearer client-secret-key-987', 'a2a-version': '1.0' },
    });
    await generated.body.dump();
    expect(String(generated.headers['x-request-id'])).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await request(`${url}/rightsize/v1/agents`, {
      headers: { 'x-api-key': 'wrong-key-should-not-appear' },
    });
    await bad.body.dump();
    const logged = log.text();
    expect(logged).toContain('"reqId":"req-42"');
    expect(logged).not.toContain(SECRET);
    expect(logged).not.toContain('client-secret-key-987');
    expect(logged).not.toContain('wrong-key-should-not-appear');
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After once a caller has used its requests per minute; other callers go on', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await request(`${url}/rightsize/v1/agents`, { headers: { 'x-api-key': 'caller-a-key' } });
      await r.body.dump();
      statuses.push(r.statusCode);
      if (r.statusCode === 429) expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const other = await request(`${url}/rightsize/v1/agents`, { headers: { 'x-api-key': SECRET } });
    await other.body.dump();
    expect(other.statusCode).toBe(200);
  });

  it('a caller cannot escape the limit by sending a new made-up key with every request (they share its address)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await request(`${url}/a2a/rest/tasks`, {
        headers: { 'x-api-key': `made-up-key-${i}`, 'a2a-version': '1.0' },
      });
      await r.body.dump();
      statuses.push(r.statusCode);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    // a real credential has its own bucket
    const other = await request(`${url}/a2a/rest/tasks`, {
      headers: { 'x-api-key': 'client-secret-key-987', 'a2a-version': '1.0' },
    });
    await other.body.dump();
    expect(other.statusCode).toBe(200);
  });
});
