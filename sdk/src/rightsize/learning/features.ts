/**
 * Task features for the learned difficulty c(x) (issue 10, item 2). A task becomes a short sparse vector of
 * (feature id, value) pairs; the learner keeps one Gaussian weight per feature, so an update costs O(features).
 *
 * Documented features (all from the text, the domain and the descriptor — no network, no model):
 * - `prior`: the declared complexity when the descriptor states one, else the spec's default for an unknown
 *   complexity (4, spec §5.2); prior weight 1 — so an untrained learner answers on the spec's complexity scale and
 *   learning corrects on that same scale;
 * - `cold-start`: `ColdStartEstimator`'s estimate minus 4 (0 when a complexity is declared), prior weight 0: the
 *   cold-start text features enter the model on the same scale, and their weight is learned (on the MMLU replay its
 *   estimate ranks questions worse than their bare length: APGR 0.563 against 0.586 — so it starts switched off);
 * - `declared`: 1 when the descriptor states a complexity (lets the learner shift declared values as a whole);
 * - `domain:<d>`: 1 for the task's domain (a difficulty shared by every agent in that domain);
 * - `log-words`: log2(1 + words) − 6, the length signal a prompt-length router uses;
 * - `log-lines`: log2(1 + lines) − 2;
 * - hashed word unigrams and bigrams, L2-normalised to norm `ngramScale`, in `2^hashBits` buckets. Off by default
 *   (`ngramScale` 0), by measurement: on the MMLU replay they lowered the online APGR (0.561 at scale 0.3, 0.549 at
 *   1, against 0.584 without, same other settings); worth enabling where texts repeat (templates, task families).
 */

import { DEFAULTS } from '../math/predict.js';
import { ColdStartEstimator } from '../routing/estimator.js';

export interface FeatureOptions {
  /** log2 of the number of hash buckets for n-grams (default 16: 65 536 weights). */
  readonly hashBits?: number;
  /** L2 norm of the n-gram part of the vector (default 0: n-grams off); e.g. 1 enables them. */
  readonly ngramScale?: number;
}

/** A sparse feature vector: named features (small, stable vocabulary) and hashed n-gram buckets. */
export interface TaskFeatures {
  readonly named: ReadonlyArray<readonly [string, number]>;
  readonly hashed: ReadonlyArray<readonly [number, number]>;
}

export interface FeatureInput {
  readonly text: string;
  readonly domain: string;
  /** The declared complexity, when the descriptor states one. */
  readonly declaredComplexity?: number | undefined;
}

/** Largest text (characters) read for features; longer texts are truncated (bounded time per task). */
export const MAX_FEATURE_TEXT = 16_384;

const coldStart = new ColdStartEstimator();

/** FNV-1a, 32-bit. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const WORD = /[\p{L}\p{N}]+/gu;

export function taskFeatures(input: FeatureInput, options: FeatureOptions = {}): TaskFeatures {
  const text = input.text.length > MAX_FEATURE_TEXT ? input.text.slice(0, MAX_FEATURE_TEXT) : input.text;
  const words = text.toLowerCase().match(WORD) ?? [];
  const lines = text.split('\n').length;
  const declared = input.declaredComplexity !== undefined;
  const prior = declared ? (input.declaredComplexity as number) : DEFAULTS.unknownComplexity.value;
  const named: Array<readonly [string, number]> = [
    ['prior', prior],
    ['cold-start', declared ? 0 : coldStart.estimate({ text }).value - DEFAULTS.unknownComplexity.value],
    ['declared', declared ? 1 : 0],
    [`domain:${input.domain}`, 1],
    ['log-words', Math.log2(1 + words.length) - 6],
    ['log-lines', Math.log2(1 + lines) - 2],
  ];
  const scale = options.ngramScale ?? 0;
  const hashed: Array<readonly [number, number]> = [];
  if (scale > 0 && words.length > 0) {
    const mask = (1 << (options.hashBits ?? 16)) - 1;
    const counts = new Map<number, number>();
    const add = (key: string) => {
      const bucket = fnv1a(key) & mask;
      counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
    };
    for (let i = 0; i < words.length; i++) {
      const w = /^\d+$/.test(words[i] as string)
        ? `#${Math.min((words[i] as string).length, 8)}`
        : (words[i] as string);
      add(w);
      if (i > 0) add(`${words[i - 1]} ${w}`);
    }
    let norm = 0;
    for (const v of counts.values()) norm += v * v;
    const k = scale / Math.sqrt(norm);
    for (const [bucket, v] of counts) hashed.push([bucket, v * k]);
  }
  return { named, hashed };
}
