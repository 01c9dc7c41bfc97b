/**
 * A loopback server of agent cards and JWKS for the registry tests: each card path serves a (possibly signed) card
 * with chosen cache headers, answers conditional requests with 304, can be taken down (503), and records the
 * requests it received.
 */
import type { AgentCard } from '@rightsize/sdk/a2a';
import { signAgentCard } from '@rightsize/sdk/signing';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

export interface ServedCard {
  card: AgentCard;
  etag?: string;
  lastModified?: string;
  cacheControl?: string;
  /** Answer 503 (the agent is down). */
  down?: boolean;
}

export interface CardRequest {
  readonly ifNoneMatch: string | undefined;
  readonly ifModifiedSince: string | undefined;
  readonly status: number;
}

export interface CardServer {
  readonly base: string;
  /** Serve `served` at `/cards/<name>.json`; returns its URL. */
  serve(name: string, served: ServedCard): string;
  served(name: string): ServedCard;
  requests(name: string): CardRequest[];
  close(): Promise<void>;
}

export interface CardSigner {
  readonly jku: string;
  sign(card: AgentCard): Promise<AgentCard>;
}

export async function startCardServer(): Promise<CardServer & { signer(name: string): Promise<CardSigner> }> {
  const app: FastifyInstance = Fastify();
  const cards = new Map<string, ServedCard>();
  const log = new Map<string, CardRequest[]>();
  const jwks = new Map<string, JWK[]>();
  app.get('/cards/:name', async (request, reply) => {
    const name = (request.params as { name: string }).name.replace(/\.json$/, '');
    const served = cards.get(name);
    const record = (status: number) => {
      log.set(name, [
        ...(log.get(name) ?? []),
        {
          ifNoneMatch: request.headers['if-none-match'],
          ifModifiedSince: request.headers['if-modified-since'],
          status,
        },
      ]);
      return reply.code(status);
    };
    if (!served) return record(404).send({ error: 'no such card' });
    if (served.down) return record(503).send({ error: 'down' });
    if (served.etag) reply.header('etag', served.etag);
    if (served.lastModified) reply.header('last-modified', served.lastModified);
    if (served.cacheControl) reply.header('cache-control', served.cacheControl);
    const fresh =
      (served.etag && request.headers['if-none-match'] === served.etag) ||
      (!served.etag && served.lastModified && request.headers['if-modified-since'] === served.lastModified);
    if (fresh) return record(304).send();
    return record(200).type('application/json').send(served.card);
  });
  app.get('/jwks/:name', async (request) => ({
    keys: jwks.get((request.params as { name: string }).name.replace(/\.json$/, '')) ?? [],
  }));
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    base,
    serve(name, served) {
      cards.set(name, served);
      return `${base}/cards/${name}.json`;
    },
    served(name) {
      const served = cards.get(name);
      if (!served) throw new Error(`no card ${name}`);
      return served;
    },
    requests: (name) => log.get(name) ?? [],
    close: () => app.close(),
    /** A fresh ES256 key whose public half is served at /jwks/<name>.json (the `jku` of its signatures). */
    async signer(name) {
      const { publicKey, privateKey } = await generateKeyPair('ES256');
      jwks.set(name, [{ ...(await exportJWK(publicKey)), kid: `${name}-1`, alg: 'ES256', use: 'sig' }]);
      const jku = `${base}/jwks/${name}.json`;
      return { jku, sign: (card) => signAgentCard(card, privateKey, { kid: `${name}-1`, jku }) };
    },
  };
}
