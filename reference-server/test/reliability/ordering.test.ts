/**
 * Clock and ordering (issue 14): a SIMULATED downstream agent that sends its status and artifact updates twice and
 * out of order over SSE — every status update and artifact update duplicated, a progress update older than one
 * already sent, a chunk repeated after its artifact's last chunk, the terminal state twice. Through the broker the
 * client sees each update once, in order: progress messages in the agent's time order, each artifact event once
 * (the artifact's content exactly what the agent meant), one terminal state.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, createBroker } from '../../src/index.js';
import { cardFor, profileOf } from '../support/agents.js';
import { openSse, type RawSseEvent } from '../support/sse.js';

const KEY = 'ordering-key';

/** The updates of one task as the SIMULATED agent sends them (duplicates and a late one included). */
function disorderedStream(taskId: string, contextId: string): unknown[] {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const status = (state: string, s: number, text?: string) => ({
    statusUpdate: {
      taskId,
      contextId,
      status: {
        state,
        timestamp: at(s),
        ...(text ? { message: { messageId: `m-${s}`, role: 'ROLE_AGENT', parts: [{ text }] } } : {}),
      },
    },
  });
  const artifact = (artifactId: string, text: string, options: { append?: boolean; lastChunk?: boolean } = {}) => ({
    artifactUpdate: { taskId, contextId, artifact: { artifactId, parts: [{ text }] }, ...options },
  });
  const twice = <T>(event: T) => [event, event];
  return [
    { task: { id: taskId, contextId, status: { state: 'TASK_STATE_SUBMITTED', timestamp: at(0) } } },
    ...twice(status('TASK_STATE_WORKING', 1, 'step 1')),
    ...twice(artifact('answer', 'Hello')),
    ...twice(status('TASK_STATE_WORKING', 3, 'step 3')),
    status('TASK_STATE_WORKING', 2, 'step 2 (late)'), // older than step 3: it arrives out of order
    ...twice(artifact('answer', ' world', { append: true, lastChunk: true })),
    ...twice(artifact('notes', 'second artifact', { lastChunk: true })),
    ...twice(status('TASK_STATE_COMPLETED', 4, 'done')),
  ];
}

/** A SIMULATED streaming agent whose SSE stream is `disorderedStream`. */
async function disorderlyAgent(): Promise<{ app: FastifyInstance; cardUrl: string }> {
  const app = Fastify();
  let url = '';
  app.get('/.well-known/agent-card.json', async () =>
    cardFor('disorderly', profileOf({ general: 8 }, { placement: 'cloud' }, 0.001, 10), url),
  );
  app.post('/a2a/jsonrpc', async (req, reply) => {
    const id = (req.body as { id?: string }).id ?? 1;
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const result of disorderedStream(randomUUID(), randomUUID()))
      reply.raw.write(`data: ${JSON.stringify({ jsonrpc: '2.0', id, result })}\n\n`);
    reply.raw.end();
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, cardUrl: `${url}/.well-known/agent-card.json` };
}

let broker: Broker;
let url: string;
let agent: Awaited<ReturnType<typeof disorderlyAgent>>;

beforeAll(async () => {
  agent = await disorderlyAgent();
  broker = await createBroker({ allowPrivateNetworks: true, healthIntervalMs: 0, auth: { adminKeys: [KEY] } });
  url = await broker.listen();
  await broker.registry.register(agent.cardUrl);
}, 90_000);

afterAll(async () => {
  await broker?.close();
  await agent?.app.close();
}, 60_000);

type Event = {
  statusUpdate?: { status: { state: string; message?: { parts: Array<{ text?: string }> } } };
  task?: { id: string; status: { state: string } };
  artifactUpdate?: { artifact: { artifactId: string; parts: Array<{ text?: string }> }; append?: boolean };
};

describe('duplicated and out-of-order events from a downstream agent (simulated)', () => {
  it('the client sees each update once, in order, and one terminal state', async () => {
    const stream = await openSse(`${url}/a2a/rest/message:stream`, {
      body: { message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'go' }] } },
      headers: { 'x-api-key': KEY },
    });
    expect(stream.status).toBe(200);
    const events: Event[] = [];
    for (let e: RawSseEvent | undefined = await stream.next(); e; e = await stream.next()) events.push(e.data as Event);

    const states = events.map((e) => e.statusUpdate?.status.state ?? e.task?.status.state).filter(Boolean);
    expect(states.filter((s) => s !== 'TASK_STATE_WORKING' && s !== 'TASK_STATE_SUBMITTED')).toEqual([
      'TASK_STATE_COMPLETED',
    ]);
    const progress = events
      .filter((e) => e.statusUpdate?.status.state === 'TASK_STATE_WORKING')
      .map((e) => e.statusUpdate?.status.message?.parts[0]?.text);
    expect(progress).toEqual(['step 1', 'step 3']);
    const artifactEvents = events
      .filter((e) => e.artifactUpdate)
      .map((e) => `${e.artifactUpdate?.artifact.artifactId}${e.artifactUpdate?.append ? '+' : '='}`);
    expect(artifactEvents).toEqual(['answer=', 'answer+', 'notes=']);

    // what the broker stored: each artifact exactly as the agent meant it
    const taskId = events[0]?.task?.id as string;
    const stored = await broker.store.tasks.get({ tenant: '', owner: 'admin' }, taskId);
    const text = (id: string) =>
      stored?.task.artifacts
        ?.find((a) => a.artifactId === id)
        ?.parts.map((p) => ('text' in p ? p.text : ''))
        .join('');
    expect(text('answer')).toBe('Hello world');
    expect(text('notes')).toBe('second artifact');
    const sent = disorderedStream('t', 'c').length;
    console.info(`ordering: ${JSON.stringify({ sent, relayed: events.length, dropped: sent - 1 - events.length })}`);
  }, 60_000);
});
