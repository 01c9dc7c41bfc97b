/**
 * Resolves agent cards from a base URL (the well-known path, A2A §8.2) with an HTTP cache that honours
 * Cache-Control max-age and revalidates with ETag / If-None-Match (A2A §8.6), within size and time limits.
 * Redirects within the card's origin are followed (at most MAX_CARD_REDIRECTS, each through the same address policy);
 * a redirect to another origin is refused, since the client's credentials would follow it. Any other non-2xx answer
 * is an AgentCardFetchError naming the status — never an A2A error such as TaskNotFound.
 */
import { InvalidAgentResponseError } from '../a2a/errors.js';
import type { AgentCard } from '../a2a/model/index.js';
import { redactUrl } from '../net/redact.js';
import { formatIssues } from '../validate/issues.js';
import { defaultA2AValidator } from '../validate/validator.js';
import { A2AClientError, AgentCardFetchError } from './errors.js';
import type { CallOptions, HttpAnswer, HttpClient } from './http.js';

export const WELL_KNOWN_CARD_PATH = '/.well-known/agent-card.json';

/** Redirects followed when fetching a card. */
export const MAX_CARD_REDIRECTS = 5;

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

interface Entry {
  readonly card: AgentCard;
  readonly etag: string | undefined;
  readonly expires: number;
}

const validator = defaultA2AValidator();

/** The card URL for a base URL: the URL itself when it already ends in `.json`, else the well-known path. */
export function cardUrlFor(base: string | URL): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new A2AClientError(`not a valid agent URL: ${redactUrl(String(base))}`);
  }
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
    const { response, from } = await this.#fetch(url, { ...options, headers });
    if (response.status === 304 && cached) {
      this.#remember(url.href, cached.card, response.headers);
      return cached.card;
    }
    if (response.status < 200 || response.status > 299) {
      throw new AgentCardFetchError(
        `fetching the agent card at ${redactUrl(from)} failed: HTTP ${response.status}`,
        redactUrl(from),
        response.status,
      );
    }
    const body = this.http.parse(response);
    const result = validator.check('AgentCard', body);
    if (!result.ok)
      throw new InvalidAgentResponseError(
        `the agent card at ${redactUrl(from)} is not valid:\n${formatIssues(result.issues)}`,
      );
    this.#remember(url.href, result.value, response.headers);
    return result.value;
  }

  /** GET the card, following same-origin redirects; answers the final response and the URL it came from. */
  async #fetch(start: URL, options: CallOptions): Promise<{ response: HttpAnswer; from: URL }> {
    let url = start;
    for (let hop = 0; ; hop++) {
      const response = await this.http.exchange('GET', url, undefined, options, {
        idempotent: true,
        accept: 'application/json',
      });
      if (!REDIRECTS.has(response.status)) return { response, from: url };
      const location = response.headers.location;
      const fail = (why: string) =>
        new AgentCardFetchError(
          `fetching the agent card at ${redactUrl(url)} failed: HTTP ${response.status} ${why}`,
          redactUrl(url),
          response.status,
        );
      if (typeof location !== 'string') throw fail('without a Location');
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw fail('to an invalid Location');
      }
      if (next.origin !== url.origin)
        throw fail(`to another origin (${redactUrl(next)}), not followed: use that card URL directly`);
      if (hop >= MAX_CARD_REDIRECTS) throw fail(`after ${MAX_CARD_REDIRECTS} redirects, not followed`);
      url = next;
    }
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
