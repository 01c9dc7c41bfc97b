/**
 * Broker level, forwarding and the registry's side endpoints, with the behaviour probes of broker-probes.ts:
 * the mode and reasoning budget sent downstream (Rightsize §4.9, §5.3), escalation seen by the client as one task
 * with one terminal state (§7.4), cancel propagation and durable stream resumption (§7.6), the transient refusal
 * (§7.7), load reports (§4.6, §7.8) and client feedback (§8.2).
 */
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Task } from '@rightsize/sdk/a2a';
import { type A2AStream, describeError, isStream } from '../a2a.js';
import { type CheckContext, type CheckDefinition, ensure, fail, skip } from '../model.js';
import { callOptions, complexity, decisionOf, openRouted, routed, sendRouted } from './broker-messages.js';
import {
  BEHAVIOURS,
  type Behaviour,
  type Behaviours,
  behaviours,
  behaviourTag,
  PROBE_CAPACITY,
  registered,
  registry,
} from './broker-probes.js';
import {
  collect,
  definer,
  expectOk,
  getValidTask,
  isRecord,
  kindOf,
  requireCapability,
  stateOf,
  streamOf,
  TERMINAL,
  valid,
} from './support.js';

const broker = definer('broker');

/**
 * Route a task for the `behaviour` probe through the broker; returns the task and the Rightsize extension data and
 * budget the probe received with the forwarded message (waits for the probe to report it).
 */
async function sendForBudget(
  context: CheckContext,
  p: Behaviours,
  behaviour: Behaviour,
  descriptor: Record<string, unknown>,
) {
  const { nonce, request } = routed(behaviourTag(p.tag, behaviour), descriptor);
  const { task, outcome } = await sendRouted(context, request);
  const data = await p.seen.wait(`received:${nonce}`, context.options.timeoutMs);
  ensure(data !== undefined, 'the probe agent never received the forwarded message');
  const budget = isRecord(data) && isRecord(data.budget) ? data.budget : undefined;
  return { task, outcome, data, budget };
}

/** Registry calls and the HTTP status each must get: [body, status, what the body is]. */
async function expectStatuses(
  context: CheckContext,
  method: 'POST' | 'PUT',
  path: string,
  cases: readonly (readonly [unknown, number, string])[],
) {
  for (const [body, status, what] of cases) {
    const answer = await registry(context, method, path, body);
    ensure(answer.status === status, `${what} answered HTTP ${answer.status}; expected ${status}`, answer.exchange);
  }
}

/** Every agent id in the registry (GET /agents, all pages, bounded). */
async function registeredIds(context: CheckContext): Promise<string[]> {
  const ids: string[] = [];
  let token = '';
  for (let page = 0; page < 100; page++) {
    const answer = await registry(
      context,
      'GET',
      `/agents?pageSize=100${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`,
    );
    ensure(
      answer.status === 200 && isRecord(answer.json) && Array.isArray(answer.json.agents),
      `GET /agents answered HTTP ${answer.status}`,
      answer.exchange,
    );
    for (const a of answer.json.agents) if (isRecord(a) && typeof a.id === 'string') ids.push(a.id);
    token = typeof answer.json.nextPageToken === 'string' ? answer.json.nextPageToken : '';
    if (!token) return ids;
  }
  return ids;
}

/** Artifact text per artifactId after applying the events in order (append: true appends, else replaces). */
function artifactTexts(events: readonly Record<string, unknown>[]): Map<string, string> {
  const texts = new Map<string, string>();
  const textOf = (artifact: unknown) =>
    isRecord(artifact) && Array.isArray(artifact.parts)
      ? artifact.parts.map((p) => (isRecord(p) && typeof p.text === 'string' ? p.text : '')).join('')
      : '';
  for (const event of events) {
    if (isRecord(event.task) && Array.isArray(event.task.artifacts))
      for (const a of event.task.artifacts) if (isRecord(a)) texts.set(String(a.artifactId), textOf(a));
    const update = event.artifactUpdate;
    if (isRecord(update) && isRecord(update.artifact)) {
      const id = String(update.artifact.artifactId);
      texts.set(id, (update.append === true ? (texts.get(id) ?? '') : '') + textOf(update.artifact));
    }
  }
  return texts;
}

const describeEvents = (events: readonly Record<string, unknown>[]) =>
  events.map((e) => `${kindOf(e)}${stateOf(e) ? `(${stateOf(e)})` : ''}`).join(' → ');

/** The task id a stream's events name. */
function taskIdOf(events: readonly Record<string, unknown>[]): string | undefined {
  for (const e of events) {
    if (isRecord(e.task) && typeof e.task.id === 'string') return e.task.id;
    for (const k of ['statusUpdate', 'artifactUpdate'])
      if (isRecord(e[k]) && typeof (e[k] as Record<string, unknown>).taskId === 'string')
        return (e[k] as Record<string, unknown>).taskId as string;
  }
  return undefined;
}

/** Read a stream, keeping each event's SSE id. */
async function readWithIds(
  context: CheckContext,
  stream: A2AStream,
  stop: (event: Record<string, unknown>) => boolean,
): Promise<{ events: { id: string | undefined; event: Record<string, unknown> }[]; end: string }> {
  const events: { id: string | undefined; event: Record<string, unknown> }[] = [];
  for (;;) {
    const item = await stream.next(context.options.timeoutMs);
    if (item.kind !== 'event') {
      stream.close();
      return { events, end: item.kind === 'error' ? `error (${describeError(item.error)})` : item.kind };
    }
    events.push({ id: item.id, event: item.event });
    if (stop(item.event)) return { events, end: 'stopped' };
  }
}

const isTerminal = (event: Record<string, unknown>) => TERMINAL.includes(stateOf(event) ?? '');

/** Fails unless the ids are consecutive integers following `after`. */
function ensureConsecutive(ids: readonly (string | undefined)[], after: number, what: string, stream: A2AStream) {
  ids.forEach((id, i) => {
    ensure(
      id !== undefined && /^\d+$/.test(id) && Number(id) === after + i + 1,
      `${what}: event ${i + 1} has SSE id ${id ?? '(none)'}; expected ${after + i + 1} (per-task sequence numbers without gaps, Rightsize §7.6); ids: ${ids.join(', ')}`,
      stream.exchange(),
    );
  });
}

export const FORWARDING_CHECKS: CheckDefinition[] = [
  broker({
    section: '4.9',
    requirement: 'MUST',
    name: 'mode-forwarded',
    title: 'The chosen mode of a hybrid agent is sent downstream in the reasoning budget',
    requires:
      'A descriptor may ask for a mode; the broker tells the chosen agent the mode in the forwarded budget {maxReasoningTokens, mode} (maxReasoningTokens: 0 for no-think) and records it as chosenMode (Rightsize §4.9, §5.3).',
    run: async (context) => {
      const p = await behaviours(context, ['thinker']);
      for (const [mode, value] of [
        ['think', 6],
        ['no-think', 1],
      ] as const) {
        const { task, outcome, data, budget } = await sendForBudget(context, p, 'thinker', {
          mode,
          ...complexity(value),
        });
        ensure(
          budget?.mode === mode,
          `a task asking for mode "${mode}" reached the hybrid probe with extension data ${JSON.stringify(data)}; expected budget.mode "${mode}"`,
          outcome.exchange,
        );
        const tokens = budget.maxReasoningTokens;
        ensure(
          mode === 'think' ? Number.isInteger(tokens) && Number(tokens) > 0 : tokens === 0,
          `mode "${mode}" was forwarded with maxReasoningTokens ${JSON.stringify(tokens)}; expected ${mode === 'think' ? 'a positive integer' : '0'}`,
          outcome.exchange,
        );
        const decision = decisionOf(task);
        ensure(
          decision?.chosenMode === mode,
          `the decision record's chosenMode is ${JSON.stringify(decision?.chosenMode)}; expected "${mode}"`,
          outcome.exchange,
        );
      }
    },
  }),
  broker({
    section: '5.3',
    requirement: 'MUST',
    name: 'reasoning-budget-forwarded',
    title: 'A budget-controlled reasoning agent receives the per-task reasoning budget',
    requires:
      'When the chosen agent reasons, declares budgetControl: true and B_eff (the least of its maxReasoningTokens, its context room and the deadlines’ room) is finite, the forwarded message carries budget {maxReasoningTokens: ⌊B_eff⌋}; the decision reports it as reasoningBudget (Rightsize §5.3, §7.6).',
    run: async (context) => {
      const p = await behaviours(context, ['reasoner']);
      const { task, outcome, data, budget } = await sendForBudget(context, p, 'reasoner', complexity(3));
      ensure(
        budget?.maxReasoningTokens === 2000,
        `the reasoner (maxReasoningTokens 2000, budgetControl, no deadline or context window) received extension data ${JSON.stringify(data)}; expected budget.maxReasoningTokens 2000`,
        outcome.exchange,
      );
      const chosen = decisionOf(task)?.candidates.find((c) => c.rank === 1);
      const recorded = chosen?.predictions?.reasoningBudget;
      ensure(
        recorded === undefined || recorded === 2000,
        `the decision records reasoningBudget ${recorded} but 2000 was forwarded`,
        outcome.exchange,
      );
    },
  }),
  broker({
    section: '7.4',
    requirement: 'MUST',
    name: 'escalation-one-terminal-state',
    title: 'An escalated task reaches the client as one task with one terminal state',
    requires:
      'When an attempt fails and the broker escalates, it MUST NOT relay the failed attempt’s terminal status or artifacts: at most a WORKING update, and a replacing artifact (append: false, same artifactId) when partial ones were streamed; only the last attempt’s terminal state is final (Rightsize §7.4).',
    run: async (context) => {
      const p = await behaviours(context, ['flaky', 'rescuer']);
      const { nonce, request } = routed(behaviourTag(p.tag, 'flaky'), complexity(1));
      let events: readonly Record<string, unknown>[];
      let taskId: string | undefined;
      if (context.card.capabilities.streaming === true) {
        const stream = streamOf(await openRouted(context, request), 'SendStreamingMessage through the broker');
        const c = await collect(context, stream);
        events = c.events;
        taskId = taskIdOf(events);
        const terminals = events.filter(isTerminal);
        ensure(
          terminals.length === 1,
          `the client saw ${terminals.length} terminal states: ${describeEvents(events)} (stream ${c.end})`,
          c.exchange,
        );
      } else {
        const { task } = await sendRouted(context, request);
        events = [{ task }];
        taskId = task.id;
      }
      ensure(taskId, 'no task id in what the broker answered');
      const { task, exchange } = await getValidTask(context, taskId, 'GetTask result', callOptions(context));
      const escalated = p.seen.has(`attempt:flaky:${nonce}`);
      if (!escalated) context.note('the broker did not try the cheaper failing probe first');
      if (task.status.state === 'TASK_STATE_FAILED') {
        context.note('the broker did not escalate after the failed attempt (allowed: MAY)');
        return;
      }
      ensure(
        task.status.state === 'TASK_STATE_COMPLETED',
        `the task ended ${task.status.state}; expected COMPLETED by the rescuer (or FAILED without escalation)`,
        exchange,
      );
      for (const [what, texts] of [
        ['the streamed artifacts', artifactTexts(events)],
        ['the task’s artifacts (GetTask)', artifactTexts([{ task }])],
      ] as const) {
        const all = [...texts.values()].join(' | ');
        ensure(
          !all.includes('probe:flaky') && all.includes('probe:rescuer'),
          `${what} after escalation read "${all}": the failed attempt's partial artifact must be discarded or replaced (append: false, same artifactId) and the rescuer's answer kept`,
          exchange,
        );
      }
    },
  }),
  broker({
    section: '7.6',
    requirement: 'MUST',
    name: 'cancel-propagated',
    title: 'CancelTask on the broker cancels the downstream agent’s task',
    requires: 'The broker MUST cancel the agent’s task when the client cancels (Rightsize §7.6).',
    run: async (context) => {
      const p = await behaviours(context, ['sleeper']);
      const { nonce, request } = routed(behaviourTag(p.tag, 'sleeper'), complexity(1), { returnImmediately: true });
      const { task, outcome } = await sendRouted(context, request);
      ensure(
        (await p.seen.wait(`started:${nonce}`, context.options.timeoutMs)) !== undefined,
        'the sleeper probe never received the task',
        outcome.exchange,
      );
      const canceled = await context.a2a.call('CancelTask', { id: task.id }, callOptions(context), context.signal);
      const after = valid<Task>('Task', expectOk(canceled, 'CancelTask'), 'CancelTask result', canceled.exchange);
      ensure(
        after.status.state === 'TASK_STATE_CANCELED',
        `CancelTask answered a task in ${after.status.state}`,
        canceled.exchange,
      );
      ensure(
        (await p.seen.wait(`canceled:${nonce}`, context.options.timeoutMs)) !== undefined,
        `the broker's task is CANCELED but the downstream agent's task was not canceled within ${context.options.timeoutMs} ms`,
        canceled.exchange,
      );
    },
  }),
  broker({
    section: '7.6',
    requirement: 'MUST',
    name: 'stream-resumption',
    title: 'Reconnecting with Last-Event-ID gives exactly the missed events, then the live ones',
    requires:
      'Every relayed event has a per-task sequence number as its SSE id (1, 2, 3, … without gaps); SubscribeToTask with Last-Event-ID: n MUST deliver exactly the events after n, in order, then the live ones, without duplicates; a client disconnect MUST NOT cancel the downstream task (Rightsize §7.6).',
    run: async (context) => {
      requireCapability(context, 'streaming');
      const p = await behaviours(context, ['stepper']);
      const { nonce, request } = routed(behaviourTag(p.tag, 'stepper'), complexity(1));
      const first = streamOf(await openRouted(context, request), 'SendStreamingMessage through the broker');
      const seen = await readWithIds(context, first, (e) =>
        [...artifactTexts([e]).values()].some((t) => t.includes('step 2')),
      );
      first.close();
      ensure(
        seen.end === 'stopped',
        `the stream ended (${seen.end}) before the second step: ${describeEvents(seen.events.map((e) => e.event))}`,
        first.exchange(),
      );
      ensure(seen.events.length >= 2, 'fewer than two events before the second step', first.exchange());
      const start = Number(seen.events[0]?.id);
      ensureConsecutive(
        seen.events.map((e) => e.id),
        Number.isInteger(start) ? start - 1 : 0,
        'the first stream',
        first,
      );
      const taskId = taskIdOf(seen.events.map((e) => e.event));
      ensure(taskId, 'the stream named no task', first.exchange());
      const n = Number(seen.events[0]?.id);
      const missed = seen.events.slice(1);
      const resumed = await context.a2a.open(
        'SubscribeToTask',
        { id: taskId },
        { ...callOptions(context), headers: { 'last-event-id': String(n) } },
        context.signal,
      );
      if (!isStream(resumed))
        fail(
          `SubscribeToTask with Last-Event-ID: ${n} was refused (${resumed.ok ? 'a result' : describeError(resumed.error)})`,
          resumed.exchange,
        );
      let count = 0;
      const replay = await readWithIds(context, resumed, () => ++count >= missed.length);
      const replayIds = replay.events.map((e) => e.id);
      ensure(
        replay.end === 'stopped' &&
          isDeepStrictEqual(
            replay.events.map((e) => e.event),
            missed.map((e) => e.event),
          ),
        `after Last-Event-ID: ${n} the broker sent ${describeEvents(replay.events.map((e) => e.event))} (ids ${replayIds.join(', ')}); expected exactly the ${missed.length} missed events ${describeEvents(missed.map((e) => e.event))} (ids ${missed.map((e) => e.id).join(', ')})`,
        resumed.exchange(),
      );
      ensureConsecutive(replayIds, n, 'the resumed stream', resumed);
      p.seen.record(`release:${nonce}`);
      const live = await readWithIds(context, resumed, isTerminal);
      resumed.close();
      const liveEvents = live.events.map((e) => e.event);
      ensure(
        live.end === 'stopped',
        `after the replay the resumed stream ended (${live.end}) before a terminal event: ${describeEvents(liveEvents)}`,
        resumed.exchange(),
      );
      ensureConsecutive(
        live.events.map((e) => e.id),
        n + missed.length,
        'the live part of the resumed stream',
        resumed,
      );
      ensure(
        stateOf(liveEvents.at(-1) ?? {}) === 'TASK_STATE_COMPLETED',
        `the resumed stream ended ${describeEvents(liveEvents)}; expected COMPLETED`,
        resumed.exchange(),
      );
      const text = artifactTexts([...seen.events.map((e) => e.event), ...liveEvents]).get('answer');
      ensure(
        text === 'step 1;step 2;step 3.',
        `the artifact assembled from the first stream and the resumed one reads ${JSON.stringify(text)}; expected "step 1;step 2;step 3." (an event lost or repeated)`,
        resumed.exchange(),
      );
      ensure(
        !p.seen.has(`canceled:${nonce}`),
        'closing the first stream canceled the downstream task',
        resumed.exchange(),
      );
    },
  }),
  broker({
    section: '7.7',
    requirement: 'MUST',
    name: 'transient-refusal',
    title: 'A task every agent is too busy for is refused as transient: 503 + Retry-After / -32603 with RetryInfo',
    requires:
      'When every candidate fails only with CAPACITY_EXHAUSTED or AGENT_UNAVAILABLE the broker answers InternalError in its unavailable form — JSON-RPC −32603, HTTP 503 with a Retry-After header — with a google.rpc.RetryInfo and the NO_CAPABLE_AGENT ErrorInfo in the details; never UnsupportedOperationError or HTTP 400 (Rightsize §7.7, §4.6).',
    run: async (context) => {
      const ours = [
        ...Object.values((await registered(context)).ids),
        ...Object.values((await behaviours(context, BEHAVIOURS)).ids),
      ];
      const others = (await registeredIds(context)).filter((id) => !ours.includes(id));
      if (others.length)
        skip(
          `the registry holds ${others.length} agents the suite does not control (${others.slice(0, 3).join(', ')}…): a transient refusal needs every candidate full`,
        );
      const load = (id: string, inflight: number) =>
        registry(context, 'PUT', `/agents/${encodeURIComponent(id)}/load`, { inflight });
      try {
        for (const id of ours) {
          const full = await load(id, PROBE_CAPACITY.maxConcurrentTasks);
          ensure(
            full.status === 204,
            `PUT /agents/${id}/load {"inflight": ${PROBE_CAPACITY.maxConcurrentTasks}} answered HTTP ${full.status}`,
            full.exchange,
          );
        }
        const { request } = routed(undefined, complexity(1));
        const outcome = await context.a2a.call('SendMessage', request, callOptions(context), context.signal);
        if (outcome.ok)
          fail(
            `a task while every agent reported inflight = maxConcurrentTasks (${PROBE_CAPACITY.maxConcurrentTasks}) was accepted`,
            outcome.exchange,
          );
        const e = outcome.error;
        const rest = context.a2a.binding === 'HTTP+JSON';
        ensure(
          rest ? e.httpStatus === 503 : e.code === -32603,
          `expected ${rest ? 'HTTP 503' : 'JSON-RPC −32603'} (a transient refusal); got ${describeError(e)}`,
          outcome.exchange,
        );
        const retryAfter = outcome.headers?.['retry-after'];
        ensure(
          !rest || (retryAfter !== undefined && /^\d+$/.test(retryAfter)),
          `the 503 has no Retry-After header in seconds (got ${JSON.stringify(retryAfter)})`,
          outcome.exchange,
        );
        const details = Array.isArray(e.details) ? e.details.filter(isRecord) : [];
        ensure(
          details.some((d) => String(d['@type']).endsWith('google.rpc.RetryInfo') && typeof d.retryDelay === 'string'),
          'the error details have no google.rpc.RetryInfo with a retryDelay',
          outcome.exchange,
        );
        ensure(
          details.some((d) => d.domain === 'rightsize.dev' && d.reason === 'NO_CAPABLE_AGENT'),
          'the error details have no ErrorInfo with domain rightsize.dev and reason NO_CAPABLE_AGENT',
          outcome.exchange,
        );
      } finally {
        for (const id of ours) await load(id, 0).catch(() => undefined);
      }
    },
  }),
  broker({
    section: '7.8',
    requirement: 'MUST',
    name: 'registry-load-report',
    title: 'PUT /agents/{id}/load accepts a LoadReport (204) and refuses a bad one (400) or an unknown agent (404)',
    requires:
      'The registry binding serves PUT /agents/{id}/load with a LoadReport: 204 on success, 400 for an invalid body, 404 for an unknown agent (Rightsize §7.8, §4.6).',
    run: async (context) => {
      const f = await registered(context);
      const path = `/agents/${encodeURIComponent(f.ids.small)}/load`;
      await expectStatuses(context, 'PUT', path, [
        [{ inflight: 0 }, 204, 'a valid LoadReport'],
        [{ inflight: -1 }, 400, 'inflight -1'],
        [{ inflight: 'many' }, 400, 'inflight "many"'],
      ]);
      const unknown = await registry(context, 'PUT', '/agents/conformance-no-such-agent/load', { inflight: 0 });
      ensure(
        unknown.status === 404,
        `an unknown agent id answered HTTP ${unknown.status}; expected 404`,
        unknown.exchange,
      );
    },
  }),
  broker({
    section: '8.2',
    requirement: 'MUST',
    name: 'feedback-endpoint',
    title: 'POST /feedback accepts feedback on a routed task (202), refuses an unknown task (404) and a bad body (400)',
    requires:
      'Brokers MUST accept Feedback {taskId, success, …} at POST {registryUrl}/feedback: 202, 400 for an invalid body, 404 for an unknown task (Rightsize §8.2, §7.8).',
    run: async (context) => {
      const f = await registered(context);
      const { request } = routed(f.tag, complexity(1));
      const { task } = await sendRouted(context, request);
      await expectStatuses(context, 'POST', '/feedback', [
        [{ taskId: task.id, success: true, verified: true }, 202, 'feedback on the routed task'],
        [{ taskId: task.id, success: 'yes' }, 400, 'success "yes"'],
        [
          { taskId: `conformance-no-such-task-${randomBytes(4).toString('hex')}`, success: true },
          404,
          'an unknown task',
        ],
      ]);
    },
  }),
];
