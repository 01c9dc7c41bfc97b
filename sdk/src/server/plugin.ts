/**
 * A fastify plugin that serves an A2A v1.0 agent: the agent card at the well-known path, the JSON-RPC binding
 * (A2A §9) and the HTTP+JSON binding (A2A §11, with `/{tenant}/…` paths) for every operation, SSE streaming with
 * backpressure, version negotiation, extension activation, caller authentication, and validation of every request
 * (media type, size, depth, schema; ProtoJSON proto names accepted; unknown members dropped).
 */

import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { A2A_METHODS, A2A_OBJECTS, type A2AMethod, type A2AObjectName, isA2AMethod } from '../a2a/catalog.js';
import {
  A2AError,
  ContentTypeNotSupportedError,
  ExtensionSupportRequiredError,
  InvalidParamsError,
  InvalidRequestError,
  JSONParseError,
  MethodNotFoundError,
  TaskNotFoundError,
  VersionNotSupportedError,
} from '../a2a/errors.js';
import type { AgentCard, TaskPushNotificationConfig } from '../a2a/model/index.js';
import { normalizeProtoJsonNames } from '../a2a/protojson.js';
import { parseExtensionsHeader } from '../rightsize/extension.js';
import { formatIssues, type ValidationIssue } from '../validate/issues.js';
import { DEFAULT_LIMITS, jsonDepth } from '../validate/limits.js';
import { holdsLoneSurrogate, mayHoldLoneSurrogate } from '../validate/unicode.js';
import { createA2AValidator, defaultA2AValidator } from '../validate/validator.js';
import { ANONYMOUS, AUTHENTICATION_REQUIRED_CODE, type Authenticate, AuthenticationRequiredError } from './auth.js';
import { SubscriberOverflowError } from './event-channel.js';
import type { AgentExecutor } from './executor.js';
import { InMemoryPushConfigStore, type PushConfigStore, type PushSender, WebhookPushSender } from './push.js';
import { describeError } from './redact.js';
import { type CallContext, internalError, RequestHandler, type SequencedEvent } from './request-handler.js';
import { InMemoryTaskStore, type TaskStore } from './task-store.js';

export const AGENT_CARD_PATH = '/.well-known/agent-card.json';
export const A2A_VERSION = '1.0';

export interface A2AServerOptions {
  /** The agent card, or a function giving it (e.g. when it names the server's own URL, known once listening). */
  readonly card: AgentCard | (() => AgentCard);
  readonly executor: AgentExecutor;
  /** Default: a bounded InMemoryTaskStore (10 000 tasks, 256 MiB, terminal tasks kept 1 hour). */
  readonly store?: TaskStore;
  /** Served by GetExtendedAgentCard to authenticated callers only. */
  readonly extendedCard?: AgentCard;
  /**
   * Resolves the caller of every A2A request (not the public card). Without it every caller is ANONYMOUS and all
   * share one task space. With it, a request it does not authenticate is refused with 401 unless `allowAnonymous`.
   */
  readonly authenticate?: Authenticate;
  readonly allowAnonymous?: boolean;
  /** Push notifications (used when the card declares `pushNotifications: true`). */
  readonly push?: {
    readonly configs?: PushConfigStore;
    readonly sender?: PushSender;
    /** Most push configs per task (default 10). */
    readonly maxConfigsPerTask?: number;
  };
  /** Mount points of the two bindings (default `/a2a/jsonrpc` and `/a2a/rest`); null disables one. */
  readonly jsonRpcPath?: string | null;
  readonly restPath?: string | null;
  /** Largest request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Deepest nesting of arrays and objects in a request (default 64, the validator's limit). */
  readonly maxDepth?: number;
  /** Longest task, config or tenant id in a REST path (default 256 characters). */
  readonly maxIdLength?: number;
  /** Longest a blocking SendMessage waits for a final state before answering with the task as it is (default 5 min). */
  readonly maxBlockingMs?: number;
  /** Most events queued for a stream whose client is not reading before it is dropped (default 10 000). */
  readonly maxQueuedEvents?: number;
  /** Most SubscribeToTask streams of one task open at once; beyond it InternalError, retry later (default 100). */
  readonly maxSubscribersPerTask?: number;
  /** How long a stream may wait for a client that stopped reading before it is dropped (default 30 s). */
  readonly streamStallTimeoutMs?: number;
  /**
   * Interval of SSE comment lines (`: keep-alive`) on a stream with nothing else to send, so proxies and load
   * balancers that close idle connections keep a quiet stream open (default 15 s; 0 sends none).
   */
  readonly sseKeepAliveMs?: number;
  /** Treat a request without `A2A-Version` as this version instead of 0.3 (A2A §3.6.2 says 0.3). */
  readonly assumeVersion?: string;
  /**
   * Called for unexpected errors with the correlation id the client was given (the plugin also logs them through
   * fastify's logger, redacted). Never given request bodies or credentials.
   */
  readonly onError?: (error: unknown, correlationId: string) => void;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

const validator = defaultA2AValidator();
/** Rejects unknown members: a request it accepts has nothing to drop, so the common case validates once. */
const strictValidator = createA2AValidator({ strict: true });

function invalidParams(issues: readonly ValidationIssue[], prefix = ''): InvalidParamsError {
  return new InvalidParamsError(`Invalid parameters:\n${formatIssues(issues)}`, {
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: issues.map((i) => ({ field: prefix + i.path, description: i.message })),
      },
    ],
  });
}

/**
 * Accept ProtoJSON proto names (A2A §5.5), validate, then keep only what the schema knows (A2A §5.7: unknown fields
 * are ignored, so never stored). A value the strict validator accepts has only JSON names the schema lists (a proto
 * name is unknown to it): nothing to rename or drop, so the common case is one validation and no other walk.
 */
function checked<T>(kind: A2AObjectName, value: unknown, prefix = ''): T {
  if (strictValidator.check(kind, value).ok) return value as T;
  normalizeProtoJsonNames(A2A_OBJECTS[kind], value);
  const result = validator.check(kind, value);
  if (!result.ok) throw invalidParams(result.issues, prefix);
  return Value.Clean(A2A_OBJECTS[kind], result.value) as T;
}

const header = (request: FastifyRequest, name: string) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

/** A2A §3.6.2 and §4.6: the version must be 1.0; required extensions must be activated; echo the activated ones. */
function negotiate(request: FastifyRequest, reply: FastifyReply, card: AgentCard, assumeVersion?: string): string[] {
  const query = request.query as Record<string, unknown>;
  const version =
    header(request, 'a2a-version') ||
    (typeof query['A2A-Version'] === 'string' ? query['A2A-Version'] : '') ||
    assumeVersion ||
    '0.3';
  if (version !== A2A_VERSION && version.split('.').slice(0, 2).join('.') !== A2A_VERSION) {
    throw new VersionNotSupportedError(`A2A version ${version} is not supported; this agent speaks ${A2A_VERSION}`);
  }
  const declared = card.capabilities.extensions;
  const raw = header(request, 'a2a-extensions');
  if (!declared?.length && !raw) return [];
  const requested = raw ? parseExtensionsHeader(raw) : [];
  const missing = (declared ?? [])
    .filter((e) => e.required && e.uri && !requested.includes(e.uri))
    .map((e) => e.uri as string);
  if (missing.length > 0) {
    throw new ExtensionSupportRequiredError(`this agent requires the extension(s): ${missing.join(', ')}`, {
      metadata: { extensions: missing.join(',') },
    });
  }
  const activated = requested.filter((uri) => (declared ?? []).some((e) => e.uri === uri));
  if (activated.length > 0) reply.header('A2A-Extensions', activated.join(','));
  return activated;
}

/** Errors of the transport (media type, size, parse) and the rest, as A2A errors; HTTP status to use. */
function asA2AError(error: unknown, onError: (e: unknown, id: string) => void): { error: A2AError; status: number } {
  if (error instanceof A2AError) return { error, status: error.httpStatus };
  const code = (error as { code?: string })?.code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return { error: new InvalidRequestError('request body too large'), status: 413 };
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
    // A2A §5.4 maps ContentTypeNotSupportedError to 400; a request media type we cannot read is HTTP's 415.
    return {
      error: new ContentTypeNotSupportedError(
        'the request content type must be application/json or application/a2a+json',
      ),
      status: 415,
    };
  }
  if (
    error instanceof SyntaxError ||
    code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    code === 'FST_ERR_CTP_INVALID_JSON_BODY'
  ) {
    return { error: new JSONParseError(), status: 400 };
  }
  const internal = internalError(error, onError);
  return { error: internal, status: internal.httpStatus };
}

/** The JSON-RPC error object for any error, including the 401 of authentication. */
function jsonRpcError(error: unknown, onError: (e: unknown, id: string) => void) {
  if (error instanceof AuthenticationRequiredError)
    return { code: AUTHENTICATION_REQUIRED_CODE, message: error.message };
  if (error instanceof SubscriberOverflowError)
    return asA2AError(new Error('stream overflow'), onError).error.toJsonRpc();
  return asA2AError(error, onError).error.toJsonRpc();
}

function httpError(error: unknown, onError: (e: unknown, id: string) => void) {
  if (error instanceof AuthenticationRequiredError) {
    return { status: 401, body: { error: { code: 401, status: 'UNAUTHENTICATED', message: error.message } } };
  }
  const { error: e, status } = asA2AError(error, onError);
  return { status, body: e.toHttpBody() };
}

/**
 * Streams events as SSE (`id:` is the per-task sequence number, for Last-Event-ID). Honours backpressure: after a
 * write the socket cannot take, the next event waits for `drain`; a client that does not drain within
 * `stallMs`, or falls `maxQueuedEvents` behind, is disconnected. The task itself is never affected. A quiet stream
 * gets a comment line every `keepAliveMs` while nothing waits in the socket's buffer.
 */
async function sendSse(
  reply: FastifyReply,
  events: AsyncGenerator<SequencedEvent>,
  wrap: (event: SequencedEvent | undefined, error: unknown) => unknown,
  { stallMs, keepAliveMs }: SseTiming,
  headersAtOnce = false,
): Promise<void> {
  // Pull the first event before committing to SSE, so errors raised up front get a normal error response — unless
  // they were checked already and the first event may be far off.
  const first = headersAtOnce ? undefined : await events.next();
  reply.hijack();
  const raw = reply.raw;
  const extensions = reply.getHeader('A2A-Extensions');
  raw.writeHead(200, { ...SSE_HEADERS, ...(extensions ? { 'a2a-extensions': String(extensions) } : {}) });
  if (headersAtOnce) raw.flushHeaders();
  let closed = false;
  const keepAlive =
    keepAliveMs > 0
      ? setInterval(() => {
          if (!closed && raw.writableLength === 0) raw.write(': keep-alive\n\n');
        }, keepAliveMs)
      : undefined;
  raw.on('close', () => {
    closed = true;
    clearInterval(keepAlive);
    void events.return(undefined);
  });
  const drop = () => {
    closed = true;
    raw.destroy();
  };
  const write = async (event: SequencedEvent | undefined, error?: unknown) => {
    if (closed) return;
    const id = event?.seq !== undefined ? `id: ${event.seq}\n` : '';
    if (raw.write(`${id}data: ${JSON.stringify(wrap(event, error))}\n\n`)) return;
    // One signal ends both waits: the stall timeout, or the first of 'drain' and 'close' (the loser's listeners would
    // otherwise stay on the response until the timeout, one pair per write that waited).
    const settled = new AbortController();
    const signal = AbortSignal.any([settled.signal, AbortSignal.timeout(stallMs)]);
    try {
      await Promise.race([once(raw, 'drain', { signal }), once(raw, 'close', { signal })]);
    } catch {
      drop(); // the client stopped reading
    } finally {
      settled.abort();
    }
  };
  try {
    if (first && !first.done) await write(first.value);
    for await (const event of events) {
      if (closed) break;
      await write(event);
    }
  } catch (error) {
    if (error instanceof SubscriberOverflowError) drop();
    else await write(undefined, error);
  } finally {
    clearInterval(keepAlive);
    if (!closed) raw.end();
  }
}

interface SseTiming {
  readonly stallMs: number;
  readonly keepAliveMs: number;
}

/** An AbortSignal that fires when the client disconnects before the response is complete. */
function abortOnClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableEnded) controller.abort();
  });
  return controller.signal;
}

function registerCard(app: FastifyInstance, getCard: () => AgentCard): void {
  let cached: { body: string; etag: string; lastModified: string } | undefined;
  app.get(AGENT_CARD_PATH, async (request, reply) => {
    const body = JSON.stringify(getCard());
    if (cached?.body !== body) {
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      cached = { body, etag, lastModified: new Date().toUTCString() };
    }
    reply
      .header('etag', cached.etag)
      .header('last-modified', cached.lastModified)
      .header('cache-control', 'public, max-age=300');
    const ifNoneMatch = request.headers['if-none-match'];
    const ifModifiedSince = request.headers['if-modified-since'];
    if (ifNoneMatch !== undefined) {
      if (ifNoneMatch.split(',').some((t) => t.trim() === cached?.etag || t.trim() === '*'))
        return reply.code(304).send();
    } else if (ifModifiedSince !== undefined) {
      const since = Date.parse(ifModifiedSince);
      if (!Number.isNaN(since) && Date.parse(cached.lastModified) <= since) return reply.code(304).send();
    }
    return reply.type('application/json').send(body);
  });
}

interface Invocation {
  readonly method: A2AMethod;
  readonly params: Record<string, unknown>;
  /** The tenant named by the REST path, if any. */
  readonly pathTenant?: string;
}

type Outcome =
  | { readonly value: unknown }
  | { readonly events: AsyncGenerator<SequencedEvent>; readonly headersAtOnce?: boolean };

/** Everything both bindings share: authentication, negotiation, params (names, schema, unknown members), dispatch. */
function operations(handler: RequestHandler, o: A2AServerOptions) {
  const authenticate = async (request: FastifyRequest) => {
    if (!o.authenticate) return ANONYMOUS;
    const principal = await o.authenticate(request);
    if (principal) return principal;
    if (o.allowAnonymous) return ANONYMOUS;
    throw new AuthenticationRequiredError();
  };
  return async (request: FastifyRequest, reply: FastifyReply, invocation: Invocation): Promise<Outcome> => {
    const principal = await authenticate(request);
    const extensions = negotiate(request, reply, handler.card, o.assumeVersion);
    const kind = A2A_METHODS[invocation.method].params;
    const params = checked<Record<string, unknown>>(kind, invocation.params, 'params');
    const bodyTenant = typeof params.tenant === 'string' ? params.tenant : undefined;
    if (invocation.pathTenant !== undefined && bodyTenant !== undefined && bodyTenant !== invocation.pathTenant) {
      throw new InvalidParamsError('tenant in the body does not match the path');
    }
    const streaming = A2A_METHODS[invocation.method].streaming;
    const call: CallContext = {
      extensions,
      principal,
      tenant: invocation.pathTenant ?? bodyTenant ?? '',
      ...(streaming ? { signal: abortOnClose(reply) } : {}),
    };
    const p = params as never;
    switch (invocation.method) {
      case 'SendMessage':
        return { value: await handler.sendMessage(p, call) };
      case 'SendStreamingMessage':
        return { events: handler.sendStreamingMessage(p, call) };
      case 'GetTask': {
        const r = params as { id: string; historyLength?: number };
        return { value: await handler.getTask(r.id, r.historyLength, call) };
      }
      case 'ListTasks':
        return { value: await handler.listTasks(p, call) };
      case 'CancelTask':
        return { value: await handler.cancelTask((params as { id: string }).id, call) };
      case 'SubscribeToTask': {
        const lastEventId = header(request, 'last-event-id');
        const after = lastEventId && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : undefined;
        const id = (params as { id: string }).id;
        if (after === undefined) return { events: handler.subscribeToTask(id, call) };
        // Resuming: the first event may be far off (a quiet task), so the headers go out once the checks pass.
        await handler.checkSubscription(id, call, after);
        return { events: handler.subscribeToTask(id, call, after), headersAtOnce: true };
      }
      case 'CreateTaskPushNotificationConfig': {
        const config = params as TaskPushNotificationConfig;
        if (!config.taskId) throw new InvalidParamsError('taskId is required');
        return { value: await handler.createPushConfig(config, config.taskId, call) };
      }
      case 'GetTaskPushNotificationConfig': {
        const r = params as { taskId: string; id: string };
        return { value: await handler.getPushConfig(r.taskId, r.id, call) };
      }
      case 'ListTaskPushNotificationConfigs':
        return { value: await handler.listPushConfigs(p, call) };
      case 'DeleteTaskPushNotificationConfig': {
        const r = params as { taskId: string; id: string };
        await handler.deletePushConfig(r.taskId, r.id, call);
        return { value: {} };
      }
      case 'GetExtendedAgentCard':
        return { value: await handler.getExtendedCard(call) };
    }
  };
}

type Operations = ReturnType<typeof operations>;

function registerJsonRpc(
  app: FastifyInstance,
  path: string,
  run: Operations,
  o: A2AServerOptions,
  onError: (e: unknown, id: string) => void,
): void {
  const sse: SseTiming = { stallMs: o.streamStallTimeoutMs ?? 30_000, keepAliveMs: o.sseKeepAliveMs ?? 15_000 };
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const body = request.body as Record<string, unknown> | undefined;
    const id = body && (typeof body.id === 'string' || typeof body.id === 'number') ? body.id : null;
    try {
      const envelope = validator.check('JsonRpcRequest', body);
      if (!envelope.ok) throw new InvalidRequestError(`Invalid JSON-RPC request:\n${formatIssues(envelope.issues)}`);
      const method = envelope.value.method;
      if (!isA2AMethod(method)) throw new MethodNotFoundError(`unknown method ${method}`);
      const params = (envelope.value.params ?? {}) as Record<string, unknown>;
      const outcome = await run(request, reply, { method, params });
      if ('value' in outcome) return reply.send({ jsonrpc: '2.0', id, result: outcome.value });
      return sendSse(
        reply,
        outcome.events,
        (event, error) =>
          error === undefined
            ? { jsonrpc: '2.0', id, result: event?.event }
            : { jsonrpc: '2.0', id, error: jsonRpcError(error, onError) },
        sse,
        outcome.headersAtOnce,
      );
    } catch (error) {
      if (error instanceof AuthenticationRequiredError) reply.code(401).header('www-authenticate', error.challenge);
      return reply.send({ jsonrpc: '2.0', id, error: jsonRpcError(error, onError) });
    }
  };
  const config = { a2aBinding: 'jsonrpc' };
  app.post(path, { config }, handle);
  app.post(`${path}/`, { config }, handle);
}

const int = (v: unknown) => (typeof v === 'string' && /^-?\d{1,10}$/.test(v) ? Number(v) : v);
const bool = (v: unknown) => (v === 'true' ? true : v === 'false' ? false : v);
const NUMERIC_QUERY = new Set(['pageSize', 'historyLength', 'page_size', 'history_length']);
const BOOLEAN_QUERY = new Set(['includeArtifacts', 'include_artifacts']);

/** Query string to request members (A2A §11.5): numbers and booleans from their string forms (validated later). */
function fromQuery(query: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(query)) {
    if (k === 'A2A-Version') continue;
    out[k] = NUMERIC_QUERY.has(k) ? int(v) : BOOLEAN_QUERY.has(k) ? bool(v) : v;
  }
  return out;
}

const OPERATION_ROOTS = new Set(['message:send', 'message:stream', 'tasks', 'extendedAgentCard']);

/**
 * The HTTP+JSON routes (A2A §11.3) as one router: `[/{tenant}]/message:send`, `/message:stream`, `/tasks`,
 * `/tasks/{id}[:cancel|:subscribe]`, `/tasks/{id}/pushNotificationConfigs[/{configId}]`, `/extendedAgentCard`, with
 * or without a trailing slash. Anything else answers an A2A error body.
 */
function route(
  method: string,
  segments: string[],
  body: unknown,
  query: Record<string, unknown>,
  maxId: number,
): Invocation {
  let pathTenant: string | undefined;
  let rest = segments;
  if (rest.length > 0 && !OPERATION_ROOTS.has(rest[0] as string)) {
    pathTenant = rest[0] as string;
    rest = rest.slice(1);
  }
  for (const s of segments) if (s.length > maxId) throw new TaskNotFoundError(`id longer than ${maxId} characters`);
  const bodyObject =
    typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const invocation = (m: A2AMethod, params: Record<string, unknown>): Invocation => ({
    method: m,
    params,
    ...(pathTenant !== undefined ? { pathTenant } : {}),
  });
  const [root, second, third, fourth, ...extra] = rest;
  if (extra.length === 0) {
    if (root === 'message:send' && second === undefined && method === 'POST')
      return invocation('SendMessage', bodyObject);
    if (root === 'message:stream' && second === undefined && method === 'POST')
      return invocation('SendStreamingMessage', bodyObject);
    if (root === 'extendedAgentCard' && second === undefined && method === 'GET')
      return invocation('GetExtendedAgentCard', {});
    if (root === 'tasks' && second === undefined && method === 'GET') return invocation('ListTasks', fromQuery(query));
    if (root === 'tasks' && second !== undefined && third === undefined) {
      const colon = second.lastIndexOf(':');
      const id = colon < 0 ? second : second.slice(0, colon);
      const verb = colon < 0 ? '' : second.slice(colon + 1);
      if (verb === '' && method === 'GET') return invocation('GetTask', { ...fromQuery(query), id });
      if (verb === 'cancel' && method === 'POST') return invocation('CancelTask', { ...bodyObject, id });
      if (verb === 'subscribe' && (method === 'GET' || method === 'POST')) return invocation('SubscribeToTask', { id });
    }
    if (root === 'tasks' && second !== undefined && third === 'pushNotificationConfigs') {
      if (fourth === undefined && method === 'POST')
        return invocation('CreateTaskPushNotificationConfig', { ...bodyObject, taskId: second });
      if (fourth === undefined && method === 'GET')
        return invocation('ListTaskPushNotificationConfigs', { ...fromQuery(query), taskId: second });
      if (fourth !== undefined && method === 'GET')
        return invocation('GetTaskPushNotificationConfig', { taskId: second, id: fourth });
      if (fourth !== undefined && method === 'DELETE')
        return invocation('DeleteTaskPushNotificationConfig', { taskId: second, id: fourth });
    }
  }
  throw new MethodNotFoundError(`no operation for ${method} /${segments.join('/')}`);
}

/**
 * Response media type of the HTTP+JSON binding: `application/a2a+json` (A2A §11.1 SHOULD) when the request's
 * Accept names it, otherwise `application/json`, which every JSON client (and the conformance kit) accepts.
 */
const restMediaType = (request: FastifyRequest) =>
  (request.headers.accept ?? '').includes('application/a2a+json') ? 'application/a2a+json' : 'application/json';

function registerRest(
  app: FastifyInstance,
  prefix: string,
  run: Operations,
  o: A2AServerOptions,
  onError: (e: unknown, id: string) => void,
): void {
  const sse: SseTiming = { stallMs: o.streamStallTimeoutMs ?? 30_000, keepAliveMs: o.sseKeepAliveMs ?? 15_000 };
  const maxId = o.maxIdLength ?? 256;
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const type = restMediaType(request);
    try {
      const path = (request.url.split('?')[0] as string).slice(prefix.length);
      let segments: string[];
      try {
        segments = path
          .split('/')
          .filter((s) => s !== '')
          .map(decodeURIComponent);
      } catch {
        throw new InvalidRequestError('the path is not valid percent-encoding');
      }
      const invocation = route(request.method, segments, request.body, request.query as Record<string, unknown>, maxId);
      const outcome = await run(request, reply, invocation);
      if ('value' in outcome) return reply.type(type).send(outcome.value);
      return sendSse(
        reply,
        outcome.events,
        (event, error) => (error === undefined ? event?.event : httpError(error, onError).body),
        sse,
        outcome.headersAtOnce,
      );
    } catch (error) {
      const { status, body } = httpError(error, onError);
      if (error instanceof AuthenticationRequiredError) reply.header('www-authenticate', error.challenge);
      return reply.code(status).type(type).send(body);
    }
  };
  const config = { a2aBinding: 'rest' };
  app.route({ method: ['GET', 'POST', 'DELETE', 'PUT', 'PATCH'], url: `${prefix}/*`, config, handler: handle });
  app.route({ method: ['GET', 'POST', 'DELETE', 'PUT', 'PATCH'], url: prefix, config, handler: handle });
}

/** The plugin. Register it on a fastify instance; it adds its routes and closes its tasks on `app.close()`. */
export const a2aServer: FastifyPluginAsync<A2AServerOptions> = async (app, options) => {
  // A static card is validated now; a card function on first use (then cached). Cards keep unknown members.
  const checkCard = (card: AgentCard) => {
    const result = validator.check('AgentCard', card);
    if (!result.ok) throw invalidParams(result.issues, 'card');
    return result.value;
  };
  let validated: AgentCard | undefined = typeof options.card === 'function' ? undefined : checkCard(options.card);
  const getCard = () => {
    validated ??= checkCard((options.card as () => AgentCard)());
    return validated;
  };
  // Compile the validators every request uses now (once per process), not under the first requests' load.
  validator.check('JsonRpcRequest', {});
  strictValidator.check('SendMessageRequest', {});
  const onError = (error: unknown, correlationId: string) => {
    app.log.error({ correlationId, error: describeError(error) }, 'a2a: unexpected error');
    options.onError?.(error, correlationId);
  };
  const push =
    options.push || typeof options.card === 'function' || getCard().capabilities.pushNotifications
      ? {
          configs: options.push?.configs ?? new InMemoryPushConfigStore(),
          sender: options.push?.sender ?? new WebhookPushSender(),
          ...(options.push?.maxConfigsPerTask !== undefined
            ? { maxConfigsPerTask: options.push.maxConfigsPerTask }
            : {}),
        }
      : undefined;
  const handler = new RequestHandler({
    card: getCard,
    executor: options.executor,
    store: options.store ?? new InMemoryTaskStore(),
    onError,
    ...(options.extendedCard ? { extendedCard: options.extendedCard } : {}),
    ...(push ? { push } : {}),
    ...(options.maxBlockingMs !== undefined ? { maxBlockingMs: options.maxBlockingMs } : {}),
    ...(options.maxQueuedEvents !== undefined ? { maxQueuedEvents: options.maxQueuedEvents } : {}),
    ...(options.maxSubscribersPerTask !== undefined ? { maxSubscribersPerTask: options.maxSubscribersPerTask } : {}),
  });
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const maxDepth = options.maxDepth ?? DEFAULT_LIMITS.maxDepth;
  app.removeAllContentTypeParsers();
  // `__proto__` and `constructor.prototype` members are removed while parsing (never a prototype change).
  const json = app.getDefaultJsonParser('remove', 'remove');
  app.addContentTypeParser(
    ['application/json', 'application/a2a+json'],
    { parseAs: 'buffer', bodyLimit },
    (request, body, done) => {
      // JSON text is UTF-8 (RFC 8259 §8.1): invalid bytes are refused, never silently replaced.
      if (!isUtf8(body as Buffer)) return done(new JSONParseError('the request body is not valid UTF-8'), undefined);
      const text = (body as Buffer).toString('utf8');
      // An empty body (e.g. POST /tasks/{id}:cancel from some clients) is an empty object, not a parse error.
      if (text.trim() === '') return done(null, {});
      json(request, text, (error, value) => {
        if (error) return done(error, undefined);
        if (jsonDepth(value, maxDepth) > maxDepth) {
          return done(new InvalidRequestError(`the request nests deeper than ${maxDepth} levels`), undefined);
        }
        if (mayHoldLoneSurrogate(text) && holdsLoneSurrogate(value)) {
          return done(
            new InvalidRequestError('the request holds an unpaired UTF-16 surrogate escape, which is not Unicode text'),
            undefined,
          );
        }
        done(null, value);
      });
    },
  );
  app.setErrorHandler((error, request, reply) => {
    // Errors raised before the handler (body parsing, limits) answer in the route's binding, wherever it is mounted.
    const jsonRpc = (request.routeOptions.config as { a2aBinding?: string } | undefined)?.a2aBinding === 'jsonrpc';
    const { error: e, status } = asA2AError(error, onError);
    if (jsonRpc) {
      return reply
        .code(status === 413 || status === 415 ? status : 200)
        .send({ jsonrpc: '2.0', id: null, error: e.toJsonRpc() });
    }
    return reply.code(status).type(restMediaType(request)).send(e.toHttpBody());
  });
  registerCard(app, getCard);
  const run = operations(handler, options);
  const trim = (path: string) => path.replace(/\/+$/, '');
  if (options.jsonRpcPath !== null)
    registerJsonRpc(app, trim(options.jsonRpcPath ?? '/a2a/jsonrpc'), run, options, onError);
  if (options.restPath !== null) registerRest(app, trim(options.restPath ?? '/a2a/rest'), run, options, onError);
  app.addHook('onClose', async () => {
    await handler.close();
    await push?.sender.close();
  });
};
