/**
 * Hand-over from the request guard (which sees the whole request and the caller) to the executor (which sees the
 * message): the decision already made for a message, if any, keyed by the caller and the message id, so that a
 * caller reusing (or guessing) another caller's message id never takes nor replaces that caller's decision (its
 * descriptor, complexity and candidates). Entries expire after a minute. Also the metadata the
 * broker's task must carry from its creation (the decision record, spec §7.5), so that the first Task event of a
 * stream already has it: the SDK server creates the task on the executor's first event, through the task store.
 */
import type { Task } from '@rightsize/sdk/a2a';
import type { readMessageExtension } from '@rightsize/sdk/rightsize';
import type { TaskStore } from '@rightsize/sdk/server';
import type { Route } from '../routing/routing.js';

export interface PendingEntry {
  readonly route?: Route;
  /**
   * The client waits for the answer only (a blocking SendMessage without a push config): no event reaches anyone
   * before the final one, so the broker may forward with the agent's SendMessage instead of streaming from it.
   */
  readonly unary?: boolean;
  /** The message's Rightsize extension data as the guard read (validated) it: the executor does not read it again. */
  readonly extension?: ReturnType<typeof readMessageExtension>;
}

/** One key per (caller, message id); the owner's length first makes it unambiguous. */
const keyOf = (owner: string, messageId: string) => `${owner.length}:${owner}${messageId}`;

export class PendingDecisions {
  readonly #entries = new Map<string, PendingEntry & { readonly expires: number }>();
  readonly #initial = new Map<string, Record<string, unknown>>();
  /**
   * `maxEntries` bounds the decisions waiting for their executor: a request the guard decided but the SDK then refused
   * (e.g. an invalid role) never takes its entry. Beyond it the oldest are dropped (their executor decides again).
   */
  constructor(
    readonly ttlMs = 60_000,
    readonly maxEntries = 10_000,
  ) {}

  /** Decisions waiting for their executor. */
  get size(): number {
    return this.#entries.size;
  }

  put(owner: string, messageId: string, entry: PendingEntry): void {
    const key = keyOf(owner, messageId);
    const now = Date.now();
    // Entries are in insertion order, so oldest first: drop the expired and the overflow from the front.
    for (const [key, value] of this.#entries) {
      if (value.expires >= now && this.#entries.size < this.maxEntries) break;
      this.#entries.delete(key);
    }
    this.#entries.delete(key);
    this.#entries.set(key, { ...entry, expires: now + this.ttlMs });
  }

  /** The decision the guard made for this caller's message (once). */
  take(owner: string, messageId: string): PendingEntry | undefined {
    const key = keyOf(owner, messageId);
    const entry = this.#entries.get(key);
    this.#entries.delete(key);
    return entry && entry.expires >= Date.now() ? entry : undefined;
  }

  /** Metadata the task gets when it is created (until `created` or `forget`). */
  initialMetadata(taskId: string, metadata: Record<string, unknown>): void {
    this.#initial.set(taskId, metadata);
  }

  /** The task is being created: its initial metadata, once. */
  created(taskId: string): Record<string, unknown> | undefined {
    const metadata = this.#initial.get(taskId);
    this.#initial.delete(taskId);
    return metadata;
  }

  /** The run ended (the task may never have been created, e.g. a direct Message answer). */
  forget(taskId: string): void {
    this.#initial.delete(taskId);
  }
}

/** The task store, with each new task given its initial metadata from `pending`. */
export function withFirstEventMetadata<S extends TaskStore>(store: S, pending: PendingDecisions): S {
  const initial = (task: Task): Task => {
    const metadata = pending.created(task.id);
    return metadata ? { ...task, metadata: { ...task.metadata, ...metadata } } : task;
  };
  const create: TaskStore['create'] = (scope, task, signal) => store.create(scope, initial(task), signal);
  const storeCreateWith = store.createWith?.bind(store);
  const createWith: TaskStore['createWith'] =
    storeCreateWith && ((scope, task, changes) => storeCreateWith(scope, initial(task), changes));
  return new Proxy(store, {
    get(target, property) {
      if (property === 'create') return create;
      if (property === 'createWith') return createWith;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
