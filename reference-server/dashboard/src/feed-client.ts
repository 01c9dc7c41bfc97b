/**
 * The live feed over a WebSocket: sends the credential and the last sequence number it has, applies entries once
 * each, and reconnects with backoff when the connection drops (a broker restart), resuming where it stopped.
 */
import { FEED_CLOSE, type FeedEntry, type FeedHello, type FeedServerMessage } from '../../src/dashboard/protocol.js';

export type FeedState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

export interface FeedHandlers {
  /** Entries after the last one applied, in order. */
  entries(entries: readonly FeedEntry[]): void;
  /** The feed is another one (a new store): drop what was shown. */
  reset(): void;
  state(state: FeedState, detail: string): void;
  /** The last sequence number applied. */
  lastSeq(): number;
}

const MAX_DELAY_MS = 5000;

export class FeedClient {
  #socket: WebSocket | undefined;
  #feedId: string | undefined;
  #retries = 0;
  #timer: number | undefined;
  #stopped = false;

  constructor(
    readonly token: string,
    readonly handlers: FeedHandlers,
  ) {}

  start(): void {
    this.#stopped = false;
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#socket?.close(1000);
  }

  #connect(): void {
    const url = new URL('feed', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.hash = '';
    const socket = new WebSocket(url);
    this.#socket = socket;
    this.handlers.state(this.#retries ? 'reconnecting' : 'connecting', 'connecting to the live feed…');
    socket.addEventListener('open', () => {
      const hello: FeedHello = {
        type: 'hello',
        token: this.token,
        ...(this.#feedId ? { feedId: this.#feedId } : {}),
        after: this.handlers.lastSeq(),
      };
      socket.send(JSON.stringify(hello));
    });
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as FeedServerMessage;
      if (message.type === 'ready') {
        if (message.reset && this.handlers.lastSeq() > 0) this.handlers.reset();
        this.#feedId = message.feedId;
        this.#retries = 0;
        this.handlers.state('live', `live (feed resumed after #${message.after})`);
      } else if (message.type === 'entries') this.handlers.entries(message.entries);
    });
    socket.addEventListener('close', (event) => {
      if (this.#socket !== socket || this.#stopped) return;
      if (event.code === FEED_CLOSE.unauthenticated || event.code === FEED_CLOSE.forbidden) {
        this.handlers.state('unauthorized', 'the credential was refused');
        return;
      }
      const delay = Math.min(MAX_DELAY_MS, 250 * 2 ** this.#retries++);
      this.handlers.state('reconnecting', `disconnected; reconnecting in ${(delay / 1000).toFixed(1)} s…`);
      this.#timer = window.setTimeout(() => this.#connect(), delay);
    });
  }
}
