/**
 * Push notifications from the broker (A2A §4.3): a client's push config on a broker task receives the task's
 * updates, relayed from a SIMULATED downstream agent, at a webhook receiver on loopback, with the config's token
 * and authentication; a second config with other credentials gets its own.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StreamResponse } from '@rightsize/sdk/a2a';
import { A2AClient } from '@rightsize/sdk/client';
import { withMessageExtension } from '@rightsize/sdk/rightsize';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, createBroker } from '../src/index.js';
import { profileOf, registerAgent, startTestAgent, type TestAgent } from './support/agents.js';

const ADMIN = 'push-admin-key';
const ALICE = 'push-alice-key';

interface Delivery {
  readonly path: string;
  readonly token: string | undefined;
  readonly authorization: string | undefined;
  readonly event: StreamResponse;
}

let broker: Broker;
let url: string;
let agent: TestAgent;
let receiver: FastifyInstance;
let hook: string;
const deliveries: Delivery[] = [];
const terminal = new Map<string, () => void>();

beforeAll(async () => {
  agent = await startTestAgent('pusher', profileOf({ general: 8 }, { placement: 'cloud' }, 0.001, 50), 'steps');
  receiver = Fastify();
  receiver.addContentTypeParser('application/a2a+json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(String(body)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  receiver.post('/hooks/:name', async (req, reply) => {
    const event = req.body as StreamResponse;
    const path = (req.params as { name: string }).name;
    deliveries.push({
      path,
      token: req.headers['x-a2a-notification-token'] as string | undefined,
      authorization: req.headers.authorization,
      event,
    });
    if (event.statusUpdate?.status.state === 'TASK_STATE_COMPLETED') terminal.get(path)?.();
    return reply.code(204).send();
  });
  hook = `${await receiver.listen({ port: 0, host: '127.0.0.1' })}/hooks`;
  broker = await createBroker({
    allowPrivateNetworks: true,
    allowPrivateWebhooks: true,
    healthIntervalMs: 0,
    auth: { adminKeys: [ADMIN], clientKeys: { [ALICE]: 'alice' } },
  });
  url = await broker.listen();
  await registerAgent(url, ADMIN, agent.cardUrl);
}, 120_000);

afterAll(async () => {
  await broker?.close();
  await agent?.app.close();
  await receiver?.close();
});

describe('push notifications from the broker', () => {
  it("deliver the task's updates to each config's webhook with that config's token and credentials", async () => {
    const client = await A2AClient.connect(url, {
      allowPrivateNetworks: true,
      auth: { apiKey: { header: 'x-api-key', value: ALICE } },
    });
    const message = withMessageExtension(
      { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'a long answer please' }] },
      { descriptor: { domain: 'general', complexity: { value: 3, sigma: 0.3 } } },
    );
    const stream = client.sendStreamingMessage(message);
    const taskId = ((await stream.next()).value as StreamResponse).task?.id as string;
    const done = ['a', 'b'].map((name) => new Promise<void>((resolve) => terminal.set(name, resolve)));
    await client.createPushConfig({ taskId, url: `${hook}/a`, token: 'token-a' });
    await client.createPushConfig({
      taskId,
      url: `${hook}/b`,
      token: 'token-b',
      authentication: { scheme: 'Bearer', credentials: 'webhook-credential-b' },
    });
    agent.release(agent.steps);
    for await (const _ of stream) {
      // drain: the client also sees the task end
    }
    await Promise.all(done);
    for (const name of ['a', 'b']) {
      const mine = deliveries.filter((d) => d.path === name);
      const ids = mine.map((d) => d.event.statusUpdate?.taskId ?? d.event.artifactUpdate?.taskId ?? d.event.task?.id);
      expect(new Set(ids)).toEqual(new Set([taskId]));
      expect(mine.filter((d) => d.event.artifactUpdate).length).toBe(agent.steps);
      expect(mine.at(-1)?.event.statusUpdate?.status.state).toBe('TASK_STATE_COMPLETED');
      expect(new Set(mine.map((d) => d.token))).toEqual(new Set([`token-${name}`]));
    }
    expect(new Set(deliveries.filter((d) => d.path === 'b').map((d) => d.authorization))).toEqual(
      new Set(['Bearer webhook-credential-b']),
    );
    expect(deliveries.filter((d) => d.path === 'a').every((d) => d.authorization === undefined)).toBe(true);
    await client.close();
  });

  it("exports the webhook sender's stats on /metrics: delivered, failed, dropped, retries, pending, suspended", async () => {
    // A receiver that is down (503 to every attempt), on its own origin: retried, then failed and suspended.
    let arrivals = 0;
    const down = createServer((_request, response) => {
      arrivals++;
      response.writeHead(503).end();
    });
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const downUrl = `http://127.0.0.1:${(down.address() as AddressInfo).port}/down`;
    const client = await A2AClient.connect(url, {
      allowPrivateNetworks: true,
      auth: { apiKey: { header: 'x-api-key', value: ALICE } },
    });
    try {
      const message = withMessageExtension(
        { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'to a receiver that is down' }] },
        { descriptor: { domain: 'general', complexity: { value: 3, sigma: 0.3 } } },
      );
      const stream = client.sendStreamingMessage(message);
      const taskId = ((await stream.next()).value as StreamResponse).task?.id as string;
      await client.createPushConfig({ taskId, url: downUrl });
      agent.release(agent.steps);
      for await (const _ of stream) {
        // drain: the task ends
      }
      const metric = (text: string, name: string) => {
        const line = text.split('\n').find((l) => l.startsWith(`${name} `));
        return line === undefined ? undefined : Number(line.slice(name.length + 1));
      };
      const scrape = async () => (await request(`${url}/metrics`, { headers: { 'x-api-key': ADMIN } })).body.text();
      // Deliveries run in the background: wait until none is pending.
      await expect
        .poll(async () => metric(await scrape(), 'rightsize_broker_push_pending{kind="now"}'), {
          timeout: 15_000,
          interval: 50,
        })
        .toBe(0);
      const text = await scrape();
      const delivered = metric(text, 'rightsize_broker_push_deliveries_total{result="delivered"}');
      const failed = metric(text, 'rightsize_broker_push_deliveries_total{result="failed"}') ?? 0;
      const dropped = metric(text, 'rightsize_broker_push_deliveries_total{result="dropped"}') ?? 0;
      const retries = metric(text, 'rightsize_broker_push_retries_total') ?? 0;
      expect(delivered).toBe(deliveries.length); // every delivery the good receiver answered 204 (first test)
      expect(failed).toBeGreaterThanOrEqual(1);
      expect(failed + dropped).toBeGreaterThanOrEqual(agent.steps + 1); // the down receiver's events: none delivered
      expect(retries).toBe(arrivals - failed); // every attempt that reached it, less each failed delivery's first
      expect(retries).toBeGreaterThanOrEqual(2); // 3 attempts for the first event
      expect(metric(text, 'rightsize_broker_push_suspended_receivers')).toBe(1);
      expect(metric(text, 'rightsize_broker_push_pending{kind="peak"}')).toBeGreaterThanOrEqual(1);
    } finally {
      await client.close();
      await new Promise((resolve) => down.close(resolve));
    }
  });
});

describe('webhook network policy', () => {
  it('refuses loopback webhooks when only agents may be on private networks (allowPrivateWebhooks unset)', async () => {
    // Agents on a private network are the operator's choice; webhook URLs are any client's: an SSRF vector.
    const strict = await createBroker({
      allowPrivateNetworks: true,
      healthIntervalMs: 0,
      auth: { adminKeys: [ADMIN], clientKeys: { [ALICE]: 'alice' } },
    });
    try {
      const base = await strict.listen();
      await registerAgent(base, ADMIN, agent.cardUrl);
      const answer = await request(`${base}/a2a/rest/message:send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': ALICE, 'a2a-version': '1.0' },
        body: JSON.stringify({
          message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hi' }] },
          configuration: { returnImmediately: true, taskPushNotificationConfig: { url: `${hook}/ssrf` } },
        }),
      });
      const text = await answer.body.text();
      expect([answer.statusCode, text]).toEqual([400, expect.stringMatching(/private|loopback/)]);
      expect(deliveries.filter((d) => d.path === 'ssrf')).toEqual([]);
    } finally {
      await strict.close();
    }
  }, 90_000); // starts its own broker (PGlite): slow on a loaded machine
});
