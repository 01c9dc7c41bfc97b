/**
 * Regression tests for the broker bugs the reliability suites found (issue 14), each small and direct:
 * - slow clients held connections forever (the broker's fastify had no request timeout) and URLs fastify cannot
 *   route answered fastify's own body echoing the URL — the broker now uses the SDK's agentServerOptions;
 * - a NUL character (U+0000) in an id or a message made PostgreSQL/PGlite fail and the client got a 500;
 * - the admin API answered a body without a JSON content type with a 500 instead of 415.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rawExchange, sendCase } from '../../../sdk/test/support/fuzz-http.js';
import { type Broker, createBroker } from '../../src/index.js';
import { profileOf, startTestAgent, type TestAgent } from '../support/agents.js';

const ADMIN = 'regression-admin';
const CLIENT = 'regression-client';
let broker: Broker;
let url: string;
let agent: TestAgent;

beforeAll(async () => {
  agent = await startTestAgent('answerer', profileOf({ general: 8 }, { placement: 'cloud' }, 0.001, 20), 'answer');
  broker = await createBroker({
    allowPrivateNetworks: true,
    healthIntervalMs: 0,
    requestTimeoutMs: 1000,
    auth: { adminKeys: [ADMIN], clientKeys: { [CLIENT]: 'someone' } },
  });
  url = await broker.listen();
  await broker.registry.register(agent.cardUrl);
}, 60_000);

afterAll(async () => {
  await broker?.close();
  await agent?.app.close();
});

const a2a = { 'a2a-version': '1.0', 'x-api-key': CLIENT };

it('cuts off a client that trickles its request body (408) instead of holding the connection', async () => {
  const body = JSON.stringify({ message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'x'.repeat(150) }] } });
  const exchange = await rawExchange(
    url,
    `POST /a2a/rest/message:send HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\na2a-version: 1.0\r\nx-api-key: ${CLIENT}\r\ncontent-length: ${body.length}\r\n\r\n`,
    [...body],
    { gapMs: 100, timeoutMs: 40_000 },
  );
  expect(exchange.closedByServer).toBe(true);
  expect(exchange.text).toMatch(/^HTTP\/1\.1 408/);
  expect(exchange.ms).toBeLessThan(15_000); // the trickle alone takes about 19 s
}, 60_000);

it('answers a URL with bad percent-encoding with an A2A error body, not echoing the URL', async () => {
  const answer = await sendCase(url, { method: 'GET', path: '/a2a/rest/tasks/%?k=s3cr3t', headers: a2a });
  expect(answer.status).toBe(400);
  expect(JSON.parse(answer.text).error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
  expect(answer.text).not.toContain('s3cr3t');
});

it('answers ids and messages with a NUL character with InvalidParams, not an internal error', async () => {
  const get = await sendCase(url, { method: 'GET', path: '/a2a/rest/tasks/a%00b', headers: a2a });
  expect(get.status).toBe(400);
  expect(JSON.parse(get.text).error.message).toMatch(/NUL/);
  const send = await sendCase(url, {
    method: 'POST',
    path: '/a2a/rest/message:send',
    headers: { ...a2a, 'content-type': 'application/json' },
    body: JSON.stringify({ message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'a\u0000b' }] } }),
  });
  expect(send.status).toBe(400);
  expect(JSON.parse(send.text).error.message).toMatch(/NUL/);
  const rpc = await sendCase(url, {
    method: 'POST',
    path: '/a2a/jsonrpc',
    headers: { ...a2a, 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: '\u0000' } }),
  });
  expect(JSON.parse(rpc.text).error.code).toBe(-32602);
});

it('admin API: a body that is not JSON by its content type is 415, not 500', async () => {
  const answer = await sendCase(url, {
    method: 'POST',
    path: '/rightsize/v1/match',
    headers: { 'x-api-key': ADMIN, 'content-type': 'application/xml' },
    body: '{"descriptor":{}}',
  });
  expect(answer.status).toBe(415);
  expect(JSON.parse(answer.text).error.message).toMatch(/content type/);
});
