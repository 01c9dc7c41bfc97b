/**
 * A SIMULATED echo agent written with the unmodified official SDK (@a2a-js/sdk, express), for the interop tests
 * and the server benchmark. Same prompts as our example agent: "task: x", "stream: n", "slow: ms", else a reply.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AgentCard as TheirAgentCard,
  TaskArtifactUpdateEvent as TheirArtifactUpdate,
  Message as TheirMessage,
  TaskStatusUpdateEvent as TheirStatusUpdate,
  Task as TheirTask,
} from '@a2a-js/sdk';
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  type ExecutionEventBus,
  InMemoryTaskStore,
  type RequestContext,
} from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, restHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import express from 'express';
import type { AgentCard } from '../../src/a2a/model/index.js';

/**
 * The waits of an official-SDK executor's running tasks, so that CancelTask ends a task's wait: `wait` resolves true
 * when the task was canceled first, and `cancelTask` is the executor's handler (publishes CANCELED, then finishes).
 */
export class CancelableWaits {
  readonly #cancels = new Map<string, () => void>();

  /** Wait `ms` for task `taskId`; true when the task was canceled before the time was up. */
  async wait(taskId: string, ms: number): Promise<boolean> {
    const canceled = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.#cancels.set(taskId, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    this.#cancels.delete(taskId);
    return canceled;
  }

  readonly cancelTask = async (taskId: string, bus: ExecutionEventBus): Promise<void> => {
    this.#cancels.get(taskId)?.();
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
  };
}

/** The echo executor; `onMessage` sees each user message as the official SDK delivered it. */
export function officialEchoExecutor(onMessage?: (message: TheirMessage) => void): AgentExecutor {
  const cancels = new CancelableWaits();
  return {
    async execute(context: RequestContext, bus: ExecutionEventBus) {
      onMessage?.(context.userMessage);
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
      const artifact = (chunk: string, append: boolean) =>
        AgentEvent.artifactUpdate(
          TheirArtifactUpdate.fromJSON({ ...ids, append, artifact: { artifactId: 'echo', parts: [{ text: chunk }] } }),
        );
      if (!/^(task|slow|stream):/.test(text)) {
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
        bus.finished();
        return;
      }
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
      if (text.startsWith('stream:')) {
        const n = Number(text.slice(7)) || 1;
        for (let i = 0; i < n; i++) bus.publish(artifact(`chunk ${i}`, i > 0));
        bus.publish(status('TASK_STATE_COMPLETED'));
        bus.finished();
        return;
      }
      bus.publish(status('TASK_STATE_WORKING'));
      if (text.startsWith('slow:')) {
        if (await cancels.wait(ids.taskId, Number(text.slice(5)))) return bus.finished();
      }
      bus.publish(artifact(text.slice(5).trim(), false));
      bus.publish(status('TASK_STATE_COMPLETED', 'done'));
      bus.finished();
    },
    cancelTask: cancels.cancelTask,
  };
}

/** Serve an official-SDK agent on loopback (card, JSON-RPC at /a2a/jsonrpc, REST at /a2a/rest). */
export async function startOfficialAgent(
  card: (baseUrl: string) => AgentCard,
  executor: AgentExecutor = officialEchoExecutor(),
) {
  let app: express.Express | undefined;
  const server = createServer((req, res) => app?.(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const handler = new DefaultRequestHandler(TheirAgentCard.fromJSON(card(baseUrl)), new InMemoryTaskStore(), executor);
  app = express();
  app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: handler }));
  app.use('/a2a/jsonrpc', jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
  app.use('/a2a/rest', restHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
  return {
    baseUrl,
    close: async () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
