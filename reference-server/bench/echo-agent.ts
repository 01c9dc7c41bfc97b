/**
 * The SIMULATED echo agent of bench:broker: a direct reply for "hello", a task streaming n artifact chunks for
 * "stream:n". It answers at once; its profile makes it the broker's only (and so chosen) agent for `general` tasks.
 */
import { RIGHTSIZE_EXTENSION_URI, withCapabilityProfile } from '@rightsize/sdk/rightsize';
import { a2aServer } from '@rightsize/sdk/server';
import Fastify from 'fastify';

export async function startEcho() {
  const app = Fastify();
  let url = '';
  await app.register(a2aServer, {
    card: () =>
      withCapabilityProfile(
        {
          name: 'echo (simulated)',
          description: 'SIMULATED echo agent for bench:broker.',
          supportedInterfaces: [{ url: `${url}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
          version: '1.0.0',
          capabilities: { streaming: true },
          defaultInputModes: ['text/plain'],
          defaultOutputModes: ['text/plain'],
          skills: [{ id: 'echo', name: 'Echo', description: 'Echoes.', tags: ['echo'] }],
        },
        {
          domains: [{ domain: 'general', ability: 10 }],
          reasoning: { mode: 'none' },
          latency: { ttftMs: { p50: 1, p95: 2 }, outputTokensPerSecond: 1000, networkRttMs: 0 },
          placement: { placement: 'edge' },
          cost: { currency: 'USD', perTask: 0.000001 },
        },
      ),
    executor: {
      async execute(context, events) {
        const text = context.message.parts.map((p) => ('text' in p ? p.text : '')).join('');
        if (!text.startsWith('stream:')) return events.reply(`echo: ${text}`);
        const n = Number(text.slice(7));
        for (let i = 0; i < n; i++)
          events.artifact({ artifactId: 'echo', parts: [{ text: `chunk ${i}` }] }, { append: i > 0 });
        events.complete();
      },
    },
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url };
}

/** The request body bench:broker sends: a `general` task of declared complexity 1 with the Rightsize extension. */
export const benchBody = (method: string, text: string) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method,
    params: {
      message: {
        messageId: crypto.randomUUID(),
        role: 'ROLE_USER',
        parts: [{ text }],
        extensions: [RIGHTSIZE_EXTENSION_URI],
        metadata: {
          [RIGHTSIZE_EXTENSION_URI]: { descriptor: { domain: 'general', complexity: { value: 1, sigma: 0.2 } } },
        },
      },
    },
  });
