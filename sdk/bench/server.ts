/**
 * bench:server — our agent server (fastify) against an @a2a-js/sdk agent (express), same echo behaviour, each in
 * its own process on loopback, loaded by the same undici pool: SendMessage requests/s with p50/p99 at a fixed
 * concurrency, and SSE streaming events/s. Rounds alternate between the two servers.
 */
import { Pool } from 'undici';
import {
  alternate,
  comparisonOptions,
  type Impl,
  reportComparison,
  runLoad,
  type Sample,
  startTarget,
} from './load.js';

const { values, json, concurrency, ms, rounds, log } = comparisonOptions(
  'Usage: npm run bench:server [-- --json] [--concurrency 32] [--ms 3000] [--rounds 3] [--chunks 50]',
  { chunks: { type: 'string' } },
);
const chunks = Number(values.chunks ?? 50);

const body = (method: string, text: string) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method,
    params: { message: { messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] } },
  });

async function measure(impl: Impl): Promise<Sample> {
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

const samples = await alternate(rounds, measure, log);
reportComparison(
  {
    benchmark: 'bench:server',
    baseline: '@a2a-js/sdk (express) echo agent',
    labels: { ours: 'rightsize (fastify)', theirs: '@a2a-js/sdk (express)' },
    environment: { concurrency, msPerRun: ms, rounds, chunksPerStream: chunks },
    json,
  },
  samples,
);
