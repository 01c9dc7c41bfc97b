/**
 * The canonical form of an agent card for signing (A2A §8.4.1): the card without `signatures`, with empty values
 * (empty strings, nulls, empty arrays and objects) removed — as the official SDK does, which for valid cards
 * matches the spec's rule of omitting unset optional fields — serialised with the JSON Canonicalization Scheme
 * (RFC 8785: keys sorted by UTF-16 code units, ECMAScript number and string serialisation).
 */
import type { AgentCard } from '../a2a/model/index.js';

function prune(value: unknown): unknown {
  if (value === '' || value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const pruned = prune(v);
      if (pruned !== undefined) out[k] = pruned;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return value;
}

/** RFC 8785 serialisation of a JSON value. */
export function jcs(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new TypeError('JCS cannot encode a non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .sort()
    .filter((k) => record[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${jcs(record[k])}`)
    .join(',')}}`;
}

export function canonicalizeCard(card: AgentCard): string {
  const { signatures: _signatures, ...rest } = card;
  return jcs(prune(rest) ?? {});
}
