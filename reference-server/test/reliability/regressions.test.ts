/**
 * Regression tests for the broker bugs the reliability suites found (issue 14), each small and direct:
 * - slow clients held connections forever (the broker's fastify had no request timeout) and URLs fastify cannot
 *   route answered fastify's own body echoing the URL — the broker now uses the SDK's agentServerOptions;
 * - a NUL character (U+0000) in an id or a message made PostgreSQL/PGlite fail and the client got a 500;
 * - the admin API answered a body without a JSON content type with a 500 instead of 415;
 * - (h12) a lone UTF-16 surrogate in a request, in an agent's answer or in an agent card made the store fail (500).
 */
import { randomUUID } from 'node:crypto';
import { a2aServer } from '@rightsize/sdk/server';
import Fastify from 'fastify';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { rawExchange, sendCase } from '../../../sdk/test/support/fuzz-http.js';
import { type Broker, createBroker } from '../../src/index.js';
import { cardFor, profileOf, startTestAgent, type TestAgent } from '../support/agents.js';

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

/** A JSON text whose string escapes a lone UTF-16 surrogate: valid JSON, but no UTF-8 text (nor jsonb) can hold it. */
const LONE_SURROGATE_METADATA = '{"k\\udc00":"v\\ud800"}';

it('answers a request holding a lone surrogate or invalid UTF-8 with a typed error, not an internal error', async () => {
  const message = (metadata: string) =>
    `{"message":{"messageId":"${randomUUID()}","role":"ROLE_USER","parts":[{"text":"hi"}],"metadata":${metadata}}}`;
  const json = { ...a2a, 'content-type': 'application/json' };
  const rest = await sendCase(url, {
    method: 'POST',
    path: '/a2a/rest/message:send',
    headers: json,
    body: message(LONE_SURROGATE_METADATA),
  });
  expect(rest.status).toBe(400);
  expect(JSON.parse(rest.text).error.message).toMatch(/surrogate/);
  const rpc = await sendCase(url, {
    method: 'POST',
    path: '/a2a/jsonrpc',
    headers: json,
    body: `{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":${message(LONE_SURROGATE_METADATA)}}`,
  });
  expect(JSON.parse(rpc.text).error.code).toBe(-32600);
  const bytes = await sendCase(url, {
    method: 'POST',
    path: '/a2a/jsonrpc',
    headers: json,
    body: Buffer.concat([
      Buffer.from(`{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":${message('{"k":"')}`),
      Buffer.from([0xff, 0xfe, 0xc0, 0x80]),
      Buffer.from('"}}}'),
    ]),
  });
  expect(JSON.parse(bytes.text).error).toMatchObject({ code: -32700, message: expect.stringMatching(/UTF-8/) });
});

it('relays an agent’s answer holding lone surrogates with U+FFFD in their place, as for invalid UTF-8 bytes', async () => {
  // A SIMULATED agent that splits an emoji (JSON.stringify escapes the half it sends as "\ud83d").
  const sloppy = Fastify();
  let sloppyUrl = '';
  await sloppy.register(a2aServer, {
    card: () => cardFor('sloppy', profileOf({ extraction: 9 }, { placement: 'cloud' }, 0.0001, 20), sloppyUrl),
    executor: {
      async execute(_context, events) {
        events.artifact({ artifactId: 'a', parts: [{ text: 'half an emoji \ud83d' }] });
        events.complete('done');
      },
    },
  });
  sloppyUrl = await sloppy.listen({ port: 0, host: '127.0.0.1' });
  try {
    const { agent: registered } = await broker.registry.register(`${sloppyUrl}/.well-known/agent-card.json`);
    onTestFinished(async () => void (await broker.registry.remove(registered.id)));
    const descriptor = { domain: 'extraction', complexity: { value: 2 } };
    for (const method of ['SendMessage', 'SendStreamingMessage']) {
      const answer = await sendCase(url, {
        method: 'POST',
        path: '/a2a/jsonrpc',
        headers: { ...a2a, 'content-type': 'application/json' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method,
          params: {
            message: {
              messageId: randomUUID(),
              role: 'ROLE_USER',
              parts: [{ text: 'extract the dates' }],
              metadata: { 'https://rightsize.dev/extensions/rightsize/v1': { descriptor } },
            },
          },
        }),
      });
      expect(answer.text).not.toMatch(/"code":-32603/);
      expect(answer.text).toContain('half an emoji \ufffd');
      expect(answer.text).toContain('TASK_STATE_COMPLETED');
    }
  } finally {
    await sloppy.close();
  }
});

it('refuses an agent card holding a lone surrogate (400), not an internal error', async () => {
  const sloppy = await startTestAgent(
    'sloppy-card',
    profileOf({ extraction: 9 }, { placement: 'cloud' }, 0.0001, 20),
    'answer',
    (app) =>
      app.addHook('onSend', async (request, _reply, payload) =>
        request.url.endsWith('agent-card.json') && typeof payload === 'string'
          ? payload.replace('A SIMULATED test agent.', 'A SIMULATED \\udc00 agent.')
          : payload,
      ),
  );
  try {
    const answer = await sendCase(url, {
      method: 'POST',
      path: '/rightsize/v1/agents',
      headers: { 'x-api-key': ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ cardUrl: sloppy.cardUrl }),
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).error.message).toMatch(/surrogate/);
  } finally {
    await sloppy.app.close();
  }
});
