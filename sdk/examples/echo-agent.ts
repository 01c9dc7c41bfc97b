/**
 * A runnable echo agent on the Rightsize SDK: `npx tsx sdk/examples/echo-agent.ts [--port 41241]`.
 * "task: <text>" makes it run a task (working → artifact → completed); "stream: <n>" streams n artifact chunks;
 * "ask: …" asks for input; "slow: <ms>" works for that long and can be
 * canceled; anything else gets a direct message reply.
 */
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import type { AgentCard } from '../src/a2a/model/index.js';
import { type AgentExecutor, a2aServer, agentServerOptions } from '../src/server/index.js';

export function echoCard(
  baseUrl: string,
  capabilities: AgentCard['capabilities'] = { streaming: true, pushNotifications: true },
): AgentCard {
  return {
    name: 'Echo Agent',
    description: 'Replies with the text it receives (an example agent of the Rightsize SDK).',
    supportedInterfaces: [
      { url: `${baseUrl}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: `${baseUrl}/a2a/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    ],
    version: '0.1.0',
    capabilities,
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'echo', name: 'Echo', description: 'Returns the input text.', tags: ['echo'] }],
  };
}

export const echoExecutor: AgentExecutor = {
  async execute(context, events) {
    const part = context.message.parts[0];
    const text = part && 'text' in part ? (part.text ?? '') : '';
    if (text.startsWith('stream:')) {
      const n = Number(text.slice(7)) || 1;
      for (let i = 0; i < n; i++)
        events.artifact({ artifactId: 'stream', parts: [{ text: `chunk ${i}` }] }, { append: i > 0 });
      events.complete();
    } else if (text.startsWith('task:')) {
      events.working('echoing');
      events.artifact({ artifactId: 'echo', name: 'echo', parts: [{ text: text.slice(5).trim() }] });
      events.complete('done');
    } else if (text.startsWith('slow:')) {
      events.working('waiting');
      const ms = Number(text.slice(5)) || 1000;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        context.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      events.complete('waited');
    } else if (text.startsWith('ask:')) {
      events.inputRequired('what else?');
    } else {
      events.reply(`echo: ${text}`);
    }
  },
};

/** Start the echo agent on loopback; resolves with the fastify app and its base URL. */
export async function startEchoAgent(options: { port?: number; capabilities?: AgentCard['capabilities'] } = {}) {
  // Request and keep-alive timeouts, so slow clients cannot hold connections open (see agentServerOptions).
  const app = Fastify(agentServerOptions());
  let baseUrl = '';
  await app.register(a2aServer, { card: () => echoCard(baseUrl, options.capabilities), executor: echoExecutor });
  baseUrl = await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  return { app, baseUrl };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('Usage: npx tsx sdk/examples/echo-agent.ts [--port 41241]');
    process.exit(0);
  }
  const { baseUrl } = await startEchoAgent({ port: Number(values.port ?? 41241) });
  console.log(`Echo agent listening: ${baseUrl}/.well-known/agent-card.json`);
}
