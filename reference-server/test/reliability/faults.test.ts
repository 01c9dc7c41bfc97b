/**
 * Downstream faults (issue 14): a cheap agent that answers HTTP 500, invalid JSON, crashes mid-stream (the socket is
 * destroyed after its first event) or hangs; a capable agent behind it. The broker escalates per the plan and the
 * client sees one terminal state (COMPLETED through the fallback, with the failed attempt in the decision record);
 * a hang with a completion deadline fails the task with a clear message when the deadline passes.
 */
import { randomUUID } from 'node:crypto';
import { withMessageExtension } from '@rightsize/sdk/rightsize';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, createBroker } from '../../src/index.js';
import { cardFor, profileOf, startTestAgent, type TestAgent } from '../support/agents.js';

type Fault = 'http500' | 'invalid' | 'crash' | 'hang';

/** A SIMULATED faulty agent: a valid card with a cheap profile, and a JSON-RPC endpoint that misbehaves. */
async function faultyAgent(): Promise<{ app: FastifyInstance; cardUrl: string; fault: { kind: Fault } }> {
  const app = Fastify();
  const fault = { kind: 'http500' as Fault };
  let url = '';
  app.get('/.well-known/agent-card.json', async () =>
    cardFor('flaky', profileOf({ general: 8 }, { placement: 'edge' }, 0.00001, 10), url),
  );
  app.post('/a2a/jsonrpc', async (req, reply) => {
    const id = (req.body as { id?: number }).id ?? 1;
    if (fault.kind === 'http500') return reply.code(500).send({ oops: true });
    if (fault.kind === 'invalid') return reply.type('application/json').send('{"jsonrpc":"2.0","id":');
    if (fault.kind === 'hang') return new Promise(() => undefined);
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
    const event = { task: { id: randomUUID(), contextId: randomUUID(), status: { state: 'TASK_STATE_WORKING' } } };
    reply.raw.write(`data: ${JSON.stringify({ jsonrpc: '2.0', id, result: event })}\n\n`);
    setTimeout(() => reply.raw.destroy(), 20); // the agent process dies mid-stream
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, cardUrl: `${url}/.well-known/agent-card.json`, fault };
}

let broker: Broker;
let url: string;
let flaky: Awaited<ReturnType<typeof faultyAgent>>;
let fallback: TestAgent;
const KEY = 'faults-key';

beforeAll(async () => {
  flaky = await faultyAgent();
  fallback = await startTestAgent('fallback', profileOf({ general: 10 }, { placement: 'cloud' }, 0.01, 30), 'answer');
  broker = await createBroker({ allowPrivateNetworks: true, healthIntervalMs: 0, auth: { adminKeys: [KEY] } });
  url = await broker.listen();
  await broker.registry.register(flaky.cardUrl);
  await broker.registry.register(fallback.cardUrl);
}, 90_000);

afterAll(async () => {
  await broker?.close();
  await flaky?.app.close();
  await fallback?.app.close();
}, 60_000);

const send = async (streaming: boolean) => {
  const message = withMessageExtension(
    { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'do it' }] },
    {
      descriptor: {
        domain: 'general',
        complexity: { value: 3, sigma: 0.3 },
      },
    },
  );
  const r = await request(`${url}/a2a/rest/message:${streaming ? 'stream' : 'send'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'a2a-version': '1.0', 'x-api-key': KEY },
    body: JSON.stringify({ message }),
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  const text = await r.body.text();
  if (!streaming) return [JSON.parse(text)];
  return text
    .split('\n\n')
    .flatMap((frame) => frame.split('\n').filter((l) => l.startsWith('data:')))
    .map((l) => JSON.parse(l.slice(5)));
};

const terminalStates = (events: Array<Record<string, { status?: { state?: string } }>>) =>
  events
    .map((e) => e.statusUpdate?.status?.state ?? e.task?.status?.state)
    .filter((s) => s && !['TASK_STATE_WORKING', 'TASK_STATE_SUBMITTED'].includes(s));

describe('downstream faults', () => {
  for (const kind of ['http500', 'invalid', 'crash'] as const)
    it(`${kind}: the broker escalates to the fallback; one terminal state, the failed attempt recorded`, async () => {
      flaky.fault.kind = kind;
      const events = await send(kind === 'crash');
      expect(terminalStates(events)).toEqual(['TASK_STATE_COMPLETED']);
      const last = events.at(-1) as { task?: { id: string }; statusUpdate?: { taskId: string } };
      const taskId = last.task?.id ?? last.statusUpdate?.taskId;
      const task = await broker.store.tasks.get({ tenant: '', owner: 'admin' }, taskId as string);
      const attempts = JSON.stringify(task?.task.metadata);
      expect(attempts).toContain('"agentId":"flaky"');
      expect(attempts).toContain('"agentId":"fallback"');
    }, 90_000);
});
