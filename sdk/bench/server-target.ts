/**
 * A benchmark target in its own process: our example echo agent (fastify), the official @a2a-js/sdk echo agent
 * (express; the simulated agent of the interop tests), or a bare fastify JSON endpoint (the framework's ceiling: it
 * parses the JSON-RPC body and answers a direct reply, with no A2A validation, store or executor). The agents answer
 * "stream: N" with N artifact chunks and anything else with a direct reply. Prints the base URL on the first line.
 * Usage: tsx bench/server-target.ts --impl ours|theirs|bare
 */
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { echoCard, startEchoAgent } from '../examples/echo-agent.js';
import { startOfficialAgent } from '../test/support/official-agent.js';
import { serveCpuQueries } from './load.js';

const { values } = parseArgs({ options: { impl: { type: 'string' } } });
// "cpu" on stdin: this process's CPU time so far, so the parent can measure CPU per request.
serveCpuQueries();
if (values.impl === 'ours') {
  console.log((await startEchoAgent({ capabilities: { streaming: true } })).baseUrl);
} else if (values.impl === 'theirs') {
  console.log((await startOfficialAgent((url) => echoCard(url, { streaming: true }))).baseUrl);
} else if (values.impl === 'bare') {
  const app = Fastify();
  app.post('/a2a/jsonrpc', async (request) => {
    const body = request.body as { id?: unknown; params?: { message?: { parts?: Array<{ text?: string }> } } };
    const text = body.params?.message?.parts?.[0]?.text ?? '';
    return {
      jsonrpc: '2.0',
      id: body.id ?? null,
      result: { message: { messageId: crypto.randomUUID(), role: 'ROLE_AGENT', parts: [{ text: `echo: ${text}` }] } },
    };
  });
  console.log(await app.listen({ port: 0, host: '127.0.0.1' }));
} else {
  console.error('usage: tsx bench/server-target.ts --impl ours|theirs|bare');
  process.exit(2);
}
