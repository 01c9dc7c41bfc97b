/**
 * The registry binding (spec §7.8) under `registryUrl`, and the admin API: register, list, get, deregister, load
 * reports, health check on demand, the dry-run match (the decision and every "why not", nothing forwarded) and
 * client feedback. Mutating and dry-run endpoints need an admin credential; feedback needs a client credential when
 * clients authenticate.
 */

import { A2AError, InternalError } from '@rightsize/sdk/errors';
import { defaultRightsizeValidator, type Feedback, type LoadReport, type MatchRequest } from '@rightsize/sdk/rightsize';
import { ANONYMOUS } from '@rightsize/sdk/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth.js';
import { BrokerHttpError, badRequest } from '../http-errors.js';
import type { Registry } from '../registry/registry.js';
import type { RoutingEngine } from '../routing/routing.js';
import type { Learner } from './learner.js';
import type { ProbeScheduler } from './probes.js';

export interface RegistryRoutesOptions {
  readonly registry: Registry;
  readonly routing: RoutingEngine;
  readonly learner: Learner;
  readonly auth: Authenticator;
  /** The known-answer probe scheduler, when probes are on (GET /probes reports its counts). */
  readonly probes?: ProbeScheduler;
}

const validator = defaultRightsizeValidator();

function checked<T>(kind: 'RegisterAgentRequest' | 'MatchRequest' | 'LoadReport' | 'Feedback', body: unknown): T {
  const result = validator.check(kind, body);
  if (!result.ok)
    throw new BrokerHttpError('invalid', `invalid ${kind}`, [
      badRequest(result.issues.map((i) => ({ field: i.path || '/', description: i.message }))),
    ]);
  return result.value as T;
}

export async function registryRoutes(app: FastifyInstance, o: RegistryRoutesOptions): Promise<void> {
  const admin = async (request: FastifyRequest) => {
    const principal = await o.auth.authenticate(request.headers);
    if (!principal) throw new BrokerHttpError('unauthenticated', 'an admin credential is required');
    if (!principal.admin) throw new BrokerHttpError('forbidden', 'this credential may not use the admin API');
  };
  /** The caller's id (its tasks' owner), as the A2A surface knows it. */
  const client = async (request: FastifyRequest): Promise<string> => {
    const principal = await o.auth.authenticate(request.headers);
    if (principal) return principal.id;
    if (o.auth.clientsMustAuthenticate) throw new BrokerHttpError('unauthenticated', 'a client credential is required');
    return ANONYMOUS.id;
  };
  app.setErrorHandler((error, request, reply: FastifyReply) => {
    const status = (error as { statusCode?: number }).statusCode;
    let e: A2AError;
    if (error instanceof A2AError) e = error;
    else if (status === 413) e = new BrokerHttpError('invalid', 'request body too large');
    else if (status === 400) e = new BrokerHttpError('invalid', 'the body is not valid JSON');
    else if (status === 415) e = new BrokerHttpError('mediaType', 'the request content type must be application/json');
    else if (status !== undefined && status > 400 && status < 500)
      e = new BrokerHttpError('invalid', 'the request is not valid');
    else {
      request.log.error({ err: error }, 'registry endpoint failed');
      e = new InternalError();
    }
    if (e.httpStatus === 401) reply.header('www-authenticate', 'Bearer');
    return reply.code(e.httpStatus).type('application/json').send(e.toHttpBody());
  });
  const id = (request: FastifyRequest) => (request.params as { id: string }).id;
  const notFound = (agentId: string) => new BrokerHttpError('notFound', `no agent ${agentId}`);

  app.post('/agents', async (request, reply) => {
    await admin(request);
    const body = checked<{ cardUrl: string }>('RegisterAgentRequest', request.body);
    const { agent, created } = await o.registry.register(body.cardUrl);
    return reply.code(created ? 201 : 200).send(agent);
  });
  app.get('/agents', async (request) => {
    await admin(request);
    const q = request.query as { pageSize?: string; pageToken?: string };
    const size = q.pageSize === undefined ? 50 : Number(q.pageSize);
    return o.registry.list(size, q.pageToken);
  });
  app.get('/agents/:id', async (request) => {
    await admin(request);
    const agent = o.registry.get(id(request));
    if (!agent) throw notFound(id(request));
    return agent;
  });
  app.delete('/agents/:id', async (request, reply) => {
    await admin(request);
    if (!(await o.registry.remove(id(request)))) throw notFound(id(request));
    return reply.code(204).send();
  });
  app.put('/agents/:id/load', async (request, reply) => {
    await admin(request);
    const body = checked<LoadReport>('LoadReport', request.body);
    if (!(await o.registry.setLoad(id(request), body.inflight))) throw notFound(id(request));
    return reply.code(204).send();
  });
  app.post('/agents/:id/check', async (request) => {
    await admin(request);
    if (!o.registry.get(id(request))) throw notFound(id(request));
    await o.registry.check(id(request));
    return o.registry.get(id(request));
  });
  app.post('/match', async (request) => {
    await admin(request);
    const body = checked<MatchRequest>('MatchRequest', request.body);
    return o.routing.explain({
      descriptor: body.descriptor,
      ...(body.inputModes ? { inputModes: body.inputModes } : {}),
      ...(body.acceptedOutputModes ? { acceptedOutputModes: body.acceptedOutputModes } : {}),
    }).decision;
  });
  app.get('/probes', async (request) => {
    await admin(request);
    const probes = o.probes;
    if (!probes) return { enabled: false };
    return { enabled: true, ...(await probes.stats(o.registry.ids())) };
  });
  app.post('/feedback', async (request, reply) => {
    const owner = await client(request);
    const body = checked<Feedback>('Feedback', request.body);
    if (!(await o.learner.feedback(body, owner)))
      throw new BrokerHttpError('notFound', `no routed task ${body.taskId}`);
    return reply.code(202).send({});
  });
}
