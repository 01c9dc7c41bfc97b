/**
 * The anchor corpus (spec/v1/anchors.json, spec §3.5): every core domain has anchors, each anchor's complexity is
 * log2 of its counted steps, and the anchors drawn from the reference families (§9.1) are reproduced by the SDK's
 * generators, so the families and the counting procedure agree.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORE_DOMAINS } from '../src/rightsize/model/common.js';
import { resolveTask } from '../src/rightsize/routing/match.js';
import { TASK_FAMILIES } from '../src/rightsize/task-bank/index.js';
import { REPO_ROOT } from './support/spec-examples.js';

interface Anchor {
  id: string;
  domain: string;
  task: string;
  steps: number;
  complexity: number;
  counting: string;
  family?: string;
}
const { anchors } = JSON.parse(readFileSync(join(REPO_ROOT, 'spec', 'v1', 'anchors.json'), 'utf8')) as {
  anchors: Anchor[];
};

describe('anchor corpus (spec §3.5)', () => {
  it('has at least two anchors for every core domain, with unique ids', () => {
    for (const domain of CORE_DOMAINS) {
      expect(anchors.filter((a) => a.domain === domain).length, domain).toBeGreaterThanOrEqual(2);
    }
    expect(new Set(anchors.map((a) => a.id)).size).toBe(anchors.length);
  });

  it('states c = log2(steps) for every anchor, with a counting rationale', () => {
    for (const a of anchors) {
      expect(Number.isInteger(a.steps) && a.steps >= 1, a.id).toBe(true);
      expect(a.complexity, a.id).toBeCloseTo(Math.log2(a.steps), 12);
      expect(a.counting.length, a.id).toBeGreaterThan(10);
    }
  });

  it('agrees with the reference families: same domain, same steps', () => {
    const fromFamilies = anchors.filter((a) => a.family !== undefined);
    expect(fromFamilies.length).toBeGreaterThanOrEqual(5);
    for (const a of fromFamilies) {
      const [id, parameter] = (a.family as string).split(':') as [string, string];
      const family = TASK_FAMILIES[id];
      if (!family) throw new Error(`unknown family ${id}`);
      expect(family.domain, a.id).toBe(a.domain);
      expect(family.steps(Number(parameter)), a.id).toBe(a.steps);
      expect(family.generate(Number(parameter), 1).complexity, a.id).toBeCloseTo(a.complexity, 12);
    }
  });

  it('a declared anchor complexity resolves to itself (sigma 0 when declared exact)', () => {
    for (const a of anchors) {
      const r = resolveTask({ descriptor: { domain: a.domain, complexity: { value: a.complexity, sigma: 0 } } });
      expect(r.complexity).toMatchObject({ value: a.complexity, sigma: 0 });
    }
  });
});
