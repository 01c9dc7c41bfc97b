/** Hostile input and bounded resources on the agent server (issue 9 §2), over real HTTP on loopback. */
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  type A2AServerOptions,
  type AgentExecutor,
  InMemoryTaskStore,
  type TaskStore,
  WebhookPushSender,
} from '../src/server/index.js';
import { holdsLoneSurrogate, mayHoldLoneSurrogate, withoutLoneSurrogates } from '../src/validate/index.js';
import { send, sseData, startAgent, type TestAgent, V1 } from './support/agent-server.js';

/** A SendMessage body whose metadata nests `depth` levels deep, built as text (JSON.stringify would overflow). */
const deepBody = (depth: number, envelope: boolean) => {
  const metadata = `${'{"n":'.repeat(depth)}{"leaf":true}${'}'.repeat(depth)}`;
  const params = `{"message":{"messageId":"m","role":"ROLE_USER","parts":[{"text":"task: deep"}],"metadata":${metadata}}}`;
  return envelope ? `{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":${params}}` : params;
};

describe('depth and size limits on every request', () => {
  it('refuses deeply nested metadata at the door, so stored tasks stay readable', async () => {
    const agent = await startAgent();
    try {
      for (const depth of [2000, 5000]) {
        const json = { 'content-type': 'application/json' };
        const answer = await agent.raw('POST', '/a2a/jsonrpc', deepBody(depth, true), json);
        expect(answer.json.error.code).toBe(-32600);
        expect(answer.json.error.message).toMatch(/deeper than 64/);
        const rest = await agent.raw('POST', '/a2a/rest/message:send', deepBody(depth, false), json);
        expect(rest.status).toBe(400);
      }
      const listed = await agent.rpc('ListTasks', { includeArtifacts: true });
      expect(listed.status).toBe(200);
      expect(listed.json.result.tasks).toEqual([]);
    } finally {
      await agent.close();
    }
  });

  it('never swallows a store error: the client gets InternalError with a correlation id, the log the detail', async () => {
    const store = new InMemoryTaskStore();
    const failing: TaskStore = {
      create: (scope, task) => store.create(scope, task),
      get: (scope, id) => store.get(scope, id),
      list: (scope, q) => store.list(scope, q),
      subscribe: (scope, id, after, signal) => store.subscribe(scope, id, after, signal),
      append: async () => {
        throw new Error('connection to postgres://admin:hunter2@db.internal/tasks lost');
      },
    };
    const errors: Array<{ error: unknown; id: string }> = [];
    const agent = await startAgent({ store: failing, onError: (error, id) => errors.push({ error, id }) });
    try {
      const answer = await agent.rpc('SendMessage', send('task: boom'));
      expect(answer.json.error.code).toBe(-32603);
      expect(answer.json.error.message).toMatch(/correlation id [0-9a-f-]{36}/);
      expect(answer.text).not.toContain('hunter2');
      expect(errors).toHaveLength(1);
      expect(answer.json.error.message).toContain(errors[0]?.id);
    } finally {
      await agent.close();
    }
  });
});

/** Stream `n` chunks over SSE; time the whole stream and one GetTask sent as soon as the task id is known. */
async function streamChunks(agent: TestAgent, n: number) {
  const t0 = performance.now();
  const response = await request(`${agent.baseUrl}/a2a/rest/message:stream`, {
    method: 'POST',
    headers: { ...V1, 'content-type': 'application/json' },
    body: JSON.stringify(send(`stream: ${n}`)),
  });
  let text = '';
  let getTaskMs = Number.NaN;
  let probing: Promise<void> | undefined;
  for await (const chunk of response.body) {
    text += chunk;
    if (!probing) {
      const id = /"id":"([0-9a-f-]{36})"/.exec(text)?.[1];
      if (id) {
        const g0 = performance.now();
        probing = agent.rest('GET', `/tasks/${id}?historyLength=0`).then((r) => {
          expect(r.status).toBe(200);
          getTaskMs = performance.now() - g0;
        });
      }
    }
  }
  const totalMs = performance.now() - t0;
  await probing;
  return { totalMs, getTaskMs, events: sseData(text) };
}

describe('streaming cost is linear', () => {
  it('appends 10 000 chunks in well under the 1 s target while a concurrent GetTask answers fast', async () => {
    const agent = await startAgent();
    try {
      await streamChunks(agent, 2500); // warm-up (JIT)
      const small = await streamChunks(agent, 2500);
      const { totalMs, getTaskMs, events } = await streamChunks(agent, 10_000);
      expect(events).toHaveLength(10_002); // task, 10 000 chunks, completed
      expect(events.at(-1).statusUpdate.status.state).toBe('TASK_STATE_COMPLETED');
      // Linear: 4x the chunks costs about 4x the time (the quadratic copy cost 16x); bounded generously for noise.
      expect(totalMs / small.totalMs).toBeLessThan(8);
      // Targets: < 1 s and < 50 ms; the bounds leave a generous margin for a loaded 2-core machine.
      expect(totalMs).toBeLessThan(4000);
      expect(getTaskMs).toBeLessThan(400);
      const task = await agent.rest('GET', `/tasks/${events[0].task.id}`);
      expect(task.json.artifacts[0].parts).toHaveLength(10_000);
    } finally {
      await agent.close();
    }
  });
});

describe('bounded in-memory stores', () => {
  const scope = { tenant: '', owner: 'o' };
  const task = (id: string, text: string, timestamp = new Date().toISOString()) => ({
    id,
    contextId: 'c',
    status: { state: 'TASK_STATE_COMPLETED' as const, timestamp },
    history: [{ messageId: id, role: 'ROLE_USER' as const, parts: [{ text }] }],
  });

  it('keeps bytes and tasks within their limits, evicting the least recently used', async () => {
    const store = new InMemoryTaskStore({ maxBytes: 8 * 1024 * 1024, maxTasks: 1000 });
    const big = 'x'.repeat(400 * 1024);
    for (let i = 0; i < 100; i++) {
      await store.create(scope, task(`t${i}`, big));
      if (i === 50) await store.get(scope, 't0'); // t0 is used recently: it survives the next evictions
      expect(store.stats.bytes).toBeLessThanOrEqual(8 * 1024 * 1024);
    }
    expect(store.stats.tasks).toBeLessThan(20);
    expect(await store.get(scope, 't99')).toBeDefined();
    expect(await store.get(scope, 't1')).toBeUndefined();
    const counted = new InMemoryTaskStore({ maxTasks: 10 });
    for (let i = 0; i < 50; i++) await counted.create(scope, task(`t${i}`, 'small'));
    expect(counted.stats.tasks).toBe(10);
  });

  it('drops terminal tasks after their TTL, never live ones', async () => {
    let now = 0;
    const store = new InMemoryTaskStore({ terminalTtlMs: 1000, now: () => now });
    await store.create(scope, task('done', 'a'));
    await store.create(scope, { ...task('live', 'b'), status: { state: 'TASK_STATE_WORKING' } });
    now = 5000;
    expect(await store.get(scope, 'done')).toBeUndefined();
    expect(await store.get(scope, 'live')).toBeDefined();
    expect(store.stats.tasks).toBe(1);
  });

  it('keeps the server memory bounded under 60 large messages (24 MiB) (server default store, 8 MiB budget)', async () => {
    const store = new InMemoryTaskStore({ maxBytes: 8 * 1024 * 1024 });
    const agent = await startAgent({ store, bodyLimit: 2 * 1024 * 1024 });
    try {
      const big = 'y'.repeat(400 * 1024);
      for (let i = 0; i < 60; i++) {
        const answer = await agent.rpc('SendMessage', send(`task: ${big}`));
        expect(answer.json.result.task.status.state).toBe('TASK_STATE_COMPLETED');
      }
      expect(store.stats.bytes).toBeLessThanOrEqual(8 * 1024 * 1024);
    } finally {
      await agent.close();
    }
  });
});

describe('SSE backpressure', () => {
  it('drops a client that stops reading without buffering the stream, and the task still completes', async () => {
    let started!: (taskId: string) => void;
    const taskIdOf = new Promise<string>((resolve) => (started = resolve));
    const chunk = 'z'.repeat(32 * 1024); // 2 000 chunks: 64 MiB in all
    const flood: AgentExecutor = {
      async execute(context, events) {
        for (let i = 0; i < 2000; i++)
          events.artifact({ artifactId: 'a', parts: [{ text: chunk }] }, { append: i > 0 });
        events.complete();
        started(context.taskId);
      },
    };
    const store = new InMemoryTaskStore();
    const agent = await startAgent({ executor: flood, store, maxQueuedEvents: 64, streamStallTimeoutMs: 300 });
    // A write that waited for 'drain' must leave no listener behind (its 'close' and 'error' listeners stayed on the
    // response until the stall timeout: MaxListenersExceededWarning once 11 drains came within it).
    const leaks: string[] = [];
    const onWarning = (warning: Error) => {
      if (warning.name === 'MaxListenersExceededWarning') leaks.push(warning.message);
    };
    process.on('warning', onWarning);
    try {
      const socket = connect((agent.app.server.address() as AddressInfo).port, '127.0.0.1');
      await once(socket, 'connect');
      const body = JSON.stringify(send('flood'));
      socket.write(
        `POST /a2a/rest/message:stream HTTP/1.1\r\nhost: x\r\na2a-version: 1.0\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      socket.pause(); // a client that never reads
      // The task is unaffected by its stalled reader: it runs to completion.
      const id = await taskIdOf;
      const scope = { tenant: '', owner: 'anonymous' };
      const record = await store.get(scope, id);
      if (record?.task.status.state !== 'TASK_STATE_COMPLETED') {
        for await (const e of store.subscribe(scope, id, record?.seq ?? 0)) {
          if (e.event.statusUpdate?.status.state === 'TASK_STATE_COMPLETED') break;
        }
      }
      const listed = await agent.rpc('ListTasks', { historyLength: 0 });
      expect(listed.json.result.tasks[0]).toMatchObject({ id, status: { state: 'TASK_STATE_COMPLETED' } });
      // Reading now yields only what the kernel buffered before the server dropped the client: far from 64 MiB.
      let received = 0;
      socket.on('data', (d: Buffer) => (received += d.length));
      socket.resume();
      await once(socket, 'close');
      expect(received).toBeLessThan(24 * 1024 * 1024);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
      expect(leaks).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await agent.close();
    }
  });
});

describe('push amplification', () => {
  it('caps configs per task and validates inline configs exactly like CreateTaskPushNotificationConfig', async () => {
    const agent = await startAgent({ push: { maxConfigsPerTask: 3 } });
    try {
      const taskId = (await agent.rpc('SendMessage', send('ask: push'))).json.result.task.id;
      for (let i = 0; i < 3; i++) {
        const ok = await agent.rpc('CreateTaskPushNotificationConfig', { taskId, url: `https://h${i}.example.com/` });
        expect(ok.json.result.id).toBeTruthy();
      }
      const over = await agent.rpc('CreateTaskPushNotificationConfig', { taskId, url: 'https://h9.example.com/' });
      expect(over.json.error.code).toBe(-32602);
      for (const url of [
        'file:///etc/passwd',
        'gopher://example.com/',
        'http://127.0.0.1:9/',
        'http://u:p@example.com/',
      ]) {
        const inline = await agent.rpc('SendMessage', send('task: x', {}, { taskPushNotificationConfig: { url } }));
        expect(inline.json.error?.code).toBe(-32602);
        const created = await agent.rpc('CreateTaskPushNotificationConfig', { taskId, id: 'n', url });
        expect(created.json.error?.code).toBe(-32602);
      }
    } finally {
      await agent.close();
    }
  });

  it('delivers through one pooled dispatcher with a bound on requests in flight', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const sockets = new Set<unknown>();
    const hook = createServer((req: IncomingMessage, res) => {
      sockets.add(req.socket);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      req.resume();
      req.on('end', () =>
        setTimeout(() => {
          inFlight--;
          res.end();
        }, 5),
      );
    });
    hook.listen(0, '127.0.0.1');
    await once(hook, 'listening');
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const sender = new WebhookPushSender({ allowPrivateNetworks: true, maxConcurrent: 3, connectionsPerOrigin: 2 });
    const { InMemoryPushConfigStore } = await import('../src/server/index.js');
    const configs = new InMemoryPushConfigStore();
    const scope = { tenant: '', owner: 'o' };
    for (let i = 0; i < 20; i++) await configs.save(scope, { taskId: 't', id: `c${i}`, url }, 100);
    const event = { statusUpdate: { taskId: 't', contextId: 'c', status: { state: 'TASK_STATE_WORKING' as const } } };
    await Promise.all([sender.notify(scope, 't', event, configs), sender.notify(scope, 't', event, configs)]);
    expect(maxInFlight).toBeLessThanOrEqual(2);
    expect(sockets.size).toBeLessThanOrEqual(2);
    await sender.close();
    hook.close();
  });
});

describe('slow clients', () => {
  it('agentServerOptions closes a connection whose request body never completes', async () => {
    const Fastify = (await import('fastify')).default;
    const { a2aServer, agentServerOptions } = await import('../src/server/index.js');
    const { echoCard, echoExecutor } = await import('../examples/echo-agent.js');
    const app = Fastify(agentServerOptions({ requestTimeoutMs: 300 }));
    await app.register(a2aServer, { card: echoCard('http://127.0.0.1'), executor: echoExecutor });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const socket = connect((app.server.address() as AddressInfo).port, '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        'POST /a2a/jsonrpc HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"js',
      );
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      const t0 = performance.now();
      await once(socket, 'close');
      expect(performance.now() - t0).toBeLessThan(5000);
      expect(answer).toMatch(/^HTTP\/1.1 408/);
    } finally {
      await app.close();
    }
  });
});

describe('resuming a stream (SSE Last-Event-ID)', () => {
  it('answers a Last-Event-ID beyond the task’s last event at once with InvalidParams, not a stream that never starts', async () => {
    const { agent, id, release } = await heldTask();
    try {
      const subscribe = async (binding: 'rest' | 'jsonrpc') => {
        const r = await request(
          binding === 'rest' ? `${agent.baseUrl}/a2a/rest/tasks/${id}:subscribe` : `${agent.baseUrl}/a2a/jsonrpc`,
          {
            method: binding === 'rest' ? 'GET' : 'POST',
            headers: { ...V1, 'last-event-id': '999999999999999', 'content-type': 'application/json' },
            ...(binding === 'jsonrpc'
              ? { body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'SubscribeToTask', params: { id } }) }
              : {}),
            signal: AbortSignal.timeout(5000),
          },
        );
        return { status: r.statusCode, json: (await r.body.json()) as { error: { code: number; message: string } } };
      };
      const rest = await subscribe('rest');
      expect(rest.status).toBe(400);
      expect(rest.json.error.message).toMatch(/Last-Event-ID/);
      const rpc = await subscribe('jsonrpc');
      expect(rpc.json.error.code).toBe(-32602);
      release();
    } finally {
      release();
      await agent.close();
    }
  });
});

describe('text that is not Unicode', () => {
  it('refuses unpaired surrogate escapes and invalid UTF-8 bytes; accepts paired surrogates and escaped backslashes', async () => {
    const agent = await startAgent();
    try {
      const json = { 'content-type': 'application/json' };
      const body = (text: string) =>
        `{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"${crypto.randomUUID()}","role":"ROLE_USER","parts":[{"text":"${text}"}]}}}`;
      const lone = await agent.raw('POST', '/a2a/jsonrpc', body('half \\ud83d'), json);
      expect(lone.json.error).toMatchObject({ code: -32600, message: expect.stringMatching(/surrogate/) });
      const metadata =
        '{"message":{"messageId":"m1","role":"ROLE_USER","parts":[{"text":"a"}],"metadata":{"\\udc00":1}}}';
      const rest = await agent.raw('POST', '/a2a/rest/message:send', metadata, json);
      expect(rest.status).toBe(400);
      const bytes = Buffer.concat([
        Buffer.from(body('').slice(0, -6)),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}]}}}'),
      ]);
      const invalid = await request(`${agent.baseUrl}/a2a/jsonrpc`, {
        method: 'POST',
        headers: { ...V1, ...json },
        body: bytes,
      });
      expect(((await invalid.body.json()) as { error: { code: number } }).error.code).toBe(-32700);
      for (const fine of ['smile \\ud83d\\ude00', 'not an escape \\\\ud800']) {
        const ok = await agent.raw('POST', '/a2a/jsonrpc', body(fine), json);
        expect(ok.json.result).toBeDefined();
      }
    } finally {
      await agent.close();
    }
  });

  it('withoutLoneSurrogates replaces unpaired halves in strings and member names, keeps pairs, survives big arrays', () => {
    const value = {
      a: ['ok \ud83d\ude00', 'half \ud83d', { 'k\udc00': 'v\ud800' }],
      big: new Array(200_000).fill('x'),
    };
    expect(holdsLoneSurrogate(value)).toBe(true);
    const fixed = withoutLoneSurrogates(value);
    expect(fixed.a).toEqual(['ok \ud83d\ude00', 'half \ufffd', { 'k\ufffd': 'v\ufffd' }]);
    expect(holdsLoneSurrogate(fixed)).toBe(false);
    expect(mayHoldLoneSurrogate('{"a":"\\\\"}')).toBe(false);
  });
});

describe('resuming a quiet stream', () => {
  it('answers a Last-Event-ID naming the latest event with the stream’s headers at once, then the next events', async () => {
    const { agent, id, release } = await heldTask();
    try {
      const subscribe = (headers: Record<string, string>) =>
        request(`${agent.baseUrl}/a2a/rest/tasks/${id}:subscribe`, {
          headers: { ...V1, ...headers },
          headersTimeout: 5000,
        });
      const snapshot = await subscribe({});
      const latest = Number(/^id: (\d+)$/m.exec(await readUntil(snapshot.body, '\n\n'))?.[1]);
      snapshot.body.destroy();
      const resumed = await subscribe({ 'last-event-id': String(latest) }); // the task is quiet: nothing to send yet
      expect(resumed.statusCode).toBe(200);
      expect(resumed.headers['content-type']).toBe('text/event-stream');
      release();
      const ids = (await resumed.body.text()).match(/^id: \d+$/gm)?.map((line) => Number(line.slice(4)));
      expect(ids?.[0]).toBe(latest + 1);
    } finally {
      release();
      await agent.close();
    }
  });
});

/** An agent whose one task (sent non-blocking) stays WORKING until `release()`; the caller closes the agent. */
async function heldTask(options: Partial<A2AServerOptions> = {}) {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const executor: AgentExecutor = {
    async execute(_context, events) {
      events.working('busy');
      await gate;
      events.complete('done');
    },
  };
  const agent = await startAgent({ ...options, executor });
  try {
    const sent = await agent.rpc('SendMessage', send('wait', {}, { returnImmediately: true }));
    return { agent, id: sent.json.result.task.id as string, release: () => release() };
  } catch (error) {
    await agent.close();
    throw error;
  }
}

describe('a quiet stream', () => {
  it('gets SSE keep-alive comments while nothing else is sent, and none once sseKeepAliveMs is 0', async () => {
    /** What the stream sends after the task's snapshot within 400 ms (it stops reading at the first keep-alive). */
    const quietFor = async (sseKeepAliveMs: number) => {
      const { agent, id, release } = await heldTask({ sseKeepAliveMs });
      try {
        const stream = await request(`${agent.baseUrl}/a2a/rest/tasks/${id}:subscribe`, { headers: V1 });
        const quiet = setTimeout(() => stream.body.destroy(), 400);
        let text = '';
        try {
          for await (const chunk of stream.body) {
            text += chunk.toString();
            if (text.includes(': keep-alive\n\n')) break;
          }
        } catch {
          // destroyed by the quiet timer: nothing more arrived
        }
        clearTimeout(quiet);
        const [snapshot, ...rest] = text.split('\n\n');
        expect(snapshot).toMatch(/^id: \d+$/m);
        return rest.join('\n\n');
      } finally {
        release();
        await agent.close();
      }
    };
    expect(await quietFor(30)).toContain(': keep-alive\n\n');
    expect(await quietFor(0)).toBe('');
  });
});

async function readUntil(body: AsyncIterable<Buffer | string>, marker: string): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    text += chunk.toString();
    if (text.includes(marker)) break;
  }
  return text;
}

describe('subscribers of one task', () => {
  it('serves at most maxSubscribersPerTask streams of a task at once; a closed one frees its place', async () => {
    const { agent, id, release } = await heldTask({ maxSubscribersPerTask: 3 });
    const subscribe = async (binding: 'rest' | 'jsonrpc') => {
      const r = await request(
        binding === 'rest' ? `${agent.baseUrl}/a2a/rest/tasks/${id}:subscribe` : `${agent.baseUrl}/a2a/jsonrpc`,
        {
          method: binding === 'rest' ? 'GET' : 'POST',
          headers: { ...V1, 'content-type': 'application/json' },
          ...(binding === 'jsonrpc'
            ? { body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'SubscribeToTask', params: { id } }) }
            : {}),
          signal: AbortSignal.timeout(10_000),
        },
      );
      // the first chunk: the snapshot of a stream, or the whole error answer
      const reader = r.body[Symbol.asyncIterator]();
      const first = String((await reader.next()).value ?? '');
      return { status: r.statusCode, first, close: () => r.body.destroy() };
    };
    try {
      const open = [await subscribe('rest'), await subscribe('jsonrpc'), await subscribe('rest')];
      for (const s of open) expect(s.first).toMatch(/"task"/);
      const refused = await subscribe('rest');
      expect(refused.status).toBe(500);
      expect(refused.first).toMatch(/3 subscribers/);
      const refusedRpc = await subscribe('jsonrpc');
      expect(refusedRpc.first).toMatch(/"code":-32603.*3 subscribers/);
      open[0]?.close();
      // the server sees the close when it next writes or the socket ends; wait for the place, never a fixed sleep
      let again = await subscribe('rest');
      for (let i = 0; i < 500 && !again.first.includes('"task"'); i++) {
        await new Promise((resolve) => setImmediate(resolve));
        again = await subscribe('rest');
      }
      expect(again.first).toMatch(/"task"/);
      again.close();
      for (const s of open) s.close();
    } finally {
      release();
      await agent.close();
    }
  });
});
