/**
 * A benchmark target in its own process: our example echo agent (fastify) or the official @a2a-js/sdk echo agent
 * (express; the simulated agent of the interop tests). Both answer "stream: N" with N artifact chunks and anything
 * else with a direct reply. Prints the base URL on the first line of stdout.
 * Usage: tsx bench/server-target.ts --impl ours|theirs
 */
import { parseArgs } from 'node:util';
import { echoCard, startEchoAgent } from '../examples/echo-agent.js';
import { startOfficialAgent } from '../test/support/official-agent.js';

const { values } = parseArgs({ options: { impl: { type: 'string' } } });
if (values.impl === 'ours') {
  console.log((await startEchoAgent({ capabilities: { streaming: true } })).baseUrl);
} else if (values.impl === 'theirs') {
  console.log((await startOfficialAgent((url) => echoCard(url, { streaming: true }))).baseUrl);
} else {
  console.error('usage: tsx bench/server-target.ts --impl ours|theirs');
  process.exit(2);
}
