/** The two HTTP bindings behind one interface: JSON-RPC (A2A §9) and HTTP+JSON/REST (A2A §11). */
import { randomUUID } from 'node:crypto';
import { A2A_METHODS, type A2AMethod, type A2AMethodParams, type A2AMethodResult } from '../a2a/catalog.js';
import { errorFromHttp, errorFromJsonRpc, InvalidAgentResponseError } from '../a2a/errors.js';
import type { StreamResponse } from '../a2a/model/index.js';
import { formatIssues } from '../validate/issues.js';
import { defaultA2AValidator } from '../validate/validator.js';
import { type CallOptions, type HttpClient, parseAnswer } from './http.js';

export type StreamingMethod = 'SendStreamingMessage' | 'SubscribeToTask';
export type UnaryMethod = Exclude<A2AMethod, StreamingMethod>;

export interface A2ATransport {
  readonly binding: 'JSONRPC' | 'HTTP+JSON';
  call<M extends UnaryMethod>(
    method: M,
    params: A2AMethodParams<M>,
    options?: CallOptions,
  ): Promise<A2AMethodResult<M>>;
  stream<M extends StreamingMethod>(
    method: M,
    params: A2AMethodParams<M>,
    options?: CallOptions,
  ): AsyncGenerator<StreamResponse>;
}

/** Reads, per A2A §3.3.1, are idempotent; so are cancel and delete. Sends are not retried. */
const IDEMPOTENT: ReadonlySet<A2AMethod> = new Set([
  'GetTask',
  'ListTasks',
  'CancelTask',
  'GetTaskPushNotificationConfig',
  'ListTaskPushNotificationConfigs',
  'DeleteTaskPushNotificationConfig',
  'GetExtendedAgentCard',
]);

const validator = defaultA2AValidator();

function checkResult<M extends A2AMethod>(method: M, value: unknown): A2AMethodResult<M> {
  const result = validator.check(A2A_METHODS[method].result, value);
  if (!result.ok)
    throw new InvalidAgentResponseError(`${method}: the agent's answer is not valid:\n${formatIssues(result.issues)}`);
  return result.value as A2AMethodResult<M>;
}

/** The JSON of one SSE event's data. */
function eventJson(data: string): unknown {
  try {
    return parseAnswer(data);
  } catch {
    throw new InvalidAgentResponseError('an SSE event is not JSON');
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class JsonRpcTransport implements A2ATransport {
  readonly binding = 'JSONRPC';
  constructor(
    readonly url: URL,
    readonly http: HttpClient,
  ) {}

  /**
   * The result of a JSON-RPC response to the request `id`. A response with another id answers some other request
   * (a confused or hostile agent): InvalidAgentResponseError. An error may carry `id: null` when the agent could
   * not read the request's id (JSON-RPC 2.0 §5).
   */
  #unwrap(body: unknown, id: string): unknown {
    if (!isRecord(body) || body.jsonrpc !== '2.0') throw new InvalidAgentResponseError('not a JSON-RPC 2.0 response');
    const isError = isRecord(body.error) && typeof body.error.code === 'number';
    if (body.id !== id && !(isError && body.id === null))
      throw new InvalidAgentResponseError(
        `JSON-RPC response id ${JSON.stringify(body.id)?.slice(0, 80)} does not match the request id ${JSON.stringify(id)}`,
      );
    if (isError) throw errorFromJsonRpc(body.error as { code: number });
    if (!('result' in body)) throw new InvalidAgentResponseError('JSON-RPC response without result or error');
    return body.result;
  }

  async call<M extends UnaryMethod>(
    method: M,
    params: A2AMethodParams<M>,
    options: CallOptions = {},
  ): Promise<A2AMethodResult<M>> {
    const envelope = { jsonrpc: '2.0', id: randomUUID(), method, params };
    const answer = await this.http.exchange('POST', this.url, envelope, options, {
      idempotent: IDEMPOTENT.has(method),
      accept: 'application/json',
    });
    return checkResult(method, this.#unwrap(this.http.parse(answer), envelope.id));
  }

  async *stream<M extends StreamingMethod>(
    method: M,
    params: A2AMethodParams<M>,
    options: CallOptions = {},
  ): AsyncGenerator<StreamResponse> {
    const envelope = { jsonrpc: '2.0', id: randomUUID(), method, params };
    const response = await this.http.send('POST', this.url, envelope, options, {
      idempotent: false,
      accept: 'text/event-stream',
    });
    const type = String(response.headers['content-type'] ?? '');
    if (!type.startsWith('text/event-stream')) {
      this.#unwrap(await this.http.json(response, options.signal), envelope.id);
      throw new InvalidAgentResponseError('expected an event stream');
    }
    for await (const event of this.http.events(response, options.signal)) {
      yield checkResult(method, this.#unwrap(eventJson(event.data), envelope.id)) as StreamResponse;
    }
  }
}

const enc = encodeURIComponent;

export class RestTransport implements A2ATransport {
  readonly binding = 'HTTP+JSON';
  constructor(
    readonly base: URL,
    readonly http: HttpClient,
  ) {}

  #url(path: string, query: Record<string, unknown> = {}): URL {
    const url = new URL(this.base.href.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  #route(method: A2AMethod, p: Record<string, unknown>): { verb: 'GET' | 'POST' | 'DELETE'; url: URL; body?: unknown } {
    switch (method) {
      case 'SendMessage':
        return { verb: 'POST', url: this.#url('/message:send'), body: p };
      case 'SendStreamingMessage':
        return { verb: 'POST', url: this.#url('/message:stream'), body: p };
      case 'GetTask':
        return { verb: 'GET', url: this.#url(`/tasks/${enc(String(p.id))}`, { historyLength: p.historyLength }) };
      case 'ListTasks': {
        const { tenant: _tenant, ...query } = p;
        return { verb: 'GET', url: this.#url('/tasks', query) };
      }
      case 'CancelTask':
        return { verb: 'POST', url: this.#url(`/tasks/${enc(String(p.id))}:cancel`), body: {} };
      case 'SubscribeToTask':
        return { verb: 'GET', url: this.#url(`/tasks/${enc(String(p.id))}:subscribe`) };
      case 'CreateTaskPushNotificationConfig':
        return { verb: 'POST', url: this.#url(`/tasks/${enc(String(p.taskId))}/pushNotificationConfigs`), body: p };
      case 'GetTaskPushNotificationConfig':
        return {
          verb: 'GET',
          url: this.#url(`/tasks/${enc(String(p.taskId))}/pushNotificationConfigs/${enc(String(p.id))}`),
        };
      case 'ListTaskPushNotificationConfigs':
        return {
          verb: 'GET',
          url: this.#url(`/tasks/${enc(String(p.taskId))}/pushNotificationConfigs`, {
            pageSize: p.pageSize,
            pageToken: p.pageToken,
          }),
        };
      case 'DeleteTaskPushNotificationConfig':
        return {
          verb: 'DELETE',
          url: this.#url(`/tasks/${enc(String(p.taskId))}/pushNotificationConfigs/${enc(String(p.id))}`),
        };
      case 'GetExtendedAgentCard':
        return { verb: 'GET', url: this.#url('/extendedAgentCard') };
    }
  }

  async call<M extends UnaryMethod>(
    method: M,
    params: A2AMethodParams<M>,
    options: CallOptions = {},
  ): Promise<A2AMethodResult<M>> {
    const r = this.#route(method, params as Record<string, unknown>);
    const answer = await this.http.exchange(r.verb, r.url, r.body, options, {
      idempotent: IDEMPOTENT.has(method),
      accept: 'application/json',
    });
    return checkResult(method, this.http.parse(answer));
  }

  async *stream<M extends StreamingMethod>(
    method: M,
    params: A2AMethodParams<M>,
    options: CallOptions = {},
  ): AsyncGenerator<StreamResponse> {
    const r = this.#route(method, params as Record<string, unknown>);
    const response = await this.http.send(r.verb, r.url, r.body, options, {
      idempotent: false,
      accept: 'text/event-stream',
    });
    if (response.status >= 400) {
      await this.http.json(response, options.signal); // throws the agent's typed error
      throw errorFromHttp(response.status, undefined);
    }
    for await (const event of this.http.events(response, options.signal)) {
      const body = eventJson(event.data);
      if (isRecord(body) && isRecord(body.error)) throw errorFromHttp(Number(body.error.code) || 500, body);
      yield checkResult(method, body) as StreamResponse;
    }
  }
}
