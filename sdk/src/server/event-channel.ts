/** A broadcast channel: every subscriber gets every event published after it subscribed, as an async iterator. */

/** Ends a subscription whose consumer fell more than `maxQueued` events behind (a stalled reader). */
export class SubscriberOverflowError extends Error {
  override readonly name = 'SubscriberOverflowError';
}

export interface SubscribeOptions {
  /** Most events queued for this subscriber (default 10 000); beyond it the subscription ends with SubscriberOverflowError. */
  readonly maxQueued?: number;
}

interface Subscriber<T> {
  push(value: T): void;
  end(error?: Error): void;
}

export class EventChannel<T> {
  readonly #subscribers = new Set<Subscriber<T>>();
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
    const maxQueued = options.maxQueued ?? 10_000;
    // A queue with a moving head: O(1) per event however long it grows.
    let queue: T[] = [];
    let head = 0;
    let done = this.#closed;
    let failure: Error | undefined = this.#closed ? this.#error : undefined;
    let wake: (() => void) | undefined;
    const subscriber: Subscriber<T> = {
      push: (v: T) => {
        if (done) return;
        if (queue.length - head >= maxQueued) {
          stop();
          failure = new SubscriberOverflowError(`subscriber fell more than ${maxQueued} events behind`);
          return;
        }
        queue.push(v);
        wake?.();
      },
      end: (error?: Error) => {
        done = true;
        failure ??= error;
        wake?.();
      },
    };
    const stop = () => {
      this.#subscribers.delete(subscriber);
      subscriber.end();
    };
    if (!done) this.#subscribers.add(subscriber);
    signal?.addEventListener('abort', stop, { once: true });
    const finish = (): IteratorResult<T> => {
      signal?.removeEventListener('abort', stop);
      queue = [];
      head = 0;
      return { value: undefined, done: true };
    };
    const iterator: AsyncIterableIterator<T> = {
      [Symbol.asyncIterator]: () => iterator,
      next: async () => {
        while (head === queue.length && !done) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (head < queue.length && !(failure instanceof SubscriberOverflowError)) {
          const value = queue[head] as T;
          queue[head++] = undefined as T;
          if (head > 1024 && head * 2 > queue.length) {
            queue = queue.slice(head);
            head = 0;
          }
          return { value, done: false };
        }
        const error = failure;
        finish();
        if (error) {
          failure = undefined;
          throw error;
        }
        return { value: undefined, done: true };
      },
      return: async () => {
        stop();
        return finish();
      },
    };
    return iterator;
  }
}
