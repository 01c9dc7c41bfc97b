/**
 * CI: run the suite's CLI, both bindings, against
 * - our SDK agent with the test-mode executor (core level);
 * - an agent built with the official @a2a-js/sdk (core level);
 * - our reference broker (@rightsize/reference-server on loopback, PGlite in memory): with our SDK agent registered
 *   (extension level), and with an empty registry where the broker level registers its own probe agents.
 * Each target has its documented list of expected failures (`conformance/ci/expected-failures/*.json`, each entry
 * with its spec reference). The core level is not run against the broker: the broker gives each forwarded message
 * its own messageId, so the TCK scenario conventions (messageId prefixes) cannot reach the agent behind it.
 * Exits non-zero when a run has a mandatory failure that is not on its list.
 *
 *   npx tsx conformance/ci/run.ts [--timeout ms]        (after `npm run build`)
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type RunningAgent, startOfficialAgent, startRightsizeAgent } from './agents.js';
import { ADMIN_KEY, startReferenceBroker } from './broker.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'bin.js');

function runCli(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

const { values } = parseArgs({ options: { timeout: { type: 'string', default: '10000' }, help: { type: 'boolean' } } });
if (values.help) {
  console.log('Usage: npx tsx conformance/ci/run.ts [--timeout ms]');
  process.exit(0);
}

interface Target {
  readonly name: string;
  readonly levels: readonly string[];
  /** Expected-failures file in expected-failures/. */
  readonly expected: string;
  readonly args?: readonly string[];
  start(): Promise<RunningAgent>;
}

/** Our SDK agent behind our broker: the broker is the target, the agent is closed with it. */
async function startBrokerWithAgent(): Promise<RunningAgent> {
  const agent = await startRightsizeAgent({ extension: true });
  try {
    const broker = await startReferenceBroker({}, [agent.baseUrl]);
    return {
      baseUrl: broker.baseUrl,
      close: async () => {
        await broker.close();
        await agent.close();
      },
    };
  } catch (error) {
    await agent.close();
    throw error;
  }
}

const targets: readonly Target[] = [
  { name: 'rightsize agent', levels: ['core'], expected: 'rightsize.json', start: () => startRightsizeAgent() },
  { name: '@a2a-js/sdk agent', levels: ['core'], expected: 'a2a-js.json', start: () => startOfficialAgent() },
  {
    name: 'reference broker with our agent registered',
    levels: ['extension'],
    expected: 'reference-broker.json',
    args: ['--token', ADMIN_KEY],
    start: startBrokerWithAgent,
  },
  {
    // An empty registry: the broker level registers its probes (the transient-refusal check needs only them).
    name: 'reference broker',
    levels: ['broker'],
    expected: 'reference-broker.json',
    args: ['--token', ADMIN_KEY],
    start: () => startReferenceBroker(),
  },
];
let failures = 0;
for (const target of targets) {
  const running = await target.start();
  try {
    for (const level of target.levels)
      for (const transport of ['jsonrpc', 'rest']) {
        console.log(`\n--- ${level} level: ${target.name} (${transport}) ---`);
        const code = await runCli([
          '--url',
          running.baseUrl,
          '--level',
          level,
          '--transport',
          transport,
          '--timeout',
          values.timeout,
          '--quiet',
          '--expected-failures',
          join(here, 'expected-failures', target.expected),
          ...(target.args ?? []),
        ]);
        if (code !== 0) failures++;
      }
  } finally {
    await running.close();
  }
}
process.exitCode = failures > 0 ? 1 : 0;
