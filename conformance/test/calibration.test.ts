/**
 * The calibration level (Rightsize §9.4 active claims verification) against SIMULATED agents that answer with the
 * probability of their true curve: an honest agent passes, an agent that over-claims its math ceiling is caught (with
 * fresh seeds, as a real run draws them).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSuite } from '@rightsize/conformance';
import type { CapabilityProfile } from '@rightsize/sdk/rightsize';
import { describe, expect, it } from 'vitest';
import { startCalibrationAgent, TEST_PROFILE } from '../ci/agents.js';
import { main } from '../src/cli.js';

const declared = (math: number, planning: number): CapabilityProfile => ({
  ...TEST_PROFILE,
  domains: [
    { domain: 'math', ability: math },
    { domain: 'planning', ability: planning },
  ],
  skills: {},
});

describe('calibration level', () => {
  it('an honest agent passes with a consistent verdict in each verifiable domain', async () => {
    const agent = await startCalibrationAgent(declared(7, 6), { math: 7, planning: 6 });
    try {
      // A fixed calibrationSeed keeps this test deterministic: with fresh seeds an honest agent is flagged with
      // probability up to α = 1 % per domain (spec 1.1 §9.4).
      const report = await runSuite({ url: agent.baseUrl, level: 'calibration', timeoutMs: 4000, calibrationSeed: 1 });
      const [result] = report.results;
      expect(result?.status).toBe('passed');
      expect(result?.notes).toHaveLength(2);
      for (const note of result?.notes ?? []) expect(note).toMatch(/consistent/);
      expect(report.attachments?.['calibration.svg']).toMatch(/^<svg/);
    } finally {
      await agent.close();
    }
  });

  it('an agent that over-claims its math ceiling by 3 is caught (sequential e-value test) and the plot is written', async () => {
    const agent = await startCalibrationAgent(declared(9, 6), { math: 6, planning: 6 });
    try {
      const svg = join(await mkdtemp(join(tmpdir(), 'calibration-')), 'plot.svg');
      const out: string[] = [];
      const code = await main(['--url', agent.baseUrl, '--level', 'calibration', '--quiet', '--svg', svg], {
        out: (t) => out.push(t),
        err: () => undefined,
      });
      expect(code).toBe(1);
      const text = out.join('\n');
      expect(text).toMatch(/FAIL calibration:9\.4:MUST:declared-curves-hold/);
      expect(text).toMatch(/math: over-claimed \(declared 9, fitted/);
      expect(text).toMatch(/planning \(hanoi\): declared ability 6, .*consistent/);
      expect(await readFile(svg, 'utf8')).toMatch(/math \(multiplication\): declared 9, fitted/);
    } finally {
      await agent.close();
    }
  });
});
