/**
 * The client against hostile or broken agents (issue 9): card fetch errors and redirects, the address policy never
 * retried, JSON-RPC ids checked, linear SSE parsing, and no credentials in error messages. Real HTTP on loopback.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoCard } from '../examples/echo-agent.js';
import { InvalidAgentResponseError, TaskNotFoundError } from '../src/a2a/errors.js';
import type { Message } from '../src/a2a/model/index.js';
import {
  A2AAddressNotAllowedError,
  A2AClient,
  AgentCardFetchError,
  MAX_CARD_REDIRECTS,
  parseSse,
  SseError,
} from '../src/client/index.js';

const msg = (text: string): Message => ({ messageId: `m-${text}`, role: 'ROLE_USER', parts: [{ text }] });
const task = { id: 't', contextId: 'c', status: { state: 'TASK_STATE_WORKING' } };

let server: Server;
let base: string;
let port: number;
const hits = new Map<string, number>();

/** How the scripted JSON-RPC agent answers, chosen by the message text. */
function rpcAnswer(text: string, id: unknown): { sse: boolean; bodies: unknown[] } {
  switch (text) {
    case 'other-id':
      return { sse: false, bodies: [{ jsonrpc: '2.0', id: 'someone-else', result: { task } }] };
    case 'missing-id':
      return { sse: false, bodies: [{ jsonrpc: '2.0', result: { task } }] };
    case 'null-id-error':
      return { sse: false, bodies: [{ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'no such task' } }] };
    case 'stream-other-id':
      return {
        sse: true,
        bodies: [
          { jsonrpc: '2.0', id, result: { task } },
          { jsonrpc: '2.0', id: 'someone-else', result: { task } },
        ],
      };
    default:
      return { sse: false, bodies: [{ jsonrpc: '2.0', id, result: { task } }] };
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const redirect = (to: string) => {
      res.writeHead(302, { location: to });
      res.end();
    };
    if (path === '/card.json') {
      res.setHeader('content-type', 'application/json');
      const card = echoCard(base);
      res.end(
        JSON.stringify({ ...card, supportedInterfaces: [{ ...card.supportedInterfaces[0], url: `${base}/rpc` }] }),
      );
    } else if (path === '/missing.json') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 404, status: 'NOT_FOUND', message: 'not here' } }));
    } else if (path === '/moved.json') redirect('/card.json');
    else if (path === '/away.json') redirect(`http://localhost:${port}/card.json`);
    else if (path === '/loop.json') redirect('/loop.json');
    else if (path === '/nowhere.json') redirect('http://[::1');
    else if (path === '/to-private.json') redirect(`http://127.0.0.1:${port}/private-card.json`);
    else if (path === '/to-private-name.json') redirect(`http://localhost:${port}/private-card.json`);
    else if (path === '/to-private-v6.json') redirect(`http://[::ffff:127.0.0.1]:${port}/private-card.json`);
    else if (path === '/rpc') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const request = JSON.parse(body) as { id: unknown; params: { message: Message } };
        const part = request.params.message.parts[0];
        const answer = rpcAnswer(part && 'text' in part ? String(part.text) : '', request.id);
        if (answer.sse) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.end(answer.bodies.map((b) => `data: ${JSON.stringify(b)}\n\n`).join(''));
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer.bodies[0]));
        }
      });
    } else {
      res.statusCode = 500;
      res.end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

describe('agent card fetching', () => {
  const connect = (path: string) => A2AClient.connect(`${base}${path}`, { allowPrivateNetworks: true, retries: 0 });

  it('reports a 404 card as AgentCardFetchError with the status, not as TaskNotFound', async () => {
    const error = await failure(connect('/missing.json'));
    expect(error).toBeInstanceOf(AgentCardFetchError);
    expect(error).not.toBeInstanceOf(TaskNotFoundError);
    expect((error as AgentCardFetchError).status).toBe(404);
    expect(error?.message).toContain('HTTP 404');
  });

  it('follows a same-origin redirect to the card', async () => {
    const client = await connect('/moved.json');
    expect(client.card.name).toBe('Echo Agent');
    await client.close();
  });

  it('refuses a cross-origin redirect, an invalid Location and a redirect loop, naming the status', async () => {
    const away = await failure(connect('/away.json'));
    expect(away).toBeInstanceOf(AgentCardFetchError);
    expect(away?.message).toMatch(/HTTP 302 to another origin \(http:\/\/localhost:\d+\/card\.json\)/);
    const nowhere = await failure(connect('/nowhere.json'));
    expect(nowhere).toBeInstanceOf(AgentCardFetchError);
    expect(nowhere?.message).toMatch(/invalid Location/);
    hits.delete('/loop.json');
    const loop = await failure(connect('/loop.json'));
    expect(loop).toBeInstanceOf(AgentCardFetchError);
    expect((loop as AgentCardFetchError).status).toBe(302);
    expect(hits.get('/loop.json')).toBe(MAX_CARD_REDIRECTS + 1);
  });

  it('puts no credentials or query strings of the card URL in its errors', async () => {
    const missing = await failure(
      A2AClient.connect(`http://ops:hunter2@127.0.0.1:${port}/missing.json?token=s3cr3t`, {
        allowPrivateNetworks: true,
      }),
    );
    expect(missing).toBeInstanceOf(AgentCardFetchError);
    expect(missing?.message).not.toMatch(/hunter2|s3cr3t|ops:/);
    expect((missing as AgentCardFetchError).url).toBe(`http://REDACTED@127.0.0.1:${port}/missing.json?REDACTED`);
    const invalid = await failure(A2AClient.connect('http://ops:hunter2@[::1/card.json?token=s3cr3t'));
    expect(invalid?.message).toBe('not a valid agent URL: http://REDACTED@[::1/card.json?REDACTED');
  });
});

describe('address policy in the client', () => {
  it('refuses a host name that resolves to loopback at once, with its own error, and never retries', async () => {
    hits.clear();
    const started = performance.now();
    const error = await failure(A2AClient.connect(`http://localhost:${port}/card.json`, { retries: 5 }));
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(A2AAddressNotAllowedError);
    expect(error?.message).toMatch(/refusing to connect to localhost/);
    expect(hits.size).toBe(0);
    // Five retries would back off 100 + 200 + 400 + 800 + 1600 ms; a refusal is final.
    expect(elapsed).toBeLessThan(1500);
  });

  it('never follows a public host that redirects to a private address: the private address gets no request', async () => {
    // `public.example` stands for a public agent host: the test's own dispatcher resolves it to the loopback
    // server, which answers with redirects to loopback and IPv4-mapped addresses.
    const publicHost = new Agent({
      connect: {
        lookup: (_host, options, callback) => {
          if (options.all)
            (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
              { address: '127.0.0.1', family: 4 },
            ]);
          else callback(null, '127.0.0.1', 4);
        },
      },
    });
    hits.clear();
    for (const path of ['/to-private.json', '/to-private-name.json', '/to-private-v6.json']) {
      const error = await failure(
        A2AClient.connect(`http://public.example:${port}${path}`, { dispatcher: publicHost, retries: 0 }),
      );
      expect(error).toBeInstanceOf(AgentCardFetchError);
      expect(error?.message).toMatch(/HTTP 302 to another origin .*not followed/);
      expect(hits.get(path)).toBe(1);
    }
    expect(hits.get('/private-card.json')).toBeUndefined();
    await publicHost.close();
  });

  it('refuses an agent interface on a private address (literal or name) for idempotent calls too', async () => {
    const card = echoCard(`http://localhost:${port}`);
    const client = A2AClient.fromCard(card, { retries: 5 });
    await expect(client.getTask('t')).rejects.toBeInstanceOf(A2AAddressNotAllowedError);
    await client.close();
    const literal = A2AClient.fromCard(echoCard('http://[::ffff:7f00:1]:1'), { retries: 5 });
    await expect(literal.getTask('t')).rejects.toBeInstanceOf(A2AAddressNotAllowedError);
    await literal.close();
  });
});

describe('JSON-RPC response ids', () => {
  let client: A2AClient;
  beforeAll(async () => {
    client = await A2AClient.connect(`${base}/card.json`, { allowPrivateNetworks: true });
  });
  afterAll(async () => {
    await client.close();
  });

  it('accepts the answer to its own request', async () => {
    expect(await client.sendMessage(msg('fine'))).toMatchObject({ task: { id: 't' } });
  });

  it('rejects an answer carrying another id, or none, as InvalidAgentResponseError', async () => {
    await expect(client.sendMessage(msg('other-id'))).rejects.toBeInstanceOf(InvalidAgentResponseError);
    await expect(client.sendMessage(msg('other-id'))).rejects.toThrow(/"someone-else" does not match/);
    await expect(client.sendMessage(msg('missing-id'))).rejects.toBeInstanceOf(InvalidAgentResponseError);
  });

  it('accepts an error with a null id (the agent could not read the request id)', async () => {
    await expect(client.sendMessage(msg('null-id-error'))).rejects.toBeInstanceOf(TaskNotFoundError);
  });

  it('rejects a stream event carrying another id', async () => {
    const seen: unknown[] = [];
    const error = await failure(
      (async () => {
        for await (const event of client.sendStreamingMessage(msg('stream-other-id'))) seen.push(event);
      })(),
    );
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(InvalidAgentResponseError);
  });
});

describe('SSE parsing', () => {
  async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
    const bytes = new TextEncoder().encode(text);
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }

  it('parses a 16 MiB line in 64 KiB chunks in linear time', async () => {
    const line = 'x'.repeat(16 * 1024 * 1024);
    const started = performance.now();
    const events = [];
    for await (const event of parseSse(chunked(`data: ${line}\n\ndata: next\n\n`, 64 * 1024), {
      maxEventBytes: 32 * 1024 * 1024,
    }))
      events.push(event);
    const elapsed = performance.now() - started;
    expect(events.map((e) => e.data.length)).toEqual([line.length, 4]);
    // The quadratic parser took 7.7 s here; linear parsing takes well under a second even on a loaded machine.
    expect(elapsed).toBeLessThan(5000);
  });

  it('stops at the size limit without reading the rest of an endless line', async () => {
    let served = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
      yield new TextEncoder().encode('data: ');
      for (;;) {
        served++;
        yield chunk;
      }
    }
    const error = await failure(
      (async () => {
        for await (const _ of parseSse(endless(), { maxEventBytes: 1024 * 1024 }));
      })(),
    );
    expect(error).toBeInstanceOf(SseError);
    expect(served).toBeLessThanOrEqual(17);
  });

  it('keeps the event fields, ignores comments and unknown fields, and detects a cut stream', async () => {
    const text = ': hello\r\nevent: update\r\nid: 7\r\nfoo: bar\r\ndata: a\r\ndata: b\r\n\r\ndata: c\n\n';
    const events = [];
    for await (const event of parseSse(chunked(text, 3))) events.push(event);
    expect(events).toEqual([
      { event: 'update', data: 'a\nb', id: '7' },
      { event: 'message', data: 'c' },
    ]);
    const cut = await failure(
      (async () => {
        for await (const _ of parseSse(chunked('data: {"partial"', 4)));
      })(),
    );
    expect(cut).toBeInstanceOf(SseError);
  });
});
