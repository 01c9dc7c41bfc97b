/** A candidate's entry in a domain's table: its profiles and the per-domain extremes of their curves. */
import { DEFAULTS } from '../../math/predict.js';
import type { CapabilityProfile } from '../../model/profile.js';
import { type MatchCandidate, profileForMode } from '../match.js';

export interface Entry {
  readonly candidate: MatchCandidate;
  readonly ability: number;
  readonly maxSlope: number;
  readonly minSlope: number;
  readonly maxPMax: number;
  readonly variants: readonly CapabilityProfile[];
}

/** Every profile the candidate may be assessed with: its own and each skill override, in each declared mode. */
function variantsOf(candidate: MatchCandidate): CapabilityProfile[] {
  const base = candidate.profile;
  const overrides = Object.values(base.skills ?? {}).map((o) => ({ ...base, ...o }) as CapabilityProfile);
  return [base, ...overrides].flatMap((p) =>
    p.modes ? (['no-think', 'think'] as const).filter((m) => p.modes?.[m]).map((m) => profileForMode(p, m)) : [p],
  );
}

function curveFor(profile: CapabilityProfile, domain: string) {
  return profile.domains.find((d) => d.domain === domain) ?? profile.domains.find((d) => d.domain === 'general');
}

/** The candidate's entry in a domain's table; undefined when none of its profiles serves the domain. */
export function entryOf(candidate: MatchCandidate, domain: string): Entry | undefined {
  const variants = variantsOf(candidate);
  const curves = variants.map((v) => curveFor(v, domain)).filter((c) => c !== undefined);
  if (curves.length === 0) return undefined;
  const slopes = curves.map((c) => c.slope ?? DEFAULTS.slope);
  return {
    candidate,
    variants,
    ability: Math.max(...curves.map((c) => c.ability)),
    maxSlope: Math.max(...slopes),
    minSlope: Math.min(...slopes),
    maxPMax: Math.max(...curves.map((c) => c.pMax ?? DEFAULTS.pMax)),
  };
}

/** 1 when the candidate's load reaches the capacity of any of its profiles (spec §6.4 (3): it may queue). */
export const queuedOf = (entry: Entry): number => {
  const load = entry.candidate.load ?? 0;
  return entry.variants.some((p) => load >= (p.capacity?.maxConcurrentTasks ?? Number.POSITIVE_INFINITY)) ? 1 : 0;
};
