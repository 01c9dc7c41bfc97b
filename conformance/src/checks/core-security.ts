/**
 * Core level: authentication and data scoping (A2A §3.3.2, §13.1). The tenancy checks need two callers: give the
 * suite two tokens (`--token A --token B`); tasks created by the first must be invisible to the second.
 */
import type { CheckContext, CheckDefinition } from '../model.js';
import { ensure, fail, skip } from '../model.js';
import { definer, expectError, expectOk, isRecord, send, sendForTask } from './support.js';

const core = definer('core');

function secondCaller(context: CheckContext): string {
  const other = context.options.tokens?.[1];
  if (!other) skip('needs credentials for two callers (--token A --token B)');
  return other;
}

export const SECURITY_CHECKS: CheckDefinition[] = [
  core({
    section: '3.3.2',
    requirement: 'MUST',
    name: 'unauthenticated-rejected',
    title: 'A request without credentials is rejected when the card requires authentication',
    requires: 'Servers reject requests with missing or invalid credentials (A2A §3.3.2, §7.4).',
    run: async (context) => {
      if (!context.card.securityRequirements?.length) skip('the card declares no security requirement');
      const missing = await send(context, 'complete-task', { call: { token: null } });
      ensure(!missing.ok, 'a request without credentials was served', missing.exchange);
      const invalid = await send(context, 'complete-task', { call: { token: 'conformance-invalid-token' } });
      ensure(!invalid.ok, 'a request with an invalid bearer token was served', invalid.exchange);
    },
  }),
  core({
    section: '13.1',
    requirement: 'MUST',
    name: 'tenancy-get-task',
    title: 'Another caller’s task is not found (GetTask)',
    requires:
      'Get Task verifies the caller may access the task; a task outside the caller’s scope is reported as not found, never revealed (A2A §3.3.2, §13.1).',
    tck: ['CORE-LIST-001'],
    run: async (context) => {
      const other = secondCaller(context);
      const task = await sendForTask(context, 'complete-task');
      const outcome = await context.a2a.call('GetTask', { id: task.id }, { token: other }, context.signal);
      expectError(context, outcome, 'TaskNotFoundError', 'GetTask of another caller’s task');
    },
  }),
  core({
    section: '13.1',
    requirement: 'MUST',
    name: 'tenancy-list-tasks',
    title: 'ListTasks never shows another caller’s tasks',
    requires:
      'List Tasks returns only tasks visible to the authenticated client, with or without filters (A2A §3.1.4, §13.1).',
    tck: ['CORE-LIST-001'],
    run: async (context) => {
      const other = secondCaller(context);
      const task = await sendForTask(context, 'complete-task');
      for (const params of [{ contextId: task.contextId }, { pageSize: 100 }]) {
        const outcome = await context.a2a.call('ListTasks', params, { token: other }, context.signal);
        const value = expectOk(outcome, 'ListTasks as the second caller');
        const tasks = isRecord(value) && Array.isArray(value.tasks) ? value.tasks : [];
        ensure(
          !tasks.some((t) => isRecord(t) && t.id === task.id),
          `ListTasks ${JSON.stringify(params)} as the second caller lists the first caller’s task ${task.id}`,
          outcome.exchange,
        );
      }
    },
  }),
  core({
    section: '13.1',
    requirement: 'MUST',
    name: 'tenancy-task-operations',
    title: 'Another caller cannot cancel, continue or subscribe to a task',
    requires:
      'Cancel, Subscribe, push-config and message operations verify the caller’s access; a task outside the scope is not found (A2A §13.1).',
    run: async (context) => {
      const other = secondCaller(context);
      const task = await sendForTask(context, 'input-required');
      const as = { token: other };
      expectError(
        context,
        await context.a2a.call('CancelTask', { id: task.id }, as, context.signal),
        'TaskNotFoundError',
        'CancelTask as the second caller',
      );
      expectError(
        context,
        await send(context, 'complete-task', { taskId: task.id, call: as }),
        'TaskNotFoundError',
        'SendMessage to the task as the second caller',
      );
      if (context.card.capabilities.streaming === true) {
        const opened = await context.a2a.open('SubscribeToTask', { id: task.id }, as, context.signal);
        expectError(context, opened, 'TaskNotFoundError', 'SubscribeToTask as the second caller');
      }
      if (context.card.capabilities.pushNotifications === true) {
        const outcome = await context.a2a.call(
          'ListTaskPushNotificationConfigs',
          { taskId: task.id },
          as,
          context.signal,
        );
        expectError(context, outcome, 'TaskNotFoundError', 'ListTaskPushNotificationConfigs as the second caller');
      }
      const mine = await context.a2a.call('GetTask', { id: task.id }, {}, context.signal);
      if (!mine.ok) fail('the owner can no longer read the task', mine.exchange);
    },
  }),
];
