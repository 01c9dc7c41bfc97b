/**
 * Push notifications (A2A §3.5.3, §4.3): a config store and a sender that POSTs each event as a StreamResponse to
 * the task's webhooks, with the configured authentication, a timeout, retries with exponential backoff, and the
 * SSRF address policy (private and loopback webhook URLs refused unless explicitly allowed).
 */

import { Agent, type Dispatcher, request } from 'undici';
import type { StreamResponse, TaskPushNotificationConfig } from '../a2a/model/index.js';
import { isNonPublicAddress } from '../net/address-policy.js';
import { guardedLookup } from '../net/fetch-text.js';
import type { TaskScope } from './task-store.js';

/** A stored push config: `taskId` and `id` are always set. */
export type StoredPushConfig = TaskPushNotificationConfig & { readonly taskId: string; readonly id: string };

/** What `save` did: created a config, replaced one with the same id, or refused it (the task has `maxPerTask`). */
export type PushConfigSaveResult = 'created' | 'replaced' | 'limit';

/**
 * Where push configs live. Every call names the TaskScope of the task's owner; configs of one scope are invisible
 * to every other (so one caller can never read or replace another's webhook, whatever id it picks). Each method
 * may be a network round trip; `save` must count and insert atomically (e.g. one SQL transaction).
 */
export interface PushConfigStore {
  /** Create or replace the config (scope, taskId, id); a new one beyond `maxPerTask` configs is refused. */
  save(scope: TaskScope, config: StoredPushConfig, maxPerTask: number): Promise<PushConfigSaveResult>;
  get(scope: TaskScope, taskId: string, id: string): Promise<StoredPushConfig | undefined>;
  /** Configs of a task ordered by id, at most `limit`, only those with an id greater than `afterId`. */
  list(scope: TaskScope, taskId: string, page?: { limit?: number; afterId?: string }): Promise<StoredPushConfig[]>;
  /** True when a config was deleted; false when there was none (deleting is idempotent). */
  delete(scope: TaskScope, taskId: string, id: string): Promise<boolean>;
}

const pushKey = (scope: TaskScope, taskId: string) => `${scope.tenant}\u0000${scope.owner}\u0000${taskId}`;

export class InMemoryPushConfigStore implements PushConfigStore {
  readonly #byTask = new Map<string, Map<string, StoredPushConfig>>();

  async save(scope: TaskScope, config: StoredPushConfig, maxPerTask: number): Promise<PushConfigSaveResult> {
    const key = pushKey(scope, config.taskId);
    let configs = this.#byTask.get(key);
    if (!configs) {
      configs = new Map();
      this.#byTask.set(key, configs);
    }
    const replacing = configs.has(config.id);
    if (!replacing && configs.size >= maxPerTask) return 'limit';
    configs.set(config.id, structuredClone(config));
    return replacing ? 'replaced' : 'created';
  }

  async get(scope: TaskScope, taskId: string, id: string): Promise<StoredPushConfig | undefined> {
    const config = this.#byTask.get(pushKey(scope, taskId))?.get(id);
    return config ? structuredClone(config) : undefined;
  }

  async list(
    scope: TaskScope,
    taskId: string,
    page: { limit?: number; afterId?: string } = {},
  ): Promise<StoredPushConfig[]> {
    const all = [...(this.#byTask.get(pushKey(scope, taskId))?.values() ?? [])];
    const after = page.afterId;
    return all
      .filter((c) => after === undefined || c.id > after)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, page.limit ?? Number.POSITIVE_INFINITY)
      .map((c) => structuredClone(c));
  }

  async delete(scope: TaskScope, taskId: string, id: string): Promise<boolean> {
    const key = pushKey(scope, taskId);
    const configs = this.#byTask.get(key);
    const deleted = configs?.delete(id) ?? false;
    if (configs?.size === 0) this.#byTask.delete(key);
    return deleted;
  }
}

export interface PushSenderOptions {
  /** Allow webhooks on loopback or private networks (default false: refused). */
  readonly allowPrivateNetworks?: boolean;
  /** Per-attempt timeout (default 10 000 ms, A2A recommends 10–30 s). */
  readonly timeoutMs?: number;
  /** Attempts per delivery (default 3), with exponential backoff from `backoffMs` (default 200 ms). */
  readonly attempts?: number;
  readonly backoffMs?: number;
  /** Most webhook requests in flight at once, over all tasks and hosts (default 64); the rest wait their turn. */
  readonly maxConcurrent?: number;
  /** Most connections per webhook origin in the shared pool (default 8). */
  readonly connectionsPerOrigin?: number;
  /**
   * Most deliveries pending at once — in flight, waiting for a slot or backing off (default 1000). A delivery beyond
   * it fails at once (reported), so a receiver that is down or slow never piles up events in memory.
   */
  readonly maxPending?: number;
  /**
   * After a delivery to a webhook origin finally fails, later deliveries to that origin fail at once (reported,
   * nothing sent) for this long (default 30 000 ms; 0 turns it off): a receiver that is down costs one delivery's
   * retries, not every event's.
   */
  readonly suspendMs?: number;
  /** Called when a delivery finally fails (never with the credentials). */
  readonly onError?: (error: Error, config: { taskId: string; url: string }) => void;
}

/** What a sender has done so far (counts of deliveries, one per event and webhook). */
export interface PushSenderStats {
  readonly delivered: number;
  /** Failed after their retries (or refused by the address policy, or answered 4xx). */
  readonly failed: number;
  /** Failed at once: the pending limit was reached or the receiver's origin was suspended. */
  readonly dropped: number;
  /** Pending now (in flight, waiting for a slot, backing off). */
  readonly pending: number;
  /** The most pending at once so far. */
  readonly peakPending: number;
  /** Attempts after the first (retries after a failed attempt), all deliveries together. */
  readonly retried: number;
  /** Receivers (origins) suspended now, after a delivery there finally failed. */
  readonly suspended: number;
}

export interface PushSender {
  /** Why a webhook URL is refused (checked when a config is created or sent inline), or undefined when acceptable. */
  refuse?(url: URL): string | undefined;
  /** Deliver one event of a task to its webhooks (in the background; must not throw). */
  notify(scope: TaskScope, taskId: string, event: StreamResponse, configs: PushConfigStore): Promise<void>;
  close(): Promise<void>;
}

export class WebhookPushSender implements PushSender {
  readonly #o: Required<Omit<PushSenderOptions, 'onError'>> & Pick<PushSenderOptions, 'onError'>;
  readonly #dispatcher: Dispatcher;
  readonly #waiting: (() => void)[] = [];
  #active = 0;
  /** Origin → until when its deliveries fail at once (after a delivery there finally failed). */
  readonly #suspended = new Map<string, number>();
  readonly #stats = { delivered: 0, failed: 0, dropped: 0, pending: 0, peakPending: 0, retried: 0 };

  constructor(options: PushSenderOptions = {}) {
    this.#o = {
      allowPrivateNetworks: options.allowPrivateNetworks ?? false,
      timeoutMs: options.timeoutMs ?? 10_000,
      attempts: options.attempts ?? 3,
      backoffMs: options.backoffMs ?? 200,
      maxConcurrent: options.maxConcurrent ?? 64,
      connectionsPerOrigin: options.connectionsPerOrigin ?? 8,
      maxPending: options.maxPending ?? 1000,
      suspendMs: options.suspendMs ?? 30_000,
      onError: options.onError,
    };
    // One pooled dispatcher for every delivery: connections are reused and capped per origin.
    const connections = this.#o.connectionsPerOrigin;
    this.#dispatcher = this.#o.allowPrivateNetworks
      ? new Agent({ connections })
      : new Agent({ connections, connect: { lookup: guardedLookup } });
  }

  refuse(url: URL): string | undefined {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'url must be http or https';
    if (url.username || url.password) return 'url must not carry credentials (use authentication)';
    if (!this.#o.allowPrivateNetworks && isNonPublicAddress(url.hostname)) {
      return 'url names a private or loopback address';
    }
    return undefined;
  }

  /** Wait for one of the `maxConcurrent` delivery slots. */
  async #acquire(): Promise<() => void> {
    if (this.#active >= this.#o.maxConcurrent) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#active++;
    return () => {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    };
  }

  /** Counts of deliveries so far, how many are pending, and how many receivers are suspended now. */
  stats(): PushSenderStats {
    const now = Date.now();
    for (const [origin, until] of this.#suspended) if (until <= now) this.#suspended.delete(origin);
    return { ...this.#stats, suspended: this.#suspended.size };
  }

  async notify(scope: TaskScope, taskId: string, event: StreamResponse, configs: PushConfigStore): Promise<void> {
    const targets = await configs.list(scope, taskId);
    await Promise.all(targets.map((config) => this.#admit(config, event)));
  }

  /** Deliver unless the pending limit is reached or the receiver is suspended: then fail at once, reported. */
  async #admit(config: TaskPushNotificationConfig, event: StreamResponse): Promise<void> {
    const url = new URL(config.url);
    const refusal =
      this.#suspension(url.origin) ??
      (this.#stats.pending >= this.#o.maxPending
        ? `too many webhook deliveries pending (${this.#o.maxPending}); event dropped`
        : undefined);
    if (refusal) {
      this.#stats.dropped++;
      this.#report(new Error(refusal), config, url);
      return;
    }
    this.#stats.pending++;
    this.#stats.peakPending = Math.max(this.#stats.peakPending, this.#stats.pending);
    try {
      const failure = await this.#deliver(config, event, url);
      if (!failure) {
        this.#stats.delivered++;
        return;
      }
      this.#stats.failed++;
      if (failure.receiverDown && this.#o.suspendMs > 0)
        this.#suspended.set(url.origin, Date.now() + this.#o.suspendMs);
      this.#report(failure.error, config, url);
    } finally {
      this.#stats.pending--;
    }
  }

  /** Why deliveries to `origin` fail at once now, or undefined when it is not suspended. */
  #suspension(origin: string): string | undefined {
    const until = this.#suspended.get(origin);
    if (until === undefined) return undefined;
    if (until > Date.now())
      return `webhook receiver suspended for ${Math.ceil((until - Date.now()) / 1000)} s after a failed delivery`;
    this.#suspended.delete(origin);
    return undefined;
  }

  #report(error: Error, config: TaskPushNotificationConfig, url: URL): void {
    this.#o.onError?.(error, { taskId: config.taskId as string, url: `${url.origin}${url.pathname}` });
  }

  /**
   * Send with retries and backoff: undefined when delivered, else the last error and whether the receiver looks down
   * (unreachable, timed out, 5xx or 429 on every attempt) rather than refusing this event (4xx) or the address.
   */
  async #deliver(
    config: TaskPushNotificationConfig,
    event: StreamResponse,
    url: URL,
  ): Promise<{ error: Error; receiverDown: boolean } | undefined> {
    const headers: Record<string, string> = { 'content-type': 'application/a2a+json' };
    if (config.authentication) {
      headers.authorization = `${config.authentication.scheme} ${config.authentication.credentials ?? ''}`.trim();
    }
    if (config.token) headers['x-a2a-notification-token'] = config.token;
    let lastError: Error | undefined;
    let receiverDown = true;
    for (let attempt = 0; attempt < this.#o.attempts; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, this.#o.backoffMs * 2 ** (attempt - 1)));
      // another delivery found the receiver down meanwhile: stop here rather than queue for it again
      const suspended = this.#suspension(url.origin);
      if (suspended) return { error: new Error(suspended), receiverDown: false };
      if (attempt > 0) this.#stats.retried++;
      try {
        if (!this.#o.allowPrivateNetworks && isNonPublicAddress(url.hostname)) {
          throw new Error(`refusing webhook on a private or loopback address: ${url.host}`);
        }
        const release = await this.#acquire();
        let response: Dispatcher.ResponseData;
        try {
          response = await request(url, {
            method: 'POST',
            headers,
            body: JSON.stringify(event),
            dispatcher: this.#dispatcher,
            signal: AbortSignal.timeout(this.#o.timeoutMs),
          });
          await response.body.dump();
        } finally {
          release();
        }
        if (response.statusCode >= 200 && response.statusCode < 300) return undefined;
        lastError = new Error(`webhook answered HTTP ${response.statusCode}`);
        if (response.statusCode < 500 && response.statusCode !== 429) {
          receiverDown = false;
          break; // client errors are not retried
        }
      } catch (error) {
        lastError = error instanceof Error ? error : new Error(String(error));
        if (lastError.message.startsWith('refusing')) {
          receiverDown = false;
          break;
        }
      }
    }
    return { error: lastError ?? new Error('webhook delivery failed'), receiverDown };
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}
