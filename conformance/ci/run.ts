/**
 * CI: run the suite's CLI (core level, both bindings) against our SDK agent with the test-mode executor and against
 * an agent built with the official @a2a-js/sdk, each with its documented list of expected failures
 * (`conformance/ci/expected-failures/*.json`, each entry with its spec reference). Exits non-zero when a run has a
 * mandatory failure that is not on its list.
 *
 *   npx tsx conformance/ci/run.ts [--timeout ms]        (after `npm run build`)
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type RunningAgent, startOfficialAgent, startRightsizeAgent } from './agents.js';

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

const targets: [string, () => Promise<RunningAgent>][] = [
  ['rightsize', () => startRightsizeAgent()],
  ['a2a-js', () => startOfficialAgent()],
];
let failures = 0;
for (const [name, start] of targets) {
  const agent = await start();
  try {
    for (const transport of ['jsonrpc', 'rest']) {
      console.log(`\n--- core level: ${name} agent (${transport}) ---`);
      const code = await runCli([
        '--url',
        agent.baseUrl,
        '--transport',
        transport,
        '--timeout',
        values.timeout,
        '--quiet',
        '--expected-failures',
        join(here, 'expected-failures', `${name}.json`),
      ]);
      if (code !== 0) failures++;
    }
  } finally {
    await agent.close();
  }
}
process.exitCode = failures > 0 ? 1 : 0;
