/**
 * Hand-over from the request guard (which sees the whole request and the caller) to the executor (which sees the
 * message): the decision already made for a message, if any. Entries expire after a minute.
 */
import type { Route } from '../routing/routing.js';

export interface PendingEntry {
  readonly route?: Route;
}

export class PendingDecisions {
  readonly #entries = new Map<string, PendingEntry & { readonly expires: number }>();
  constructor(readonly ttlMs = 60_000) {}

  put(messageId: string, entry: PendingEntry): void {
    const now = Date.now();
    if (this.#entries.size > 1000) {
      for (const [key, value] of this.#entries) if (value.expires < now) this.#entries.delete(key);
    }
    this.#entries.set(messageId, { ...entry, expires: now + this.ttlMs });
  }

  take(messageId: string): PendingEntry | undefined {
    const entry = this.#entries.get(messageId);
    this.#entries.delete(messageId);
    return entry && entry.expires >= Date.now() ? entry : undefined;
  }
}
