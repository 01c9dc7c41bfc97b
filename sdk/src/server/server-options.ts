/**
 * Sane fastify server options for an agent: fastify's defaults let a client hold a connection for as long as it
 * likes while it trickles a request (`requestTimeout: 0`), which a handful of slow clients turn into a denial of
 * service. Use `Fastify(agentServerOptions())` (or spread it into your own options).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

export interface AgentServerTimeouts {
  /** Longest time to receive a whole request, headers and body (default 30 s). Streams being *sent* are not limited. */
  readonly requestTimeoutMs?: number;
  /** Idle time before a kept-alive connection with no request in flight is closed (default 5 s). */
  readonly keepAliveTimeoutMs?: number;
  /** Largest request body in bytes (default 1 MiB; the a2aServer plugin applies its own `bodyLimit` too). */
  readonly bodyLimit?: number;
  /** Longest path parameter fastify routes (default 256). */
  readonly maxParamLength?: number;
}

/**
 * Errors fastify raises before any route runs (a URL that is not valid percent-encoding, an over-long path
 * parameter), answered as an A2A HTTP error body instead of fastify's own shape (which also echoes the URL).
 */
function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'a path parameter is too long'
      : 'the request URL is not valid (bad percent-encoding)';
  void reply
    .code(400)
    .type('application/json')
    .send({ error: { code: 400, status: 'INVALID_ARGUMENT', message } });
}

/** Options for `Fastify(...)`: request and keep-alive timeouts, body limit, and a bounded path parameter length. */
export function agentServerOptions(timeouts: AgentServerTimeouts = {}) {
  const requestTimeout = timeouts.requestTimeoutMs ?? 30_000;
  return {
    requestTimeout,
    // Node 20 applies a request timeout to a trickled *body* only when the http server is created with it (fastify
    // sets it afterwards, which covers headers only); expired requests are found every connectionsCheckingInterval.
    http: {
      requestTimeout,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(requestTimeout / 4))),
      headersTimeout: Math.min(requestTimeout, 10_000),
    },
    keepAliveTimeout: timeouts.keepAliveTimeoutMs ?? 5_000,
    // No idle-socket timeout: an SSE stream may be quiet for long; the stream layer drops stalled readers itself.
    connectionTimeout: 0,
    bodyLimit: timeouts.bodyLimit ?? 1024 * 1024,
    routerOptions: { maxParamLength: timeouts.maxParamLength ?? 256 },
    frameworkErrors,
  } as const;
}
