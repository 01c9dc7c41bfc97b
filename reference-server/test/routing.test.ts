/**
 * The broker's routing and learning, end to end on loopback (real HTTP, PGlite, PostgreSQL where named): the SDK
 * Router's λ dial and exploration switch; only verified or client-confirmed outcomes are learned (spec §9.4: an
 * over-claiming agent is not vindicated by its own success reports); the decision record on the first Task event of
 * a stream and on a direct Message answer; context affinity; escalation after a transport error with one terminal
 * state; and learning merged across replicas through the outcome log (two replicas on PostgreSQL; restart on PGlite
 * from the snapshot and from the log alone). All agents are SIMULATED.
 */

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message, StreamResponse, Task } from '@rightsize/sdk/a2a';
import { A2AClient } from '@rightsize/sdk/client';
import {
  RIGHTSIZE_EXTENSION_URI,
  type RoutingDecision,
  readTaskExtension,
  type TaskDescriptor,
  withMessageExtension,
} from '@rightsize/sdk/rightsize';
import { a2aServer } from '@rightsize/sdk/server';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { type Broker, type BrokerOptions, createBroker } from '../src/index.js';
import { cardFor, profileOf, startTestAgent } from './support/agents.js';
import { type FreshDatabase, freshDatabase, POSTGRES_SKIP_REASON, TEST_DATABASE_URL } from './support/postgres.js';

// each test starts its own brokers (PGlite or PostgreSQL) and agents: slow on a loaded machine
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const ADMIN = 'routing-admin-key';
const KEY = 'routing-client-key';

const message = (text: string, descriptor?: TaskDescriptor, contextId?: string): Message => {
  const plain: Message = {
    messageId: randomUUID(),
    role: 'ROLE_USER',
    parts: [{ text }],
    ...(contextId ? { contextId } : {}),
  };
  return descriptor ? withMessageExtension(plain, { descriptor }) : plain;
};

async function start(options: BrokerOptions = {}): Promise<{ broker: Broker; url: string }> {
  const broker = await createBroker({
    allowPrivateNetworks: true,
    healthIntervalMs: 0,
    auth: { adminKeys: [ADMIN], clientKeys: { [KEY]: 'router-client' } },
    ...options,
  });
  return { broker, url: await broker.listen() };
}

async function admin(url: string, method: 'POST' | 'DELETE', path: string, body?: unknown, key = ADMIN) {
  const response = await request(`${url}/rightsize/v1${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), 'x-api-key': key },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
}

const register = async (url: string, agent: { cardUrl: string }) =>
  expect([200, 201]).toContain((await admin(url, 'POST', '/agents', { cardUrl: agent.cardUrl })).status);

const connect = (url: string) =>
  A2AClient.connect(url, { allowPrivateNetworks: true, auth: { apiKey: { header: 'x-api-key', value: KEY } } });

const decisionOf = (task: Task): RoutingDecision | undefined => {
  const ext = readTaskExtension(task);
  return ext?.ok ? ext.value.decision : undefined;
};

/** Everything started by a test, closed after it. */
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});
const agent = async (...args: Parameters<typeof startTestAgent>) => {
  const a = await startTestAgent(...args);
  cleanup.push(() => a.app.close());
  return a;
};
const broker = async (options: BrokerOptions = {}) => {
  const b = await start(options);
  cleanup.push(() => b.broker.close());
  return b;
};

const cheap = () => agent('cheap', profileOf({ general: 6 }, { placement: 'edge' }, 0.0001, 20), 'answer');
const strong = () =>
  agent('strong', profileOf({ general: 12 }, { placement: 'cloud' }, 0.05, 40, 'thinking'), 'answer');
const medium: TaskDescriptor = { domain: 'general', complexity: { value: 6, sigma: 0.5 } };

describe('the SDK Router as the routing engine', () => {
  it('the λ dial: λ = 0 picks the cheapest agent, a large λ the most likely to succeed', async () => {
    const agents = [await cheap(), await strong()];
    const chosen: Record<string, string> = {};
    for (const lambda of [0, 1000]) {
      const { url } = await broker({ lambda });
      for (const a of agents) await register(url, a);
      const dry = await admin(url, 'POST', '/match', { descriptor: medium });
      expect(dry.status).toBe(200);
      chosen[lambda] = dry.body.chosen;
      // every agent assessed, with its predictions (the dry run's "why not" is the full record)
      expect(dry.body.candidates.map((c: { agentId: string }) => c.agentId).sort()).toEqual(['cheap', 'strong']);
    }
    expect(chosen).toEqual({ 0: 'cheap', 1000: 'strong' });
  });

  it('exploration: off by default (the greedy choice every time); with a budget, some decisions explore; dry runs never do', async () => {
    const agents = [await cheap(), await strong()];
    const greedy = await broker();
    const exploring = await broker({ exploration: { budget: 0.5, seed: 7 } });
    for (const b of [greedy, exploring]) for (const a of agents) await register(b.url, a);
    const decisions = (b: { broker: Broker }) =>
      new Set(
        Array.from(
          { length: 20 },
          () => b.broker.routing.route({ descriptor: medium, text: 'go', inputModes: ['text/plain'] }).decision.chosen,
        ),
      );
    const dryRuns = async (b: { url: string }) => {
      const out = new Set<string>();
      for (let i = 0; i < 10; i++) out.add((await admin(b.url, 'POST', '/match', { descriptor: medium })).body.chosen);
      return out;
    };
    expect((await decisions(greedy)).size).toBe(1);
    expect((await decisions(exploring)).size).toBe(2);
    expect(await dryRuns(exploring)).toEqual(await dryRuns(greedy));
    expect((await dryRuns(exploring)).size).toBe(1);
    // Spec §7.5 `explored`: true exactly on the decisions whose choice came from an exploratory draw
    const [greedyChoice] = await decisions(greedy);
    const records = Array.from(
      { length: 20 },
      () => exploring.broker.routing.route({ descriptor: medium, text: 'go', inputModes: ['text/plain'] }).decision,
    );
    for (const r of records) expect(r.explored).toBe(r.chosen !== greedyChoice);
    expect(new Set(records.map((r) => r.explored))).toEqual(new Set([true, false]));
    expect((await admin(exploring.url, 'POST', '/match', { descriptor: medium })).body.explored).toBe(false);
    expect(greedy.broker.routing.route({ descriptor: medium, text: 'go' }).decision.explored).toBe(false);
  });

  it('an over-claiming agent is not vindicated by its own success reports; verified failures convict it (§9.4)', async () => {
    // SIMULATED: declares math ability 8 and reports every task COMPLETED
    const claimer = await agent('claimer', profileOf({ math: 8 }, { placement: 'edge' }, 0.001, 20), 'answer');
    const { broker: b, url } = await broker();
    await register(url, claimer);
    const client = await connect(url);
    cleanup.push(() => client.close());
    const task: TaskDescriptor = { domain: 'math', complexity: { value: 8, sigma: 0.3 } };
    const predicted = async () =>
      (await admin(url, 'POST', '/match', { descriptor: task })).body.candidates[0].predictions.success as number;
    const before = await predicted();
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) {
      const sent = (await client.sendMessage(message(`multiply ${i}`, task))).task as Task;
      expect(sent.status.state).toBe('TASK_STATE_COMPLETED');
      ids.push(sent.id);
    }
    // 24 self-reported successes at its declared ceiling: logged, but neither calibrate nor train the model
    const log = await b.learner.log.after(0, 1000);
    expect(log.filter((e) => e.outcome.evidence === 'self-reported')).toHaveLength(24);
    const calibration = () => b.registry.get('claimer')?.calibration ?? [];
    expect(calibration().reduce((n, c) => n + c.observations, 0)).toBe(0);
    expect(calibration().every((c) => c.verdict === 'insufficient-data')).toBe(true);
    expect(await predicted()).toBe(before);
    // the client's verified answers: every one wrong
    for (const taskId of ids)
      expect((await admin(url, 'POST', '/feedback', { taskId, success: false, verified: true }, KEY)).status).toBe(202);
    const math = calibration().find((c) => c.domain === 'math');
    expect(math).toMatchObject({ observations: 24, verdict: 'over-claimed' });
    expect(await predicted()).toBeLessThan(before);
  });
});

describe('decision records (spec §7.5)', () => {
  it('on the first Task event of a stream', async () => {
    const a = await cheap();
    const { url } = await broker();
    await register(url, a);
    const client = await connect(url);
    cleanup.push(() => client.close());
    const events: StreamResponse[] = [];
    for await (const event of client.sendStreamingMessage(message('hello', medium))) events.push(event);
    const first = events[0]?.task as Task;
    expect(first).toBeDefined();
    expect(decisionOf(first)).toMatchObject({ chosen: 'cheap', escalation: ['cheap'] });
    expect(events.at(-1)?.statusUpdate?.status.state).toBe('TASK_STATE_COMPLETED');
  });

  it('on a direct Message answer (no task)', async () => {
    const replier = await messageAgent();
    cleanup.push(() => replier.app.close());
    const { url } = await broker();
    await register(url, replier);
    const client = await connect(url);
    cleanup.push(() => client.close());
    const response = await client.sendMessage(message('just answer', medium));
    expect(response.task).toBeUndefined();
    const reply = response.message as Message;
    expect(reply.parts).toEqual([{ text: 'a direct answer' }]);
    const ext = reply.metadata?.[RIGHTSIZE_EXTENSION_URI] as { decision?: RoutingDecision } | undefined;
    expect(ext?.decision).toMatchObject({ chosen: 'replier' });
    expect(ext?.decision?.attempts).toEqual([expect.objectContaining({ agentId: 'replier' })]);
  });
});

describe('context affinity (spec §7.6)', () => {
  it('a follow-up in the context goes to the agent holding it, elsewhere once that agent can no longer serve', async () => {
    const [a, s] = [await cheap(), await strong()];
    const { url } = await broker();
    await register(url, a);
    await register(url, s);
    const client = await connect(url);
    cleanup.push(() => client.close());
    const contextId = `ctx-${randomUUID()}`;
    const easy: TaskDescriptor = { domain: 'general', complexity: { value: 1, sigma: 0.3 } };
    const hard: TaskDescriptor = { domain: 'general', complexity: { value: 10, sigma: 0.3 } };
    const first = (await client.sendMessage(message('start', easy, contextId))).task as Task;
    expect(decisionOf(first)?.chosen).toBe('cheap');
    // on its own, this follow-up would go to the strong agent; the context keeps it with the agent holding it
    const follow = (await client.sendMessage(message('and now the hard part', hard, contextId))).task as Task;
    expect(follow.contextId).toBe(contextId);
    expect(a.received.at(-1)?.parts).toEqual([{ text: 'and now the hard part' }]);
    expect(a.received.at(-1)?.contextId).toBe(a.received[0]?.contextId);
    expect(s.received).toHaveLength(0);
    // the holder leaves the registry: the next follow-up is routed afresh
    expect((await admin(url, 'DELETE', '/agents/cheap')).status).toBe(204);
    const moved = (await client.sendMessage(message('still there?', hard, contextId))).task as Task;
    expect(moved.status.state).toBe('TASK_STATE_COMPLETED');
    expect(decisionOf(moved)?.chosen).toBe('strong');
    expect(s.received).toHaveLength(1);
  });
});

describe('escalation after a transport error (spec §7.4)', () => {
  for (const fault of ['unreachable', 'connection reset'] as const) {
    it(`${fault}: the next agent of the plan answers; the client sees one terminal state`, async () => {
      const flaky = await startTestAgent(
        'flaky',
        profileOf({ general: 9 }, { placement: 'edge' }, 0.0001, 10),
        'answer',
      );
      const backup = await strong();
      const { url } = await broker();
      await register(url, flaky);
      await register(url, backup);
      const port = Number(new URL(flaky.url).port);
      await flaky.app.close();
      if (fault === 'connection reset') {
        const resetter = await listenResetting(port);
        cleanup.push(() => new Promise((resolve) => resetter.close(resolve)));
      }
      const client = await connect(url);
      cleanup.push(() => client.close());
      const events: StreamResponse[] = [];
      for await (const event of client.sendStreamingMessage(message('go', medium))) events.push(event);
      const states = events.flatMap((e) => (e.statusUpdate ? [e.statusUpdate.status.state] : []));
      expect(states.filter((s) => s !== 'TASK_STATE_WORKING')).toEqual(['TASK_STATE_COMPLETED']);
      const task = await client.getTask(events[0]?.task?.id as string);
      expect(task.status.state).toBe('TASK_STATE_COMPLETED');
      expect(decisionOf(task)?.chosen).toBe('flaky');
      expect(decisionOf(task)?.attempts?.map((x) => [x.agentId, x.state])).toEqual([
        ['flaky', 'TASK_STATE_FAILED'],
        ['strong', 'TASK_STATE_COMPLETED'],
      ]);
    });
  }
});

describe('learning merged across replicas (the outcome log)', () => {
  it('PGlite: a restart restores the same model, from the snapshot and from the log alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rightsize-routing-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const a = await cheap();
    const first = await start({ dataDir: dir });
    await register(first.url, a);
    const client = await connect(first.url);
    for (let i = 0; i < 5; i++) {
      const task = (await client.sendMessage(message(`task ${i}`, medium))).task as Task;
      await admin(first.url, 'POST', '/feedback', { taskId: task.id, success: i % 2 === 0 }, KEY);
    }
    await client.close();
    const learned = first.broker.routing.toJSON();
    expect(learned.router.learner.observations).toBe(5);
    await first.broker.close();
    const second = await start({ dataDir: dir });
    expect(second.broker.routing.toJSON()).toEqual(learned);
    // without the snapshot, the log alone gives the same model
    await second.broker.db.query('DELETE FROM learned_state');
    await second.broker.close();
    const third = await start({ dataDir: dir });
    cleanup.push(() => third.broker.close());
    expect(third.broker.learner.applied).toBe(10); // 5 self-reported (not learned) + 5 feedback
    expect(third.broker.routing.toJSON().router.learner).toEqual(learned.router.learner);
    expect(third.broker.routing.toJSON().calibration).toEqual(learned.calibration);
  }, 120_000);

  describe.skipIf(!TEST_DATABASE_URL)(
    `two replicas on PostgreSQL${TEST_DATABASE_URL ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
    () => {
      let database: FreshDatabase | undefined;
      afterAll(async () => database?.drop());

      it('outcomes learned through either replica reach both: they converge to the same model', async () => {
        database = await freshDatabase('routing');
        const [a, s] = [await cheap(), await strong()];
        const one = await broker({ databaseUrl: database.url });
        const two = await broker({ databaseUrl: database.url });
        await register(one.url, a);
        await register(one.url, s);
        await two.broker.registry.load();
        const clients = [await connect(one.url), await connect(two.url)];
        for (const c of clients) cleanup.push(() => c.close());
        // interleaved: tasks and feedback through both replicas, concurrently
        await Promise.all(
          [0, 1, 2, 3, 4, 5, 6, 7].map(async (i) => {
            const via = i % 2;
            const task = (await (clients[via] as A2AClient).sendMessage(message(`task ${i}`, medium))).task as Task;
            const to = [one, two][1 - via] as { url: string };
            const feedback = { taskId: task.id, success: i % 3 !== 0, ...(i % 4 === 0 ? { verified: true } : {}) };
            expect((await admin(to.url, 'POST', '/feedback', feedback, KEY)).status).toBe(202);
          }),
        );
        // each replica learns the other's outcomes as they arrive (NOTIFY); sync() applies whatever is left
        const last = Math.max(one.broker.learner.applied, two.broker.learner.applied);
        await expect
          .poll(() => Math.min(one.broker.learner.applied, two.broker.learner.applied))
          .toBeGreaterThanOrEqual(last);
        await Promise.all([one.broker.learner.sync(), two.broker.learner.sync()]);
        expect(one.broker.learner.applied).toBe(two.broker.learner.applied);
        const [m1, m2] = [one.broker.routing.toJSON(), two.broker.routing.toJSON()];
        expect(m1.router.learner.observations).toBe(8);
        expect(m2.router.learner).toEqual(m1.router.learner);
        expect(m2.calibration).toEqual(m1.calibration);
        // a third replica starting now reaches the same model from the snapshot and the log
        const three = await broker({ databaseUrl: database.url });
        expect(three.broker.routing.toJSON().router.learner).toEqual(m1.router.learner);
      }, 120_000);

      it('a replica learns outcomes of an identity not registered there; registering it later picks them up', async () => {
        const db = await freshDatabase('routing_identities');
        cleanup.push(() => db.drop());
        const a = await cheap();
        const one = await broker({ databaseUrl: db.url });
        const id = (await admin(one.url, 'POST', '/agents', { cardUrl: a.cardUrl })).body.id as string;
        const client = await connect(one.url);
        cleanup.push(() => client.close());
        const tasks: string[] = [];
        for (let i = 0; i < 5; i++)
          tasks.push(((await client.sendMessage(message(`task ${i}`, medium))).task as Task).id);
        const feedback = async (taskId: string, i: number) =>
          expect(
            (await admin(one.url, 'POST', '/feedback', { taskId, success: i % 2 === 0, verified: true }, KEY)).status,
          ).toBe(202);
        for (const [i, taskId] of tasks.slice(0, 4).entries()) await feedback(taskId, i);
        // deregistered: the identity's history stays, and feedback arriving now still counts
        expect((await admin(one.url, 'DELETE', `/agents/${id}`)).status).toBe(204);
        await feedback(tasks[4] as string, 4);
        expect(one.broker.routing.calibration(id)[0]?.observations).toBe(5);
        // a replica that never saw the agent registered applies the log: the outcomes wait for the identity
        const two = await broker({ databaseUrl: db.url });
        expect(two.broker.registry.get(id)).toBeUndefined();
        expect(two.broker.routing.calibration(id)).toEqual([]);
        // registered again (through the first replica): the second learns the waiting outcomes, in log order
        await register(one.url, a);
        await expect.poll(() => two.broker.routing.calibration(id)[0]?.observations ?? 0).toBe(5);
        expect(two.broker.routing.calibration(id)).toEqual(one.broker.routing.calibration(id));
        expect(two.broker.routing.toJSON().waiting).toBeUndefined();
      }, 120_000);
    },
  );
});

/** A SIMULATED agent that answers with a direct Message (no task). */
async function messageAgent(): Promise<{ app: FastifyInstance; cardUrl: string }> {
  const app = Fastify();
  let url = '';
  await app.register(a2aServer, {
    card: () => cardFor('replier', profileOf({ general: 8 }, { placement: 'edge' }, 0.0001, 10), url),
    executor: { execute: async (_context, events) => events.reply('a direct answer') },
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, cardUrl: `${url}/.well-known/agent-card.json` };
}

/** A server on `port` that accepts every connection and resets it (TCP RST): the agent's host is broken. */
async function listenResetting(port: number): Promise<Server> {
  const server = createServer((socket) => socket.resetAndDestroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}
