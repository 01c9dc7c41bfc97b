/**
 * The broker → agent hop (issue 11): a blocking SendMessage is forwarded with the agent's SendMessage (no SSE at
 * either end) when nobody can watch the attempt's progress; a streaming request, a completion deadline (the broker
 * must be able to cancel the agent's task), a non-blocking request and a broker whose idle timeout is shorter than a
 * request to an agent may take (only a stream shows the agent alive) still stream from the agent. Escalation
 * after a failed unary attempt keeps one terminal state and no failed artifact. SIMULATED agents, embedded PGlite.
 */
import { randomUUID } from 'node:crypto';
import type { Message, StreamResponse, Task } from '@rightsize/sdk/a2a';
import { A2AClient } from '@rightsize/sdk/client';
import { readTaskExtension, type TaskDescriptor, withMessageExtension } from '@rightsize/sdk/rightsize';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Broker, createBroker } from '../src/index.js';
import { profileOf, startTestAgent, type TestAgent } from './support/agents.js';

let broker: Broker;
let client: A2AClient;
let edge: TestAgent;
let thinker: TestAgent;
/** The JSON-RPC methods each agent was called with, in order. */
const methods: Record<string, string[]> = { edge: [], thinker: [] };

const recordMethods = (id: string) => (app: FastifyInstance) =>
  app.addHook('preHandler', async (request) => {
    const method = (request.body as { method?: unknown } | undefined)?.method;
    if (typeof method === 'string') methods[id]?.push(method);
  });

const message = (text: string, descriptor: TaskDescriptor): Message =>
  withMessageExtension({ messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }] }, { descriptor });

const code: TaskDescriptor = { domain: 'code', complexity: { value: 5, sigma: 0.5 } };

beforeAll(async () => {
  edge = await startTestAgent(
    'edge',
    profileOf({ general: 6, code: 7 }, { placement: 'edge', region: 'eu' }, 0.001, 150),
    'answer',
    recordMethods('edge'),
  );
  thinker = await startTestAgent(
    'thinker',
    profileOf({ general: 11, code: 12 }, { placement: 'cloud', region: 'us' }, 0.01, 400, 'thinking'),
    'answer',
    recordMethods('thinker'),
  );
  broker = await createBroker({ allowPrivateNetworks: true, healthIntervalMs: 0 });
  const url = await broker.listen();
  await broker.registry.register(edge.cardUrl);
  await broker.registry.register(thinker.cardUrl);
  client = await A2AClient.connect(url, { allowPrivateNetworks: true });
}, 120_000);

afterAll(async () => {
  await client?.close();
  await broker?.close();
  await Promise.all([edge?.app.close(), thinker?.app.close()]);
});

beforeEach(() => {
  methods.edge = [];
  methods.thinker = [];
  edge.behaviour = 'answer';
});

describe('the hop to the agent', () => {
  it("forwards a blocking SendMessage with the agent's SendMessage and relays its answer, usage and decision", async () => {
    const task = (await client.sendMessage(message('write code', code))).task as Task;
    // One call: the answer carries the usage report (no GetTask after the stream).
    expect(methods.edge).toEqual(['SendMessage']);
    expect(task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(JSON.stringify(task.status.message?.parts)).toContain('answer from edge');
    expect(task.artifacts?.map((a) => a.parts)).toEqual([[{ text: 'partial from edge' }]]);
    const ext = readTaskExtension(task);
    expect(ext?.ok && ext.value.usage?.outputTokens).toBe(7);
    expect(ext?.ok && ext.value.decision?.attempts?.map((a) => [a.agentId, a.state])).toEqual([
      ['edge', 'TASK_STATE_COMPLETED'],
    ]);
  });

  it('escalates after a failed unary attempt: one terminal state, no artifact of the failed attempt', async () => {
    edge.behaviour = 'fail';
    const task = (await client.sendMessage(message('write code', code))).task as Task;
    expect(methods.edge).toEqual(['SendMessage']);
    // The broker's task exists once it says it escalates: the next attempt streams (and reads the usage report
    // from the agent's task, which a stream's final status update does not carry).
    expect(methods.thinker).toEqual(['SendStreamingMessage', 'GetTask']);
    expect(task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(task.artifacts?.map((a) => a.parts)).toEqual([[{ text: 'partial from thinker' }]]);
    const ext = readTaskExtension(task);
    expect(ext?.ok && ext.value.decision?.attempts?.map((a) => [a.agentId, a.state])).toEqual([
      ['edge', 'TASK_STATE_FAILED'],
      ['thinker', 'TASK_STATE_COMPLETED'],
    ]);
  });

  it('streams from the agent for SendStreamingMessage, a completion deadline and a non-blocking request', async () => {
    const events: StreamResponse[] = [];
    for await (const event of client.sendStreamingMessage(message('write code', code))) events.push(event);
    expect(events.at(-1)?.statusUpdate?.status.state).toBe('TASK_STATE_COMPLETED');
    const deadline = { ...code, constraints: { completionDeadlineMs: 60_000 } };
    const withDeadline = (await client.sendMessage(message('write code', deadline))).task as Task;
    expect(withDeadline.status.state).toBe('TASK_STATE_COMPLETED');
    await client.sendMessage(message('write code', code), { configuration: { returnImmediately: true } });
    const sends = () => (methods.edge ?? []).filter((m) => m.startsWith('Send'));
    await expect.poll(() => sends().length).toBe(3);
    expect(sends()).toEqual(['SendStreamingMessage', 'SendStreamingMessage', 'SendStreamingMessage']);
  });

  it('streams when the idle timeout is shorter than a request may take: only events show the agent alive', async () => {
    const short = await createBroker({ allowPrivateNetworks: true, healthIntervalMs: 0, idleTimeoutMs: 60_000 });
    try {
      const shortClient = await A2AClient.connect(await short.listen(), { allowPrivateNetworks: true });
      await short.registry.register(edge.cardUrl);
      const task = (await shortClient.sendMessage(message('write code', code))).task as Task;
      expect(task.status.state).toBe('TASK_STATE_COMPLETED');
      expect(methods.edge?.filter((m) => m.startsWith('Send'))).toEqual(['SendStreamingMessage']);
      await shortClient.close();
    } finally {
      await short.close();
    }
  }, 60_000);
});
