/**
 * Core level: streaming — SendStreamingMessage patterns, order and closure, SubscribeToTask (first event, terminal
 * closure, interrupted tasks, errors), and several streams on one task (A2A §3.1.2, §3.1.6, §3.5.2, §9.4, §11.7).
 */
import { randomUUID } from 'node:crypto';
import type { StreamResponse } from '@rightsize/sdk/a2a';
import { isStream } from '../a2a.js';
import { LiveStream } from '../http.js';
import { type CheckContext, type CheckDefinition, ensure, fail } from '../model.js';
import {
  type Collected,
  collect,
  definer,
  expectCompletedTaskRefuses,
  expectError,
  isRecord,
  kindOf,
  requireCapability,
  scenarioRequest,
  send,
  sendForTask,
  sendInProgress,
  stateOf,
  streamOf,
  TERMINAL,
  unknownTaskId,
  valid,
} from './support.js';

const core = definer('core');

function sendStreaming(context: CheckContext, scenario: string, o: { taskId?: string } = {}) {
  return context.a2a.open('SendStreamingMessage', scenarioRequest(context, scenario, o), {}, context.signal);
}

/** Send a scenario with SendStreamingMessage and read the stream it must open until it ends. */
async function collectSent(context: CheckContext, scenario: string, what = 'SendStreamingMessage'): Promise<Collected> {
  return collect(context, streamOf(await sendStreaming(context, scenario), what));
}

function subscribe(context: CheckContext, id: string) {
  return context.a2a.open('SubscribeToTask', { id }, {}, context.signal);
}

const summary = (c: Collected) => c.events.map((e) => `${kindOf(e)}${stateOf(e) ? `(${stateOf(e)})` : ''}`).join(' → ');

/** The stream began with a Task, every event is a valid StreamResponse of that task, it ended terminal and closed. */
function checkTaskStream(c: Collected, what: string): void {
  ensure(c.end !== 'error', `${what}: the stream carried an error event`, c.exchange);
  ensure(c.events.length > 0, `${what}: the stream had no events (it ${c.end})`, c.exchange);
  const first = c.events[0] as Record<string, unknown>;
  ensure(isRecord(first.task), `${what}: the first event is ${kindOf(first)}, not a Task`, c.exchange);
  const taskId = (first.task as Record<string, unknown>).id;
  for (const [i, event] of c.events.entries()) {
    valid<StreamResponse>('StreamResponse', event, `${what}: event ${i}`, c.exchange);
    const body = (event.task ?? event.statusUpdate ?? event.artifactUpdate) as Record<string, unknown> | undefined;
    const id = event.task ? body?.id : body?.taskId;
    ensure(
      !body || id === taskId,
      `${what}: event ${i} is about task ${String(id)}, not ${String(taskId)}`,
      c.exchange,
    );
  }
  const terminalAt = c.events.findIndex((e) => TERMINAL.includes(stateOf(e) ?? ''));
  ensure(
    terminalAt >= 0,
    `${what}: the stream ${c.end === 'closed' ? 'closed' : c.end === 'timeout' ? 'stayed open' : 'broke'} without a terminal status (${summary(c)})`,
    c.exchange,
  );
  ensure(c.end === 'closed', `${what}: the stream did not close after the terminal status (${c.end})`, c.exchange);
  const after = c.events.slice(terminalAt + 1).filter((e) => !isRecord(e.task));
  ensure(after.length === 0, `${what}: events after the terminal status: ${after.map(kindOf).join(', ')}`, c.exchange);
}

export const STREAMING_CHECKS: CheckDefinition[] = [
  core({
    section: '3.1.2',
    requirement: 'MUST',
    name: 'stream-task-lifecycle',
    title: 'A task stream begins with the Task and closes at the terminal state',
    requires:
      'A task lifecycle stream begins with the Task, continues with status and artifact updates, and closes when the task reaches a terminal state (A2A §3.1.2, §11.7).',
    tck: ['CORE-STREAM-001', 'CORE-STREAM-003', 'HTTP_JSON-SSE-001'],
    run: async (context) => {
      requireCapability(context, 'streaming');
      for (const scenario of ['stream-001', 'stream-003']) {
        const c = await collectSent(context, scenario, `SendStreamingMessage (tck-${scenario})`);
        checkTaskStream(c, `tck-${scenario}`);
      }
    },
  }),
  core({
    section: '3.1.2',
    requirement: 'MUST',
    name: 'stream-message-only',
    scripted: true,
    title: 'A message-only stream holds exactly one Message and closes',
    requires:
      'If the agent answers with a Message, the stream contains exactly one Message and then closes (A2A §3.1.2).',
    tck: ['CORE-STREAM-002'],
    run: async (context) => {
      requireCapability(context, 'streaming');
      const c = await collectSent(context, 'message-response');
      ensure(
        c.events.length >= 1 && isRecord(c.events[0]?.message),
        `the first event is ${c.events[0] ? kindOf(c.events[0]) : 'missing'}, not a Message (scenario tck-message-response)`,
        c.exchange,
      );
      ensure(c.events.length === 1, `the stream held ${c.events.length} events: ${summary(c)}`, c.exchange);
      ensure(c.end === 'closed', `the stream did not close after the message (${c.end})`, c.exchange);
    },
  }),
  core({
    section: '3.5.2',
    requirement: 'MUST',
    name: 'stream-event-order',
    scripted: true,
    title: 'Stream events arrive in the order they were generated',
    requires: 'Events are delivered in generation order and never reordered (A2A §3.5.2, §11.7).',
    tck: ['STREAM-ORDER-001'],
    run: async (context) => {
      requireCapability(context, 'streaming');
      const c = await collectSent(context, 'stream-ordering-001');
      checkTaskStream(c, 'tck-stream-ordering-001');
      const working = c.events.findIndex((e) => stateOf(e) === 'TASK_STATE_WORKING' && isRecord(e.statusUpdate));
      const artifact = c.events.findIndex((e) => isRecord(e.artifactUpdate));
      const done = c.events.findIndex((e) => stateOf(e) === 'TASK_STATE_COMPLETED');
      ensure(artifact >= 0, `no artifact update (${summary(c)})`, c.exchange);
      ensure(
        (working < 0 || working < artifact) && artifact < done,
        `out of order: ${summary(c)} (generated: working → artifact → completed)`,
        c.exchange,
      );
    },
  }),
  core({
    section: '3.1.2',
    requirement: 'MUST',
    name: 'stream-to-terminal-task-refused',
    title: 'SendStreamingMessage to a completed task gets UnsupportedOperationError',
    requires: 'Messages to tasks in a terminal state are refused with UnsupportedOperationError (A2A §3.1.2).',
    run: async (context) => {
      requireCapability(context, 'streaming');
      await expectCompletedTaskRefuses(
        context,
        (taskId) => sendStreaming(context, 'complete-task', { taskId }),
        'SendStreamingMessage to a completed task',
      );
    },
  }),
  core({
    section: '9.4.2',
    requirement: 'MUST',
    name: 'jsonrpc-stream-envelopes',
    title: 'Each JSON-RPC SSE event is a response with the request id',
    binding: 'JSONRPC',
    requires:
      'SendStreamingMessage answers text/event-stream whose events are JSON-RPC responses to the request (A2A §9.4.2).',
    run: async (context) => {
      requireCapability(context, 'streaming');
      const id = `conformance-${randomUUID()}`;
      const opened = await context.http.open(
        {
          method: 'POST',
          url: context.a2a.base,
          headers: context.a2a.headers(),
          body: { jsonrpc: '2.0', id, method: 'SendStreamingMessage', params: scenarioRequest(context, 'stream-002') },
        },
        context.signal,
      );
      if (!(opened instanceof LiveStream))
        fail(
          `expected text/event-stream; got HTTP ${opened.status} ${opened.headers['content-type'] ?? ''}`,
          opened.exchange,
        );
      try {
        for (let i = 0; i < 20; i++) {
          const step = await opened.next(context.options.timeoutMs);
          if (step.kind !== 'event') break;
          let data: unknown;
          try {
            data = JSON.parse(step.data);
          } catch {
            fail('an event is not JSON', opened.exchange());
          }
          ensure(
            isRecord(data) && data.jsonrpc === '2.0' && data.id === id,
            `event ${i} is not a JSON-RPC response with id "${id}"`,
            opened.exchange(),
          );
        }
        ensure(opened.data.length > 0, 'the stream had no events', opened.exchange());
      } finally {
        opened.close();
      }
    },
  }),
  core({
    section: '3.1.6',
    requirement: 'MUST',
    name: 'subscribe-first-event-is-task',
    title: 'SubscribeToTask begins with the Task and closes at the terminal state',
    requires:
      'SubscribeToTask returns the Task (current state) as its first event and the stream terminates when the task reaches a terminal state (A2A §3.1.6).',
    tck: ['STREAM-SUB-001', 'STREAM-SUB-002'],
    run: async (context) => {
      requireCapability(context, 'streaming');
      const task = await sendInProgress(context, ', nothing to subscribe to');
      const c = await collect(context, streamOf(await subscribe(context, task.id), 'SubscribeToTask'));
      checkTaskStream(c, 'SubscribeToTask');
      ensure(
        isRecord(c.events[0]?.task) && c.events[0].task.id === task.id,
        'the first event is another task',
        c.exchange,
      );
    },
  }),
  core({
    section: '3.1.6',
    requirement: 'MUST',
    name: 'subscribe-interrupted-task',
    scripted: true,
    title: 'SubscribeToTask on an input-required task stays open until the task ends',
    requires:
      'SubscribeToTask works for any task that is not terminal, input-required included; the stream terminates only when the task reaches a terminal state (A2A §3.1.6).',
    run: async (context) => {
      requireCapability(context, 'streaming');
      const task = await sendForTask(context, 'input-required');
      const stream = streamOf(await subscribe(context, task.id), 'SubscribeToTask on an input-required task');
      try {
        const first = await stream.next(context.options.timeoutMs);
        ensure(
          first.kind === 'event' && isRecord(first.event.task),
          `the first event is not a Task (${first.kind})`,
          stream.exchange(),
        );
        ensure(
          stateOf(first.event) === 'TASK_STATE_INPUT_REQUIRED',
          `the first event reports ${stateOf(first.event)}`,
          stream.exchange(),
        );
        const early = await stream.next(500);
        ensure(
          early.kind === 'timeout',
          `the subscription ${early.kind === 'event' ? `sent ${kindOf(early.event)}` : early.kind} while the task still waits for input`,
          stream.exchange(),
        );
        const follow = await send(context, 'complete-task', { taskId: task.id });
        ensure(follow.ok, 'the follow-up message was refused', follow.exchange);
        const rest = await collect(context, stream);
        const terminal = rest.events.some((e) => TERMINAL.includes(stateOf(e) ?? ''));
        ensure(
          terminal,
          `the subscription did not deliver the terminal status (${summary(rest)}; ${rest.end})`,
          rest.exchange,
        );
        ensure(
          rest.end === 'closed',
          `the subscription did not close after the terminal status (${rest.end})`,
          rest.exchange,
        );
      } finally {
        stream.close();
      }
    },
  }),
  core({
    section: '3.1.6',
    requirement: 'MUST',
    name: 'subscribe-terminal-refused',
    title: 'SubscribeToTask on a completed task gets UnsupportedOperationError',
    requires: 'SubscribeToTask on a task in a terminal state returns UnsupportedOperationError (A2A §3.1.6, §9.4.6).',
    tck: ['STREAM-SUB-003'],
    run: async (context) => {
      requireCapability(context, 'streaming');
      const task = await sendForTask(context, 'complete-task');
      const opened = await subscribe(context, task.id);
      if (isStream(opened)) {
        // An error event as the first event is the streaming form of the same error.
        const first = await opened.next(context.options.timeoutMs);
        const exchange = opened.exchange();
        opened.close();
        if (first.kind === 'error') {
          expectError(
            context,
            { ok: false, error: first.error, exchange },
            'UnsupportedOperationError',
            'SubscribeToTask on a completed task',
          );
          return;
        }
        fail(
          `SubscribeToTask on a completed task opened a stream (${first.kind === 'event' ? kindOf(first.event) : first.kind})`,
          exchange,
        );
      }
      expectError(context, opened, 'UnsupportedOperationError', 'SubscribeToTask on a completed task');
    },
  }),
  core({
    section: '3.1.6',
    requirement: 'MUST',
    name: 'subscribe-unknown-task',
    title: 'SubscribeToTask on an unknown id gets TaskNotFoundError',
    requires: 'SubscribeToTask returns TaskNotFoundError when the id does not exist or is not accessible (A2A §3.1.6).',
    tck: ['STREAM-SUB-004'],
    run: async (context) => {
      requireCapability(context, 'streaming');
      expectError(
        context,
        await subscribe(context, unknownTaskId()),
        'TaskNotFoundError',
        'SubscribeToTask on an unknown id',
      );
    },
  }),
  core({
    section: '3.5.2',
    requirement: 'MUST',
    name: 'streams-broadcast',
    scripted: true,
    title: 'Every stream of a task gets the same events; closing one leaves the others',
    requires:
      'Events are broadcast to all active streams of a task, each in the same order, and closing one stream does not affect the others (A2A §3.5.2).',
    tck: ['STREAM-ORDER-002', 'STREAM-ORDER-003', 'STREAM-ORDER-004'],
    run: async (context) => {
      requireCapability(context, 'streaming');
      const task = await sendInProgress(context);
      const a = streamOf(await subscribe(context, task.id), 'first SubscribeToTask');
      const b = streamOf(await subscribe(context, task.id), 'second SubscribeToTask');
      const c = streamOf(await subscribe(context, task.id), 'third SubscribeToTask');
      await c.next(context.options.timeoutMs);
      c.close();
      const [ra, rb] = await Promise.all([collect(context, a), collect(context, b)]);
      checkTaskStream(ra, 'first subscription');
      checkTaskStream(rb, 'second subscription (after a third was closed)');
      const updates = (r: Collected) =>
        r.events
          .slice(1)
          .map((e) => `${kindOf(e)}:${stateOf(e) ?? ''}`)
          .join(',');
      ensure(updates(ra) === updates(rb), `the streams differ: [${summary(ra)}] vs [${summary(rb)}]`, rb.exchange);
    },
  }),
];
