/**
 * Assembles the broker: the store (PGlite or PostgreSQL, migrated at start), the routing engine with its persisted
 * learned state, the registry (loaded, health-checked in the background), the A2A agent surface (the SDK's
 * `a2aServer` with the routing executor behind the request guard), the registry/admin API, /metrics and /healthz.
 */
import { randomUUID } from 'node:crypto';
import type { AuthOptions } from '@rightsize/sdk/client';
import { a2aServer, agentServerOptions, WebhookPushSender } from '@rightsize/sdk/server';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { JSONWebKeySet } from 'jose';
import { type AuthConfig, Authenticator } from '../auth.js';
import { type DashboardOptions, dashboard } from '../dashboard/plugin.js';
import { type Database, openDatabase } from '../db/database.js';
import { RunLease } from '../db/lease.js';
import { migrate } from '../db/migrations.js';
import { BrokerStore, REGISTRY_CHANNEL } from '../db/store.js';
import { BrokerHttpError } from '../http-errors.js';
import { redactQuery, withRedactedUrls } from '../log-redaction.js';
import { callerKey, RateLimiter } from '../rate-limit.js';
import { Registry } from '../registry/registry.js';
import { OutcomeLog } from '../routing/outcome-log.js';
import { BrokerRouting, type RoutingEngine, type RoutingOptions } from '../routing/routing.js';
import { AgentClients } from './agent-clients.js';
import { brokerCard } from './card.js';
import { RoutingExecutor } from './executor.js';
import { createGuard } from './guard.js';
import { Learner } from './learner.js';
import { BrokerMetrics } from './metrics.js';
import { PendingDecisions, withFirstEventMetadata } from './pending.js';
import { ProbeBudget } from './probe-budget.js';
import { type ProbeOptions, ProbeScheduler, type ProbeSchedulerDeps } from './probes.js';
import { Recovery } from './recovery.js';
import { registryRoutes } from './registry-routes.js';
import { RoutingEvents, watchTask } from './routing-events.js';

export interface BrokerOptions {
  /** PostgreSQL connection string; absent = embedded PGlite. */
  readonly databaseUrl?: string;
  /** PGlite data directory; absent = in memory (nothing survives a restart). */
  readonly dataDir?: string;
  /** The URL clients reach the broker at (default: the listening address). */
  readonly publicUrl?: string;
  readonly name?: string;
  readonly auth?: AuthConfig;
  /** Card URLs and agents on loopback/private networks allowed (tests, the demo). Default false. */
  readonly allowPrivateNetworks?: boolean;
  /**
   * Push-notification webhooks to loopback/private addresses allowed. Default false, whatever
   * `allowPrivateNetworks` says: agents on a private network are the operator's choice, webhook URLs any client's
   * (allowing them lets a client make the broker POST into the private network).
   */
  readonly allowPrivateWebhooks?: boolean;
  readonly trustedKeys?: JSONWebKeySet;
  /** Refuse agent cards without signatures (default false: unsigned cards are accepted, signed ones verified). */
  readonly requireSignedCards?: boolean;
  /** The broker's credentials towards agents (never the client's). */
  readonly downstreamCredentials?: AuthOptions;
  readonly bodyLimit?: number;
  /** Longest time to receive a whole request (default 30 s): slow clients cannot hold connections. */
  readonly requestTimeoutMs?: number;
  readonly maxConcurrentTasks?: number;
  /** Most tasks one caller has forwarded at once (default 0: no limit beyond `maxConcurrentTasks`). */
  readonly maxConcurrentTasksPerCaller?: number;
  /**
   * Serve `/metrics` to anyone (default false: it takes an admin credential or `auth.metricsToken`, and answers 401
   * with `WWW-Authenticate: Bearer` otherwise, since it names agents and their probe and routing counts).
   */
  readonly publicMetrics?: boolean;
  /** Requests per minute per caller (credential, else address) on the A2A and registry endpoints; 0 = no limit. */
  readonly rateLimitPerMinute?: number;
  readonly maxEscalations?: number;
  /** The λ dial: the value of one success in the decision currency (default: each descriptor's preference). */
  readonly lambda?: number;
  /** Thompson exploration: the largest share of exploratory decisions and the sampling seed (default off). */
  readonly exploration?: RoutingOptions['exploration'];
  /** Background health checks every this many ms (0 disables; default 1000). */
  readonly healthIntervalMs?: number;
  readonly minRefreshMs?: number;
  readonly maxRefreshMs?: number;
  /** The registry's clock for refresh and health-check times (tests); default Date.now. */
  readonly now?: () => number;
  readonly logger?: FastifyServerOptions['logger'];
  /** Serve the dashboard at /dashboard (default false; the CLI turns it on); an object sets its options. */
  readonly dashboard?: boolean | Pick<DashboardOptions, 'assetsDir' | 'maxFeedEntries'>;
  /**
   * This run's lease in the store (default 15 000 ms, renewed every third): tasks in flight of a run whose lease has
   * expired are recovered by a live run (start-up recovery; see README).
   */
  readonly leaseTtlMs?: number;
  /** Longest silence of an agent during an attempt before it fails and the plan goes on (default 600 000 ms). */
  readonly idleTimeoutMs?: number;
  /**
   * Known-answer probes (spec §9.4 active verification): the broker sends registered agents task-bank tasks and learns
   * from the verified answers without client feedback. Absent or false: off (the default; the demo turns it on).
   */
  readonly probes?: (ProbeOptions & Pick<ProbeSchedulerDeps, 'onSend' | 'onResult' | 'onSpent'>) | false;
}

export interface Broker {
  readonly app: FastifyInstance;
  readonly db: Database;
  readonly store: BrokerStore;
  readonly registry: Registry;
  readonly routing: RoutingEngine;
  /** The learning loop over the outcome log (`sync` applies what other replicas logged). */
  readonly learner: Learner;
  readonly metrics: BrokerMetrics;
  /** Decisions, attempts, escalations and task ends as they happen. */
  readonly events: RoutingEvents;
  /** The known-answer probe scheduler, when probes are on (started by `listen`, stopped by `close`). */
  readonly probes: ProbeScheduler | undefined;
  /** Listen and return the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export async function createBroker(options: BrokerOptions = {}): Promise<Broker> {
  const db = await openDatabase({
    ...(options.databaseUrl ? { url: options.databaseUrl } : {}),
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  const store = new BrokerStore(db);
  await store.start();
  const log = new OutcomeLog(db);
  const snapshot = await log.snapshot();
  const routing = new BrokerRouting({
    ...(snapshot ? { state: snapshot.state } : {}),
    ...(options.maxEscalations !== undefined ? { maxEscalations: options.maxEscalations } : {}),
    ...(options.lambda !== undefined ? { lambda: options.lambda } : {}),
    ...(options.exploration !== undefined ? { exploration: options.exploration } : {}),
  });
  const metrics = new BrokerMetrics();
  const registry = new Registry({
    store,
    routing,
    allowPrivateNetworks: options.allowPrivateNetworks ?? false,
    ...(options.trustedKeys ? { trustedKeys: options.trustedKeys } : {}),
    ...(options.minRefreshMs !== undefined ? { minRefreshMs: options.minRefreshMs } : {}),
    ...(options.maxRefreshMs !== undefined ? { maxRefreshMs: options.maxRefreshMs } : {}),
    ...(options.requireSignedCards ? { requireSignedCards: true } : {}),
    ...(options.now ? { now: options.now } : {}),
    onEvent: (e) => {
      if (e.kind === 'removed') metrics.agentUp.remove({ agent: e.agentId });
      else metrics.agentUp.set({ agent: e.agentId }, e.kind === 'down' ? 0 : 1);
    },
  });
  await registry.load();
  const auth = new Authenticator(options.auth);
  const authenticated = auth.clientsMustAuthenticate;
  const replicas = db.kind === 'postgres';
  const learner = new Learner(store, routing, log, { metrics, ...(snapshot ? { applied: snapshot.applied } : {}) });
  // The outcomes logged since the snapshot (by any replica), then, on PostgreSQL, those other replicas log.
  await learner.start(db, replicas);
  const pending = new PendingDecisions();
  const clients = new AgentClients({
    allowPrivateNetworks: options.allowPrivateNetworks ?? false,
    ...(options.downstreamCredentials ? { defaultCredentials: options.downstreamCredentials } : {}),
  });
  const recovery = new Recovery({
    lease: new RunLease(db, store.tasks.runId, {
      ...(options.leaseTtlMs !== undefined ? { ttlMs: options.leaseTtlMs } : {}),
    }),
    tasks: store.tasks,
    registry,
    clients,
    log: (line, taskId) => app.log.warn({ taskId }, `start-up recovery: ${line}`),
    onEnded: (orphan, state) =>
      orphan.agentId
        ? learner.recovered(orphan.task, orphan.agentId, orphan.downstreamTaskId, state)
        : Promise.resolve(),
  });
  const { onSend, onResult, onSpent, ...probeOptions } = options.probes || { budgetPerAgent: 0, ratePerMinute: 1 };
  const probes =
    options.probes && options.probes.budgetPerAgent > 0
      ? new ProbeScheduler(
          {
            registry,
            routing,
            clients,
            learner,
            budget: new ProbeBudget(db, {
              perAgent: probeOptions.budgetPerAgent,
              ...(probeOptions.windowMs !== undefined ? { windowMs: probeOptions.windowMs } : {}),
            }),
            metrics,
            ...(onSend ? { onSend } : {}),
            ...(onResult ? { onResult } : {}),
            ...(onSpent ? { onSpent } : {}),
          },
          probeOptions,
        )
      : undefined;
  let inflight = 0;
  /** Tasks being forwarded per caller (only callers with at least one). */
  const inflightByCaller = new Map<string, number>();
  const events = new RoutingEvents();
  const routingExecutor = new RoutingExecutor({
    store,
    routing,
    registry,
    clients,
    pending,
    learner,
    metrics,
    events,
    watchRemoteCancels: replicas,
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
  });
  // Several replicas on one PostgreSQL: reload the registry when another replica changes it.
  const unlistenRegistry = replicas
    ? await db.listen(REGISTRY_CHANNEL, () => void registry.load().catch(() => undefined))
    : undefined;
  const executor = {
    execute: async (...[context, sink]: Parameters<RoutingExecutor['execute']>) => {
      const caller = context.principal.id;
      inflight++;
      inflightByCaller.set(caller, (inflightByCaller.get(caller) ?? 0) + 1);
      const watched = events.listening ? watchTask(sink, context.taskId, events) : undefined;
      try {
        await routingExecutor.execute(context, watched?.events ?? sink);
      } finally {
        inflight--;
        const left = (inflightByCaller.get(caller) ?? 1) - 1;
        if (left > 0) inflightByCaller.set(caller, left);
        else inflightByCaller.delete(caller);
        watched?.end(context.signal.aborted);
      }
    },
  };
  const app = Fastify({
    ...agentServerOptions({
      bodyLimit: options.bodyLimit ?? 1024 * 1024,
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    }),
    logger: withRedactedUrls(options.logger ?? false),
    forceCloseConnections: true,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Fastify's default 404 echoes (and logs) the URL with its query string, which may hold a secret.
  app.setNotFoundHandler(async (request, reply) => {
    const error = new BrokerHttpError('notFound', `no route ${request.method} ${redactQuery(request.url)}`);
    return reply.code(404).type('application/json').send(error.toHttpBody());
  });
  const limiter = options.rateLimitPerMinute ? new RateLimiter(options.rateLimitPerMinute) : undefined;
  if (limiter) {
    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      if (!path.startsWith('/a2a/') && !path.startsWith('/rightsize/')) return;
      const wait = limiter.take(callerKey(await auth.authenticate(request.headers), request.ip));
      if (wait === 0) return;
      const error = new BrokerHttpError('tooMany', 'rate limit exceeded; retry later');
      await reply
        .code(429)
        .header('retry-after', String(Math.ceil(wait / 1000)))
        .type('application/json')
        .send(error.toHttpBody());
    });
  }
  let baseUrl = options.publicUrl ?? '';
  const card = () => brokerCard(baseUrl, { authenticated, ...(options.name ? { name: options.name } : {}) });
  await app.register(async (scope) => {
    scope.addHook(
      'preHandler',
      createGuard({
        auth,
        store,
        routing,
        pending,
        card,
        metrics,
        events,
        inflight: () => inflight,
        inflightOf: (caller) => inflightByCaller.get(caller) ?? 0,
        ...(options.maxConcurrentTasks !== undefined ? { maxConcurrentTasks: options.maxConcurrentTasks } : {}),
        ...(options.maxConcurrentTasksPerCaller
          ? { maxConcurrentTasksPerCaller: options.maxConcurrentTasksPerCaller }
          : {}),
      }),
    );
    // Webhooks to private addresses only when allowed for webhooks; a failed delivery is logged without credentials.
    const pushSender = new WebhookPushSender({
      allowPrivateNetworks: options.allowPrivateWebhooks ?? false,
      onError: (error, target) => app.log.warn({ err: error, taskId: target.taskId }, 'push delivery failed'),
    });
    metrics.exportPushStats(() => pushSender.stats());
    await scope.register(a2aServer, {
      card,
      executor,
      store: withFirstEventMetadata(store.tasks, pending),
      push: {
        configs: store.pushConfigs,
        sender: pushSender,
      },
      authenticate: async (request) => {
        const caller = await auth.authenticate(request.headers);
        return caller ? { id: caller.id, scheme: caller.scheme } : undefined;
      },
      allowAnonymous: !authenticated,
      bodyLimit: options.bodyLimit ?? 1024 * 1024,
      onError: (error, correlationId) => app.log.error({ err: error, correlationId }, 'A2A handler failed'),
    });
  });
  await app.register(async (scope) => registryRoutes(scope, { registry, routing, learner, auth, probes }), {
    prefix: '/rightsize/v1',
  });
  app.get('/metrics', async (request, reply) => {
    const access = options.publicMetrics ? 'granted' : await auth.metricsAccess(request.headers);
    if (access !== 'granted') {
      const error =
        access === 'unauthenticated'
          ? new BrokerHttpError('unauthenticated', 'an admin credential or the metrics token is required')
          : new BrokerHttpError('forbidden', 'this credential may not read /metrics');
      if (access === 'unauthenticated') reply.header('www-authenticate', 'Bearer');
      return reply.code(error.httpStatus).type('application/json').send(error.toHttpBody());
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  if (options.dashboard)
    await app.register(dashboard, {
      store,
      routing,
      auth,
      events,
      probes,
      ...(typeof options.dashboard === 'object' ? options.dashboard : {}),
    });
  app.get('/healthz', async () => ({ status: 'ok', agents: registry.size, store: db.kind }));
  const interval = options.healthIntervalMs ?? 1000;
  return {
    app,
    db,
    store,
    registry,
    routing,
    learner,
    metrics,
    events,
    probes,
    async listen(port = 0, host = '127.0.0.1') {
      const address = await app.listen({ port, host });
      baseUrl ||= address;
      if (interval > 0) registry.start(interval);
      await recovery.start();
      probes?.start();
      return baseUrl;
    },
    async close() {
      registry.stop();
      await probes?.stop();
      await recovery.stop();
      await unlistenRegistry?.();
      await app.close();
      await clients.close();
      await learner.close();
      await store.stop();
      await db.close();
    },
  };
}
