/**
 * The request guard, run before the SDK's A2A handlers (which authenticate, scope every task to its caller and
 * validate): it decides a new task before the task exists, so a task no agent can take is answered with
 * NO_CAPABLE_AGENT (spec §7.7) in the request's binding rather than becoming a failed task, and hands the decision
 * to the executor. It refuses Rightsize extension data that violates its schema (InvalidParamsError, spec §2.2,
 * §10.4) and new tasks beyond the concurrency limit.
 */
import { A2A_OBJECTS, type AgentCard, type Message, normalizeProtoJsonNames } from '@rightsize/sdk/a2a';
import { A2AError, InvalidParamsError } from '@rightsize/sdk/errors';
import { noCapableAgentError, RETRY_LATER_SPEC, readMessageExtension } from '@rightsize/sdk/rightsize';
import { ANONYMOUS, checkInputModes } from '@rightsize/sdk/server';
import { formatIssues } from '@rightsize/sdk/validate';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth.js';
import type { BrokerStore } from '../db/store.js';
import { type RoutingEngine, routeRequestOf, textOf } from '../routing/routing.js';
import type { BrokerMetrics } from './metrics.js';
import type { PendingDecisions } from './pending.js';
import type { RoutingEvents } from './routing-events.js';

export interface GuardOptions {
  readonly auth: Authenticator;
  readonly store: BrokerStore;
  readonly routing: RoutingEngine;
  readonly pending: PendingDecisions;
  /** The broker's card: its input modes bound the media types a message's parts may have. */
  readonly card: () => AgentCard;
  readonly metrics?: BrokerMetrics;
  /** Observers of decisions (the dashboard sees refusals too). */
  readonly events?: RoutingEvents;
  /** Most tasks forwarded at once; beyond it new tasks are refused (default 1000). */
  readonly maxConcurrentTasks?: number;
  /** Most tasks one caller has forwarded at once; beyond it its new tasks are refused (default: no such limit). */
  readonly maxConcurrentTasksPerCaller?: number;
  readonly inflight: () => number;
  /** Tasks being forwarded for this caller. */
  readonly inflightOf: (caller: string) => number;
}

interface SendOperation {
  readonly params: Record<string, unknown>;
  readonly jsonRpcId: string | number | null | undefined;
  /** SendMessage (the client takes one answer), not SendStreamingMessage. */
  readonly unary: boolean;
}

/**
 * The REST operation a path names as the SDK's router reads it: the last non-empty segment, percent-decoded (so
 * `/message:send/` and `/message%3Asend` are SendMessage too).
 */
function restOperation(url: string): string | undefined {
  const segments = (url.split('?')[0] ?? '').split('/').filter((s) => s !== '');
  try {
    return decodeURIComponent(segments.at(-1) ?? '');
  } catch {
    return undefined; // the SDK answers InvalidRequest
  }
}

/**
 * SendMessage / SendStreamingMessage in either binding, with the ProtoJSON proto names (`message_id`, `task_id`, …,
 * A2A §5.5) renamed as the SDK renames them, so every spelling the SDK serves is guarded; undefined for every other
 * request.
 */
function sendOperationOf(request: FastifyRequest): SendOperation | undefined {
  const config = request.routeOptions.config as { a2aBinding?: string } | undefined;
  const body = (request.body ?? {}) as Record<string, unknown>;
  let op: SendOperation | undefined;
  if (config?.a2aBinding === 'jsonrpc') {
    if (body.method !== 'SendMessage' && body.method !== 'SendStreamingMessage') return undefined;
    const id = typeof body.id === 'string' || typeof body.id === 'number' ? body.id : null;
    const params = (body.params && typeof body.params === 'object' ? body.params : {}) as Record<string, unknown>;
    op = { params, jsonRpcId: id, unary: body.method === 'SendMessage' };
  } else if (request.method === 'POST') {
    const operation = restOperation(request.url);
    if (operation === 'message:send') op = { params: body, jsonRpcId: undefined, unary: true };
    else if (operation === 'message:stream') op = { params: body, jsonRpcId: undefined, unary: false };
  }
  if (op) normalizeProtoJsonNames(A2A_OBJECTS.SendMessageRequest, op.params);
  return op;
}

/**
 * Whether the client only waits for the final answer: a blocking SendMessage with no inline push config. Nobody
 * sees the task's progress events then (the task is not even listed before its first event).
 */
function answerOnly(op: SendOperation): boolean {
  if (!op.unary) return false;
  const configuration = op.params.configuration as
    | { returnImmediately?: unknown; taskPushNotificationConfig?: unknown }
    | undefined;
  return configuration?.returnImmediately !== true && configuration?.taskPushNotificationConfig === undefined;
}

/**
 * ContentTypeNotSupportedError for a part in a media type the broker's card does not accept (A2A §3.1.1), as the SDK
 * answers after the guard: checked first, so such a message is not routed (and refused as NO_CAPABLE_AGENT). Parts
 * that are not objects with a string media type are left to the SDK's validation.
 */
function unsupportedMediaType(parts: readonly unknown[], card: () => AgentCard): A2AError | undefined {
  const typed = parts.filter(
    (p): p is { mediaType: string } =>
      typeof p === 'object' && p !== null && typeof (p as { mediaType?: unknown }).mediaType === 'string',
  );
  if (typed.length === 0) return undefined;
  try {
    checkInputModes({ parts: typed } as unknown as Message, card());
    return undefined;
  } catch (error) {
    if (error instanceof A2AError) return error;
    throw error;
  }
}

/** Seconds before a refused task may be retried at the concurrency limit (spec §7.7: a transient refusal). */
const BUSY_RETRY_SECONDS = 1;

/** The transient refusal at the concurrency limit: InternalError in its unavailable form (HTTP 503) with RetryInfo. */
function busyError(
  message = 'the broker is at its concurrency limit; retry later',
): A2AError & { readonly retryAfterSeconds: number } {
  const retry = { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${BUSY_RETRY_SECONDS}s` };
  return Object.assign(new A2AError(RETRY_LATER_SPEC, message, { details: [retry] }), {
    retryAfterSeconds: BUSY_RETRY_SECONDS,
  });
}

function send(
  reply: FastifyReply,
  op: SendOperation,
  error: A2AError & { readonly retryAfterSeconds?: number },
): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  if (op.jsonRpcId !== undefined)
    return reply.code(200).send({ jsonrpc: '2.0', id: op.jsonRpcId, error: error.toJsonRpc() });
  return reply.code(error.httpStatus).type('application/a2a+json').send(error.toHttpBody());
}

export function createGuard(o: GuardOptions) {
  return async function guard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const op = sendOperationOf(request);
    if (!op) return;
    const caller = await o.auth.authenticate(request.headers);
    if (!caller && o.auth.clientsMustAuthenticate) return; // the SDK handler answers 401
    const owner = caller?.id ?? ANONYMOUS.id;
    const message = op.params.message as Parameters<typeof routeRequestOf>[0] | undefined;
    if (
      !message ||
      typeof message !== 'object' ||
      !Array.isArray(message.parts) ||
      typeof message.messageId !== 'string'
    )
      return; // the SDK handler answers with InvalidParams
    const extension = readMessageExtension(message as unknown as Message);
    if (extension && !extension.ok) {
      const issues = formatIssues(extension.issues);
      await send(reply, op, new InvalidParamsError(`the Rightsize extension data is not valid:\n${issues}`));
      return;
    }
    if (typeof message.taskId === 'string') {
      o.pending.put(owner, message.messageId, { extension });
      return;
    }
    const unsupported = unsupportedMediaType(message.parts, o.card);
    if (unsupported) {
      await send(reply, op, unsupported);
      return;
    }
    if (o.inflight() >= (o.maxConcurrentTasks ?? 1000)) {
      await send(reply, op, busyError());
      return;
    }
    const share = o.maxConcurrentTasksPerCaller;
    if (share && o.inflightOf(owner) >= share) {
      await send(reply, op, busyError(`this caller has ${share} tasks in flight, its concurrency limit; retry later`));
      return;
    }
    // A new task (a follow-up of an existing one may have subscribers and push configs watching its progress).
    const unary = answerOnly(op);
    if (typeof message.contextId === 'string' && (await o.store.contextRoute(owner, message.contextId))) {
      o.pending.put(owner, message.messageId, { unary, extension });
      return;
    }
    const configuration = op.params.configuration as { acceptedOutputModes?: string[] } | undefined;
    const started = performance.now();
    const route = o.routing.route(
      routeRequestOf(message as unknown as Message, configuration?.acceptedOutputModes, extension),
    );
    o.metrics?.decisionSeconds.observe((performance.now() - started) / 1000);
    if (!route.decision.chosen) {
      o.metrics?.noCapableAgent.inc();
      await o.store.saveDecision(route.decision, undefined, route.descriptor.domain);
      o.events?.emit({
        kind: 'decided',
        taskId: null,
        owner,
        descriptor: route.descriptor,
        text: textOf(message),
        decision: route.decision,
      });
      await send(reply, op, noCapableAgentError(route.decision, route.result));
      return;
    }
    o.pending.put(owner, message.messageId, { route, unary, extension });
  };
}
