/**
 * The A2A operations over either HTTP binding, without interpretation: a call gives the result or the error exactly
 * as the agent sent it (JSON-RPC code, HTTP status, ErrorInfo reason), so checks can judge the wire format.
 * JSON-RPC: A2A §9; HTTP+JSON: A2A §11 with the paths of §5.3 (and the `/{tenant}` prefix of the proto's additional
 * bindings when the interface declares a tenant, §8.3.2).
 */
import { randomUUID } from 'node:crypto';
import type { AgentInterface } from '@rightsize/sdk/a2a';
import { A2A_ERROR_SPECS } from '@rightsize/sdk/errors';
import { type Exchange, type HttpAnswer, type HttpRequest, LiveStream, type Probe } from './http.js';
import { CheckFailure, fail } from './model.js';

export type Binding = 'JSONRPC' | 'HTTP+JSON';
export const BINDINGS: readonly Binding[] = ['JSONRPC', 'HTTP+JSON'];

export type A2AOperation =
  | 'SendMessage'
  | 'SendStreamingMessage'
  | 'GetTask'
  | 'ListTasks'
  | 'CancelTask'
  | 'SubscribeToTask'
  | 'CreateTaskPushNotificationConfig'
  | 'GetTaskPushNotificationConfig'
  | 'ListTaskPushNotificationConfigs'
  | 'DeleteTaskPushNotificationConfig'
  | 'GetExtendedAgentCard';

export type A2AErrorName = keyof typeof A2A_ERROR_SPECS;

/** An error as the agent sent it. */
export interface WireError {
  /** JSON-RPC `error.code`, or the REST body's `error.code`. */
  readonly code: number | undefined;
  readonly httpStatus: number;
  /** `google.rpc.ErrorInfo.reason` from the details, if any. */
  readonly reason: string | undefined;
  readonly message: string | undefined;
  /** The error's `data` (JSON-RPC) or `details` (REST). */
  readonly details: unknown;
}

export type Outcome =
  | { readonly ok: true; readonly value: unknown; readonly exchange: Exchange; readonly headers?: Headers }
  | { readonly ok: false; readonly error: WireError; readonly exchange: Exchange; readonly headers?: Headers };

type Headers = Readonly<Record<string, string>>;

export interface CallOptions {
  /** Bearer token; null sends no Authorization header (default: the suite's first token). */
  readonly token?: string | null;
  /** `A2A-Version`; null omits the header (default `1.0`). */
  readonly version?: string | null;
  /** `A2A-Extensions` to activate (default: the card's required extensions); [] sends none. */
  readonly extensions?: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
}

/** A stream the agent opened: its events (JSON-RPC envelopes already unwrapped) are read with `next`. */
export interface A2AStream {
  readonly live: LiveStream;
  /** The next StreamResponse, an error event, or how the stream ended. */
  next(ms: number): Promise<StreamItem>;
  close(): void;
  exchange(): Exchange;
}

export type StreamItem =
  | {
      readonly kind: 'event';
      readonly event: Record<string, unknown> /** The SSE `id:` field, if sent. */;
      readonly id?: string;
    }
  | { readonly kind: 'error'; readonly error: WireError }
  | { readonly kind: 'closed' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'broken'; readonly detail: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const enc = encodeURIComponent;

function errorInfoReason(details: unknown): string | undefined {
  if (!Array.isArray(details)) return undefined;
  const info = details.find((d) => isRecord(d) && String(d['@type'] ?? '').endsWith('google.rpc.ErrorInfo'));
  return isRecord(info) && typeof info.reason === 'string' ? info.reason : undefined;
}

/** The A2A error type a wire error denotes in a binding, if it is one of the known ones. */
export function errorName(binding: Binding, error: WireError): A2AErrorName | undefined {
  const specs = Object.values(A2A_ERROR_SPECS);
  const found =
    binding === 'JSONRPC'
      ? specs.find((s) => s.jsonRpcCode === error.code)
      : specs.find((s) => s.reason === error.reason && s.httpStatus === error.httpStatus);
  return found?.name as A2AErrorName | undefined;
}

/** How an A2A error must look in a binding (A2A §5.4, §9.5, §11.6). */
export function expectedWire(binding: Binding, name: A2AErrorName): string {
  const s = A2A_ERROR_SPECS[name];
  return binding === 'JSONRPC'
    ? `${name}: JSON-RPC error code ${s.jsonRpcCode}`
    : `${name}: HTTP ${s.httpStatus} with google.rpc.ErrorInfo reason ${s.reason}`;
}

export function describeError(error: WireError): string {
  const parts = [
    error.code !== undefined ? `code ${error.code}` : undefined,
    `HTTP ${error.httpStatus}`,
    error.reason ? `reason ${error.reason}` : undefined,
    error.message ? `"${error.message.slice(0, 160)}"` : undefined,
  ];
  return parts.filter(Boolean).join(', ');
}

export class A2ACaller {
  readonly base: URL;
  readonly tenant: string | undefined;

  constructor(
    readonly binding: Binding,
    readonly iface: AgentInterface,
    readonly probe: Probe,
    readonly defaultToken: string | undefined,
    /** Extensions activated on every call unless a call names its own (the card's required ones). */
    readonly defaultExtensions: readonly string[] = [],
  ) {
    this.base = new URL(iface.url);
    this.tenant = iface.tenant || undefined;
  }

  headers(options: CallOptions = {}, body = true): Record<string, string> {
    const token = options.token === undefined ? this.defaultToken : options.token;
    const version = options.version === undefined ? '1.0' : options.version;
    const extensions = options.extensions ?? this.defaultExtensions;
    return {
      accept: 'application/json, application/a2a+json, text/event-stream',
      ...(body ? { 'content-type': this.binding === 'JSONRPC' ? 'application/json' : 'application/a2a+json' } : {}),
      ...(version !== null ? { 'a2a-version': version } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(extensions.length ? { 'a2a-extensions': extensions.join(',') } : {}),
      ...options.headers,
    };
  }

  /** The REST path of an operation (A2A §5.3, §11.3). */
  restRequest(method: A2AOperation, params: Record<string, unknown>): Omit<HttpRequest, 'headers'> {
    const prefix = this.tenant ? `/${enc(this.tenant)}` : '';
    const url = (path: string, query: Record<string, unknown> = {}) => {
      const u = new URL(this.base.href.replace(/\/$/, '') + prefix + path);
      for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
      return u;
    };
    const { tenant: _tenant, ...p } = params;
    const task = enc(String(p.id ?? ''));
    const pushTask = enc(String(p.taskId ?? ''));
    switch (method) {
      case 'SendMessage':
        return { method: 'POST', url: url('/message:send'), body: p };
      case 'SendStreamingMessage':
        return { method: 'POST', url: url('/message:stream'), body: p };
      case 'GetTask':
        return { method: 'GET', url: url(`/tasks/${task}`, { historyLength: p.historyLength }) };
      case 'ListTasks':
        return { method: 'GET', url: url('/tasks', p) };
      case 'CancelTask':
        return { method: 'POST', url: url(`/tasks/${task}:cancel`), body: {} };
      case 'SubscribeToTask':
        return { method: 'POST', url: url(`/tasks/${task}:subscribe`), body: {} };
      case 'CreateTaskPushNotificationConfig':
        return { method: 'POST', url: url(`/tasks/${pushTask}/pushNotificationConfigs`), body: p };
      case 'GetTaskPushNotificationConfig':
        return { method: 'GET', url: url(`/tasks/${pushTask}/pushNotificationConfigs/${enc(String(p.id))}`) };
      case 'ListTaskPushNotificationConfigs': {
        const { taskId: _t, ...query } = p;
        return { method: 'GET', url: url(`/tasks/${pushTask}/pushNotificationConfigs`, query) };
      }
      case 'DeleteTaskPushNotificationConfig':
        return { method: 'DELETE', url: url(`/tasks/${pushTask}/pushNotificationConfigs/${enc(String(p.id))}`) };
      case 'GetExtendedAgentCard':
        return { method: 'GET', url: url('/extendedAgentCard') };
    }
  }

  #jsonRpcRequest(method: A2AOperation, params: Record<string, unknown>, options: CallOptions): HttpRequest {
    const withTenant = this.tenant ? { ...params, tenant: this.tenant } : params;
    return {
      method: 'POST',
      url: this.base,
      headers: this.headers(options),
      body: { jsonrpc: '2.0', id: randomUUID(), method, params: withTenant },
    };
  }

  #request(method: A2AOperation, params: Record<string, unknown>, options: CallOptions): HttpRequest {
    if (this.binding === 'JSONRPC') return this.#jsonRpcRequest(method, params, options);
    const r = this.restRequest(method, params);
    return { ...r, headers: this.headers(options, r.body !== undefined) };
  }

  /** Read an answer as a result or an error of this binding; anything else fails the check. */
  interpret(answer: HttpAnswer): Outcome {
    const { json, exchange, headers } = answer;
    if (this.binding === 'JSONRPC') {
      if (!isRecord(json) || json.jsonrpc !== '2.0') {
        fail(`the answer is not a JSON-RPC 2.0 response object (HTTP ${answer.status})`, exchange);
      }
      if (isRecord(json.error))
        return { ok: false, error: this.#jsonRpcError(json.error, answer.status), exchange, headers };
      if (!('result' in json)) fail('the JSON-RPC response has neither result nor error', exchange);
      return { ok: true, value: json.result, exchange, headers };
    }
    if (answer.status >= 200 && answer.status < 300) {
      if (answer.text !== '' && json === undefined) fail(`the answer is not JSON (HTTP ${answer.status})`, exchange);
      return { ok: true, value: json ?? {}, exchange, headers };
    }
    const body = isRecord(json) && isRecord(json.error) ? json.error : undefined;
    return {
      ok: false,
      error: {
        code: typeof body?.code === 'number' ? body.code : undefined,
        httpStatus: answer.status,
        reason: errorInfoReason(body?.details),
        message: typeof body?.message === 'string' ? body.message : undefined,
        details: body?.details,
      },
      exchange,
      headers,
    };
  }

  #jsonRpcError(error: Record<string, unknown>, status: number): WireError {
    return {
      code: typeof error.code === 'number' ? error.code : undefined,
      httpStatus: status,
      reason: errorInfoReason(error.data),
      message: typeof error.message === 'string' ? error.message : undefined,
      details: error.data,
    };
  }

  async call(
    method: A2AOperation,
    params: Record<string, unknown>,
    options: CallOptions = {},
    signal?: AbortSignal,
  ): Promise<Outcome> {
    return this.interpret(await this.probe.send(this.#request(method, params, options), signal));
  }

  /** Open a streaming operation: a stream, or the error the agent answered with instead. */
  async open(
    method: 'SendStreamingMessage' | 'SubscribeToTask',
    params: Record<string, unknown>,
    options: CallOptions = {},
    signal?: AbortSignal,
  ): Promise<A2AStream | Outcome> {
    let opened = await this.probe.open(this.#request(method, params, options), signal);
    // The proto's http annotation maps SubscribeToTask to GET while A2A §5.3/§11.3.2 say POST: accept either.
    if (
      !(opened instanceof LiveStream) &&
      this.binding === 'HTTP+JSON' &&
      method === 'SubscribeToTask' &&
      (opened.status === 404 || opened.status === 405) &&
      !errorInfoReason(isRecord(opened.json) && isRecord(opened.json.error) ? opened.json.error.details : undefined)
    ) {
      const r = this.restRequest(method, params);
      opened = await this.probe.open({ method: 'GET', url: r.url, headers: this.headers(options, false) }, signal);
    }
    if (!(opened instanceof LiveStream)) {
      const outcome = this.interpret(opened);
      if (outcome.ok) fail('expected an event stream (text/event-stream), got a single answer', opened.exchange);
      return outcome;
    }
    return this.#wrap(opened);
  }

  #wrap(live: LiveStream): A2AStream {
    const binding = this.binding;
    const self = this;
    return {
      live,
      close: () => live.close(),
      exchange: () => live.exchange(),
      async next(ms: number): Promise<StreamItem> {
        const step = await live.next(ms);
        if (step.kind !== 'event') return step;
        let data: unknown;
        try {
          data = JSON.parse(step.data);
        } catch {
          throw new CheckFailure(`an SSE event's data is not JSON: ${step.data.slice(0, 200)}`, live.exchange());
        }
        if (binding === 'JSONRPC') {
          if (!isRecord(data) || data.jsonrpc !== '2.0')
            throw new CheckFailure('an SSE event is not a JSON-RPC 2.0 response object (A2A §9.4.2)', live.exchange());
          if (isRecord(data.error)) return { kind: 'error', error: self.#jsonRpcError(data.error, live.status) };
          if (!isRecord(data.result))
            throw new CheckFailure('an SSE event has no result object (A2A §9.4.2)', live.exchange());
          return { kind: 'event', event: data.result, ...(step.id !== undefined ? { id: step.id } : {}) };
        }
        if (isRecord(data) && isRecord(data.error)) {
          const e = data.error;
          return {
            kind: 'error',
            error: {
              code: typeof e.code === 'number' ? e.code : undefined,
              httpStatus: live.status,
              reason: errorInfoReason(e.details),
              message: typeof e.message === 'string' ? e.message : undefined,
              details: e.details,
            },
          };
        }
        if (!isRecord(data)) throw new CheckFailure('an SSE event is not a JSON object (A2A §11.7)', live.exchange());
        return { kind: 'event', event: data, ...(step.id !== undefined ? { id: step.id } : {}) };
      },
    };
  }
}

export const isStream = (v: A2AStream | Outcome): v is A2AStream => 'live' in v;
