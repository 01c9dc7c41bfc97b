/**
 * bench:match — decision latency (p50/p99) and agents assessed per decision for the indexed matcher
 * (CandidateIndex) against the full scan (match) in the same run, per case: every preference, minSuccess 0.3,
 * free on-device agents, price ties, tight deadlines, best effort (nothing feasible) and a hard-constraints refusal.
 * Fleets and tasks are seeded (simulated agents, labelled as such); every timed full-scan decision is also checked
 * against the index's (chosen agent, selection, escalation), and disagreements are reported.
 */
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mulberry32 } from '../src/rightsize/math/prng.js';
import type { Preference } from '../src/rightsize/model/descriptor.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';
import { CandidateIndex } from '../src/rightsize/routing/candidate-index.js';
import { type MatchCandidate, type MatchResult, type MatchTask, match } from '../src/rightsize/routing/match.js';

interface FleetOptions {
  /** On-device agents declare no price at all (thousands of agents tie at cost 0). */
  readonly freeDevices?: boolean;
  /** Prices drawn from three levels per tier, so thousands of agents share each price. */
  readonly priceTies?: boolean;
}

interface BenchCase {
  readonly name: string;
  readonly fleet: FleetOptions;
  readonly task: {
    readonly preference?: Preference;
    readonly minSuccess?: number;
    /** Complexity mean range (default a normal around 4, sd 3, at least 0). */
    readonly hard?: boolean;
    readonly voiceShare?: number;
    readonly hardConstraints?: boolean;
  };
}

const CASES: readonly BenchCase[] = [
  { name: 'cost', fleet: {}, task: { preference: 'cost' } },
  { name: 'latency', fleet: {}, task: { preference: 'latency' } },
  { name: 'quality', fleet: {}, task: { preference: 'quality' } },
  { name: 'weighted', fleet: {}, task: { preference: { weights: { cost: 1, latency: 1, quality: 1 } } } },
  { name: 'minSuccess-0.3', fleet: {}, task: { preference: 'cost', minSuccess: 0.3 } },
  { name: 'free-devices', fleet: { freeDevices: true }, task: { preference: 'cost' } },
  { name: 'price-ties', fleet: { priceTies: true }, task: { preference: 'cost' } },
  { name: 'price-ties-quality', fleet: { priceTies: true, freeDevices: true }, task: { preference: 'quality' } },
  { name: 'deadlines', fleet: {}, task: { preference: 'cost', voiceShare: 1 } },
  { name: 'best-effort', fleet: {}, task: { preference: 'cost', hard: true } },
  { name: 'hard-refusal', fleet: {}, task: { preference: 'cost', hard: true, hardConstraints: true } },
];

const HELP = `Usage: npm run bench:match [-- --json] [--sizes 10,1000,10000] [--ms 800] [--scan-decisions 20]
                                [--warmup N] [--cases cost,latency,...]

Simulated fleets. Each case is timed for about --ms milliseconds on the index; the full scan (the baseline) runs on
at most --scan-decisions of the same tasks (it takes up to a second per decision at 10 000 agents). Untimed
decisions first, per case: --warmup of them, by default as many as fit in --ms (at least 64) — V8 is still compiling
and re-optimising after a few hundred decisions, and its compiler threads' work would be counted in the CPU time.
Wall-clock and CPU time (process.cpuUsage: every thread of the process, so V8's compiler and GC helper threads too;
less sensitive to a loaded machine's preemption) per decision are reported, with bytes allocated per decision and the
collections that ran during the timed decisions. Prints one table
per size, or one JSON object with --json. Cases: ${CASES.map((c) => c.name).join(', ')}.`;

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    sizes: { type: 'string' },
    ms: { type: 'string' },
    'scan-decisions': { type: 'string' },
    warmup: { type: 'string' },
    cases: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const sizes = (values.sizes ?? '10,1000,10000').split(',').map(Number);
const budgetMs = Number(values.ms ?? 800);
const scanDecisions = Number(values['scan-decisions'] ?? 20);
/** Untimed decisions per case; undefined: as many as fit in --ms, at least 64. */
const warmup = values.warmup === undefined ? undefined : Number(values.warmup);
const wanted = values.cases?.split(',');
const cases = wanted ? CASES.filter((c) => wanted.includes(c.name)) : CASES;
if (
  sizes.some((n) => !Number.isInteger(n) || n < 1) ||
  !(budgetMs > 0) ||
  !(scanDecisions >= 1) ||
  !(warmup === undefined || (Number.isInteger(warmup) && warmup >= 0))
) {
  throw new Error('bad --sizes, --ms, --scan-decisions or --warmup (see --help)');
}
if (wanted && cases.length !== wanted.length) throw new Error(`unknown case in --cases (see --help)`);

const DOMAINS = ['general', 'dialogue', 'math', 'code', 'planning', 'extraction', 'retrieval'];

function simulatedFleet(n: number, seed: number, options: FleetOptions): MatchCandidate[] {
  const rng = mulberry32(seed);
  const price = (level: number) =>
    (options.priceTies ? ([0.5, 1, 1.5][rng.int(0, 2)] as number) : 0.5 + rng.next()) * level;
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
      cost: {
        currency: 'USD',
        inputPerMillion: price([0, 0.2, 3][tier] as number),
        outputPerMillion: price([0, 0.6, 15][tier] as number),
        reasoningPerMillion: 15,
        // On-device agents declare a small per-task (energy) price, or none at all with `freeDevices`.
        perTask: tier === 0 && !options.freeDevices ? 1e-6 * (options.priceTies ? 1 : 1 + rng.next()) : 0,
      },
      capacity: { maxConcurrentTasks: 4 + rng.int(0, 60) },
    };
    return { id: `sim-${String(i).padStart(6, '0')}`, profile };
  });
}

function simulatedTasks(n: number, seed: number, spec: BenchCase['task']): MatchTask[] {
  const rng = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const value = spec.hard ? 14 + 4 * rng.next() : Math.max(0, rng.normal(4, 3));
    const voice = rng.next() < (spec.voiceShare ?? 0.3);
    return {
      descriptor: {
        domain: DOMAINS[rng.int(0, DOMAINS.length - 1)] as string,
        complexity: { value, sigma: rng.next() * 1.5 },
        outputTokens: voice ? 40 : 300,
        ...(spec.preference ? { preference: spec.preference } : {}),
        ...(spec.hardConstraints ? { hardConstraints: true } : {}),
        constraints: {
          ...(voice ? { firstResponseDeadlineMs: 1000, completionDeadlineMs: 2000 } : { completionDeadlineMs: 120000 }),
          ...(spec.minSuccess !== undefined ? { minSuccess: spec.minSuccess } : {}),
        },
        network: { rttMs: 60, jitterMs: 30, lossRate: 0.01 },
      },
    };
  });
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
const round = (x: number) => Number(x.toFixed(4));

interface Timing {
  decisions: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

function summarise(values: ArrayLike<number>): Timing {
  const samples = Array.from(values);
  const total = samples.reduce((a, b) => a + b, 0);
  samples.sort((a, b) => a - b);
  return {
    decisions: samples.length,
    p50Ms: round(percentile(samples, 0.5)),
    p99Ms: round(percentile(samples, 0.99)),
    meanMs: round(total / samples.length),
  };
}

const same = (a: MatchResult, b: MatchResult) =>
  a.chosen?.agentId === b.chosen?.agentId &&
  a.chosen?.mode === b.chosen?.mode &&
  a.selection.join() === b.selection.join() &&
  a.escalation.join() === b.escalation.join();

/**
 * A full collection on demand: the setup's garbage (the previous case's fleet and index, this case's build and the
 * scan) is collected before each timed loop, as a broker does not rebuild its index between decisions; every
 * collection the decisions' own allocation causes still lands in the loop and is counted.
 */
v8.setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** A garbage collection seen by a PerformanceObserver (same clock as performance.now()). */
interface GcEvent {
  readonly start: number;
  readonly end: number;
  readonly minor: boolean;
}

/** Records the collections from now until `stop()` (entries arrive asynchronously: stop waits for them). */
function watchGc(): { stop(): Promise<GcEvent[]> } {
  const events: GcEvent[] = [];
  const add = (entries: readonly PerformanceEntry[]) => {
    for (const e of entries) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      events.push({
        start: e.startTime,
        end: e.startTime + e.duration,
        minor: kind === constants.NODE_PERFORMANCE_GC_MINOR,
      });
    }
  };
  const observer = new PerformanceObserver((list) => add(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    async stop() {
      await new Promise((resolve) => setImmediate(resolve));
      add(observer.takeRecords());
      observer.disconnect();
      return events;
    },
  };
}

/**
 * Bytes allocated on the V8 heap per decision: the growth of the heap's used size across one decision, over
 * decisions during which no collection ran (the growth is then negative and skipped), less the same measure with
 * no decision between (the statistics object itself). The median over `count` decisions of the case's tasks.
 */
function bytesPerDecision(index: CandidateIndex, tasks: readonly MatchTask[], count: number): number {
  const used = () => v8.getHeapStatistics().used_heap_size;
  const growth: number[] = [];
  const empty: number[] = [];
  for (let i = 0; i < count; i++) {
    const e0 = used();
    const e1 = used();
    if (e1 >= e0) empty.push(e1 - e0);
    const h0 = used();
    index.match(tasks[i % tasks.length] as MatchTask);
    const h1 = used();
    if (h1 >= h0) growth.push(h1 - h0);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1] ?? Number.NaN;
  return Math.round(median(growth) - median(empty));
}

async function runCase(size: number, c: BenchCase) {
  const fleet = simulatedFleet(size, 1000 + size, c.fleet);
  const tasks = simulatedTasks(2048, 7, c.task);
  const index = new CandidateIndex(fleet);
  for (const d of DOMAINS) index.match({ descriptor: { domain: d, complexity: { value: 1 } } }); // build the caches
  const warmupStart = performance.now();
  let warmedUp = 0;
  while (warmup === undefined ? warmedUp < 64 || performance.now() - warmupStart < budgetMs : warmedUp < warmup) {
    index.match(tasks[tasks.length - 1 - (warmedUp % tasks.length)] as MatchTask);
    warmedUp++;
  }
  // Preallocated sample arrays: the timed loop allocates nothing of its own but process.cpuUsage's two objects.
  const limit = 200_000;
  const starts = new Float64Array(limit);
  const wall = new Float64Array(limit);
  const cpuTimes = new Float64Array(limit);
  const assessed = new Float64Array(limit);
  const refined = new Float64Array(limit);
  const prepared = new Float64Array(limit);
  let feasibleNone = 0;
  let n = 0;
  collectGarbage();
  const gc = watchGc();
  const start = performance.now();
  for (; (performance.now() - start < budgetMs || n < 20) && n < limit; n++) {
    const task = tasks[n % tasks.length] as MatchTask;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = index.match(task);
    const t1 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    starts[n] = t0;
    wall[n] = t1 - t0;
    cpuTimes[n] = (cpu.user + cpu.system) / 1000;
    assessed[n] = r.assessed;
    refined[n] = r.refined;
    prepared[n] = r.prepared;
    if (r.ranked.length === 0) feasibleNone++;
  }
  const collections = await gc.stop();
  // Decisions during which a collection ran (on the main thread: scavenges and mark-compact pauses).
  const touched = new Uint8Array(n);
  for (const e of collections) {
    for (let k = 0; k < n; k++) {
      if ((starts[k] as number) < e.end && (starts[k] as number) + (wall[k] as number) > e.start) touched[k] = 1;
    }
  }
  const untouched = (xs: Float64Array) => xs.subarray(0, n).filter((_, k) => touched[k] === 0);
  const samples = wall.subarray(0, n);
  const cpuSamples = cpuTimes.subarray(0, n);
  const scanSamples: number[] = [];
  let disagreements = 0;
  const scanStart = performance.now();
  for (let i = 0; i < scanDecisions && (i < 3 || performance.now() - scanStart < budgetMs); i++) {
    const task = tasks[i] as MatchTask;
    const t0 = performance.now();
    const full = match(task, fleet);
    scanSamples.push(performance.now() - t0);
    if (!same(full, index.match(task))) disagreements++;
  }
  const indexed = summarise(samples);
  const indexedCpu = summarise(cpuSamples);
  const fullScan = summarise(scanSamples);
  const minor = collections.filter((e) => e.minor).length;
  const gcTouched = touched.reduce((a, b) => a + b, 0);
  const perThousand = (x: number) => Number(((1000 * x) / n).toFixed(2));
  const sortedAssessed = Array.from(assessed.subarray(0, n)).sort((a, b) => a - b);
  const sortedRefined = Array.from(refined.subarray(0, n)).sort((a, b) => a - b);
  const mean = (xs: ArrayLike<number>) => Number((Array.from(xs).reduce((a, b) => a + b, 0) / xs.length).toFixed(1));
  return {
    case: c.name,
    assessedPerDecision: {
      mean: mean(sortedAssessed),
      p99: percentile(sortedAssessed, 0.99),
      max: sortedAssessed[n - 1] as number,
    },
    refinedPerDecision: { mean: mean(sortedRefined), max: sortedRefined[n - 1] as number },
    preparedPerDecision: { mean: mean(prepared.subarray(0, n)), max: Math.max(...prepared.subarray(0, n)) },
    noneFeasibleShare: round(feasibleNone / n),
    warmupDecisions: warmedUp,
    // Load-independent: bytes allocated per decision (median, outside the timed loop), collections per 1 000
    // decisions during the timed loop and the share of decisions a collection ran in.
    bytesPerDecision: bytesPerDecision(index, tasks, Math.min(200, n)),
    gc: {
      scavengesPer1000: perThousand(minor),
      otherPer1000: perThousand(collections.length - minor),
      decisionsWithGcShare: round(gcTouched / n),
      // The same decisions' percentiles without those a collection ran in (diagnostic; the headline keeps them).
      withoutGc: { wall: summarise(untouched(wall)), cpu: summarise(untouched(cpuTimes)) },
    },
    indexed,
    indexedCpu,
    fullScan,
    disagreements,
    ratios: {
      p50FullOverIndexed: Number((fullScan.p50Ms / indexed.p50Ms).toFixed(1)),
      p99FullOverIndexed: Number((fullScan.p99Ms / indexed.p99Ms).toFixed(1)),
      assessedFullOverIndexed: Number((size / Math.max(1, sortedAssessed[n >> 1] as number)).toFixed(1)),
    },
  };
}

const results: Array<{ agents: number; cases: Array<Awaited<ReturnType<typeof runCase>>> }> = [];
for (const agents of sizes) {
  const done = [];
  for (const c of cases) done.push(await runCase(agents, c));
  results.push({ agents, cases: done });
}
const at10k = results.find((r) => r.agents === 10000);
const summary = {
  benchmark: 'bench:match',
  simulated: true,
  baseline: 'full scan (match) over every agent, on the first --scan-decisions tasks of each case',
  environment: {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    msPerCase: budgetMs,
    scanDecisions,
    warmupDecisions: warmup ?? 'as many as fit in msPerCase, at least 64',
  },
  results,
  target: at10k
    ? {
        p99MsAt10k: Object.fromEntries(at10k.cases.map((c) => [c.case, c.indexed.p99Ms])),
        cpuP99MsAt10k: Object.fromEntries(at10k.cases.map((c) => [c.case, c.indexedCpu.p99Ms])),
        met: at10k.cases.every((c) => c.indexed.p99Ms < 1),
        cpuMet: at10k.cases.every((c) => c.indexedCpu.p99Ms < 1),
      }
    : null,
};
if (values.json) {
  console.log(JSON.stringify(summary));
} else {
  console.log(`bench:match (simulated fleets; ${process.version}; baseline: full scan in the same run)`);
  for (const r of results) {
    console.log(`\n${r.agents} agents\n`);
    console.log(
      '| case | assessed mean / p99 / max | bounds refined mean / max | rows prepared mean / max | none feasible | indexed p50 ms | indexed p99 ms | CPU p50 ms | CPU p99 ms | scan p50 ms | scan p99 ms | p50 ratio | disagreements |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const c of r.cases) {
      const a = c.assessedPerDecision;
      console.log(
        `| ${c.case} | ${a.mean} / ${a.p99} / ${a.max} | ${c.refinedPerDecision.mean} / ${c.refinedPerDecision.max} | ${c.preparedPerDecision.mean} / ${c.preparedPerDecision.max} | ${(100 * c.noneFeasibleShare).toFixed(0)} % | ${c.indexed.p50Ms} | ${c.indexed.p99Ms} | ${c.indexedCpu.p50Ms} | ${c.indexedCpu.p99Ms} | ${c.fullScan.p50Ms} | ${c.fullScan.p99Ms} | ${c.ratios.p50FullOverIndexed}x | ${c.disagreements}/${c.fullScan.decisions} |`,
      );
    }
  }
  if (summary.target) {
    console.log(`\nTarget p99 < 1 ms at 10 000 agents for every case: ${summary.target.met ? 'met' : 'NOT met'}`);
    console.log(`CPU p99 < 1 ms at 10 000 agents for every case: ${summary.target.cpuMet ? 'met' : 'NOT met'}`);
  }
}
