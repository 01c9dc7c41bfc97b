/**
 * Sane fastify server options for an agent: fastify's defaults let a client hold a connection for as long as it
 * likes while it trickles a request (`requestTimeout: 0`), which a handful of slow clients turn into a denial of
 * service. Use `Fastify(agentServerOptions())` (or spread it into your own options).
 */

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

/** Options for `Fastify(...)`: request and keep-alive timeouts, body limit, and a bounded path parameter length. */
export function agentServerOptions(timeouts: AgentServerTimeouts = {}) {
  const requestTimeout = timeouts.requestTimeoutMs ?? 30_000;
  return {
    requestTimeout,
    // Node checks request timeouts only every `connectionsCheckingInterval` (30 s by default): check more often.
    http: {
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(requestTimeout / 4))),
      headersTimeout: Math.min(requestTimeout, 10_000),
    },
    keepAliveTimeout: timeouts.keepAliveTimeoutMs ?? 5_000,
    // No idle-socket timeout: an SSE stream may be quiet for long; the stream layer drops stalled readers itself.
    connectionTimeout: 0,
    bodyLimit: timeouts.bodyLimit ?? 1024 * 1024,
    routerOptions: { maxParamLength: timeouts.maxParamLength ?? 256 },
  } as const;
}
