/**
 * bench:match — matching decisions per second and decision latency (p50/p99) at 10, 1 000, 10 000 and 100 000
 * registered agents, for the indexed matcher (CandidateIndex) against the full scan (match) in the same run.
 * The fleet and the tasks are seeded (simulated agents, labelled as such).
 */
import { parseArgs } from 'node:util';
import { mulberry32 } from '../src/rightsize/math/prng.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';
import { CandidateIndex } from '../src/rightsize/routing/candidate-index.js';
import { type MatchCandidate, type MatchTask, match } from '../src/rightsize/routing/match.js';

const HELP = `Usage: npm run bench:match [-- --json] [--sizes 10,1000,10000,100000] [--ms 1500]

Simulated fleets; each size is timed for about --ms milliseconds per matcher (the full scan stops earlier when a
single decision takes long). Prints a table, or one JSON object with --json.`;

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    sizes: { type: 'string' },
    ms: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const sizes = (values.sizes ?? '10,1000,10000,100000').split(',').map(Number);
const budgetMs = Number(values.ms ?? 1500);
if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !(budgetMs > 0)) throw new Error('bad --sizes or --ms');

const DOMAINS = ['general', 'dialogue', 'math', 'code', 'planning', 'extraction', 'retrieval'];

function simulatedFleet(n: number, seed: number): MatchCandidate[] {
  const rng = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const tier = rng.int(0, 2); // 0 device, 1 edge, 2 cloud
    const ability = [2, 5, 9][tier] as number;
    const domains = DOMAINS.filter((d) => d === 'general' || rng.next() < 0.3).map((domain) => ({
      domain,
      ability: ability + rng.normal(0, 1.2),
    }));
    const profile: CapabilityProfile = {
      domains,
      reasoning:
        tier === 2
          ? {
              mode: 'thinking',
              maxReasoningTokens: 32000 * rng.int(1, 4),
              reasoningTokensPerSecond: 100 + rng.int(0, 100),
            }
          : { mode: 'none' },
      latency: {
        ttftMs: { p50: [60, 150, 400][tier] as number, p95: [120, 400, 1200][tier] as number },
        outputTokensPerSecond: 40 + rng.int(0, 120),
        networkRttMs: [0, 10, 40][tier] as number,
      },
      placement: {
        placement: (['device', 'edge', 'cloud'] as const)[tier] as 'device',
        region: ['eu', 'us', 'ap'][rng.int(0, 2)] as string,
      },
      // On-device agents declare a small per-task (energy) price: thousands of agents all free would tie on cost and
      // the tie-break rule (spec §7.3) would then require assessing every one of them.
      cost: {
        currency: 'USD',
        inputPerMillion: ([0, 0.2, 3][tier] as number) * (0.5 + rng.next()),
        outputPerMillion: ([0, 0.6, 15][tier] as number) * (0.5 + rng.next()),
        reasoningPerMillion: 15,
        perTask: tier === 0 ? 1e-6 * (1 + rng.next()) : 0,
      },
      capacity: { maxConcurrentTasks: 4 + rng.int(0, 60) },
    };
    return { id: `sim-${String(i).padStart(6, '0')}`, profile };
  });
}

function simulatedTasks(n: number, seed: number): MatchTask[] {
  const rng = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const value = Math.max(0, rng.normal(4, 3));
    const voice = rng.next() < 0.3;
    return {
      descriptor: {
        domain: DOMAINS[rng.int(0, DOMAINS.length - 1)] as string,
        complexity: { value, sigma: rng.next() * 1.5 },
        outputTokens: voice ? 40 : 300,
        preference: rng.next() < 0.8 ? 'cost' : 'latency',
        constraints: voice
          ? { firstResponseDeadlineMs: 1000, completionDeadlineMs: 2000 }
          : { completionDeadlineMs: 120000 },
        network: { rttMs: 60, jitterMs: 30, lossRate: 0.01 },
      },
    };
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;

function time(
  decide: (t: MatchTask) => unknown,
  tasks: MatchTask[],
): { decisions: number; opsPerSec: number; p50Ms: number; p99Ms: number } {
  const samples: number[] = [];
  const start = performance.now();
  for (let i = 0; performance.now() - start < budgetMs || samples.length < 5; i++) {
    const t0 = performance.now();
    decide(tasks[i % tasks.length] as MatchTask);
    samples.push(performance.now() - t0);
    if (samples.length >= 200000) break;
  }
  const total = samples.reduce((a, b) => a + b, 0);
  samples.sort((a, b) => a - b);
  const r = (x: number) => Number(x.toFixed(4));
  return {
    decisions: samples.length,
    opsPerSec: Math.round((samples.length * 1000) / total),
    p50Ms: r(percentile(samples, 0.5)),
    p99Ms: r(percentile(samples, 0.99)),
  };
}

const tasks = simulatedTasks(4096, 7);
const results = sizes.map((size) => {
  const fleet = simulatedFleet(size, 1000 + size);
  const t0 = performance.now();
  const index = new CandidateIndex(fleet);
  for (const d of DOMAINS) index.match({ descriptor: { domain: d, complexity: { value: 1 } } }); // build per-domain caches
  const buildMs = Number((performance.now() - t0).toFixed(2));
  let assessed = 0;
  let decided = 0;
  const indexed = time((t) => {
    const r = index.match(t);
    assessed += r.assessed;
    decided++;
  }, tasks);
  const full = time((t) => match(t, fleet), tasks);
  return {
    agents: size,
    indexBuildMs: buildMs,
    meanAssessedPerDecision: Number((assessed / decided).toFixed(1)),
    indexed,
    fullScan: full,
    ratios: {
      throughputIndexedOverFull: Number((indexed.opsPerSec / full.opsPerSec).toFixed(2)),
      p99FullOverIndexed: Number((full.p99Ms / indexed.p99Ms).toFixed(2)),
    },
  };
});

const first = results[0];
const growth = results.map((r) => ({
  agents: r.agents,
  p50Growth: first ? Number((r.indexed.p50Ms / first.indexed.p50Ms).toFixed(2)) : 1,
}));
const target = results.find((r) => r.agents === 10000);
const summary = {
  benchmark: 'bench:match',
  simulated: true,
  baseline: 'full scan (match) over every agent',
  environment: { node: process.version, platform: `${process.platform}-${process.arch}`, msPerMatcher: budgetMs },
  results,
  growth,
  target: target ? { p99MsAt10k: target.indexed.p99Ms, met: target.indexed.p99Ms < 1 } : null,
};
if (values.json) {
  console.log(JSON.stringify(summary));
} else {
  console.log(`bench:match (simulated fleets; ${process.version}; baseline: full scan)\n`);
  console.log(
    '| agents | indexed decisions/s | indexed p50 ms | indexed p99 ms | assessed/decision | full-scan decisions/s | full p50 ms | full p99 ms | throughput ratio |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.agents} | ${r.indexed.opsPerSec} | ${r.indexed.p50Ms} | ${r.indexed.p99Ms} | ${r.meanAssessedPerDecision} | ${r.fullScan.opsPerSec} | ${r.fullScan.p50Ms} | ${r.fullScan.p99Ms} | ${r.ratios.throughputIndexedOverFull}x |`,
    );
  }
  if (summary.target)
    console.log(
      `\nTarget p99 < 1 ms at 10 000 agents: ${summary.target.p99MsAt10k} ms (${summary.target.met ? 'met' : 'not met'})`,
    );
}
