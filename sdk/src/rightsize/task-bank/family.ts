/** A reference task family of spec §9.1: known steps by construction, a seeded generator and an exact verifier. */
import { mulberry32 } from '../math/prng.js';
import type { Domain } from '../model/common.js';

export interface TaskInstance {
  readonly family: string;
  readonly domain: Domain;
  readonly parameter: number;
  readonly seed: number;
  /** Which of the family's surface forms (paraphrased prompt templates, spec §9.1) the prompt uses. */
  readonly surface: number;
  /** log2 of the steps of a minimal correct solution (spec §3.1). */
  readonly complexity: number;
  readonly prompt: string;
  /** A correct answer in the stated format (what a perfect solver would reply). */
  readonly solution: string;
  /** Family-specific data the verifier compares against (derived from the parameter and seed). */
  readonly expected: unknown;
}

export interface TaskFamily {
  readonly id: string;
  readonly domain: Domain;
  /** Inclusive parameter range. */
  readonly range: readonly [number, number];
  /** Elementary steps of a minimal correct solution for a parameter. */
  steps(parameter: number): number;
  /** The parameter whose complexity is nearest the target (spec §9.1, last column). */
  parameterFor(complexity: number): number;
  generate(parameter: number, seed: number): TaskInstance;
  /** True when `answer` (any text around an answer in the stated format) is correct for `instance`. */
  verify(instance: TaskInstance, answer: string): boolean;
}

/** Spec §9.1: the number of surface forms (paraphrased prompt templates) of every family. */
export const SURFACE_FORMS = 3;

/**
 * Spec §9.1: the surface form of a task, drawn from a second Mulberry32 stream seeded with seed XOR 0x9E3779B9, so
 * the task's content (the first stream) does not depend on its wording.
 */
export const surfaceOf = (seed: number): number => mulberry32((seed ^ 0x9e3779b9) >>> 0).int(0, SURFACE_FORMS - 1);

/** The parameter n with log2 n nearest `complexity` (families with s = n), clamped to the range. */
export const linearParameterFor = (complexity: number, range: readonly [number, number]): number =>
  clamp(Math.round(2 ** complexity), range[0], range[1]);

export const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** Checks a parameter against a family's range; throws a RangeError with the family's name otherwise. */
export function checkParameter(family: string, range: readonly [number, number], parameter: number): void {
  if (!Number.isInteger(parameter) || parameter < range[0] || parameter > range[1]) {
    throw new RangeError(`${family}: parameter must be an integer in [${range[0]}, ${range[1]}], got ${parameter}`);
  }
}

/** The first JSON value of the given kind (array or object) found in `text`, or undefined. */
export function firstJson(text: string, open: '[' | '{'): unknown {
  const close = open === '[' ? ']' : '}';
  for (let start = text.indexOf(open); start >= 0; start = text.indexOf(open, start + 1)) {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === open) depth++;
      else if (ch === close && --depth === 0) {
        try {
          return JSON.parse(text.slice(start, i + 1));
        } catch {
          break;
        }
      }
    }
  }
  return undefined;
}

/** The last run of digits (optionally signed) in `text` after removing `,`, `_` and white space, as a BigInt. */
export function lastInteger(text: string): bigint | undefined {
  const compact = text.replace(/[,_\s]/g, '');
  const matches = compact.match(/-?\d+/g);
  const last = matches?.[matches.length - 1];
  return last === undefined ? undefined : BigInt(last);
}

/** The last double-quoted string in `text` (without the quotes), or undefined. */
export function lastQuoted(text: string): string | undefined {
  const matches = text.match(/"([^"\n]*)"/g);
  const last = matches?.[matches.length - 1];
  return last === undefined ? undefined : last.slice(1, -1);
}

/** The task: family, parameter, seed, surface form, complexity c = log2 s, prompt, a correct answer and its data. */
export function instance(
  family: TaskFamily,
  parameter: number,
  seed: number,
  prompt: string,
  solution: string,
  expected: unknown,
): TaskInstance {
  return {
    family: family.id,
    domain: family.domain,
    parameter,
    seed,
    surface: surfaceOf(seed),
    complexity: Math.log2(family.steps(parameter)),
    prompt,
    solution,
    expected,
  };
}
