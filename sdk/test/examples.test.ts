/**
 * The runnable example of the sdk README (`sdk/examples/router.ts`): it runs, saves and restores its Router, and
 * refuses bad arguments with a usage error instead of silently running nothing.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
const example = join(import.meta.dirname, '..', 'examples', 'router.ts');

describe('examples/router.ts', () => {
  it('routes, learns and restores its state', async () => {
    const { stdout } = await run(tsx, [example, '--tasks', '20', '--lambda', '4'], { timeout: 60_000 });
    expect(stdout).toMatch(/solved \d+\/20/);
    expect(stdout).toMatch(/restored a router with 20 outcomes learned/);
  }, 60_000);

  const refused: string[][] = [['--tasks', 'abc'], ['--tasks', '0'], ['--lambda=-1'], ['--lambda', '-1'], ['--bogus']];
  it.each(refused.map((args) => ({ line: args.join(' '), args })))(
    'refuses $line with exit status 2 and the usage',
    async ({ args }) => {
      const failed = await run(tsx, [example, ...args], { timeout: 60_000 }).then(
        () => undefined,
        (error: { code?: number; stderr?: string }) => error,
      );
      expect(failed?.code).toBe(2);
      expect(failed?.stderr).toMatch(/Usage:/);
    },
    60_000,
  );
});
