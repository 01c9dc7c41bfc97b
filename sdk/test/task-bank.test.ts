import { describe, expect, it } from 'vitest';
import { CORE_DOMAINS } from '../src/rightsize/model/common.js';
import {
  familiesOf,
  mixProbes,
  PROBE_SIGMA,
  probePlan,
  SURFACE_FORMS,
  sortingSteps,
  TASK_FAMILIES,
} from '../src/rightsize/task-bank/index.js';

const families = Object.values(TASK_FAMILIES);

describe('calibration task bank (spec §9.1)', () => {
  it('has a family for every core domain', () => {
    for (const domain of CORE_DOMAINS) expect(familiesOf(domain).length, domain).toBeGreaterThanOrEqual(1);
  });

  it('maps parameters to complexity by the formulas of the spec', () => {
    expect(TASK_FAMILIES.hanoi?.generate(10, 1).complexity).toBeCloseTo(Math.log2(1023), 12);
    expect(TASK_FAMILIES.multiplication?.generate(1, 1).complexity).toBe(0); // 1×1: one step
    expect(TASK_FAMILIES.multiplication?.generate(4, 1).complexity).toBeCloseTo(Math.log2(31), 12);
    expect(TASK_FAMILIES['arithmetic-chain']?.generate(256, 1).complexity).toBeCloseTo(Math.log2(768), 12);
    expect(sortingSteps(8)).toBe(17); // merge sort, worst case: 8·3 − 8 + 1
    expect(sortingSteps(2)).toBe(1);
    expect(TASK_FAMILIES['kv-extraction']?.generate(64, 1).complexity).toBeCloseTo(Math.log2(18), 12); // 3 · 6
    for (const id of ['list-edits', 'fact-chain', 'string-rules']) {
      expect(TASK_FAMILIES[id]?.generate(1, 1).complexity, id).toBe(0); // one act, look-up or rule
      expect(TASK_FAMILIES[id]?.generate(16, 1).complexity, id).toBe(4);
      expect(TASK_FAMILIES[id]?.parameterFor(5.2), id).toBe(37); // round(2^5.2)
    }
  });

  for (const family of families) {
    describe(family.id, () => {
      const [lo, hi] = family.range;
      const small = family.parameterFor(3);

      it('generates the same task from the same seed, and different tasks from different seeds', () => {
        expect(family.generate(small, 7)).toEqual(family.generate(small, 7));
        const prompts = new Set([1, 2, 3, 4, 5].map((seed) => family.generate(family.parameterFor(5), seed).prompt));
        expect(prompts.size).toBeGreaterThan(1);
      });

      it('accepts the correct answer with text around it, and rejects wrong, empty and malformed answers', () => {
        for (const seed of [1, 2, 3]) {
          const task = family.generate(family.parameterFor(4), seed);
          expect(family.verify(task, task.solution)).toBe(true);
          expect(family.verify(task, `Sure. Here it is:\n${task.solution}\nHope this helps.`)).toBe(true);
          expect(family.verify(task, '')).toBe(false);
          expect(family.verify(task, 'I do not know')).toBe(false);
          expect(family.verify(task, task.solution.slice(0, Math.floor(task.solution.length / 2)))).toBe(false);
          const other = family.generate(family.parameterFor(4), seed + 100);
          if (other.solution !== task.solution) expect(family.verify(task, other.solution)).toBe(false);
        }
      });

      it('picks the parameter nearest a target complexity, within its range', () => {
        for (const c of [0, 2, 4.5, 7, 12, 30]) {
          const p = family.parameterFor(c);
          expect(p).toBeGreaterThanOrEqual(lo);
          expect(p).toBeLessThanOrEqual(hi);
        }
        const mid = family.parameterFor(5);
        expect(Math.abs(Math.log2(family.steps(mid)) - 5)).toBeLessThan(1.1);
      });

      it('words its prompt in every surface form, chosen by the seed, with the same content', () => {
        const forms = new Map<number, string>();
        for (let seed = 1; forms.size < SURFACE_FORMS && seed < 200; seed++) {
          const task = family.generate(small, seed);
          forms.set(task.surface, task.prompt);
          expect(family.verify(task, task.solution)).toBe(true);
        }
        expect(new Set(forms.values()).size).toBe(SURFACE_FORMS);
      });

      it('refuses parameters out of range with a RangeError', () => {
        expect(() => family.generate(lo - 1, 1)).toThrow(RangeError);
        expect(() => family.generate(hi + 1, 1)).toThrow(RangeError);
        expect(() => family.generate(lo + 0.5, 1)).toThrow(RangeError);
      });
    });
  }

  it('hanoi: rejects an illegal move sequence and an incomplete one', () => {
    const hanoi = TASK_FAMILIES.hanoi;
    if (!hanoi) throw new Error('missing family');
    const task = hanoi.generate(3, 1);
    const moves = JSON.parse(task.solution) as string[][];
    expect(hanoi.verify(task, JSON.stringify(moves.slice(0, -1)))).toBe(false);
    const swapped = [...moves];
    [swapped[0], swapped[1]] = [swapped[1] as string[], swapped[0] as string[]];
    expect(hanoi.verify(task, JSON.stringify(swapped))).toBe(false);
  });

  it('dialogue, retrieval and general: answers follow from the prompt', () => {
    const list = TASK_FAMILIES['list-edits'];
    const chain = TASK_FAMILIES['fact-chain'];
    const rules = TASK_FAMILIES['string-rules'];
    if (!list || !chain || !rules) throw new Error('missing family');
    const edits = list.generate(6, 5);
    expect(edits.prompt.match(/^User: /gm)?.length).toBe(6);
    const hop = chain.generate(1, 9);
    const start = (hop.expected as { names: string[] }).names[0] as string;
    expect(hop.prompt).toContain(start);
    expect(chain.verify(hop, `It is ${start}, no wait: ${hop.solution}.`)).toBe(true);
    expect(chain.verify(hop, `${hop.solution}? No, ${start}.`)).toBe(false);
    const word = rules.generate(1, 3);
    expect(rules.verify(word, `The word is ${word.solution}.`)).toBe(true);
    expect(rules.verify(word, (word.expected as { word: string }).word)).toBe(false); // format: in double quotes
  });
});

describe('claims-verification probes (spec §9.4)', () => {
  it('two runs draw different probes; every probe verifies and carries an estimate with a sigma', () => {
    const first = probePlan('math', 6);
    const second = probePlan('math', 6);
    expect(first).toHaveLength(40);
    expect(first.map((p) => p.task.prompt)).not.toEqual(second.map((p) => p.task.prompt));
    expect(new Set(first.map((p) => p.task.seed)).size).toBe(40);
    for (const probe of [...first, ...second]) {
      const family = TASK_FAMILIES[probe.task.family];
      expect(family?.verify(probe.task, probe.task.solution)).toBe(true);
      expect(probe.descriptor.complexity).toMatchObject({ sigma: PROBE_SIGMA, source: 'estimated' });
      expect(Math.abs((probe.descriptor.complexity?.value ?? -9) - probe.task.complexity)).toBeLessThanOrEqual(0.25);
    }
    expect(new Set(first.map((p) => p.task.family))).toEqual(new Set(['multiplication', 'arithmetic-chain']));
    expect(new Set(first.map((p) => p.task.surface)).size).toBe(SURFACE_FORMS);
    expect(probePlan('math', 6, { seed: 77 })).toEqual(probePlan('math', 6, { seed: 77 }));
    expect(probePlan('com.example:contracts', 6)).toEqual([]);
  });

  it('mixes probes into traffic at random positions, keeping both orders', () => {
    const traffic = Array.from({ length: 200 }, (_, i) => `t${i}`);
    const probes = Array.from({ length: 20 }, (_, i) => `p${i}`);
    const a = mixProbes(traffic, probes);
    const b = mixProbes(traffic, probes);
    expect(a).toHaveLength(220);
    expect(a.filter((x) => x.startsWith('t'))).toEqual(traffic);
    expect(a.filter((x) => x.startsWith('p'))).toEqual(probes);
    expect(a).not.toEqual(b);
    expect(a.indexOf('p0')).toBeLessThan(200); // not all appended at the end
  });
});
