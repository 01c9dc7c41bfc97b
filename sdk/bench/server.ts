/**
 * bench:server — our agent server (fastify) against an @a2a-js/sdk agent (express), same echo behaviour, each in
 * its own process on loopback, loaded by the same undici pool: SendMessage requests/s with p50/p99 at a fixed
 * concurrency, and SSE streaming events/s. Rounds alternate between the two servers; each round also measures a
 * bare fastify JSON endpoint (the framework ceiling) and, on our server, the cost of one 10 000-chunk stream with a
 * GetTask sent while it runs.
 */
import { Pool, request } from 'undici';
import {
  alternate,
  comparisonOptions,
  type Impl,
  jsonRpcOperations,
  type LoadResult,
  median,
  reportComparison,
  runLoad,
  type Sample,
  startTarget,
  type Target,
} from './load.js';

const { values, json, concurrency, ms, rounds, log } = comparisonOptions(
  'Usage: npm run bench:server [-- --json] [--concurrency 32] [--ms 3000] [--rounds 3] [--chunks 50] [--long-stream 10000]',
  { chunks: { type: 'string' }, 'long-stream': { type: 'string' } },
);
const chunks = Number(values.chunks ?? 50);
const longStream = Number(values['long-stream'] ?? 10_000);
const ceilingSamples: LoadResult[] = [];
const longStreams: Array<{ streamMs: number; concurrentGetTaskMs: number }> = [];

const body = (method: string, text: string) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method,
    params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] } },
  });

const headers = { 'content-type': 'application/json', 'a2a-version': '1.0' };

/** Server CPU µs per SendMessage in the timed runs, per implementation (robust on a shared, loaded machine). */
const cpuPerRequest: Record<'ours' | 'theirs' | 'bare', number[]> = { ours: [], theirs: [], bare: [] };

/** SendMessage at `concurrency` against a target; resolves with the load result. */
async function unaryLoad(target: Target, impl: 'ours' | 'theirs' | 'bare'): Promise<LoadResult> {
  const pool = new Pool(target.url, { connections: concurrency });
  const { send } = jsonRpcOperations(pool, body, chunks);
  try {
    await runLoad(send, concurrency, 500); // warm-up
    const cpu0 = await target.cpuMicros();
    const result = await runLoad(send, concurrency, ms);
    const cpu = (await target.cpuMicros()) - cpu0;
    if (result.requests > 0) cpuPerRequest[impl].push(Math.round(cpu / result.requests));
    return result;
  } finally {
    await pool.close();
  }
}

/** One stream of `longStream` chunks over REST, and a GetTask sent as soon as the task id is known. */
async function longStreamCost(url: string) {
  const t0 = performance.now();
  const r = await request(`${url}/a2a/rest/message:stream`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: `stream:${longStream}` }] },
    }),
  });
  let text = '';
  let probe: Promise<number> | undefined;
  for await (const chunk of r.body) {
    text += chunk;
    const id = probe ? undefined : /"id":"([0-9a-f-]{36})"/.exec(text)?.[1];
    if (id) {
      const g0 = performance.now();
      probe = request(`${url}/a2a/rest/tasks/${id}?historyLength=0`, { headers })
        .then((g) => g.body.dump())
        .then(() => performance.now() - g0);
    }
  }
  const streamMs = performance.now() - t0;
  const concurrentGetTaskMs = (await probe) ?? Number.NaN;
  if (!text.includes('TASK_STATE_COMPLETED')) throw new Error('the long stream did not complete');
  return { streamMs: Math.round(streamMs), concurrentGetTaskMs: Math.round(concurrentGetTaskMs * 10) / 10 };
}

async function measure(impl: Impl): Promise<Sample> {
  if (impl === 'ours') {
    const bare = await startTarget('bare');
    try {
      ceilingSamples.push(await unaryLoad(bare, 'bare'));
    } finally {
      await bare.stop();
    }
  }
  const target = await startTarget(impl);
  const pool = new Pool(target.url, { connections: concurrency });
  if (impl === 'ours') {
    await longStreamCost(target.url); // warm-up
    longStreams.push(await longStreamCost(target.url));
  }
  const { stream } = jsonRpcOperations(pool, body, chunks);
  try {
    const unary = await unaryLoad(target, impl);
    const streaming = await runLoad(stream, Math.max(1, concurrency / 4), ms);
    return { unary, streaming };
  } finally {
    await pool.close();
    await target.stop();
  }
}

const samples = await alternate(rounds, measure, log);
reportComparison(
  {
    benchmark: 'bench:server',
    baseline: '@a2a-js/sdk (express) echo agent',
    labels: { ours: 'rightsize (fastify)', theirs: '@a2a-js/sdk (express)' },
    environment: { concurrency, msPerRun: ms, rounds, chunksPerStream: chunks },
    json,
    ceiling: { label: 'bare fastify JSON endpoint', samples: ceilingSamples },
    extra: {
      serverCpuUsPerSendMessage: {
        ours: median(cpuPerRequest.ours),
        theirs: median(cpuPerRequest.theirs),
        ceiling: median(cpuPerRequest.bare),
        theirsOverOurs: Number((median(cpuPerRequest.theirs) / median(cpuPerRequest.ours)).toFixed(2)),
        ceilingOverOurs: Number((median(cpuPerRequest.bare) / median(cpuPerRequest.ours)).toFixed(2)),
      },
      longStream: {
        chunks: longStream,
        streamMs: median(longStreams.map((s) => s.streamMs)),
        concurrentGetTaskMs: median(longStreams.map((s) => s.concurrentGetTaskMs)),
        targets: { streamMs: 1000, concurrentGetTaskMs: 50 },
      },
    },
  },
  samples,
);
