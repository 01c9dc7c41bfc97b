/** A broadcast channel: every subscriber gets every event published after it subscribed, as an async iterator. */

/** Ends a subscription whose consumer fell more than `maxQueued` events behind (a stalled reader). */
export class SubscriberOverflowError extends Error {
  override readonly name = 'SubscriberOverflowError';
}

export interface SubscribeOptions {
  /** Most events queued for this subscriber (default 10 000); beyond it the subscription ends with SubscriberOverflowError. */
  readonly maxQueued?: number;
}

/** One subscriber's queue, as an async iterator (a class, not closures: one allocation per subscription). */
class Subscription<T> implements AsyncIterableIterator<T> {
  // A queue with a moving head: O(1) per event however long it grows.
  #queue: T[] = [];
  #head = 0;
  #done: boolean;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;
  readonly #channel: EventChannel<T>;
  readonly #signal: AbortSignal | undefined;
  readonly #maxQueued: number;
  readonly #onAbort = () => this.#stop();

  constructor(channel: EventChannel<T>, signal: AbortSignal | undefined, maxQueued: number, ended?: { error?: Error }) {
    this.#channel = channel;
    this.#signal = signal;
    this.#maxQueued = maxQueued;
    this.#done = ended !== undefined;
    this.#failure = ended?.error;
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  push(value: T): void {
    if (this.#done) return;
    if (this.#queue.length - this.#head >= this.#maxQueued) {
      this.#stop();
      this.#failure = new SubscriberOverflowError(`subscriber fell more than ${this.#maxQueued} events behind`);
      return;
    }
    this.#queue.push(value);
    this.#wake?.();
  }

  end(error?: Error): void {
    this.#done = true;
    this.#failure ??= error;
    this.#wake?.();
  }

  #stop(): void {
    this.#channel.unsubscribe(this);
    this.end();
  }

  #finish(): IteratorResult<T> {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#queue = [];
    this.#head = 0;
    return { value: undefined, done: true };
  }

  async next(): Promise<IteratorResult<T>> {
    while (this.#head === this.#queue.length && !this.#done) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    this.#wake = undefined;
    if (this.#head < this.#queue.length && !(this.#failure instanceof SubscriberOverflowError)) {
      const value = this.#queue[this.#head] as T;
      this.#queue[this.#head++] = undefined as T;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      return { value, done: false };
    }
    const error = this.#failure;
    this.#failure = undefined;
    this.#finish();
    if (error) throw error;
    return { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<T>> {
    this.#stop();
    return this.#finish();
  }
}

export class EventChannel<T> {
  readonly #subscribers = new Set<Subscription<T>>();
  #closed = false;
  #error: Error | undefined;

  get closed(): boolean {
    return this.#closed;
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  publish(value: T): void {
    for (const s of this.#subscribers) s.push(value);
  }

  /** Ends every subscription (with `error`, if given, after the queued events); later subscriptions end at once. */
  close(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = error;
    for (const s of this.#subscribers) s.end(error);
    this.#subscribers.clear();
  }

  /** Subscribe; the iterator ends when the channel closes, `signal` aborts, or the consumer breaks out. */
  subscribe(signal?: AbortSignal, options: SubscribeOptions = {}): AsyncIterableIterator<T> {
    const ended = this.#closed ? (this.#error ? { error: this.#error } : {}) : undefined;
    const subscription = new Subscription<T>(this, signal, options.maxQueued ?? 10_000, ended);
    if (!ended) this.#subscribers.add(subscription);
    return subscription;
  }

  /** @internal Used by a subscription that stops. */
  unsubscribe(subscription: Subscription<T>): void {
    this.#subscribers.delete(subscription);
  }
}
