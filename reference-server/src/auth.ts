/**
 * Who is calling: API keys (`x-api-key`, or `Authorization: Bearer <key>`) and JWTs (`Authorization: Bearer <jwt>`,
 * verified with jose against a shared secret or a JWKS URL). Keys are compared as SHA-256 digests in constant time
 * and never logged. Admins manage the registry; clients send tasks and see only their own. `/metrics` takes an admin
 * credential or the dedicated metrics token (a scraper's credential that opens nothing else).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from 'jose';

export interface AuthConfig {
  /** API keys that may use the admin API (and send tasks). */
  readonly adminKeys?: readonly string[];
  /** API keys of clients: key → caller name (the tenant its tasks belong to). */
  readonly clientKeys?: Readonly<Record<string, string>>;
  readonly jwt?: {
    /** HS256 shared secret, or… */
    readonly secret?: string;
    /** …a JWKS URL for asymmetric keys. */
    readonly jwksUrl?: string;
    readonly issuer?: string;
    readonly audience?: string;
    /** A token whose `scope` contains this may use the admin API (default `rightsize:admin`). */
    readonly adminScope?: string;
  };
  /** A bearer token that may read `/metrics` and nothing else (a Prometheus scraper's credential). */
  readonly metricsToken?: string;
}

/** May these headers read `/metrics`: yes, no credential (or a wrong one), or a credential without the right. */
export type MetricsAccess = 'granted' | 'unauthenticated' | 'forbidden';

export interface Caller {
  /** The caller's id: its tasks belong to it (the SDK server's Principal id). */
  readonly id: string;
  readonly scheme: 'api-key' | 'jwt';
  readonly admin: boolean;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** The credential the headers present (`x-api-key`, else the bearer token) and the bearer token alone. */
function presented(headers: Headers): { key: string | undefined; bearer: string | undefined } {
  const apiKey = headers['x-api-key'];
  const authorization = headers.authorization;
  const bearer =
    typeof authorization === 'string' && /^bearer\s+/i.test(authorization)
      ? authorization.replace(/^bearer\s+/i, '').trim()
      : undefined;
  return { key: typeof apiKey === 'string' ? apiKey : bearer, bearer };
}

export class Authenticator {
  readonly #admin: Buffer[];
  readonly #clients: Array<{ key: Buffer; name: string }>;
  readonly #jwtKey: Uint8Array | JWTVerifyGetKey | undefined;
  readonly #metrics: Buffer | undefined;
  readonly #config: AuthConfig;
  /** Each headers object's answer (see `authenticate`). */
  readonly #answers = new WeakMap<Headers, Promise<Caller | undefined>>();

  constructor(config: AuthConfig = {}) {
    this.#config = config;
    this.#admin = (config.adminKeys ?? []).map(digest);
    this.#metrics = config.metricsToken ? digest(config.metricsToken) : undefined;
    this.#clients = Object.entries(config.clientKeys ?? {}).map(([key, name]) => ({ key: digest(key), name }));
    this.#jwtKey = config.jwt?.secret
      ? new TextEncoder().encode(config.jwt.secret)
      : config.jwt?.jwksUrl
        ? createRemoteJWKSet(new URL(config.jwt.jwksUrl))
        : undefined;
  }

  /** True when callers of the A2A endpoints must authenticate (client keys or JWT configured). */
  get clientsMustAuthenticate(): boolean {
    return this.#clients.length > 0 || this.#jwtKey !== undefined;
  }

  /**
   * The principal for these headers, or undefined when they carry no valid credential. A request's headers object is
   * asked several times (rate limit, request guard, the SDK server's authenticate hook): it is checked once (one
   * digest per key, at most one JWT verification), the answer kept with the object and gone with it.
   */
  authenticate(headers: Headers): Promise<Caller | undefined> {
    let answer = this.#answers.get(headers);
    if (!answer) {
      answer = this.#authenticate(headers);
      this.#answers.set(headers, answer);
    }
    return answer;
  }

  async #authenticate(headers: Headers): Promise<Caller | undefined> {
    const { key, bearer } = presented(headers);
    if (!key) return undefined;
    const d = digest(key);
    if (this.#admin.some((k) => timingSafeEqual(k, d))) return { id: 'admin', scheme: 'api-key', admin: true };
    const client = this.#clients.find((c) => timingSafeEqual(c.key, d));
    if (client) return { id: client.name, scheme: 'api-key', admin: false };
    if (bearer && this.#jwtKey && bearer.split('.').length === 3) return this.#verifyJwt(bearer);
    return undefined;
  }

  /** `/metrics` is open to the metrics token and to admin credentials; a client credential is forbidden. */
  async metricsAccess(headers: Headers): Promise<MetricsAccess> {
    const { key } = presented(headers);
    if (key && this.#metrics && timingSafeEqual(this.#metrics, digest(key))) return 'granted';
    const caller = await this.authenticate(headers);
    if (!caller) return 'unauthenticated';
    return caller.admin ? 'granted' : 'forbidden';
  }

  async #verifyJwt(token: string): Promise<Caller | undefined> {
    const jwt = this.#config.jwt ?? {};
    try {
      const options = {
        ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
        ...(jwt.audience ? { audience: jwt.audience } : {}),
        // A token must expire; algorithms are pinned to the key's kind (no confusion between HMAC and public keys).
        requiredClaims: ['exp'],
        algorithms:
          this.#jwtKey instanceof Uint8Array ? ['HS256', 'HS384', 'HS512'] : ['RS256', 'PS256', 'ES256', 'EdDSA'],
      };
      const { payload } =
        this.#jwtKey instanceof Uint8Array
          ? await jwtVerify(token, this.#jwtKey, options)
          : await jwtVerify(token, this.#jwtKey as JWTVerifyGetKey, options);
      if (typeof payload.sub !== 'string' || payload.sub === '') return undefined;
      const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
      return { id: `jwt:${payload.sub}`, scheme: 'jwt', admin: scopes.includes(jwt.adminScope ?? 'rightsize:admin') };
    } catch {
      return undefined;
    }
  }
}
