/**
 * The benchmarks run end to end on small inputs and print one JSON object with --json (their figures are recorded
 * in the READMEs; these runs only keep them working and check their structure and basic sanity).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bench = (name: string) => join(import.meta.dirname, '..', 'bench', name);
const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');

async function json(file: string, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(tsx, [bench(file), ...args, '--json'], { timeout: 120_000 });
  return JSON.parse(stdout);
}

describe('benchmarks (smoke)', () => {
  it('bench:validate reports ops/s and ratios against JSON.parse', async () => {
    const out = await json('validate.ts', ['--rounds', '1', '--round-ms', '20']);
    expect(out).toMatchObject({ benchmark: 'bench:validate', baseline: 'JSON.parse' });
    const results = out.results as Array<{ ratios: Record<string, number> }>;
    expect(results).toHaveLength(2);
    expect(results[0]?.ratios['JSON.parse']).toBe(1);
  });

  it('bench:match reports indexed and full-scan figures with ratios', async () => {
    const out = await json('match.ts', ['--sizes', '10,300', '--ms', '100']);
    expect(out).toMatchObject({ benchmark: 'bench:match', simulated: true });
    const results = out.results as Array<{
      agents: number;
      ratios: Record<string, number>;
      indexed: { opsPerSec: number };
    }>;
    expect(results.map((r) => r.agents)).toEqual([10, 300]);
    for (const r of results) expect(r.indexed.opsPerSec).toBeGreaterThan(0);
  });

  it('bench:server and bench:client compare us with the official SDK in the same run', async () => {
    for (const file of ['server.ts', 'client.ts']) {
      const out = await json(file, ['--ms', '300', '--rounds', '1', '--concurrency', '4']);
      expect(out).toHaveProperty('ratios');
      const ours = out.ours as { sendMessagePerSecond: number; errors: number };
      const theirs = out.theirs as { sendMessagePerSecond: number; errors: number };
      expect(ours.sendMessagePerSecond).toBeGreaterThan(0);
      expect(theirs.sendMessagePerSecond).toBeGreaterThan(0);
      expect(ours.errors).toBe(0);
      if (file === 'server.ts') {
        expect(out).toHaveProperty('ratios.sendMessageVsCeiling');
        expect(out).toHaveProperty('longStream.streamMs');
      }
    }
  }, 120_000);

  it('bench:routing compares every strategy against the oracles on every workload', async () => {
    const out = await json('routing.ts', ['--tasks', '200', '--no-write']);
    expect(out).toMatchObject({ benchmark: 'bench:routing', simulated: true });
    const workloads = out.workloads as Array<{
      workload: string;
      strategies: Array<{ strategy: string; successRate: number }>;
    }>;
    expect(workloads.map((w) => w.workload)).toEqual(['voice', 'mixed', 'hard']);
    for (const w of workloads) {
      const rate = (name: string) => w.strategies.find((s) => s.strategy.startsWith(name))?.successRate ?? Number.NaN;
      expect(w.strategies).toHaveLength(9);
      expect(rate('hindsight-oracle')).toBeGreaterThanOrEqual(rate('random'));
      expect(rate('informed-oracle')).toBeGreaterThanOrEqual(rate('random'));
    }
    expect(out.targets).toHaveProperty('mixedOracleShare');
  }, 120_000);
});
