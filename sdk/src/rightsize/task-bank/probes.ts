/**
 * Claims-verification probes (spec §9.4, "Active verification"): tasks of the §9.1 families at the complexities
 * nearest a − 2, a − 1, a and a + 1 of a declared curve, with fresh unpredictable seeds on every run, the family and
 * surface form chosen by the seed, a descriptor like an ordinary client's (an estimate with a sigma), and a random
 * interleaving into ordinary traffic.
 */
import { mulberry32, type Prng } from '../math/prng.js';
import type { TaskDescriptor } from '../model/descriptor.js';
import { TASK_FAMILIES } from './families.js';
import type { TaskFamily, TaskInstance } from './family.js';

/** Spec §9.4: the offsets from the declared ability at which probes are sent, and probes per offset. */
export const PROBE_OFFSETS = [-2, -1, 0, 1] as const;
export const PROBES_PER_OFFSET = 10;
/** Spec §9.4: the sigma of a probe's descriptor, and the grid its value is rounded to (half units). */
export const PROBE_SIGMA = 1;

/** A fresh 32-bit seed from the platform's cryptographic generator (never a fixed public seed). */
export function freshSeed(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0] as number;
}

export interface Probe {
  readonly task: TaskInstance;
  /** The descriptor to send with the prompt: the family's domain and an estimated complexity with a sigma. */
  readonly descriptor: TaskDescriptor;
}

export interface ProbePlanOptions {
  /** Seed of this plan; fresh from the platform's generator unless a run is to be reproduced. */
  readonly seed?: number;
  readonly perOffset?: number;
}

/** The families of a domain (spec §9.1), in the order of `TASK_FAMILIES`. */
export const familiesOf = (domain: string): TaskFamily[] =>
  Object.values(TASK_FAMILIES).filter((f) => f.domain === domain);

/**
 * Spec §9.4: the probes for one declared domain curve: `perOffset` tasks at the parameter nearest each offset, every
 * task with its own seed drawn from the plan's generator, the family drawn among the domain's families. Empty when
 * no family covers the domain.
 */
export function probePlan(domain: string, ability: number, options: ProbePlanOptions = {}): Probe[] {
  const families = familiesOf(domain);
  if (families.length === 0) return [];
  const rng = mulberry32(options.seed ?? freshSeed());
  const perOffset = options.perOffset ?? PROBES_PER_OFFSET;
  const probes: Probe[] = [];
  for (const offset of PROBE_OFFSETS) {
    for (let i = 0; i < perOffset; i++) {
      const family = families[rng.int(0, families.length - 1)] as TaskFamily;
      const task = family.generate(family.parameterFor(ability + offset), rng.int(0, 0xffffffff));
      const value = Math.max(0, Math.round(task.complexity * 2) / 2);
      probes.push({
        task,
        descriptor: { domain, complexity: { value, sigma: PROBE_SIGMA, source: 'estimated' } },
      });
    }
  }
  return probes;
}

/**
 * Spec §9.4: a uniformly random interleaving of `probes` into `traffic` (each keeps its own order), so that a probe's
 * position says nothing about it.
 */
export function mixProbes<T>(traffic: readonly T[], probes: readonly T[], rng: Prng = mulberry32(freshSeed())): T[] {
  const out: T[] = [];
  let t = 0;
  let p = 0;
  while (t < traffic.length || p < probes.length) {
    const probesLeft = probes.length - p;
    const left = traffic.length - t + probesLeft;
    if (rng.next() * left < probesLeft) out.push(probes[p++] as T);
    else out.push(traffic[t++] as T);
  }
  return out;
}
