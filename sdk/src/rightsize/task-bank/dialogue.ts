/**
 * The `dialogue` family of spec §9.1 (list-edits): a conversation of n user turns that edit a list; each turn is one
 * dialogue act (§3.5), so s = n. The answer is the list after the last turn.
 */
import { mulberry32 } from '../math/prng.js';
import { checkParameter, firstJson, instance, linearParameterFor, surfaceOf, type TaskFamily } from './family.js';

/** Spec §9.1: the items a list can hold. */
export const LIST_ITEMS = [
  'apples',
  'bananas',
  'bread',
  'butter',
  'carrots',
  'cheese',
  'coffee',
  'eggs',
  'flour',
  'garlic',
  'honey',
  'lemons',
  'milk',
  'onions',
  'pasta',
  'pears',
  'peppers',
  'potatoes',
  'rice',
  'salt',
  'soap',
  'sugar',
  'tea',
  'tomatoes',
] as const;

type Turn = { op: 0; item: string } | { op: 1; item: string } | { op: 2; item: string; by: string };

/** Spec §9.1: the wording of add, remove and replace in each surface form. */
const TURNS: ReadonlyArray<(t: Turn) => string> = [
  (t) => (t.op === 0 ? `Please add ${t.item}.` : t.op === 1 ? `Remove ${t.item}.` : `Replace ${t.item} with ${t.by}.`),
  (t) =>
    t.op === 0 ? `Put ${t.item} on the list.` : t.op === 1 ? `Take ${t.item} off.` : `Swap ${t.item} for ${t.by}.`,
  (t) =>
    t.op === 0 ? `I also need ${t.item}.` : t.op === 1 ? `Scratch ${t.item}.` : `Instead of ${t.item}, get ${t.by}.`,
];

const FRAMES: ReadonlyArray<(turns: string) => string> = [
  (turns) =>
    `Here is a conversation about a shopping list that starts empty:\n${turns}\nWhat is on the list now, in order (a replaced item keeps its place, new items go at the end)? Answer with a JSON array of strings.`,
  (turns) =>
    `A user edits an empty shopping list, one message at a time:\n${turns}\nList the items that remain, in list order (new items are appended; a replacement takes the old item's position), as a JSON array of strings.`,
  (turns) =>
    `Track the shopping list through this chat (it begins empty; additions go to the end and a substitute keeps the place of what it replaces):\n${turns}\nReply with the final list as a JSON array of strings.`,
];

/** The list after each turn, and the turns, for `n` turns from `seed` (spec §9.1). */
function conversation(n: number, seed: number): { turns: Turn[]; list: string[] } {
  const rng = mulberry32(seed);
  const list: string[] = [];
  const turns: Turn[] = [];
  const absent = () => LIST_ITEMS.filter((x) => !list.includes(x));
  for (let i = 0; i < n; i++) {
    let op = list.length === 0 ? 0 : rng.int(0, 2);
    if (op !== 1 && list.length === LIST_ITEMS.length) op = 1;
    if (op === 0) {
      const candidates = absent();
      const item = candidates[rng.int(0, candidates.length - 1)] as string;
      list.push(item);
      turns.push({ op: 0, item });
    } else if (op === 1) {
      const at = rng.int(0, list.length - 1);
      const [item] = list.splice(at, 1) as [string];
      turns.push({ op: 1, item });
    } else {
      const at = rng.int(0, list.length - 1);
      const candidates = absent();
      const by = candidates[rng.int(0, candidates.length - 1)] as string;
      const item = list[at] as string;
      list[at] = by;
      turns.push({ op: 2, item, by });
    }
  }
  return { turns, list };
}

export const listEdits: TaskFamily = {
  id: 'list-edits',
  domain: 'dialogue',
  range: [1, 4096],
  // Spec §3.5 (dialogue): one dialogue act per user turn.
  steps: (n) => n,
  parameterFor(c) {
    return linearParameterFor(c, this.range);
  },
  generate(n, seed) {
    checkParameter('list-edits', this.range, n);
    const { turns, list } = conversation(n, seed);
    const form = surfaceOf(seed);
    const say = TURNS[form] as (t: Turn) => string;
    const prompt = (FRAMES[form] as (turns: string) => string)(turns.map((t) => `User: ${say(t)}`).join('\n'));
    return instance(this, n, seed, prompt, JSON.stringify(list), { list });
  },
  verify(task, answer) {
    const expected = (task.expected as { list: string[] }).list;
    const got = firstJson(answer, '[');
    return Array.isArray(got) && got.length === expected.length && got.every((v, i) => v === expected[i]);
  },
};
