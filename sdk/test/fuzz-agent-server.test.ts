/**
 * Property-based fuzzing of the SDK agent server (issue 14): every endpoint (the card, every JSON-RPC method, every
 * HTTP+JSON route with tenant paths) with malformed JSON, wrong types, unknown fields, huge strings and arrays, deep
 * nesting, invalid UTF-8 and unusual Unicode, wrong content types, truncated bodies and slow clients. Every answer
 * must be the right A2A error (or HTTP 4xx) with a clear message: no 5xx, no crash, no stack trace, no secret, and
 * memory stays bounded. Seeded (RIGHTSIZE_FUZZ_SEED) and bounded in time (RIGHTSIZE_FUZZ_SCALE scales it).
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoCard } from '../examples/echo-agent.js';
import type { AgentExecutor } from '../src/server/index.js';
import { a2aServer, agentServerOptions, apiKeys, WebhookPushSender } from '../src/server/index.js';
import {
  answersWell,
  CaseCounter,
  fuzzParameters,
  jsonRpcCase,
  oddString,
  problemWith,
  rawExchange,
  restCase,
  sendCase,
} from './support/fuzz-http.js';

const KEY = 'fuzz-secret-api-key-5f1e';
const SECRETS = [KEY, 'DATABASE_PASSWORD_hunter2'];
const credential = { 'x-api-key': KEY };
const counter = new CaseCounter();

/** A bounded executor: replies, or runs a short task; a store error message carries a secret (must not leak). */
const executor: AgentExecutor = {
  async execute(context, events) {
    const part = context.message.parts[0];
    const text = part && 'text' in part ? String(part.text ?? '') : '';
    if (text.length % 5 === 0) throw new Error('connect postgres://app:DATABASE_PASSWORD_hunter2@db/prod failed');
    if (text.length % 2 === 0) return events.reply(`echo: ${text.slice(0, 100)}`);
    events.working('working');
    events.artifact({ artifactId: 'a', parts: [{ text: text.slice(0, 100) }] });
    events.complete('done');
  },
};

let app: FastifyInstance;
let baseUrl = '';
let rssStart = 0;

beforeAll(async () => {
  app = Fastify(agentServerOptions({ requestTimeoutMs: 2000 }));
  await app.register(a2aServer, {
    card: () => echoCard(baseUrl, { streaming: true, pushNotifications: true }),
    executor,
    authenticate: apiKeys({ keys: { [KEY]: 'alice' } }),
    push: { sender: new WebhookPushSender({ attempts: 1 }) },
    streamStallTimeoutMs: 2000,
  });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  rssStart = process.memoryUsage().rss;
});

afterAll(async () => {
  await app?.close();
  console.info(counter.summary('fuzz-agent-server'));
});

const alive = async () => {
  const answer = await sendCase(baseUrl, {
    method: 'POST',
    path: '/a2a/jsonrpc',
    headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...credential },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'SendMessage',
      params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'x' }] } },
    }),
  });
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.text).result).toBeDefined();
};

describe('fuzzing the SDK agent server (fast-check, seeded)', () => {
  it('JSON-RPC binding: every hostile call gets a JSON-RPC error or a result, never a 5xx or a leak', async () => {
    await fc.assert(
      answersWell(baseUrl, jsonRpcCase('/a2a/jsonrpc', credential), { secrets: SECRETS, counter, name: 'jsonrpc' }),
      fuzzParameters(400, 25),
    );
    await alive();
  }, 120_000);

  it('HTTP+JSON binding: every route, tenant path, verb, id and query answers an A2A error body or a result', async () => {
    await fc.assert(
      answersWell(baseUrl, restCase('/a2a/rest', credential), { secrets: SECRETS, counter, name: 'rest' }),
      fuzzParameters(400, 25),
    );
    await alive();
  }, 120_000);

  it('agent card: odd conditional headers and methods', async () => {
    const cases = fc.record({
      method: fc.constantFrom('GET', 'HEAD', 'POST', 'DELETE'),
      inm: fc.option(oddString, { nil: undefined }),
      ims: fc.option(
        fc.oneof(
          oddString,
          fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toUTCString())),
        ),
        {
          nil: undefined,
        },
      ),
    });
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        counter.add('card');
        const headers: Record<string, string> = {};
        if (c.inm !== undefined) headers['if-none-match'] = c.inm.replace(/[^\x20-\x7e]/g, '');
        if (c.ims !== undefined) headers['if-modified-since'] = c.ims.replace(/[^\x20-\x7e]/g, '');
        const answer = await sendCase(baseUrl, { method: c.method, path: '/.well-known/agent-card.json', headers });
        const problem = problemWith(answer, SECRETS);
        if (problem) throw new Error(problem);
      }),
      fuzzParameters(60, 10),
    );
  }, 60_000);

  it('executor errors reach the client as InternalError with a correlation id, never the message', async () => {
    const answer = await sendCase(baseUrl, {
      method: 'POST',
      path: '/a2a/rest/message:send',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...credential },
      body: JSON.stringify({
        message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'fiver' }] },
      }),
    });
    counter.add('executor-error');
    expect(problemWith(answer, SECRETS, [500])).toBeUndefined();
    expect(answer.text).not.toContain('postgres://');
  });

  it('truncated bodies (shorter than Content-Length) are answered 4xx or closed, and never hang the server', async () => {
    const body = JSON.stringify({ message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'hello' }] } });
    for (const cut of [0, 1, 10, body.length - 1]) {
      counter.add('truncated');
      const exchange = await rawExchange(
        baseUrl,
        `POST /a2a/rest/message:send HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\na2a-version: 1.0\r\nx-api-key: ${KEY}\r\ncontent-length: ${body.length}\r\n\r\n`,
        [body.slice(0, cut)],
        { end: true, timeoutMs: 20_000 },
      );
      expect(exchange.closedByServer).toBe(true);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(exchange.text)?.[1] ?? 0);
      expect(status === 0 || (status >= 400 && status < 500)).toBe(true);
    }
    await alive();
  }, 90_000);

  it('a slow client trickling its body is cut off by the request timeout, and others are served meanwhile', async () => {
    counter.add('slow-client');
    const body = JSON.stringify({ message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'x'.repeat(200) }] } });
    const slow = rawExchange(
      baseUrl,
      `POST /a2a/rest/message:send HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\na2a-version: 1.0\r\nx-api-key: ${KEY}\r\ncontent-length: ${body.length}\r\n\r\n`,
      [...body].map((ch) => ch),
      { gapMs: 100, timeoutMs: 30_000 },
    );
    await alive(); // not blocked by the slow client
    const exchange = await slow;
    expect(exchange.closedByServer).toBe(true); // 2 s request timeout, well before the 20 s the trickle would take
    expect(exchange.ms).toBeLessThan(25_000);
    expect(exchange.text === '' || /^HTTP\/1\.1 4\d\d/.test(exchange.text)).toBe(true);
  }, 60_000);

  it('memory stays bounded: a 64 MiB chunked body is refused (413) without being buffered', async () => {
    counter.add('huge-body');
    const { request } = await import('undici');
    const before = process.memoryUsage().rss;
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    async function* body() {
      yield Buffer.from('{"message":"');
      for (let i = 0; i < 64; i++) yield chunk;
      yield Buffer.from('"}');
    }
    const response = await request(`${baseUrl}/a2a/rest/message:send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...credential },
      body: Readable.from(body()),
    }).catch((error: unknown) => error);
    if (!(response instanceof Error)) {
      const r = response as { statusCode: number; body: { text(): Promise<string> } };
      expect(r.statusCode).toBe(413);
      expect(
        problemWith({ status: r.statusCode, contentType: 'application/json', text: await r.body.text() }, SECRETS),
      ).toBeUndefined();
    }
    const grown = (process.memoryUsage().rss - before) / 2 ** 20;
    expect(grown).toBeLessThan(48); // far below the 64 MiB sent
    await alive();
  }, 60_000);

  it('the whole run kept memory bounded and the server alive', async () => {
    await alive();
    const grown = (process.memoryUsage().rss - rssStart) / 2 ** 20;
    console.info(`fuzz-agent-server: RSS grew ${grown.toFixed(1)} MiB over ${counter.total} cases`);
    expect(grown).toBeLessThan(256);
  });
});
