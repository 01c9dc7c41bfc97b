/** Start an agent server on loopback and talk raw HTTP to it (both bindings), for the server hardening tests. */
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { echoCard, echoExecutor } from '../../examples/echo-agent.js';
import type { AgentCard } from '../../src/a2a/model/index.js';
import {
  type A2AServerOptions,
  type AgentExecutor,
  a2aServer,
  agentServerOptions,
  type ExecutionContext,
} from '../../src/server/index.js';

export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test helper: answers are inspected loosely
  readonly json: any;
}

export interface TestAgent {
  readonly app: FastifyInstance;
  readonly baseUrl: string;
  /** POST a JSON-RPC call to /a2a/jsonrpc. */
  rpc(method: string, params: unknown, headers?: Record<string, string>): Promise<RawAnswer>;
  /** Any request to the REST binding (path below /a2a/rest). */
  rest(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<RawAnswer>;
  /** Any raw request. */
  raw(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<RawAnswer>;
  close(): Promise<void>;
}

export const V1 = { 'a2a-version': '1.0' };

/** The echo executor, keeping the execution context of every run in `seen` (caller, tenant, ids). */
export function recordingEchoExecutor(): { executor: AgentExecutor; seen: ExecutionContext[] } {
  const seen: ExecutionContext[] = [];
  const executor: AgentExecutor = {
    async execute(context, events) {
      seen.push(context);
      return echoExecutor.execute(context, events);
    },
  };
  return { executor, seen };
}

export async function startAgent(
  options: Partial<A2AServerOptions> & { capabilities?: AgentCard['capabilities'] } = {},
): Promise<TestAgent> {
  const app = Fastify(agentServerOptions());
  let baseUrl = '';
  const { capabilities, ...rest } = options;
  await app.register(a2aServer, {
    card: () => echoCard(baseUrl, capabilities ?? { streaming: true, pushNotifications: true }),
    executor: echoExecutor,
    ...rest,
  });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  const raw = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const r = await request(`${baseUrl}${path}`, {
      method: method as 'GET',
      headers: { ...V1, ...headers },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await r.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: r.statusCode, headers: r.headers, text, json };
  };
  return {
    app,
    baseUrl,
    raw,
    rpc: (method, params, headers = {}) =>
      raw('POST', '/a2a/jsonrpc', JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), {
        'content-type': 'application/json',
        ...headers,
      }),
    rest: (method, path, body, headers = {}) =>
      raw(method, `/a2a/rest${path}`, body === undefined ? undefined : JSON.stringify(body), {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      }),
    close: () => app.close(),
  };
}

/** A SendMessage params object. */
export const send = (text: string, extra: Record<string, unknown> = {}, configuration?: Record<string, unknown>) => ({
  message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }], ...extra },
  ...(configuration ? { configuration } : {}),
});

/** The `data:` payloads of an SSE body. */
export const sseData = (text: string) =>
  text
    .split('\n\n')
    .filter((e) => e.includes('data: '))
    .map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)));
