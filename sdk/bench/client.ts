/**
 * bench:client — our client against the @a2a-js/sdk client, both calling the same agent (ours, in its own process
 * on loopback): SendMessage requests/s with p50/p99 at a fixed concurrency, and streamed events/s. Rounds alternate.
 */
import { SendMessageRequest as TheirSendMessageRequest } from '@a2a-js/sdk';
import { ClientFactory } from '@a2a-js/sdk/client';
import { A2AClient } from '../src/client/index.js';
import {
  alternate,
  comparisonOptions,
  type Impl,
  reportComparison,
  runLoad,
  type Sample,
  startTarget,
} from './load.js';

const { json, concurrency, ms, rounds, log } = comparisonOptions(
  'Usage: npm run bench:client [-- --json] [--concurrency 32] [--ms 3000] [--rounds 3]',
);
const message = (text: string) => ({ messageId: crypto.randomUUID(), role: 'ROLE_USER' as const, parts: [{ text }] });

const target = await startTarget('ours');
const ours = await A2AClient.connect(target.url, { allowPrivateNetworks: true });
const theirs = await new ClientFactory().createFromUrl(target.url);

const runs: Record<Impl, () => Promise<Sample>> = {
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

let samples: Record<Impl, Sample[]> = { ours: [], theirs: [] };
try {
  await runLoad(async () => ((await ours.sendMessage(message('warm'))).message ? 1 : 0), concurrency, 500);
  samples = await alternate(rounds, (impl) => runs[impl](), log);
} finally {
  await ours.close();
  await target.stop();
}
reportComparison(
  {
    benchmark: 'bench:client',
    baseline: '@a2a-js/sdk client (JSON-RPC)',
    labels: { ours: 'rightsize (undici)', theirs: '@a2a-js/sdk (fetch)' },
    environment: { concurrency, msPerRun: ms, rounds, server: 'rightsize echo agent, own process' },
    json,
  },
  samples,
);
