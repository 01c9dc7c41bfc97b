/**
 * Caller identity (A2A §13.1, §13.3): the `authenticate(request)` hook of the agent server, the `Principal` it
 * yields, and built-in authenticators (bearer JWT verified with `jose`, API keys). The principal reaches the
 * executor and scopes every store operation, so a caller sees only its own tasks.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  jwtVerify,
  type KeyObject,
} from 'jose';

/** An authenticated caller. Tasks and push configs belong to `id` (within a tenant). */
export interface Principal {
  /** Stable caller identifier: the JWT `sub`, the API key's owner, or your own. Never a credential. */
  readonly id: string;
  /** How the caller was authenticated: `anonymous`, `jwt`, `api-key` or a name of your own. */
  readonly scheme: string;
  /** Verified attributes (e.g. the JWT claims). Never credentials. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** The caller when no `authenticate` hook is configured: every caller shares this identity. */
export const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', scheme: 'anonymous' });

/**
 * Thrown by an authenticator for missing or invalid credentials. The server answers HTTP 401 with a
 * `WWW-Authenticate` challenge (JSON-RPC: code -31401); the message is generic and never echoes credentials.
 */
export class AuthenticationRequiredError extends Error {
  override readonly name = 'AuthenticationRequiredError';
  /** The `WWW-Authenticate` challenge, e.g. `Bearer realm="a2a"`. */
  readonly challenge: string;
  constructor(message = 'authentication required', challenge = 'Bearer') {
    super(message);
    this.challenge = challenge;
  }
}

/** JSON-RPC error code for AuthenticationRequiredError (outside the reserved -32768…-32000 range). */
export const AUTHENTICATION_REQUIRED_CODE = -31401;

/**
 * Resolves the caller of a request. Return a Principal; return `undefined` when the request carries no credentials
 * this authenticator understands (the next one is tried, and without any the request is refused, unless
 * `allowAnonymous` is set); throw AuthenticationRequiredError for credentials that are present but invalid.
 */
export type Authenticate = (request: FastifyRequest) => Promise<Principal | undefined> | Principal | undefined;

const bearerToken = (request: FastifyRequest): string | undefined => {
  const value = request.headers.authorization;
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(value);
  return match?.[1];
};

export interface BearerJwtOptions {
  /** Where keys come from: a JWKS URL (fetched and cached by jose), a local JWKS, or one key. */
  readonly jwksUrl?: string | URL;
  readonly jwks?: JSONWebKeySet;
  readonly key?: KeyObject | Uint8Array;
  /** Pinned: tokens from any other issuer or for any other audience are refused. */
  readonly issuer: string | readonly string[];
  readonly audience: string | readonly string[];
  /** Pinned algorithms (e.g. ['ES256']); `none` and unlisted ones are refused. */
  readonly algorithms: readonly string[];
  /** Allowed clock skew in seconds (default 30). Expiry (`exp`) is always required. */
  readonly clockToleranceSec?: number;
  /** Longest accepted token lifetime in seconds, from `iat` (default: no limit beyond `exp`). */
  readonly maxTokenAgeSec?: number;
  /** The principal id from verified claims (default: the `sub` claim). */
  readonly principalId?: (claims: Readonly<Record<string, unknown>>) => string | undefined;
}

/** A bearer-JWT authenticator: signature (jose), issuer, audience, expiry and algorithms all checked. */
export function bearerJwt(options: BearerJwtOptions): Authenticate {
  const sources = [options.jwksUrl, options.jwks, options.key].filter((s) => s !== undefined).length;
  if (sources !== 1) throw new TypeError('bearerJwt needs exactly one of jwksUrl, jwks or key');
  if (options.algorithms.length === 0 || options.algorithms.some((a) => a.toLowerCase() === 'none')) {
    throw new TypeError('bearerJwt needs a non-empty list of real algorithms');
  }
  const getKey: JWTVerifyGetKey | KeyObject | Uint8Array = options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl))
    : options.jwks
      ? createLocalJWKSet(options.jwks)
      : (options.key as KeyObject | Uint8Array);
  const verifyOptions = {
    issuer: options.issuer as string | string[],
    audience: options.audience as string | string[],
    algorithms: [...options.algorithms],
    clockTolerance: options.clockToleranceSec ?? 30,
    requiredClaims: ['exp'],
    ...(options.maxTokenAgeSec !== undefined ? { maxTokenAge: options.maxTokenAgeSec } : {}),
  };
  const principalId = options.principalId ?? ((claims) => (typeof claims.sub === 'string' ? claims.sub : undefined));
  return async (request) => {
    const token = bearerToken(request);
    if (token === undefined) return undefined;
    let claims: Record<string, unknown>;
    try {
      const verified =
        typeof getKey === 'function'
          ? await jwtVerify(token, getKey, verifyOptions)
          : await jwtVerify(token, getKey, verifyOptions);
      claims = verified.payload as Record<string, unknown>;
    } catch {
      // The reason (expired, wrong audience, bad signature) is not echoed: it would help an attacker probe.
      throw new AuthenticationRequiredError('invalid bearer token', 'Bearer error="invalid_token"');
    }
    const id = principalId(claims);
    if (!id) throw new AuthenticationRequiredError('the token names no subject', 'Bearer error="invalid_token"');
    return { id, scheme: 'jwt', claims };
  };
}

export interface ApiKeyOptions {
  /** Key → principal id. Compared in constant time. */
  readonly keys: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** The header carrying the key (default `x-api-key`). */
  readonly header?: string;
}

/** An API-key authenticator: the key in a header (default `X-API-Key`) names the principal. */
export function apiKeys(options: ApiKeyOptions): Authenticate {
  const entries = [...(options.keys instanceof Map ? options.keys : Object.entries(options.keys))].map(([key, id]) => ({
    key: Buffer.from(key),
    id: id as string,
  }));
  const header = (options.header ?? 'x-api-key').toLowerCase();
  return (request) => {
    const value = request.headers[header];
    if (typeof value !== 'string' || value === '') return undefined;
    const given = Buffer.from(value);
    let found: string | undefined;
    for (const e of entries) {
      if (e.key.length === given.length && timingSafeEqual(e.key, given)) found = e.id;
    }
    if (found === undefined) throw new AuthenticationRequiredError('invalid API key', `ApiKey header="${header}"`);
    return { id: found, scheme: 'api-key' };
  };
}

/** Tries authenticators in order; the first that recognises the request's credentials decides. */
export function firstOf(...authenticators: readonly Authenticate[]): Authenticate {
  return async (request) => {
    for (const authenticate of authenticators) {
      const principal = await authenticate(request);
      if (principal) return principal;
    }
    return undefined;
  };
}
