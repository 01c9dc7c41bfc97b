/**
 * The admin API with JWTs (jose): a valid admin token is accepted, a token without the admin scope is forbidden,
 * wrong audience, wrong issuer and expired tokens are refused; the same with an ES256 key served as a JWKS on
 * loopback. And secrets in URL query strings never reach the request log.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../../sdk/test/support/log-capture.js';
import { type Broker, createBroker } from '../src/index.js';
import { redactQuery } from '../src/log-redaction.js';

const SECRET = 'jwt-shared-secret-for-tests-0123456789abcdef';
const ISSUER = 'https://issuer.test';
const AUDIENCE = 'rightsize-admin';
const now = () => Math.floor(Date.now() / 1000);

const hs256 = (claims: JWTPayload, secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));

const admin = { sub: 'ops', scope: 'rightsize:admin', iss: ISSUER, aud: AUDIENCE };

async function status(url: string, token: string): Promise<number> {
  const r = await request(`${url}/rightsize/v1/agents`, { headers: { authorization: `Bearer ${token}` } });
  await r.body.dump();
  return r.statusCode;
}

describe('admin API with JWT (HS256 shared secret)', () => {
  let broker: Broker;
  let url: string;
  beforeAll(async () => {
    broker = await createBroker({
      healthIntervalMs: 0,
      auth: { jwt: { secret: SECRET, issuer: ISSUER, audience: AUDIENCE } },
    });
    url = await broker.listen();
  }, 120_000);
  afterAll(async () => broker?.close());

  it('accepts a valid admin token and forbids a valid token without the admin scope', async () => {
    expect(await status(url, await hs256({ ...admin, exp: now() + 60 }))).toBe(200);
    expect(await status(url, await hs256({ ...admin, scope: 'tasks', exp: now() + 60 }))).toBe(403);
  });

  it('refuses a wrong audience, a wrong issuer, an expired token and a token signed with another secret (401)', async () => {
    const cases = [
      await hs256({ ...admin, aud: 'someone-else', exp: now() + 60 }),
      await hs256({ ...admin, iss: 'https://evil.test', exp: now() + 60 }),
      await hs256({ ...admin, iat: now() - 120, exp: now() - 60 }),
      await hs256({ ...admin, exp: now() + 60 }, 'another-secret-of-the-same-length-0123456789'),
    ];
    for (const token of cases) expect(await status(url, token)).toBe(401);
  });
});

describe('admin API with JWT (ES256, JWKS on loopback)', () => {
  let broker: Broker;
  let jwks: FastifyInstance;
  let url: string;
  let sign: (claims: JWTPayload) => Promise<string>;
  let signWithStranger: (claims: JWTPayload) => Promise<string>;
  beforeAll(async () => {
    const trusted = await generateKeyPair('ES256');
    const stranger = await generateKeyPair('ES256');
    const publicJwk = { ...(await exportJWK(trusted.publicKey)), kid: 'k1', alg: 'ES256' };
    jwks = Fastify();
    jwks.get('/jwks.json', async () => ({ keys: [publicJwk] }));
    const jwksUrl = `${await jwks.listen({ port: 0, host: '127.0.0.1' })}/jwks.json`;
    sign = (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(trusted.privateKey);
    signWithStranger = (claims) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(stranger.privateKey);
    broker = await createBroker({
      healthIntervalMs: 0,
      auth: { jwt: { jwksUrl, issuer: ISSUER, audience: AUDIENCE } },
    });
    url = await broker.listen();
  }, 120_000);
  afterAll(async () => {
    await broker?.close();
    await jwks?.close();
  });

  it('accepts a token signed by the JWKS key; refuses wrong audience, expired and a stranger key', async () => {
    expect(await status(url, await sign({ ...admin, exp: now() + 60 }))).toBe(200);
    expect(await status(url, await sign({ ...admin, aud: 'other', exp: now() + 60 }))).toBe(401);
    expect(await status(url, await sign({ ...admin, iat: now() - 120, exp: now() - 60 }))).toBe(401);
    expect(await status(url, await signWithStranger({ ...admin, exp: now() + 60 }))).toBe(401);
  });
});

describe('secrets in URL query strings', () => {
  let broker: Broker;
  let url: string;
  const log = captureLog();
  beforeAll(async () => {
    broker = await createBroker({ healthIntervalMs: 0, logger: { level: 'trace', stream: log.stream } });
    url = await broker.listen();
  }, 120_000);
  afterAll(async () => broker?.close());

  it('are redacted in the request log line; paths, parameter names and harmless values stay', async () => {
    const secrets = ['tok-5ecret-aaa', 'key-5ecret-bbb', 'acc-5ecret-ccc', 'sig-5ecret-ddd'];
    const queries = [
      `/a2a/rest/tasks?token=${secrets[0]}&pageSize=2`,
      `/rightsize/v1/agents?api_key=${secrets[1]}`,
      `/healthz?access_token=${secrets[2]}`,
      `/no/such/path?X-Amz-Signature=${secrets[3]}`,
    ];
    for (const [i, path] of queries.entries()) {
      const r = await request(`${url}${path}`);
      expect(await r.body.text()).not.toContain(secrets[i]);
    }
    const logged = log.text();
    for (const secret of secrets) expect(logged).not.toContain(secret);
    expect(logged).toContain('"url":"/a2a/rest/tasks?token=REDACTED&pageSize=2"');
    expect(logged).toContain('"url":"/healthz?access_token=REDACTED"');
    expect(logged).toContain('X-Amz-Signature=REDACTED');
  });

  it('redactQuery keeps URLs without a query and redacts encoded names and bare values', () => {
    expect(redactQuery('/a/b')).toBe('/a/b');
    expect(redactQuery('/a?api%5Fkey=x&flag&historyLength=3')).toBe('/a?api%5Fkey=REDACTED&flag&historyLength=3');
    expect(redactQuery('/a?%E0%A4%A=x')).toBe('/a?%E0%A4%A=REDACTED');
  });
});
