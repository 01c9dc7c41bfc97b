import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  canonicalizeAgentCard,
  generateAgentCardSignature,
  AgentCard as TheirAgentCard,
  verifyAgentCardSignature,
} from '@a2a-js/sdk';
import * as jose from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { echoCard } from '../examples/echo-agent.js';
import type { AgentCard } from '../src/a2a/model/index.js';
import { CardSignatureError, canonicalizeCard, jcs, signAgentCard, verifyAgentCard } from '../src/signing/index.js';

const card: AgentCard = {
  ...echoCard('https://echo.example.com'),
  provider: { organization: 'Rightsize', url: 'https://rightsize.dev' },
  capabilities: {
    streaming: true,
    pushNotifications: false,
    extensions: [{ uri: 'https://x.example/e/v1', params: { a: 1, b: [true, 'x'] } }],
  },
};

let privateKey: jose.CryptoKey;
let jwks: jose.JSONWebKeySet;
beforeAll(async () => {
  const pair = await jose.generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  jwks = { keys: [{ ...(await jose.exportJWK(pair.publicKey)), kid: 'key-1', alg: 'ES256' }] };
});

describe('card canonicalisation (A2A §8.4.1, RFC 8785)', () => {
  it('sorts keys, drops signatures and empty values, keeps false, and matches the official SDK', () => {
    expect(jcs({ b: 1, a: [1, 'x', { d: null, c: false }] })).toBe('{"a":[1,"x",{"c":false,"d":null}],"b":1}');
    const withEmpty = {
      ...card,
      iconUrl: undefined,
      skills: card.skills,
      signatures: [{ protected: 'p', signature: 's' }],
    } as AgentCard;
    expect(canonicalizeCard(withEmpty)).toBe(canonicalizeCard(card));
    expect(canonicalizeCard(card)).toContain('"pushNotifications":false');
    expect(canonicalizeCard(card)).toBe(canonicalizeAgentCard(TheirAgentCard.fromJSON(card)));
  });

  it('reproduces the example of the A2A specification', () => {
    const fragment = {
      name: 'Example Agent',
      description: '',
      capabilities: { streaming: false, pushNotifications: false, extensions: [] },
      skills: [],
    };
    // The spec keeps REQUIRED empty fields; the official SDK (and we) drop every empty value. Documented difference.
    expect(canonicalizeCard(fragment as unknown as AgentCard)).toBe(
      '{"capabilities":{"pushNotifications":false,"streaming":false},"name":"Example Agent"}',
    );
  });
});

describe('signing and verification (A2A §8.4)', () => {
  it('signs and verifies with a JWKS, and any tampering fails', async () => {
    const signed = await signAgentCard(card, privateKey, { kid: 'key-1' });
    expect(await verifyAgentCard(signed, { keys: jwks })).toMatchObject({ kid: 'key-1', alg: 'ES256' });
    const tampered: AgentCard[] = [
      { ...signed, name: 'Evil Agent' },
      { ...signed, description: `${signed.description} ` },
      {
        ...signed,
        supportedInterfaces: [
          {
            ...(signed.supportedInterfaces[0] as AgentCard['supportedInterfaces'][0]),
            url: 'https://evil.example.com/a2a',
          },
        ],
      },
      { ...signed, capabilities: { ...signed.capabilities, streaming: false } },
      {
        ...signed,
        capabilities: {
          ...signed.capabilities,
          extensions: [{ uri: 'https://x.example/e/v1', params: { a: 2, b: [true, 'x'] } }],
        },
      },
      { ...signed, skills: [{ ...(signed.skills[0] as AgentCard['skills'][0]), tags: ['echo', 'admin'] }] },
      { ...signed, version: '9.9.9' },
    ];
    for (const t of tampered)
      await expect(verifyAgentCard(t, { keys: jwks })).rejects.toBeInstanceOf(CardSignatureError);
  });

  it('refuses unsigned cards, unknown keys and corrupted signatures', async () => {
    await expect(verifyAgentCard(card, { keys: jwks })).rejects.toThrow(/no signatures/);
    const other = await jose.generateKeyPair('ES256');
    const signedByOther = await signAgentCard(card, other.privateKey, { kid: 'key-1' });
    await expect(verifyAgentCard(signedByOther, { keys: jwks })).rejects.toBeInstanceOf(CardSignatureError);
    const signed = await signAgentCard(card, privateKey, { kid: 'key-1' });
    const corrupted = { ...signed, signatures: [{ protected: 'not-base64!', signature: 'x' }] };
    await expect(verifyAgentCard(corrupted, { keys: jwks })).rejects.toBeInstanceOf(CardSignatureError);
    await expect(verifyAgentCard(signed, {})).rejects.toThrow(/no trusted keys/);
  });

  it('accepts the card when one of several signatures verifies, and fetches a JWKS URL', async () => {
    const other = await jose.generateKeyPair('ES256');
    const twice = await signAgentCard(await signAgentCard(card, other.privateKey, { kid: 'unknown' }), privateKey, {
      kid: 'key-1',
    });
    expect((await verifyAgentCard(twice, { keys: jwks })).kid).toBe('key-1');
    const server = createServer((_req, res) => res.end(JSON.stringify(jwks)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    try {
      await expect(verifyAgentCard(twice, { jwksUrl: url })).rejects.toThrow(/refusing/);
      expect((await verifyAgentCard(twice, { jwksUrl: url, fetch: { allowPrivateNetworks: true } })).kid).toBe('key-1');
    } finally {
      server.close();
    }
  });

  it('interoperates with the official SDK in both directions', async () => {
    const ours = await signAgentCard(card, privateKey, { kid: 'key-1' });
    const publicKey = (await jose.importJWK(jwks.keys[0] as jose.JWK, 'ES256')) as jose.CryptoKey;
    await expect(
      verifyAgentCardSignature(async () => publicKey)(TheirAgentCard.fromJSON(ours)),
    ).resolves.toBeUndefined();
    const theirs = TheirAgentCard.toJSON(
      await generateAgentCardSignature(privateKey, { alg: 'ES256', typ: 'JOSE', kid: 'key-1' })(
        TheirAgentCard.fromJSON(card),
      ),
    ) as AgentCard;
    expect(await verifyAgentCard(theirs, { keys: jwks })).toMatchObject({ kid: 'key-1' });
  });

  it('covers a "__proto__" member: injected after signing it fails, signed with it it verifies', async () => {
    const signed = await signAgentCard(card, privateKey, { kid: 'key-1' });
    const json = JSON.stringify(signed);
    const injected = JSON.parse(`{"__proto__":{"url":"https://evil.example.com"},${json.slice(1)}`) as AgentCard;
    expect(Object.hasOwn(injected, '__proto__')).toBe(true);
    expect(canonicalizeCard(injected)).toContain('"__proto__":{"url":"https://evil.example.com"}');
    await expect(verifyAgentCard(injected, { keys: jwks })).rejects.toBeInstanceOf(CardSignatureError);
    const nested = JSON.parse(json.replace('"capabilities":{', '"capabilities":{"__proto__":{"admin":true},'));
    await expect(verifyAgentCard(nested, { keys: jwks })).rejects.toBeInstanceOf(CardSignatureError);
    const withMember = JSON.parse(`{"__proto__":{"note":"signed"},${JSON.stringify(card).slice(1)}`) as AgentCard;
    const signedWith = await signAgentCard(withMember, privateKey, { kid: 'key-1' });
    expect(await verifyAgentCard(signedWith, { keys: jwks })).toMatchObject({ kid: 'key-1' });
  });

  it('verifies with a JWKS that holds several keys under one kid (key rotation)', async () => {
    const old = await jose.generateKeyPair('ES256', { extractable: true });
    const rotated: jose.JSONWebKeySet = {
      keys: [{ ...(await jose.exportJWK(old.publicKey)), kid: 'key-1', alg: 'ES256' }, ...jwks.keys],
    };
    const signed = await signAgentCard(card, privateKey, { kid: 'key-1' });
    expect(await verifyAgentCard(signed, { keys: rotated })).toMatchObject({ kid: 'key-1', alg: 'ES256' });
    const signedByOld = await signAgentCard(card, old.privateKey, { kid: 'key-1' });
    expect(await verifyAgentCard(signedByOld, { keys: rotated })).toMatchObject({ kid: 'key-1', alg: 'ES256' });
    const stranger = await jose.generateKeyPair('ES256');
    const forged = await signAgentCard(card, stranger.privateKey, { kid: 'key-1' });
    await expect(verifyAgentCard(forged, { keys: rotated })).rejects.toBeInstanceOf(CardSignatureError);
  });

  it('never puts JWKS URL credentials or query strings in its errors', async () => {
    const server = createServer((req, res) => {
      res.statusCode = req.url?.startsWith('/missing') ? 404 : 200;
      res.end('not json');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const signed = await signAgentCard(card, privateKey, { kid: 'key-1' });
    try {
      for (const path of ['jwks', 'missing']) {
        const jwksUrl = `http://ops:hunter2@127.0.0.1:${port}/${path}?token=s3cr3t`;
        const error = await verifyAgentCard(signed, { jwksUrl, fetch: { allowPrivateNetworks: true } }).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(error?.message).toMatch(/REDACTED/);
        expect(error?.message).not.toMatch(/hunter2|s3cr3t|ops:/);
      }
    } finally {
      server.close();
    }
  });
});
