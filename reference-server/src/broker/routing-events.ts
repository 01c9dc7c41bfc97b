/**
 * What the broker does with each task, as it happens, for observers such as the dashboard: a decision (or a refusal),
 * each forwarded attempt's end, each escalation, and the task's end with its first-response time. Listeners run
 * synchronously and must not throw (a throwing listener is ignored, never the task's problem); nothing is emitted
 * when nobody listens.
 */
import type { TaskState } from '@rightsize/sdk/a2a';
import type { RoutingDecision, TaskDescriptor, UsageReport } from '@rightsize/sdk/rightsize';
import type { TaskEvents } from '@rightsize/sdk/server';

export type RoutingEvent =
  | {
      readonly kind: 'decided';
      /** The broker's task id; null when the request was refused before a task existed (NO_CAPABLE_AGENT). */
      readonly taskId: string | null;
      readonly owner: string;
      readonly descriptor: TaskDescriptor;
      /** The task's text (the estimator's input). */
      readonly text: string;
      readonly decision: RoutingDecision;
    }
  | {
      readonly kind: 'attempt';
      readonly taskId: string;
      readonly agentId: string;
      /** The attempt's terminal state, or ERROR when the agent could not be reached or ended without one. */
      readonly state: TaskState | 'ERROR';
      readonly success: boolean;
      readonly durationMs: number;
      readonly usage?: UsageReport;
    }
  | { readonly kind: 'escalated'; readonly taskId: string; readonly from: string; readonly to: string; reason: string }
  | {
      readonly kind: 'finished';
      readonly taskId: string;
      /** The state the client saw last (MESSAGE for a direct reply, CANCELED when the client canceled). */
      readonly state: TaskState | 'MESSAGE';
      readonly durationMs: number;
      /** Time to the first artifact or final answer relayed to the client; null when none was relayed. */
      readonly firstResponseMs: number | null;
    };

export type RoutingListener = (event: RoutingEvent) => void;

export class RoutingEvents {
  readonly #listeners = new Set<RoutingListener>();

  /** Listen to every event; returns the function that stops listening. */
  on(listener: RoutingListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listening(): boolean {
    return this.#listeners.size > 0;
  }

  emit(event: RoutingEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // an observer's failure never affects the task
      }
    }
  }
}

/**
 * The executor's event sink, watched: emits `finished` once the execution ends, with the last state relayed to the
 * client and the time to its first response. Returns the watched sink and the function to call when it ends.
 */
export function watchTask(
  events: TaskEvents,
  taskId: string,
  emitter: RoutingEvents,
): { events: TaskEvents; end: (canceled: boolean) => void } {
  const started = performance.now();
  let firstResponse: number | null = null;
  let state: TaskState | 'MESSAGE' | undefined;
  const responded = () => {
    firstResponse ??= performance.now() - started;
  };
  const ended = (s: TaskState | 'MESSAGE') => {
    responded();
    state = s;
  };
  const watched: TaskEvents = {
    reply: (m) => {
      ended('MESSAGE');
      events.reply(m);
    },
    working: (m) => {
      state = 'TASK_STATE_WORKING';
      events.working(m);
    },
    artifact: (a, o) => {
      responded();
      events.artifact(a, o);
    },
    inputRequired: (m) => {
      ended('TASK_STATE_INPUT_REQUIRED');
      events.inputRequired(m);
    },
    authRequired: (m) => {
      ended('TASK_STATE_AUTH_REQUIRED');
      events.authRequired(m);
    },
    complete: (m) => {
      ended('TASK_STATE_COMPLETED');
      events.complete(m);
    },
    fail: (m) => {
      state = 'TASK_STATE_FAILED';
      events.fail(m);
    },
    reject: (m) => {
      state = 'TASK_STATE_REJECTED';
      events.reject(m);
    },
    metadata: (v) => events.metadata(v),
  };
  return {
    events: watched,
    end: (canceled) =>
      emitter.emit({
        kind: 'finished',
        taskId,
        state: canceled ? 'TASK_STATE_CANCELED' : (state ?? 'TASK_STATE_FAILED'),
        durationMs: performance.now() - started,
        firstResponseMs: firstResponse,
      }),
  };
}
