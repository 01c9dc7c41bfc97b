/**
 * agentServerOptions regressions found by the reliability fuzzing (issue 14): a trickled body is cut off by the
 * request timeout on Node 20 (fastify's own `requestTimeout` only covered the headers), and a URL fastify cannot
 * route (bad percent-encoding) answers an A2A error body rather than fastify's, which echoed the URL.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { echoCard, echoExecutor } from '../examples/echo-agent.js';
import { a2aServer, agentServerOptions } from '../src/server/index.js';
import { rawExchange, sendCase } from './support/fuzz-http.js';

const app = Fastify(agentServerOptions({ requestTimeoutMs: 1000 }));
let baseUrl = '';

beforeAll(async () => {
  await app.register(a2aServer, { card: () => echoCard(baseUrl), executor: echoExecutor });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => app.close());

it('cuts off a client that trickles its body (408, connection closed) long before the trickle ends', async () => {
  const body = JSON.stringify({ message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'x'.repeat(150) }] } });
  const exchange = await rawExchange(
    baseUrl,
    `POST /a2a/rest/message:send HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\na2a-version: 1.0\r\ncontent-length: ${body.length}\r\n\r\n`,
    [...body],
    { gapMs: 100, timeoutMs: 40_000 },
  );
  expect(exchange.closedByServer).toBe(true);
  expect(exchange.text).toMatch(/^HTTP\/1\.1 408/);
  expect(exchange.ms).toBeLessThan(15_000); // the trickle alone would take about 19 s
}, 60_000);

it('answers a URL with bad percent-encoding with an A2A error body that does not echo the URL', async () => {
  const answer = await sendCase(baseUrl, {
    method: 'GET',
    path: '/a2a/rest/tasks/%?secret=s3cr3t',
    headers: { 'a2a-version': '1.0' },
  });
  expect(answer.status).toBe(400);
  const body = JSON.parse(answer.text);
  expect(body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
  expect(answer.text).not.toContain('s3cr3t');
});
