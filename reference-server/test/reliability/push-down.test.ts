/**
 * A push receiver that is down (issue 14): the SDK agent server's WebhookPushSender, on real loopback sockets.
 * - a receiver that resets every connection: each event is tried `attempts` times with exponential backoff, then
 *   recorded as failed (onError, stats); the origin is then suspended (later events fail at once, nothing sent) and
 *   delivery resumes once the suspension ends;
 * - a receiver that accepts and never answers, under a burst of tasks: tasks are served at full speed, pending
 *   deliveries never exceed the bound, the receiver never holds more requests than the concurrency limit, every
 *   event ends delivered-or-recorded, and nothing is left pending (no pile-up).
 * The broker refuses webhooks on loopback addresses, so the scenario runs on an SDK agent server with
 * `allowPrivateNetworks` (the same sender the broker uses).
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import type { StreamResponse } from '@rightsize/sdk/a2a';
import { type AgentExecutor, a2aServer, InMemoryPushConfigStore, WebhookPushSender } from '@rightsize/sdk/server';
import Fastify from 'fastify';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { cardFor, profileOf } from '../support/agents.js';

/** A receiver on loopback that is down in the given way; records when each connection arrived. */
async function receiver(kind: 'reset' | 'hang') {
  const arrivals: number[] = [];
  const sockets = new Set<Socket>();
  let open = 0;
  let peakOpen = 0;
  const server: Server = createServer((socket) => {
    if (kind === 'reset') {
      arrivals.push(performance.now());
      return socket.resetAndDestroy();
    }
    sockets.add(socket);
    peakOpen = Math.max(peakOpen, ++open);
    // reads the request, never answers; an arrival is a request (a connection may be opened and never used)
    socket.once('data', () => arrivals.push(performance.now()));
    socket.on('close', () => {
      open--;
      sockets.delete(socket);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    get peakOpen() {
      return peakOpen;
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

const event: StreamResponse = {
  statusUpdate: { taskId: 't', contextId: 'c', status: { state: 'TASK_STATE_WORKING' } },
};
const scope = { tenant: '', owner: 'o' };
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('a push receiver that is down', () => {
  it('bounded retries with exponential backoff, then a recorded failure; suspended, then resumed', async () => {
    const down = await receiver('reset');
    cleanup.push(() => down.close());
    const failures: string[] = [];
    const sender = new WebhookPushSender({
      allowPrivateNetworks: true,
      attempts: 3,
      backoffMs: 100,
      suspendMs: 1000,
      onError: (e) => failures.push(e.message),
    });
    cleanup.push(() => sender.close());
    const configs = new InMemoryPushConfigStore();
    await configs.save(scope, { taskId: 't', id: 'hook', url: down.url }, 10);

    await sender.notify(scope, 't', event, configs);
    expect(down.arrivals).toHaveLength(3);
    const [a, b, c] = down.arrivals as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(95); // backoff 100 ms, then 200 ms
    expect(c - b).toBeGreaterThanOrEqual(195);
    expect(failures).toHaveLength(1);
    expect(sender.stats()).toMatchObject({ delivered: 0, failed: 1, dropped: 0, pending: 0, retried: 2, suspended: 1 });

    // suspended: the next events fail at once, recorded, and nothing reaches the receiver
    await sender.notify(scope, 't', event, configs);
    expect(down.arrivals).toHaveLength(3);
    expect(failures.at(-1)).toContain('suspended');
    expect(sender.stats().dropped).toBe(1);

    // the suspension is per origin: a receiver elsewhere still gets its events
    const hits: number[] = [];
    const up = createHttpServer((req, res) => {
      hits.push(1);
      req.resume();
      res.end();
    });
    up.listen(0, '127.0.0.1');
    await once(up, 'listening');
    cleanup.push(async () => {
      up.close();
      await once(up, 'close');
    });
    const upUrl = `http://127.0.0.1:${(up.address() as AddressInfo).port}/hook`;
    await configs.save(scope, { taskId: 't', id: 'hook', url: upUrl }, 10);
    await sender.notify(scope, 't', event, configs);
    expect(hits).toHaveLength(1);
    // and the down origin is tried again when its suspension has ended (polled, no sleep)
    await configs.save(scope, { taskId: 't', id: 'hook', url: down.url }, 10);
    await expect
      .poll(
        async () => {
          await sender.notify(scope, 't', event, configs);
          return down.arrivals.length;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBeGreaterThan(3);
  }, 30_000);

  it('a receiver that hangs under a burst of tasks: no pile-up, every event delivered or recorded', async () => {
    const hung = await receiver('hang');
    cleanup.push(() => hung.close());
    let recorded = 0;
    const LIMITS = { maxConcurrent: 4, connectionsPerOrigin: 4, maxPending: 16 };
    const sender = new WebhookPushSender({
      allowPrivateNetworks: true,
      attempts: 3,
      backoffMs: 50,
      timeoutMs: 300,
      suspendMs: 60_000,
      ...LIMITS,
      onError: () => recorded++,
    });
    const executor: AgentExecutor = {
      async execute(_context, events) {
        events.working('working');
        events.artifact({ artifactId: 'a', parts: [{ text: 'result' }] });
        events.complete('done');
      },
    };
    const app = Fastify();
    let base = '';
    const card = cardFor('pusher', profileOf({ general: 5 }, { placement: 'cloud' }, 0.001, 10), 'http://x');
    await app.register(a2aServer, {
      card: () => ({
        ...card,
        supportedInterfaces: [{ url: `${base}/a2a/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' }],
        capabilities: { streaming: true, pushNotifications: true },
      }),
      executor,
      push: { sender, configs: new InMemoryPushConfigStore() },
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    cleanup.push(() => app.close());

    const TASKS = 60;
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: TASKS }, async () => {
        const r = await request(`${base}/a2a/rest/message:send`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
          body: JSON.stringify({
            message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'go' }] },
            configuration: { taskPushNotificationConfig: { url: hung.url } },
          }),
        });
        return {
          status: r.statusCode,
          state: ((await r.body.json()) as { task?: { status: { state: string } } }).task,
        };
      }),
    );
    const servedMs = performance.now() - started;
    expect(answers.every((a) => a.status === 200 && a.state?.status.state === 'TASK_STATE_COMPLETED')).toBe(true);

    // every event ends delivered or recorded, and nothing stays pending
    await expect.poll(() => sender.stats().pending, { timeout: 15_000, interval: 50 }).toBe(0);
    const stats = sender.stats();
    const events = stats.delivered + stats.failed + stats.dropped;
    expect(events).toBeGreaterThanOrEqual(TASKS * 3);
    expect(stats.delivered).toBe(0);
    expect(recorded).toBe(stats.failed + stats.dropped);
    expect(stats.peakPending).toBeLessThanOrEqual(LIMITS.maxPending);
    // requests in progress at the receiver: the concurrency limit, plus sockets of timed-out requests still closing
    expect(hung.peakOpen).toBeLessThanOrEqual(2 * LIMITS.maxConcurrent);
    // the receiver saw at most the pending bound's retries before the origin was suspended
    expect(hung.arrivals.length).toBeLessThanOrEqual(LIMITS.maxPending * 3);
    const rssGrowthMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    console.info(
      `push-down: ${JSON.stringify({ tasks: TASKS, events, ...stats, receiverRequests: hung.arrivals.length, receiverPeakOpen: hung.peakOpen, servedMs: Math.round(servedMs), rssGrowthMiB: Math.round(rssGrowthMiB) })}`,
    );
  }, 30_000);
});
