/**
 * A tiny benchmark harness: runs candidates in interleaved rounds (so machine noise hits all of them alike),
 * reports the median rate per candidate and ratios against a baseline, as a table or (with --json) one JSON object.
 */
import { parseArgs } from 'node:util';

export interface Candidate {
  readonly name: string;
  /** Runs one operation; its return value is kept alive so the work is not optimised away. */
  readonly run: () => unknown;
}

export interface CaseResult {
  readonly case: string;
  readonly opsPerSec: Record<string, number>;
  /** Each candidate's rate divided by the baseline's rate. */
  readonly ratios: Record<string, number>;
}

export interface BenchOptions {
  readonly json: boolean;
  readonly rounds: number;
  readonly roundMs: number;
}

export function benchOptions(help: string, argv = process.argv.slice(2)): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      rounds: { type: 'string' },
      'round-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      `${help}\n\nOptions:\n  --json          print one JSON object\n  --rounds <n>    interleaved rounds (default 7)\n  --round-ms <n>  time per candidate per round (default 200)`,
    );
    process.exit(0);
  }
  const rounds = Number(values.rounds ?? 7);
  const roundMs = Number(values['round-ms'] ?? 200);
  if (!Number.isInteger(rounds) || rounds < 1 || !Number.isFinite(roundMs) || roundMs <= 0) {
    throw new Error('--rounds must be a positive integer and --round-ms a positive number');
  }
  return { json: !!values.json, rounds, roundMs };
}

let sink: unknown;

function rateFor(candidate: Candidate, ms: number): number {
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 64; i++) sink = candidate.run();
    ops += 64;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** Measure `candidates` (the first is the baseline) in interleaved rounds after a warm-up. */
export function runCase(name: string, candidates: readonly Candidate[], options: BenchOptions): CaseResult {
  for (const c of candidates) rateFor(c, Math.min(100, options.roundMs));
  const samples = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (const c of candidates) samples.get(c.name)?.push(rateFor(c, options.roundMs));
  }
  const opsPerSec: Record<string, number> = {};
  for (const [key, values] of samples) opsPerSec[key] = Math.round(median(values));
  const baseline = opsPerSec[candidates[0]?.name as string] as number;
  const ratios: Record<string, number> = {};
  for (const [key, value] of Object.entries(opsPerSec)) ratios[key] = Number((value / baseline).toFixed(3));
  if (sink === Symbol.for('never')) console.log('');
  return { case: name, opsPerSec, ratios };
}

export function report(
  benchmark: string,
  baseline: string,
  results: readonly CaseResult[],
  options: BenchOptions,
): void {
  const environment = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    rounds: options.rounds,
    roundMs: options.roundMs,
  };
  if (options.json) {
    console.log(JSON.stringify({ benchmark, baseline, environment, results }));
    return;
  }
  console.log(
    `${benchmark} (baseline: ${baseline}; median of ${options.rounds} interleaved rounds, ${process.version})\n`,
  );
  console.log('| case | candidate | ops/s | ratio to baseline |\n|---|---|---:|---:|');
  for (const r of results) {
    for (const [candidate, ops] of Object.entries(r.opsPerSec)) {
      console.log(`| ${r.case} | ${candidate} | ${ops.toLocaleString('en-US')} | ${r.ratios[candidate]?.toFixed(3)} |`);
    }
  }
}
