/**
 * Shared by bench:server, bench:client and bench:broker: spawning targets in their own processes, the A2A operations
 * they send, and timing loads.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Pool } from 'undici';

export interface Target {
  readonly url: string;
  /** CPU time the target process has used so far (µs, user + system). */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

const here = import.meta.dirname;
const tsx = join(here, '..', '..', 'node_modules', '.bin', 'tsx');

/** Start a benchmark target in a child process and wait for its URL. */
export function startTarget(impl: 'ours' | 'theirs' | 'bare'): Promise<Target> {
  return startProcess(join(here, 'server-target.ts'), ['--impl', impl]);
}

/**
 * Run a TypeScript benchmark process (with tsx) that prints its base URL on its first stdout line and answers each
 * "cpu" line on stdin with its CPU time so far (µs, user + system); wait for the URL.
 */
export async function startProcess(script: string, args: readonly string[]): Promise<Target> {
  const child: ChildProcess = spawn(tsx, [script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [url] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => {
      throw new Error(`benchmark process ${script} ${args.join(' ')} exited before listening`);
    }),
  ])) as [string];
  return {
    url,
    async cpuMicros() {
      child.stdin?.write('cpu\n');
      const [line] = (await once(lines, 'line')) as [string];
      return Number(line);
    },
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** For a benchmark process: exit normally on a signal (so `node --cpu-prof` writes its profile) and answer "cpu". */
export function serveCpuQueries(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'cpu') {
      const { user, system } = process.cpuUsage();
      console.log(user + system);
    }
  });
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

/**
 * The two loads every A2A benchmark sends over JSON-RPC on `pool`: SendMessage "hello" (1 unit) and
 * SendStreamingMessage "stream:<chunks>" (its SSE events as units). `body` builds the request body for a method and
 * text.
 */
export function jsonRpcOperations(pool: Pool, body: (method: string, text: string) => string, chunks: number) {
  const headers = { 'content-type': 'application/json', 'a2a-version': '1.0' };
  return {
    send: async () => {
      const r = await pool.request({
        path: '/a2a/jsonrpc',
        method: 'POST',
        headers,
        body: body('SendMessage', 'hello'),
      });
      const answer = (await r.body.json()) as { result?: unknown };
      if (r.statusCode !== 200 || !answer.result) throw new Error('bad answer');
      return 1;
    },
    stream: async () => {
      const r = await pool.request({
        path: '/a2a/jsonrpc',
        method: 'POST',
        headers: { ...headers, accept: 'text/event-stream' },
        body: body('SendStreamingMessage', `stream:${chunks}`),
      });
      const text = await r.body.text();
      // Frames may start with an `id:` line (ours: the per-task sequence number).
      const events = text.split('\n\n').filter((e) => e.includes('data:')).length;
      if (events < chunks) throw new Error(`short stream: ${events}`);
      return events;
    },
  };
}

export const ratio = (a: number, b: number) => (b > 0 ? Number((a / b).toFixed(2)) : null);

export interface Sample {
  readonly unary: LoadResult;
  readonly streaming: LoadResult;
}

export type Impl = 'ours' | 'theirs';

/** Run both implementations in alternating order, `rounds` times. */
export async function alternate(rounds: number, run: (impl: Impl) => Promise<Sample>, log: (s: string) => void) {
  const samples: Record<Impl, Sample[]> = { ours: [], theirs: [] };
  for (let round = 0; round < rounds; round++) {
    for (const impl of round % 2 === 0 ? (['ours', 'theirs'] as const) : (['theirs', 'ours'] as const)) {
      log(`round ${round + 1}/${rounds}: ${impl}`);
      samples[impl].push(await run(impl));
    }
  }
  return samples;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Medians over the rounds. */
export function summarise(samples: readonly Sample[]) {
  return {
    sendMessagePerSecond: median(samples.map((s) => s.unary.perSecond)),
    sendMessageP50Ms: median(samples.map((s) => s.unary.p50Ms)),
    sendMessageP99Ms: median(samples.map((s) => s.unary.p99Ms)),
    streamedEventsPerSecond: median(samples.map((s) => s.streaming.unitsPerSecond)),
    errors: samples.reduce((n, s) => n + s.unary.errors + s.streaming.errors, 0),
  };
}

/** Prints one JSON object (with --json) or a table, comparing ours with the baseline in the same run. */
export function reportComparison(
  options: {
    benchmark: string;
    baseline: string;
    labels: Record<Impl, string>;
    environment: Record<string, unknown>;
    json: boolean;
    /** A framework ceiling measured in the same run (e.g. a bare fastify JSON endpoint): unary samples only. */
    ceiling?: { label: string; samples: readonly LoadResult[] };
    /** Further figures to print and put in the JSON object. */
    extra?: Record<string, unknown>;
  },
  samples: Record<Impl, Sample[]>,
): void {
  const ours = summarise(samples.ours);
  const theirs = summarise(samples.theirs);
  const ceiling = options.ceiling && {
    label: options.ceiling.label,
    sendMessagePerSecond: median(options.ceiling.samples.map((s) => s.perSecond)),
    sendMessageP50Ms: median(options.ceiling.samples.map((s) => s.p50Ms)),
    sendMessageP99Ms: median(options.ceiling.samples.map((s) => s.p99Ms)),
  };
  const ratios = {
    sendMessageThroughput: ratio(ours.sendMessagePerSecond, theirs.sendMessagePerSecond),
    sendMessageP99: ratio(theirs.sendMessageP99Ms, ours.sendMessageP99Ms),
    streamedEvents: ratio(ours.streamedEventsPerSecond, theirs.streamedEventsPerSecond),
    ...(ceiling ? { sendMessageVsCeiling: ratio(ours.sendMessagePerSecond, ceiling.sendMessagePerSecond) } : {}),
  };
  const environment = { node: process.version, ...options.environment };
  if (options.json) {
    console.log(
      JSON.stringify({
        benchmark: options.benchmark,
        baseline: options.baseline,
        environment,
        ours,
        theirs,
        ...(ceiling ? { ceiling } : {}),
        ratios,
        ...options.extra,
      }),
    );
    return;
  }
  console.log(`${options.benchmark} (${JSON.stringify(environment)}, medians)\n`);
  console.log(
    '| implementation | SendMessage req/s | p50 ms | p99 ms | streamed events/s |\n|---|---:|---:|---:|---:|',
  );
  for (const impl of ['ours', 'theirs'] as const) {
    const s = impl === 'ours' ? ours : theirs;
    console.log(
      `| ${options.labels[impl]} | ${s.sendMessagePerSecond} | ${s.sendMessageP50Ms} | ${s.sendMessageP99Ms} | ${s.streamedEventsPerSecond} |`,
    );
  }
  if (ceiling) {
    console.log(
      `| ${ceiling.label} (ceiling) | ${ceiling.sendMessagePerSecond} | ${ceiling.sendMessageP50Ms} | ${ceiling.sendMessageP99Ms} | – |`,
    );
  }
  console.log(
    `\nratios (ours ÷ baseline): throughput ${ratios.sendMessageThroughput}×, streamed events ${ratios.streamedEvents}×, p99 (baseline ÷ ours) ${ratios.sendMessageP99}×`,
  );
  if (ceiling) console.log(`ours ÷ ceiling: throughput ${ratios.sendMessageVsCeiling}×`);
  if (options.extra) console.log(JSON.stringify(options.extra));
}

/**
 * Options shared by bench:server, bench:client and bench:broker (validated), plus a progress logger that --json
 * silences. `defaults` sets another default concurrency.
 */
export function comparisonOptions(
  usage: string,
  extra: Record<string, { type: 'string' }> = {},
  defaults: { concurrency?: number } = {},
) {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean' },
      concurrency: { type: 'string' },
      ms: { type: 'string' },
      rounds: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...extra,
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const concurrency = Number(values.concurrency ?? defaults.concurrency ?? 32);
  const ms = Number(values.ms ?? 3000);
  const rounds = Number(values.rounds ?? 3);
  if (![concurrency, ms, rounds].every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error('--concurrency, --ms and --rounds must be positive integers');
  }
  const json = values.json === true;
  const log = (line: string) => {
    if (!json) console.error(line);
  };
  return { values: values as Record<string, string | boolean | undefined>, json, concurrency, ms, rounds, log };
}
