/**
 * The HTTP layer shared by both client bindings: one pooled undici dispatcher, the A2A service parameters
 * (`A2A-Version`, `A2A-Extensions`), authentication hooks and interceptors, time limits, retries with backoff for
 * idempotent calls, and the mapping of failures to typed errors.
 */
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

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Dispatcher.ResponseData['body'];
  /** Fires when the call's time limit passes (never for streams, whose limit is the time to headers). */
  readonly timeout: AbortSignal | undefined;
}

/**
 * An agent's JSON answer, with lone UTF-16 surrogates replaced by U+FFFD, as invalid UTF-8 bytes are: no UTF-8 text
 * (an A2A string, a broker's store) can hold one, and one split emoji should not fail a whole answer.
 */
export function parseAnswer(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return mayHoldLoneSurrogate(text) ? withoutLoneSurrogates(value) : value;
}

export class HttpClient {
  readonly #o: HttpOptions;
  readonly #dispatcher: Dispatcher;
  readonly #owned: boolean;

  constructor(options: HttpOptions = {}) {
    this.#o = options;
    this.#owned = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      (options.allowPrivateNetworks
        ? new Agent({ connections: 64 })
        : new Agent({ connections: 64, connect: { lookup: guardedLookup } }));
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#dispatcher.close();
  }

  /** Sends a request; retries idempotent ones; throws typed errors. The caller consumes or dumps the body. */
  async send(
    method: OutgoingRequest['method'],
    url: URL,
    body: unknown,
    call: CallOptions,
    { idempotent, accept, stream = false }: { idempotent: boolean; accept: string; stream?: boolean },
  ): Promise<HttpResponse> {
    const extensions = [...(this.#o.extensions ?? []), ...(call.extensions ?? [])];
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
    Object.assign(headers, call.headers);
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
    const attempts = idempotent ? 1 + (this.#o.retries ?? 2) : 1;
    const timeoutMs = call.timeoutMs ?? this.#o.timeoutMs ?? 30_000;
    for (let attempt = 0; ; attempt++) {
      if (call.signal?.aborted) throw new A2AAbortError('the call was aborted');
      // A unary call is limited as a whole; a stream only until its headers arrive (headersTimeout below).
      const timeout = stream ? undefined : AbortSignal.timeout(timeoutMs);
      const signals = [call.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
      const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
      try {
        const response = await request(outgoing.url, {
          method: outgoing.method,
          headers: outgoing.headers,
          ...(outgoing.body !== undefined ? { body: outgoing.body } : {}),
          dispatcher: this.#dispatcher,
          ...(signal ? { signal } : {}),
          headersTimeout: timeoutMs,
          bodyTimeout: 0,
        });
        const retryable = response.statusCode === 502 || response.statusCode === 503 || response.statusCode === 504;
        if (retryable && attempt + 1 < attempts) {
          await response.body.dump();
          await backoff(attempt, call.signal);
          continue;
        }
        return { status: response.statusCode, headers: response.headers, body: response.body, timeout };
      } catch (error) {
        if (call.signal?.aborted) throw new A2AAbortError('the call was aborted', { cause: error });
        const headersTimedOut = (error as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT';
        if (timeout?.aborted || headersTimedOut) {
          throw new A2ATimeoutError(`no answer from ${url.origin} within ${timeoutMs} ms`, { cause: error });
        }
        if (error instanceof A2AClientError) throw error;
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

  /** Reads a JSON body within the size limit; non-2xx answers become typed A2A errors (A2A §11.6). */
  async json(response: HttpResponse, signal?: AbortSignal): Promise<unknown> {
    const text = await this.text(response, signal);
    let value: unknown;
    try {
      value = text === '' ? {} : parseAnswer(text);
    } catch {
      if (response.status >= 400) throw errorFromHttp(response.status, undefined);
      throw new A2AClientError(`the agent answered with invalid JSON (HTTP ${response.status})`);
    }
    if (response.status >= 400) throw errorFromHttp(response.status, value);
    return value;
  }

  async text(response: HttpResponse, signal?: AbortSignal): Promise<string> {
    const max = this.#o.maxResponseBytes ?? 8 * 1024 * 1024;
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
      if (response.timeout?.aborted)
        throw new A2ATimeoutError('the response did not complete in time', { cause: error });
      throw new A2AConnectionError(
        `the response was cut off: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
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
      yield* parseSse(response.body, { maxEventBytes: this.#o.maxResponseBytes ?? 8 * 1024 * 1024 });
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
