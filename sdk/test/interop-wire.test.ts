/**
 * Interoperability over the wire with the unmodified official SDK (@a2a-js/sdk), both directions and both
 * bindings: our client against its express agent, and its client against our fastify agent.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AgentCard as TheirAgentCard,
  TaskArtifactUpdateEvent as TheirArtifactUpdate,
  Message as TheirMessage,
  SendMessageRequest as TheirSendMessageRequest,
  TaskStatusUpdateEvent as TheirStatusUpdate,
  Task as TheirTask,
} from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions } from '@a2a-js/sdk/client';
import {
  AgentEvent,
  DefaultRequestHandler,
  type ExecutionEventBus,
  InMemoryTaskStore,
  type RequestContext,
} from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, restHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoCard, startEchoAgent } from '../examples/echo-agent.js';
import { TaskNotFoundError } from '../src/a2a/errors.js';
import type { Message } from '../src/a2a/model/index.js';
import { A2AClient, type Binding } from '../src/client/index.js';

const msg = (text: string, extra: Partial<Message> = {}): Message => ({
  messageId: crypto.randomUUID(),
  role: 'ROLE_USER',
  parts: [{ text }],
  ...extra,
});
const collect = async <T>(events: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const e of events) out.push(e);
  return out;
};

/** An echo agent written with the official SDK (simulated agent for interop), same behaviour as ours. */
function theirExecutor() {
  const cancels = new Map<string, () => void>();
  return {
    async execute(context: RequestContext, bus: ExecutionEventBus) {
      const part = context.userMessage.parts[0];
      const text = part?.content?.$case === 'text' ? part.content.value : '';
      const ids = { taskId: context.taskId, contextId: context.contextId };
      const status = (state: string, reply?: string) =>
        AgentEvent.statusUpdate(
          TheirStatusUpdate.fromJSON({
            ...ids,
            status: {
              state,
              timestamp: new Date().toISOString(),
              ...(reply
                ? { message: { messageId: crypto.randomUUID(), role: 'ROLE_AGENT', parts: [{ text: reply }], ...ids } }
                : {}),
            },
          }),
        );
      if (text.startsWith('task:') || text.startsWith('slow:')) {
        bus.publish(
          AgentEvent.task(
            TheirTask.fromJSON({
              id: ids.taskId,
              contextId: ids.contextId,
              status: { state: 'TASK_STATE_SUBMITTED', timestamp: new Date().toISOString() },
              history: [TheirMessage.toJSON(context.userMessage)],
            }),
          ),
        );
        bus.publish(status('TASK_STATE_WORKING'));
        if (text.startsWith('slow:')) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Number(text.slice(5)));
            cancels.set(ids.taskId, () => {
              clearTimeout(timer);
              resolve();
            });
          });
          if (!cancels.has(ids.taskId)) return bus.finished();
        }
        bus.publish(
          AgentEvent.artifactUpdate(
            TheirArtifactUpdate.fromJSON({
              ...ids,
              artifact: { artifactId: 'echo', parts: [{ text: text.slice(5).trim() }] },
            }),
          ),
        );
        bus.publish(status('TASK_STATE_COMPLETED', 'done'));
      } else {
        bus.publish(
          AgentEvent.message(
            TheirMessage.fromJSON({
              messageId: crypto.randomUUID(),
              role: 'ROLE_AGENT',
              parts: [{ text: `echo: ${text}` }],
              contextId: ids.contextId,
            }),
          ),
        );
      }
      bus.finished();
    },
    async cancelTask(taskId: string, bus: ExecutionEventBus) {
      cancels.get(taskId)?.();
      cancels.delete(taskId);
      bus.publish(
        AgentEvent.statusUpdate(
          TheirStatusUpdate.fromJSON({
            taskId,
            contextId: '',
            status: { state: 'TASK_STATE_CANCELED', timestamp: new Date().toISOString() },
          }),
        ),
      );
      bus.finished();
    },
  };
}

describe('our client → @a2a-js/sdk agent', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    let app: express.Express | undefined;
    server = createServer((req, res) => app?.(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const handler = new DefaultRequestHandler(
      TheirAgentCard.fromJSON(echoCard(base, { streaming: true })),
      new InMemoryTaskStore(),
      theirExecutor(),
    );
    app = express();
    app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: handler }));
    app.use('/a2a/jsonrpc', jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
    app.use('/a2a/rest', restHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
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
