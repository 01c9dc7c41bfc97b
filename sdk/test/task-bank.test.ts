import { describe, expect, it } from 'vitest';
import { sortingSteps, TASK_FAMILIES } from '../src/rightsize/task-bank/index.js';

const families = Object.values(TASK_FAMILIES);

describe('calibration task bank (spec §9.1)', () => {
  it('has at least five families across at least three domains', () => {
    expect(families.length).toBeGreaterThanOrEqual(5);
    expect(new Set(families.map((f) => f.domain)).size).toBeGreaterThanOrEqual(3);
  });

  it('maps parameters to complexity by the formulas of the spec', () => {
    expect(TASK_FAMILIES.hanoi?.generate(10, 1).complexity).toBeCloseTo(Math.log2(1023), 12);
    expect(TASK_FAMILIES.multiplication?.generate(1, 1).complexity).toBe(0); // 1×1: one step
    expect(TASK_FAMILIES.multiplication?.generate(4, 1).complexity).toBeCloseTo(Math.log2(31), 12);
    expect(TASK_FAMILIES['arithmetic-chain']?.generate(256, 1).complexity).toBeCloseTo(Math.log2(768), 12);
    expect(sortingSteps(8)).toBe(17); // merge sort, worst case: 8·3 − 8 + 1
    expect(sortingSteps(2)).toBe(1);
    expect(TASK_FAMILIES['kv-extraction']?.generate(64, 1).complexity).toBeCloseTo(Math.log2(18), 12); // 3 · 6
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
});
