/**
 * Agent card signatures (A2A §8.4): a detached JWS (RFC 7515, flattened) over the canonical card, one entry in
 * `AgentCard.signatures` per signer. Verification accepts a card when at least one signature verifies with a
 * trusted key; keys come from the caller, a local JWKS, or a JWKS URL fetched with the SSRF policy and limits.
 */
import * as jose from 'jose';
import type { AgentCard, AgentCardSignature } from '../a2a/model/index.js';
import { type FetchTextOptions, fetchText } from '../net/fetch-text.js';
import { redactUrl } from '../net/redact.js';
import { canonicalizeCard } from './canonical.js';

export type SigningKey = jose.CryptoKey | jose.KeyObject | jose.JWK | Uint8Array;

export interface SignOptions {
  /** Key id, put in the protected header (A2A §8.4.2 requires it). */
  readonly kid: string;
  /** JWS algorithm, e.g. ES256 (default), EdDSA, RS256. */
  readonly alg?: string;
  /** Where verifiers can find the public key. */
  readonly jku?: string;
}

/** Raised when a card's signatures are missing, malformed, or none verifies. */
export class CardSignatureError extends Error {
  override readonly name = 'CardSignatureError';
}

/** A copy of `card` with one more signature. */
export async function signAgentCard(card: AgentCard, key: SigningKey, options: SignOptions): Promise<AgentCard> {
  const header = {
    alg: options.alg ?? 'ES256',
    typ: 'JOSE',
    kid: options.kid,
    ...(options.jku ? { jku: options.jku } : {}),
  };
  const jws = await new jose.FlattenedSign(new TextEncoder().encode(canonicalizeCard(card)))
    .setProtectedHeader(header)
    .sign(key as jose.CryptoKey);
  const signature: AgentCardSignature = { protected: jws.protected as string, signature: jws.signature };
  return { ...card, signatures: [...(card.signatures ?? []), signature] };
}

export interface VerifyOptions {
  /** Trusted public keys: a JWKS, or a function from (kid, jku) to a key. */
  readonly keys?: jose.JSONWebKeySet | ((kid: string, jku: string | undefined) => Promise<SigningKey | undefined>);
  /** Or a JWKS URL to fetch (with the SSRF policy; allow private networks explicitly if needed). */
  readonly jwksUrl?: string;
  readonly fetch?: FetchTextOptions;
  readonly signal?: AbortSignal;
}

export interface VerifiedSignature {
  readonly kid: string;
  readonly alg: string;
  /** The trusted key that verified it (e.g. to key an agent's history to it). */
  readonly key: SigningKey;
}

/** Every trusted key that may have made a signature with this `kid` and `alg`. */
type KeyCandidates = (kid: string, jku: string | undefined, alg: string) => Promise<SigningKey[]>;

async function loadJwks(options: VerifyOptions): Promise<jose.JSONWebKeySet | undefined> {
  if (typeof options.keys === 'object') return options.keys;
  if (!options.jwksUrl) return undefined;
  const fetched = await fetchText(options.jwksUrl, {
    ...options.fetch,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    return JSON.parse(fetched.text) as jose.JSONWebKeySet;
  } catch {
    throw new CardSignatureError(`the JWKS at ${redactUrl(options.jwksUrl)} is not JSON`);
  }
}

/**
 * Key candidates from the caller's function or a JWKS. A JWKS may hold several keys with one `kid` (a rotation in
 * progress, or a publisher's mistake): each matching key is tried, so the set is not unusable because of it.
 */
async function keyCandidates(options: VerifyOptions): Promise<KeyCandidates> {
  const lookup = options.keys;
  if (typeof lookup === 'function') {
    return async (kid, jku) => {
      const key = await lookup(kid, jku);
      return key ? [key] : [];
    };
  }
  const jwks = await loadJwks(options);
  if (!jwks || !Array.isArray(jwks.keys)) throw new CardSignatureError('no trusted keys: pass keys or jwksUrl');
  const set = jose.createLocalJWKSet(jwks);
  return async (kid, _jku, alg) => {
    try {
      return [await set({ kid, alg })];
    } catch (error) {
      if (!(error instanceof jose.errors.JWKSMultipleMatchingKeys)) throw error;
      const keys: SigningKey[] = [];
      for await (const key of error) keys.push(key);
      return keys;
    }
  };
}

async function verifyWithAny(payload: string, entry: AgentCardSignature, keys: SigningKey[]): Promise<SigningKey> {
  let last: unknown;
  for (const key of keys) {
    try {
      await jose.flattenedVerify(
        { payload, protected: entry.protected, signature: entry.signature },
        key as jose.CryptoKey,
      );
      return key;
    } catch (error) {
      last = error;
    }
  }
  throw last;
}

/** Verify a card; resolves with the first signature that verifies, or throws CardSignatureError. */
export async function verifyAgentCard(card: AgentCard, options: VerifyOptions): Promise<VerifiedSignature> {
  const signatures = card.signatures ?? [];
  if (signatures.length === 0) throw new CardSignatureError('the card has no signatures');
  const candidates = await keyCandidates(options);
  let canonical: string;
  try {
    canonical = canonicalizeCard(card);
  } catch (error) {
    throw new CardSignatureError(`the card cannot be canonicalised: ${(error as Error).message}`);
  }
  const payload = jose.base64url.encode(new TextEncoder().encode(canonical));
  const failures: string[] = [];
  for (const entry of signatures) {
    try {
      const header = jose.decodeProtectedHeader({ protected: entry.protected, signature: entry.signature, payload });
      if (!header.kid || !header.alg) throw new Error('protected header lacks kid or alg');
      const keys = await candidates(header.kid, header.jku, header.alg);
      if (keys.length === 0) throw new Error(`no trusted key ${header.kid}`);
      const key = await verifyWithAny(payload, entry, keys);
      return { kid: header.kid, alg: header.alg, key };
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  throw new CardSignatureError(`no signature verifies: ${failures.join('; ')}`);
}
