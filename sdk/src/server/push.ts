/**
 * Push notifications (A2A §3.5.3, §4.3): a config store and a sender that POSTs each event as a StreamResponse to
 * the task's webhooks, with the configured authentication, a timeout, retries with exponential backoff, and the
 * SSRF address policy (private and loopback webhook URLs refused unless explicitly allowed).
 */

import { Agent, type Dispatcher, request } from 'undici';
import type { StreamResponse, TaskPushNotificationConfig } from '../a2a/model/index.js';
import { isNonPublicAddress } from '../net/address-policy.js';
import { guardedLookup } from '../net/fetch-text.js';

export interface PushConfigStore {
  save(config: TaskPushNotificationConfig): Promise<void>;
  list(taskId: string): Promise<TaskPushNotificationConfig[]>;
  /** True when a config was deleted. */
  delete(taskId: string, id: string): Promise<boolean>;
}

export class InMemoryPushConfigStore implements PushConfigStore {
  readonly #byTask = new Map<string, Map<string, TaskPushNotificationConfig>>();

  async save(config: TaskPushNotificationConfig): Promise<void> {
    const taskId = config.taskId as string;
    let configs = this.#byTask.get(taskId);
    if (!configs) {
      configs = new Map();
      this.#byTask.set(taskId, configs);
    }
    configs.set(config.id as string, structuredClone(config));
  }

  async list(taskId: string): Promise<TaskPushNotificationConfig[]> {
    return [...(this.#byTask.get(taskId)?.values() ?? [])].map((c) => structuredClone(c));
  }

  async delete(taskId: string, id: string): Promise<boolean> {
    return this.#byTask.get(taskId)?.delete(id) ?? false;
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
  /** Called when a delivery finally fails (never with the credentials). */
  readonly onError?: (error: Error, config: { taskId: string; url: string }) => void;
}

export interface PushSender {
  notify(taskId: string, event: StreamResponse, configs: PushConfigStore): Promise<void>;
  close(): Promise<void>;
}

export class WebhookPushSender implements PushSender {
  readonly #o: Required<Omit<PushSenderOptions, 'onError'>> & Pick<PushSenderOptions, 'onError'>;
  readonly #dispatcher: Dispatcher;

  constructor(options: PushSenderOptions = {}) {
    this.#o = {
      allowPrivateNetworks: options.allowPrivateNetworks ?? false,
      timeoutMs: options.timeoutMs ?? 10_000,
      attempts: options.attempts ?? 3,
      backoffMs: options.backoffMs ?? 200,
      onError: options.onError,
    };
    this.#dispatcher = this.#o.allowPrivateNetworks ? new Agent() : new Agent({ connect: { lookup: guardedLookup } });
  }

  async notify(taskId: string, event: StreamResponse, configs: PushConfigStore): Promise<void> {
    const targets = await configs.list(taskId);
    await Promise.all(targets.map((config) => this.#deliver(config, event)));
  }

  async #deliver(config: TaskPushNotificationConfig, event: StreamResponse): Promise<void> {
    const url = new URL(config.url);
    const headers: Record<string, string> = { 'content-type': 'application/a2a+json' };
    if (config.authentication) {
      headers.authorization = `${config.authentication.scheme} ${config.authentication.credentials ?? ''}`.trim();
    }
    if (config.token) headers['x-a2a-notification-token'] = config.token;
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < this.#o.attempts; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, this.#o.backoffMs * 2 ** (attempt - 1)));
      try {
        if (!this.#o.allowPrivateNetworks && isNonPublicAddress(url.hostname)) {
          throw new Error(`refusing webhook on a private or loopback address: ${url.host}`);
        }
        const response = await request(url, {
          method: 'POST',
          headers,
          body: JSON.stringify(event),
          dispatcher: this.#dispatcher,
          signal: AbortSignal.timeout(this.#o.timeoutMs),
        });
        await response.body.dump();
        if (response.statusCode >= 200 && response.statusCode < 300) return;
        lastError = new Error(`webhook answered HTTP ${response.statusCode}`);
        if (response.statusCode < 500 && response.statusCode !== 429) break; // client errors are not retried
      } catch (error) {
        lastError = error instanceof Error ? error : new Error(String(error));
        if (lastError.message.startsWith('refusing')) break;
      }
    }
    if (lastError)
      this.#o.onError?.(lastError, { taskId: config.taskId as string, url: `${url.origin}${url.pathname}` });
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}
