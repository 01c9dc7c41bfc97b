/**
 * The request guard, run before the SDK's A2A handlers (which authenticate, scope every task to its caller and
 * validate): it decides a new task before the task exists, so a task no agent can take is answered with
 * NO_CAPABLE_AGENT (spec §7.7) in the request's binding rather than becoming a failed task, and hands the decision
 * to the executor. It refuses Rightsize extension data that violates its schema (InvalidParamsError, spec §2.2,
 * §10.4) and new tasks beyond the concurrency limit.
 */
import type { Message } from '@rightsize/sdk/a2a';
import { A2AError, InvalidParamsError } from '@rightsize/sdk/errors';
import { noCapableAgentError, RETRY_LATER_SPEC, readMessageExtension } from '@rightsize/sdk/rightsize';
import { ANONYMOUS } from '@rightsize/sdk/server';
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
  readonly metrics?: BrokerMetrics;
  /** Observers of decisions (the dashboard sees refusals too). */
  readonly events?: RoutingEvents;
  /** Most tasks forwarded at once; beyond it new tasks are refused (default 1000). */
  readonly maxConcurrentTasks?: number;
  readonly inflight: () => number;
}

interface SendOperation {
  readonly params: Record<string, unknown>;
  readonly jsonRpcId: string | number | null | undefined;
  /** SendMessage (the client takes one answer), not SendStreamingMessage. */
  readonly unary: boolean;
}

/** SendMessage / SendStreamingMessage in either binding; undefined for every other request. */
function sendOperationOf(request: FastifyRequest): SendOperation | undefined {
  const config = request.routeOptions.config as { a2aBinding?: string } | undefined;
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (config?.a2aBinding === 'jsonrpc') {
    if (body.method !== 'SendMessage' && body.method !== 'SendStreamingMessage') return undefined;
    const id = typeof body.id === 'string' || typeof body.id === 'number' ? body.id : null;
    const params = (body.params && typeof body.params === 'object' ? body.params : {}) as Record<string, unknown>;
    return { params, jsonRpcId: id, unary: body.method === 'SendMessage' };
  }
  if (request.method !== 'POST') return undefined;
  const path = request.url.split('?')[0] ?? '';
  if (path.endsWith('/message:send')) return { params: body, jsonRpcId: undefined, unary: true };
  if (path.endsWith('/message:stream')) return { params: body, jsonRpcId: undefined, unary: false };
  return undefined;
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

/** Seconds before a refused task may be retried at the concurrency limit (spec §7.7: a transient refusal). */
const BUSY_RETRY_SECONDS = 1;

/** The transient refusal at the concurrency limit: InternalError in its unavailable form (HTTP 503) with RetryInfo. */
function busyError(): A2AError & { readonly retryAfterSeconds: number } {
  const retry = { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${BUSY_RETRY_SECONDS}s` };
  return Object.assign(
    new A2AError(RETRY_LATER_SPEC, 'the broker is at its concurrency limit; retry later', { details: [retry] }),
    { retryAfterSeconds: BUSY_RETRY_SECONDS },
  );
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
      o.pending.put(message.messageId, { extension });
      return;
    }
    if (o.inflight() >= (o.maxConcurrentTasks ?? 1000)) {
      await send(reply, op, busyError());
      return;
    }
    // A new task (a follow-up of an existing one may have subscribers and push configs watching its progress).
    const unary = answerOnly(op);
    if (typeof message.contextId === 'string' && (await o.store.contextRoute(owner, message.contextId))) {
      o.pending.put(message.messageId, { unary, extension });
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
    o.pending.put(message.messageId, { route, unary, extension });
  };
}
