/**
 * The `general` family of spec §9.1 (string-rules): a 6-letter word and n rewriting rules applied in order; each
 * application of one rule is one step (§3.5), so s = n. The answer is the final word in double quotes.
 */
import { mulberry32 } from '../math/prng.js';
import { checkParameter, instance, lastQuoted, linearParameterFor, surfaceOf, type TaskFamily } from './family.js';

const ALPHABET = 'abcdefgh';

type Rule = { kind: 0 | 1 | 2 | 3 } | { kind: 4; from: string; to: string };

/** Spec §9.1: reverse, rotate left, rotate right, swap the ends, replace a letter — worded per surface form. */
const WORDING: ReadonlyArray<(r: Rule) => string> = [
  (r) =>
    r.kind === 4
      ? `replace every ${r.from} with ${r.to}`
      : ([
          'reverse it',
          'move the first letter to the end',
          'move the last letter to the front',
          'swap the first and last letters',
        ][r.kind] as string),
  (r) =>
    r.kind === 4
      ? `change each ${r.from} into ${r.to}`
      : ([
          'write it backwards',
          'rotate it left by one letter',
          'rotate it right by one letter',
          'exchange its first and last letters',
        ][r.kind] as string),
  (r) =>
    r.kind === 4
      ? `turn every ${r.from} into a ${r.to}`
      : ([
          'reverse the letter order',
          'take the first letter off and append it',
          'take the last letter off and prepend it',
          'swap the two outer letters',
        ][r.kind] as string),
];

const FRAMES: ReadonlyArray<(word: string, rules: string) => string> = [
  (w, rules) =>
    `Start with the word "${w}". Apply these rules in order: ${rules}. What is the word at the end? Answer with it in double quotes.`,
  (w, rules) => `Take "${w}" and transform it step by step: ${rules}. Give the resulting word in double quotes.`,
  (w, rules) =>
    `Rewrite the string "${w}" by applying, one after another: ${rules}. Reply with the final string in double quotes.`,
];

function apply(word: string, r: Rule): string {
  switch (r.kind) {
    case 0:
      return [...word].reverse().join('');
    case 1:
      return word.slice(1) + word[0];
    case 2:
      return word.slice(-1) + word.slice(0, -1);
    case 3:
      return word.slice(-1) + word.slice(1, -1) + word[0];
    default:
      return word.replaceAll(r.from, r.to);
  }
}

export const stringRules: TaskFamily = {
  id: 'string-rules',
  domain: 'general',
  range: [1, 4096],
  // Spec §3.5 (general): one application of one rule per step.
  steps: (n) => n,
  parameterFor(c) {
    return linearParameterFor(c, this.range);
  },
  generate(n, seed) {
    checkParameter('string-rules', this.range, n);
    const rng = mulberry32(seed);
    let word = '';
    for (let i = 0; i < 6; i++) word += ALPHABET[rng.int(0, 7)];
    const start = word;
    const rules: Rule[] = [];
    for (let i = 0; i < n; i++) {
      const kind = rng.int(0, 4) as Rule['kind'];
      let rule: Rule = { kind: kind as 0 };
      if (kind === 4) {
        const from = ALPHABET[rng.int(0, 7)] as string;
        let to = from;
        while (to === from) to = ALPHABET[rng.int(0, 7)] as string;
        rule = { kind, from, to };
      }
      rules.push(rule);
      word = apply(word, rule);
    }
    const form = surfaceOf(seed);
    const say = WORDING[form] as (r: Rule) => string;
    const text = rules.map((r, i) => `(${i + 1}) ${say(r)}`).join('; ');
    const prompt = (FRAMES[form] as (w: string, rules: string) => string)(start, text);
    return instance(this, n, seed, prompt, `"${word}"`, { word });
  },
  verify: (task, answer) => lastQuoted(answer) === (task.expected as { word: string }).word,
};
