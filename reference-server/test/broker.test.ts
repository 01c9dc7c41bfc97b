/**
 * The broker end to end on loopback (real HTTP, embedded PGlite): registry and admin API, routing by tier,
 * constraints, NO_CAPABLE_AGENT, the decision record, escalation with one terminal state, cancel propagation,
 * relay order, auth and tenancy, SSRF refusals, and interop with @a2a-js/sdk in both directions.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageRequest as TheirSendMessageRequest, Task as TheirTask } from '@a2a-js/sdk';
import { ClientFactory } from '@a2a-js/sdk/client';
import type { Message, StreamResponse, Task } from '@rightsize/sdk/a2a';
import { A2AClient } from '@rightsize/sdk/client';
import { type A2AError, TaskNotFoundError, UnsupportedOperationError } from '@rightsize/sdk/errors';
import {
  readCapabilityProfile,
  readTaskExtension,
  type TaskDescriptor,
  withCapabilityProfile,
  withMessageExtension,
} from '@rightsize/sdk/rightsize';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { officialEchoExecutor, startOfficialAgent } from '../../sdk/test/support/official-agent.js';
import { type Broker, createBroker } from '../src/index.js';
import { Registry } from '../src/registry/registry.js';
import { profileOf, startTestAgent, type TestAgent } from './support/agents.js';

const ADMIN = 'admin-key-for-tests';
const ALICE = 'alice-key';
const BOB = 'bob-key';

let broker: Broker;
let url: string;
let agents: Record<string, TestAgent>;
let official: Awaited<ReturnType<typeof startOfficialAgent>>;

const admin = async (method: 'GET' | 'POST' | 'DELETE' | 'PUT', path: string, body?: unknown, key = ADMIN) => {
  const response = await request(`${url}/rightsize/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
};

const clientFor = (key: string) =>
  A2AClient.connect(url, { allowPrivateNetworks: true, auth: { apiKey: { header: 'x-api-key', value: key } } });

const message = (text: string, descriptor?: TaskDescriptor): Message => {
  const plain: Message = { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }] };
  return descriptor ? withMessageExtension(plain, { descriptor }) : plain;
};

const easy: TaskDescriptor = {
  domain: 'dialogue',
  complexity: { value: 1, sigma: 0.3 },
  network: { rttMs: 70, jitterMs: 40, linkType: '4g' },
  constraints: { firstResponseDeadlineMs: 300 },
};
const hard: TaskDescriptor = { domain: 'math', complexity: { value: 8, sigma: 0.5 } };

beforeAll(async () => {
  agents = Object.fromEntries(
    await Promise.all([
      startTestAgent('device', profileOf({ dialogue: 4, general: 3 }, { placement: 'device' }, 0.00001, 50), 'answer'),
      startTestAgent(
        'edge',
        profileOf({ general: 6, code: 7 }, { placement: 'edge', region: 'eu' }, 0.001, 150),
        'answer',
      ),
      startTestAgent(
        'thinker',
        profileOf({ general: 11, math: 12 }, { placement: 'cloud', region: 'us' }, 0.01, 400, 'thinking'),
        'answer',
      ),
    ]).then((list) => list.map((a) => [a.id, a])),
  );
  broker = await createBroker({
    allowPrivateNetworks: true,
    healthIntervalMs: 0,
    auth: { adminKeys: [ADMIN], clientKeys: { [ALICE]: 'alice', [BOB]: 'bob' } },
  });
  url = await broker.listen();
  official = await startOfficialAgent(
    (base) =>
      withCapabilityProfile(
        {
          name: 'official-echo (simulated)',
          description: 'An @a2a-js/sdk agent (SIMULATED echo).',
          supportedInterfaces: [{ url: `${base}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
          version: '1.0.0',
          capabilities: { streaming: true },
          defaultInputModes: ['text/plain'],
          defaultOutputModes: ['text/plain'],
          skills: [{ id: 'echo', name: 'Echo', description: 'Echoes.', tags: ['echo'] }],
        },
        profileOf({ general: 10 }, { placement: 'cloud' }, 0.0001, 50),
      ),
    officialEchoExecutor(),
  );
}, 120_000);

afterAll(async () => {
  await broker?.close();
  await Promise.all(Object.values(agents ?? {}).map((a) => a.app.close()));
  await official?.close();
});

describe('registry and admin API (spec §7.8)', () => {
  it('registers by card URL (201, then 200 for the same URL), lists, gets and reports the profile', async () => {
    for (const agent of Object.values(agents)) {
      const first = await admin('POST', '/agents', { cardUrl: agent.cardUrl });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ id: agent.id, status: 'active', signatureVerified: false });
    }
    expect((await admin('POST', '/agents', { cardUrl: agents.device?.cardUrl })).status).toBe(200);
    const list = await admin('GET', '/agents?pageSize=2');
    expect(list.body.agents.map((a: { id: string }) => a.id)).toEqual(['device', 'edge']);
    const next = await admin('GET', `/agents?pageSize=2&pageToken=${list.body.nextPageToken}`);
    expect(next.body.agents.map((a: { id: string }) => a.id)).toEqual(['thinker']);
    const one = await admin('GET', '/agents/edge');
    expect(one.body.profile.placement).toEqual({ placement: 'edge', region: 'eu' });
    expect((await admin('GET', '/agents/nobody')).status).toBe(404);
  });

  it('refuses bad bodies (400 with a BadRequest detail), unreachable cards (502), cards without a profile (400)', async () => {
    const bad = await admin('POST', '/agents', { cardUrl: 42 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.some((d: { '@type': string }) => d['@type'].endsWith('BadRequest'))).toBe(true);
    expect((await admin('POST', '/agents', { cardUrl: 'http://127.0.0.1:9/.well-known/agent-card.json' })).status).toBe(
      502,
    );
    const plain = await admin('POST', '/agents', { cardUrl: `${url}/.well-known/agent-card.json` });
    expect(plain.status).toBe(400);
    expect(plain.body.error.message).toMatch(/broker|profile/);
  });

  it('requires an admin credential: 401 without, 403 with a client key', async () => {
    expect((await admin('GET', '/agents', undefined, '')).status).toBe(401);
    expect((await admin('GET', '/agents', undefined, ALICE)).status).toBe(403);
    expect((await admin('POST', '/match', { descriptor: easy }, ALICE)).status).toBe(403);
  });

  it('refuses loopback and private card URLs unless configured (SSRF)', async () => {
    const strict = new Registry({ store: broker.store, routing: broker.routing, allowPrivateNetworks: false });
    for (const cardUrl of [agents.device?.cardUrl as string, 'http://10.0.0.1/card.json', 'http://[::1]:80/c.json']) {
      await expect(strict.register(cardUrl)).rejects.toMatchObject({ httpStatus: 403 });
    }
  });

  it('dry run: POST /match returns the decision and every "why not" without forwarding', async () => {
    const before = Object.values(agents).map((a) => a.received.length);
    const { status, body } = await admin('POST', '/match', { descriptor: easy });
    expect(status).toBe(200);
    expect(body.chosen).toBe('device');
    const others = body.candidates.filter((c: { agentId: string }) => c.agentId !== 'device');
    expect(others.length).toBeGreaterThan(0);
    for (const c of others) expect(c.reasons.length).toBeGreaterThan(0);
    expect(others.flatMap((c: { reasons: string[] }) => c.reasons)).toContain('FIRST_RESPONSE_DEADLINE');
    expect(Object.values(agents).map((a) => a.received.length)).toEqual(before);
  });
});

describe('routing and forwarding (A2A surface)', () => {
  it('serves a broker card: broker role, both bindings, the extension declared, security schemes', async () => {
    const client = await clientFor(ALICE);
    const card = client.card;
    expect(card.supportedInterfaces.map((i) => i.protocolBinding)).toEqual(['JSONRPC', 'HTTP+JSON']);
    const ext = card.capabilities.extensions?.find((e) => e.uri?.includes('rightsize'));
    expect(ext?.params).toMatchObject({ role: 'broker', registryUrl: `${url}/rightsize/v1` });
    expect(Object.keys(card.securitySchemes ?? {})).toEqual(['apiKey', 'bearer']);
    expect(readCapabilityProfile(card)?.ok).toBe(false);
    await client.close();
  });

  it('sends easy tasks to the device tier and hard ones to the thinking agent, with the decision record', async () => {
    const client = await clientFor(ALICE);
    const easyTask = (await client.sendMessage(message('hi there', easy))).task as Task;
    const hardTask = (await client.sendMessage(message('integrate this', hard))).task as Task;
    for (const [task, agent] of [
      [easyTask, 'device'],
      [hardTask, 'thinker'],
    ] as const) {
      expect(task.status.state).toBe('TASK_STATE_COMPLETED');
      const ext = readTaskExtension(task);
      expect(ext?.ok).toBe(true);
      if (!ext?.ok) continue;
      expect(ext.value.decision?.chosen).toBe(agent);
      expect(ext.value.decision?.attempts).toEqual([
        expect.objectContaining({ agentId: agent, state: 'TASK_STATE_COMPLETED' }),
      ]);
      expect(ext.value.usage).toMatchObject({ outputTokens: 7 });
      expect(task.status.message?.parts).toEqual([{ text: `answer from ${agent}` }]);
      expect(task.artifacts?.[0]?.parts).toEqual([{ text: `partial from ${agent}` }]);
    }
    // the agent got the message without the client's network conditions (spec §7.6, §10.3)
    const forwarded = agents.device?.received.at(-1) as Message;
    expect(JSON.stringify(forwarded.metadata)).not.toContain('rttMs');
    await client.close();
  });

  it('honours placement, region and cost caps', async () => {
    const client = await clientFor(ALICE);
    const euOnly = await client.sendMessage(
      message('code', {
        domain: 'code',
        complexity: { value: 5, sigma: 0.5 },
        constraints: { allowedRegions: ['eu'] },
      }),
    );
    expect(readTaskExtension(euOnly.task as Task)?.ok && readTaskExtension(euOnly.task as Task)).toMatchObject({
      value: { decision: { chosen: 'edge' } },
    });
    const cheap = { ...hard, constraints: { maxCost: { amount: 0.005, currency: 'USD' } } };
    // the cost cap is always hard (spec §7.7): the thinker is out; the others only lack capability, so by default
    // the task is served best effort by one of them, flagged in the decision
    const bestEffort = (await client.sendMessage(message('hard but cheap', cheap))).task as Task;
    const record = readTaskExtension(bestEffort);
    expect(record?.ok).toBe(true);
    if (record?.ok) {
      expect(record.value.decision).toMatchObject({ bestEffort: true, selection: ['BEST_EFFORT'] });
      expect(['device', 'edge']).toContain(record.value.decision?.chosen);
      expect(record.value.decision?.escalation).toEqual([record.value.decision?.chosen]);
    }
    const capped = await client
      .sendMessage(message('hard but cheap', { ...cheap, hardConstraints: true }))
      .catch((e: unknown) => e);
    expect(capped).toBeInstanceOf(UnsupportedOperationError);
    await client.close();
  });

  it('answers NO_CAPABLE_AGENT (-32004) with the decision and the closest agent (spec §7.7)', async () => {
    const client = await clientFor(ALICE);
    const impossible: TaskDescriptor = { domain: 'math', complexity: { value: 20, sigma: 0.2 } };
    // by default the closest agent serves it best effort, flagged in the decision record
    const served = (await client.sendMessage(message('impossible', impossible))).task as Task;
    const record = readTaskExtension(served);
    expect(record?.ok && record.value.decision).toMatchObject({ bestEffort: true, selection: ['BEST_EFFORT'] });
    // with hard constraints the broker refuses
    const error = (await client
      .sendMessage(message('impossible', { ...impossible, hardConstraints: true }))
      .catch((e: unknown) => e)) as A2AError;
    expect(error).toBeInstanceOf(UnsupportedOperationError);
    const info = error.details.find((d) => (d as { reason?: string }).reason === 'NO_CAPABLE_AGENT') as unknown as {
      domain: string;
      metadata: Record<string, string>;
    };
    expect(info.domain).toBe('rightsize.dev');
    expect(['device', 'edge', 'thinker']).toContain(info.metadata.bestAgent);
    expect(info.metadata.reasons).toBe('CAPABILITY_CEILING');
    const detail = error.details.find((d) => String(d['@type']).endsWith('NoCapableAgent')) as unknown as {
      decision: { chosen: null; candidates: unknown[] };
    };
    expect(detail.decision.chosen).toBeNull();
    expect(detail.decision.candidates.length).toBe(3);
    await client.close();
  });

  it('refuses new tasks at the concurrency limit as transient: HTTP 503 with Retry-After, RetryInfo (spec §7.7)', async () => {
    const busy = await createBroker({
      allowPrivateNetworks: true,
      healthIntervalMs: 0,
      maxConcurrentTasks: 0,
      auth: { adminKeys: [ADMIN], clientKeys: { [ALICE]: 'alice' } },
    });
    try {
      const base = await busy.listen();
      const card = (await (await request(`${base}/.well-known/agent-card.json`)).body.json()) as {
        supportedInterfaces: Array<{ url: string; protocolBinding: string }>;
      };
      const rest = card.supportedInterfaces.find((i) => i.protocolBinding === 'HTTP+JSON')?.url as string;
      const response = await request(`${rest}/message:send`, {
        method: 'POST',
        headers: { 'content-type': 'application/a2a+json', 'x-api-key': ALICE },
        body: JSON.stringify({ message: message('hi there', easy) }),
      });
      const body = (await response.body.json()) as { error: { details: Array<Record<string, unknown>> } };
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
      expect(body.error.details).toContainEqual({
        '@type': 'type.googleapis.com/google.rpc.RetryInfo',
        retryDelay: '1s',
      });
    } finally {
      await busy.close();
    }
  }, 90_000); // starts its own broker (PGlite): slow on a loaded machine

  it('escalates after a failing agent; the client sees one terminal state and no failed artifact', async () => {
    const edge = agents.edge as TestAgent;
    edge.behaviour = 'fail';
    try {
      const client = await clientFor(ALICE);
      const events: StreamResponse[] = [];
      for await (const event of client.sendStreamingMessage(
        message('code', { domain: 'code', complexity: { value: 5, sigma: 0.5 } }),
      ))
        events.push(event);
      const states = events.map((e) => e.statusUpdate?.status.state).filter(Boolean);
      const terminal = states.filter((s) => s !== 'TASK_STATE_WORKING' && s !== 'TASK_STATE_SUBMITTED');
      expect(terminal).toEqual(['TASK_STATE_COMPLETED']);
      const artifacts = events.flatMap((e) => (e.artifactUpdate ? [e.artifactUpdate.artifact.parts] : []));
      expect(artifacts).toEqual([[{ text: 'partial from thinker' }]]);
      const taskId = events[0]?.task?.id as string;
      const task = await client.getTask(taskId);
      const ext = readTaskExtension(task);
      expect(ext?.ok && ext.value.decision?.attempts?.map((a) => [a.agentId, a.state])).toEqual([
        ['edge', 'TASK_STATE_FAILED'],
        ['thinker', 'TASK_STATE_COMPLETED'],
      ]);
      await client.close();
    } finally {
      edge.behaviour = 'answer';
    }
  });

  it('relays events in order under the broker ids (stream: task, working…, artifact, completed)', async () => {
    const client = await clientFor(ALICE);
    const events: StreamResponse[] = [];
    for await (const event of client.sendStreamingMessage(message('hi', easy))) events.push(event);
    const kinds = events.map((e) =>
      e.task ? 'task' : e.artifactUpdate ? 'artifact' : (e.statusUpdate?.status.state ?? 'message'),
    );
    expect(kinds[0]).toBe('task');
    expect(kinds.at(-1)).toBe('TASK_STATE_COMPLETED');
    expect(kinds.indexOf('artifact')).toBeGreaterThan(kinds.indexOf('TASK_STATE_WORKING'));
    const id = events[0]?.task?.id;
    for (const e of events) expect(e.statusUpdate?.taskId ?? e.artifactUpdate?.taskId ?? id).toBe(id);
    await client.close();
  });

  it('propagates CancelTask downstream', async () => {
    const thinker = agents.thinker as TestAgent;
    thinker.behaviour = 'wait';
    try {
      const client = await clientFor(ALICE);
      const stream = client.sendStreamingMessage(message('long', hard));
      const first = await stream.next();
      const taskId = (first.value as StreamResponse).task?.id as string;
      // wait until the agent has the task, then cancel through the broker
      while (thinker.received.length === 0 || (await broker.store.route(taskId))?.downstreamTaskId === undefined)
        await new Promise((r) => setImmediate(r));
      const canceled = await client.cancelTask(taskId);
      expect(canceled.status.state).toBe('TASK_STATE_CANCELED');
      const downstream = (await broker.store.route(taskId))?.downstreamTaskId as string;
      await expect.poll(() => thinker.canceled.includes(downstream), { timeout: 5000 }).toBe(true);
      await stream.return(undefined);
      await client.close();
    } finally {
      thinker.behaviour = 'answer';
    }
  });

  it("enforces the completion deadline: the agent's task is canceled and the client sees FAILED", async () => {
    const device = agents.device as TestAgent;
    device.behaviour = 'wait';
    device.canceled.length = 0;
    try {
      const client = await clientFor(ALICE);
      const response = await client.sendMessage(
        message('quick please', {
          ...easy,
          outputTokens: 10,
          constraints: { ...easy.constraints, completionDeadlineMs: 1500 },
        }),
      );
      const task = response.task as Task;
      expect(task.status.state).toBe('TASK_STATE_FAILED');
      expect(JSON.stringify(task.status.message?.parts)).toContain('deadline of 1500 ms passed');
      await expect.poll(() => device.canceled.length, { timeout: 5000 }).toBe(1);
      await client.close();
    } finally {
      device.behaviour = 'answer';
    }
  });

  it('keeps each caller to its own tasks and refuses unauthenticated calls', async () => {
    const alice = await clientFor(ALICE);
    const bob = await clientFor(BOB);
    const task = (await alice.sendMessage(message('mine', easy))).task as Task;
    expect((await alice.getTask(task.id)).id).toBe(task.id);
    await expect(bob.getTask(task.id)).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(bob.cancelTask(task.id)).rejects.toBeInstanceOf(TaskNotFoundError);
    const anonymous = await request(`${url}/a2a/rest/tasks/${task.id}`, { headers: { 'a2a-version': '1.0' } });
    expect(anonymous.statusCode).toBe(401);
    await anonymous.body.dump();
    await alice.close();
    await bob.close();
  });

  it('logs every outcome but learns only from feedback (spec §9.4); POST /feedback → 202, unknown task → 404', async () => {
    const client = await clientFor(ALICE);
    const observed = () => broker.registry.get('device')?.calibration[0]?.observations ?? 0;
    const before = observed();
    const task = (await client.sendMessage(message('hi', easy))).task as Task;
    expect(observed()).toBe(before); // the agent's own COMPLETED does not count
    const ok = await admin('POST', '/feedback', { taskId: task.id, success: false, verified: true }, ALICE);
    expect(ok.status).toBe(202);
    expect((await admin('POST', '/feedback', { taskId: 'nope', success: true }, ALICE)).status).toBe(404);
    const log = await broker.learner.log.after(0, 10_000);
    expect(
      log
        .filter((e) => e.outcome.taskId === task.id)
        .map((e) => [e.outcome.source, e.outcome.evidence, e.outcome.success]),
    ).toEqual([
      ['state', 'self-reported', true],
      ['feedback', 'verified', false],
    ]);
    expect(observed()).toBe(before + 1);
    await client.close();
  });

  it('serves /metrics with routed attempts by agent and outcome', async () => {
    const response = await request(`${url}/metrics`, { headers: { 'x-api-key': ADMIN } });
    const text = await response.body.text();
    expect(text).toMatch(/rightsize_broker_attempts_total\{agent="device",outcome="completed"\} \d+/);
    expect(text).toMatch(/rightsize_broker_escalations_total\{from="edge",to="thinker"\} 1/);
    expect(text).not.toContain(ALICE);
  });
});

describe('interop with @a2a-js/sdk', () => {
  it('the @a2a-js/sdk client talks to the broker; the broker forwards to an @a2a-js/sdk agent', async () => {
    const registered = await admin('POST', '/agents', { cardUrl: `${official.baseUrl}/.well-known/agent-card.json` });
    expect(registered.body).toMatchObject({ id: 'official-echo' });
    const theirs = await new ClientFactory().createFromUrl(url);
    const m = message('task: hello broker', { domain: 'general', skill: 'echo', complexity: { value: 1, sigma: 0.2 } });
    // their client sends no credentials by default: the broker's A2A surface needs one here
    const error = await theirs.sendMessage(TheirSendMessageRequest.fromJSON({ message: m })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const result = await theirs.sendMessage(TheirSendMessageRequest.fromJSON({ message: m }), {
      serviceParameters: { 'x-api-key': ALICE },
    });
    const task = TheirTask.toJSON(result as TheirTask) as Task;
    expect(task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(task.artifacts?.[0]?.parts).toEqual([{ text: 'hello broker' }]);
    const ext = readTaskExtension(task);
    expect(ext?.ok && ext.value.decision?.chosen).toBe('official-echo');
  });
});
