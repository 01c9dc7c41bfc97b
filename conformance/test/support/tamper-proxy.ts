/**
 * DELIBERATELY FAULTY servers for the suite's own tests: a loopback proxy in front of a correct agent that rewrites
 * what the agent says — JSON answers, each SSE event, or the end of a stream — so each fault is one small rule.
 * The card's URLs are rewritten to the proxy so every call goes through it.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSse } from '@rightsize/sdk/client';
import { request } from 'undici';

export interface Incoming {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The request body parsed as JSON, if it is JSON. */
  readonly body: unknown;
  /** The JSON-RPC method, for JSON-RPC requests. */
  readonly rpcMethod: string | undefined;
}

export interface Faults {
  /** Answer a request without asking the agent (return undefined to forward it). */
  readonly intercept?: (incoming: Incoming) => { status: number; body: unknown } | undefined;
  /** Rewrite the request body before it is forwarded. */
  readonly request?: (incoming: Incoming) => unknown;
  /** Rewrite the request headers before they are forwarded (e.g. drop Last-Event-ID). */
  readonly headers?: (incoming: Incoming) => Record<string, string>;
  /**
   * Faults between a broker and the agents it registers: every `cardUrl` in a request body is rewritten to a
   * second tamper proxy (one per agent origin) with these rules, so the broker reaches the agent through it.
   */
  readonly downstream?: Faults;
  /** Keep streams open after the agent closed them (a server that streams forever). */
  readonly holdOpen?: boolean;
  /** Rewrite a JSON answer; `status` may be changed too. */
  readonly json?: (incoming: Incoming, answer: { status: number; body: unknown }) => { status: number; body: unknown };
  /**
   * Rewrite one SSE event: a value to send instead, an array of values to send several (`Many`), null to drop it,
   * 'end' to drop it and close the stream. Event ids are kept (a value sent instead keeps the original's id).
   */
  readonly event?: (incoming: Incoming, event: unknown, index: number) => unknown | null | 'end';
}

/** Several SSE events sent in place of one (`Faults.event`). */
export class Many {
  constructor(readonly values: readonly unknown[]) {}
}

export interface Proxy {
  readonly baseUrl: string;
  close(): Promise<void>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startTamperProxy(upstream: string, faults: Faults): Promise<Proxy> {
  let base = '';
  const swap = (text: string) => text.split(upstream).join(base);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
    const incoming: Incoming = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers,
      body,
      rpcMethod: isRecord(body) && typeof body.method === 'string' ? body.method : undefined,
    };
    const canned = faults.intercept?.(incoming);
    if (canned) {
      if (canned.status === 204) res.writeHead(204).end();
      else res.writeHead(canned.status, { 'content-type': 'application/json' }).end(JSON.stringify(canned.body));
      return;
    }
    let outgoing = faults.request && body !== undefined ? faults.request(incoming) : body;
    if (faults.downstream && isRecord(outgoing) && typeof outgoing.cardUrl === 'string')
      outgoing = { ...outgoing, cardUrl: await throughDownstream(outgoing.cardUrl, faults.downstream) };
    const forwarded = outgoing !== body ? JSON.stringify(outgoing) : text;
    const answer = await request(`${upstream}${incoming.path}`, {
      method: incoming.method as 'GET',
      headers: faults.headers ? faults.headers(incoming) : headers,
      ...(forwarded ? { body: forwarded } : {}),
    });
    const type = String(answer.headers['content-type'] ?? '');
    if (type.startsWith('text/event-stream')) {
      res.writeHead(answer.statusCode, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let index = 0;
      for await (const event of parseSse(answer.body)) {
        const out = faults.event ? faults.event(incoming, JSON.parse(event.data), index++) : JSON.parse(event.data);
        if (out === 'end') break;
        const id = event.id !== undefined ? `id: ${event.id}\n` : '';
        for (const value of out instanceof Many ? out.values : out === null ? [] : [out])
          res.write(`${id}data: ${JSON.stringify(value)}\n\n`);
      }
      answer.body.destroy();
      if (!faults.holdOpen) res.end();
      return;
    }
    const raw = await answer.body.text();
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(answer.headers))
      if (typeof v === 'string' && !['content-length', 'transfer-encoding', 'connection'].includes(k)) out[k] = v;
    if (!type.includes('json') || raw === '') {
      res.writeHead(answer.statusCode, out).end(raw);
      return;
    }
    const parsed = JSON.parse(swap(raw)) as unknown;
    const rewritten = faults.json
      ? faults.json(incoming, { status: answer.statusCode, body: parsed })
      : { status: answer.statusCode, body: parsed };
    res.writeHead(rewritten.status, out).end(JSON.stringify(rewritten.body));
  };
  const downstreams = new Map<string, Proxy>();
  const throughDownstream = async (cardUrl: string, rules: Faults) => {
    const origin = new URL(cardUrl).origin;
    let proxy = downstreams.get(origin);
    if (!proxy) {
      proxy = await startTamperProxy(origin, rules);
      downstreams.set(origin, proxy);
    }
    return cardUrl.replace(origin, proxy.baseUrl);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: base,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await Promise.all([...downstreams.values()].map((d) => d.close()));
    },
  };
}
