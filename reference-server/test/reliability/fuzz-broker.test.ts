/**
 * Property-based fuzzing of the broker (issue 14): both A2A bindings (including hostile Rightsize descriptors, which
 * the broker reads before the SDK validates the request), the registry binding and admin API, /metrics and
 * /healthz, slow clients and bad URLs. Every answer must be the right A2A error or HTTP 4xx with a clear message:
 * no 5xx (except 502 for an unreachable card), no stack trace, no secret; the broker keeps routing afterwards and
 * memory stays bounded. Seeded (RIGHTSIZE_FUZZ_SEED), bounded in time (RIGHTSIZE_FUZZ_SCALE).
 */
import { randomUUID } from 'node:crypto';
import { RIGHTSIZE_EXTENSION_URI } from '@rightsize/sdk/rightsize';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answersWell,
  CaseCounter,
  fuzzParameters,
  type HttpCase,
  hostileBody,
  hostileContentType,
  hostileJson,
  jsonRpcCase,
  nearlyMessage,
  objectLike,
  oddString,
  rawExchange,
  restCase,
  sendCase,
} from '../../../sdk/test/support/fuzz-http.js';
import { type Broker, createBroker } from '../../src/index.js';
import { profileOf, startTestAgent, type TestAgent } from '../support/agents.js';

const ADMIN = 'fuzz-admin-key-9c41';
const CLIENT = 'fuzz-client-key-77ab';
const JWT_SECRET = 'fuzz-jwt-secret-0e5d-long-enough-for-hs256';
const SECRETS = [ADMIN, CLIENT, JWT_SECRET];
const counter = new CaseCounter();

let broker: Broker;
let url: string;
let agent: TestAgent;
let rssStart = 0;

beforeAll(async () => {
  agent = await startTestAgent(
    'answerer',
    profileOf({ general: 8, math: 8 }, { placement: 'cloud' }, 0.001, 20),
    'answer',
  );
  broker = await createBroker({
    allowPrivateNetworks: true,
    healthIntervalMs: 0,
    requestTimeoutMs: 2000,
    auth: { adminKeys: [ADMIN], clientKeys: { [CLIENT]: 'fuzzer' }, jwt: { secret: JWT_SECRET } },
  });
  url = await broker.listen();
  await broker.registry.register(agent.cardUrl);
  rssStart = process.memoryUsage().rss;
}, 60_000);

afterAll(async () => {
  await broker?.close();
  await agent?.app.close();
  console.info(counter.summary('fuzz-broker'));
});

/** The broker still routes a plain task to the agent. */
async function routes(): Promise<void> {
  const answer = await sendCase(url, {
    method: 'POST',
    path: '/a2a/rest/message:send',
    headers: { 'content-type': 'application/json', 'a2a-version': '1.0', 'x-api-key': CLIENT },
    body: JSON.stringify({
      message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'still there?' }] },
    }),
  });
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.text).task.status.state).toBe('TASK_STATE_COMPLETED');
}

const client = { 'x-api-key': CLIENT };

/** Messages whose Rightsize extension data (descriptor, feedback) is hostile: the guard reads it before validation. */
const descriptorMessage = fc
  .record({
    message: nearlyMessage,
    ext: fc.oneof(
      objectLike(['descriptor', 'feedback']),
      objectLike(['domain', 'complexity', 'constraints', 'network', 'skill']).map((descriptor) => ({ descriptor })),
      fc
        .record({
          domain: fc.oneof(fc.constantFrom('general', 'math'), oddString),
          complexity: fc.oneof(objectLike(['value', 'sigma']), hostileJson),
          constraints: objectLike([
            'completionDeadlineMs',
            'firstResponseDeadlineMs',
            'maxCost',
            'allowedRegions',
            'placement',
          ]),
        })
        .map((descriptor) => ({ descriptor })),
    ),
    configuration: fc.option(objectLike(['acceptedOutputModes', 'blocking', 'historyLength']), { nil: undefined }),
  })
  .map(({ message, ext, configuration }) => ({
    message: { ...message, metadata: { [RIGHTSIZE_EXTENSION_URI]: ext } },
    ...(configuration ? { configuration } : {}),
  }));

const descriptorCase: fc.Arbitrary<HttpCase> = fc
  .record({ params: descriptorMessage, rest: fc.boolean(), stream: fc.boolean(), contentType: hostileContentType })
  .map((c) => ({
    method: 'POST',
    path: c.rest ? `/a2a/rest/message:${c.stream ? 'stream' : 'send'}` : '/a2a/jsonrpc',
    headers: { 'content-type': c.contentType || 'application/json', 'a2a-version': '1.0', ...client },
    body: JSON.stringify(
      c.rest
        ? c.params
        : { jsonrpc: '2.0', id: 1, method: c.stream ? 'SendStreamingMessage' : 'SendMessage', params: c.params },
    ),
  }));

/** The registry binding and admin API (spec §7.8), with hostile ids, queries and bodies. */
const registryCase: fc.Arbitrary<HttpCase> = fc
  .record({
    route: fc.oneof(
      fc.constant({ method: 'POST', path: '/agents' }),
      fc.constant({ method: 'GET', path: '/agents' }),
      fc
        .dictionary(fc.constantFrom('pageSize', 'pageToken', 'x'), oddString, { maxKeys: 2 })
        .map((q) => ({ method: 'GET', path: `/agents?${new URLSearchParams(q)}` })),
      fc
        .tuple(
          fc.constantFrom('GET', 'DELETE', 'POST', 'PUT'),
          fc.oneof(fc.constant('answerer'), oddString),
          fc.constantFrom('', '/load', '/check', '/x'),
        )
        .filter(([m, id, suffix]) => !(m === 'DELETE' && id === 'answerer' && suffix === ''))
        .map(([method, id, suffix]) => ({
          method,
          path: `/agents/${Buffer.from(id).toString('hex').replace(/(..)/g, '%$1') || 'x'}${suffix}`,
        })),
      fc.constant({ method: 'POST', path: '/match' }),
      fc.constant({ method: 'POST', path: '/feedback' }),
      fc.constantFrom({ method: 'PATCH', path: '/agents' }, { method: 'GET', path: '/nothing' }),
    ),
    body: hostileBody(
      fc.oneof(
        objectLike([
          'cardUrl',
          'inflight',
          'descriptor',
          'inputModes',
          'acceptedOutputModes',
          'taskId',
          'success',
          'verified',
          'measuredComplexity',
        ]),
        fc.record({
          cardUrl: fc.constantFrom(
            'http://127.0.0.1:1/.well-known/agent-card.json',
            'file:///etc/passwd',
            'gopher://127.0.0.1/',
            'http://user:pw@127.0.0.1:1/x',
            'not a url',
            'http://[::1',
          ),
        }),
        objectLike(['descriptor', 'inputModes', 'acceptedOutputModes']).map((m) => ({
          ...m,
          descriptor: { domain: 'general', complexity: { value: 3, sigma: 0.3 }, ...(m.descriptor as object) },
        })),
      ),
    ),
    contentType: hostileContentType,
    key: fc.oneof(
      { weight: 6, arbitrary: fc.constant(ADMIN) },
      { weight: 1, arbitrary: fc.constantFrom(CLIENT, '', 'wrong') },
    ),
  })
  .map((c) => ({
    method: c.route.method,
    path: `/rightsize/v1${c.route.path}`,
    headers: { ...(c.key ? { 'x-api-key': c.key } : {}), ...(c.contentType ? { 'content-type': c.contentType } : {}) },
    ...(c.route.method === 'GET' ? {} : { body: c.body }),
  }));

const opsCase: fc.Arbitrary<HttpCase> = fc
  .record({
    path: fc.constantFrom('/metrics', '/healthz', '/', '/rightsize', '/.well-known/agent-card.json'),
    method: fc.constantFrom('GET', 'POST', 'HEAD'),
  })
  .map((c) => ({ method: c.method, path: c.path, headers: {} }));

const unreachableCard = (c: HttpCase) => (c.method === 'POST' && c.path.endsWith('/agents') ? [502] : []);

describe('fuzzing the broker (fast-check, seeded)', () => {
  it('JSON-RPC binding', async () => {
    await fc.assert(
      answersWell(url, jsonRpcCase('/a2a/jsonrpc', client), { secrets: SECRETS, counter, name: 'jsonrpc' }),
      fuzzParameters(250, 25),
    );
    await routes();
  }, 150_000);

  it('HTTP+JSON binding', async () => {
    await fc.assert(
      answersWell(url, restCase('/a2a/rest', client), { secrets: SECRETS, counter, name: 'rest' }),
      fuzzParameters(250, 25),
    );
    await routes();
  }, 150_000);

  it('hostile Rightsize descriptors and feedback (read by the broker before validation)', async () => {
    await fc.assert(
      answersWell(url, descriptorCase, { secrets: SECRETS, counter, name: 'descriptor' }),
      fuzzParameters(250, 25),
    );
    await routes();
  }, 150_000);

  it('registry binding and admin API', async () => {
    await fc.assert(
      answersWell(url, registryCase, { secrets: SECRETS, counter, name: 'registry', allowed: unreachableCard }),
      fuzzParameters(250, 25),
    );
    await routes();
  }, 150_000);

  it('metrics, health and unknown paths', async () => {
    await fc.assert(answersWell(url, opsCase, { secrets: SECRETS, counter, name: 'ops' }), fuzzParameters(30, 10));
  }, 60_000);

  it('a URL fastify cannot route answers an A2A error body (no echo of the URL)', async () => {
    counter.add('bad-url');
    for (const path of ['/a2a/rest/tasks/%?k=s3cr3t', '/rightsize/v1/agents/%zz?k=s3cr3t']) {
      const answer = await sendCase(url, { method: 'GET', path, headers: { 'a2a-version': '1.0', ...client } });
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text).error.code).toBe(400);
      expect(answer.text).not.toContain('s3cr3t');
    }
  });

  it('a slow client trickling its body is cut off by the request timeout while others are served', async () => {
    counter.add('slow-client');
    const body = JSON.stringify({ message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'x'.repeat(200) }] } });
    const slow = rawExchange(
      url,
      `POST /a2a/rest/message:send HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\na2a-version: 1.0\r\nx-api-key: ${CLIENT}\r\ncontent-length: ${body.length}\r\n\r\n`,
      [...body],
      { gapMs: 100, timeoutMs: 40_000 },
    );
    await routes();
    const exchange = await slow;
    expect(exchange.closedByServer).toBe(true);
    expect(exchange.ms).toBeLessThan(20_000); // the trickle alone takes about 25 s
  }, 60_000);

  it('memory stayed bounded and the broker still routes', async () => {
    await routes();
    const grown = (process.memoryUsage().rss - rssStart) / 2 ** 20;
    console.info(`fuzz-broker: RSS grew ${grown.toFixed(1)} MiB over ${counter.total} cases`);
    expect(grown).toBeLessThan(256);
  });
});
