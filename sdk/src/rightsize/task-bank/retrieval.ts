/**
 * The `retrieval` family of spec §9.1 (fact-chain): a set of facts "X's mentor is Y" about 2h + 1 people, each with
 * exactly one mentor, and the question who is reached from a start person by following the relation h times; each
 * hop is one look-up of one fact (§3.5), so s = h.
 */
import { mulberry32 } from '../math/prng.js';
import { checkParameter, instance, linearParameterFor, surfaceOf, type TaskFamily } from './family.js';

const CONSONANTS = 'bdfgklmnprstvz';
const VOWELS = 'aeiou';

/** Spec §9.1: the three surface forms: how a fact is stated and how the question is asked. */
const FORMS: ReadonlyArray<{ fact: (a: string, b: string) => string; ask: (start: string, h: number) => string }> = [
  {
    fact: (a, b) => `${a}'s mentor is ${b}.`,
    ask: (s, h) =>
      `Start with ${s} and follow the mentor relation ${h} time(s): whose name do you reach? Answer with the name only.`,
  },
  {
    fact: (a, b) => `${b} manages ${a}.`,
    ask: (s, h) => `Going up from ${s}, who is ${h} level(s) of management above? Answer with the name only.`,
  },
  {
    fact: (a, b) => `${a} reports to ${b}.`,
    ask: (s, h) =>
      `If you follow the reporting line upward from ${s} for ${h} step(s), whom do you reach? Reply with just the name.`,
  },
];

export const factChain: TaskFamily = {
  id: 'fact-chain',
  domain: 'retrieval',
  range: [1, 4096],
  // Spec §3.5 (retrieval): one look-up of one fact per hop.
  steps: (h) => h,
  parameterFor(c) {
    return linearParameterFor(c, this.range);
  },
  generate(h, seed) {
    checkParameter('fact-chain', this.range, h);
    const rng = mulberry32(seed);
    const names: string[] = [];
    const seen = new Set<string>();
    while (names.length < 2 * h + 1) {
      let name = '';
      for (let i = 0; i < 3; i++) name += `${CONSONANTS[rng.int(0, 13)]}${VOWELS[rng.int(0, 4)]}`;
      name = name[0]?.toUpperCase() + name.slice(1);
      if (seen.has(name)) continue;
      seen.add(name);
      names.push(name);
    }
    // names[0..h] is the chain; names[h+1..2h] are the others. Everyone has exactly one mentor.
    const mentor = names.map((_, i) => (i < h ? i + 1 : i === h ? rng.int(h + 1, 2 * h) : rng.int(0, 2 * h)));
    const order = names.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const form = FORMS[surfaceOf(seed)] as (typeof FORMS)[number];
    const facts = order.map((i) => form.fact(names[i] as string, names[mentor[i] as number] as string));
    const target = names[h] as string;
    return instance(this, h, seed, `${facts.join('\n')}\n${form.ask(names[0] as string, h)}`, target, {
      target,
      names,
    });
  },
  verify(task, answer) {
    const { target, names } = task.expected as { target: string; names: string[] };
    const known = new Set(names.map((n) => n.toLowerCase()));
    const mentioned = (answer.match(/[A-Za-z]+/g) ?? []).filter((w) => known.has(w.toLowerCase()));
    return mentioned.at(-1)?.toLowerCase() === target.toLowerCase();
  },
};
