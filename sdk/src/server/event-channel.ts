/** A broadcast channel: every subscriber gets every event published after it subscribed, as an async iterator. */

export class EventChannel<T> {
  readonly #subscribers = new Set<{ push: (v: T) => void; end: () => void }>();
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  publish(value: T): void {
    for (const s of this.#subscribers) s.push(value);
  }

  /** Ends every subscription; later subscriptions end at once. */
  close(): void {
    this.#closed = true;
    for (const s of this.#subscribers) s.end();
    this.#subscribers.clear();
  }

  /** Subscribe; the iterator ends when the channel closes, `signal` aborts, or the consumer breaks out. */
  subscribe(signal?: AbortSignal): AsyncIterableIterator<T> {
    const queue: T[] = [];
    let done = this.#closed;
    let wake: (() => void) | undefined;
    const subscriber = {
      push: (v: T) => {
        queue.push(v);
        wake?.();
      },
      end: () => {
        done = true;
        wake?.();
      },
    };
    const stop = () => {
      this.#subscribers.delete(subscriber);
      subscriber.end();
    };
    if (!done) this.#subscribers.add(subscriber);
    signal?.addEventListener('abort', stop, { once: true });
    const iterator: AsyncIterableIterator<T> = {
      [Symbol.asyncIterator]: () => iterator,
      next: async () => {
        while (queue.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (queue.length > 0) return { value: queue.shift() as T, done: false };
        signal?.removeEventListener('abort', stop);
        return { value: undefined, done: true };
      },
      return: async () => {
        stop();
        signal?.removeEventListener('abort', stop);
        return { value: undefined, done: true };
      },
    };
    return iterator;
  }
}
