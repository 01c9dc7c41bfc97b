/** Where an agent server keeps its tasks: an interface, and the in-memory default (A2A §3.1.3–§3.1.4). */
import type { Task, TaskState } from '../a2a/model/index.js';

export interface TaskQuery {
  readonly contextId?: string;
  readonly status?: TaskState;
  /** Only tasks whose status timestamp is after this instant. */
  readonly statusTimestampAfter?: string;
  readonly pageSize: number;
  readonly pageToken?: string;
}

export interface TaskPage {
  readonly tasks: Task[];
  /** Empty on the last page. */
  readonly nextPageToken: string;
  readonly totalSize: number;
}

export interface TaskStore {
  get(id: string, signal?: AbortSignal): Promise<Task | undefined>;
  save(task: Task, signal?: AbortSignal): Promise<void>;
  /** Tasks by status timestamp, most recent first (A2A §3.1.4), with an opaque cursor. */
  list(query: TaskQuery, signal?: AbortSignal): Promise<TaskPage>;
}

/** Raised for a page token the store did not issue. */
export class InvalidPageTokenError extends Error {
  override readonly name = 'InvalidPageTokenError';
}

const cursorOf = (t: Task) => Buffer.from(JSON.stringify([t.status.timestamp ?? '', t.id])).toString('base64url');

function parseCursor(token: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string'))
      return value as [string, string];
  } catch {
    // fall through
  }
  throw new InvalidPageTokenError('invalid pageToken');
}

/** Most recent first; ties by id, so the order (and the cursor) is total. */
const newestFirst = (a: Task, b: Task) => {
  const ta = a.status.timestamp ?? '';
  const tb = b.status.timestamp ?? '';
  if (ta !== tb) return ta < tb ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

/** Keeps tasks in a Map; copies on the way in and out so callers cannot mutate stored state. */
export class InMemoryTaskStore implements TaskStore {
  readonly #tasks = new Map<string, Task>();

  async get(id: string): Promise<Task | undefined> {
    const task = this.#tasks.get(id);
    return task ? structuredClone(task) : undefined;
  }

  async save(task: Task): Promise<void> {
    this.#tasks.set(task.id, structuredClone(task));
  }

  async list(query: TaskQuery): Promise<TaskPage> {
    const matching = [...this.#tasks.values()]
      .filter(
        (t) =>
          (query.contextId === undefined || t.contextId === query.contextId) &&
          (query.status === undefined || t.status.state === query.status) &&
          (query.statusTimestampAfter === undefined || (t.status.timestamp ?? '') > query.statusTimestampAfter),
      )
      .sort(newestFirst);
    let start = 0;
    if (query.pageToken) {
      const [timestamp, id] = parseCursor(query.pageToken);
      const marker = { id, status: { state: 'TASK_STATE_WORKING', timestamp } } as Task;
      start = matching.findIndex((t) => newestFirst(t, marker) > 0);
      if (start < 0) start = matching.length;
    }
    const page = matching.slice(start, start + query.pageSize);
    const last = page[page.length - 1];
    const more = start + page.length < matching.length;
    return {
      tasks: page.map((t) => structuredClone(t)),
      nextPageToken: more && last ? cursorOf(last) : '',
      totalSize: matching.length,
    };
  }
}
