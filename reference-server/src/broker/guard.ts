/**
 * The request guard, run before the SDK's A2A handlers (which authenticate, scope every task to its caller and
 * validate): it decides a new task before the task exists, so a task no agent can take is answered with
 * NO_CAPABLE_AGENT (spec §7.7) in the request's binding rather than becoming a failed task, and hands the decision
 * to the executor. It also refuses new tasks beyond the concurrency limit.
 */
import { type A2AError, UnsupportedOperationError } from '@rightsize/sdk/errors';
import { noCapableAgentError } from '@rightsize/sdk/rightsize';
import { ANONYMOUS } from '@rightsize/sdk/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth.js';
import type { BrokerStore } from '../db/store.js';
import { type RoutingEngine, routeRequestOf } from '../routing/routing.js';
import type { BrokerMetrics } from './metrics.js';
import type { PendingDecisions } from './pending.js';

export interface GuardOptions {
  readonly auth: Authenticator;
  readonly store: BrokerStore;
  readonly routing: RoutingEngine;
  readonly pending: PendingDecisions;
  readonly metrics?: BrokerMetrics;
  /** Most tasks forwarded at once; beyond it new tasks are refused (default 1000). */
  readonly maxConcurrentTasks?: number;
  readonly inflight: () => number;
}

interface SendOperation {
  readonly params: Record<string, unknown>;
  readonly jsonRpcId: string | number | null | undefined;
}

/** SendMessage / SendStreamingMessage in either binding; undefined for every other request. */
function sendOperationOf(request: FastifyRequest): SendOperation | undefined {
  const config = request.routeOptions.config as { a2aBinding?: string } | undefined;
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (config?.a2aBinding === 'jsonrpc') {
    if (body.method !== 'SendMessage' && body.method !== 'SendStreamingMessage') return undefined;
    const id = typeof body.id === 'string' || typeof body.id === 'number' ? body.id : null;
    const params = (body.params && typeof body.params === 'object' ? body.params : {}) as Record<string, unknown>;
    return { params, jsonRpcId: id };
  }
  if (request.method !== 'POST') return undefined;
  const path = request.url.split('?')[0] ?? '';
  if (path.endsWith('/message:send') || path.endsWith('/message:stream')) return { params: body, jsonRpcId: undefined };
  return undefined;
}

function send(reply: FastifyReply, op: SendOperation, error: A2AError): FastifyReply {
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
    if (typeof message.taskId === 'string') {
      o.pending.put(message.messageId, {});
      return;
    }
    if (o.inflight() >= (o.maxConcurrentTasks ?? 1000)) {
      await send(reply, op, new UnsupportedOperationError('the broker is at its concurrency limit; retry later'));
      return;
    }
    if (typeof message.contextId === 'string' && (await o.store.contextRoute(owner, message.contextId))) {
      o.pending.put(message.messageId, {});
      return;
    }
    const configuration = op.params.configuration as { acceptedOutputModes?: string[] } | undefined;
    const route = o.routing.route(routeRequestOf(message, configuration?.acceptedOutputModes));
    if (!route.result.chosen) {
      o.metrics?.noCapableAgent.inc();
      await o.store.saveDecision(route.decision, undefined, route.descriptor.domain);
      await send(reply, op, noCapableAgentError(route.decision, route.result));
      return;
    }
    o.pending.put(message.messageId, { route });
  };
}
