/**
 * The dashboard the broker serves at `/dashboard`: the built front end (static files, `npm run build`), the fleet
 * and dry-run endpoints under `/dashboard/api` and the live feed on the WebSocket `/dashboard/feed`. Data needs an
 * admin credential, as the admin API does: the endpoints read `x-api-key` / `Authorization: Bearer`; the socket's
 * first message carries the credential (never the URL, which may be logged). The page itself holds no data.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import { A2AError, InternalError } from '@rightsize/sdk/errors';
import { type CandidateAssessment, defaultRightsizeValidator, type TaskDescriptor } from '@rightsize/sdk/rightsize';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Authenticator } from '../auth.js';
import type { ProbeScheduler } from '../broker/probes.js';
import type { RoutingEvent, RoutingEvents } from '../broker/routing-events.js';
import type { BrokerStore } from '../db/store.js';
import { BrokerHttpError, badRequest } from '../http-errors.js';
import type { RoutingEngine } from '../routing/routing.js';
import { DashboardFeed } from './feed.js';
import { fleetView } from './fleet.js';
import { FEED_CLOSE, type FeedEntry, type FeedHello, type FeedServerMessage } from './protocol.js';

export interface DashboardOptions {
  readonly store: BrokerStore;
  readonly routing: RoutingEngine;
  readonly auth: Authenticator;
  readonly events: RoutingEvents;
  /** The known-answer probe scheduler, when probes are on (the fleet shows its counts). */
  readonly probes?: ProbeScheduler | undefined;
  /** The built front end (default: reference-server/dist/public/dashboard). */
  readonly assetsDir?: string;
  /** Feed entries kept in the store (default 5000). */
  readonly maxFeedEntries?: number;
}

/** Where `npm run build` puts the front end, from src/dashboard or dist/dashboard alike. */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../../dist/public/dashboard/', import.meta.url));

const MAX_TEXT = 10_000;
const MAX_UNLISTED = 64;
const HELLO_TIMEOUT_MS = 10_000;
const BATCH = 200;
/** A browser that cannot keep up is disconnected (it reconnects and resumes) rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const validator = defaultRightsizeValidator();

function dryRunBody(body: unknown): { text: string; descriptor?: TaskDescriptor } {
  const b = (body ?? {}) as { text?: unknown; descriptor?: unknown };
  if (typeof b.text !== 'string' || b.text.length > MAX_TEXT)
    throw new BrokerHttpError('invalid', `text must be a string of at most ${MAX_TEXT} characters`, [
      badRequest([{ field: 'text', description: 'a string of at most 10000 characters' }]),
    ]);
  if (b.descriptor === undefined || b.descriptor === null) return { text: b.text };
  const checked = validator.check('TaskDescriptor', b.descriptor);
  if (!checked.ok)
    throw new BrokerHttpError('invalid', 'invalid TaskDescriptor', [
      badRequest(checked.issues.map((i) => ({ field: `descriptor${i.path}`, description: i.message }))),
    ]);
  return { text: b.text, descriptor: checked.value as TaskDescriptor };
}

function parseHello(data: unknown): FeedHello | undefined {
  try {
    const hello = JSON.parse(String(data)) as Partial<FeedHello>;
    if (hello?.type !== 'hello' || typeof hello.token !== 'string' || hello.token.length > 8192) return undefined;
    return {
      type: 'hello',
      token: hello.token,
      ...(typeof hello.feedId === 'string' ? { feedId: hello.feedId } : {}),
      ...(Number.isSafeInteger(hello.after) && (hello.after as number) >= 0 ? { after: hello.after as number } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Registered agents missing from a decision record (the index never assessed them), assessed now; at most 64. */
function unlistedCandidates(routing: RoutingEngine) {
  return (event: Extract<RoutingEvent, { kind: 'decided' }>): CandidateAssessment[] | undefined => {
    const listed = new Set(event.decision.candidates.map((c) => c.agentId));
    if (event.decision.candidatesOmitted || listed.size >= MAX_UNLISTED) return undefined;
    const all = routing.explain({ descriptor: event.descriptor, text: event.text, inputModes: ['text/plain'] });
    return all.decision.candidates
      .filter((c) => !listed.has(c.agentId))
      .slice(0, MAX_UNLISTED)
      .map(({ rank: _rank, ...c }) => c);
  };
}

export async function dashboard(app: FastifyInstance, o: DashboardOptions): Promise<void> {
  const unlisted = unlistedCandidates(o.routing);
  const feed = new DashboardFeed(o.store.db, {
    ...(o.maxFeedEntries !== undefined ? { maxEntries: o.maxFeedEntries } : {}),
    onError: (error) => app.log.warn({ err: error }, 'dashboard feed: an entry could not be stored'),
  });
  await feed.start();
  const stop = o.events.on((event) => feed.append(event, event.kind === 'decided' ? () => unlisted(event) : undefined));
  app.addHook('onClose', async () => {
    stop();
    await feed.flush();
  });

  const admin = async (headers: FastifyRequest['headers']) => {
    const principal = await o.auth.authenticate(headers);
    if (!principal) throw new BrokerHttpError('unauthenticated', 'an admin credential is required');
    if (!principal.admin) throw new BrokerHttpError('forbidden', 'this credential may not use the dashboard');
  };

  await app.register(
    async (scope) => {
      scope.setErrorHandler((error, request, reply: FastifyReply) => {
        const status = (error as { statusCode?: number }).statusCode;
        let e: A2AError;
        if (error instanceof A2AError) e = error;
        else if (status === 413) e = new BrokerHttpError('invalid', 'request body too large');
        else if (status === 400 || status === 415) e = new BrokerHttpError('invalid', 'the body is not valid JSON');
        else {
          request.log.error({ err: error }, 'dashboard endpoint failed');
          e = new InternalError();
        }
        if (e.httpStatus === 401) reply.header('www-authenticate', 'Bearer');
        return reply.code(e.httpStatus).type('application/json').send(e.toHttpBody());
      });
      scope.addHook('onSend', async (_request, reply) => {
        reply.header('cache-control', 'no-store');
      });
      scope.get('/fleet', async (request) => {
        await admin(request.headers);
        return fleetView(o);
      });
      scope.post('/dry-run', { bodyLimit: 64 * 1024 }, async (request) => {
        await admin(request.headers);
        const body = dryRunBody(request.body);
        const route = o.routing.explain({
          ...(body.descriptor ? { descriptor: body.descriptor } : {}),
          text: body.text,
          inputModes: ['text/plain'],
        });
        return { descriptor: route.descriptor, decision: route.decision };
      });
    },
    { prefix: '/dashboard/api' },
  );

  await app.register(async (scope) => {
    await scope.register(fastifyWebsocket, { options: { maxPayload: 16 * 1024 } });
    scope.get('/dashboard/feed', { websocket: true }, (socket: WebSocket, request) => {
      serveFeed(socket, request, feed, admin);
    });
  });

  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/dashboard') && !request.url.startsWith('/dashboard/api')) {
      reply.header('content-security-policy', CSP);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
    }
  });
  const assets = o.assetsDir ?? DEFAULT_ASSETS_DIR;
  if (existsSync(`${assets}/index.html`)) {
    await app.register(fastifyStatic, { root: assets, prefix: '/dashboard/', redirect: true, cacheControl: false });
  } else {
    app.get('/dashboard/*', async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain')
        .send(`The dashboard is not built: run \`npm run build\` (it writes ${assets}).\n`),
    );
  }
  app.get('/dashboard', async (_request, reply) => reply.redirect('/dashboard/'));
}

function serveFeed(
  socket: WebSocket,
  request: FastifyRequest,
  feed: DashboardFeed,
  admin: (headers: FastifyRequest['headers']) => Promise<void>,
): void {
  const send = (message: FeedServerMessage) => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return socket.close(1013, 'too far behind; reconnect');
    socket.send(JSON.stringify(message));
  };
  let unsubscribe: (() => void) | undefined;
  const timer = setTimeout(() => socket.close(FEED_CLOSE.badHello, 'no hello'), HELLO_TIMEOUT_MS);
  socket.on('close', () => {
    clearTimeout(timer);
    unsubscribe?.();
  });
  socket.once('message', async (data) => {
    clearTimeout(timer);
    const hello = parseHello(data);
    if (!hello) return socket.close(FEED_CLOSE.badHello, 'the first message must be a hello');
    try {
      await admin({ authorization: `Bearer ${hello.token}` });
    } catch (error) {
      const forbidden = error instanceof A2AError && error.httpStatus === 403;
      return socket.close(forbidden ? FEED_CLOSE.forbidden : FEED_CLOSE.unauthenticated, 'admin credential required');
    }
    const reset = hello.feedId !== feed.id;
    let last = reset ? 0 : (hello.after ?? 0);
    // Listen before reading the backlog, hold live entries until it is sent, then skip what it already held.
    let held: FeedEntry[] | undefined = [];
    unsubscribe = feed.subscribe((entry) => {
      if (held) held.push(entry);
      else if (entry.seq > last) {
        last = entry.seq;
        send({ type: 'entries', entries: [entry] });
      }
    });
    try {
      const backlog = await feed.since(last);
      send({ type: 'ready', feedId: feed.id, after: last, reset });
      const pending = [...backlog, ...held.filter((e) => e.seq > (backlog.at(-1)?.seq ?? last))];
      held = undefined;
      last = pending.at(-1)?.seq ?? last;
      for (let i = 0; i < pending.length; i += BATCH) send({ type: 'entries', entries: pending.slice(i, i + BATCH) });
    } catch (error) {
      request.log.error({ err: error }, 'dashboard feed: backlog failed');
      send({ type: 'error', message: 'the feed could not be read; reconnect' });
      socket.close(1011, 'backlog failed');
    }
  });
}
