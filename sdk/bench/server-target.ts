/**
 * A benchmark target: an echo agent built with our SDK (fastify) or the official @a2a-js/sdk (express), in its own
 * process. Prints its base URL on the first line of stdout. "stream:N" streams N artifact chunks then completes;
 * anything else gets a direct reply. Usage: tsx bench/server-target.ts --impl ours|theirs
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import {
  AgentCard as TheirAgentCard,
  TaskArtifactUpdateEvent as TheirArtifactUpdate,
  Message as TheirMessage,
  TaskStatusUpdateEvent as TheirStatusUpdate,
  Task as TheirTask,
} from '@a2a-js/sdk';
import {
  AgentEvent,
  DefaultRequestHandler,
  type ExecutionEventBus,
  InMemoryTaskStore,
  type RequestContext,
} from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import express from 'express';
import Fastify from 'fastify';
import { echoCard } from '../examples/echo-agent.js';
import { type AgentExecutor, a2aServer } from '../src/server/index.js';

const { values } = parseArgs({ options: { impl: { type: 'string' } } });

const ours: AgentExecutor = {
  async execute(context, events) {
    const part = context.message.parts[0];
    const text = part && 'text' in part ? (part.text as string) : '';
    if (text.startsWith('stream:')) {
      const n = Number(text.slice(7));
      for (let i = 0; i < n; i++)
        events.artifact({ artifactId: 'a', parts: [{ text: `chunk ${i}` }] }, { append: i > 0 });
      events.complete();
    } else events.reply(`echo: ${text}`);
  },
};

function theirs() {
  return {
    async execute(context: RequestContext, bus: ExecutionEventBus) {
      const part = context.userMessage.parts[0];
      const text = part?.content?.$case === 'text' ? part.content.value : '';
      const ids = { taskId: context.taskId, contextId: context.contextId };
      if (text.startsWith('stream:')) {
        const n = Number(text.slice(7));
        bus.publish(
          AgentEvent.task(
            TheirTask.fromJSON({ id: ids.taskId, contextId: ids.contextId, status: { state: 'TASK_STATE_SUBMITTED' } }),
          ),
        );
        for (let i = 0; i < n; i++) {
          bus.publish(
            AgentEvent.artifactUpdate(
              TheirArtifactUpdate.fromJSON({
                ...ids,
                append: i > 0,
                artifact: { artifactId: 'a', parts: [{ text: `chunk ${i}` }] },
              }),
            ),
          );
        }
        bus.publish(
          AgentEvent.statusUpdate(TheirStatusUpdate.fromJSON({ ...ids, status: { state: 'TASK_STATE_COMPLETED' } })),
        );
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
    async cancelTask() {},
  };
}

if (values.impl === 'ours') {
  const app = Fastify({ logger: false });
  let base = '';
  await app.register(a2aServer, { card: () => echoCard(base, { streaming: true }), executor: ours });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(base);
} else if (values.impl === 'theirs') {
  let app: express.Express | undefined;
  const server = createServer((req, res) => app?.(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const handler = new DefaultRequestHandler(
    TheirAgentCard.fromJSON(echoCard(base, { streaming: true })),
    new InMemoryTaskStore(),
    theirs(),
  );
  app = express();
  app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: handler }));
  app.use('/a2a/jsonrpc', jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
  console.log(base);
} else {
  console.error('usage: tsx bench/server-target.ts --impl ours|theirs');
  process.exit(2);
}
