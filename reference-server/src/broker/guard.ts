/**
 * The request guard, run before the SDK's A2A handlers: authenticates the caller, keeps each caller to its own
 * tasks (a task of another caller is "not found"), and decides new tasks before they exist, so a task no agent can
 * take is answered with NO_CAPABLE_AGENT (spec §7.7) in the request's binding instead of becoming a failed task.
 */
import { type A2AError, TaskNotFoundError, UnsupportedOperationError } from '@rightsize/sdk/errors';
import { noCapableAgentError } from '@rightsize/sdk/rightsize';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator, Principal } from '../auth.js';
import type { BrokerStore } from '../db/store.js';
import { BrokerHttpError } from '../http-errors.js';
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

interface Operation {
  readonly method: string;
  readonly params: Record<string, unknown>;
  readonly jsonRpcId: string | number | null | undefined;
}

/** The A2A operation of a request in either binding (undefined for the card and unknown routes). */
function operationOf(request: FastifyRequest): Operation | undefined {
  const config = request.routeOptions.config as { a2aBinding?: string } | undefined;
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (config?.a2aBinding === 'jsonrpc') {
    const id = typeof body.id === 'string' || typeof body.id === 'number' ? body.id : null;
    const params = (body.params && typeof body.params === 'object' ? body.params : {}) as Record<string, unknown>;
    return typeof body.method === 'string' ? { method: body.method, params, jsonRpcId: id } : undefined;
  }
  const path = request.url.split('?')[0] ?? '';
  const rest = /\/a2a\/rest(\/.*)$/.exec(path)?.[1];
  if (!rest) return undefined;
  if (rest === '/message:send') return { method: 'SendMessage', params: body, jsonRpcId: undefined };
  if (rest === '/message:stream') return { method: 'SendStreamingMessage', params: body, jsonRpcId: undefined };
  if (rest === '/tasks') return { method: 'ListTasks', params: {}, jsonRpcId: undefined };
  const task = /^\/tasks\/([^/:]+)(?::[a-z]+)?(?:\/|$)/.exec(rest);
  if (task)
    return { method: 'TaskOperation', params: { id: decodeURIComponent(task[1] as string) }, jsonRpcId: undefined };
  return undefined;
}

function send(reply: FastifyReply, op: Operation, error: A2AError): FastifyReply {
  if (op.jsonRpcId !== undefined)
    return reply.code(200).send({ jsonrpc: '2.0', id: op.jsonRpcId, error: error.toJsonRpc() });
  return reply.code(error.httpStatus).type('application/a2a+json').send(error.toHttpBody());
}

const TASK_METHODS = new Set([
  'GetTask',
  'CancelTask',
  'SubscribeToTask',
  'CreateTaskPushNotificationConfig',
  'GetTaskPushNotificationConfig',
  'ListTaskPushNotificationConfigs',
  'DeleteTaskPushNotificationConfig',
  'TaskOperation',
]);

export function createGuard(o: GuardOptions) {
  return async function guard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const op = operationOf(request);
    if (!op) return;
    let caller: Principal | undefined;
    if (o.auth.clientsMustAuthenticate) {
      caller = await o.auth.authenticate(request.headers);
      if (!caller) {
        const error = new BrokerHttpError('unauthenticated', 'missing or invalid credentials');
        reply.header('www-authenticate', 'Bearer');
        if (op.jsonRpcId !== undefined) {
          await reply
            .code(401)
            .send({ jsonrpc: '2.0', id: op.jsonRpcId, error: { code: -32600, message: error.message } });
        } else await reply.code(401).type('application/a2a+json').send(error.toHttpBody());
        return;
      }
    }
    const owner = caller?.id ?? '';
    const taskIdOf = () => {
      const p = op.params;
      const id = op.method === 'TaskOperation' || op.method.endsWith('Task') ? p.id : (p.taskId ?? p.id);
      return typeof id === 'string' ? id : undefined;
    };
    if (TASK_METHODS.has(op.method)) {
      const id = taskIdOf();
      if (id && !(await ownedBy(o.store, id, owner))) {
        await send(reply, op, new TaskNotFoundError(undefined, { metadata: { taskId: id } }));
      }
      return;
    }
    if (op.method === 'ListTasks') {
      if (owner !== '' || o.auth.clientsMustAuthenticate) {
        // Tenancy for ListTasks: the SDK handler lists every task, so scoped listing is refused rather than leaked.
        if (!(caller?.admin ?? false))
          await send(reply, op, new UnsupportedOperationError('ListTasks is available to administrators only'));
      }
      return;
    }
    if (op.method !== 'SendMessage' && op.method !== 'SendStreamingMessage') return;
    const message = op.params.message as Parameters<typeof routeRequestOf>[0] | undefined;
    if (
      !message ||
      typeof message !== 'object' ||
      !Array.isArray(message.parts) ||
      typeof message.messageId !== 'string'
    )
      return; // the SDK handler answers with InvalidParams
    const streaming = op.method === 'SendStreamingMessage';
    if (typeof message.taskId === 'string') {
      if (!(await ownedBy(o.store, message.taskId, owner)))
        await send(reply, op, new TaskNotFoundError(undefined, { metadata: { taskId: message.taskId } }));
      else o.pending.put(message.messageId, { owner, streaming });
      return;
    }
    if (o.inflight() >= (o.maxConcurrentTasks ?? 1000)) {
      await send(reply, op, new UnsupportedOperationError('the broker is at its concurrency limit; retry later'));
      return;
    }
    if (typeof message.contextId === 'string' && (await o.store.contextRoute(message.contextId))) {
      o.pending.put(message.messageId, { owner, streaming });
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
    o.pending.put(message.messageId, { owner, streaming, route });
  };
}

async function ownedBy(store: BrokerStore, taskId: string, owner: string): Promise<boolean> {
  const route = await store.route(taskId);
  return route === undefined ? owner === '' : route.owner === owner;
}
