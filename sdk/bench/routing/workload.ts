/**
 * SIMULATED workloads and their ground truth. A task has a true complexity with an idiosyncratic part no predictor
 * sees, a noisy (sometimes missing) client estimate, a text for the estimator, constraints and a network link.
 * Each (task, agent) pair gets one realised outcome — correct or not, latency with a heavy tail, tokens and cost —
 * shared by every strategy (common random numbers), so differences come from routing alone.
 */

import { mulberry32, type Prng } from '../../src/rightsize/math/prng.js';
import type { NetworkConditions } from '../../src/rightsize/model/common.js';
import type { Constraints, Preference } from '../../src/rightsize/model/descriptor.js';
import { TASK_FAMILIES } from '../../src/rightsize/task-bank/index.js';
import { SIM_AGENTS, type SimAgent, type SimDomain, trueSuccess } from './fleet.js';

export type WorkloadName = 'voice' | 'mixed' | 'hard';

export interface SimTask {
  readonly index: number;
  readonly domain: SimDomain;
  /** The task's true complexity, idiosyncratic part included (known only to the oracles). */
  readonly trueComplexity: number;
  /** The client's estimate (undefined when the client sends no descriptor). */
  readonly clientEstimate: { value: number; sigma: number } | undefined;
  readonly text: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly constraints: Constraints;
  readonly network: NetworkConditions | undefined;
  readonly preference: Preference;
}

export interface Realised {
  readonly correct: boolean;
  readonly firstResponseMs: number;
  readonly completionMs: number;
  readonly reasoningTokens: number;
  readonly cost: number;
  /** What a 90 %-sensitive verifier says of this attempt: false means it flags the answer as wrong. */
  readonly verifierAccepts: boolean;
}

const LINKS: Record<string, NetworkConditions> = {
  '4g': { rttMs: 60, jitterMs: 40, lossRate: 0.01, bandwidthKbps: 8000, linkType: '4g' },
  hsr: { rttMs: 120, jitterMs: 100, lossRate: 0.03, bandwidthKbps: 3000, linkType: 'hsr' },
  wired: { rttMs: 15, jitterMs: 3, lossRate: 0, bandwidthKbps: 100000, linkType: 'wired' },
};

const DIALOGUE = [
  'Can you move my 3 pm meeting to 4?',
  'What is the weather like tomorrow?',
  'Remind me to call Sam.',
  'Turn the lights off in the kitchen.',
  'How long will the drive take?',
];
const FAMILY_OF: Partial<Record<SimDomain, string[]>> = {
  math: ['multiplication', 'arithmetic-chain'],
  planning: ['hanoi'],
  code: ['sorting'],
  extraction: ['kv-extraction'],
};

/** A prompt whose features track the complexity, from the task bank where a family exists (short ones only). */
function textFor(domain: SimDomain, complexity: number, rng: Prng): string {
  const families = FAMILY_OF[domain];
  if (families) {
    const family = TASK_FAMILIES[families[rng.int(0, families.length - 1)] as string];
    if (family) {
      const task = family.generate(family.parameterFor(Math.min(complexity, 9)), rng.int(1, 1_000_000));
      return task.prompt.slice(0, 4000);
    }
  }
  const base = DIALOGUE[rng.int(0, DIALOGUE.length - 1)] as string;
  return complexity < 2 ? base : `${base} Also consider ${Math.round(2 ** complexity)} details and plan the steps.`;
}

function band(rng: Prng, easy: number, medium: number): number {
  const u = rng.next();
  if (u < easy) return rng.next() * 4;
  if (u < easy + medium) return 4 + rng.next() * 4;
  return 8 + rng.next() * 4;
}

/** `deadlineMs` is the completion deadline of the mixed and hard workloads (voice keeps its real-time deadlines). */
export function generateWorkload(name: WorkloadName, count: number, seed: number, deadlineMs: number): SimTask[] {
  const rng = mulberry32(seed);
  return Array.from({ length: count }, (_, index) => {
    let domain: SimDomain;
    let base: number;
    let constraints: Constraints;
    let network: NetworkConditions | undefined;
    let preference: Preference;
    let outputTokens: number;
    if (name === 'voice') {
      domain = rng.next() < 0.8 ? 'dialogue' : 'extraction';
      base = rng.next() * 3.5;
      network = rng.next() < 0.7 ? LINKS['4g'] : LINKS.hsr;
      constraints = { firstResponseDeadlineMs: 1000, completionDeadlineMs: 2500, latencyPercentile: 95 };
      preference = 'latency';
      outputTokens = 30 + rng.int(0, 40);
    } else if (name === 'mixed') {
      domain = (['general', 'dialogue', 'extraction', 'math', 'code', 'planning'] as const)[rng.int(0, 5)] as SimDomain;
      base = band(rng, 0.6, 0.3);
      network = rng.next() < 0.5 ? LINKS.wired : LINKS['4g'];
      constraints = { completionDeadlineMs: deadlineMs };
      preference = 'cost';
      outputTokens = 100 + rng.int(0, 400);
    } else {
      domain = (['math', 'planning', 'code'] as const)[rng.int(0, 2)] as SimDomain;
      base = 6 + rng.next() * 6;
      network = LINKS.wired;
      constraints = { completionDeadlineMs: deadlineMs };
      preference = 'cost';
      outputTokens = 300 + rng.int(0, 700);
    }
    const trueComplexity = Math.max(0, base + rng.normal(0, 0.6)); // idiosyncratic difficulty
    const missing = rng.next() < 0.15;
    const clientEstimate = missing ? undefined : { value: Math.max(0, base + rng.normal(0, 1)), sigma: 1 };
    return {
      index,
      domain,
      trueComplexity,
      clientEstimate,
      text: textFor(domain, base, rng),
      inputTokens: 50 + rng.int(0, 500),
      outputTokens,
      constraints,
      network,
      preference,
    };
  });
}

/**
 * The verifier's false-accept rate: it flags 90 % of wrong answers and accepts every right one. A broker knows this
 * of its own verifier (it measures it with known-answer probes), so the Router is told it.
 */
export const VERIFIER_FALSE_ACCEPT = 0.1;

/** One attempt of `agent` on `task`, realised with its own seeded randomness. */
export function realise(task: SimTask, agent: SimAgent, seed: number): Realised {
  const rng = mulberry32(
    (seed ^ Math.imul(task.index + 1, 0x9e3779b1) ^ Math.imul(hashId(agent.id), 0x85ebca6b)) >>> 0,
  );
  const c = task.trueComplexity;
  const reasons = agent.reasoning.mode !== 'none';
  const tokensPerStep = agent.reasoning.tokensPerStep ?? 24;
  const budget = agent.reasoning.maxReasoningTokens ?? Number.POSITIVE_INFINITY;
  // Heavy-tailed reasoning: log-normal spread (σ = 0.7) and, for 10 % of attempts, a Pareto(1.5) blow-up.
  let needed = tokensPerStep * 2 ** c * Math.exp(rng.normal(0, 0.7));
  if (rng.next() < 0.1) needed *= (1 - rng.next()) ** (-1 / 1.5);
  const withinBudget = !reasons || needed <= budget;
  const correct = withinBudget && rng.next() < trueSuccess(agent, task.domain, c);
  const reasoningTokens = reasons ? Math.min(needed, budget) : 0;
  const net = task.network;
  let networkMs = 0;
  if (agent.tier !== 'device' && net) {
    networkMs = Math.max(0, rng.normal(net.rttMs, net.jitterMs ?? 0)) + agent.networkRttMs;
    if (rng.next() < 3 * (net.lossRate ?? 0)) networkMs += net.rttMs * 2; // a retransmission
  }
  const s = Math.log(agent.ttft.p95 / agent.ttft.p50) / 1.6448536269514722;
  let ttft = agent.ttft.p50 * Math.exp(rng.normal(0, s));
  if (rng.next() < 0.03) ttft *= (1 - rng.next()) ** (-1 / 1.5); // heavy tail: Pareto(1.5)
  const rate = agent.reasoning.reasoningTokensPerSecond ?? agent.outputTokensPerSecond;
  const firstResponseMs = networkMs + ttft + (1000 * reasoningTokens) / rate;
  const completionMs = firstResponseMs + (1000 * task.outputTokens) / agent.outputTokensPerSecond;
  const cost =
    (task.inputTokens * (agent.cost.inputPerMillion ?? 0) +
      task.outputTokens * (agent.cost.outputPerMillion ?? 0) +
      reasoningTokens * (agent.cost.reasoningPerMillion ?? 0)) /
      1e6 +
    (agent.cost.perTask ?? 0);
  const verifierAccepts = correct || rng.next() >= 1 - VERIFIER_FALSE_ACCEPT;
  return { correct, firstResponseMs, completionMs, reasoningTokens, cost, verifierAccepts };
}

function hashId(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The realised outcome of every agent on every task. */
export function realiseAll(tasks: readonly SimTask[], seed: number): Map<string, Realised[]> {
  return new Map(SIM_AGENTS.map((agent) => [agent.id, tasks.map((t) => realise(t, agent, seed))]));
}

/** Within the task's deadlines. */
export function inTime(task: SimTask, r: { firstResponseMs: number; completionMs: number }): boolean {
  const c = task.constraints;
  return (
    (c.firstResponseDeadlineMs === undefined || r.firstResponseMs <= c.firstResponseDeadlineMs) &&
    (c.completionDeadlineMs === undefined || r.completionMs <= c.completionDeadlineMs)
  );
}
