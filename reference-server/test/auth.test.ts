/**
 * The Authenticator checks a request's credentials once however many hooks ask (rate limit, request guard, the SDK
 * server's authenticate hook): the answer is kept with the request's headers object, never shared with another.
 */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { Authenticator } from '../src/auth.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';

const token = (sub: string) =>
  new SignJWT({ scope: 'rightsize:client' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));

describe('Authenticator', () => {
  it('answers the same headers object once (one digest, one JWT verification) and others on their own', async () => {
    const auth = new Authenticator({ jwt: { secret: SECRET }, clientKeys: { 'client-key': 'client' } });
    const headers = { authorization: `Bearer ${await token('alice')}` };
    const first = auth.authenticate(headers);
    expect(auth.authenticate(headers)).toBe(first);
    expect(await first).toEqual({ id: 'jwt:alice', scheme: 'jwt', admin: false });
    // Another request: its own credential, its own answer.
    expect(await auth.authenticate({ authorization: `Bearer ${await token('bob')}` })).toEqual(
      expect.objectContaining({ id: 'jwt:bob' }),
    );
    expect(await auth.authenticate({ authorization: 'Bearer not.a.token' })).toBeUndefined();
    expect(await auth.authenticate({ 'x-api-key': 'client-key' })).toEqual(expect.objectContaining({ id: 'client' }));
    expect(await auth.authenticate({})).toBeUndefined();
  });
});
