/**
 * Agent identities (spec §9.4, §10.5): an agent whose card is signed keeps its history (calibration, learned state,
 * its broker id) under its signing key and card name, so registering it again under a new URL does not reset it,
 * and a card signed with another key starts afresh. A binding outlives the registration: deregistering and
 * registering again with the same key restores the same id and so the same history.
 */
import type { SigningKey } from '@rightsize/sdk/signing';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import type { Sql } from '../db/database.js';

export interface AgentIdentity {
  readonly agentId: string;
  /** RFC 7638 SHA-256 thumbprint of the public key that verified the card. */
  readonly keyThumbprint: string;
  /** The card's name when the binding was made (one key may sign several agents). */
  readonly name: string;
}

/** The RFC 7638 thumbprint of a verifying key, whatever form it came in. */
export async function keyThumbprint(key: SigningKey): Promise<string> {
  const jwk: JWK =
    key instanceof Uint8Array || !('kty' in key) ? await exportJWK(key as Exclude<SigningKey, JWK>) : (key as JWK);
  return calculateJwkThumbprint(jwk, 'sha256');
}

const keyOf = (thumbprint: string, name: string) => `${thumbprint} ${name}`;

export class AgentIdentities {
  readonly #byAgent = new Map<string, AgentIdentity>();
  readonly #byKey = new Map<string, string>();

  constructor(readonly db: Sql) {}

  /** Read every binding (at start, and when another replica changed the registry). */
  async load(): Promise<void> {
    const rows = await this.db.query<{ agent_id: string; key_thumbprint: string; name: string }>(
      'SELECT agent_id, key_thumbprint, name FROM agent_identities',
    );
    this.#byAgent.clear();
    this.#byKey.clear();
    for (const r of rows) this.#remember({ agentId: r.agent_id, keyThumbprint: r.key_thumbprint, name: r.name });
  }

  /** The agent id bound to this key and card name, if any. */
  agentFor(thumbprint: string, name: string): string | undefined {
    return this.#byKey.get(keyOf(thumbprint, name));
  }

  of(agentId: string): AgentIdentity | undefined {
    return this.#byAgent.get(agentId);
  }

  /**
   * Bind an agent id to a key and name. When another replica bound the same key and name meanwhile, its id wins
   * and is returned.
   */
  async bind(identity: AgentIdentity): Promise<string> {
    await this.db.query(
      `INSERT INTO agent_identities (agent_id, key_thumbprint, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [identity.agentId, identity.keyThumbprint, identity.name],
    );
    const rows = await this.db.query<{ agent_id: string }>(
      'SELECT agent_id FROM agent_identities WHERE key_thumbprint = $1 AND name = $2',
      [identity.keyThumbprint, identity.name],
    );
    const agentId = rows[0]?.agent_id ?? identity.agentId;
    this.#remember({ ...identity, agentId });
    return agentId;
  }

  #remember(identity: AgentIdentity): void {
    this.#byAgent.set(identity.agentId, identity);
    this.#byKey.set(keyOf(identity.keyThumbprint, identity.name), identity.agentId);
  }
}
