/**
 * Interleaved A/B of two broker builds (two checked-out and built trees, e.g. main and a branch): one SIMULATED echo
 * agent process, one broker process per tree (`bench/broker-process.ts`, embedded store), the routed SendMessage load
 * alternating between them in blocks (the order reversed every round); the broker's CPU per request per block, and
 * the ratio B ÷ A per round. Start it twice with the trees swapped: the start order of two processes biases them.
 * `--prof NAME` writes a `node --cpu-prof` profile of that broker to /tmp.
 * Usage: node reference-server/bench/broker-ab.mjs --tree A=/path/to/main --tree B=/path/to/branch
 *   [--requests 2000] [--rounds 10] [--concurrency 16] [--warmup 4000] [--prof B]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    tree: { type: 'string', multiple: true },
    requests: { type: 'string' },
    rounds: { type: 'string' },
    concurrency: { type: 'string' },
    warmup: { type: 'string' },
    prof: { type: 'string' },
    agentTree: { type: 'string' },
    help: { type: 'boolean' },
  },
});
const USAGE = `Usage: node reference-server/bench/broker-ab.mjs --tree A=/path/to/main --tree B=/path/to/branch
  [--requests 2000] [--rounds 10] [--concurrency 16] [--warmup 4000] [--prof B]
Each tree must be a checked-out and built copy of this repository (npm ci && npm run build).`;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const trees = (values.tree ?? []).map((t) => t.split('='));
const N = Number(values.requests ?? 2000),
  R = Number(values.rounds ?? 10),
  C = Number(values.concurrency ?? 16);
const W = Number(values.warmup ?? 4000);
const counts = [N, R, C, W];
if (
  trees.length !== 2 ||
  trees.some((t) => t.length !== 2 || !t[0] || !t[1]) ||
  !counts.every((n) => Number.isInteger(n) && n > 0)
) {
  console.error(`broker-ab: two --tree NAME=PATH and positive whole counts are needed\n${USAGE}`);
  process.exit(2);
}
const require = createRequire(`${trees[0][1]}/reference-server/package.json`);
const { Pool } = require('undici');

function start(tree, args, prof) {
  const child = spawn(
    process.execPath,
    [
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []),
      '--import',
      'tsx',
      `${tree}/reference-server/bench/broker-process.ts`,
      ...args,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'], cwd: tree },
  );
  const lines = createInterface({ input: child.stdout });
  return once(lines, 'line').then(([url]) => ({
    url,
    child,
    async cpu() {
      child.stdin.write('cpu\n');
      const [l] = await once(lines, 'line');
      return Number(l);
    },
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  }));
}
const body = () =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'SendMessage',
    params: {
      message: {
        messageId: crypto.randomUUID(),
        role: 'ROLE_USER',
        parts: [{ text: 'hello' }],
        extensions: ['https://rightsize.dev/extensions/rightsize/v1'],
        metadata: {
          'https://rightsize.dev/extensions/rightsize/v1': {
            descriptor: { domain: 'general', complexity: { value: 1, sigma: 0.2 } },
          },
        },
      },
    },
  });
const agentTree = values.agentTree ?? trees[0][1];
const agent = await start(agentTree, ['--role', 'agent']);
const brokers = [];
for (const [name, tree] of trees) {
  const prof = values.prof === name ? `/tmp/broker-ab-prof-${name}-${Date.now()}` : undefined;
  const b = await start(tree, ['--role', 'broker', '--agent', `${agent.url}/.well-known/agent-card.json`], prof);
  b.name = name;
  b.pool = new Pool(b.url, { connections: C });
  brokers.push(b);
}
async function load(b, n) {
  let next = 0,
    errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next++ < n) {
        const r = await b.pool.request({
          path: '/a2a/jsonrpc',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
          body: body(),
        });
        const text = await r.body.text();
        if (r.statusCode !== 200 || !text.includes('"result"')) {
          errors++;
          if (errors < 3) console.error(text.slice(0, 300));
        }
      }
    }),
  );
  return { ms: performance.now() - t0, errors };
}
for (const b of brokers) await load(b, W);
const rows = Object.fromEntries(brokers.map((b) => [b.name, []]));
for (let r = 0; r < R; r++) {
  const order = r % 2 ? [...brokers].reverse() : brokers;
  for (const b of order) {
    const c0 = await b.cpu(),
      a0 = await agent.cpu();
    const { ms, errors } = await load(b, N);
    const c1 = await b.cpu(),
      a1 = await agent.cpu();
    rows[b.name].push({ broker: (c1 - c0) / N, agent: (a1 - a0) / N, rps: (N / ms) * 1000, errors });
  }
}
const med = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const out = {};
for (const [name, xs] of Object.entries(rows))
  out[name] = {
    brokerCpuUs: Math.round(med(xs.map((x) => x.broker))),
    agentCpuUs: Math.round(med(xs.map((x) => x.agent))),
    rps: Math.round(med(xs.map((x) => x.rps))),
    errors: xs.reduce((a, x) => a + x.errors, 0),
    perRound: xs.map((x) => Math.round(x.broker)),
  };
const names = Object.keys(rows);
if (names.length === 2) {
  const [a, b] = names;
  out.ratioPerRound = rows[b].map((x, i) => Number((x.broker / rows[a][i].broker).toFixed(3)));
  out.ratioMedian = med(out.ratioPerRound);
}
console.log(JSON.stringify(out));
for (const b of brokers) {
  await b.pool.close();
  await b.stop();
}
await agent.stop();
