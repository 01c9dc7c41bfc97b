/**
 * Interoperability over the wire with the unmodified official SDK (@a2a-js/sdk), both directions and both
 * bindings: our client against its express agent, and its client against our fastify agent.
 */
import {
  AgentCard as TheirAgentCard,
  Message as TheirMessage,
  SendMessageRequest as TheirSendMessageRequest,
  Task as TheirTask,
} from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions } from '@a2a-js/sdk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoCard, startEchoAgent } from '../examples/echo-agent.js';
import { TaskNotFoundError } from '../src/a2a/errors.js';
import { A2AClient, type Binding } from '../src/client/index.js';
import { collect, msg } from './support/messages.js';
import { startOfficialAgent } from './support/official-agent.js';

describe('our client → @a2a-js/sdk agent', () => {
  let official: Awaited<ReturnType<typeof startOfficialAgent>>;
  let base: string;
  beforeAll(async () => {
    official = await startOfficialAgent((url) => echoCard(url, { streaming: true }));
    base = official.baseUrl;
  });
  afterAll(async () => {
    await official.close();
  });

  for (const binding of ['JSONRPC', 'HTTP+JSON'] as Binding[]) {
    it(`${binding}: send, stream, get, list, cancel and errors`, async () => {
      const client = await A2AClient.connect(base, { allowPrivateNetworks: true, bindings: [binding] });
      expect(client.transport.binding).toBe(binding);
      expect((await client.sendMessage(msg('hi'))).message?.parts).toEqual([{ text: 'echo: hi' }]);
      const done = await client.sendMessage(msg('task: hello'));
      expect(done.task?.status.state).toBe('TASK_STATE_COMPLETED');
      expect(done.task?.artifacts?.[0]?.parts).toEqual([{ text: 'hello' }]);
      const events = await collect(client.sendStreamingMessage(msg('task: streamed')));
      expect(events.map((e) => Object.keys(e)[0])).toEqual(['task', 'statusUpdate', 'artifactUpdate', 'statusUpdate']);
      expect((await client.getTask(done.task?.id as string)).status.state).toBe('TASK_STATE_COMPLETED');
      const listed = await client.listTasks({ pageSize: 10 });
      expect((listed.tasks ?? []).some((t) => t.id === done.task?.id)).toBe(true);
      const slow = await client.sendMessage(msg('slow: 5000'), { configuration: { returnImmediately: true } });
      expect((await client.cancelTask(slow.task?.id as string)).status.state).toBe('TASK_STATE_CANCELED');
      await expect(client.getTask('missing')).rejects.toBeInstanceOf(TaskNotFoundError);
      await client.close();
    });
  }
});

describe('@a2a-js/sdk client → our agent', () => {
  let agent: Awaited<ReturnType<typeof startEchoAgent>>;
  beforeAll(async () => {
    agent = await startEchoAgent({ capabilities: { streaming: true, pushNotifications: true } });
  });
  afterAll(async () => {
    await agent.app.close();
  });

  for (const transport of ['JSONRPC', 'HTTP+JSON'] as const) {
    it(`${transport}: card, send, stream, get, list, cancel, resubscribe, push configs and errors`, async () => {
      const factory = new ClientFactory({ ...ClientFactoryOptions.default, preferredTransports: [transport] });
      const client = await factory.createFromUrl(agent.baseUrl);
      const card = TheirAgentCard.toJSON(await client.getAgentCard()) as { name: string };
      expect(card.name).toBe('Echo Agent');
      const send = async (text: string, configuration?: object) =>
        (await client.sendMessage(
          TheirSendMessageRequest.fromJSON({ message: msg(text), ...(configuration ? { configuration } : {}) }),
        )) as TheirTask | TheirMessage;
      const reply = await send('hi');
      expect(TheirMessage.toJSON(reply as TheirMessage)).toMatchObject({
        role: 'ROLE_AGENT',
        parts: [{ text: 'echo: hi' }],
      });
      const task = TheirTask.toJSON((await send('task: hello')) as TheirTask) as {
        id: string;
        status: { state: string };
      };
      expect(task.status.state).toBe('TASK_STATE_COMPLETED');
      const streamed: unknown[] = [];
      for await (const event of client.sendMessageStream(TheirSendMessageRequest.fromJSON({ message: msg('task: s') })))
        streamed.push(event);
      expect(streamed.length).toBe(4);
      const kinds = streamed.map((e) => (e as { payload: { $case: string } }).payload.$case);
      expect(kinds).toEqual(['task', 'statusUpdate', 'artifactUpdate', 'statusUpdate']);
      const last = streamed.at(-1) as { payload: { value: { status: { state: number } } } };
      expect(last.payload.value.status.state).toBe(3); // TASK_STATE_COMPLETED in the official SDK's enum
      const fetched = TheirTask.toJSON(
        await client.getTask({ tenant: '', id: task.id, historyLength: undefined } as never),
      ) as { id: string };
      expect(fetched.id).toBe(task.id);
      const listed = await client.listTasks({
        tenant: '',
        contextId: '',
        status: 0,
        pageSize: 50,
        pageToken: '',
        historyLength: undefined,
        statusTimestampAfter: undefined,
        includeArtifacts: false,
      } as never);
      expect(listed.tasks.length).toBeGreaterThan(0);
      const slow = TheirTask.toJSON((await send('slow: 5000', { returnImmediately: true })) as TheirTask) as {
        id: string;
      };
      const canceled = TheirTask.toJSON(
        await client.cancelTask({ tenant: '', id: slow.id, metadata: undefined } as never),
      ) as { status: { state: string } };
      expect(canceled.status.state).toBe('TASK_STATE_CANCELED');
      const running = TheirTask.toJSON((await send('slow: 200', { returnImmediately: true })) as TheirTask) as {
        id: string;
      };
      const resubscribed: unknown[] = [];
      for await (const event of client.resubscribeTask({ tenant: '', id: running.id } as never))
        resubscribed.push(event);
      expect((resubscribed[0] as { payload: { $case: string } }).payload.$case).toBe('task');
      expect(
        (resubscribed.at(-1) as { payload: { value: { status: { state: number } } } }).payload.value.status.state,
      ).toBe(3);
      const config = await client.createTaskPushNotificationConfig({
        tenant: '',
        id: '',
        taskId: task.id,
        url: 'https://hooks.example.com/x',
        token: '',
        authentication: undefined,
      });
      expect(config.id).not.toBe('');
      const configs = await client.listTaskPushNotificationConfig({
        tenant: '',
        taskId: task.id,
        pageSize: 0,
        pageToken: '',
      });
      expect(configs.configs.length).toBe(1);
      await client.deleteTaskPushNotificationConfig({ tenant: '', taskId: task.id, id: config.id });
      await expect(client.getTask({ tenant: '', id: 'missing', historyLength: undefined } as never)).rejects.toThrow(
        /not found/i,
      );
    });
  }
});
