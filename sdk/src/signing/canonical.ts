/**
 * The canonical form of an agent card for signing (A2A §8.4.1): the card without `signatures`, with empty values
 * (empty strings, nulls, empty arrays and objects) removed — as the official SDK does, which for valid cards
 * matches the spec's rule of omitting unset optional fields — serialised with the JSON Canonicalization Scheme
 * (RFC 8785, by the `canonicalize` package of the RFC's author: keys sorted by UTF-16 code units, ECMAScript number
 * and string serialisation, lone surrogates and non-finite numbers refused).
 *
 * Every member is covered, `__proto__` included: a card parsed from JSON may carry `"__proto__"` as an ordinary own
 * member, and the pruned copy is built from null-prototype objects so that such a member is copied (and signed)
 * rather than turned into the copy's prototype and silently dropped from the signed bytes.
 */
import canonicalize from 'canonicalize';
import type { AgentCard } from '../a2a/model/index.js';

function prune(value: unknown): unknown {
  if (value === '' || value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) {
      const pruned = prune(v);
      if (pruned !== undefined) out[k] = pruned;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return value;
}

/** RFC 8785 serialisation of a JSON value; throws TypeError for what JCS cannot encode. */
export function jcs(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (error) {
    throw new TypeError(`JCS cannot encode this value: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (text === undefined) throw new TypeError('JCS cannot encode this value');
  return text;
}

export function canonicalizeCard(card: AgentCard): string {
  const rest: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(card)) if (k !== 'signatures') rest[k] = v;
  return jcs(prune(rest) ?? {});
}
