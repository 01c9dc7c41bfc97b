/** The DELIBERATE faults the suite must catch, each as rules for the tamper proxy. */
import { type Faults, type Incoming, Many } from './tamper-proxy.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const TERMINAL = ['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED'];

/** The StreamResponse inside an SSE event (JSON-RPC envelope or bare). */
const payload = (event: unknown) => (isRecord(event) && isRecord(event.result) ? event.result : event);
const isTerminal = (event: unknown) => {
  const p = payload(event);
  return isRecord(p) && isRecord(p.statusUpdate) && isRecord(p.statusUpdate.status)
    ? TERMINAL.includes(String(p.statusUpdate.status.state))
    : false;
};

export const WRONG_ERROR_CODE: Faults = {
  // TaskNotFoundError (-32001) sent as a generic internal error.
  json: (_in, a) =>
    isRecord(a.body) && isRecord(a.body.error) && a.body.error.code === -32001
      ? { ...a, body: { ...a.body, error: { ...a.body.error, code: -32603 } } }
      : a,
};

export const REST_WRONG_STATUS: Faults = {
  // 404 Not Found answered as 500.
  json: (_in, a) => (a.status === 404 ? { ...a, status: 500 } : a),
};

export const CARD_WITHOUT_SKILLS: Faults = {
  json: (incoming, a) => {
    if (!incoming.path.startsWith('/.well-known/agent-card.json') || !isRecord(a.body)) return a;
    const { skills: _dropped, ...card } = a.body;
    return { ...a, body: card };
  },
};

export const STREAM_WITHOUT_TERMINAL_EVENT: Faults = {
  event: (_in, event) => (isTerminal(event) ? 'end' : event),
};

export const SUBSCRIPTION_CLOSES_EARLY: Faults = {
  event: (incoming, event, index) => (incoming.rpcMethod === 'SubscribeToTask' && index >= 1 ? 'end' : event),
};

export const STREAM_NEVER_CLOSES: Faults = { holdOpen: true };

/** A fault that rewrites the task list of every ListTasks result (JSON-RPC). */
const listedTasks = (rewrite: (tasks: Record<string, unknown>[]) => unknown[]): Faults => ({
  json: (incoming, a) =>
    incoming.rpcMethod === 'ListTasks' &&
    isRecord(a.body) &&
    isRecord(a.body.result) &&
    Array.isArray(a.body.result.tasks)
      ? { ...a, body: { ...a.body, result: { ...a.body.result, tasks: rewrite(a.body.result.tasks) } } }
      : a,
});

export const LIST_OLDEST_FIRST: Faults = listedTasks((tasks) => [...tasks].reverse());

export const LIST_ALWAYS_WITH_ARTIFACTS: Faults = listedTasks((tasks) => tasks.map((t) => ({ artifacts: [], ...t })));

export const IGNORES_RETURN_IMMEDIATELY: Faults = {
  request: (incoming) => {
    const body = incoming.body;
    if (!isRecord(body) || !isRecord(body.params) || !isRecord(body.params.configuration)) return body;
    const { returnImmediately: _dropped, ...configuration } = body.params.configuration;
    return { ...body, params: { ...body.params, configuration } };
  },
};

/**
 * Task ownership by bearer token, enforced in front of an agent that has no notion of callers (JSON-RPC only).
 * `scoped`: every task operation of another caller gets TaskNotFoundError and ListTasks shows only the caller's
 * tasks (correct); `listLeaks`: the same but ListTasks is not filtered (the leak the suite must catch).
 */
export function ownership(mode: 'scoped' | 'listLeaks'): Faults {
  const owner = new Map<string, string>();
  const caller = (incoming: Incoming) => incoming.headers.authorization ?? '';
  const taskOf = (incoming: Incoming): string | undefined => {
    const params = isRecord(incoming.body) && isRecord(incoming.body.params) ? incoming.body.params : {};
    const message = isRecord(params.message) ? params.message : {};
    const id = params.id ?? params.taskId ?? message.taskId;
    return typeof id === 'string' ? id : undefined;
  };
  return {
    intercept: (incoming) => {
      const task = taskOf(incoming);
      const id = isRecord(incoming.body) ? incoming.body.id : null;
      if (task && owner.has(task) && owner.get(task) !== caller(incoming))
        return { status: 200, body: { jsonrpc: '2.0', id, error: { code: -32001, message: 'Task not found' } } };
      return undefined;
    },
    json: (incoming, a) => {
      if (!isRecord(a.body) || !isRecord(a.body.result)) return a;
      const result = a.body.result;
      if (incoming.rpcMethod === 'SendMessage' && isRecord(result.task) && typeof result.task.id === 'string') {
        if (!owner.has(result.task.id)) owner.set(result.task.id, caller(incoming));
      }
      if (incoming.rpcMethod === 'ListTasks' && mode === 'scoped' && Array.isArray(result.tasks)) {
        const mine = result.tasks.filter((t: Record<string, unknown>) => owner.get(String(t.id)) === caller(incoming));
        return { ...a, body: { ...a.body, result: { ...result, tasks: mine } } };
      }
      return a;
    },
  };
}

/* Broker faults: the reference broker behind the proxy, each rule making it break one rule of Rightsize §7. */

/** Relays a FAILED status (the failed attempt's terminal state, §7.4) just before the final COMPLETED one. */
export const BROKER_RELAYS_FAILED_ATTEMPT: Faults = {
  event: (_in, event) => {
    const p = payload(event);
    if (!isTerminal(event) || !isRecord(p) || !isRecord(p.statusUpdate)) return event;
    const failed = { ...p, statusUpdate: { ...p.statusUpdate, status: { state: 'TASK_STATE_FAILED' } } };
    return new Many([isRecord(event) && 'result' in event ? { ...event, result: failed } : failed, event]);
  },
};

/** Never forwards CancelTask to the agent (the broker's task is canceled, the agent's keeps running, §7.6). */
export const BROKER_DROPS_DOWNSTREAM_CANCEL: Faults = {
  downstream: {
    intercept: (incoming) => {
      if (incoming.rpcMethod !== 'CancelTask' || !isRecord(incoming.body)) return undefined;
      const params = isRecord(incoming.body.params) ? incoming.body.params : {};
      const task = { id: params.id, contextId: 'ignored', status: { state: 'TASK_STATE_CANCELED' } };
      return { status: 200, body: { jsonrpc: '2.0', id: incoming.body.id, result: task } };
    },
  },
};

/** Ignores Last-Event-ID: a resumed subscription starts afresh (§7.6). */
export const BROKER_IGNORES_LAST_EVENT_ID: Faults = {
  headers: (incoming) => {
    const { 'last-event-id': _dropped, ...rest } = incoming.headers;
    return rest;
  },
};

/** Answers a transient refusal as a permanent one: HTTP 400 / JSON-RPC −32004 (§7.7). */
export const BROKER_TRANSIENT_AS_PERMANENT: Faults = {
  json: (_in, a) => {
    if (a.status === 503) return { ...a, status: 400 };
    if (isRecord(a.body) && isRecord(a.body.error) && a.body.error.code === -32603)
      return { ...a, body: { ...a.body, error: { ...a.body.error, code: -32004 } } };
    return a;
  },
};

/** Accepts any load report without looking at it (§7.8). */
export const BROKER_IGNORES_LOAD_REPORTS: Faults = {
  intercept: (incoming) =>
    incoming.method === 'PUT' && /\/agents\/[^/]+\/load$/.test(incoming.path)
      ? { status: 204, body: undefined }
      : undefined,
};

/** Accepts any feedback, even on tasks it never routed (§8.2). */
export const BROKER_ACCEPTS_ANY_FEEDBACK: Faults = {
  intercept: (incoming) =>
    incoming.method === 'POST' && incoming.path.endsWith('/feedback') ? { status: 202, body: {} } : undefined,
};
