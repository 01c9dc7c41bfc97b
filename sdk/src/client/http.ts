/**
 * The HTTP layer shared by both client bindings: one pooled undici dispatcher, the A2A service parameters
 * (`A2A-Version`, `A2A-Extensions`), authentication hooks and interceptors, time limits, retries with backoff for
 * idempotent calls, and the mapping of failures to typed errors.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher, request } from 'undici';
import { A2AError, errorFromHttp } from '../a2a/errors.js';
import { AddressNotAllowedError, addressRefusalIn, isNonPublicAddress } from '../net/address-policy.js';
import { guardedLookup } from '../net/fetch-text.js';
import { redactUrlsIn } from '../net/redact.js';
import { mayHoldLoneSurrogate, withoutLoneSurrogates } from '../validate/unicode.js';
import {
  A2AAbortError,
  A2AAddressNotAllowedError,
  A2AClientError,
  A2AConnectionError,
  A2ATimeoutError,
} from './errors.js';
import { parseSse, type SseEvent } from './sse.js';

export const A2A_PROTOCOL_VERSION = '1.0';

export interface OutgoingRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** Runs before every request; may add or change headers (e.g. tracing, signing). */
export type Interceptor = (request: OutgoingRequest) => void | Promise<void>;

export interface AuthOptions {
  /** `Authorization: Bearer …`; a function is called for every request (token refresh). */
  readonly bearer?: string | (() => string | Promise<string>);
  /** An API key header, e.g. `{ header: 'x-api-key', value: '…' }`. */
  readonly apiKey?: { readonly header: string; readonly value: string };
}

export interface HttpOptions {
  /** Default time limit per call in ms (default 30 000); streams: time to the response headers. */
  readonly timeoutMs?: number;
  readonly auth?: AuthOptions;
  readonly interceptors?: readonly Interceptor[];
  /** Extensions to activate on every call (A2A §4.6). */
  readonly extensions?: readonly string[];
  /** Retries for idempotent calls on connection errors and HTTP 502/503/504 (default 2), backoff from 100 ms. */
  readonly retries?: number;
  /** Allow agents on loopback or private networks (default false). */
  readonly allowPrivateNetworks?: boolean;
  /** Use this dispatcher instead of a new pooled one. */
  readonly dispatcher?: Dispatcher;
  /** Largest response body or SSE event accepted, in bytes (default 8 MiB). */
  readonly maxResponseBytes?: number;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** Extra headers for this call. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Extensions to activate for this call, in addition to the client's. */
  readonly extensions?: readonly string[];
}

/** A response whose body is still to be read: a stream (`HttpClient.send`). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Dispatcher.ResponseData['body'];
}

/**
 * An agent's JSON answer, with lone UTF-16 surrogates replaced by U+FFFD, as invalid UTF-8 bytes are: no UTF-8 text
 * (an A2A string, a broker's store) can hold one, and one split emoji should not fail a whole answer.
 */
export function parseAnswer(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return mayHoldLoneSurrogate(text) ? withoutLoneSurrogates(value) : value;
}

/** A whole response, its body read within the size limit (`HttpClient.exchange`). */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

const isRetryableStatus = (status: number) => status === 502 || status === 503 || status === 504;

export class HttpClient {
  readonly #o: HttpOptions;
  readonly #dispatcher: Dispatcher;
  readonly #owned: boolean;
  readonly #extensions: readonly string[];
  /** The calls waiting on each caller's signal: one 'abort' listener per signal however many calls share it. */
  readonly #aborts = new WeakMap<AbortSignal, { readonly calls: Set<() => void>; readonly listener: () => void }>();

  constructor(options: HttpOptions = {}) {
    this.#o = options;
    this.#owned = options.dispatcher === undefined;
    this.#extensions = options.extensions ?? [];
    this.#dispatcher =
      options.dispatcher ??
      (options.allowPrivateNetworks
        ? new Agent({ connections: 64 })
        : new Agent({ connections: 64, connect: { lookup: guardedLookup } }));
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#dispatcher.close();
  }

  get #maxBytes(): number {
    return this.#o.maxResponseBytes ?? 8 * 1024 * 1024;
  }

  /**
   * A unary call: sends the request and reads the whole answer, both within the call's time limit; retries
   * idempotent calls; throws typed errors. Uses undici's dispatch API with one handler per call (no body stream, one
   * timer, one listener on the caller's signal).
   */
  async exchange(
    method: OutgoingRequest['method'],
    url: URL,
    body: unknown,
    call: CallOptions,
    options: { idempotent: boolean; accept: string },
  ): Promise<HttpAnswer> {
    const outgoing = await this.#outgoing(method, url, body, call, options.accept);
    const timeoutMs = this.#timeoutMs(call);
    return this.#attempts(outgoing, call, options.idempotent, timeoutMs, {
      once: () => this.#dispatchWhole(outgoing, call.signal, timeoutMs),
      discard: async () => {},
    });
  }

  /**
   * A call whose answer is read as a stream (SSE): the time limit bounds only the wait for the response headers;
   * retries idempotent calls; throws typed errors. The caller consumes or dumps the body.
   */
  async send(
    method: OutgoingRequest['method'],
    url: URL,
    body: unknown,
    call: CallOptions,
    options: { idempotent: boolean; accept: string },
  ): Promise<HttpResponse> {
    const outgoing = await this.#outgoing(method, url, body, call, options.accept);
    const timeoutMs = this.#timeoutMs(call);
    return this.#attempts(outgoing, call, options.idempotent, timeoutMs, {
      once: async () => {
        const response = await request(outgoing.url, {
          method: outgoing.method,
          headers: outgoing.headers,
          ...(outgoing.body !== undefined ? { body: outgoing.body } : {}),
          dispatcher: this.#dispatcher,
          ...(call.signal ? { signal: call.signal } : {}),
          headersTimeout: timeoutMs,
          bodyTimeout: 0,
        });
        return { status: response.statusCode, headers: response.headers, body: response.body };
      },
      discard: (response) => response.body.dump(),
    });
  }

  #timeoutMs(call: CallOptions): number {
    return call.timeoutMs ?? this.#o.timeoutMs ?? 30_000;
  }

  /** The request as sent: A2A service parameters, auth, the call's headers, then the interceptors; address policy. */
  async #outgoing(
    method: OutgoingRequest['method'],
    url: URL,
    body: unknown,
    call: CallOptions,
    accept: string,
  ): Promise<OutgoingRequest> {
    const extensions = call.extensions?.length ? [...this.#extensions, ...call.extensions] : this.#extensions;
    const headers: Record<string, string> = {
      accept,
      'a2a-version': A2A_PROTOCOL_VERSION,
      ...(extensions.length > 0 ? { 'a2a-extensions': extensions.join(',') } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    };
    const auth = this.#o.auth;
    if (auth?.bearer)
      headers.authorization = `Bearer ${typeof auth.bearer === 'function' ? await auth.bearer() : auth.bearer}`;
    if (auth?.apiKey) headers[auth.apiKey.header.toLowerCase()] = auth.apiKey.value;
    if (call.headers) Object.assign(headers, call.headers);
    const outgoing: OutgoingRequest = {
      method,
      url,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    };
    for (const interceptor of this.#o.interceptors ?? []) await interceptor(outgoing);

    // Names are checked at connection time (guardedLookup); literal addresses never reach a lookup, so check them here.
    if (!this.#o.allowPrivateNetworks && this.#o.dispatcher === undefined && isNonPublicAddress(url.hostname)) {
      throw refusal(new AddressNotAllowedError(url.hostname, url.hostname));
    }
    return outgoing;
  }

  /** Runs `once` until it answers, retrying idempotent calls on connection errors and 502/503/504 with backoff. */
  async #attempts<T extends { readonly status: number }>(
    outgoing: OutgoingRequest,
    call: CallOptions,
    idempotent: boolean,
    timeoutMs: number,
    run: { once: () => Promise<T>; discard: (answer: T) => Promise<void> },
  ): Promise<T> {
    const url = outgoing.url;
    const attempts = idempotent ? 1 + (this.#o.retries ?? 2) : 1;
    for (let attempt = 0; ; attempt++) {
      if (call.signal?.aborted) throw new A2AAbortError('the call was aborted');
      try {
        const answer = await run.once();
        if (isRetryableStatus(answer.status) && attempt + 1 < attempts) {
          await run.discard(answer);
          await backoff(attempt, call.signal);
          continue;
        }
        return answer;
      } catch (error) {
        if (error instanceof A2AClientError) throw error;
        if (call.signal?.aborted) throw new A2AAbortError('the call was aborted', { cause: error });
        if ((error as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT') {
          throw new A2ATimeoutError(`no answer from ${url.origin} within ${timeoutMs} ms`, { cause: error });
        }
        // The address policy's answer will not change on a retry.
        const refused = addressRefusalIn(error);
        if (refused) throw refusal(refused);
        if (attempt + 1 < attempts) {
          await backoff(attempt, call.signal);
          continue;
        }
        const reason = redactUrlsIn(error instanceof Error ? error.message : String(error));
        throw new A2AConnectionError(`cannot reach ${url.origin}: ${reason}`, { cause: error });
      }
    }
  }

  /** One attempt of a unary call: the whole answer, or a typed error when the time limit or the caller ends it. */
  #dispatchWhole(outgoing: OutgoingRequest, signal: AbortSignal | undefined, timeoutMs: number): Promise<HttpAnswer> {
    const url = outgoing.url;
    const whole = new WholeResponse(this.#maxBytes);
    const timer = setTimeout(() => {
      whole.end(
        whole.status === 0
          ? new A2ATimeoutError(`no answer from ${url.origin} within ${timeoutMs} ms`)
          : new A2ATimeoutError('the response did not complete in time'),
      );
    }, timeoutMs);
    const stopWatching = signal
      ? this.#onAbort(signal, () => whole.end(new A2AAbortError('the call was aborted')))
      : undefined;
    this.#dispatcher.dispatch(
      {
        origin: url.origin,
        path: url.pathname + url.search,
        method: outgoing.method,
        headers: outgoing.headers,
        ...(outgoing.body !== undefined ? { body: outgoing.body } : {}),
        headersTimeout: timeoutMs,
        bodyTimeout: 0,
      },
      whole,
    );
    return whole.answer.finally(() => {
      clearTimeout(timer);
      stopWatching?.();
    });
  }

  /** Calls `abort` when `signal` aborts, until the returned function is called. */
  #onAbort(signal: AbortSignal, abort: () => void): () => void {
    let watch = this.#aborts.get(signal);
    if (!watch) {
      const calls = new Set<() => void>();
      const listener = () => {
        this.#aborts.delete(signal);
        for (const call of calls) call();
      };
      watch = { calls, listener };
      this.#aborts.set(signal, watch);
      signal.addEventListener('abort', listener, { once: true });
    }
    const { calls, listener } = watch;
    calls.add(abort);
    return () => {
      calls.delete(abort);
      if (calls.size > 0 || this.#aborts.get(signal)?.calls !== calls) return;
      this.#aborts.delete(signal);
      signal.removeEventListener('abort', listener);
    };
  }

  /** Decodes a whole answer's JSON; non-2xx answers become typed A2A errors (A2A §11.6). */
  parse(answer: Pick<HttpAnswer, 'status' | 'text'>): unknown {
    let value: unknown;
    try {
      value = answer.text === '' ? {} : parseAnswer(answer.text);
    } catch {
      if (answer.status >= 400) throw errorFromHttp(answer.status, undefined);
      throw new A2AClientError(`the agent answered with invalid JSON (HTTP ${answer.status})`);
    }
    if (answer.status >= 400) throw errorFromHttp(answer.status, value);
    return value;
  }

  /** Reads a streamed response's JSON body within the size limit (an agent that answered a stream with an error). */
  async json(response: HttpResponse, signal?: AbortSignal): Promise<unknown> {
    return this.parse({ status: response.status, text: await this.text(response, signal) });
  }

  async text(response: HttpResponse, signal?: AbortSignal): Promise<string> {
    const max = this.#maxBytes;
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        size += (chunk as Buffer).byteLength;
        if (size > max) {
          response.body.on('error', () => {});
          response.body.destroy();
          throw new A2AClientError(`response larger than ${max} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      if (error instanceof A2AClientError) throw error;
      if (signal?.aborted) throw new A2AAbortError('the call was aborted', { cause: error });
      throw cutOff(error);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** SSE events of a streaming response; a non-2xx or non-SSE answer is read as an error. */
  async *events(response: HttpResponse, signal?: AbortSignal): AsyncGenerator<SseEvent> {
    const type = String(response.headers['content-type'] ?? '');
    if (response.status >= 400 || !type.startsWith('text/event-stream')) {
      const value = await this.json(response, signal);
      throw new A2AClientError(
        `expected an event stream, got ${type || 'no content type'}: ${JSON.stringify(value).slice(0, 200)}`,
      );
    }
    try {
      yield* parseSse(response.body, { maxEventBytes: this.#maxBytes });
    } catch (error) {
      if (error instanceof A2AError) throw error;
      if (signal?.aborted) throw new A2AAbortError('the stream was aborted', { cause: error });
      if (error instanceof Error && error.name === 'SseError')
        throw new A2AClientError(error.message, { cause: error });
      throw new A2AConnectionError(`the stream broke: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    } finally {
      response.body.on('error', () => {});
      response.body.destroy();
    }
  }
}

const cutOff = (error: unknown) =>
  new A2AConnectionError(`the response was cut off: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });

/**
 * undici dispatch handler that collects one response within `maxBytes`. `end(error)` settles it at once (time limit,
 * caller's signal) and aborts the request as soon as it has reached a connection. An error before the response
 * started is raw (the caller maps and may retry it); one after is the response cut off.
 */
class WholeResponse implements Dispatcher.DispatchHandler {
  status = 0;
  #headers: Record<string, string | string[] | undefined> = {};
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #controller: Dispatcher.DispatchController | undefined;
  /** Why `end` ended it (to abort the request once it reaches a connection). */
  #reason: Error | undefined;
  #settled = false;
  readonly answer: Promise<HttpAnswer>;
  #resolve!: (answer: HttpAnswer) => void;
  #reject!: (error: Error) => void;

  constructor(readonly maxBytes: number) {
    this.answer = new Promise<HttpAnswer>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  end(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reason = error;
    this.#reject(error);
    this.#controller?.abort(error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#reason) controller.abort(this.#reason);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // informational (1xx): the response proper follows
    this.status = statusCode;
    this.#headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    this.#size += chunk.byteLength;
    if (this.#size > this.maxBytes) this.end(new A2AClientError(`response larger than ${this.maxBytes} bytes`));
    else this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#settled = true;
    const text =
      this.#chunks.length === 1
        ? (this.#chunks[0] as Buffer).toString('utf8')
        : Buffer.concat(this.#chunks).toString('utf8');
    this.#resolve({ status: this.status, headers: this.#headers, text });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(this.status === 0 ? error : cutOff(error));
  }
}

function refusal(error: AddressNotAllowedError): A2AAddressNotAllowedError {
  return new A2AAddressNotAllowedError(error.host, error.address, { cause: error });
}

async function backoff(attempt: number, signal?: AbortSignal): Promise<void> {
  const ms = 100 * 2 ** attempt;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new A2AAbortError('the call was aborted'));
      },
      { once: true },
    );
  });
}
