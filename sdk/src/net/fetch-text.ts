/**
 * Fetch a small text document (an agent card, a JSON file) over HTTP(S) with a timeout, a size limit and the
 * address policy applied at connection time (so DNS rebinding cannot bypass it).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, type Dispatcher, request } from 'undici';
import { AddressNotAllowedError, addressRefusalIn, isNonPublicAddress } from './address-policy.js';
import { redactUrl, redactUrlsIn } from './redact.js';

export interface FetchTextOptions {
  readonly signal?: AbortSignal;
  /** Overall time limit in milliseconds (default 10 000). */
  readonly timeoutMs?: number;
  /** Largest body accepted, in bytes (default 4 MiB). */
  readonly maxBytes?: number;
  /** Allow loopback and private-range addresses (default false). */
  readonly allowPrivateNetworks?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  /** Use this dispatcher instead of a fresh one (connection pooling); the address policy is then the caller's. */
  readonly dispatcher?: Dispatcher;
}

export interface FetchedText {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

/** What went wrong in a fetch: a bad URL, a body over the limit, a non-2xx status, the time limit, the caller's
 * abort, or the transport (DNS, connection, TLS, a cut body). */
export type FetchFailureKind = 'url' | 'too-large' | 'status' | 'timeout' | 'aborted' | 'transport';

/** Raised for transport failures, limits and non-2xx answers when fetching a document. */
export class FetchTextError extends Error {
  override readonly name = 'FetchTextError';
  readonly kind: FetchFailureKind;
  constructor(
    message: string,
    readonly status?: number,
    options: { cause?: unknown; kind?: FetchFailureKind } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options.kind ?? 'transport';
  }
}

/** A `lookup` for net.connect that refuses non-public addresses. */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => isNonPublicAddress(a.address));
    if (bad) return callback(new AddressNotAllowedError(hostname, bad.address), '', 0);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    const first = list[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
};

/** A pooled undici dispatcher that applies the address policy on every connection. */
export function publicOnlyAgent(): Agent {
  return new Agent({ connect: { lookup: guardedLookup } });
}

/** Stop reading a body we refuse; the abort it causes is expected, not an error to report. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

/** Redirects are not followed (the caller decides whether the target is trusted); the error names the target. */
function redirectNote(status: number, location: string | string[] | undefined, base: URL): string {
  if (status < 300 || status > 399 || typeof location !== 'string') return '';
  let target: string;
  try {
    target = redactUrl(new URL(location, base));
  } catch {
    return ' (a redirect to an invalid Location, not followed)';
  }
  return ` (a redirect to ${target}, not followed: fetch that URL instead)`;
}

export async function fetchText(url: string, options: FetchTextOptions = {}): Promise<FetchedText> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new FetchTextError(`not a valid URL: ${redactUrl(url)}`, undefined, { cause, kind: 'url' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new FetchTextError(`unsupported URL scheme ${parsed.protocol} (use http or https)`, undefined, {
      kind: 'url',
    });
  }
  const allowPrivate = options.allowPrivateNetworks ?? false;
  if (!allowPrivate && isNonPublicAddress(parsed.hostname)) {
    throw new AddressNotAllowedError(parsed.hostname, parsed.hostname);
  }
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signals = [timeout];
  if (options.signal) signals.push(options.signal);
  const ownDispatcher = options.dispatcher ? undefined : allowPrivate ? new Agent() : publicOnlyAgent();
  try {
    const response = await request(parsed, {
      method: 'GET',
      headers: { accept: 'application/json', ...options.headers },
      signal: AbortSignal.any(signals),
      dispatcher: options.dispatcher ?? ownDispatcher,
    });
    const declared = Number(response.headers['content-length'] ?? Number.NaN);
    if (declared > maxBytes) {
      discard(response.body);
      throw new FetchTextError(`response is ${declared} bytes; the limit is ${maxBytes}`, response.statusCode, {
        kind: 'too-large',
      });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).byteLength;
      if (size > maxBytes) {
        discard(response.body);
        throw new FetchTextError(`response exceeds the limit of ${maxBytes} bytes`, response.statusCode, {
          kind: 'too-large',
        });
      }
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (response.statusCode < 200 || response.statusCode > 299) {
      const redirect = redirectNote(response.statusCode, response.headers.location, parsed);
      throw new FetchTextError(
        `HTTP ${response.statusCode} from ${redactUrl(parsed)}${redirect}`,
        response.statusCode,
        {
          kind: 'status',
        },
      );
    }
    return { status: response.statusCode, headers: response.headers, text };
  } catch (error) {
    if (error instanceof FetchTextError) throw error;
    const refused = addressRefusalIn(error);
    if (refused) throw refused;
    if (options.signal?.aborted) {
      throw new FetchTextError(`fetching ${redactUrl(parsed)} was aborted`, undefined, {
        cause: error,
        kind: 'aborted',
      });
    }
    if (timeout.aborted) {
      throw new FetchTextError(`fetching ${redactUrl(parsed)} took longer than ${timeoutMs} ms`, undefined, {
        cause: error,
        kind: 'timeout',
      });
    }
    const reason = redactUrlsIn(error instanceof Error ? error.message : String(error));
    throw new FetchTextError(`fetching ${redactUrl(parsed)} failed: ${reason}`, undefined, { cause: error });
  } finally {
    await ownDispatcher?.close();
  }
}
