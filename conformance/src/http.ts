/**
 * Raw HTTP for the checks: every request has a time limit and a size limit, every answer is recorded (abbreviated)
 * so a failure can say what was sent and what came back, and transport trouble (down, timeout, garbage) becomes a
 * CheckFailure with a plain explanation instead of an exception or a hang. Streams are read event by event, each
 * wait bounded, so a server that streams forever or never closes gives a failed check.
 */
import { parseSse } from '@rightsize/sdk/client';
import { Agent, type Dispatcher, request } from 'undici';
import { CheckFailure } from './model.js';

export interface Exchange {
  /** `METHOD url`, the A2A headers and the body, abbreviated. */
  readonly sent: string;
  /** `HTTP status content-type` and the body (or the stream's events), abbreviated. */
  readonly received: string;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** A value to send as JSON, or raw text (sent as is). */
  readonly body?: unknown;
  readonly rawBody?: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  readonly json: unknown;
  readonly exchange: Exchange;
}

const MAX_BODY = 4 * 1024 * 1024;
const SHOWN = 700;

export const abbreviate = (text: string, max = SHOWN) =>
  text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function describeSent(r: HttpRequest, body: string | undefined): string {
  const shown = Object.entries(r.headers ?? {})
    .filter(([k]) => /^(a2a-|content-type|if-none-match)/i.test(k))
    .map(([k, v]) => `${k}: ${v}`);
  if (r.headers && Object.keys(r.headers).some((k) => k.toLowerCase() === 'authorization')) {
    shown.push('authorization: (redacted)');
  }
  return abbreviate([`${r.method} ${r.url.href}`, ...shown, ...(body ? [body] : [])].join('\n'));
}

const errorText = (error: unknown) =>
  error instanceof Error
    ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`
    : String(error);

/** One event of a stream, or how the stream ended. */
export type StreamStep =
  | { readonly kind: 'event'; readonly data: string /** The SSE `id:` field, if sent. */; readonly id?: string }
  | { readonly kind: 'closed' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'broken'; readonly detail: string };

/** A stream being read; `next(ms)` waits at most ms for the next event. */
export class LiveStream {
  readonly data: string[] = [];
  #ended: StreamStep | undefined;
  #pending: Promise<IteratorResult<{ data: string; id?: string }>> | undefined;
  readonly #iterator: AsyncGenerator<{ data: string; id?: string }>;
  readonly #close: () => void;

  constructor(
    readonly status: number,
    readonly headers: Readonly<Record<string, string>>,
    readonly sent: string,
    body: Dispatcher.ResponseData['body'],
  ) {
    this.#iterator = parseSse(body, { maxEventBytes: MAX_BODY });
    this.#close = () => {
      body.on('error', () => undefined);
      body.destroy();
    };
  }

  get ended(): StreamStep | undefined {
    return this.#ended;
  }

  async next(ms: number): Promise<StreamStep> {
    if (this.#ended) return this.#ended;
    this.#pending ??= this.#iterator.next();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    });
    try {
      const step = await Promise.race([this.#pending, timeout]);
      if (step === 'timeout') return { kind: 'timeout' };
      this.#pending = undefined;
      if (step.done) return this.#end({ kind: 'closed' });
      this.data.push(step.value.data);
      const { data, id } = step.value;
      return id === undefined ? { kind: 'event', data } : { kind: 'event', data, id };
    } catch (error) {
      this.#pending = undefined;
      return this.#end({ kind: 'broken', detail: errorText(error) });
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.#close();
    this.#ended ??= { kind: 'closed' };
  }

  #end(step: StreamStep): StreamStep {
    this.#ended = step;
    this.#close();
    return step;
  }

  exchange(end?: string): Exchange {
    const events = this.data.map((d, i) => `  [${i}] ${abbreviate(d, 240)}`);
    const how = end ?? (this.#ended ? this.#ended.kind : 'still open');
    return {
      sent: this.sent,
      received: abbreviate(
        [`HTTP ${this.status} ${this.headers['content-type'] ?? ''}`, ...events, `(stream ${how})`].join('\n'),
        2400,
      ),
    };
  }
}

/** The suite's HTTP client; `last` is the most recent exchange (used when a check fails without naming one). */
export class Probe {
  readonly #dispatcher = new Agent({ connections: 16, pipelining: 0 });
  last: Exchange | undefined;

  constructor(readonly timeoutMs: number) {}

  async close(): Promise<void> {
    await this.#dispatcher.destroy();
  }

  async #request(r: HttpRequest, stream: boolean, signal?: AbortSignal) {
    const body = r.rawBody ?? (r.body === undefined ? undefined : JSON.stringify(r.body));
    const sent = describeSent(r, body);
    this.last = { sent, received: '(no answer yet)' };
    const limit = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await request(r.url, {
        method: r.method,
        headers: r.headers ?? {},
        ...(body !== undefined ? { body } : {}),
        dispatcher: this.#dispatcher,
        signal: stream ? signal : signal ? AbortSignal.any([signal, limit]) : limit,
        headersTimeout: this.timeoutMs,
        bodyTimeout: stream ? 0 : this.timeoutMs,
      });
      return { response, sent };
    } catch (error) {
      const timedOut = limit.aborted || (error as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT';
      const received = timedOut ? `no answer within ${this.timeoutMs} ms` : `connection failed: ${errorText(error)}`;
      this.last = { sent, received };
      throw new CheckFailure(timedOut ? `the server did not answer within ${this.timeoutMs} ms` : received, this.last);
    }
  }

  /** A unary request: the whole answer within the time limit and the size limit. */
  async send(r: HttpRequest, signal?: AbortSignal): Promise<HttpAnswer> {
    const { response, sent } = await this.#request(r, false, signal);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        size += (chunk as Buffer).byteLength;
        if (size > MAX_BODY) {
          response.body.destroy();
          this.last = { sent, received: `HTTP ${response.statusCode}: body larger than ${MAX_BODY} bytes` };
          throw new CheckFailure(`the answer is larger than ${MAX_BODY} bytes`, this.last);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      if (error instanceof CheckFailure) throw error;
      this.last = { sent, received: `HTTP ${response.statusCode}: the body was cut off (${errorText(error)})` };
      throw new CheckFailure(`the answer's body did not complete within ${this.timeoutMs} ms or broke`, this.last);
    }
    return this.#answer(
      response.statusCode,
      flatHeaders(response.headers),
      sent,
      Buffer.concat(chunks).toString('utf8'),
    );
  }

  /** A complete answer: its body parsed as JSON when it is JSON, and the exchange recorded as the last one. */
  #answer(status: number, headers: Readonly<Record<string, string>>, sent: string, text: string): HttpAnswer {
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    const exchange = { sent, received: abbreviate(`HTTP ${status} ${headers['content-type'] ?? ''}\n${text}`) };
    this.last = exchange;
    return { status, headers, text, json, exchange };
  }

  /**
   * A streaming request. An SSE answer becomes a LiveStream; anything else (an error answer) is read as a unary
   * answer. The caller must close the stream.
   */
  async open(r: HttpRequest, signal?: AbortSignal): Promise<LiveStream | HttpAnswer> {
    const { response, sent } = await this.#request(r, true, signal);
    const headers = flatHeaders(response.headers);
    if (!String(headers['content-type'] ?? '').startsWith('text/event-stream')) {
      // Not a stream: the body must come within the time limit like any unary answer.
      let timer: NodeJS.Timeout | undefined;
      const text = await Promise.race([
        response.body.text().catch(() => ''),
        new Promise<string>((resolve) => {
          timer = setTimeout(() => {
            response.body.on('error', () => undefined);
            response.body.destroy();
            resolve(`(the body did not complete within ${this.timeoutMs} ms)`);
          }, this.timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      return this.#answer(response.statusCode, headers, sent, text);
    }
    return new LiveStream(response.statusCode, headers, sent, response.body);
  }
}
