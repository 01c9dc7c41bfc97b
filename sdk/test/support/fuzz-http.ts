/**
 * Property-based HTTP fuzzing of A2A servers (the SDK agent server and the broker): fast-check arbitraries for
 * hostile requests (malformed JSON, wrong types, unknown fields, huge strings and arrays, deep nesting, invalid
 * UTF-8, unusual Unicode, wrong content types, odd paths and methods), a raw sender with a time limit, and the
 * oracle every answer must satisfy: no 5xx, a JSON error with a clear message, no stack trace, no secret.
 *
 * Seeded and bounded: RIGHTSIZE_FUZZ_SEED (default 1414) and RIGHTSIZE_FUZZ_SCALE (default 1; the long form uses
 * e.g. 20) scale the number of runs; each property also stops at a time limit.
 */
import fc from 'fast-check';
import { request } from 'undici';

export const FUZZ_SEED = Number(process.env.RIGHTSIZE_FUZZ_SEED ?? 1414);
export const FUZZ_SCALE = Math.max(0.1, Number(process.env.RIGHTSIZE_FUZZ_SCALE ?? 1));

/** fast-check parameters: seeded, `runs` scaled, interrupted (not failed) after `seconds` scaled. */
export const fuzzParameters = (runs: number, seconds: number) => ({
  seed: FUZZ_SEED,
  numRuns: Math.max(1, Math.round(runs * FUZZ_SCALE)),
  interruptAfterTimeLimit: Math.round(seconds * 1000 * FUZZ_SCALE),
  markInterruptAsFailure: false,
  endOnFailure: true,
});

export interface HttpCase {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Buffer;
}

export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

/** Send one case; bodies are read up to `maxRead` bytes (an SSE stream is cut there or at the time limit). */
export async function sendCase(baseUrl: string, c: HttpCase, timeoutMs = 15_000, maxRead = 256 * 1024) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await request(`${baseUrl}${c.path}`, {
      method: c.method as 'GET',
      headers: c.headers,
      ...(c.body !== undefined ? { body: c.body } : {}),
      signal: controller.signal,
    });
    const contentType = String(response.headers['content-type'] ?? '');
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        chunks.push(chunk as Buffer);
        size += (chunk as Buffer).byteLength;
        if (size >= maxRead) break;
      }
    } catch (error) {
      // an SSE stream cut by our time limit is fine: what arrived is checked
      if (!controller.signal.aborted || !contentType.includes('event-stream')) throw error;
    } finally {
      response.body.destroy();
    }
    return { status: response.statusCode, contentType, text: Buffer.concat(chunks).toString('utf8') };
  } finally {
    clearTimeout(timer);
  }
}

const STACK_TRACE = /\n\s+at \S.*:\d+:\d+\)?|node_modules|\/work\/|\.ts:\d+|file:\/\//;

/**
 * The oracle: no 5xx (unless `allowed` names it), JSON bodies that parse, errors with a non-empty message of
 * bounded length, no stack trace, no file path, no secret. Returns a problem description or undefined.
 */
export function problemWith(
  answer: HttpAnswer,
  secrets: readonly string[],
  allowed: readonly number[] = [],
  a2aPath = true,
): string | undefined {
  if (answer.status >= 500 && !allowed.includes(answer.status))
    return `HTTP ${answer.status}: ${answer.text.slice(0, 500)}`;
  if (STACK_TRACE.test(answer.text)) return `stack trace or path in the answer: ${answer.text.slice(0, 500)}`;
  for (const secret of secrets) if (answer.text.includes(secret)) return 'a secret appears in the answer';
  if (answer.contentType.includes('event-stream') || answer.text === '') return undefined;
  if (!answer.contentType.includes('json')) {
    if (answer.status >= 400) return `error answered as ${answer.contentType}: ${answer.text.slice(0, 200)}`;
    return undefined; // e.g. /metrics
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `not JSON: ${answer.text.slice(0, 200)}`;
  }
  const plain = body as { error?: unknown; message?: unknown; statusCode?: unknown } | null;
  // outside the A2A bindings (unknown paths of the application): fastify's own 4xx body, with a message
  const fastifyShape = typeof plain?.error === 'string' && typeof plain.message === 'string';
  if (fastifyShape && (answer.status === 404 || (!a2aPath && answer.status < 500))) return undefined;
  const error = (body as { error?: { message?: unknown; code?: unknown } } | null)?.error;
  if (answer.status >= 400 && !error)
    return `HTTP ${answer.status} without an error object: ${answer.text.slice(0, 200)}`;
  if (error) {
    if (typeof error.message !== 'string' || error.message.trim() === '')
      return `error without a message: ${answer.text}`;
    if (typeof error.code !== 'number') return `error without a numeric code: ${answer.text.slice(0, 200)}`;
    if (error.message.length > 64 * 1024) return `error message of ${error.message.length} characters`;
  }
  return undefined;
}

/** Strings a tolerant parser might choke on: unusual Unicode, lone surrogates, control and bidi characters. */
export const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '\u0000',
    '\ud800',
    '\udfff\ud800',
    '\u202e\u202dRTL',
    '\ufeff',
    '\uffff',
    '𝕬',
    'e\u0301\u0301\u0301',
    '../../etc/passwd',
    '%00',
    '%2e%2e%2f',
    '{"$ref":"#"}',
    '__proto__',
    'constructor',
    'prototype',
    "'; DROP TABLE tasks; --",
    '$' + '{process.env}',
    '<script>',
  ),
);

/** A JSON value of wrong, odd or hostile content, including `__proto__` keys and huge leaves. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 4, depthSize: 'small' },
    oddString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 1e308, -0),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(oddString, fc.constantFrom('__proto__', 'constructor', 'id', 'taskId')), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

/** Object arbitraries with known member names given hostile values, plus unknown members. */
export function objectLike(members: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      fc.subarray([...members]),
      fc.array(hostileJson, { minLength: members.length, maxLength: members.length }),
      fc.dictionary(oddString, hostileJson, { maxKeys: 2 }),
    )
    .map(([names, values, unknown]) => {
      const out: Record<string, unknown> = { ...unknown };
      names.forEach((n, i) => {
        out[n] = values[i];
      });
      return out;
    });
}

/** A message that is nearly valid: some members right, some wrong, some unknown. */
export const nearlyMessage = fc
  .record(
    {
      messageId: fc.oneof(fc.uuid(), hostileJson),
      role: fc.oneof(fc.constantFrom('ROLE_USER', 'ROLE_AGENT', 'user', ''), hostileJson),
      parts: fc.oneof(
        fc.array(fc.record({ text: fc.oneof(oddString, hostileJson) }), { maxLength: 3 }),
        fc.array(objectLike(['text', 'data', 'url', 'raw', 'mediaType', 'filename', 'metadata']), { maxLength: 3 }),
        hostileJson,
      ),
      taskId: fc.oneof(fc.uuid(), oddString),
      contextId: fc.oneof(fc.uuid(), oddString),
      metadata: hostileJson,
      extensions: hostileJson,
      referenceTaskIds: hostileJson,
    },
    { requiredKeys: ['messageId', 'role', 'parts'] },
  )
  .chain((m) => fc.dictionary(oddString, hostileJson, { maxKeys: 2 }).map((extra) => ({ ...extra, ...m })));

/** Bodies that are not what the server expects: truncated JSON, deep nesting, huge members, invalid UTF-8. */
export const hostileBody = (valid: fc.Arbitrary<unknown>): fc.Arbitrary<string | Buffer> =>
  fc.oneof(
    valid.map((v) => JSON.stringify(v) ?? 'null'),
    valid.chain((v) => {
      const text = JSON.stringify(v) ?? 'null';
      return fc.nat({ max: Math.max(0, text.length - 1) }).map((n) => text.slice(0, n)); // truncated
    }),
    fc.nat({ max: 200_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`), // deep nesting
    fc.nat({ max: 5000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
    fc.constantFrom(
      '',
      ' ',
      'null',
      '[]',
      '"string"',
      '1e999999',
      '{"a":1,"a":2}',
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '\ufeff{}',
      '{"jsonrpc":"2.0"',
      '{\u0000}',
    ),
    fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => Buffer.from(b)), // arbitrary bytes
    valid.map((v) =>
      Buffer.concat([
        Buffer.from((JSON.stringify(v) ?? '').slice(0, -1)),
        Buffer.from([0xff, 0xfe, 0xc0, 0x80]),
        Buffer.from('"}'),
      ]),
    ), // invalid UTF-8
    fc.constantFrom(1, 200_000, 1_100_000).map((n) => JSON.stringify({ huge: 'x'.repeat(n) })), // huge strings, over the limit
    fc.constantFrom(10, 100_000).map((n) => JSON.stringify({ many: new Array(n).fill(0) })), // huge arrays
  );

export const hostileContentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'application/a2a+json',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'text/plain',
      'text/event-stream',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      'application/xml',
      '',
      'application/json, text/plain',
      '*/*',
    ),
  },
);

/** Counts the cases a suite sent (reported in docs/reliability.md). */
export class CaseCounter {
  readonly byName = new Map<string, number>();
  add(name: string, n = 1): void {
    this.byName.set(name, (this.byName.get(name) ?? 0) + n);
  }
  get total(): number {
    return [...this.byName.values()].reduce((a, b) => a + b, 0);
  }
  summary(title: string): string {
    return `${title}: ${this.total} cases (${[...this.byName].map(([k, v]) => `${k} ${v}`).join(', ')}; seed ${FUZZ_SEED}, scale ${FUZZ_SCALE})`;
  }
}

export interface RawExchange {
  /** What the server wrote before closing or the time limit. */
  readonly text: string;
  /** True when the server closed the connection (rather than our time limit ending the exchange). */
  readonly closedByServer: boolean;
  readonly ms: number;
}

/**
 * Talk to the server over a plain TCP socket, to send what an HTTP client library will not: a body shorter than its
 * Content-Length, or a body trickled slowly (`gapMs` between chunks). `end` half-closes after the last chunk.
 */
export async function rawExchange(
  baseUrl: string,
  head: string,
  chunks: readonly (string | Buffer)[],
  options: { gapMs?: number; end?: boolean; timeoutMs?: number } = {},
): Promise<RawExchange> {
  const { connect } = await import('node:net');
  const url = new URL(baseUrl);
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    const received: Buffer[] = [];
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(received).toString('utf8'), closedByServer, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 15_000);
    socket.on('data', (d) => received.push(d));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', async () => {
      socket.write(head);
      for (const chunk of chunks) {
        if (done) return;
        if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
        if (!socket.destroyed) socket.write(chunk);
      }
      if (options.end && !socket.destroyed) socket.end();
    });
  });
}

const A2A_METHOD_NAMES = [
  'SendMessage',
  'SendStreamingMessage',
  'GetTask',
  'ListTasks',
  'CancelTask',
  'SubscribeToTask',
  'CreateTaskPushNotificationConfig',
  'GetTaskPushNotificationConfig',
  'ListTaskPushNotificationConfigs',
  'DeleteTaskPushNotificationConfig',
  'GetExtendedAgentCard',
] as const;

/** Request members of every A2A operation (both spellings), so generated params hit real fields. */
const PARAM_MEMBERS = [
  'message',
  'configuration',
  'metadata',
  'id',
  'taskId',
  'task_id',
  'historyLength',
  'history_length',
  'contextId',
  'context_id',
  'status',
  'pageSize',
  'pageToken',
  'includeArtifacts',
  'statusTimestampAfter',
  'tenant',
  'url',
  'token',
  'authentication',
] as const;

const sendParams = fc.record(
  {
    message: fc.oneof({ weight: 4, arbitrary: nearlyMessage }, { weight: 1, arbitrary: hostileJson }),
    configuration: fc.oneof(
      objectLike([
        'acceptedOutputModes',
        'historyLength',
        'blocking',
        'returnImmediately',
        'taskPushNotificationConfig',
      ]),
      hostileJson,
    ),
    metadata: hostileJson,
    tenant: oddString,
  },
  { requiredKeys: ['message'] },
);

export const a2aParams: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: sendParams },
  { weight: 3, arbitrary: objectLike(PARAM_MEMBERS) },
  { weight: 1, arbitrary: hostileJson },
);

/** Headers a client might send: the credential (usually), odd A2A-Version and A2A-Extensions values. */
const clientHeaders = (credential: Record<string, string>) =>
  fc
    .record(
      {
        auth: fc.oneof(
          { weight: 8, arbitrary: fc.constant<Record<string, string>>(credential) },
          { weight: 1, arbitrary: fc.constant<Record<string, string>>({}) },
          {
            weight: 1,
            arbitrary: fc.constantFrom<Record<string, string>>(
              { 'x-api-key': 'wrong' },
              { authorization: 'Bearer a.b.c' },
            ),
          },
        ),
        version: fc.oneof(
          { weight: 8, arbitrary: fc.constant('1.0') },
          { weight: 1, arbitrary: fc.constantFrom('0.3', '2.0', '1', '1.0.9', 'x', '') },
        ),
        extensions: fc.option(fc.constantFrom('https://x', ',,', 'a'.repeat(5000), 'https://rightsize.dev/ext/v1'), {
          nil: undefined,
        }),
        lastEventId: fc.option(fc.constantFrom('0', '-1', '99999999999999999999', 'abc', '3'), { nil: undefined }),
      },
      { requiredKeys: ['auth', 'version'] },
    )
    .map(
      (h): Record<string, string> => ({
        ...h.auth,
        ...(h.version ? { 'a2a-version': h.version } : {}),
        ...(h.extensions !== undefined ? { 'a2a-extensions': h.extensions } : {}),
        ...(h.lastEventId !== undefined ? { 'last-event-id': h.lastEventId } : {}),
      }),
    );

/** Hostile JSON-RPC calls to `path`. */
export function jsonRpcCase(path: string, credential: Record<string, string>): fc.Arbitrary<HttpCase> {
  const envelope = fc
    .record(
      {
        jsonrpc: fc.oneof({ weight: 5, arbitrary: fc.constant('2.0') }, { weight: 1, arbitrary: hostileJson }),
        id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), hostileJson),
        method: fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...A2A_METHOD_NAMES) },
          { weight: 1, arbitrary: oddString },
        ),
        params: a2aParams,
        extra: hostileJson,
      },
      { requiredKeys: ['jsonrpc', 'method'] },
    )
    .map(({ extra, ...e }) => (extra === undefined ? e : { ...e, extra }));
  return fc
    .record({
      body: hostileBody(envelope),
      contentType: hostileContentType,
      headers: clientHeaders(credential),
      slash: fc.boolean(),
    })
    .map((c) => ({
      method: 'POST',
      path: c.slash ? `${path}/` : path,
      headers: { ...c.headers, ...(c.contentType ? { 'content-type': c.contentType } : {}) },
      body: c.body,
    }));
}

const segment = fc.oneof(
  { weight: 4, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: oddString.map((s) => Buffer.from(s).toString('hex').replace(/(..)/g, '%$1')) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(300), '%', '%zz', '..', '.', 'tasks', ':cancel', 'a:b:c') },
);

/** Hostile HTTP+JSON calls below `prefix` (tenant paths, verbs, ids, query strings, bodies, methods). */
export function restCase(prefix: string, credential: Record<string, string>): fc.Arbitrary<HttpCase> {
  const path = fc
    .record({
      tenant: fc.option(segment, { nil: undefined }),
      route: fc.oneof(
        fc.constant('message:send'),
        fc.constant('message:stream'),
        fc.constant('tasks'),
        fc.constant('extendedAgentCard'),
        segment.map((id) => `tasks/${id}`),
        fc.tuple(segment, fc.constantFrom('cancel', 'subscribe', 'x', '')).map(([id, v]) => `tasks/${id}:${v}`),
        segment.map((id) => `tasks/${id}/pushNotificationConfigs`),
        fc.tuple(segment, segment).map(([id, c]) => `tasks/${id}/pushNotificationConfigs/${c}`),
        fc.array(segment, { maxLength: 6 }).map((s) => s.join('/')),
      ),
      query: fc.option(
        fc
          .dictionary(
            fc.constantFrom(
              'pageSize',
              'pageToken',
              'historyLength',
              'history_length',
              'contextId',
              'status',
              'includeArtifacts',
              'x',
            ),
            oddString,
            { maxKeys: 3 },
          )
          .map((q) => new URLSearchParams(q).toString()),
        { nil: undefined },
      ),
    })
    .map((p) => `${prefix}${p.tenant !== undefined ? `/${p.tenant}` : ''}/${p.route}${p.query ? `?${p.query}` : ''}`);
  return fc
    .record({
      method: fc.oneof(
        { weight: 5, arbitrary: fc.constantFrom('GET', 'POST') },
        { weight: 1, arbitrary: fc.constantFrom('DELETE', 'PUT', 'PATCH') },
      ),
      path,
      body: fc.option(hostileBody(a2aParams), { nil: undefined }),
      contentType: hostileContentType,
      headers: clientHeaders(credential),
    })
    .map((c) => ({
      method: c.method,
      path: c.path,
      headers: { ...c.headers, ...(c.body !== undefined && c.contentType ? { 'content-type': c.contentType } : {}) },
      ...(c.body !== undefined && c.method !== 'GET' ? { body: c.body } : {}),
    }));
}

/** A property over `cases` against `baseUrl`: every answer satisfies the oracle; counts into `counter`. */
export function answersWell(
  baseUrl: string,
  cases: fc.Arbitrary<HttpCase>,
  o: { secrets: readonly string[]; counter: CaseCounter; name: string; allowed?: (c: HttpCase) => readonly number[] },
) {
  return fc.asyncProperty(cases, async (c) => {
    o.counter.add(o.name);
    const answer = await sendCase(baseUrl, c);
    const problem = problemWith(answer, o.secrets, o.allowed?.(c) ?? [], c.path.startsWith('/a2a/'));
    if (problem) throw new Error(`${c.method} ${c.path.slice(0, 200)} → ${problem}`);
  });
}
