/**
 * The benchmarks run end to end on small inputs and print one JSON object with --json (their figures are recorded
 * in the READMEs; these runs only keep them working and check their structure and basic sanity).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bench = (name: string) => join(import.meta.dirname, '..', 'bench', name);
const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');

async function json(file: string, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(tsx, [bench(file), ...args, '--json'], { timeout: 120_000 });
  return JSON.parse(stdout);
}

describe('benchmarks (smoke)', () => {
  it('bench:validate reports ops/s and ratios against JSON.parse', async () => {
    const out = await json('validate.ts', ['--rounds', '1', '--round-ms', '20']);
    expect(out).toMatchObject({ benchmark: 'bench:validate', baseline: 'JSON.parse' });
    const results = out.results as Array<{ ratios: Record<string, number> }>;
    expect(results).toHaveLength(2);
    expect(results[0]?.ratios['JSON.parse']).toBe(1);
  });

  it('bench:match reports every case, indexed and full-scan side by side, with ratios and agreement', async () => {
    const out = await json('match.ts', ['--sizes', '10,300', '--ms', '50', '--scan-decisions', '3', '--warmup', '16']);
    expect(out).toMatchObject({ benchmark: 'bench:match', simulated: true });
    const results = out.results as Array<{
      agents: number;
      cases: Array<{
        case: string;
        disagreements: number;
        assessedPerDecision: { mean: number; max: number };
        bytesPerDecision: number;
        gc: { scavengesPer1000: number };
        indexed: { decisions: number };
        indexedCpu: { decisions: number };
        ratios: Record<string, number>;
      }>;
    }>;
    expect(results.map((r) => r.agents)).toEqual([10, 300]);
    for (const r of results) {
      expect(r.cases.map((c) => c.case)).toEqual(expect.arrayContaining(['quality', 'weighted', 'best-effort']));
      for (const c of r.cases) {
        expect(c.indexed.decisions).toBeGreaterThan(0);
        expect(c.indexedCpu.decisions).toBe(c.indexed.decisions);
        // Saturated success (many agents within chains of 1e-5) makes the tie rule of §7.3 intransitive: the scan's
        // order then depends on registry order, and that case reports its disagreements rather than asserting none.
        if (c.case !== 'price-ties-quality') expect(c.disagreements).toBe(0);
        expect(c.assessedPerDecision.max).toBeLessThanOrEqual(r.agents);
        expect(c.bytesPerDecision).toBeGreaterThan(0);
        expect(c.gc.scavengesPer1000).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('bench:match warms up past its 2 048 tasks (it wraps round them; it crashed on an idle machine)', async () => {
    const out = await json('match.ts', ['--sizes', '10', '--ms', '5', '--scan-decisions', '1', '--warmup', '2100']);
    const [r] = out.results as Array<{ cases: Array<{ warmupDecisions: number }> }>;
    for (const c of r?.cases ?? []) expect(c.warmupDecisions).toBe(2100);
  });

  it('bench:server and bench:client compare us with the official SDK in the same run', async () => {
    for (const file of ['server.ts', 'client.ts']) {
      const out = await json(file, ['--ms', '300', '--rounds', '1', '--concurrency', '4']);
      expect(out).toHaveProperty('ratios');
      const ours = out.ours as { sendMessagePerSecond: number; errors: number };
      const theirs = out.theirs as { sendMessagePerSecond: number; errors: number };
      expect(ours.sendMessagePerSecond).toBeGreaterThan(0);
      expect(theirs.sendMessagePerSecond).toBeGreaterThan(0);
      expect(ours.errors).toBe(0);
      if (file === 'server.ts') {
        expect(out).toHaveProperty('ratios.sendMessageVsCeiling');
        expect(out).toHaveProperty('longStream.streamMs');
      }
    }
  }, 120_000);

  it('bench:routing scores tuned baselines, the Router and the oracles on every workload and deadline', async () => {
    const out = await json('routing.ts', ['--tasks', '200', '--no-write']);
    expect(out).toMatchObject({ benchmark: 'bench:routing', simulated: true, warmupShare: 0.2 });
    const cases = out.cases as Array<{
      workload: string;
      deadlineS: number | null;
      scored: number;
      strategies: Array<{ strategy: string; successRate: number; firstAttemptSuccessRate: number }>;
    }>;
    expect(cases.map((c) => `${c.workload}@${c.deadlineS}`)).toEqual([
      'voice@null',
      'mixed@120',
      'mixed@180',
      'mixed@300',
      'mixed@600',
      'hard@120',
      'hard@180',
      'hard@300',
      'hard@600',
    ]);
    for (const c of cases) {
      expect(c.scored).toBe(160);
      const rate = (name: string) => c.strategies.find((s) => s.strategy.startsWith(name))?.successRate ?? Number.NaN;
      // 5 baselines, the Router, the oracle, the estimate-only reference, the earlier oracle and hindsight.
      expect(c.strategies).toHaveLength(10);
      expect(c.strategies.some((s) => s.strategy.startsWith('oracle knowing only'))).toBe(true);
      expect(rate('hindsight')).toBeGreaterThanOrEqual(rate('random'));
      for (const s of c.strategies) expect(s.firstAttemptSuccessRate).toBeLessThanOrEqual(s.successRate + 1e-9);
    }
    expect(out.targets).toHaveProperty('noTunedBaselineBetterOnBoth');
  }, 120_000);

  it('bench:real replays real outcomes and reports APGR against the baselines', async () => {
    const out = await json('real.ts', ['--limit', '600', '--lambdas', '0,4,16,1000', '--no-write']);
    expect(out).toMatchObject({ benchmark: 'bench:real', questions: 600, warmup: 120 });
    const router = out.router as { apgrEvaluation: number; perLambda: Array<{ lambda: number; strongShare: number }> };
    expect(router.perLambda.map((p) => p.lambda)).toEqual([0, 4, 16, 1000]);
    expect(router.perLambda[0]?.strongShare).toBe(0);
    expect(Number.isFinite(router.apgrEvaluation)).toBe(true);
    const baselines = (out.baselines as { evaluation: Record<string, { apgr: number }> }).evaluation;
    expect(baselines.random?.apgr).toBeCloseTo(0.5, 9);
    expect(baselines.oracle?.apgr).toBeGreaterThan(baselines.perSubjectHindsight?.apgr ?? 1);
    expect(out).toHaveProperty('heldOut.router.apgr');
    // The dial over one learner: monotone in λ by construction, from no GPT-4 call at λ = 0.
    const dial = out.dialSweep as { monotoneViolations: number; perLambda: Array<{ strongShare: number }> };
    expect(dial.monotoneViolations).toBe(0);
    expect(dial.perLambda[0]?.strongShare).toBe(0);
    expect(dial.perLambda.at(-1)?.strongShare).toBeGreaterThan(0);
    expect(out).toHaveProperty('dialSweep.topOfDial.perSubjectHindsight');
    // Learned prior widths by default, with the fixed widths as a sensitivity row.
    expect(out).toHaveProperty('settings.learner.empiricalBayes.pseudoCount', 0.5);
    const variants = (out.dialSweep as { sensitivity: Array<{ variant: string }> }).sensitivity.map((v) => v.variant);
    expect(variants).toContain('fixed prior widths (empirical Bayes off)');
  }, 120_000);
});
