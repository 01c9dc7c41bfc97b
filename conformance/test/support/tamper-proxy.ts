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
  /** Keep streams open after the agent closed them (a server that streams forever). */
  readonly holdOpen?: boolean;
  /** Rewrite a JSON answer; `status` may be changed too. */
  readonly json?: (incoming: Incoming, answer: { status: number; body: unknown }) => { status: number; body: unknown };
  /** Rewrite one SSE event: a value to send instead, null to drop it, 'end' to drop it and close the stream. */
  readonly event?: (incoming: Incoming, event: unknown, index: number) => unknown | null | 'end';
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
      res.writeHead(canned.status, { 'content-type': 'application/json' }).end(JSON.stringify(canned.body));
      return;
    }
    const forwarded = faults.request && body !== undefined ? JSON.stringify(faults.request(incoming)) : text;
    const answer = await request(`${upstream}${incoming.path}`, {
      method: incoming.method as 'GET',
      headers,
      ...(forwarded ? { body: forwarded } : {}),
    });
    const type = String(answer.headers['content-type'] ?? '');
    if (type.startsWith('text/event-stream')) {
      res.writeHead(answer.statusCode, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let index = 0;
      for await (const event of parseSse(answer.body)) {
        const rewritten = faults.event
          ? faults.event(incoming, JSON.parse(event.data), index++)
          : JSON.parse(event.data);
        if (rewritten === 'end') break;
        if (rewritten !== null) res.write(`data: ${JSON.stringify(rewritten)}\n\n`);
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
    },
  };
}
