/** Shared by bench:server and bench:client: spawning targets in their own processes and timing loads. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface Target {
  readonly url: string;
  stop(): Promise<void>;
}

const here = import.meta.dirname;
const tsx = join(here, '..', '..', 'node_modules', '.bin', 'tsx');

/** Start a benchmark target in a child process and wait for its URL. */
export async function startTarget(impl: 'ours' | 'theirs'): Promise<Target> {
  const child: ChildProcess = spawn(tsx, [join(here, 'server-target.ts'), '--impl', impl], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [url] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => {
      throw new Error(`benchmark target ${impl} exited before listening`);
    }),
  ])) as [string];
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

export interface LoadResult {
  readonly requests: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Extra units counted by the operation (e.g. SSE events), per second. */
  readonly unitsPerSecond: number;
  readonly errors: number;
}

/** Run `operation` from `concurrency` loops for `ms` milliseconds; each call resolves with the units it moved. */
export async function runLoad(operation: () => Promise<number>, concurrency: number, ms: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let units = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          units += await operation();
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    Number((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(3));
  return {
    requests: latencies.length,
    perSecond: Math.round(latencies.length / elapsed),
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    unitsPerSecond: Math.round(units / elapsed),
    errors,
  };
}

export const ratio = (a: number, b: number) => (b > 0 ? Number((a / b).toFixed(2)) : null);
