/**
 * bench:broker — what routing through the broker costs: client → broker → echo agent against client → echo agent
 * directly, side by side in one run (rounds alternate), on the embedded store (PGlite in memory) and, when a
 * PostgreSQL URL is given, on PostgreSQL (a fresh database, dropped afterwards). Non-streaming SendMessage at a fixed
 * concurrency (p50, p99, requests/s, and the CPU the process spent per request: the steadiest figure on a loaded
 * machine) and streaming SendStreamingMessage (events/s). The echo agent is SIMULATED (it answers at once); the
 * broker, the agent and the load generator share this process and its cores. The load loop, medians and ratios are
 * sdk/bench/load.ts's, shared with bench:server and bench:client. Besides the fixed concurrency, the SendMessage
 * latency at concurrency 1 (one request at a time: the unloaded cost of the hop, without queueing behind other
 * requests) is measured in the same rounds and reported separately.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { RIGHTSIZE_EXTENSION_URI, withCapabilityProfile } from '@rightsize/sdk/rightsize';
import { a2aServer } from '@rightsize/sdk/server';
import Fastify from 'fastify';
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
  summarise,
} from '../../sdk/bench/load.js';
import { createBroker } from '../src/index.js';

const { values, json, concurrency, ms, rounds, log } = comparisonOptions(
  'Usage: npm run -s bench:broker [-- --json] [--concurrency 16] [--ms 3000] [--rounds 3] [--chunks 20] [--database-url postgres://…]\n' +
    '(PostgreSQL also from RIGHTSIZE_TEST_DATABASE_URL; without one only the embedded store is measured)',
  { chunks: { type: 'string' }, 'database-url': { type: 'string' } },
  { concurrency: 16 },
);
const chunks = Number(values.chunks ?? 20);
const postgresUrl = (values['database-url'] as string | undefined) ?? process.env.RIGHTSIZE_TEST_DATABASE_URL;

/** The SIMULATED echo agent: a direct reply for "hello", a task streaming n chunks for "stream:n". */
async function startEcho() {
  const app = Fastify();
  let url = '';
  await app.register(a2aServer, {
    card: () =>
      withCapabilityProfile(
        {
          name: 'echo (simulated)',
          description: 'SIMULATED echo agent for bench:broker.',
          supportedInterfaces: [{ url: `${url}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
          version: '1.0.0',
          capabilities: { streaming: true },
          defaultInputModes: ['text/plain'],
          defaultOutputModes: ['text/plain'],
          skills: [{ id: 'echo', name: 'Echo', description: 'Echoes.', tags: ['echo'] }],
        },
        {
          domains: [{ domain: 'general', ability: 10 }],
          reasoning: { mode: 'none' },
          latency: { ttftMs: { p50: 1, p95: 2 }, outputTokensPerSecond: 1000, networkRttMs: 0 },
          placement: { placement: 'edge' },
          cost: { currency: 'USD', perTask: 0.000001 },
        },
      ),
    executor: {
      async execute(context, events) {
        const text = context.message.parts.map((p) => ('text' in p ? p.text : '')).join('');
        if (!text.startsWith('stream:')) return events.reply(`echo: ${text}`);
        const n = Number(text.slice(7));
        for (let i = 0; i < n; i++)
          events.artifact({ artifactId: 'echo', parts: [{ text: `chunk ${i}` }] }, { append: i > 0 });
        events.complete();
      },
    },
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url };
}

const body = (method: string, text: string) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method,
    params: {
      message: {
        messageId: randomUUID(),
        role: 'ROLE_USER',
        parts: [{ text }],
        extensions: [RIGHTSIZE_EXTENSION_URI],
        metadata: {
          [RIGHTSIZE_EXTENSION_URI]: { descriptor: { domain: 'general', complexity: { value: 1, sigma: 0.2 } } },
        },
      },
    },
  });

/**
 * One round against `baseUrl`, with the CPU this process (load, broker and agent alike) spent per SendMessage, and
 * SendMessage one request at a time.
 */
async function measure(baseUrl: string): Promise<Sample & { cpuMicrosPerRequest: number; unloaded: LoadResult }> {
  const pool = new Pool(baseUrl, { connections: concurrency });
  const { send, stream } = jsonRpcOperations(pool, body, chunks);
  try {
    await runLoad(send, concurrency, 300);
    const cpu = process.cpuUsage();
    const unary = await runLoad(send, concurrency, ms);
    const used = process.cpuUsage(cpu);
    const streaming = await runLoad(stream, Math.max(1, concurrency / 4), ms);
    const unloaded = await runLoad(send, 1, ms);
    return {
      unary,
      streaming,
      unloaded,
      cpuMicrosPerRequest: Math.round((used.user + used.system) / Math.max(1, unary.requests)),
    };
  } finally {
    await pool.close();
  }
}

async function benchStore(store: 'embedded' | 'postgres', echoUrl: string, databaseUrl?: string) {
  const broker = await createBroker({
    allowPrivateNetworks: true,
    healthIntervalMs: 0,
    ...(databaseUrl ? { databaseUrl } : {}),
  });
  const brokerUrl = await broker.listen();
  try {
    await broker.registry.register(`${echoUrl}/.well-known/agent-card.json`);
    const cpu = { ours: [] as number[], theirs: [] as number[] };
    const unloaded = { ours: [] as LoadResult[], theirs: [] as LoadResult[] };
    // ours = routed through the broker, theirs = straight to the agent; rounds alternate which goes first.
    const samples = await alternate(
      rounds,
      async (impl) => {
        const sample = await measure(impl === 'ours' ? brokerUrl : echoUrl);
        cpu[impl].push(sample.cpuMicrosPerRequest);
        unloaded[impl].push(sample.unloaded);
        log(
          `${store} ${impl === 'ours' ? 'routed' : 'direct'}: ${sample.unary.perSecond} req/s p50 ${sample.unary.p50Ms} ms`,
        );
        return sample;
      },
      log,
    );
    const d = summarise(samples.theirs);
    const r = summarise(samples.ours);
    const cpuDirect = median(cpu.theirs);
    const cpuRouted = median(cpu.ours);
    const p50 = (xs: LoadResult[]) => median(xs.map((x) => x.p50Ms));
    const p99 = (xs: LoadResult[]) => median(xs.map((x) => x.p99Ms));
    return {
      store,
      direct: { ...d, cpuMicrosPerRequest: cpuDirect },
      routed: { ...r, cpuMicrosPerRequest: cpuRouted },
      addedP50Ms: Number((r.sendMessageP50Ms - d.sendMessageP50Ms).toFixed(3)),
      addedP99Ms: Number((r.sendMessageP99Ms - d.sendMessageP99Ms).toFixed(3)),
      addedCpuMicrosPerRequest: cpuRouted - cpuDirect,
      throughputRatio: ratio(r.sendMessagePerSecond, d.sendMessagePerSecond) ?? 0,
      cpuRatio: ratio(cpuDirect, cpuRouted) ?? 0,
      streamEventsRatio: ratio(r.streamedEventsPerSecond, d.streamedEventsPerSecond) ?? 0,
      /** SendMessage one at a time (concurrency 1): the hop's own latency, nothing queued before it. */
      concurrency1: {
        direct: { p50Ms: p50(unloaded.theirs), p99Ms: p99(unloaded.theirs) },
        routed: { p50Ms: p50(unloaded.ours), p99Ms: p99(unloaded.ours) },
        addedP50Ms: Number((p50(unloaded.ours) - p50(unloaded.theirs)).toFixed(3)),
        addedP99Ms: Number((p99(unloaded.ours) - p99(unloaded.theirs)).toFixed(3)),
      },
    };
  } finally {
    await broker.close();
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

const echo = await startEcho();
try {
  const results = [await benchStore('embedded', echo.url)];
  if (postgresUrl) results.push(await withFreshPostgres(postgresUrl, (url) => benchStore('postgres', echo.url, url)));
  else log('no PostgreSQL URL (--database-url or RIGHTSIZE_TEST_DATABASE_URL): PostgreSQL not measured');
  const targets = { addedP50Ms: 1.5, throughputRatio: 0.5 };
  const embedded = results[0] as (typeof results)[number];
  const report = {
    bench: 'broker',
    simulated: 'the echo agent answers at once; broker, agent and load share one process',
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
    met: {
      addedP50Ms: embedded.addedP50Ms <= targets.addedP50Ms,
      throughputRatio: embedded.throughputRatio >= targets.throughputRatio,
    },
    /** The latency target read as the unloaded hop (concurrency 1): an interpretation, reported beside `met`. */
    metAtConcurrency1: { addedP50Ms: embedded.concurrency1.addedP50Ms <= targets.addedP50Ms },
  };
  if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    const rows = results.flatMap((x) => [
      `| ${x.store} | direct | ${x.direct.sendMessagePerSecond} | ${x.direct.sendMessageP50Ms} | ${x.direct.sendMessageP99Ms} | ${x.direct.cpuMicrosPerRequest} | ${x.direct.streamedEventsPerSecond} |`,
      `| ${x.store} | routed | ${x.routed.sendMessagePerSecond} | ${x.routed.sendMessageP50Ms} | ${x.routed.sendMessageP99Ms} | ${x.routed.cpuMicrosPerRequest} | ${x.routed.streamedEventsPerSecond} |`,
    ]);
    process.stdout.write(
      [
        '| store | path | SendMessage req/s | p50 ms | p99 ms | CPU µs/request | stream events/s |',
        '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
        ...rows,
        '',
        ...results.map(
          (x) =>
            `${x.store}: added p50 ${x.addedP50Ms} ms, p99 ${x.addedP99Ms} ms at concurrency ${concurrency}; added p50 ${x.concurrency1.addedP50Ms} ms, p99 ${x.concurrency1.addedP99Ms} ms at concurrency 1; throughput ${x.throughputRatio}× direct; CPU per request ${x.cpuRatio}× (direct ÷ routed); stream events ${x.streamEventsRatio}× direct`,
        ),
        `targets on the embedded store: added p50 ≤ 1.5 ms at concurrency ${concurrency} (${report.met.addedP50Ms ? 'met' : 'MISSED'}), throughput ≥ 0.5× (${report.met.throughputRatio ? 'met' : 'MISSED'}); read at concurrency 1 (interpretation): added p50 ${report.metAtConcurrency1.addedP50Ms ? 'met' : 'MISSED'}`,
        '',
      ].join('\n'),
    );
  }
} finally {
  await echo.app.close();
}
