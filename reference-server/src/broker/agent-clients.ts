/** One pooled A2A client per registered agent, rebuilt when its card changes; the broker's own credentials. */
import type { AgentCard } from '@rightsize/sdk/a2a';
import { A2AClient, type AuthOptions } from '@rightsize/sdk/client';
import { RIGHTSIZE_EXTENSION_URI } from '@rightsize/sdk/rightsize';

export interface AgentClientsOptions {
  readonly allowPrivateNetworks?: boolean;
  /** Credentials the broker presents to agents: per agent id, else the default. Never the client's. */
  readonly credentials?: Readonly<Record<string, AuthOptions>>;
  readonly defaultCredentials?: AuthOptions;
  readonly timeoutMs?: number;
}

export class AgentClients {
  readonly #clients = new Map<string, { card: AgentCard; client: A2AClient }>();
  constructor(readonly options: AgentClientsOptions = {}) {}

  /** How long one request to an agent may take (default 300 000 ms). */
  get timeoutMs(): number {
    return this.options.timeoutMs ?? 300_000;
  }

  get(agentId: string, card: AgentCard): A2AClient {
    const cached = this.#clients.get(agentId);
    if (cached?.card === card) return cached.client;
    if (cached) void cached.client.close();
    const auth = this.options.credentials?.[agentId] ?? this.options.defaultCredentials;
    const client = A2AClient.fromCard(card, {
      allowPrivateNetworks: this.options.allowPrivateNetworks ?? false,
      extensions: [RIGHTSIZE_EXTENSION_URI],
      timeoutMs: this.timeoutMs,
      retries: 0,
      ...(auth ? { auth } : {}),
    });
    this.#clients.set(agentId, { card, client });
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#clients.values()].map((c) => c.client.close()));
    this.#clients.clear();
  }
}
