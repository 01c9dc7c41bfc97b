/**
 * A token bucket per caller (the authenticated caller, else its address): `perMinute` requests, bursts up to the
 * same number. Bounded: the least recently seen callers are forgotten beyond `maxCallers`.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perMinute: number,
    readonly maxCallers = 10_000,
    readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds to wait before retrying, or 0 when the request may proceed (and a token is taken). */
  take(key: string): number {
    const t = this.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.perMinute, at: t };
    this.#buckets.delete(key);
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + ((t - bucket.at) * this.perMinute) / 60_000);
    bucket.at = t;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.maxCallers) this.#buckets.delete(this.#buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 60_000) / this.perMinute);
  }
}

/**
 * The key of a request: the authenticated caller's id, else the client's address. A credential that does not
 * authenticate never gets a bucket of its own (a made-up key per request would otherwise escape the limit).
 */
export function callerKey(caller: { readonly id: string } | undefined, ip: string): string {
  return caller ? `c:${caller.id}` : `ip:${ip}`;
}
