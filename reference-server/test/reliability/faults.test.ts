/**
 * Downstream faults (issue 14): a cheap agent that answers HTTP 500, invalid JSON, crashes mid-stream (the socket is
 * destroyed after its first event) or hangs (before answering, or after its first event); a capable agent behind it.
 * The broker escalates per the plan and the client sees one terminal state (COMPLETED through the fallback, with the
 * failed attempt in the decision record). A hang with a completion deadline: the hanging attempt is cut off in time
 * for the next agent of the plan to finish within the deadline (escalation), and with no agent left the task fails
 * with a clear message when the deadline passes; either way the hanging agent is canceled (CancelTask, or the
 * request aborted when it never answered).
 */
import { randomUUID } from 'node:crypto';
import type { Task } from '@rightsize/sdk/a2a';
import { RIGHTSIZE_EXTENSION_URI, withMessageExtension } from '@rightsize/sdk/rightsize';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, createBroker } from '../../src/index.js';
import { cardFor, profileOf, startTestAgent, type TestAgent } from '../support/agents.js';

type Fault = 'http500' | 'invalid' | 'crash' | 'hang' | 'hang-mid';

/** A SIMULATED faulty agent: a valid card with a cheap profile, and a JSON-RPC endpoint that misbehaves. */
async function faultyAgent(): Promise<{
  app: FastifyInstance;
  cardUrl: string;
  fault: { kind: Fault };
  /** Downstream task ids the broker sent CancelTask for. */
  canceled: string[];
  /** How many requests the broker aborted (closed before the agent answered). */
  aborted: number;
}> {
  const app = Fastify();
  const fault = { kind: 'http500' as Fault };
  const seen = { canceled: [] as string[], aborted: 0 };
  let url = '';
  app.get('/.well-known/agent-card.json', async () =>
    cardFor('flaky', profileOf({ general: 8 }, { placement: 'edge' }, 0.00001, 10), url),
  );
  app.post('/a2a/jsonrpc', async (req, reply) => {
    const body = req.body as { id?: number; method?: string; params?: { id?: string } };
    const id = body.id ?? 1;
    if (body.method === 'CancelTask') {
      seen.canceled.push(body.params?.id ?? '');
      const task = { id: body.params?.id, contextId: 'c', status: { state: 'TASK_STATE_CANCELED' } };
      return { jsonrpc: '2.0', id, result: task };
    }
    if (fault.kind === 'hang' || fault.kind === 'hang-mid')
      req.raw.once('close', () => {
        if (!reply.raw.writableEnded) seen.aborted++;
      });
    if (fault.kind === 'http500') return reply.code(500).send({ oops: true });
    if (fault.kind === 'invalid') return reply.type('application/json').send('{"jsonrpc":"2.0","id":');
    if (fault.kind === 'hang') return new Promise(() => undefined);
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
    const event = { task: { id: randomUUID(), contextId: randomUUID(), status: { state: 'TASK_STATE_WORKING' } } };
    const first = `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: event })}\n\n`;
    // crash: the agent process dies mid-stream, once its first event is written (no timer)
    if (fault.kind === 'crash') reply.raw.write(first, () => reply.raw.destroy());
    else reply.raw.write(first);
    // hang-mid: the agent sent its task and then never sends anything again
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    cardUrl: `${url}/.well-known/agent-card.json`,
    fault,
    get canceled() {
      return seen.canceled;
    },
    get aborted() {
      return seen.aborted;
    },
  };
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

const figures = { hang: [] as Array<{ kind: string; deadlineMs: number; endedMs: number; state: string }> };

afterAll(async () => {
  console.info(`faults: ${JSON.stringify(figures)}`);
  await broker?.close();
  await flaky?.app.close();
  await fallback?.app.close();
}, 60_000);

const send = async (streaming: boolean, deadlineMs?: number, base = url) => {
  const message = withMessageExtension(
    { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'do it' }] },
    {
      descriptor: {
        domain: 'general',
        complexity: { value: 3, sigma: 0.3 },
        ...(deadlineMs !== undefined ? { constraints: { completionDeadlineMs: deadlineMs } } : {}),
      },
    },
  );
  const r = await request(`${base}/a2a/rest/message:${streaming ? 'stream' : 'send'}`, {
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

/** The decision record's attempts: which agent, how it ended. */
const attemptsOf = (task: Task | undefined) =>
  (
    (
      task?.metadata?.[RIGHTSIZE_EXTENSION_URI] as {
        decision?: { attempts?: Array<{ agentId: string; state: string }> };
      }
    )?.decision?.attempts ?? []
  ).map(({ agentId, state }) => ({ agentId, state }));

/** A failed attempt marks the agent down; the tests bring it back (a health check) so that each starts with it. */
const inject = async (kind: Fault, ...brokers: Broker[]) => {
  flaky.fault.kind = kind;
  for (const b of brokers) expect(await b.registry.check('flaky')).toBe(true);
};

describe('downstream faults', () => {
  for (const kind of ['http500', 'invalid', 'crash'] as const)
    it(`${kind}: the broker escalates to the fallback; one terminal state, the failed attempt recorded`, async () => {
      await inject(kind, broker);
      const events = await send(kind === 'crash');
      expect(terminalStates(events)).toEqual(['TASK_STATE_COMPLETED']);
      const last = events.at(-1) as { task?: { id: string }; statusUpdate?: { taskId: string } };
      const taskId = last.task?.id ?? last.statusUpdate?.taskId;
      const task = await broker.store.tasks.get({ tenant: '', owner: 'admin' }, taskId as string);
      expect(attemptsOf(task?.task)).toEqual([
        { agentId: 'flaky', state: 'TASK_STATE_FAILED' },
        { agentId: 'fallback', state: 'TASK_STATE_COMPLETED' },
      ]);
    }, 90_000);
});

describe('a downstream agent that hangs, with a completion deadline', () => {
  /** Both agents predict ~2.6 s at p95: 8 s leaves room for the fallback after the cheap agent (a plan of two). */
  const ROOMY = 8000;
  /** 3 s does not: the plan is the cheap agent alone (the policy allows no escalation). */
  const TIGHT = 3000;
  /** Allowed past the deadline: the cancel round trip and the loaded machine. */
  const BOUND = 2000;

  const planOf = (task: Task | undefined) =>
    (task?.metadata?.[RIGHTSIZE_EXTENSION_URI] as { decision?: { escalation?: string[] } })?.decision?.escalation;

  /** The hanging attempt was canceled downstream: CancelTask when its task id was known, else its request aborted. */
  const expectCanceled = async (kind: Fault, before: { canceled: number; aborted: number }) => {
    if (kind === 'hang-mid') expect(flaky.canceled.length).toBe(before.canceled + 1);
    else await expect.poll(() => flaky.aborted, { timeout: 5000 }).toBe(before.aborted + 1);
  };

  for (const kind of ['hang', 'hang-mid'] as const) {
    it(`${kind}: the attempt is cut off in time to escalate; COMPLETED by the fallback within the deadline`, async () => {
      await inject(kind, broker);
      const before = { canceled: flaky.canceled.length, aborted: flaky.aborted };
      const started = performance.now();
      const events = await send(false, ROOMY);
      const elapsed = performance.now() - started;
      const task = events.at(-1)?.task as Task | undefined;
      expect(planOf(task)).toEqual(['flaky', 'fallback']);
      expect(terminalStates(events)).toEqual(['TASK_STATE_COMPLETED']);
      expect(elapsed).toBeLessThan(ROOMY + BOUND);
      expect(attemptsOf(task)).toEqual([
        { agentId: 'flaky', state: 'TASK_STATE_FAILED' },
        { agentId: 'fallback', state: 'TASK_STATE_COMPLETED' },
      ]);
      await expectCanceled(kind, before);
      figures.hang.push({ kind, deadlineMs: ROOMY, endedMs: Math.round(elapsed), state: 'COMPLETED' });
    }, 60_000);

    it(`${kind}: no room to escalate, the task FAILS when the deadline passes, one terminal state, agent canceled`, async () => {
      await inject(kind, broker);
      const before = { canceled: flaky.canceled.length, aborted: flaky.aborted };
      const started = performance.now();
      const events = await send(true, TIGHT);
      const elapsed = performance.now() - started;
      expect(terminalStates(events)).toEqual(['TASK_STATE_FAILED']);
      expect(elapsed).toBeGreaterThanOrEqual(TIGHT - 50);
      expect(elapsed).toBeLessThan(TIGHT + BOUND);
      expect(JSON.stringify(events.at(-1))).toContain(`completion deadline of ${TIGHT} ms passed`);
      const taskId = (events.at(-1) as { statusUpdate?: { taskId: string } }).statusUpdate?.taskId as string;
      const stored = await broker.store.tasks.get({ tenant: '', owner: 'admin' }, taskId);
      expect(planOf(stored?.task)).toEqual(['flaky']);
      await expectCanceled(kind, before);
      figures.hang.push({ kind, deadlineMs: TIGHT, endedMs: Math.round(elapsed), state: 'FAILED' });
    }, 60_000);
  }
});

describe('a downstream agent that hangs, with no deadline (idle timeout)', () => {
  /** A short idle timeout for the test; the default is 600 000 ms. */
  const IDLE = 1500;
  let patient: Broker;
  let patientUrl: string;

  beforeAll(async () => {
    patient = await createBroker({
      allowPrivateNetworks: true,
      healthIntervalMs: 0,
      auth: { adminKeys: [KEY] },
      idleTimeoutMs: IDLE,
    });
    patientUrl = await patient.listen();
    await patient.registry.register(flaky.cardUrl);
    await patient.registry.register(fallback.cardUrl);
  }, 90_000);
  afterAll(async () => patient?.close(), 60_000);

  for (const kind of ['hang', 'hang-mid'] as const) {
    it(`${kind}: after ${IDLE} ms of silence the attempt fails, the agent's task is canceled, the fallback answers`, async () => {
      await inject(kind, patient);
      const before = { canceled: flaky.canceled.length, aborted: flaky.aborted };
      const started = performance.now();
      const events = await send(true, undefined, patientUrl);
      const elapsed = performance.now() - started;
      expect(terminalStates(events)).toEqual(['TASK_STATE_COMPLETED']);
      expect(elapsed).toBeGreaterThanOrEqual(IDLE - 50);
      expect(JSON.stringify(events)).toContain(`flaky sent nothing for ${IDLE} ms (idle timeout)`);
      const taskId = (events.at(-1) as { statusUpdate?: { taskId: string } }).statusUpdate?.taskId as string;
      const stored = await patient.store.tasks.get({ tenant: '', owner: 'admin' }, taskId);
      expect(attemptsOf(stored?.task)).toEqual([
        { agentId: 'flaky', state: 'TASK_STATE_FAILED' },
        { agentId: 'fallback', state: 'TASK_STATE_COMPLETED' },
      ]);
      if (kind === 'hang-mid') expect(flaky.canceled.length).toBe(before.canceled + 1);
      else await expect.poll(() => flaky.aborted, { timeout: 5000 }).toBe(before.aborted + 1);
    }, 60_000);
  }
});
