/**
 * Which network addresses the SDK may connect to when it fetches a URL it was handed (agent cards, webhooks, JWKS).
 * Only globally routable unicast addresses pass; every block of the IANA special-purpose address registries (IPv4
 * and IPv6), multicast, and IPv6 outside the global unicast space 2000::/3 are refused unless the caller allows
 * private networks, so a hostile URL cannot reach internal services (SSRF).
 *
 * The classification is `ipaddr.js`'s (it tracks the IANA registries). IPv6 forms that embed an IPv4 address —
 * IPv4-mapped `::ffff:0:0/96`, IPv4-translated `::ffff:0:0:0/96` and the NAT64 well-known prefix `64:ff9b::/96` —
 * are judged by the IPv4 address they carry; the tunnelling forms whose traffic leaves through a relay chosen by the
 * address (6to4 `2002::/16`, Teredo `2001::/32`) and the local-use NAT64 prefix `64:ff9b:1::/48` are refused.
 * A few IANA blocks marked globally reachable (AS112, AMT, 192.0.0.9) are refused too: no agent is served there.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface AddressVerdict {
  /** True when the address may be connected to without `allowPrivateNetworks`. */
  readonly allowed: boolean;
  /** ipaddr.js's range name (`unicast`, `loopback`, `private`, `rfc6052`, …), with the embedded IPv4 range after `/`. */
  readonly range: string;
}

const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
/** IPv6 ranges whose last 32 bits are the IPv4 address the traffic really goes to. */
const EMBEDS_V4: ReadonlySet<string> = new Set(['ipv4Mapped', 'rfc6145']);

function classifyV4(address: ipaddr.IPv4): AddressVerdict {
  const range = address.range();
  return { allowed: range === 'unicast', range };
}

function embeddedV4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const bytes = address.toByteArray().slice(12);
  return ipaddr.fromByteArray(bytes) as ipaddr.IPv4;
}

function classifyV6(address: ipaddr.IPv6): AddressVerdict {
  const range = address.range();
  if (EMBEDS_V4.has(range) || (range === 'rfc6052' && address.match(NAT64_WELL_KNOWN))) {
    const inner = classifyV4(embeddedV4(address));
    return { allowed: inner.allowed, range: `${range}/${inner.range}` };
  }
  if (range !== 'unicast') return { allowed: false, range };
  // ::/96 (deprecated IPv4-compatible), unassigned and reserved space outside the global unicast block.
  if (!address.match(GLOBAL_UNICAST_V6)) return { allowed: false, range: 'notGlobalUnicast' };
  return { allowed: true, range };
}

/**
 * The verdict for an IP literal (brackets and an IPv6 zone index allowed), or undefined when `address` is not an IP
 * literal (a host name, which the connection-time lookup checks instead).
 */
export function classifyAddress(address: string): AddressVerdict | undefined {
  const bare = address.replace(/^\[|\]$/g, '');
  if (isIP(bare.replace(/%.*$/, '')) === 0) return undefined;
  const parsed = ipaddr.parse(bare);
  return parsed.kind() === 'ipv4' ? classifyV4(parsed as ipaddr.IPv4) : classifyV6(parsed as ipaddr.IPv6);
}

/** True when `address` (an IP literal) is loopback, private, link-local, multicast or otherwise not public. */
export function isNonPublicAddress(address: string): boolean {
  const verdict = classifyAddress(address);
  return verdict !== undefined && !verdict.allowed;
}

/** Raised when a URL points at an address the policy refuses. Never retried: the answer would not change. */
export class AddressNotAllowedError extends Error {
  override readonly name = 'AddressNotAllowedError';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    const range = classifyAddress(address)?.range;
    super(
      `refusing to connect to ${host} (${address}${range ? `, ${range}` : ''}): not a public unicast address ` +
        '(private, loopback, link-local or special-purpose); allow private networks explicitly to reach it',
    );
  }
}

/** The AddressNotAllowedError that `error` is or wraps (undici wraps a refused lookup in its connect error). */
export function addressRefusalIn(error: unknown): AddressNotAllowedError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (current instanceof AddressNotAllowedError) return current;
    current = current.cause;
  }
  return undefined;
}
