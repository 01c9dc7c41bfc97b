/**
 * bench:client — our client against the @a2a-js/sdk client, both calling the same agent (ours, in its own process
 * on loopback): SendMessage requests/s with p50/p99 at a fixed concurrency, and streamed events/s. Rounds alternate.
 */
import { parseArgs } from 'node:util';
import { SendMessageRequest as TheirSendMessageRequest } from '@a2a-js/sdk';
import { ClientFactory } from '@a2a-js/sdk/client';
import { A2AClient } from '../src/client/index.js';
import { type LoadResult, ratio, runLoad, startTarget } from './load.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    concurrency: { type: 'string' },
    ms: { type: 'string' },
    rounds: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('Usage: npm run bench:client [-- --json] [--concurrency 32] [--ms 3000] [--rounds 3]');
  process.exit(0);
}
const concurrency = Number(values.concurrency ?? 32);
const ms = Number(values.ms ?? 3000);
const rounds = Number(values.rounds ?? 3);
const log = (s: string) => {
  if (!values.json) console.error(s);
};
const message = (text: string) => ({ messageId: crypto.randomUUID(), role: 'ROLE_USER' as const, parts: [{ text }] });

const target = await startTarget('ours');
const ours = await A2AClient.connect(target.url, { allowPrivateNetworks: true });
const theirs = await new ClientFactory().createFromUrl(target.url);

const runs: Record<'ours' | 'theirs', () => Promise<{ unary: LoadResult; streaming: LoadResult }>> = {
  ours: async () => ({
    unary: await runLoad(async () => ((await ours.sendMessage(message('hello'))).message ? 1 : 0), concurrency, ms),
    streaming: await runLoad(
      async () => {
        let n = 0;
        for await (const _ of ours.sendStreamingMessage(message('stream:50'))) n++;
        return n;
      },
      Math.max(1, concurrency / 4),
      ms,
    ),
  }),
  theirs: async () => ({
    unary: await runLoad(
      async () => ((await theirs.sendMessage(TheirSendMessageRequest.fromJSON({ message: message('hello') }))) ? 1 : 0),
      concurrency,
      ms,
    ),
    streaming: await runLoad(
      async () => {
        let n = 0;
        for await (const _ of theirs.sendMessageStream(
          TheirSendMessageRequest.fromJSON({ message: message('stream:50') }),
        ))
          n++;
        return n;
      },
      Math.max(1, concurrency / 4),
      ms,
    ),
  }),
};

const samples: Record<'ours' | 'theirs', Array<{ unary: LoadResult; streaming: LoadResult }>> = {
  ours: [],
  theirs: [],
};
try {
  await runLoad(async () => ((await ours.sendMessage(message('warm'))).message ? 1 : 0), concurrency, 500);
  for (let round = 0; round < rounds; round++) {
    for (const impl of round % 2 === 0 ? (['ours', 'theirs'] as const) : (['theirs', 'ours'] as const)) {
      log(`round ${round + 1}/${rounds}: ${impl}`);
      samples[impl].push(await runs[impl]());
    }
  }
} finally {
  await ours.close();
  await target.stop();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const summarise = (impl: 'ours' | 'theirs') => ({
  sendMessagePerSecond: median(samples[impl].map((s) => s.unary.perSecond)),
  sendMessageP50Ms: median(samples[impl].map((s) => s.unary.p50Ms)),
  sendMessageP99Ms: median(samples[impl].map((s) => s.unary.p99Ms)),
  streamedEventsPerSecond: median(samples[impl].map((s) => s.streaming.unitsPerSecond)),
  errors: samples[impl].reduce((n, s) => n + s.unary.errors + s.streaming.errors, 0),
});
const o = summarise('ours');
const t = summarise('theirs');
const result = {
  benchmark: 'bench:client',
  baseline: '@a2a-js/sdk client (JSON-RPC)',
  environment: {
    node: process.version,
    concurrency,
    msPerRun: ms,
    rounds,
    server: 'rightsize echo agent, own process',
  },
  ours: o,
  theirs: t,
  ratios: {
    sendMessageThroughput: ratio(o.sendMessagePerSecond, t.sendMessagePerSecond),
    sendMessageP99: ratio(t.sendMessageP99Ms, o.sendMessageP99Ms),
    streamedEvents: ratio(o.streamedEventsPerSecond, t.streamedEventsPerSecond),
  },
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(
    `bench:client (${process.version}, concurrency ${concurrency}, ${rounds} alternating rounds of ${ms} ms, medians)\n`,
  );
  console.log('| client | SendMessage req/s | p50 ms | p99 ms | streamed events/s |\n|---|---:|---:|---:|---:|');
  for (const [name, s] of [
    ['rightsize (undici)', o],
    ['@a2a-js/sdk (fetch)', t],
  ] as const) {
    console.log(
      `| ${name} | ${s.sendMessagePerSecond} | ${s.sendMessageP50Ms} | ${s.sendMessageP99Ms} | ${s.streamedEventsPerSecond} |`,
    );
  }
  console.log(
    `\nratios (ours ÷ theirs): throughput ${result.ratios.sendMessageThroughput}×, streamed events ${result.ratios.streamedEvents}×`,
  );
}
