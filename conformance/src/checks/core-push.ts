/**
 * Core level: push notifications — config CRUD (A2A §3.1.7–§3.1.10) and webhook delivery (§4.3.3), checked with a
 * receiver the suite starts on loopback.
 */
import { randomUUID } from 'node:crypto';
import type { StreamResponse, TaskPushNotificationConfig } from '@rightsize/sdk/a2a';
import type { Outcome } from '../a2a.js';
import { type CheckContext, type CheckDefinition, ensure } from '../model.js';
import {
  definer,
  expectError,
  expectOk,
  requireCapability,
  send,
  sendForTask,
  stateOf,
  TERMINAL,
  unknownTaskId,
  valid,
} from './support.js';

const core = definer('core');

const SECRET = 'conformance-push-secret';

/** An input-required task with one push config pointing at a fresh path of the receiver. */
async function withConfig(context: CheckContext) {
  requireCapability(context, 'pushNotifications');
  const receiver = await context.webhook();
  const path = `/push/${randomUUID()}`;
  const task = await sendForTask(context, 'input-required');
  const outcome = await context.a2a.call(
    'CreateTaskPushNotificationConfig',
    {
      taskId: task.id,
      url: receiver.url(path),
      token: `token-${randomUUID()}`,
      authentication: { scheme: 'Bearer', credentials: SECRET },
    },
    {},
    context.signal,
  );
  const config = valid<TaskPushNotificationConfig>(
    'TaskPushNotificationConfig',
    expectOk(outcome, 'CreateTaskPushNotificationConfig'),
    'the created config',
    outcome.exchange,
  );
  return { receiver, path, task, config, outcome };
}

const call = (
  context: CheckContext,
  method: Parameters<CheckContext['a2a']['call']>[0],
  params: Record<string, unknown>,
): Promise<Outcome> => context.a2a.call(method, params, {}, context.signal);

export const PUSH_CHECKS: CheckDefinition[] = [
  core({
    section: '3.1.7',
    requirement: 'MUST',
    name: 'push-config-create',
    title: 'CreateTaskPushNotificationConfig stores the config and assigns an id',
    requires:
      'Create establishes the webhook for the task and returns the configuration with its assigned id (A2A §3.1.7).',
    run: async (context) => {
      const { config, receiver, path, task, outcome } = await withConfig(context);
      ensure(config.id, 'the created config has no id', outcome.exchange);
      ensure(config.url === receiver.url(path), `the config's url is "${config.url}"`, outcome.exchange);
      ensure(!config.taskId || config.taskId === task.id, `the config names task "${config.taskId}"`, outcome.exchange);
    },
  }),
  core({
    section: '3.1.8',
    requirement: 'MUST',
    name: 'push-config-get-and-list',
    title: 'Get and List return the created config',
    requires:
      'Get returns the config with its webhook URL and settings; List returns all active configs of the task (A2A §3.1.8, §3.1.9).',
    run: async (context) => {
      const { config, task } = await withConfig(context);
      const got = await call(context, 'GetTaskPushNotificationConfig', { taskId: task.id, id: config.id });
      const value = valid<TaskPushNotificationConfig>(
        'TaskPushNotificationConfig',
        expectOk(got, 'GetTaskPushNotificationConfig'),
        'the config',
        got.exchange,
      );
      ensure(value.url === config.url && value.id === config.id, 'Get returned another config', got.exchange);
      const listed = await call(context, 'ListTaskPushNotificationConfigs', { taskId: task.id });
      const list = expectOk(listed, 'ListTaskPushNotificationConfigs') as { configs?: TaskPushNotificationConfig[] };
      ensure(
        (list.configs ?? []).some((c) => c.id === config.id),
        'List does not include the created config',
        listed.exchange,
      );
    },
  }),
  core({
    section: '3.1.10',
    requirement: 'MUST',
    name: 'push-config-delete',
    title: 'Delete removes the config, is idempotent, and stops deliveries',
    requires:
      'Delete permanently removes the config, no notification is sent to it afterwards, and repeating it has the same effect; Get of a missing config fails (A2A §3.1.8, §3.1.10).',
    run: async (context) => {
      const { config, task, receiver, path } = await withConfig(context);
      expectOk(
        await call(context, 'DeleteTaskPushNotificationConfig', { taskId: task.id, id: config.id }),
        'DeleteTaskPushNotificationConfig',
      );
      const again = await call(context, 'DeleteTaskPushNotificationConfig', { taskId: task.id, id: config.id });
      if (!again.ok) expectError(context, again, 'TaskNotFoundError', 'a second DeleteTaskPushNotificationConfig');
      expectError(
        context,
        await call(context, 'GetTaskPushNotificationConfig', { taskId: task.id, id: config.id }),
        'TaskNotFoundError',
        'GetTaskPushNotificationConfig after delete',
      );
      await send(context, 'complete-task', { taskId: task.id });
      const late = await receiver.waitFor(path, (d) => d.length > 0, 1500);
      ensure(late.length === 0, `${late.length} notification(s) arrived after the config was deleted`);
    },
  }),
  core({
    section: '3.1.7',
    requirement: 'MUST',
    name: 'push-config-unknown-task',
    title: 'A push config for an unknown task gets TaskNotFoundError',
    requires: 'Create returns TaskNotFoundError when the task does not exist or is not accessible (A2A §3.1.7).',
    run: async (context) => {
      requireCapability(context, 'pushNotifications');
      const receiver = await context.webhook();
      const outcome = await call(context, 'CreateTaskPushNotificationConfig', {
        taskId: unknownTaskId(),
        url: receiver.url('/push/unknown'),
      });
      expectError(context, outcome, 'TaskNotFoundError', 'CreateTaskPushNotificationConfig for an unknown task');
    },
  }),
  core({
    section: '4.3.3',
    requirement: 'MUST',
    name: 'push-delivery',
    scripted: true,
    title: 'Task updates are POSTed to the webhook as StreamResponse, with the configured credentials',
    requires:
      'The agent POSTs each update as a StreamResponse to the webhook, with the credentials of the config’s authentication in the headers, at least once (A2A §4.3.3).',
    run: async (context) => {
      const { task, receiver, path } = await withConfig(context);
      const follow = await send(context, 'complete-task', { taskId: task.id });
      ensure(follow.ok, 'the follow-up message was refused', follow.exchange);
      const terminal = (d: { body: unknown }) => TERMINAL.includes(stateOf(d.body as Record<string, unknown>) ?? '');
      const deliveries = await receiver.waitFor(path, (all) => all.some(terminal), context.options.timeoutMs);
      ensure(deliveries.length > 0, `no notification reached the webhook within ${context.options.timeoutMs} ms`);
      for (const [i, d] of deliveries.entries()) {
        const event = valid<StreamResponse>('StreamResponse', d.body, `notification ${i}`, {
          sent: `POST ${path}`,
          received: d.text.slice(0, 600),
        });
        const about =
          event.task?.id ?? event.statusUpdate?.taskId ?? event.artifactUpdate?.taskId ?? event.message?.taskId;
        ensure(about === task.id, `notification ${i} is about task ${String(about)}, not ${task.id}`);
        ensure(
          d.headers.authorization === `Bearer ${SECRET}`,
          `notification ${i} came with Authorization ${JSON.stringify(d.headers.authorization)}, not the configured "Bearer <credentials>"`,
        );
      }
      ensure(deliveries.some(terminal), 'no notification reported the terminal state');
    },
  }),
];
