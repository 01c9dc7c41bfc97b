/**
 * A fastify plugin that serves an A2A v1.0 agent: the agent card at the well-known path, the JSON-RPC binding
 * (A2A §9) and the HTTP+JSON binding (A2A §11) for every operation, SSE streaming, version negotiation, extension
 * activation, schema validation of every request, and body-size limits.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { A2A_METHODS, type A2AObjectName, isA2AMethod } from '../a2a/catalog.js';
import {
  A2AError,
  ExtensionSupportRequiredError,
  InternalError,
  InvalidParamsError,
  InvalidRequestError,
  JSONParseError,
  MethodNotFoundError,
  VersionNotSupportedError,
} from '../a2a/errors.js';
import type { AgentCard, StreamResponse, TaskPushNotificationConfig } from '../a2a/model/index.js';
import { parseExtensionsHeader } from '../rightsize/extension.js';
import { formatIssues, type ValidationIssue } from '../validate/issues.js';
import { defaultA2AValidator } from '../validate/validator.js';
import type { AgentExecutor } from './executor.js';
import { InMemoryPushConfigStore, type PushConfigStore, type PushSender, WebhookPushSender } from './push.js';
import { type CallContext, RequestHandler } from './request-handler.js';
import { InMemoryTaskStore, type TaskStore } from './task-store.js';

export const AGENT_CARD_PATH = '/.well-known/agent-card.json';
export const A2A_VERSION = '1.0';

export interface A2AServerOptions {
  /** The agent card, or a function giving it (e.g. when it names the server's own URL, known once listening). */
  readonly card: AgentCard | (() => AgentCard);
  readonly executor: AgentExecutor;
  /** Default: an in-memory store. */
  readonly store?: TaskStore;
  readonly extendedCard?: AgentCard;
  /** Push notifications (used when the card declares `pushNotifications: true`). */
  readonly push?: { readonly configs?: PushConfigStore; readonly sender?: PushSender };
  /** Mount points of the two bindings (default `/a2a/jsonrpc` and `/a2a/rest`); null disables one. */
  readonly jsonRpcPath?: string | null;
  readonly restPath?: string | null;
  /** Largest request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Longest a blocking SendMessage waits for a final state before answering with the task as it is (default 5 min). */
  readonly maxBlockingMs?: number;
  /** Treat a request without `A2A-Version` as this version instead of 0.3 (A2A §3.6.2 says 0.3). */
  readonly assumeVersion?: string;
  /** Called for unexpected errors (mapped to InternalError); never given request bodies or credentials. */
  readonly onError?: (error: unknown) => void;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

const validator = defaultA2AValidator();

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

function checked<T>(kind: A2AObjectName, value: unknown, prefix = ''): T {
  const result = validator.check(kind, value);
  if (!result.ok) throw invalidParams(result.issues, prefix);
  return result.value as T;
}

const header = (request: FastifyRequest, name: string) => {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
};

/** A2A §3.6.2 and §4.6: the version must be 1.0; required extensions must be activated; echo the activated ones. */
function negotiate(request: FastifyRequest, reply: FastifyReply, card: AgentCard, assumeVersion?: string): CallContext {
  const query = request.query as Record<string, unknown>;
  const version =
    header(request, 'a2a-version') ||
    (typeof query['A2A-Version'] === 'string' ? query['A2A-Version'] : '') ||
    assumeVersion ||
    '0.3';
  if (version.split('.').slice(0, 2).join('.') !== A2A_VERSION) {
    throw new VersionNotSupportedError(`A2A version ${version} is not supported; this agent speaks ${A2A_VERSION}`);
  }
  const requested = parseExtensionsHeader(header(request, 'a2a-extensions'));
  const declared = card.capabilities.extensions ?? [];
  const missing = declared.filter((e) => e.required && e.uri && !requested.includes(e.uri)).map((e) => e.uri as string);
  if (missing.length > 0) {
    throw new ExtensionSupportRequiredError(`this agent requires the extension(s): ${missing.join(', ')}`, {
      metadata: { extensions: missing.join(',') },
    });
  }
  const activated = requested.filter((uri) => declared.some((e) => e.uri === uri));
  if (activated.length > 0) reply.header('A2A-Extensions', activated.join(','));
  return { extensions: activated };
}

function asA2AError(error: unknown, onError?: (e: unknown) => void): A2AError {
  if (error instanceof A2AError) return error;
  const e = error as { statusCode?: number; code?: string };
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new InvalidRequestError('request body too large');
  if (e?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new InvalidRequestError('unsupported content type');
  if (
    error instanceof SyntaxError ||
    e?.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    e?.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
  ) {
    return new JSONParseError();
  }
  onError?.(error);
  return new InternalError();
}

/** Streams events as SSE; `wrap` turns each event (or a final error) into the data of one SSE event. */
async function sendSse(
  request: FastifyRequest,
  reply: FastifyReply,
  events: AsyncGenerator<StreamResponse>,
  wrap: (event: StreamResponse | undefined, error: A2AError | undefined) => unknown,
  onError?: (e: unknown) => void,
): Promise<void> {
  // Pull the first event before committing to SSE, so errors raised up front get a normal error response.
  const first = await events.next();
  reply.hijack();
  const raw = reply.raw;
  const extensions = reply.getHeader('A2A-Extensions');
  raw.writeHead(200, { ...SSE_HEADERS, ...(extensions ? { 'a2a-extensions': String(extensions) } : {}) });
  let closed = false;
  raw.on('close', () => {
    closed = true;
    void events.return(undefined);
  });
  const write = (data: unknown) => {
    if (!closed) raw.write(`data: ${JSON.stringify(data)}\n\n`);
  };
  try {
    if (!first.done) write(wrap(first.value, undefined));
    for await (const event of events) write(wrap(event, undefined));
  } catch (error) {
    write(wrap(undefined, asA2AError(error, onError)));
  } finally {
    if (!closed) raw.end();
  }
  void request;
}

function registerCard(app: FastifyInstance, getCard: () => AgentCard): void {
  app.get(AGENT_CARD_PATH, async (request, reply) => {
    const body = JSON.stringify(getCard());
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    reply.header('etag', etag).header('cache-control', 'public, max-age=300');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type('application/json').send(body);
  });
}

function registerJsonRpc(app: FastifyInstance, path: string, handler: RequestHandler, o: A2AServerOptions): void {
  app.post(path, { config: { a2aBinding: 'jsonrpc' } }, async (request, reply) => {
    const body = request.body as Record<string, unknown> | undefined;
    const id = body && (typeof body.id === 'string' || typeof body.id === 'number') ? body.id : null;
    const fail = (error: unknown) =>
      reply.send({ jsonrpc: '2.0', id, error: asA2AError(error, o.onError).toJsonRpc() });
    try {
      const envelope = validator.check('JsonRpcRequest', body);
      if (!envelope.ok) throw new InvalidRequestError(`Invalid JSON-RPC request:\n${formatIssues(envelope.issues)}`);
      const method = envelope.value.method;
      if (!isA2AMethod(method)) throw new MethodNotFoundError(`unknown method ${method}`);
      const call = negotiate(request, reply, handler.card, o.assumeVersion);
      const params = envelope.value.params ?? {};
      const p = (kind: A2AObjectName) => checked<never>(kind, params, 'params');
      const result = (value: unknown) => reply.send({ jsonrpc: '2.0', id, result: value });
      const stream = (events: AsyncGenerator<StreamResponse>) =>
        sendSse(
          request,
          reply,
          events,
          (event, error) =>
            error ? { jsonrpc: '2.0', id, error: error.toJsonRpc() } : { jsonrpc: '2.0', id, result: event },
          o.onError,
        );
      const kind = A2A_METHODS[method].params;
      switch (method) {
        case 'SendMessage':
          return result(await handler.sendMessage(p(kind), call));
        case 'SendStreamingMessage':
          return stream(handler.sendStreamingMessage(p(kind), { ...call, signal: abortOnClose(reply) }));
        case 'GetTask': {
          const r = p(kind) as { id: string; historyLength?: number };
          return result(await handler.getTask(r.id, r.historyLength));
        }
        case 'ListTasks':
          return result(await handler.listTasks(p(kind)));
        case 'CancelTask':
          return result(await handler.cancelTask((p(kind) as { id: string }).id));
        case 'SubscribeToTask':
          return stream(
            handler.subscribeToTask((p(kind) as { id: string }).id, { ...call, signal: abortOnClose(reply) }),
          );
        case 'CreateTaskPushNotificationConfig': {
          const config = p(kind) as TaskPushNotificationConfig;
          if (!config.taskId) throw new InvalidParamsError('taskId is required');
          return result(await handler.createPushConfig(config, config.taskId));
        }
        case 'GetTaskPushNotificationConfig': {
          const r = p(kind) as { taskId: string; id: string };
          return result(await handler.getPushConfig(r.taskId, r.id));
        }
        case 'ListTaskPushNotificationConfigs':
          return result(await handler.listPushConfigs(p(kind)));
        case 'DeleteTaskPushNotificationConfig': {
          const r = p(kind) as { taskId: string; id: string };
          await handler.deletePushConfig(r.taskId, r.id);
          return result({});
        }
        case 'GetExtendedAgentCard':
          return result(await handler.getExtendedCard());
      }
    } catch (error) {
      return fail(error);
    }
  });
}

/** An AbortSignal that fires when the client disconnects before the response is complete. */
function abortOnClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableEnded) controller.abort();
  });
  return controller.signal;
}

const int = (v: unknown) => (typeof v === 'string' && v !== '' && /^-?\d+$/.test(v) ? Number(v) : v);
const bool = (v: unknown) => (v === 'true' ? true : v === 'false' ? false : v);

/** Query string to a request object (A2A §11.5): numbers and booleans from their string forms, then validated. */
function fromQuery(
  query: Record<string, unknown>,
  numbers: string[],
  booleans: string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(query)) {
    if (k === 'A2A-Version') continue;
    out[k] = numbers.includes(k) ? int(v) : booleans.includes(k) ? bool(v) : v;
  }
  return out;
}

function registerRest(app: FastifyInstance, prefix: string, handler: RequestHandler, o: A2AServerOptions): void {
  const route = (
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    run: (request: FastifyRequest, reply: FastifyReply, call: CallContext) => Promise<unknown>,
  ) => {
    app.route({
      method,
      url: `${prefix}${path}`,
      handler: async (request, reply) => {
        try {
          const call = negotiate(request, reply, handler.card, o.assumeVersion);
          const value = await run(request, reply, call);
          if (!reply.sent) return reply.type('application/a2a+json').send(value);
        } catch (error) {
          const e = asA2AError(error, o.onError);
          return reply.code(e.httpStatus).type('application/a2a+json').send(e.toHttpBody());
        }
      },
    });
  };
  const params = (r: FastifyRequest) => r.params as Record<string, string>;
  const stream = (request: FastifyRequest, reply: FastifyReply, events: AsyncGenerator<StreamResponse>) =>
    sendSse(request, reply, events, (event, error) => error?.toHttpBody() ?? event, o.onError);

  route('POST', '/message::send', async (r, _reply, call) =>
    handler.sendMessage(checked('SendMessageRequest', r.body), call),
  );
  route('POST', '/message::stream', async (r, reply, call) =>
    stream(
      r,
      reply,
      handler.sendStreamingMessage(checked('SendMessageRequest', r.body), { ...call, signal: abortOnClose(reply) }),
    ),
  );
  route('GET', '/tasks', async (r) =>
    handler.listTasks(
      checked(
        'ListTasksRequest',
        fromQuery(r.query as Record<string, unknown>, ['pageSize', 'historyLength'], ['includeArtifacts']),
      ),
    ),
  );
  // `/tasks/{id}`, `/tasks/{id}:cancel` and `/tasks/{id}:subscribe` share one path segment (A2A §11.3.2).
  const verbOf = (segment: string) => {
    const colon = segment.lastIndexOf(':');
    return colon < 0 ? { id: segment, verb: '' } : { id: segment.slice(0, colon), verb: segment.slice(colon + 1) };
  };
  const notFound = (segment: string) => new MethodNotFoundError(`no operation for /tasks/${segment}`);
  route('GET', '/tasks/:segment', async (r, reply, call) => {
    const { id, verb } = verbOf(params(r).segment as string);
    if (verb === 'subscribe')
      return stream(r, reply, handler.subscribeToTask(id, { ...call, signal: abortOnClose(reply) }));
    if (verb !== '') throw notFound(params(r).segment as string);
    const q = checked<{ historyLength?: number }>('GetTaskRequest', {
      ...fromQuery(r.query as Record<string, unknown>, ['historyLength']),
      id,
    });
    return handler.getTask(id, q.historyLength);
  });
  route('POST', '/tasks/:segment', async (r, reply, call) => {
    const { id, verb } = verbOf(params(r).segment as string);
    if (verb === 'cancel') return handler.cancelTask(id);
    if (verb === 'subscribe')
      return stream(r, reply, handler.subscribeToTask(id, { ...call, signal: abortOnClose(reply) }));
    throw notFound(params(r).segment as string);
  });
  route('POST', '/tasks/:id/pushNotificationConfigs', async (r) => {
    const config = checked<TaskPushNotificationConfig>('TaskPushNotificationConfig', {
      ...(r.body as object),
      taskId: params(r).id,
    });
    return handler.createPushConfig(config, params(r).id as string);
  });
  route('GET', '/tasks/:id/pushNotificationConfigs', async (r) =>
    handler.listPushConfigs(
      checked('ListTaskPushNotificationConfigsRequest', {
        ...fromQuery(r.query as Record<string, unknown>, ['pageSize']),
        taskId: params(r).id,
      }),
    ),
  );
  route('GET', '/tasks/:id/pushNotificationConfigs/:configId', async (r) =>
    handler.getPushConfig(params(r).id as string, params(r).configId as string),
  );
  route('DELETE', '/tasks/:id/pushNotificationConfigs/:configId', async (r) => {
    await handler.deletePushConfig(params(r).id as string, params(r).configId as string);
    return {};
  });
  route('GET', '/extendedAgentCard', async () => handler.getExtendedCard());
}

/** The plugin. Register it on a fastify instance; it adds its routes and closes its tasks on `app.close()`. */
export const a2aServer: FastifyPluginAsync<A2AServerOptions> = async (app, options) => {
  // A static card is validated now; a card function on first use (then cached).
  let validated: AgentCard | undefined =
    typeof options.card === 'function' ? undefined : checked<AgentCard>('AgentCard', options.card, 'card');
  const getCard = () => {
    validated ??= checked<AgentCard>('AgentCard', (options.card as () => AgentCard)(), 'card');
    return validated;
  };
  const push =
    options.push || typeof options.card === 'function' || getCard().capabilities.pushNotifications
      ? {
          configs: options.push?.configs ?? new InMemoryPushConfigStore(),
          sender: options.push?.sender ?? new WebhookPushSender(),
        }
      : undefined;
  const handler = new RequestHandler({
    card: getCard,
    executor: options.executor,
    store: options.store ?? new InMemoryTaskStore(),
    ...(options.extendedCard ? { extendedCard: options.extendedCard } : {}),
    ...(push ? { push } : {}),
    ...(options.maxBlockingMs !== undefined ? { maxBlockingMs: options.maxBlockingMs } : {}),
  });
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  app.removeAllContentTypeParsers();
  const json = app.getDefaultJsonParser('error', 'error');
  // An empty body (e.g. POST /tasks/{id}:cancel from some clients) is an empty object, not a parse error.
  app.addContentTypeParser(
    ['application/json', 'application/a2a+json'],
    { parseAs: 'string', bodyLimit },
    (request, body, done) => (String(body).trim() === '' ? done(null, {}) : json(request, String(body), done)),
  );
  app.setErrorHandler((error, request, reply) => {
    const e = asA2AError(error, options.onError);
    const status = (error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 413 : e.httpStatus;
    // Errors raised before the handler (body parsing, limits) answer in the route's binding, wherever it is mounted.
    const jsonRpc = (request.routeOptions.config as { a2aBinding?: string } | undefined)?.a2aBinding === 'jsonrpc';
    return reply
      .code(jsonRpc ? (status === 413 ? 413 : 200) : status)
      .send(jsonRpc ? { jsonrpc: '2.0', id: null, error: e.toJsonRpc() } : e.toHttpBody());
  });
  registerCard(app, getCard);
  if (options.jsonRpcPath !== null) registerJsonRpc(app, options.jsonRpcPath ?? '/a2a/jsonrpc', handler, options);
  if (options.restPath !== null) registerRest(app, options.restPath ?? '/a2a/rest', handler, options);
  app.addHook('onClose', async () => {
    await handler.close();
    await push?.sender.close();
  });
};
