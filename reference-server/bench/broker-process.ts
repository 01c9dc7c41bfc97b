/**
 * One side of bench:broker's separate-process topology (as deployed: load generator, broker and agent each in its
 * own process): `--role agent` runs the SIMULATED echo agent; `--role broker --agent <card URL>` runs the broker
 * (embedded PGlite in memory, or `--database-url`) with that agent registered. Prints the base URL on the first line
 * and answers "cpu" on stdin with its CPU time so far.
 * Usage: tsx bench/broker-process.ts --role agent | --role broker --agent URL [--database-url postgres://…]
 */
import { parseArgs } from 'node:util';
import { serveCpuQueries } from '../../sdk/bench/load.js';
import { createBroker } from '../src/index.js';
import { startEcho } from './echo-agent.js';

const { values } = parseArgs({
  options: { role: { type: 'string' }, agent: { type: 'string' }, 'database-url': { type: 'string' } },
});
serveCpuQueries();
if (values.role === 'agent') console.log((await startEcho()).url);
else if (values.role === 'broker' && values.agent) {
  const databaseUrl = values['database-url'];
  const broker = await createBroker({
    allowPrivateNetworks: true,
    healthIntervalMs: 0,
    ...(databaseUrl ? { databaseUrl } : {}),
  });
  const url = await broker.listen();
  await broker.registry.register(values.agent);
  console.log(url);
} else {
  console.error('usage: tsx bench/broker-process.ts --role agent | --role broker --agent URL [--database-url URL]');
  process.exit(2);
}
