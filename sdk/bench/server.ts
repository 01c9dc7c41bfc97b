/**
 * bench:server — our agent server (fastify) against an @a2a-js/sdk agent (express), same echo behaviour, each in
 * its own process on loopback, loaded by the same undici pool: SendMessage requests/s with p50/p99 at a fixed
 * concurrency, and SSE streaming events/s. Rounds alternate between the two servers.
 */
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { type LoadResult, ratio, runLoad, startTarget } from './load.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    concurrency: { type: 'string' },
    ms: { type: 'string' },
    rounds: { type: 'string' },
    chunks: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('Usage: npm run bench:server [-- --json] [--concurrency 32] [--ms 3000] [--rounds 3] [--chunks 50]');
  process.exit(0);
}
const concurrency = Number(values.concurrency ?? 32);
const ms = Number(values.ms ?? 3000);
const rounds = Number(values.rounds ?? 3);
const chunks = Number(values.chunks ?? 50);
const log = (s: string) => {
  if (!values.json) console.error(s);
};

const body = (method: string, text: string) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method,
    params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] } },
  });

async function measure(impl: 'ours' | 'theirs') {
  const target = await startTarget(impl);
  const pool = new Pool(target.url, { connections: concurrency });
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
    const events = text.split('\n\n').filter((e) => e.startsWith('data:')).length;
    if (events < chunks) throw new Error(`short stream: ${events}`);
    return events;
  };
  try {
    await runLoad(send, concurrency, 500); // warm-up
    const unary = await runLoad(send, concurrency, ms);
    const streaming = await runLoad(stream, Math.max(1, concurrency / 4), ms);
    return { unary, streaming };
  } finally {
    await pool.close();
    await target.stop();
  }
}

const samples: Record<'ours' | 'theirs', Array<{ unary: LoadResult; streaming: LoadResult }>> = {
  ours: [],
  theirs: [],
};
for (let round = 0; round < rounds; round++) {
  for (const impl of round % 2 === 0 ? (['ours', 'theirs'] as const) : (['theirs', 'ours'] as const)) {
    log(`round ${round + 1}/${rounds}: ${impl}`);
    samples[impl].push(await measure(impl));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const summarise = (impl: 'ours' | 'theirs') => ({
  sendMessagePerSecond: median(samples[impl].map((s) => s.unary.perSecond)),
  sendMessageP50Ms: median(samples[impl].map((s) => s.unary.p50Ms)),
  sendMessageP99Ms: median(samples[impl].map((s) => s.unary.p99Ms)),
  sseEventsPerSecond: median(samples[impl].map((s) => s.streaming.unitsPerSecond)),
  errors: samples[impl].reduce((n, s) => n + s.unary.errors + s.streaming.errors, 0),
});
const oursSummary = summarise('ours');
const theirsSummary = summarise('theirs');
const result = {
  benchmark: 'bench:server',
  baseline: '@a2a-js/sdk (express) echo agent',
  environment: { node: process.version, concurrency, msPerRun: ms, rounds, chunksPerStream: chunks },
  ours: oursSummary,
  theirs: theirsSummary,
  ratios: {
    sendMessageThroughput: ratio(oursSummary.sendMessagePerSecond, theirsSummary.sendMessagePerSecond),
    sendMessageP99: ratio(theirsSummary.sendMessageP99Ms, oursSummary.sendMessageP99Ms),
    sseEvents: ratio(oursSummary.sseEventsPerSecond, theirsSummary.sseEventsPerSecond),
  },
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(
    `bench:server (${process.version}, concurrency ${concurrency}, ${rounds} alternating rounds of ${ms} ms, medians)\n`,
  );
  console.log('| server | SendMessage req/s | p50 ms | p99 ms | SSE events/s |\n|---|---:|---:|---:|---:|');
  for (const [name, s] of [
    ['rightsize (fastify)', oursSummary],
    ['@a2a-js/sdk (express)', theirsSummary],
  ] as const) {
    console.log(
      `| ${name} | ${s.sendMessagePerSecond} | ${s.sendMessageP50Ms} | ${s.sendMessageP99Ms} | ${s.sseEventsPerSecond} |`,
    );
  }
  console.log(
    `\nratios (ours ÷ theirs): throughput ${result.ratios.sendMessageThroughput}×, SSE events ${result.ratios.sseEvents}×, p99 (theirs ÷ ours) ${result.ratios.sendMessageP99}×`,
  );
}
