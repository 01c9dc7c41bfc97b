/**
 * Complexity estimation for messages without a descriptor (spec §5.2, origin `estimator`): a pluggable interface,
 * a cold-start estimator from documented text features (no network calls), and an estimator that learns from
 * outcomes by nearest neighbours over hashed text features. Every estimate carries a sigma and its source.
 */
import type { Complexity } from '../model/common.js';

export interface EstimatorInput {
  /** The task text (the message's text parts, joined). */
  readonly text: string;
  readonly domain?: string;
}

export interface ComplexityEstimate extends Complexity {
  readonly value: number;
  readonly sigma: number;
  readonly source: 'estimated';
  /** Which estimator produced it. */
  readonly estimator: string;
}

export interface ComplexityEstimator {
  readonly name: string;
  /** An estimate, or undefined when this estimator has nothing to say (the next one in a chain is asked). */
  estimate(input: EstimatorInput): ComplexityEstimate | undefined;
}

const clampComplexity = (c: number) => Math.min(64, Math.max(0, c));

/** Words (letters/digits runs), lower-cased. */
const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

const REASONING_CUES =
  /\b(prove|proof|derive|optimi[sz]e|schedule|plan|puzzle|algorithm|step[- ]by[- ]step|constraint|minimi[sz]e|maximi[sz]e|shortest|solve|sort)\b/i;

/**
 * The cold-start estimator. Features (all from the text, no model): word count w, count of numbers n, longest number
 * d (digits), line count l, and whether reasoning cues appear (prove, optimise, schedule, plan, puzzle, algorithm,
 * constraint, solve, sort, …). Estimate:
 *   c = 0.5 + 0.6·log2(1 + w/16) + 0.5·log2(1 + n) + 0.9·log2(1 + d) + 0.5·log2(1 + l/4) + 1.5·[cue]
 * with sigma 2 (it is a weak prior, meant to be replaced by learned or declared values).
 */
export class ColdStartEstimator implements ComplexityEstimator {
  readonly name = 'cold-start';

  estimate(input: EstimatorInput): ComplexityEstimate {
    const text = input.text;
    const w = words(text).length;
    const numbers = text.match(/\d+/g) ?? [];
    const d = numbers.reduce((m, s) => Math.max(m, s.length), 0);
    const lines = text.split('\n').length;
    const cue = REASONING_CUES.test(text) ? 1 : 0;
    const value =
      0.5 +
      0.6 * Math.log2(1 + w / 16) +
      0.5 * Math.log2(1 + numbers.length) +
      0.9 * Math.log2(1 + d) +
      0.5 * Math.log2(1 + lines / 4) +
      1.5 * cue;
    return { value: clampComplexity(value), sigma: 2, source: 'estimated', estimator: this.name };
  }
}

/** FNV-1a, 32-bit. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Sparse, L2-normalised hashed bag of unigrams, bigrams and digit-length tokens. */
export function textFeatures(text: string, dimensions = 1024): Map<number, number> {
  const tokens = words(text).map((t) => (/^\d+$/.test(t) ? `#${Math.min(t.length, 12)}` : t));
  const features = new Map<number, number>();
  const add = (key: string) => {
    const index = hash(key) % dimensions;
    features.set(index, (features.get(index) ?? 0) + 1);
  };
  for (let i = 0; i < tokens.length; i++) {
    add(tokens[i] as string);
    if (i > 0) add(`${tokens[i - 1]} ${tokens[i]}`);
  }
  // Length is informative on its own: a bucket per doubling of the token count.
  add(`len:${Math.floor(Math.log2(1 + tokens.length))}`);
  let norm = 0;
  for (const v of features.values()) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  for (const [k, v] of features) features.set(k, v / norm);
  return features;
}

function cosine(a: Map<number, number>, b: Map<number, number>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [k, v] of small) dot += v * (large.get(k) ?? 0);
  return dot;
}

export interface NearestNeighbourOptions {
  /** Neighbours averaged (default 8). */
  readonly k?: number;
  /** Least cosine similarity of the nearest neighbour for an estimate (default 0.35). */
  readonly minSimilarity?: number;
  /** Remembered tasks; the oldest are forgotten first (default 5000). */
  readonly capacity?: number;
  readonly dimensions?: number;
}

interface Memory {
  readonly domain: string | undefined;
  readonly features: Map<number, number>;
  readonly complexity: number;
}

export interface NearestNeighbourState {
  readonly version: 1;
  readonly items: ReadonlyArray<{ domain?: string; features: Array<[number, number]>; complexity: number }>;
}

/**
 * Learns from outcomes: `learn(input, measuredComplexity)` stores the task's hashed features with the complexity
 * measured afterwards (from feedback, or log2(reasoningTokens / tokensPerStep) of the agent that solved it).
 * `estimate` averages the k most similar remembered tasks of the same domain, weighted by similarity; sigma is the
 * weighted spread plus 0.5. Below `minSimilarity` it abstains.
 */
export class NearestNeighbourEstimator implements ComplexityEstimator {
  readonly name = 'nearest-neighbour';
  readonly #items: Memory[] = [];
  readonly #k: number;
  readonly #minSimilarity: number;
  readonly #capacity: number;
  readonly #dimensions: number;

  constructor(options: NearestNeighbourOptions = {}, state?: NearestNeighbourState) {
    this.#k = options.k ?? 8;
    this.#minSimilarity = options.minSimilarity ?? 0.35;
    this.#capacity = options.capacity ?? 5000;
    this.#dimensions = options.dimensions ?? 1024;
    for (const item of state?.items ?? []) {
      this.#items.push({ domain: item.domain, features: new Map(item.features), complexity: item.complexity });
    }
  }

  get size(): number {
    return this.#items.length;
  }

  learn(input: EstimatorInput, measuredComplexity: number): void {
    if (!Number.isFinite(measuredComplexity)) return;
    this.#items.push({
      domain: input.domain,
      features: textFeatures(input.text, this.#dimensions),
      complexity: clampComplexity(measuredComplexity),
    });
    if (this.#items.length > this.#capacity) this.#items.shift();
  }

  estimate(input: EstimatorInput): ComplexityEstimate | undefined {
    const query = textFeatures(input.text, this.#dimensions);
    const scored: Array<{ s: number; c: number }> = [];
    for (const item of this.#items) {
      if (input.domain !== undefined && item.domain !== undefined && item.domain !== input.domain) continue;
      scored.push({ s: cosine(query, item.features), c: item.complexity });
    }
    scored.sort((a, b) => b.s - a.s);
    const top = scored.slice(0, this.#k).filter((x) => x.s > 0);
    if (top.length === 0 || (top[0] as { s: number }).s < this.#minSimilarity) return undefined;
    const total = top.reduce((sum, x) => sum + x.s, 0);
    const mean = top.reduce((sum, x) => sum + x.s * x.c, 0) / total;
    const spread = Math.sqrt(top.reduce((sum, x) => sum + x.s * (x.c - mean) ** 2, 0) / total);
    return { value: clampComplexity(mean), sigma: spread + 0.5, source: 'estimated', estimator: this.name };
  }

  toJSON(): NearestNeighbourState {
    return {
      version: 1,
      items: this.#items.map((i) => ({
        ...(i.domain !== undefined ? { domain: i.domain } : {}),
        features: [...i.features],
        complexity: i.complexity,
      })),
    };
  }
}

/** Asks each estimator in turn and returns the first estimate. */
export function chainEstimators(...estimators: ComplexityEstimator[]): ComplexityEstimator {
  return {
    name: estimators.map((e) => e.name).join('>'),
    estimate: (input) => {
      for (const e of estimators) {
        const result = e.estimate(input);
        if (result) return result;
      }
      return undefined;
    },
  };
}
