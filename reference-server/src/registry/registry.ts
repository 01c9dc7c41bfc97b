/**
 * The agent registry (spec §7.8): register by card URL (fetch with the SSRF policy, validate, verify signatures,
 * require a Rightsize profile), refresh by the card's cache headers, health checks with exponential backoff,
 * deregister, load reports. Every change is written to the store and pushed to the routing engine.
 */
import { createHash } from 'node:crypto';
import type { AgentCard } from '@rightsize/sdk/a2a';
import { AddressNotAllowedError, FetchTextError, fetchText } from '@rightsize/sdk/net';
import {
  type CapabilityProfile,
  type ListAgentsResponse,
  type RegisteredAgent,
  readCapabilityProfile,
} from '@rightsize/sdk/rightsize';
import { type SigningKey, verifyAgentCard } from '@rightsize/sdk/signing';
import { defaultA2AValidator, formatIssues, holdsLoneSurrogate, mayHoldLoneSurrogate } from '@rightsize/sdk/validate';
import type { JSONWebKeySet } from 'jose';
import type { AgentRow, BrokerStore } from '../db/store.js';
import { BrokerHttpError, badRequest } from '../http-errors.js';
import type { RoutingEngine } from '../routing/routing.js';
import { AgentIdentities, keyThumbprint } from './identities.js';

export interface RegistryOptions {
  readonly store: BrokerStore;
  readonly routing: RoutingEngine;
  /** Accept card URLs on loopback and private networks (tests, the demo). Default false. */
  readonly allowPrivateNetworks?: boolean;
  /** Keys trusted to sign cards; without them a signed card is verified with its `jku` JWKS, if any. */
  readonly trustedKeys?: JSONWebKeySet;
  /** Refuse cards without signatures (spec §10.5 SHOULD for agents outside the trust domain). Default false. */
  readonly requireSignedCards?: boolean;
  readonly fetchTimeoutMs?: number;
  /** Bounds of the refresh interval taken from Cache-Control max-age (default 30 s to 1 h). */
  readonly minRefreshMs?: number;
  readonly maxRefreshMs?: number;
  /** Health-check backoff after failures: base · 2^(failures−1), capped (default 1 s to 5 min). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  readonly now?: () => number;
  readonly onEvent?: (event: { agentId: string; kind: 'registered' | 'refreshed' | 'down' | 'up' | 'removed' }) => void;
}

const AGENT_ID = /^[A-Za-z0-9_-]{1,128}$/;
const validator = defaultA2AValidator();

/** What the card's cache headers said: its validators and freshness (`max-age`). */
interface CacheInfo {
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
  readonly maxAgeMs: number | undefined;
}

interface FetchedCard extends CacheInfo {
  /** Undefined when the server answered 304 Not Modified. */
  readonly card: AgentCard | undefined;
}

/** `max-age` of a Cache-Control header in ms; undefined when absent or when `no-cache`/`no-store` forbid reuse. */
function maxAgeOf(control: string): number | undefined {
  if (/(?:^|,)\s*no-(?:cache|store)\b/i.test(control)) return undefined;
  const maxAge = /(?:^|,)\s*max-age\s*=\s*"?(\d{1,10})/i.exec(control);
  return maxAge ? Number(maxAge[1]) * 1000 : undefined;
}

const header = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);

/** A broker-assigned id from the card's name: "device-fast (simulated)" → "device-fast". */
function idFromName(name: string, taken: (id: string) => boolean): string {
  const base =
    name
      .replace(/\s*\(simulated\)\s*$/i, '')
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 100) || `agent-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
  let id = base;
  for (let n = 2; taken(id); n++) id = `${base}-${n}`;
  return id;
}

export class Registry {
  readonly #o: RegistryOptions;
  readonly #rows = new Map<string, AgentRow>();
  readonly #identities: AgentIdentities;
  /** Last-Modified and max-age per agent (the ETag is persisted with the row; these are re-learned after a restart). */
  readonly #cache = new Map<string, CacheInfo>();
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  constructor(options: RegistryOptions) {
    this.#o = options;
    this.#identities = new AgentIdentities(options.store.db);
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  /** Load (or reload, after another replica changed it) the persisted registry into memory and the routing engine. */
  async load(): Promise<void> {
    await this.#identities.load();
    const rows = await this.#o.store.agents();
    const present = new Set(rows.map((r) => r.record.id));
    for (const id of [...this.#rows.keys()]) {
      if (!present.has(id)) {
        this.#rows.delete(id);
        this.#o.routing.removeAgent(id);
      }
    }
    for (const row of rows) this.#apply(row);
  }

  get size(): number {
    return this.#rows.size;
  }

  get(id: string): RegisteredAgent | undefined {
    const row = this.#rows.get(id);
    return row ? this.#withCalibration(row.record) : undefined;
  }

  card(id: string): AgentCard | undefined {
    return this.#rows.get(id)?.card;
  }

  /** The agent's capability profile as validated when its card was admitted (no per-request re-validation). */
  profile(id: string): CapabilityProfile | undefined {
    return this.#rows.get(id)?.record.profile;
  }

  ids(): string[] {
    return [...this.#rows.keys()].sort();
  }

  list(pageSize = 50, pageToken?: string): ListAgentsResponse {
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
      throw new BrokerHttpError('invalid', 'pageSize must be an integer from 1 to 1000');
    let after = '';
    if (pageToken) {
      after = Buffer.from(pageToken, 'base64url').toString('utf8');
      if (!AGENT_ID.test(after)) throw new BrokerHttpError('invalid', 'invalid pageToken');
    }
    const ids = this.ids().filter((id) => id > after);
    const page = ids.slice(0, pageSize);
    const last = page[page.length - 1];
    return {
      agents: page.map((id) => this.get(id) as RegisteredAgent),
      ...(ids.length > pageSize && last ? { nextPageToken: Buffer.from(last).toString('base64url') } : {}),
    };
  }

  /**
   * POST /agents: 201 when new, 200 when the agent was registered already: the same card URL again (refreshed), or
   * a signed card whose key and name are bound to a registered agent (it moved to this URL).
   */
  async register(cardUrl: string, signal?: AbortSignal): Promise<{ agent: RegisteredAgent; created: boolean }> {
    const fetched = await this.#fetch(cardUrl, undefined, signal);
    const card = fetched.card as AgentCard;
    const { profile, signatureVerified, thumbprint } = await this.#admit(card, signal);
    const atUrl = [...this.#rows.values()].find((r) => r.record.cardUrl === cardUrl);
    const id = await this.#identify(card.name, thumbprint, atUrl);
    if (atUrl && atUrl.record.id !== id) await this.remove(atUrl.record.id); // the URL now serves another agent
    const existing = this.#rows.get(id);
    const record: RegisteredAgent = {
      id,
      cardUrl,
      name: card.name,
      registeredAt: existing?.record.registeredAt ?? new Date(this.#now()).toISOString(),
      status: 'active',
      signatureVerified,
      profile,
      calibration: [],
    };
    const row: AgentRow = {
      record,
      card,
      etag: fetched.etag,
      failures: 0,
      nextCheckAt: new Date(this.#now() + this.#refreshMs(fetched.maxAgeMs)),
      inflight: existing?.inflight ?? 0,
    };
    await this.#o.store.saveAgent(row);
    this.#apply(row);
    this.#cache.set(id, fetched);
    this.#o.onEvent?.({ agentId: id, kind: existing ? 'refreshed' : 'registered' });
    return { agent: this.#withCalibration(record), created: !existing };
  }

  /**
   * The id of the agent this card is: for a signed card, the id bound to its key and name (bound now when new,
   * or when the agent registered at this URL unsigned so far); for an unsigned card, the id of the agent at this URL.
   * A new id never reuses one bound to a key, so a different key never inherits another agent's history.
   */
  async #identify(name: string, thumbprint: string | undefined, atUrl: AgentRow | undefined): Promise<string> {
    const boundAtUrl = atUrl && this.#identities.of(atUrl.record.id);
    const fresh = () =>
      idFromName(name, (candidate) => this.#rows.has(candidate) || this.#identities.of(candidate) !== undefined);
    if (!thumbprint) {
      if (boundAtUrl)
        throw new BrokerHttpError(
          'invalid',
          `agent ${atUrl.record.id} at this card URL was registered with a signed card; an unsigned card cannot replace it (deregister it first)`,
        );
      return atUrl?.record.id ?? fresh();
    }
    const bound = this.#identities.agentFor(thumbprint, name);
    if (bound) return bound;
    const agentId = atUrl && !boundAtUrl ? atUrl.record.id : fresh();
    return this.#identities.bind({ agentId, keyThumbprint: thumbprint, name });
  }

  async remove(id: string): Promise<boolean> {
    if (!this.#rows.has(id)) return false;
    await this.#o.store.deleteAgent(id);
    this.#rows.delete(id);
    this.#cache.delete(id);
    this.#o.routing.removeAgent(id);
    this.#o.onEvent?.({ agentId: id, kind: 'removed' });
    return true;
  }

  async setLoad(id: string, inflight: number): Promise<boolean> {
    const row = this.#rows.get(id);
    if (!row) return false;
    await this.#save({ ...row, inflight });
    return true;
  }

  /** A forwarding failure (transport error, 5xx) counts as a failed health check. */
  async reportFailure(id: string): Promise<void> {
    const row = this.#rows.get(id);
    if (row) await this.#down(row);
  }

  /**
   * Re-fetch the card (with If-None-Match): refreshes it when it changed, marks the agent up; on failure marks it
   * down and backs off. Returns whether the agent is available.
   */
  async check(id: string, signal?: AbortSignal): Promise<boolean> {
    const row = this.#rows.get(id);
    if (!row) return false;
    try {
      const cached = this.#cache.get(id);
      const fetched = await this.#fetch(
        row.record.cardUrl,
        { etag: row.etag, lastModified: cached?.lastModified, maxAgeMs: cached?.maxAgeMs },
        signal,
      );
      let next: AgentRow = {
        ...row,
        failures: 0,
        nextCheckAt: new Date(this.#now() + this.#refreshMs(fetched.maxAgeMs)),
        record: { ...row.record, status: 'active' },
      };
      if (fetched.card) {
        const { profile, signatureVerified, thumbprint } = await this.#admit(fetched.card, signal);
        await this.#sameKey(row.record.id, fetched.card.name, thumbprint);
        next = {
          ...next,
          card: fetched.card,
          etag: fetched.etag,
          record: { ...next.record, name: fetched.card.name, profile, signatureVerified },
        };
      }
      await this.#save(next);
      this.#cache.set(id, fetched);
      this.#o.onEvent?.({ agentId: id, kind: row.record.status === 'active' ? 'refreshed' : 'up' });
      return true;
    } catch {
      await this.#down(row);
      return false;
    }
  }

  /** Check every agent whose next check is due (at most one sweep at a time). */
  async checkDue(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    try {
      const due = [...this.#rows.values()].filter((r) => r.nextCheckAt.getTime() <= this.#now());
      await Promise.all(due.map((r) => this.check(r.record.id)));
    } finally {
      this.#checking = false;
    }
  }

  /** Run `checkDue` every `intervalMs` in the background until `stop()`. */
  start(intervalMs = 1000): void {
    this.#timer ??= setInterval(() => void this.checkDue().catch(() => undefined), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * A refreshed card must be signed with the key its history is bound to; a card signed for the first time binds
   * its key. Otherwise the check fails (the agent is marked unavailable) until it is registered again.
   */
  async #sameKey(agentId: string, name: string, thumbprint: string | undefined): Promise<void> {
    const bound = this.#identities.of(agentId);
    if (bound && bound.keyThumbprint !== thumbprint)
      throw new BrokerHttpError('invalid', `the card of ${agentId} is no longer signed with its key`);
    if (!bound && thumbprint && !this.#identities.agentFor(thumbprint, name))
      await this.#identities.bind({ agentId, keyThumbprint: thumbprint, name });
  }

  async #down(row: AgentRow): Promise<void> {
    const failures = row.failures + 1;
    const base = this.#o.backoffBaseMs ?? 1000;
    const delay = Math.min(base * 2 ** (failures - 1), this.#o.backoffMaxMs ?? 300_000);
    await this.#save({
      ...row,
      failures,
      nextCheckAt: new Date(this.#now() + delay),
      record: { ...row.record, status: 'unavailable' },
    });
    if (row.record.status !== 'unavailable') this.#o.onEvent?.({ agentId: row.record.id, kind: 'down' });
  }

  async #save(row: AgentRow): Promise<void> {
    if (!this.#rows.has(row.record.id)) return; // removed meanwhile
    await this.#o.store.saveAgent(row);
    this.#apply(row);
  }

  #apply(row: AgentRow): void {
    this.#rows.set(row.record.id, row);
    this.#o.routing.setAgent({
      id: row.record.id,
      card: row.card,
      profile: row.record.profile,
      available: row.record.status === 'active',
      load: row.inflight,
    });
  }

  #withCalibration(record: RegisteredAgent): RegisteredAgent {
    return { ...record, calibration: this.#o.routing.calibration(record.id) };
  }

  #refreshMs(maxAgeMs: number | undefined): number {
    const min = this.#o.minRefreshMs ?? 30_000;
    const max = this.#o.maxRefreshMs ?? 3_600_000;
    return Math.min(max, Math.max(min, maxAgeMs ?? min));
  }

  /**
   * Fetch and validate a card, conditionally (If-None-Match, If-Modified-Since) when `cached` has validators;
   * `card` is undefined when the server answered 304 Not Modified.
   */
  async #fetch(cardUrl: string, cached: CacheInfo | undefined, signal?: AbortSignal): Promise<FetchedCard> {
    let url: URL;
    try {
      url = new URL(cardUrl);
    } catch {
      throw new BrokerHttpError('invalid', 'cardUrl is not a valid URL', [
        badRequest([{ field: 'cardUrl', description: 'is not a valid URL' }]),
      ]);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new BrokerHttpError('invalid', 'cardUrl must be http or https', [
        badRequest([{ field: 'cardUrl', description: 'must be http or https' }]),
      ]);
    let text: string;
    let headers: Readonly<Record<string, string | string[] | undefined>>;
    try {
      const fetched = await fetchText(url.href, {
        allowPrivateNetworks: this.#o.allowPrivateNetworks ?? false,
        timeoutMs: this.#o.fetchTimeoutMs ?? 10_000,
        maxBytes: 1024 * 1024,
        headers: {
          ...(cached?.etag ? { 'if-none-match': cached.etag } : {}),
          ...(cached?.lastModified ? { 'if-modified-since': cached.lastModified } : {}),
        },
        ...(signal ? { signal } : {}),
      });
      text = fetched.text;
      headers = fetched.headers;
    } catch (error) {
      if (error instanceof AddressNotAllowedError)
        throw new BrokerHttpError('forbidden', `card URL refused: ${error.message}`);
      if (error instanceof FetchTextError && error.status === 304 && (cached?.etag || cached?.lastModified))
        return { ...cached, card: undefined };
      throw new BrokerHttpError(
        'badGateway',
        `card unreachable: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new BrokerHttpError('invalid', 'the card is not JSON');
    }
    // A card is stored (jsonb) and maybe signed: an unpaired surrogate can be neither stored nor replaced.
    if (mayHoldLoneSurrogate(text) && holdsLoneSurrogate(body))
      throw new BrokerHttpError(
        'invalid',
        'the card holds an unpaired UTF-16 surrogate escape, which is not Unicode text',
      );
    const checked = validator.check('AgentCard', body);
    if (!checked.ok)
      throw new BrokerHttpError(
        'invalid',
        `the card is not a valid A2A v1.0 AgentCard:\n${formatIssues(checked.issues)}`,
        [badRequest(checked.issues.map((i) => ({ field: `card${i.path}`, description: i.message })))],
      );
    return {
      card: checked.value,
      etag: header(headers.etag),
      lastModified: header(headers['last-modified']),
      maxAgeMs: maxAgeOf(String(headers['cache-control'] ?? '')),
    };
  }

  /** The card must declare the extension with role "agent" and a valid profile; signatures must verify. */
  async #admit(card: AgentCard, signal?: AbortSignal) {
    const read = readCapabilityProfile(card);
    if (!read) throw new BrokerHttpError('invalid', 'the card does not declare the Rightsize extension with a profile');
    if (!read.ok)
      throw new BrokerHttpError('invalid', `the card's Rightsize profile is not valid:\n${formatIssues(read.issues)}`, [
        badRequest(read.issues.map((i) => ({ field: `profile${i.path}`, description: i.message }))),
      ]);
    if (!card.signatures?.length) {
      if (this.#o.requireSignedCards)
        throw new BrokerHttpError('invalid', 'the card is not signed, and this broker requires signed cards');
      return { profile: read.value, signatureVerified: false, thumbprint: undefined };
    }
    let thumbprint: string;
    try {
      const verified = await verifyAgentCard(card, {
        keys: this.#o.trustedKeys ?? ((kid, jku) => this.#keyFromJku(kid, jku, signal)),
        fetch: { allowPrivateNetworks: this.#o.allowPrivateNetworks ?? false },
        ...(signal ? { signal } : {}),
      });
      thumbprint = await keyThumbprint(verified.key);
    } catch (error) {
      throw new BrokerHttpError(
        'invalid',
        `the card's signature does not verify: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return { profile: read.value, signatureVerified: true, thumbprint };
  }

  async #keyFromJku(kid: string, jku: string | undefined, signal?: AbortSignal): Promise<SigningKey | undefined> {
    if (!jku) return undefined;
    const fetched = await fetchText(jku, {
      allowPrivateNetworks: this.#o.allowPrivateNetworks ?? false,
      timeoutMs: this.#o.fetchTimeoutMs ?? 10_000,
      maxBytes: 256 * 1024,
      ...(signal ? { signal } : {}),
    });
    const jwks = JSON.parse(fetched.text) as JSONWebKeySet;
    return jwks.keys?.find((k) => k.kid === kid);
  }
}
