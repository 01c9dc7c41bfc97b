/** The reference task families of spec §9.1: the five numeric ones here, dialogue/retrieval/general in their files. */
import { mulberry32 } from '../math/prng.js';
import { listEdits } from './dialogue.js';
import { checkParameter, clamp, firstJson, instance, lastInteger, surfaceOf, type TaskFamily } from './family.js';
import { stringRules } from './general.js';
import { factChain } from './retrieval.js';

const PEGS = ['A', 'B', 'C'] as const;

const hanoiPrompt = (form: number, n: number, from: string, to: string): string =>
  [
    `Tower of Hanoi: ${n} disks are stacked on peg ${from}, largest at the bottom. Move them all to peg ${to}, one disk at a time, never placing a larger disk on a smaller one. Answer with a JSON array of moves, each [from, to], e.g. [["A","C"]].`,
    `Three pegs A, B and C. Peg ${from} holds ${n} disks, smallest on top. Transfer the whole stack to peg ${to}, moving one disk at a time and never putting a disk on a smaller one. Reply with the moves as a JSON array of [from, to] pairs, for example [["A","B"]].`,
    `Solve the Tower of Hanoi puzzle with ${n} disks: they start on peg ${from} and must end on peg ${to} (pegs A, B, C). Only one disk moves at a time and no disk may rest on a smaller one. Give the move list as JSON, e.g. [["B","C"],["A","B"]].`,
  ][form] as string;

export const hanoi: TaskFamily = {
  id: 'hanoi',
  domain: 'planning',
  range: [1, 24],
  steps: (n) => 2 ** n - 1,
  parameterFor: (c) => clamp(Math.round(c), 1, 24),
  generate(n, seed) {
    checkParameter('hanoi', this.range, n);
    const rng = mulberry32(seed);
    const from = rng.int(0, 2);
    const to = (from + rng.int(1, 2)) % 3;
    const moves: string[][] = [];
    const solve = (k: number, a: number, b: number, via: number) => {
      if (k === 0) return;
      solve(k - 1, a, via, b);
      moves.push([PEGS[a] as string, PEGS[b] as string]);
      solve(k - 1, via, b, a);
    };
    if (n <= 16) solve(n, from, to, 3 - from - to);
    return instance(
      this,
      n,
      seed,
      hanoiPrompt(surfaceOf(seed), n, PEGS[from] as string, PEGS[to] as string),
      n <= 16 ? JSON.stringify(moves) : '(solution omitted: more than 65535 moves)',
      { from, to },
    );
  },
  verify(task, answer) {
    const { from, to } = task.expected as { from: number; to: number };
    const moves = firstJson(answer, '[');
    if (!Array.isArray(moves)) return false;
    const pegs: number[][] = [[], [], []];
    for (let d = task.parameter; d >= 1; d--) (pegs[from] as number[]).push(d);
    for (const move of moves) {
      if (!Array.isArray(move) || move.length !== 2) return false;
      const a = PEGS.indexOf(move[0]);
      const b = PEGS.indexOf(move[1]);
      if (a < 0 || b < 0 || a === b) return false;
      const disk = (pegs[a] as number[]).at(-1);
      const top = (pegs[b] as number[]).at(-1);
      if (disk === undefined || (top !== undefined && top < disk)) return false;
      (pegs[a] as number[]).pop();
      (pegs[b] as number[]).push(disk);
    }
    return (pegs[to] as number[]).length === task.parameter;
  },
};

export const multiplication: TaskFamily = {
  id: 'multiplication',
  domain: 'math',
  range: [1, 40],
  // Spec §3.5 (math): k² single-digit products and k² − 1 single-digit additions; a 1×1 product is one step.
  steps: (k) => 2 * k * k - 1,
  parameterFor: (c) => clamp(Math.round(Math.sqrt((2 ** c + 1) / 2)), 1, 40),
  generate(k, seed) {
    checkParameter('multiplication', this.range, k);
    const rng = mulberry32(seed);
    const factor = () => {
      let digits = String(rng.int(1, 9));
      for (let i = 1; i < k; i++) digits += String(rng.int(0, 9));
      return BigInt(digits);
    };
    const a = factor();
    const b = factor();
    const prompt = [
      `Compute ${a} × ${b}. Answer with the exact integer.`,
      `What is ${a} multiplied by ${b}? Give the exact integer.`,
      `Multiply ${a} by ${b} and reply with the exact product.`,
    ][surfaceOf(seed)] as string;
    return instance(this, k, seed, prompt, String(a * b), { product: String(a * b) });
  },
  verify: (task, answer) => lastInteger(answer) === BigInt((task.expected as { product: string }).product),
};

export const arithmeticChain: TaskFamily = {
  id: 'arithmetic-chain',
  domain: 'math',
  range: [1, 65536],
  // Spec §3.5 (math): each operation on the 3-digit accumulator is three single-digit operations.
  steps: (n) => 3 * n,
  parameterFor: (c) => clamp(Math.round(2 ** c / 3), 1, 65536),
  generate(n, seed) {
    checkParameter('arithmetic-chain', this.range, n);
    const rng = mulberry32(seed);
    const start = rng.int(1, 9);
    let x = start;
    const ops: string[] = [];
    for (let i = 0; i < n; i++) {
      const op = ['+', '-', '*'][rng.int(0, 2)] as string;
      const d = rng.int(1, 9);
      const raw = op === '+' ? x + d : op === '-' ? x - d : x * d;
      x = ((raw % 1000) + 1000) % 1000;
      ops.push(`${op} ${d}`);
    }
    return instance(
      this,
      n,
      seed,
      [
        `Start with ${start}. Apply these operations in order, taking the result modulo 1000 (0–999) after each: ${ops.join(', ')}. What is the final value?`,
        `x = ${start}. Apply each of these operations to x in order and reduce the result modulo 1000 (to 0–999) after every step: ${ops.join(', ')}. Report the final x.`,
        `Begin at ${start}. For each operation below, in sequence, update the running value and keep only its remainder modulo 1000 (0 to 999): ${ops.join(', ')}. Which number do you end with?`,
      ][surfaceOf(seed)] as string,
      String(x),
      { result: x },
    );
  },
  verify: (task, answer) => lastInteger(answer) === BigInt((task.expected as { result: number }).result),
};

/**
 * Spec §3.5 (code): the comparisons of a minimal concrete procedure, merge sort's worst case,
 * n⌈log2 n⌉ − 2^⌈log2 n⌉ + 1 (the ⌈log2 n!⌉ lower bound of 1.0 is not attained by any procedure one can follow).
 */
export const sortingSteps = (n: number): number => {
  const levels = Math.ceil(Math.log2(n) - 1e-12);
  return Math.max(1, n * levels - 2 ** levels + 1);
};

export const sorting: TaskFamily = {
  id: 'sorting',
  domain: 'code',
  range: [2, 65536],
  steps: sortingSteps,
  parameterFor(c) {
    let lo = 2;
    let hi = 65536;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (Math.log2(sortingSteps(mid)) >= c) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  },
  generate(n, seed) {
    checkParameter('sorting', this.range, n);
    const rng = mulberry32(seed);
    const items = Array.from({ length: n }, () => rng.int(0, 9999));
    const sorted = [...items].sort((a, b) => a - b);
    return instance(
      this,
      n,
      seed,
      [
        `Sort these integers in ascending order and answer with a JSON array: ${JSON.stringify(items)}`,
        `Arrange the following numbers from smallest to largest and give the result as a JSON array: ${JSON.stringify(items)}`,
        `Here is a list of integers: ${JSON.stringify(items)}. Return them sorted in ascending order as a JSON array.`,
      ][surfaceOf(seed)] as string,
      JSON.stringify(sorted),
      { sorted },
    );
  },
  verify(task, answer) {
    const expected = (task.expected as { sorted: number[] }).sorted;
    const got = firstJson(answer, '[');
    return Array.isArray(got) && got.length === expected.length && got.every((v, i) => v === expected[i]);
  },
};

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

const kvPrompt = (form: number, records: string, k1: string, k2: string, k3: string): string =>
  [
    `${records}\nReturn the values of ${k1}, ${k2} and ${k3} as a JSON object mapping each key to its value.`,
    `Records:\n${records}\nLook up ${k1}, ${k2} and ${k3}, and answer with a JSON object from each of these keys to its value.`,
    `Find the values stored under the keys ${k1}, ${k2} and ${k3} in the records below and reply with a JSON object mapping key to value.\n${records}`,
  ][form] as string;

export const kvExtraction: TaskFamily = {
  id: 'kv-extraction',
  domain: 'extraction',
  range: [3, 100000],
  // Spec §3.5 (extraction): three lookups of ⌈log2 m⌉ comparisons each; reading the records is input (inputTokens,
  // prefill), not reasoning, so a long document no longer predicts millions of reasoning tokens.
  steps: (m) => 3 * Math.ceil(Math.log2(m) - 1e-12),
  parameterFor: (c) => clamp(Math.round(2 ** (2 ** c / 3)), 3, 100000),
  generate(m, seed) {
    checkParameter('kv-extraction', this.range, m);
    const rng = mulberry32(seed);
    const keys: string[] = [];
    const seen = new Set<string>();
    const values: number[] = [];
    while (keys.length < m) {
      let key = '';
      for (let i = 0; i < 6; i++) key += LETTERS[rng.int(0, 25)];
      if (seen.has(key)) continue;
      seen.add(key);
      keys.push(key);
      values.push(rng.int(0, 99999));
    }
    const picks: number[] = [];
    while (picks.length < 3) {
      const i = rng.int(0, m - 1);
      if (!picks.includes(i)) picks.push(i);
    }
    const wanted = Object.fromEntries(picks.map((i) => [keys[i] as string, values[i] as number]));
    const [k1, k2, k3] = picks.map((i) => keys[i]);
    return instance(
      this,
      m,
      seed,
      kvPrompt(surfaceOf(seed), keys.map((k, i) => `${k}: ${values[i]}`).join('\n'), `${k1}`, `${k2}`, `${k3}`),
      JSON.stringify(wanted),
      { wanted },
    );
  },
  verify(task, answer) {
    const wanted = (task.expected as { wanted: Record<string, number> }).wanted;
    const got = firstJson(answer, '{');
    if (typeof got !== 'object' || got === null || Array.isArray(got)) return false;
    const keys = Object.keys(wanted);
    return (
      Object.keys(got).length === keys.length && keys.every((k) => (got as Record<string, unknown>)[k] === wanted[k])
    );
  },
};

/** Every family of spec §9.1, by id: at least one for every core domain. */
export const TASK_FAMILIES: Readonly<Record<string, TaskFamily>> = {
  hanoi,
  multiplication,
  'arithmetic-chain': arithmeticChain,
  sorting,
  'kv-extraction': kvExtraction,
  'list-edits': listEdits,
  'fact-chain': factChain,
  'string-rules': stringRules,
};
