/**
 * Spec §9.4: the sequential claims test, simulated (simulated agents). Honest agents are monitored after every one of
 * 10 000 outcomes; agents that over-claim by one unit are probed at a − 2, a − 1, a and a + 1 in turn. The figures
 * are those stated in the spec: false alarms ≤ 1 % per honest agent over 10 000 outcomes, power ≥ 80 % at
 * PROBES probes.
 */
import { describe, expect, it } from 'vitest';
import { Calibrator, eBenjaminiHochberg } from '../src/rightsize/learning/calibration.js';
import { capabilitySuccessAt } from '../src/rightsize/math/predict.js';
import { mulberry32 } from '../src/rightsize/math/prng.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';

const declared = (ability: number): CapabilityProfile => ({
  domains: [{ domain: 'math', ability }],
  reasoning: { mode: 'none' },
  latency: { ttftMs: { p50: 100, p95: 200 }, outputTokensPerSecond: 50 },
  placement: { placement: 'cloud' },
  cost: { currency: 'USD' },
});

/** The probe count of spec §9.4: 10 probes at each of a − 2, a − 1, a and a + 1. */
const PROBES = 40;
const HONEST_AGENTS = 300;
const OUTCOMES = 10_000;

describe('claims verification (spec §9.4), simulated', () => {
  it(`false alarms ≤ 1 % over ${OUTCOMES} outcomes per honest agent; power ≥ 80 % at ${PROBES} probes`, {
    timeout: 600_000,
  }, () => {
    const rng = mulberry32(2026);
    const honest = new Calibrator();
    for (let agent = 0; agent < HONEST_AGENTS; agent++) {
      const a = 4 + 6 * rng.next();
      const profile = declared(a);
      for (let i = 0; i < OUTCOMES; i++) {
        const c = a - 3 + 6 * rng.next();
        const success = rng.next() < capabilitySuccessAt({ ability: a, slope: 2, pMax: 1 }, c);
        honest.observe({ agentId: `h${agent}`, domain: 'math', complexity: c, success }, profile);
      }
    }
    const alarms = Array.from({ length: HONEST_AGENTS }, (_, i) => honest.report(`h${i}`)[0]?.verdict).filter(
      (v) => v === 'over-claimed' || v === 'under-claimed',
    ).length;
    const falseAlarmRate = alarms / HONEST_AGENTS;

    const cheat = new Calibrator();
    const CHEATS = 300;
    for (let agent = 0; agent < CHEATS; agent++) {
      const a = 4 + 6 * rng.next();
      for (let i = 0; i < PROBES; i++) {
        const c = a - 2 + (i % 4);
        const success = rng.next() < capabilitySuccessAt({ ability: a - 1, slope: 2, pMax: 1 }, c);
        cheat.observe(
          { agentId: `c${agent}`, domain: 'math', complexity: c, success, evidence: 'verified' },
          declared(a),
        );
      }
    }
    const caught = Array.from({ length: CHEATS }, (_, i) => cheat.report(`c${i}`)[0]?.verdict).filter(
      (v) => v === 'over-claimed',
    ).length;
    const power = caught / CHEATS;
    console.log(`claims test: false alarms ${falseAlarmRate}, power ${power} at ${PROBES} probes`);
    expect(falseAlarmRate).toBeLessThanOrEqual(0.01);
    expect(power).toBeGreaterThanOrEqual(0.8);
  });

  it('ignores self-reported outcomes, and controls false discoveries across a registry with e-BH', () => {
    const cal = new Calibrator();
    for (let i = 0; i < 200; i++) {
      cal.observe(
        { agentId: 'x', domain: 'math', complexity: 12, success: true, evidence: 'self-reported' },
        declared(5),
      );
    }
    expect(cal.report('x')).toEqual([]);
    expect(eBenjaminiHochberg([1, 500, 3, 1000], 0.05)).toEqual([3, 1]);
    expect(eBenjaminiHochberg([1, 30, 3], 0.05)).toEqual([]);
  });
});
