/**
 * bench:broker — what routing through the broker costs: client → broker → echo agent against client → echo agent
 * directly, side by side in one run (rounds alternate), on the embedded store (PGlite in memory) and, when a
 * PostgreSQL URL is given, on PostgreSQL (a fresh database, dropped afterwards). Non-streaming SendMessage at a fixed
 * concurrency (p50, p99, requests/s) and streaming SendStreamingMessage (events/s). The echo agent is SIMULATED
 * (it answers at once); the broker, the agent and the load generator share this process and its cores.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { RIGHTSIZE_EXTENSION_URI, withCapabilityProfile } from '@rightsize/sdk/rightsize';
import { a2aServer } from '@rightsize/sdk/server';
import Fastify from 'fastify';
import pg from 'pg';
import { Pool, request } from 'undici';
import { createBroker } from '../src/index.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    concurrency: { type: 'string' },
    ms: { type: 'string' },
    rounds: { type: 'string' },
    chunks: { type: 'string' },
    'database-url': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(
    'Usage: npm run -s bench:broker [-- --json] [--concurrency 16] [--ms 3000] [--rounds 3] [--chunks 20] [--database-url postgres://…]\n' +
      '(PostgreSQL also from RIGHTSIZE_TEST_DATABASE_URL; without one only the embedded store is measured)\n',
  );
  process.exit(0);
}
const concurrency = Number(values.concurrency ?? 16);
const ms = Number(values.ms ?? 3000);
const rounds = Number(values.rounds ?? 3);
const chunks = Number(values.chunks ?? 20);
const postgresUrl = values['database-url'] ?? process.env.RIGHTSIZE_TEST_DATABASE_URL;
const log = (line: string) => {
  if (!values.json) process.stderr.write(`${line}\n`);
};

interface LoadResult {
  readonly requests: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly eventsPerSecond: number;
  readonly errors: number;
}

async function runLoad(operation: () => Promise<number>, workers: number, duration: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let events = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + duration;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          events += await operation();
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    Number((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(3));
  return {
    requests: latencies.length,
    perSecond: Math.round(latencies.length / seconds),
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    eventsPerSecond: Math.round(events / seconds),
    errors,
  };
}

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

async function measure(baseUrl: string): Promise<{ unary: LoadResult; streaming: LoadResult }> {
  const pool = new Pool(baseUrl, { connections: concurrency });
  const headers = { 'content-type': 'application/json', 'a2a-version': '1.0' };
  const send = async () => {
    const r = await pool.request({ path: '/a2a/jsonrpc', method: 'POST', headers, body: body('SendMessage', 'hello') });
    const json = (await r.body.json()) as { result?: unknown };
    if (r.statusCode !== 200 || !json.result) throw new Error('bad answer');
    return 1;
  };
  const stream = async () => {
    const r = await pool.request({
      path: '/a2a/jsonrpc',
      method: 'POST',
      headers: { ...headers, accept: 'text/event-stream' },
      body: body('SendStreamingMessage', `stream:${chunks}`),
    });
    const text = await r.body.text();
    const events = text.split('\n\n').filter((e) => e.includes('data:')).length;
    if (events < chunks) throw new Error(`short stream: ${events}`);
    return events;
  };
  try {
    await runLoad(send, concurrency, 300);
    const unary = await runLoad(send, concurrency, ms);
    const streaming = await runLoad(stream, Math.max(1, concurrency / 4), ms);
    return { unary, streaming };
  } finally {
    await pool.close();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

function summarise(samples: Array<{ unary: LoadResult; streaming: LoadResult }>) {
  return {
    sendMessagePerSecond: median(samples.map((s) => s.unary.perSecond)),
    p50Ms: median(samples.map((s) => s.unary.p50Ms)),
    p99Ms: median(samples.map((s) => s.unary.p99Ms)),
    streamEventsPerSecond: median(samples.map((s) => s.streaming.eventsPerSecond)),
    streamP50Ms: median(samples.map((s) => s.streaming.p50Ms)),
    errors: samples.reduce((n, s) => n + s.unary.errors + s.streaming.errors, 0),
  };
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
    const direct: Array<{ unary: LoadResult; streaming: LoadResult }> = [];
    const routed: Array<{ unary: LoadResult; streaming: LoadResult }> = [];
    for (let round = 1; round <= rounds; round++) {
      direct.push(await measure(echoUrl));
      routed.push(await measure(brokerUrl));
      log(
        `${store} round ${round}: direct ${direct.at(-1)?.unary.perSecond} req/s p50 ${direct.at(-1)?.unary.p50Ms} ms | routed ${routed.at(-1)?.unary.perSecond} req/s p50 ${routed.at(-1)?.unary.p50Ms} ms`,
      );
    }
    const d = summarise(direct);
    const r = summarise(routed);
    return {
      store,
      direct: d,
      routed: r,
      addedP50Ms: Number((r.p50Ms - d.p50Ms).toFixed(3)),
      addedP99Ms: Number((r.p99Ms - d.p99Ms).toFixed(3)),
      throughputRatio: Number((r.sendMessagePerSecond / d.sendMessagePerSecond).toFixed(3)),
      streamEventsRatio: Number((r.streamEventsPerSecond / d.streamEventsPerSecond).toFixed(3)),
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
    settings: { concurrency, ms, rounds, chunks, node: process.version },
    results,
    targets,
    met: {
      addedP50Ms: embedded.addedP50Ms <= targets.addedP50Ms,
      throughputRatio: embedded.throughputRatio >= targets.throughputRatio,
    },
  };
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    const rows = results.flatMap((x) => [
      `| ${x.store} | direct | ${x.direct.sendMessagePerSecond} | ${x.direct.p50Ms} | ${x.direct.p99Ms} | ${x.direct.streamEventsPerSecond} |`,
      `| ${x.store} | routed | ${x.routed.sendMessagePerSecond} | ${x.routed.p50Ms} | ${x.routed.p99Ms} | ${x.routed.streamEventsPerSecond} |`,
    ]);
    process.stdout.write(
      [
        '| store | path | SendMessage req/s | p50 ms | p99 ms | stream events/s |',
        '| --- | --- | ---: | ---: | ---: | ---: |',
        ...rows,
        '',
        ...results.map(
          (x) =>
            `${x.store}: added p50 ${x.addedP50Ms} ms, p99 ${x.addedP99Ms} ms; throughput ${x.throughputRatio}× direct; stream events ${x.streamEventsRatio}× direct`,
        ),
        `targets on the embedded store: added p50 ≤ 1.5 ms (${report.met.addedP50Ms ? 'met' : 'MISSED'}), throughput ≥ 0.5× (${report.met.throughputRatio ? 'met' : 'MISSED'})`,
        '',
      ].join('\n'),
    );
  }
} finally {
  await echo.app.close();
}
