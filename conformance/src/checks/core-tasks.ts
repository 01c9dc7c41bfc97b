/**
 * Core level: the unary operations and the task lifecycle — SendMessage and its execution modes, task and context
 * identifiers, multi-turn, terminal states, artifacts, GetTask, history length, CancelTask, capability validation
 * (A2A §3.1, §3.2, §3.3, §3.4, §4.1).
 */
import { randomUUID } from 'node:crypto';
import type { Artifact, Message, SendMessageResponse, Task } from '@rightsize/sdk/a2a';
import { describeError } from '../a2a.js';
import { type CheckContext, type CheckDefinition, ensure, fail, skip } from '../model.js';
import {
  definer,
  expectCompletedNotCancelable,
  expectCompletedTaskRefuses,
  expectError,
  expectOk,
  expectUnknownTaskNotFound,
  getTask,
  getValidTask,
  INTERRUPTED,
  isRecord,
  scenarioRequest,
  send,
  sendForTask,
  sendInProgress,
  TERMINAL,
  unknownTaskId,
  untilTerminal,
  valid,
} from './support.js';

const core = definer('core');

/** What each artifact scenario of the TCK produces (scenarios/core_operations.feature). */
const ARTIFACT_SCENARIOS: ReadonlyArray<readonly [string, (a: Artifact) => boolean, string]> = [
  [
    'artifact-text',
    (a) => a.parts.some((p) => p.text === 'Generated text content'),
    'a text part "Generated text content"',
  ],
  [
    'artifact-file',
    (a) => a.parts.some((p) => p.raw !== undefined && p.mediaType === 'text/plain'),
    'a raw part with mediaType text/plain',
  ],
  [
    'artifact-file-url',
    (a) => a.parts.some((p) => p.url === 'https://example.com/output.txt'),
    'a url part https://example.com/output.txt',
  ],
  [
    'artifact-data',
    (a) => a.parts.some((p) => isRecord(p.data) && p.data.key === 'value' && p.data.count === 42),
    'a data part {"key": "value", "count": 42}',
  ],
];

/** CancelTask of `id` must return the task TASK_STATE_CANCELED. */
async function expectCancelCancels(context: CheckContext, id: string): Promise<void> {
  const outcome = await context.a2a.call('CancelTask', { id }, {}, context.signal);
  const canceled = valid<Task>('Task', expectOk(outcome, 'CancelTask'), 'the CancelTask result', outcome.exchange);
  ensure(
    canceled.status.state === 'TASK_STATE_CANCELED',
    `CancelTask returned the task in ${canceled.status.state}`,
    outcome.exchange,
  );
}

/** GetTask of a canceled task must still read TASK_STATE_CANCELED; `problem` describes another state. */
async function expectStillCanceled(context: CheckContext, id: string, problem: (state: string) => string) {
  const { task, exchange } = await getValidTask(context, id);
  ensure(task.status.state === 'TASK_STATE_CANCELED', problem(task.status.state), exchange);
}

function historyOf(value: unknown): Message[] {
  return isRecord(value) && Array.isArray(value.history) ? (value.history as Message[]) : [];
}

export const TASK_CHECKS: CheckDefinition[] = [
  core({
    section: '3.1.1',
    requirement: 'MUST',
    name: 'send-returns-task-or-message',
    title: 'SendMessage returns a Task or a Message',
    requires: 'SendMessage returns either a Task or a direct Message (A2A §3.1.1; SendMessageResponse is a oneof).',
    tck: ['CORE-SEND-001'],
    run: async (context) => {
      const outcome = await send(context, 'complete-task');
      valid<SendMessageResponse>(
        'SendMessageResponse',
        expectOk(outcome, 'SendMessage'),
        'the result',
        outcome.exchange,
      );
    },
  }),
  core({
    section: '3.2.2',
    requirement: 'MUST',
    name: 'blocking-send-waits',
    title: 'A blocking SendMessage returns only at a terminal or interrupted state',
    requires:
      'Without returnImmediately the operation waits until the task is terminal or interrupted, and returns it with its artifacts (A2A §3.2.2).',
    tck: ['CORE-EXECUTION-MODE-001'],
    run: async (context) => {
      const task = await sendForTask(context, 'delayed-complete', { configuration: { returnImmediately: false } });
      const state = task.status.state;
      ensure(
        TERMINAL.includes(state) || INTERRUPTED.includes(state),
        `the blocking send returned the task in ${state}`,
        context.http.last,
      );
    },
  }),
  core({
    section: '3.2.2',
    requirement: 'MUST',
    name: 'return-immediately',
    title: 'returnImmediately returns the task while it is still in progress',
    requires:
      'With returnImmediately the operation returns right after creating the task, even if processing continues (A2A §3.2.2).',
    tck: ['CORE-EXECUTION-MODE-002'],
    run: async (context) => {
      const task = await sendForTask(context, 'delayed-complete', { configuration: { returnImmediately: true } });
      ensure(
        !TERMINAL.includes(task.status.state),
        `the task came back already ${task.status.state}: the send waited for the work`,
        context.http.last,
      );
      const later = await untilTerminal(context, task.id);
      ensure(
        later.status.state === 'TASK_STATE_COMPLETED',
        `the task ended ${later.status.state}, not COMPLETED`,
        context.http.last,
      );
    },
  }),
  core({
    section: '3.4.2',
    requirement: 'MUST',
    name: 'task-ids-unique',
    title: 'The agent generates a unique task id for each new task',
    requires: 'Agents generate a unique taskId for every new task and include it in the Task (A2A §3.4.2).',
    tck: ['CORE-MULTI-003'],
    run: async (context) => {
      const a = await sendForTask(context, 'complete-task');
      const b = await sendForTask(context, 'complete-task');
      ensure(a.id && b.id && a.id !== b.id, `two new tasks got the ids "${a.id}" and "${b.id}"`);
    },
  }),
  core({
    section: '3.4.1',
    requirement: 'MUST',
    name: 'context-id-in-response',
    title: 'A generated contextId is returned with the task',
    requires: 'If the agent generates a contextId it includes it in the response (A2A §3.4.1).',
    tck: ['CORE-MULTI-001', 'CORE-MULTI-001a'],
    run: async (context) => {
      const task = await sendForTask(context, 'complete-task');
      ensure(task.contextId, 'the task has no contextId', context.http.last);
    },
  }),
  core({
    section: '3.4.1',
    requirement: 'MUST',
    name: 'client-context-id-not-replaced',
    title: 'A client-provided contextId is kept or refused, never replaced',
    requires:
      'Agents MAY accept a client-provided contextId; if they cannot, they reject the request and do not generate a new contextId (A2A §3.4.1).',
    tck: ['CORE-MULTI-002', 'CORE-MULTI-002a'],
    run: async (context) => {
      const contextId = `conformance-context-${randomUUID()}`;
      const outcome = await send(context, 'complete-task', { contextId });
      if (!outcome.ok) return; // refused: allowed
      const value = outcome.value;
      const holder = isRecord(value) ? (isRecord(value.task) ? value.task : value.message) : undefined;
      const got = isRecord(holder) ? holder.contextId : undefined;
      ensure(
        got === contextId,
        `the agent answered with contextId ${JSON.stringify(got)} instead of "${contextId}"`,
        outcome.exchange,
      );
    },
  }),
  core({
    section: '3.4.3',
    requirement: 'MUST',
    name: 'context-inferred-from-task',
    scripted: true,
    title: 'A follow-up naming only the taskId continues the task in its context',
    requires:
      'The client continues an input-required task with its taskId; agents infer the contextId from the task if only taskId is provided (A2A §3.4.3).',
    tck: ['CORE-MULTI-005'],
    run: async (context) => {
      const task = await sendForTask(context, 'input-required');
      ensure(
        task.status.state === 'TASK_STATE_INPUT_REQUIRED',
        `tck-input-required gave ${task.status.state}`,
        context.http.last,
      );
      const next = await sendForTask(context, 'complete-task', { taskId: task.id });
      ensure(
        next.id === task.id,
        `the follow-up created task "${next.id}" instead of continuing "${task.id}"`,
        context.http.last,
      );
      ensure(
        next.contextId === task.contextId,
        `the follow-up is in context "${next.contextId}", not "${task.contextId}"`,
        context.http.last,
      );
      ensure(
        next.status.state === 'TASK_STATE_COMPLETED',
        `the continued task is ${next.status.state}, not COMPLETED`,
        context.http.last,
      );
    },
  }),
  core({
    section: '3.4.3',
    requirement: 'MUST',
    name: 'mismatched-context-rejected',
    title: 'A message whose contextId differs from its task’s is rejected',
    requires: 'Agents reject messages whose contextId differs from that of the referenced task (A2A §3.4.3).',
    tck: ['CORE-MULTI-006'],
    run: async (context) => {
      const task = await sendForTask(context, 'input-required');
      const outcome = await send(context, 'complete-task', {
        taskId: task.id,
        contextId: `conformance-other-${randomUUID()}`,
      });
      ensure(!outcome.ok, 'a message with a mismatching contextId was accepted', outcome.exchange);
    },
  }),
  core({
    section: '3.4.2',
    requirement: 'MUST',
    name: 'unknown-task-id-rejected',
    title: 'A message naming an unknown taskId gets TaskNotFoundError',
    requires:
      'A taskId in a message must reference an existing task; otherwise the agent returns TaskNotFoundError (A2A §3.4.2).',
    tck: ['CORE-MULTI-004'],
    run: async (context) => {
      expectError(
        context,
        await send(context, 'complete-task', { taskId: unknownTaskId() }),
        'TaskNotFoundError',
        'SendMessage to an unknown task',
      );
    },
  }),
  core({
    section: '3.1.1',
    requirement: 'MUST',
    name: 'terminal-task-refuses-messages',
    title: 'A message to a completed task gets UnsupportedOperationError',
    requires: 'Tasks in a terminal state cannot accept further messages: UnsupportedOperationError (A2A §3.1.1).',
    tck: ['CORE-SEND-002'],
    run: async (context) => {
      await expectCompletedTaskRefuses(
        context,
        (taskId) => send(context, 'complete-task', { taskId }),
        'SendMessage to a completed task',
      );
    },
  }),
  core({
    section: '3.1.1',
    requirement: 'MUST',
    name: 'direct-message-response',
    scripted: true,
    title: 'A direct answer is a valid agent Message',
    requires:
      'An agent MAY answer with a direct Message instead of a task (A2A §3.1.1); it is a valid Message from ROLE_AGENT (§4.1.4). Scenario tck-message-response.',
    run: async (context) => {
      const outcome = await send(context, 'message-response');
      const value = expectOk(outcome, 'SendMessage (tck-message-response)');
      ensure(
        isRecord(value) && isRecord(value.message),
        'the agent did not answer with a Message (TCK scenario tck-message-response)',
        outcome.exchange,
      );
      const message = valid<Message>('Message', value.message, 'the message', outcome.exchange);
      ensure(message.role === 'ROLE_AGENT', `the message's role is ${message.role}`, outcome.exchange);
    },
  }),
  core({
    section: '4.1.7',
    requirement: 'MUST',
    name: 'artifacts-valid',
    scripted: true,
    title: 'Artifacts (text, file, file URL, data) are returned whole and valid',
    requires:
      'A task returns its results as Artifacts with an artifactId and at least one Part holding exactly one of text, raw, url or data (A2A §3.7, §4.1.6, §4.1.7). Scenarios tck-artifact-*.',
    run: async (context) => {
      for (const [scenario, matches, expected] of ARTIFACT_SCENARIOS) {
        const task = await sendForTask(context, scenario);
        ensure(
          task.status.state === 'TASK_STATE_COMPLETED',
          `tck-${scenario}: the task is ${task.status.state}`,
          context.http.last,
        );
        const artifacts = task.artifacts ?? [];
        ensure(artifacts.some(matches), `tck-${scenario}: no artifact with ${expected}`, context.http.last);
      }
    },
  }),
  core({
    section: '4.1.3',
    requirement: 'MUST',
    name: 'rejected-task-is-terminal',
    title: 'A rejected task is terminal',
    requires:
      'TASK_STATE_REJECTED is terminal: the task accepts no further messages (A2A §3.1.1, §4.1.3). Scenario tck-reject-task.',
    run: async (context) => {
      const outcome = await send(context, 'reject-task');
      if (!outcome.ok) return; // the agent refused the request instead of creating a rejected task
      const value = outcome.value;
      if (!isRecord(value) || !isRecord(value.task)) return;
      const task = valid<Task>('Task', value.task, 'the task', outcome.exchange);
      ensure(TERMINAL.includes(task.status.state), `the rejected task is ${task.status.state}`, outcome.exchange);
      expectError(
        context,
        await send(context, 'complete-task', { taskId: task.id }),
        'UnsupportedOperationError',
        'SendMessage to a rejected task',
      );
    },
  }),
  core({
    section: '3.1.3',
    requirement: 'MUST',
    name: 'get-task',
    scripted: true,
    title: 'GetTask returns the task’s current state and artifacts',
    requires: 'GetTask returns the current state of a task, including its status and artifacts (A2A §3.1.3).',
    tck: ['CORE-GET-001'],
    run: async (context) => {
      const task = await sendForTask(context, 'artifact-text');
      const { task: got, exchange } = await getValidTask(context, task.id);
      ensure(got.id === task.id, `GetTask returned task "${got.id}"`, exchange);
      ensure(got.status.state === 'TASK_STATE_COMPLETED', `GetTask says ${got.status.state}`, exchange);
      ensure((got.artifacts ?? []).length > 0, 'GetTask returned the completed task without its artifacts', exchange);
    },
  }),
  core({
    section: '3.1.3',
    requirement: 'MUST',
    name: 'get-unknown-task',
    title: 'GetTask of an unknown id gets TaskNotFoundError',
    requires: 'GetTask returns TaskNotFoundError when the id does not exist or is not accessible (A2A §3.1.3).',
    tck: ['CORE-GET-002'],
    run: async (context) => {
      await expectUnknownTaskNotFound(context);
    },
  }),
  core({
    section: '3.2.4',
    requirement: 'SHOULD',
    name: 'history-length-zero',
    title: 'historyLength 0 omits the history (GetTask and SendMessage)',
    requires: 'historyLength 0 means no history: the history field SHOULD be omitted (A2A §3.2.4).',
    tck: ['CORE-HIST-001', 'CORE-HIST-003'],
    run: async (context) => {
      const sent = await send(context, 'complete-task', { configuration: { historyLength: 0 } });
      const value = expectOk(sent, 'SendMessage with historyLength 0');
      const task = isRecord(value) ? value.task : undefined;
      ensure(
        historyOf(task).length === 0,
        `SendMessage with historyLength 0 returned ${historyOf(task).length} messages`,
        sent.exchange,
      );
      ensure(isRecord(task) && typeof task.id === 'string', 'no task returned', sent.exchange);
      const got = await getTask(context, task.id as string, 0);
      const history = historyOf(expectOk(got, 'GetTask with historyLength 0'));
      ensure(history.length === 0, `GetTask with historyLength 0 returned ${history.length} messages`, got.exchange);
    },
  }),
  core({
    section: '3.2.4',
    requirement: 'MUST',
    name: 'history-length-limit',
    scripted: true,
    title: 'historyLength n returns at most n messages',
    requires: 'historyLength > 0 returns at most that many recent messages of the task history (A2A §3.2.4).',
    tck: ['CORE-HIST-002'],
    run: async (context) => {
      const task = await sendForTask(context, 'input-required');
      await sendForTask(context, 'complete-task', { taskId: task.id });
      const got = await getTask(context, task.id, 1);
      const history = historyOf(expectOk(got, 'GetTask with historyLength 1'));
      ensure(history.length <= 1, `GetTask with historyLength 1 returned ${history.length} messages`, got.exchange);
    },
  }),
  core({
    section: '3.2.4',
    requirement: 'SHOULD',
    name: 'history-in-order',
    scripted: true,
    title: 'The history holds the exchanged messages in order',
    requires:
      'History holds the messages exchanged during the task, oldest first, as they were sent (A2A §3.2.4, §3.7; TCK CORE-HIST-005/006).',
    tck: ['CORE-HIST-004', 'CORE-HIST-005', 'CORE-HIST-006'],
    run: async (context) => {
      const first = await sendForTask(context, 'input-required');
      await sendForTask(context, 'complete-task', { taskId: first.id });
      const got = await getTask(context, first.id);
      const history = historyOf(expectOk(got, 'GetTask'));
      const users = history.filter((m) => m.role === 'ROLE_USER').map((m) => m.messageId);
      ensure(users.length >= 2, `the history holds ${users.length} of the 2 user messages`, got.exchange);
      const [a, b] = users.slice(-2);
      ensure(
        a?.startsWith('tck-input-required') && b?.startsWith('tck-complete-task'),
        `user messages out of order: ${users.join(', ')}`,
        got.exchange,
      );
    },
  }),
  core({
    section: '3.1.5',
    requirement: 'MUST',
    name: 'cancel-task',
    scripted: true,
    title: 'CancelTask cancels a task that is not terminal',
    requires:
      'CancelTask attempts to cancel the task and returns it updated; a canceled task reads TASK_STATE_CANCELED (A2A §3.1.5).',
    tck: ['CORE-CANCEL-001'],
    run: async (context) => {
      const task = await sendForTask(context, 'input-required');
      await expectCancelCancels(context, task.id);
      await expectStillCanceled(context, task.id, (state) => `GetTask after cancel says ${state}`);
    },
  }),
  core({
    section: '3.1.5',
    requirement: 'MUST',
    name: 'cancel-running-task-stays-canceled',
    scripted: true,
    title: 'A canceled working task stays canceled',
    requires:
      'CancelTask of a working task returns it canceled; TASK_STATE_CANCELED is terminal, so the work finishing later does not change it (A2A §3.1.5, §4.1.3).',
    run: async (context) => {
      const task = await sendInProgress(context);
      await expectCancelCancels(context, task.id);
      await new Promise((r) => setTimeout(r, 2500)); // the scenario's work lasts 2 s
      await expectStillCanceled(context, task.id, (state) => `after the work would have ended the task is ${state}`);
    },
  }),
  core({
    section: '3.1.5',
    requirement: 'MUST',
    name: 'cancel-terminal-refused',
    title: 'CancelTask of a completed task gets TaskNotCancelableError',
    requires: 'A task that is already terminal is not cancelable: TaskNotCancelableError (A2A §3.1.5).',
    tck: ['CORE-CANCEL-002'],
    run: async (context) => {
      await expectCompletedNotCancelable(context);
    },
  }),
  core({
    section: '3.1.5',
    requirement: 'MUST',
    name: 'cancel-unknown-task',
    title: 'CancelTask of an unknown id gets TaskNotFoundError',
    requires: 'CancelTask returns TaskNotFoundError when the id does not exist or is not accessible (A2A §3.1.5).',
    tck: ['CORE-CANCEL-003'],
    run: async (context) => {
      expectError(
        context,
        await context.a2a.call('CancelTask', { id: unknownTaskId() }),
        'TaskNotFoundError',
        'CancelTask of an unknown id',
      );
    },
  }),
  core({
    section: '3.3.2',
    requirement: 'MUST',
    name: 'invalid-params-rejected',
    title: 'A message without parts is refused as invalid parameters',
    requires:
      'Servers validate all input before processing; a validation error is JSON-RPC -32602 or HTTP 400 (A2A §3.3.2, §5.7).',
    tck: ['CORE-ERR-002'],
    run: async (context) => {
      const request = { message: { messageId: context.messageId('complete-task'), role: 'ROLE_USER', parts: [] } };
      const outcome = await context.a2a.call('SendMessage', request, {}, context.signal);
      if (outcome.ok) fail('a message with no parts was accepted', outcome.exchange);
      const rightCode =
        context.a2a.binding === 'JSONRPC' ? outcome.error.code === -32602 : outcome.error.httpStatus === 400;
      ensure(
        rightCode,
        `expected ${context.a2a.binding === 'JSONRPC' ? 'code -32602' : 'HTTP 400'}; got ${describeError(outcome.error)}`,
        outcome.exchange,
      );
    },
  }),
  core({
    section: '3.1.1',
    requirement: 'MUST',
    name: 'unsupported-media-type-part',
    title: 'A part in a media type the agent does not accept gets ContentTypeNotSupportedError',
    requires:
      'A media type in the message parts that the agent does not support gets ContentTypeNotSupportedError (A2A §3.1.1, §3.3.2).',
    tck: ['CORE-SEND-003'],
    run: async (context) => {
      const type = 'application/x-unsupported-tck-type';
      const modes = [...context.card.defaultInputModes, ...context.card.skills.flatMap((s) => s.inputModes ?? [])];
      if (modes.some((m) => m === type || m === '*/*' || m === 'application/*'))
        skip('the card accepts every media type');
      const outcome = await send(context, 'complete-task', {
        parts: [{ raw: Buffer.from('tck').toString('base64'), mediaType: type }],
      });
      expectError(context, outcome, 'ContentTypeNotSupportedError', `SendMessage with a ${type} part`);
    },
  }),
  core({
    section: '3.3.4',
    requirement: 'MUST',
    name: 'streaming-capability-enforced',
    title: 'Without the streaming capability, streaming operations get UnsupportedOperationError',
    requires:
      'If capabilities.streaming is false or absent, SendStreamingMessage and SubscribeToTask return UnsupportedOperationError (A2A §3.3.4).',
    tck: ['CORE-CAP-002'],
    run: async (context) => {
      if (context.card.capabilities.streaming === true) skip('the card declares streaming');
      const opened = await context.a2a.open(
        'SendStreamingMessage',
        scenarioRequest(context, 'complete-task'),
        {},
        context.signal,
      );
      expectError(
        context,
        opened,
        'UnsupportedOperationError',
        'SendStreamingMessage without the streaming capability',
      );
    },
  }),
  core({
    section: '3.3.4',
    requirement: 'MUST',
    name: 'push-capability-enforced',
    title: 'Without the push capability, push-config operations get PushNotificationNotSupportedError',
    requires:
      'If capabilities.pushNotifications is false or absent, the push-config operations return PushNotificationNotSupportedError (A2A §3.3.4).',
    tck: ['CORE-CAP-001'],
    run: async (context) => {
      if (context.card.capabilities.pushNotifications === true) skip('the card declares push notifications');
      const task = await sendForTask(context, 'input-required');
      const outcome = await context.a2a.call(
        'CreateTaskPushNotificationConfig',
        { taskId: task.id, url: 'https://example.com/conformance-webhook' },
        {},
        context.signal,
      );
      expectError(context, outcome, 'PushNotificationNotSupportedError', 'CreateTaskPushNotificationConfig');
    },
  }),
  core({
    section: '3.3.4',
    requirement: 'MUST',
    name: 'extended-card-capability',
    title: 'GetExtendedAgentCard follows capabilities.extendedAgentCard',
    requires:
      'Without capabilities.extendedAgentCard, GetExtendedAgentCard returns UnsupportedOperationError; with it, an AgentCard or ExtendedAgentCardNotConfiguredError (A2A §3.1.11, §3.3.4).',
    tck: ['CORE-CAP-003', 'CARD-EXT-001', 'CARD-EXT-002'],
    run: async (context) => {
      const outcome = await context.a2a.call('GetExtendedAgentCard', {}, {}, context.signal);
      if (context.card.capabilities.extendedAgentCard !== true) {
        expectError(context, outcome, 'UnsupportedOperationError', 'GetExtendedAgentCard without the capability');
        return;
      }
      if (!outcome.ok) {
        expectError(context, outcome, 'ExtendedAgentCardNotConfiguredError', 'GetExtendedAgentCard');
        return;
      }
      valid('AgentCard', outcome.value, 'the extended card', outcome.exchange);
    },
  }),
];
