/**
 * The short form of `npm run soak` in CI (issue 14): a few seconds of mixed streaming and non-streaming load on the
 * broker with the simulated demo fleet, one agent restarted; 0 lost tasks, no errors apart from injected faults,
 * memory within the bound. The long form (`npm run soak -- --seconds 600`) is documented in docs/reliability.md.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

it('soak (short form): 0 lost, no unexpected errors, bounded memory', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      'reference-server/bench/soak.ts',
      '--seconds',
      '6',
      '--restart-every',
      '2',
      '--concurrency',
      '4',
      '--json',
    ],
    { cwd: ROOT, timeout: 150_000 },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
  console.info(`soak short form: ${JSON.stringify(result)}`);
  expect(result.sent).toBeGreaterThan(0);
  expect(result.restarts).toBeGreaterThan(0);
  expect(result.lost).toBe(0);
  expect(result.errors).toBe(0);
  expect(result.targets.memory).toBe(true);
}, 180_000);
