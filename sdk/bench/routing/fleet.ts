/**
 * The SIMULATED fleet of the routing benchmark: each agent has a true capability per domain, a true latency
 * distribution (log-normal with a heavy tail) and prices; its declared profile is what it publishes. The truth is
 * deliberately NOT the matcher's model (issue 10, item 6): success is a hard step at the agent's ceiling with a narrow
 * soft band (±0.25) and tops out at pMax < 1, and some agents over- or under-claim their ceilings by 1.5–3 units.
 * None of these agents exists: they are simulated, and labelled so in every output.
 */

import { mulberry32 } from '../../src/rightsize/math/prng.js';
import type { CapabilityProfile } from '../../src/rightsize/model/profile.js';

export const DOMAINS = ['general', 'dialogue', 'extraction', 'math', 'code', 'planning'] as const;
export type SimDomain = (typeof DOMAINS)[number];

export interface SimAgent {
  readonly id: string;
  readonly tier: 'device' | 'edge' | 'cloud';
  /** True ceilings (the centre of the soft band) per domain; `general` applies to the others. */
  readonly ability: Partial<Record<SimDomain, number>> & { general: number };
  readonly reasoning: CapabilityProfile['reasoning'];
  readonly ttft: { p50: number; p95: number };
  readonly outputTokensPerSecond: number;
  readonly networkRttMs: number;
  readonly cost: CapabilityProfile['cost'];
}

const usd = (input: number, output: number, reasoning = output) => ({
  currency: 'USD',
  inputPerMillion: input,
  outputPerMillion: output,
  reasoningPerMillion: reasoning,
});

/** Ten simulated agents: on-device small models, edge mid-size ones, cloud fast and cloud thinking models. */
export const SIM_AGENTS: readonly SimAgent[] = [
  {
    id: 'sim-device-chat',
    tier: 'device',
    ability: { general: 2.5, dialogue: 4.5, extraction: 3.5 },
    reasoning: { mode: 'none' },
    ttft: { p50: 60, p95: 110 },
    outputTokensPerSecond: 45,
    networkRttMs: 0,
    cost: { currency: 'USD' },
  },
  {
    id: 'sim-device-math',
    tier: 'device',
    ability: { general: 3, dialogue: 4, math: 3.5 },
    reasoning: { mode: 'none' },
    ttft: { p50: 70, p95: 130 },
    outputTokensPerSecond: 40,
    networkRttMs: 0,
    cost: { currency: 'USD' },
  },
  {
    id: 'sim-edge-fast',
    tier: 'edge',
    ability: { general: 5, dialogue: 6, extraction: 6 },
    reasoning: { mode: 'none' },
    ttft: { p50: 120, p95: 300 },
    outputTokensPerSecond: 110,
    networkRttMs: 8,
    cost: usd(0.1, 0.3),
  },
  {
    id: 'sim-edge-math',
    tier: 'edge',
    ability: { general: 6, math: 8, code: 7 },
    reasoning: { mode: 'hybrid', maxReasoningTokens: 6000, reasoningTokensPerSecond: 300, budgetControl: true },
    ttft: { p50: 150, p95: 400 },
    outputTokensPerSecond: 100,
    networkRttMs: 10,
    cost: usd(0.2, 0.6),
  },
  {
    id: 'sim-edge-plan',
    tier: 'edge',
    ability: { general: 6.5, planning: 7.5, extraction: 6.5 },
    reasoning: { mode: 'hybrid', maxReasoningTokens: 8000, reasoningTokensPerSecond: 280, budgetControl: true },
    ttft: { p50: 160, p95: 420 },
    outputTokensPerSecond: 90,
    networkRttMs: 12,
    cost: usd(0.25, 0.8),
  },
  {
    id: 'sim-cloud-fast',
    tier: 'cloud',
    ability: { general: 6, dialogue: 7 },
    reasoning: { mode: 'none' },
    ttft: { p50: 180, p95: 450 },
    outputTokensPerSecond: 150,
    networkRttMs: 35,
    cost: usd(0.5, 1.5),
  },
  {
    id: 'sim-cloud-coder',
    tier: 'cloud',
    ability: { general: 5.5, code: 6.5 },
    reasoning: { mode: 'none' },
    ttft: { p50: 200, p95: 500 },
    outputTokensPerSecond: 160,
    networkRttMs: 40,
    cost: usd(0.4, 1.2),
  },
  {
    id: 'sim-cloud-think',
    tier: 'cloud',
    ability: { general: 10, math: 11.5, planning: 10 },
    reasoning: { mode: 'thinking', maxReasoningTokens: 64000, reasoningTokensPerSecond: 150 },
    ttft: { p50: 400, p95: 1200 },
    outputTokensPerSecond: 80,
    networkRttMs: 40,
    cost: usd(3, 15),
  },
  {
    id: 'sim-cloud-think-code',
    tier: 'cloud',
    ability: { general: 9.5, code: 11, math: 10 },
    reasoning: { mode: 'thinking', maxReasoningTokens: 32000, reasoningTokensPerSecond: 180 },
    ttft: { p50: 350, p95: 1000 },
    outputTokensPerSecond: 90,
    networkRttMs: 45,
    cost: usd(2.5, 12),
  },
  {
    id: 'sim-cloud-premium',
    tier: 'cloud',
    ability: { general: 11, planning: 11.5, math: 12 },
    reasoning: { mode: 'thinking', maxReasoningTokens: 100000, reasoningTokensPerSecond: 120 },
    ttft: { p50: 600, p95: 2000 },
    outputTokensPerSecond: 60,
    networkRttMs: 50,
    cost: usd(10, 40),
  },
];

export const trueAbility = (agent: SimAgent, domain: string): number =>
  agent.ability[domain as SimDomain] ?? agent.ability.general;

/** Half-width of the soft band around a true ceiling. */
export const SOFT_BAND = 0.25;

/** The true success ceiling on easy tasks: below 1, higher for larger models. */
export const truePMax = (agent: SimAgent): number =>
  agent.id === 'sim-cloud-premium' ? 0.97 : agent.tier === 'cloud' ? 0.95 : agent.tier === 'edge' ? 0.92 : 0.88;

/** True probability of a correct answer at complexity c (capability only; the reasoning budget is applied apart). */
export function trueSuccess(agent: SimAgent, domain: string, c: number): number {
  const x = (trueAbility(agent, domain) + SOFT_BAND - c) / (2 * SOFT_BAND);
  return truePMax(agent) * Math.min(1, Math.max(0, x));
}

/**
 * How much each agent's declared ceilings differ from its truth: two agents over-claim and two under-claim by
 * 1.5–3 units (chosen by seed), the others are honest to within N(0, 0.3).
 */
export function claimOffsets(seed: number): Map<string, number> {
  const rng = mulberry32(seed * 31 + 7);
  const ids = SIM_AGENTS.map((a) => a.id);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [ids[i], ids[j]] = [ids[j] as string, ids[i] as string];
  }
  const offsets = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const id of ids.slice(0, 2)) offsets.set(id, 1.5 + 1.5 * rng.next());
  for (const id of ids.slice(2, 4)) offsets.set(id, -(1.5 + 1.5 * rng.next()));
  return offsets;
}

/** What each agent declares: its true ceilings shifted by its claim offset plus N(0, 0.3); default slope and pMax. */
export function declaredProfiles(seed: number, offsets: ReadonlyMap<string, number>): Map<string, CapabilityProfile> {
  const rng = mulberry32(seed);
  const out = new Map<string, CapabilityProfile>();
  for (const agent of SIM_AGENTS) {
    const shift = offsets.get(agent.id) ?? 0;
    out.set(agent.id, {
      domains: Object.entries(agent.ability).map(([domain, ability]) => ({
        domain,
        ability: ability + shift + rng.normal(0, 0.3),
      })),
      reasoning: agent.reasoning,
      latency: {
        ttftMs: agent.ttft,
        outputTokensPerSecond: agent.outputTokensPerSecond,
        networkRttMs: agent.networkRttMs,
      },
      placement: { placement: agent.tier },
      cost: agent.cost,
    });
  }
  return out;
}
