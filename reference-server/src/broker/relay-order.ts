/**
 * Ordering of a downstream agent's events before the broker relays them (issue 14, clock and ordering): a status
 * or artifact update the agent sent twice, a progress update older than one already relayed, and a chunk sent after
 * its artifact's last chunk are dropped, so the client sees each update once, in order.
 *
 * What counts as the same update: a status with the same state and message id (or, without a message, the same
 * timestamp); an artifact update equal to the previous update of that artifact and not an append. An append chunk
 * equal to the previous one is kept — A2A gives chunks no sequence number, so it cannot be told apart from text
 * that repeats. Only progress states (SUBMITTED, WORKING) are dropped for being late: a terminal or interrupted
 * state is the agent's last word whatever its timestamp. "Late" is measured against the statuses past SUBMITTED
 * only: an agent may stamp its Task (SUBMITTED) after its first WORKING update (the SDK did, under load), and
 * dropping that WORKING left the broker's task SUBMITTED until the agent's next event (the restart test's race).
 */
import type { StreamResponse, TaskStatus } from '@rightsize/sdk/a2a';

/** Most status keys remembered per attempt (the oldest are forgotten first); bounds memory on long streams. */
const MAX_REMEMBERED = 1024;

const PROGRESS: ReadonlySet<string> = new Set(['TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING']);

export class RelayOrder {
  readonly #statuses = new Set<string>();
  readonly #artifacts = new Map<string, { last: string; closed: boolean }>();
  /** The latest timestamp of the statuses past SUBMITTED relayed so far. */
  #latest = Number.NEGATIVE_INFINITY;

  /** Whether `event` is new and in order (relay it), or a duplicate or late update (drop it). */
  admit(event: StreamResponse): boolean {
    if (event.artifactUpdate) {
      const { artifact, append, lastChunk } = event.artifactUpdate;
      return this.#artifact(artifact.artifactId, JSON.stringify(artifact), append === true, lastChunk === true);
    }
    const status = event.statusUpdate?.status ?? event.task?.status;
    return status ? this.#status(status) : true;
  }

  #status(status: TaskStatus): boolean {
    const at = status.timestamp ? Date.parse(status.timestamp) : Number.NaN;
    if (PROGRESS.has(status.state) && at < this.#latest) return false;
    const identity = status.message?.messageId ?? status.timestamp;
    if (identity !== undefined) {
      const key = `${status.state}\u0000${identity}`;
      if (this.#statuses.has(key)) return false;
      this.#statuses.add(key);
      if (this.#statuses.size > MAX_REMEMBERED) this.#statuses.delete(this.#statuses.values().next().value as string);
    }
    if (status.state !== 'TASK_STATE_SUBMITTED' && at > this.#latest) this.#latest = at;
    return true;
  }

  #artifact(id: string, content: string, append: boolean, lastChunk: boolean): boolean {
    const seen = this.#artifacts.get(id);
    if (seen?.closed && append) return false;
    if (seen && !append && seen.last === content) return false;
    if (!seen && this.#artifacts.size >= MAX_REMEMBERED) return true;
    this.#artifacts.set(id, { last: append ? '' : content, closed: lastChunk });
    return true;
  }
}
