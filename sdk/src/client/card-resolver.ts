/**
 * Resolves agent cards from a base URL (the well-known path, A2A §8.2) with an HTTP cache that honours
 * Cache-Control max-age and revalidates with ETag / If-None-Match (A2A §8.6), within size and time limits.
 */
import { InvalidAgentResponseError } from '../a2a/errors.js';
import type { AgentCard } from '../a2a/model/index.js';
import { formatIssues } from '../validate/issues.js';
import { defaultA2AValidator } from '../validate/validator.js';
import type { CallOptions, HttpClient } from './http.js';

export const WELL_KNOWN_CARD_PATH = '/.well-known/agent-card.json';

interface Entry {
  readonly card: AgentCard;
  readonly etag: string | undefined;
  readonly expires: number;
}

const validator = defaultA2AValidator();

/** The card URL for a base URL: the URL itself when it already ends in `.json`, else the well-known path. */
export function cardUrlFor(base: string | URL): URL {
  const url = new URL(base);
  if (url.pathname.endsWith('.json')) return url;
  return new URL(url.pathname.replace(/\/$/, '') + WELL_KNOWN_CARD_PATH, url);
}

export class CardResolver {
  readonly #cache = new Map<string, Entry>();

  constructor(
    readonly http: HttpClient,
    readonly now: () => number = Date.now,
  ) {}

  async resolve(base: string | URL, options: CallOptions = {}): Promise<AgentCard> {
    const url = cardUrlFor(base);
    const cached = this.#cache.get(url.href);
    if (cached && cached.expires > this.now()) return cached.card;
    const headers = { ...options.headers, ...(cached?.etag ? { 'if-none-match': cached.etag } : {}) };
    const response = await this.http.send(
      'GET',
      url,
      undefined,
      { ...options, headers },
      { idempotent: true, accept: 'application/json' },
    );
    if (response.status === 304 && cached) {
      await response.body.dump();
      this.#remember(url.href, cached.card, response.headers);
      return cached.card;
    }
    const body = await this.http.json(response, options.signal);
    const result = validator.check('AgentCard', body);
    if (!result.ok)
      throw new InvalidAgentResponseError(
        `the agent card at ${url.href} is not valid:\n${formatIssues(result.issues)}`,
      );
    this.#remember(url.href, result.value, response.headers);
    return result.value;
  }

  #remember(key: string, card: AgentCard, headers: Record<string, string | string[] | undefined>): void {
    const control = String(headers['cache-control'] ?? '');
    const maxAge = /max-age=(\d+)/.exec(control);
    const noStore = /no-store|no-cache/.test(control);
    const seconds = noStore ? 0 : maxAge ? Number(maxAge[1]) : 0;
    const etag = typeof headers.etag === 'string' ? headers.etag : undefined;
    this.#cache.set(key, { card, etag, expires: this.now() + seconds * 1000 });
  }
}
