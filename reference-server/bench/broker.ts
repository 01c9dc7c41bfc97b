/**
 * bench:broker — what routing through the broker costs: client → broker → echo agent against client → echo agent
 * directly, side by side in one run (rounds alternate), on the embedded store (PGlite in memory) and, when a
 * PostgreSQL URL is given, on PostgreSQL (a fresh database, dropped afterwards). Non-streaming SendMessage at a fixed
 * concurrency (p50, p99, requests/s, and the CPU spent per request: the steadiest figure on a loaded machine),
 * SendMessage one request at a time (concurrency 1: the hop's own latency, nothing queued before it) and streaming
 * SendStreamingMessage (events/s). The echo agent is SIMULATED (it answers at once). The load loop, medians and ratios
 * are sdk/bench/load.ts's, shared with bench:server and bench:client.
 *
 * Two topologies, both in the default run:
 * - `processes` (as deployed; the targets are judged on it): the load generator (this process), the broker and the
 *   agent each in its own process (`broker-process.ts`); direct = this process → agent process. CPU per request is
 *   reported per process and summed. Measured on the stores named by `--processes-stores` (default: embedded), without
 *   the streaming load, to keep the run under three minutes.
 * - `one-process`: load generator, broker and agent share this process and its event loop (the broker competes with
 *   the load it serves); CPU per request is this process's.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Pool } from 'undici';
import {
  alternate,
  comparisonOptions,
  jsonRpcOperations,
  type LoadResult,
  median,
  ratio,
  runLoad,
  type Sample,
  startProcess,
  summarise,
  type Target,
} from '../../sdk/bench/load.js';
import { createBroker } from '../src/index.js';
import { benchBody, startEcho } from './echo-agent.js';

const { values, json, concurrency, ms, rounds, log } = comparisonOptions(
  'Usage: npm run -s bench:broker [-- --json] [--concurrency 16] [--ms 3000] [--rounds 3] [--chunks 20] [--database-url postgres://…]\n' +
    '  [--processes-stores embedded,postgres] (stores measured in the separate-process topology; default embedded)\n' +
    '(PostgreSQL also from RIGHTSIZE_TEST_DATABASE_URL; without one only the embedded store is measured)',
  { chunks: { type: 'string' }, 'database-url': { type: 'string' }, 'processes-stores': { type: 'string' } },
  { concurrency: 16 },
);
const chunks = Number(values.chunks ?? 20);
const postgresUrl = (values['database-url'] as string | undefined) ?? process.env.RIGHTSIZE_TEST_DATABASE_URL;
const processesStores = new Set(((values['processes-stores'] as string | undefined) ?? 'embedded').split(','));

type Store = 'embedded' | 'postgres';
type Topology = 'processes' | 'one-process';
/** CPU time so far (µs) of each process taking part; one-process: this one only. */
type CpuReader = () => Promise<Record<string, number>>;

const ownCpu = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

interface Measured extends Sample {
  /** CPU per SendMessage at the fixed concurrency, per process (µs). */
  readonly cpu: Record<string, number>;
  readonly unloaded: LoadResult;
}

/** One round against `baseUrl`: SendMessage at the fixed concurrency, streaming (optional), then concurrency 1. */
async function measure(baseUrl: string, readCpu: CpuReader, streaming: boolean): Promise<Measured> {
  const pool = new Pool(baseUrl, { connections: concurrency });
  const { send, stream } = jsonRpcOperations(pool, benchBody, chunks);
  try {
    await runLoad(send, concurrency, 300);
    const before = await readCpu();
    const unary = await runLoad(send, concurrency, ms);
    const after = await readCpu();
    const none: LoadResult = { requests: 0, perSecond: 0, p50Ms: 0, p99Ms: 0, unitsPerSecond: 0, errors: 0 };
    const streamed = streaming ? await runLoad(stream, Math.max(1, concurrency / 4), ms) : none;
    const unloaded = await runLoad(send, 1, ms);
    const perRequest = (name: string) =>
      Math.round(((after[name] ?? 0) - (before[name] ?? 0)) / Math.max(1, unary.requests));
    return {
      unary,
      streaming: streamed,
      unloaded,
      cpu: Object.fromEntries(Object.keys(after).map((name) => [name, perRequest(name)])),
    };
  } finally {
    await pool.close();
  }
}

const total = (cpu: Record<string, number>) => Object.values(cpu).reduce((a, b) => a + b, 0);

/** Per-process medians over the rounds. */
const medianCpu = (xs: readonly Record<string, number>[]) =>
  Object.fromEntries(Object.keys(xs[0] ?? {}).map((name) => [name, median(xs.map((x) => x[name] ?? 0))]));

interface Setup {
  readonly directUrl: string;
  readonly routedUrl: string;
  readonly readCpu: CpuReader;
  close(): Promise<void>;
}

/** Broker, agent and load in this process. */
async function oneProcess(databaseUrl: string | undefined): Promise<Setup> {
  const echo = await startEcho();
  const broker = await createBroker({
    allowPrivateNetworks: true,
    healthIntervalMs: 0,
    ...(databaseUrl ? { databaseUrl } : {}),
  });
  const routedUrl = await broker.listen();
  await broker.registry.register(`${echo.url}/.well-known/agent-card.json`);
  return {
    directUrl: echo.url,
    routedUrl,
    readCpu: async () => ({ process: ownCpu() }),
    async close() {
      await broker.close();
      await echo.app.close();
    },
  };
}

/** The agent and the broker in their own processes; the load in this one. */
async function separateProcesses(databaseUrl: string | undefined): Promise<Setup> {
  const script = join(import.meta.dirname, 'broker-process.ts');
  const agent = await startProcess(script, ['--role', 'agent']);
  let broker: Target | undefined;
  try {
    broker = await startProcess(script, [
      '--role',
      'broker',
      '--agent',
      `${agent.url}/.well-known/agent-card.json`,
      ...(databaseUrl ? ['--database-url', databaseUrl] : []),
    ]);
  } catch (error) {
    await agent.stop();
    throw error;
  }
  const running = broker;
  return {
    directUrl: agent.url,
    routedUrl: running.url,
    readCpu: async () => ({
      loadGenerator: ownCpu(),
      broker: await running.cpuMicros(),
      agent: await agent.cpuMicros(),
    }),
    async close() {
      await running.stop();
      await agent.stop();
    },
  };
}

async function benchStore(store: Store, topology: Topology, databaseUrl?: string) {
  const setup = await (topology === 'processes' ? separateProcesses : oneProcess)(databaseUrl);
  const streaming = topology === 'one-process';
  try {
    const cpu = { ours: [] as Record<string, number>[], theirs: [] as Record<string, number>[] };
    const unloaded = { ours: [] as LoadResult[], theirs: [] as LoadResult[] };
    // ours = routed through the broker, theirs = straight to the agent; rounds alternate which goes first.
    const samples = await alternate(
      rounds,
      async (impl) => {
        const sample = await measure(impl === 'ours' ? setup.routedUrl : setup.directUrl, setup.readCpu, streaming);
        cpu[impl].push(sample.cpu);
        unloaded[impl].push(sample.unloaded);
        log(
          `${store} ${topology} ${impl === 'ours' ? 'routed' : 'direct'}: ${sample.unary.perSecond} req/s p50 ${sample.unary.p50Ms} ms, CPU µs/request ${JSON.stringify(sample.cpu)}`,
        );
        return sample;
      },
      log,
    );
    const d = summarise(samples.theirs);
    const r = summarise(samples.ours);
    const cpuDirect = medianCpu(cpu.theirs);
    const cpuRouted = medianCpu(cpu.ours);
    const p50 = (xs: LoadResult[]) => median(xs.map((x) => x.p50Ms));
    const p99 = (xs: LoadResult[]) => median(xs.map((x) => x.p99Ms));
    const perProcess = (x: Record<string, number>) => (topology === 'processes' ? { cpuMicrosByProcess: x } : {});
    return {
      store,
      topology,
      direct: { ...d, cpuMicrosPerRequest: total(cpuDirect), ...perProcess(cpuDirect) },
      routed: { ...r, cpuMicrosPerRequest: total(cpuRouted), ...perProcess(cpuRouted) },
      addedP50Ms: Number((r.sendMessageP50Ms - d.sendMessageP50Ms).toFixed(3)),
      addedP99Ms: Number((r.sendMessageP99Ms - d.sendMessageP99Ms).toFixed(3)),
      addedCpuMicrosPerRequest: total(cpuRouted) - total(cpuDirect),
      throughputRatio: ratio(r.sendMessagePerSecond, d.sendMessagePerSecond) ?? 0,
      cpuRatio: ratio(total(cpuDirect), total(cpuRouted)) ?? 0,
      streamEventsRatio: streaming ? (ratio(r.streamedEventsPerSecond, d.streamedEventsPerSecond) ?? 0) : null,
      /** SendMessage one at a time (concurrency 1): the hop's own latency, nothing queued before it. */
      concurrency1: {
        direct: { p50Ms: p50(unloaded.theirs), p99Ms: p99(unloaded.theirs) },
        routed: { p50Ms: p50(unloaded.ours), p99Ms: p99(unloaded.ours) },
        addedP50Ms: Number((p50(unloaded.ours) - p50(unloaded.theirs)).toFixed(3)),
        addedP99Ms: Number((p99(unloaded.ours) - p99(unloaded.theirs)).toFixed(3)),
      },
    };
  } finally {
    await setup.close();
  }
}

async function withFreshPostgres<T>(url: string, run: (databaseUrl: string) => Promise<T>): Promise<T> {
  const name = `rs_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  try {
    return await run(target.href);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

const results: Array<Awaited<ReturnType<typeof benchStore>>> = [];
for (const topology of ['processes', 'one-process'] as const) {
  if (topology === 'one-process' || processesStores.has('embedded'))
    results.push(await benchStore('embedded', topology));
  if (!postgresUrl || (topology === 'processes' && !processesStores.has('postgres'))) continue;
  results.push(await withFreshPostgres(postgresUrl, (url) => benchStore('postgres', topology, url)));
}
if (!postgresUrl) log('no PostgreSQL URL (--database-url or RIGHTSIZE_TEST_DATABASE_URL): PostgreSQL not measured');
const targets = { addedP50Ms: 1.5, throughputRatio: 0.5 };
const verdict = (x: (typeof results)[number] | undefined) =>
  x && {
    addedP50Ms: x.addedP50Ms <= targets.addedP50Ms,
    throughputRatio: x.throughputRatio >= targets.throughputRatio,
    /** The latency target read as the unloaded hop (concurrency 1): an interpretation, reported beside. */
    addedP50MsAtConcurrency1: x.concurrency1.addedP50Ms <= targets.addedP50Ms,
  };
const find = (topology: Topology) => results.find((x) => x.store === 'embedded' && x.topology === topology);
const report = {
  bench: 'broker',
  simulated: 'the echo agent answers at once',
  settings: {
    concurrency,
    ms,
    rounds,
    chunks,
    node: process.version,
    loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
  },
  results,
  targets,
  /** The targets, judged on the embedded store in the separate-process topology (load, broker, agent as deployed). */
  met: verdict(find('processes')) ?? null,
  /** The same verdicts with load generator, broker and agent sharing one process and event loop. */
  metOneProcess: verdict(find('one-process')) ?? null,
};
if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
else {
  const rows = results.flatMap((x) => [
    `| ${x.store} | ${x.topology} | direct | ${x.direct.sendMessagePerSecond} | ${x.direct.sendMessageP50Ms} | ${x.direct.sendMessageP99Ms} | ${x.concurrency1.direct.p50Ms} | ${x.direct.cpuMicrosPerRequest} | ${x.streamEventsRatio === null ? '–' : x.direct.streamedEventsPerSecond} |`,
    `| ${x.store} | ${x.topology} | routed | ${x.routed.sendMessagePerSecond} | ${x.routed.sendMessageP50Ms} | ${x.routed.sendMessageP99Ms} | ${x.concurrency1.routed.p50Ms} | ${x.routed.cpuMicrosPerRequest} | ${x.streamEventsRatio === null ? '–' : x.routed.streamedEventsPerSecond} |`,
  ]);
  const said = (ok: boolean | undefined) => (ok ? 'met' : 'MISSED');
  process.stdout.write(
    [
      `| store | topology | path | SendMessage req/s | p50 ms | p99 ms | p50 ms at c1 | CPU µs/request | stream events/s |`,
      '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      ...results.map(
        (x) =>
          `${x.store}, ${x.topology}: added p50 ${x.addedP50Ms} ms, p99 ${x.addedP99Ms} ms at concurrency ${concurrency}; added p50 ${x.concurrency1.addedP50Ms} ms at concurrency 1; throughput ${x.throughputRatio}× direct; CPU per request ${x.cpuRatio}× (direct ÷ routed)${x.streamEventsRatio === null ? '' : `; stream events ${x.streamEventsRatio}× direct`}${'cpuMicrosByProcess' in x.routed ? `; routed CPU µs by process ${JSON.stringify(x.routed.cpuMicrosByProcess)}` : ''}`,
      ),
      ...(['processes', 'one-process'] as const).map((topology) => {
        const v = verdict(find(topology));
        return v
          ? `targets on the embedded store, ${topology}: added p50 ≤ 1.5 ms at concurrency ${concurrency} ${said(v.addedP50Ms)}, throughput ≥ 0.5× ${said(v.throughputRatio)}; added p50 at concurrency 1 (interpretation) ${said(v.addedP50MsAtConcurrency1)}`
          : `${topology}: not measured`;
      }),
      '',
    ].join('\n'),
  );
}
