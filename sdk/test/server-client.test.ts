/** Our client against our agent server over real HTTP on loopback, both bindings, every operation. */
import { getEventListeners, once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoCard, echoExecutor, startEchoAgent } from '../examples/echo-agent.js';
import {
  ExtensionSupportRequiredError,
  InvalidAgentResponseError,
  InvalidParamsError,
  TaskNotCancelableError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from '../src/a2a/errors.js';
import type { AgentCard, StreamResponse } from '../src/a2a/model/index.js';
import { A2AAbortError, A2AClient, A2AClientError, A2ATimeoutError, type Binding } from '../src/client/index.js';
import { a2aServer, apiKeys, InMemoryPushConfigStore, WebhookPushSender } from '../src/server/index.js';
import { collect, msg } from './support/messages.js';

let agent: { app: FastifyInstance; baseUrl: string };
beforeAll(async () => {
  agent = await startEchoAgent();
});
afterAll(async () => {
  await agent.app.close();
});

for (const binding of ['JSONRPC', 'HTTP+JSON'] as Binding[]) {
  describe(`client ↔ server over ${binding}`, () => {
    let client: A2AClient;
    beforeAll(async () => {
      client = await A2AClient.connect(agent.baseUrl, {
        allowPrivateNetworks: true,
        bindings: [binding],
        timeoutMs: 5000,
      });
    });
    afterAll(async () => {
      await client.close();
    });

    it('uses the requested binding', () => {
      expect(client.transport.binding).toBe(binding);
    });

    it('gets a direct message reply, or a completed task with its artifact and history', async () => {
      const reply = await client.sendMessage(msg('hi'));
      expect(reply.message?.parts).toEqual([{ text: 'echo: hi' }]);
      expect(reply.message?.taskId).toBeUndefined();
      const result = await client.sendMessage(msg('task: hello'));
      expect(result.task?.status.state).toBe('TASK_STATE_COMPLETED');
      expect(result.task?.artifacts?.[0]?.parts).toEqual([{ text: 'hello' }]);
      expect(result.task?.history?.map((m) => m.role)).toEqual(['ROLE_USER', 'ROLE_AGENT', 'ROLE_AGENT']);
      const trimmed = await client.sendMessage(msg('task: x'), { configuration: { historyLength: 1 } });
      expect(trimmed.task?.history).toHaveLength(1);
      const none = await client.getTask(result.task?.id as string, { historyLength: 0 });
      expect(none.history).toBeUndefined();
    });

    it('streams the task lifecycle in order and closes at the final state', async () => {
      const events = await collect(client.sendStreamingMessage(msg('task: streamed')));
      expect(events.map((e) => Object.keys(e)[0])).toEqual(['task', 'statusUpdate', 'artifactUpdate', 'statusUpdate']);
      expect(events[0]?.task?.status.state).toBe('TASK_STATE_SUBMITTED');
      expect(events.at(-1)?.statusUpdate?.status.state).toBe('TASK_STATE_COMPLETED');
      const single = await collect(client.sendStreamingMessage(msg('plain')));
      expect(single).toEqual([{ message: expect.objectContaining({ parts: [{ text: 'echo: plain' }] }) }]);
    });

    it('lists tasks newest first with cursor paging, without artifacts unless asked', async () => {
      const contextId = crypto.randomUUID();
      for (let i = 0; i < 5; i++) await client.sendMessage(msg(`task: ${i}`, { contextId }));
      const first = await client.listTasks({ contextId, pageSize: 2 });
      expect(first.tasks).toHaveLength(2);
      expect(first.totalSize).toBe(5);
      expect(first.nextPageToken).not.toBe('');
      expect(first.tasks?.[0]?.artifacts).toBeUndefined();
      const all = [];
      for await (const t of client.allTasks({ contextId, pageSize: 2, includeArtifacts: true })) all.push(t);
      expect(all).toHaveLength(5);
      expect(new Set(all.map((t) => t.id)).size).toBe(5);
      expect(all[0]?.artifacts).toBeDefined();
      const stamps = all.map((t) => t.status.timestamp as string);
      expect([...stamps].sort().reverse()).toEqual(stamps);
    });

    it('cancels a running task once; a second cancel is refused', async () => {
      const started = await client.sendMessage(msg('slow: 10000'), { configuration: { returnImmediately: true } });
      const id = started.task?.id as string;
      const canceled = await client.cancelTask(id);
      expect(canceled.status.state).toBe('TASK_STATE_CANCELED');
      await expect(client.cancelTask(id)).rejects.toBeInstanceOf(TaskNotCancelableError);
      expect((await client.getTask(id)).status.state).toBe('TASK_STATE_CANCELED');
    });

    it('resubscribes to a running task and receives its end', async () => {
      const started = await client.sendMessage(msg('slow: 200'), { configuration: { returnImmediately: true } });
      const events = await collect(client.subscribeToTask(started.task?.id as string));
      expect(events[0]?.task?.id).toBe(started.task?.id);
      expect(events.at(-1)?.statusUpdate?.status.state).toBe('TASK_STATE_COMPLETED');
      await expect(collect(client.subscribeToTask(started.task?.id as string))).rejects.toBeInstanceOf(
        UnsupportedOperationError,
      );
    });

    it('continues a task that asked for input', async () => {
      const asked = await client.sendMessage(msg('ask: anything?'));
      expect(asked.task?.status.state).toBe('TASK_STATE_INPUT_REQUIRED');
      const done = await client.sendMessage(msg('task: more', { taskId: asked.task?.id as string }));
      expect(done.task?.id).toBe(asked.task?.id);
      expect(done.task?.status.state).toBe('TASK_STATE_COMPLETED');
      await expect(client.sendMessage(msg('task: again', { taskId: asked.task?.id as string }))).rejects.toBeInstanceOf(
        UnsupportedOperationError,
      );
    });

    it('manages push-notification configs', async () => {
      const task = (await client.sendMessage(msg('task: push'))).task?.id as string;
      const created = await client.createPushConfig({ taskId: task, url: 'https://hooks.example.com/a2a', token: 't' });
      expect(created.id).toBeTruthy();
      expect(await client.getPushConfig(task, created.id as string)).toMatchObject({
        url: 'https://hooks.example.com/a2a',
      });
      expect((await client.listPushConfigs(task)).configs).toHaveLength(1);
      for (let i = 0; i < 4; i++)
        await client.createPushConfig({ taskId: task, id: `extra-${i}`, url: 'https://hooks.example.com/x' });
      const page1 = await client.transport.call('ListTaskPushNotificationConfigs', { taskId: task, pageSize: 2 });
      expect(page1.configs).toHaveLength(2);
      const page2 = await client.transport.call('ListTaskPushNotificationConfigs', {
        taskId: task,
        pageSize: 2,
        pageToken: page1.nextPageToken as string,
      });
      const page3 = await client.transport.call('ListTaskPushNotificationConfigs', {
        taskId: task,
        pageSize: 2,
        pageToken: page2.nextPageToken as string,
      });
      expect(page3.nextPageToken).toBe('');
      const ids = [...(page1.configs ?? []), ...(page2.configs ?? []), ...(page3.configs ?? [])].map((c) => c.id);
      expect(new Set(ids).size).toBe(5);
      for (let i = 0; i < 4; i++) await client.deletePushConfig(task, `extra-${i}`);
      await client.deletePushConfig(task, created.id as string);
      await expect(client.getPushConfig(task, created.id as string)).rejects.toBeInstanceOf(TaskNotFoundError);
    });

    it('maps agent errors to typed errors', async () => {
      await expect(client.getTask('no-such-task')).rejects.toBeInstanceOf(TaskNotFoundError);
      await expect(client.getExtendedCard()).rejects.toBeInstanceOf(UnsupportedOperationError);
    });
  });
}

describe('server protocol rules and bad input (raw HTTP)', () => {
  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const r = await request(`${agent.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...headers },
      body,
    });
    return { status: r.statusCode, headers: r.headers, json: (await r.body.json()) as Record<string, unknown> };
  };
  const rpc = (method: string, params: unknown) => JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });

  it('serves the card with ETag and Cache-Control, and 304 on revalidation', async () => {
    const first = await request(`${agent.baseUrl}/.well-known/agent-card.json`);
    const card = (await first.body.json()) as AgentCard;
    expect(card.name).toBe('Echo Agent');
    expect(first.headers['cache-control']).toContain('max-age');
    const again = await request(`${agent.baseUrl}/.well-known/agent-card.json`, {
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    await again.body.dump();
  });

  it('answers malformed JSON, invalid envelopes, unknown methods and bad params with the right codes', async () => {
    expect((await post('/a2a/jsonrpc', '{"jsonrpc":')).json).toMatchObject({ id: null, error: { code: -32700 } });
    expect((await post('/a2a/jsonrpc', '{"id":1}')).json).toMatchObject({ error: { code: -32600 } });
    expect((await post('/a2a/jsonrpc', rpc('NoSuchMethod', {}))).json).toMatchObject({ error: { code: -32601 } });
    const bad = await post('/a2a/jsonrpc', rpc('SendMessage', { message: { role: 'USER', parts: [] } }));
    expect(bad.json).toMatchObject({ error: { code: -32602 } });
    const details = (bad.json.error as { data: Array<Record<string, unknown>> }).data;
    expect(details[1]).toMatchObject({ '@type': 'type.googleapis.com/google.rpc.BadRequest' });
    const rest = await post('/a2a/rest/message:send', '{"message":{}}');
    expect(rest.status).toBe(400);
    expect(rest.json).toMatchObject({
      error: { code: 400, details: expect.arrayContaining([expect.objectContaining({ reason: 'INVALID_PARAMS' })]) },
    });
  });

  it('refuses other protocol versions and a missing version header (A2A §3.6.2)', async () => {
    const old = await post('/a2a/jsonrpc', rpc('GetTask', { id: 'x' }), { 'a2a-version': '0.3' });
    expect(old.json).toMatchObject({ error: { code: -32009 } });
    const r = await request(`${agent.baseUrl}/a2a/rest/tasks/x`);
    expect(r.statusCode).toBe(400);
    expect(await r.body.json()).toMatchObject({
      error: { details: expect.arrayContaining([expect.objectContaining({ reason: 'VERSION_NOT_SUPPORTED' })]) },
    });
    const viaQuery = await request(`${agent.baseUrl}/a2a/rest/tasks/x?A2A-Version=1.0`);
    expect(viaQuery.statusCode).toBe(404);
    await viaQuery.body.dump();
  });

  it('limits the body size', async () => {
    const small = Fastify();
    await small.register(a2aServer, { card: echoCard('http://127.0.0.1'), executor: echoExecutor, bodyLimit: 1024 });
    const url = await small.listen({ port: 0, host: '127.0.0.1' });
    try {
      const r = await request(`${url}/a2a/jsonrpc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
        body: rpc('SendMessage', { message: msg('x'.repeat(5000)) }),
      });
      expect(r.statusCode).toBe(413);
      expect(await r.body.json()).toMatchObject({ error: { code: -32600 } });
    } finally {
      await small.close();
    }
  });

  it('requires a required extension and echoes the activated ones', async () => {
    const ext = 'https://example.com/ext/required/v1';
    const app = Fastify();
    let base = '';
    await app.register(a2aServer, {
      card: () => ({
        ...echoCard(base),
        capabilities: { streaming: true, extensions: [{ uri: ext, required: true }] },
      }),
      executor: echoExecutor,
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const plain = await A2AClient.connect(base, { allowPrivateNetworks: true });
      await expect(plain.sendMessage(msg('hi'))).rejects.toBeInstanceOf(ExtensionSupportRequiredError);
      await plain.close();
      const activated = await A2AClient.connect(base, { allowPrivateNetworks: true, extensions: [ext] });
      expect((await activated.sendMessage(msg('hi'))).message).toBeDefined();
      await activated.close();
      const raw = await request(`${base}/a2a/jsonrpc`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'a2a-version': '1.0',
          'a2a-extensions': `${ext}, https://unknown.example/x`,
        },
        body: rpc('SendMessage', { message: msg('hi') }),
      });
      expect(raw.headers['a2a-extensions']).toBe(ext);
      await raw.body.dump();
    } finally {
      await app.close();
    }
  });
});

describe('client robustness against misbehaving servers', () => {
  let server: Server;
  let base: string;
  const card = (url: string): AgentCard => ({
    ...echoCard(url),
    supportedInterfaces: [{ url: `${url}/rpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
  });
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/.well-known/agent-card.json') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(card(base)));
        return;
      }
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const { id } = JSON.parse(body) as { id: unknown }; // answers carry the request's id, as the client checks
        if (body.includes('"long"')) {
          // A stream that lasts longer than the client's time limit, one event every 100 ms.
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          let n = 0;
          const timer = setInterval(() => {
            n++;
            res.write(
              `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { statusUpdate: { taskId: 't', contextId: 'c', status: { state: n < 6 ? 'TASK_STATE_WORKING' : 'TASK_STATE_COMPLETED' } } } })}\n\n`,
            );
            if (n === 6) {
              clearInterval(timer);
              res.end();
            }
          }, 100);
          return;
        }
        if (body.includes('"big"')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ jsonrpc: '2.0', id, result: { message: 'x'.repeat(4096) } }));
          return;
        }
        if (body.includes('"stall"')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"jsonrpc":"2.0",'); // then never finishes the body
          return;
        }
        const text = body.includes('"never"')
          ? 'never'
          : body.includes('"truncated"')
            ? 'truncated'
            : body.includes('"wrong"')
              ? 'wrong'
              : 'slowstream';
        if (text === 'never') return; // never answers
        if (text === 'wrong') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ jsonrpc: '2.0', id, result: { task: { id: 't' } } }));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        if (text === 'truncated') {
          res.write('data: {"jsonrpc":"2.0","id":1,"result":{"task":{"id":"t","status":{"state":"TASK_STAT');
          res.end();
          return;
        }
        res.write(
          `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { task: { id: 't', status: { state: 'TASK_STATE_WORKING' } } } })}\n\n`,
        );
        // then keeps the stream open forever
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('times out on a server that never answers', async () => {
    const client = await A2AClient.connect(base, { allowPrivateNetworks: true, timeoutMs: 300, retries: 0 });
    await expect(client.sendMessage(msg('never'))).rejects.toBeInstanceOf(A2ATimeoutError);
    await client.close();
  });

  it('lets a stream run past the call time limit, which bounds only the wait for headers', async () => {
    const client = await A2AClient.connect(base, { allowPrivateNetworks: true, timeoutMs: 300 });
    const events = await collect(client.sendStreamingMessage(msg('long')));
    expect(events).toHaveLength(6);
    await client.close();
  });

  it('times out a unary answer whose body stalls', async () => {
    const client = await A2AClient.connect(base, { allowPrivateNetworks: true, timeoutMs: 300, retries: 0 });
    await expect(client.sendMessage(msg('stall'))).rejects.toBeInstanceOf(A2ATimeoutError);
    await client.close();
  });

  it('ends unary calls when their signal aborts, with one listener per signal, none left after the calls', async () => {
    const client = await A2AClient.connect(base, { allowPrivateNetworks: true, retries: 0 });
    try {
      const caller = new AbortController();
      const pending = client.sendMessage(msg('never'), { signal: caller.signal });
      setImmediate(() => caller.abort());
      await expect(pending).rejects.toBeInstanceOf(A2AAbortError);
      // A signal shared by many calls (e.g. a task's): each call removes its listener when it settles.
      const shared = new AbortController();
      for (let i = 0; i < 3; i++) {
        await expect(client.sendMessage(msg('wrong'), { signal: shared.signal })).rejects.toBeInstanceOf(
          InvalidAgentResponseError,
        );
      }
      expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
      // Many calls in flight on one signal: one listener for all of them (no MaxListenersExceededWarning).
      const many = Array.from({ length: 20 }, () => client.sendMessage(msg('never'), { signal: shared.signal }));
      await new Promise((resolve) => setImmediate(resolve));
      expect(getEventListeners(shared.signal, 'abort').length).toBeLessThanOrEqual(1);
      shared.abort();
      for (const call of many) await expect(call).rejects.toBeInstanceOf(A2AAbortError);
      expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    } finally {
      await client.close();
    }
  });

  it('refuses a unary answer larger than maxResponseBytes', async () => {
    const client = await A2AClient.connect(base, { allowPrivateNetworks: true, maxResponseBytes: 1024 });
    await expect(client.sendMessage(msg('big'))).rejects.toThrow(/larger than 1024 bytes/);
    await client.close();
  });

  it('reports a truncated SSE stream as a typed error', async () => {
    const client = await A2AClient.connect(base, { allowPrivateNetworks: true });
    await expect(collect(client.sendStreamingMessage(msg('truncated')))).rejects.toBeInstanceOf(A2AClientError);
    await client.close();
  });

  it('rejects an answer that does not match the schema', async () => {
    const client = await A2AClient.connect(base, { allowPrivateNetworks: true });
    await expect(client.sendMessage(msg('wrong'))).rejects.toBeInstanceOf(InvalidAgentResponseError);
    await client.close();
  });

  it('stops a stream cleanly when the caller breaks out or aborts', async () => {
    const client = await A2AClient.connect(base, { allowPrivateNetworks: true });
    for await (const event of client.sendStreamingMessage(msg('stream'))) {
      expect(event.task?.id).toBe('t');
      break;
    }
    const controller = new AbortController();
    const stream = client.sendStreamingMessage(msg('stream'), { signal: controller.signal });
    const first = await stream.next();
    expect(first.value?.task?.id).toBe('t');
    controller.abort();
    await expect(stream.next()).rejects.toBeInstanceOf(A2AAbortError);
    await client.close();
  });

  it('refuses agents on private networks unless allowed', async () => {
    await expect(A2AClient.connect(base)).rejects.toThrow(/private|refus/i);
  });
});

describe('push notifications', () => {
  it('delivers each event to the webhook with its authentication, and refuses private webhooks by default', async () => {
    const received: Array<{ auth: string | undefined; body: StreamResponse }> = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ auth: req.headers.authorization, body: JSON.parse(body) });
        res.end();
      });
    });
    hook.listen(0, '127.0.0.1');
    await once(hook, 'listening');
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const errors: string[] = [];
    for (const allowPrivateNetworks of [true, false]) {
      const app = Fastify();
      let base = '';
      await app.register(a2aServer, {
        card: () => echoCard(base),
        executor: echoExecutor,
        push: {
          sender: new WebhookPushSender({ allowPrivateNetworks, attempts: 1, onError: (e) => errors.push(e.message) }),
        },
      });
      base = await app.listen({ port: 0, host: '127.0.0.1' });
      const client = await A2AClient.connect(base, { allowPrivateNetworks: true });
      const before = received.length;
      const sent = client.sendMessage(msg('task: pushed'), {
        configuration: {
          taskPushNotificationConfig: {
            url: hookUrl,
            authentication: { scheme: 'Bearer', credentials: 'secret-token' },
          },
        },
      });
      // A private webhook is refused when the config arrives (inline or created), not later at delivery.
      if (!allowPrivateNetworks) await expect(sent).rejects.toBeInstanceOf(InvalidParamsError);
      else await sent;
      await client.close();
      await app.close(); // waits for running tasks; deliveries are awaited below
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (allowPrivateNetworks) {
        const mine = received.slice(before);
        expect(mine.length).toBeGreaterThanOrEqual(1);
        expect(mine.every((r) => r.auth === 'Bearer secret-token')).toBe(true);
      }
    }
    hook.close();
    expect(errors).toEqual([]);
  });
});

describe('client options: auth hooks, interceptors, card cache, extended card', () => {
  it('sends bearer tokens, API keys and interceptor headers; serves a configured extended card', async () => {
    const seen: Array<Record<string, string | string[] | undefined>> = [];
    const app = Fastify();
    app.addHook('onRequest', async (request) => {
      seen.push(request.headers);
    });
    let base = '';
    await app.register(a2aServer, {
      card: () => ({ ...echoCard(base), capabilities: { streaming: true, extendedAgentCard: true } }),
      extendedCard: { ...echoCard('https://private.example.com'), name: 'Echo Agent (extended)' },
      executor: echoExecutor,
      authenticate: apiKeys({ keys: { k: 'alice' } }),
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      let token = 0;
      const client = await A2AClient.connect(base, {
        allowPrivateNetworks: true,
        auth: { bearer: () => `token-${++token}`, apiKey: { header: 'X-Api-Key', value: 'k' } },
        interceptors: [
          (r) => {
            r.headers['x-trace'] = 'abc';
          },
        ],
      });
      await client.sendMessage(msg('hi'));
      expect((await client.getExtendedCard()).name).toBe('Echo Agent (extended)');
      const last = seen.at(-1) ?? {};
      expect(last.authorization).toMatch(/^Bearer token-\d+$/);
      expect(last['x-api-key']).toBe('k');
      expect(last['x-trace']).toBe('abc');
      expect(last['a2a-version']).toBe('1.0');
      await client.close();
    } finally {
      await app.close();
    }
  });

  it('caches the card for its max-age, then revalidates with the ETag', async () => {
    const { CardResolver, HttpClient } = await import('../src/client/index.js');
    let requests = 0;
    let revalidations = 0;
    const cardServer = createServer((req, res) => {
      requests++;
      if (req.headers['if-none-match'] === '"v1"') {
        revalidations++;
        res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=60' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', etag: '"v1"', 'cache-control': 'max-age=60' });
      res.end(JSON.stringify(echoCard('https://a.example.com')));
    });
    cardServer.listen(0, '127.0.0.1');
    await once(cardServer, 'listening');
    const url = `http://127.0.0.1:${(cardServer.address() as AddressInfo).port}`;
    let clock = 1_000_000;
    const http = new HttpClient({ allowPrivateNetworks: true });
    const resolver = new CardResolver(http, () => clock);
    try {
      const first = await resolver.resolve(url);
      await resolver.resolve(url);
      expect(requests).toBe(1);
      clock += 61_000;
      expect(await resolver.resolve(url)).toEqual(first);
      expect(requests).toBe(2);
      expect(revalidations).toBe(1);
    } finally {
      await http.close();
      cardServer.close();
    }
  });
});

describe('time limits and retries', () => {
  it('answers a blocking SendMessage with the working task when it outlasts maxBlockingMs', async () => {
    const app = Fastify();
    let base = '';
    await app.register(a2aServer, { card: () => echoCard(base), executor: echoExecutor, maxBlockingMs: 100 });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    const client = await A2AClient.connect(base, { allowPrivateNetworks: true });
    try {
      const result = await client.sendMessage(msg('slow: 2000'));
      expect(result.task?.status.state).toBe('TASK_STATE_WORKING');
      await client.cancelTask(result.task?.id as string);
    } finally {
      await client.close();
      await app.close();
    }
  });

  it('retries idempotent calls on 503 with backoff, and never retries SendMessage', async () => {
    let calls = 0;
    let base = '';
    const flaky = createServer((req, res) => {
      if (req.url === '/.well-known/agent-card.json') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            ...echoCard(base),
            supportedInterfaces: [{ url: `${base}/rpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
          }),
        );
        return;
      }
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        calls++;
        if (calls % 3 !== 0) {
          res.writeHead(503);
          res.end();
          return;
        }
        const { id } = JSON.parse(body) as { id: string };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ jsonrpc: '2.0', id, result: { id: 't', status: { state: 'TASK_STATE_WORKING' } } }));
      });
    });
    flaky.listen(0, '127.0.0.1');
    await once(flaky, 'listening');
    base = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
    const client = await A2AClient.connect(base, { allowPrivateNetworks: true, retries: 2 });
    try {
      expect((await client.getTask('t')).id).toBe('t');
      expect(calls).toBe(3);
      calls = 0;
      await expect(client.sendMessage(msg('hi'))).rejects.toThrow();
      expect(calls).toBe(1);
    } finally {
      await client.close();
      flaky.close();
    }
  });
});

describe('WebhookPushSender', () => {
  it('retries a 5xx with backoff, does not retry a 4xx, and reports final failures without credentials', async () => {
    let calls = 0;
    const statuses = [503, 502, 200, 400];
    const hook = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.statusCode = statuses[calls++] ?? 500;
        res.end();
      });
    });
    hook.listen(0, '127.0.0.1');
    await once(hook, 'listening');
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook?secret=x`;
    const errors: Array<{ message: string; url: string }> = [];
    const sender = new WebhookPushSender({
      allowPrivateNetworks: true,
      attempts: 3,
      backoffMs: 10,
      onError: (e, c) => errors.push({ message: e.message, url: c.url }),
    });
    const configs = new InMemoryPushConfigStore();
    const scope = { tenant: '', owner: 'anonymous' };
    await configs.save(
      scope,
      { taskId: 't', id: 'c', url, authentication: { scheme: 'Bearer', credentials: 'do-not-log' } },
      10,
    );
    const event = { statusUpdate: { taskId: 't', contextId: 'c', status: { state: 'TASK_STATE_WORKING' as const } } };
    await sender.notify(scope, 't', event, configs);
    expect(calls).toBe(3); // 503, 502, then 200
    expect(errors).toEqual([]);
    await sender.notify(scope, 't', event, configs);
    expect(calls).toBe(4); // 400 is not retried
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('HTTP 400');
    expect(JSON.stringify(errors)).not.toContain('do-not-log');
    expect(errors[0]?.url).not.toContain('secret');
    await sender.close();
    hook.close();
  });
});
