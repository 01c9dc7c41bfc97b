/**
 * The matching rule of the Rightsize extension (spec §7.2–§7.4): assess every candidate (feasibility and
 * predictions), rank the feasible ones by the preference, break ties deterministically and plan the escalation.
 * Pure and synchronous; the same inputs give the same decision in every implementation that follows the spec.
 */

import {
  baseLatency,
  budgetCeiling,
  budgetToComplexity,
  curveOf,
  cutIsIrrelevant,
  DEFAULTS,
  deadlineBudget,
  deadlineSuccess,
  effectiveCeiling,
  expectedReasoningTokens,
  expectedSuccess,
  firstTokenDeadline,
  predictCost,
  predictLatency,
  reasoningOf,
  SIGMA_EPSILON,
} from '../math/predict.js';
import { Z_SCORES } from '../math/stats.js';
import type { Complexity, Percentile } from '../model/common.js';
import type { CandidateAssessment, Predictions, RejectionReason } from '../model/decision.js';
import type { Preference, TaskDescriptor } from '../model/descriptor.js';
import type { CapabilityProfile, DomainCeiling, ReasoningModeChoice } from '../model/profile.js';

/** What the matcher needs to know of one agent. */
export interface MatchCandidate {
  readonly id: string;
  readonly profile: CapabilityProfile;
  readonly skills?: ReadonlyArray<{
    readonly id: string;
    readonly tags: readonly string[];
    readonly inputModes?: readonly string[] | undefined;
    readonly outputModes?: readonly string[] | undefined;
  }>;
  readonly defaultInputModes?: readonly string[];
  readonly defaultOutputModes?: readonly string[];
  /** Tasks in flight (spec §4.6). */
  readonly load?: number;
  /** False when the broker knows the agent is down (spec §7.2, AGENT_UNAVAILABLE). */
  readonly available?: boolean;
}

export interface MatchTask {
  readonly descriptor: TaskDescriptor;
  /** Media types of the message parts (spec §7.2, MODALITY_UNSUPPORTED). */
  readonly inputModes?: readonly string[];
  /** SendMessageConfiguration.acceptedOutputModes. */
  readonly acceptedOutputModes?: readonly string[];
  /** The broker's own estimate, used when the descriptor states no complexity (spec §5.2). */
  readonly estimate?: Complexity;
}

export interface MatchPolicy {
  /** Decision currency when the descriptor has no maxCost (spec §7.3); default USD. */
  readonly currency?: string;
  /** Multipliers converting an amount in the keyed currency to the decision currency. */
  readonly rates?: Readonly<Record<string, number>>;
  /** Escalation steps after the chosen agent (spec §7.4); default 2. */
  readonly maxEscalations?: number;
  /** The client–broker leg added to every prediction (spec §6.4 (2), the broker's `forwardingMs`); default 0. */
  readonly brokerLegMs?: number;
}

export type ComplexityOrigin = 'descriptor' | 'reasoning-tokens' | 'estimator' | 'combined' | 'default';

export interface ResolvedTask {
  readonly complexity: Required<Pick<Complexity, 'value' | 'sigma'>> & Complexity;
  readonly origin: ComplexityOrigin;
  readonly percentile: Percentile;
  readonly minSuccess: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly currency: string;
  readonly preference: Preference;
  /** Spec §7.7: no best-effort serving. */
  readonly hardConstraints: boolean;
}

export interface Assessment extends CandidateAssessment {
  /** The mode assessed, for an agent that declares modes (spec §4.9). */
  readonly mode?: ReasoningModeChoice;
  readonly predictions: Predictions;
  /** Cost converted to the decision currency (Infinity when it cannot be converted). */
  readonly comparableCost: number;
}

export interface MatchResult {
  readonly task: ResolvedTask;
  /** Feasible candidates, best first (rank 1 = chosen). */
  readonly ranked: readonly Assessment[];
  /** Infeasible candidates with their reasons, closest to feasible first. */
  readonly rejected: readonly Assessment[];
  readonly chosen: Assessment | undefined;
  readonly selection: readonly string[];
  /** Agent ids to try in order; the chosen agent first (spec §7.4). */
  readonly escalation: readonly string[];
  /** The mode of each escalation step (undefined for agents without modes, spec §4.9). */
  readonly escalationModes: ReadonlyArray<ReasoningModeChoice | undefined>;
  /** True when nothing was feasible and `chosen` is the closest agent, served best-effort (spec §7.7). */
  readonly bestEffort: boolean;
}

const clampComplexity = (c: number) => Math.min(64, Math.max(0, c));

/** Spec §5.2: the default sigma of a complexity stated without one, by its source. */
export const SOURCE_SIGMA = { declared: 0.5, estimated: 1.5, measured: 0.5 } as const;
/** Spec §5.2: sigma of a complexity stated as a reference model's reasoning tokens. */
export const REASONING_TOKENS_SIGMA = 1;

/** Spec §5.2: per-domain default priors, used when nothing states the complexity (custom domains: `general`'s). */
export const DOMAIN_PRIORS: Readonly<Record<string, { value: number; sigma: number }>> = {
  general: { value: 3, sigma: 2 },
  dialogue: { value: 1, sigma: 1 },
  retrieval: { value: 3, sigma: 1.5 },
  extraction: { value: 3, sigma: 1.5 },
  math: { value: 5, sigma: 2 },
  code: { value: 6, sigma: 2 },
  planning: { value: 6, sigma: 2.5 },
};

/**
 * Spec §5.2: the precision-weighted combination of independent normal estimates: mean Σ wᵢμᵢ / Σ wᵢ, sigma
 * (Σ wᵢ)^(−1/2), wᵢ = 1/σᵢ²; exact estimates (σ below 1e-6), if any, outweigh the rest: their mean, sigma 0.
 */
export function combineEstimates(estimates: ReadonlyArray<{ value: number; sigma: number }>): {
  value: number;
  sigma: number;
} {
  const exact = estimates.filter((e) => e.sigma < SIGMA_EPSILON);
  if (exact.length > 0) return { value: exact.reduce((t, e) => t + e.value, 0) / exact.length, sigma: 0 };
  const weight = estimates.reduce((t, e) => t + 1 / (e.sigma * e.sigma), 0);
  const value = estimates.reduce((t, e) => t + e.value / (e.sigma * e.sigma), 0) / weight;
  return { value, sigma: 1 / Math.sqrt(weight) };
}

/** Spec §5.2: which complexity the broker uses — every stated estimate combined, else the domain's prior. */
export function resolveTask(task: MatchTask, policy: MatchPolicy = {}): ResolvedTask {
  const d = task.descriptor;
  const evidence: Array<{ value: number; sigma: number; origin: ComplexityOrigin }> = [];
  if (d.complexity) {
    const sigma = d.complexity.sigma ?? SOURCE_SIGMA[d.complexity.source ?? 'declared'];
    evidence.push({ value: d.complexity.value, sigma, origin: 'descriptor' });
  }
  if (d.reasoningTokens) {
    const value = clampComplexity(Math.log2(d.reasoningTokens.value / d.reasoningTokens.tokensPerStep));
    evidence.push({ value, sigma: REASONING_TOKENS_SIGMA, origin: 'reasoning-tokens' });
  }
  if (task.estimate) {
    const sigma = task.estimate.sigma ?? SOURCE_SIGMA[task.estimate.source ?? 'estimated'];
    evidence.push({ value: task.estimate.value, sigma, origin: 'estimator' });
  }
  let complexity: ResolvedTask['complexity'];
  let origin: ComplexityOrigin;
  const [only] = evidence;
  if (evidence.length === 0) {
    const prior = DOMAIN_PRIORS[d.domain] ?? (DOMAIN_PRIORS.general as { value: number; sigma: number });
    complexity = { ...prior, source: 'estimated' };
    origin = 'default';
  } else if (evidence.length === 1 && only) {
    complexity = { ...(only.origin === 'descriptor' ? d.complexity : {}), value: only.value, sigma: only.sigma };
    origin = only.origin;
  } else {
    const combined = combineEstimates(evidence);
    complexity = { value: clampComplexity(combined.value), sigma: combined.sigma, source: 'estimated' };
    origin = 'combined';
  }
  const c = d.constraints ?? {};
  return {
    complexity,
    origin,
    percentile: c.latencyPercentile ?? DEFAULTS.latencyPercentile,
    minSuccess: c.minSuccess ?? DEFAULTS.minSuccess,
    inputTokens: d.inputTokens ?? DEFAULTS.inputTokens,
    outputTokens: d.outputTokens ?? DEFAULTS.outputTokens,
    currency: c.maxCost?.currency ?? policy.currency ?? 'USD',
    preference: d.preference ?? 'cost',
    hardConstraints: d.hardConstraints ?? false,
  };
}

/** `type/*` and `*\/*` wildcards match any subtype / any type. */
function modeMatches(offered: string, wanted: string): boolean {
  if (offered === wanted || offered === '*/*' || wanted === '*/*') return true;
  const [ot, os] = offered.split('/');
  const [wt, ws] = wanted.split('/');
  return ot === wt && (os === '*' || ws === '*');
}

/**
 * Spec §4.9: the profile of one mode of an agent that declares `modes`: the mode's overrides on top, reasoning mode
 * `none` for no-think and `thinking` for think; the `modes` member itself is dropped.
 */
export function profileForMode(profile: CapabilityProfile, mode: ReasoningModeChoice): CapabilityProfile {
  const { modes, ...rest } = profile;
  const override = modes?.[mode] ?? {};
  const reasoning = override.reasoning ?? rest.reasoning;
  return {
    ...rest,
    ...override,
    reasoning: { ...reasoning, mode: mode === 'no-think' ? 'none' : 'thinking' },
  };
}

/** Spec §4.9: the mode an agent without `modes` offers: no-think for `none`, think otherwise. */
const implicitMode = (profile: CapabilityProfile): ReasoningModeChoice =>
  profile.reasoning.mode === 'none' ? 'no-think' : 'think';

/** Spec §4.7: the skill the task needs (by id, else by tag, in card order) and the profile with its overrides. */
function resolveSkill(candidate: MatchCandidate, skill: string | undefined) {
  if (skill === undefined) return { found: true, profile: candidate.profile, skill: undefined };
  const skills = candidate.skills ?? [];
  const match = skills.find((s) => s.id === skill) ?? skills.find((s) => s.tags.includes(skill));
  if (!match) return { found: false, profile: candidate.profile, skill: undefined };
  const override = candidate.profile.skills?.[match.id];
  return { found: true, profile: override ? { ...candidate.profile, ...override } : candidate.profile, skill: match };
}

function domainCeiling(profile: CapabilityProfile, domain: string): DomainCeiling | undefined {
  return profile.domains.find((d) => d.domain === domain) ?? profile.domains.find((d) => d.domain === 'general');
}

/** Spec §6.2: ceilings are reported at most 64 (the top of the scale); null when no complexity qualifies. */
const reportedCeiling = (c: number | null): number | null => (c === null ? null : Math.min(64, c));

/** Spec §7.2: feasibility and predictions of one candidate. */
export function assess(
  candidate: MatchCandidate,
  task: MatchTask,
  resolved: ResolvedTask,
  policy: MatchPolicy = {},
  mode?: ReasoningModeChoice,
): Assessment {
  const reasons: RejectionReason[] = [];
  const d = task.descriptor;
  const c = d.constraints ?? {};
  const r = resolved.minSuccess;
  const skilled = resolveSkill(candidate, d.skill);
  const { found, skill } = skilled;
  const declaresModes = skilled.profile.modes !== undefined;
  const profile = declaresModes ? profileForMode(skilled.profile, mode ?? 'think') : skilled.profile;
  if (!found) reasons.push('SKILL_UNAVAILABLE');
  const offered = declaresModes ? (mode ?? 'think') : implicitMode(profile);
  if (d.mode !== undefined && d.mode !== offered) reasons.push('MODE_UNAVAILABLE');
  if (candidate.available === false) reasons.push('AGENT_UNAVAILABLE');

  const ceiling = domainCeiling(profile, d.domain);
  if (!ceiling) reasons.push('DOMAIN_UNSUPPORTED');
  const windowLeft =
    (profile.contextWindowTokens ?? Number.POSITIVE_INFINITY) - resolved.inputTokens - resolved.outputTokens;
  if (windowLeft < 0) reasons.push('CONTEXT_WINDOW_EXCEEDED');

  const curve = ceiling ? curveOf(ceiling) : { ability: Number.NEGATIVE_INFINITY, slope: DEFAULTS.slope, pMax: 0 };
  const declared = reasoningOf(profile.reasoning);
  const reasoningRate = profile.reasoning.reasoningTokensPerSecond ?? profile.latency.outputTokensPerSecond;
  const latencyInputs = {
    profile,
    complexity: resolved.complexity,
    percentile: resolved.percentile,
    inputTokens: resolved.inputTokens,
    outputTokens: resolved.outputTokens,
    network: d.network,
    load: candidate.load ?? 0,
    brokerLegMs: policy.brokerLegMs ?? 0,
  };
  const base = baseLatency(latencyInputs);
  // Spec §6.6: the deadlines act as a budget cut; with the window, they bound what the agent may spend.
  const deadline = firstTokenDeadline(base, c);
  const z = Z_SCORES[resolved.percentile];
  const budget = declared.reasons
    ? Math.min(declared.budget, Math.max(0, windowLeft), deadlineBudget(base, deadline, z, reasoningRate))
    : 0;
  const reasoning = { ...declared, budget: declared.reasons ? budget : declared.budget };
  const budgetCut = Math.min(
    budgetCeiling(declared),
    declared.reasons ? budgetToComplexity(Math.max(0, windowLeft), declared.tokensPerStep) : Number.POSITIVE_INFINITY,
  );
  const capabilitySuccess = ceiling ? expectedSuccess(curve, resolved.complexity) : 0;
  const budgetSuccess = !ceiling
    ? 0
    : cutIsIrrelevant(resolved.complexity, budgetCut)
      ? capabilitySuccess
      : expectedSuccess(curve, resolved.complexity, budgetCut, profile.reasoning.budgetSlope);
  const success = !ceiling
    ? 0
    : deadlineSuccess({
        curve,
        complexity: resolved.complexity,
        reasoning,
        reasoningTokensPerSecond: reasoningRate,
        base,
        deadline,
        budgetSlope: profile.reasoning.budgetSlope,
      });
  if (ceiling && success < r) {
    if (capabilitySuccess < r) reasons.push('CAPABILITY_CEILING');
    else if (budgetSuccess < r) reasons.push('BUDGET_CEILING');
    else {
      const firstBinds =
        (c.firstResponseDeadlineMs ?? Number.POSITIVE_INFINITY) <=
        (c.completionDeadlineMs ?? Number.POSITIVE_INFINITY) - base.afterFirstMs;
      reasons.push(firstBinds ? 'FIRST_RESPONSE_DEADLINE' : 'COMPLETION_DEADLINE');
    }
  }

  const latency = predictLatency({ ...latencyInputs, reasoningBudget: reasoning.budget });
  const reasoningTokens = expectedReasoningTokens(reasoning, resolved.complexity);
  const amount = predictCost(profile.cost, {
    input: resolved.inputTokens,
    output: resolved.outputTokens,
    reasoning: reasoningTokens,
  });
  const rate = profile.cost.currency === resolved.currency ? 1 : policy.rates?.[profile.cost.currency];
  if (rate === undefined) reasons.push('CURRENCY_MISMATCH');
  const comparableCost = rate === undefined ? Number.POSITIVE_INFINITY : amount * rate;
  if (c.maxCost && rate !== undefined && comparableCost > c.maxCost.amount) reasons.push('COST_CAP');

  if (c.allowedPlacements && !c.allowedPlacements.includes(profile.placement.placement)) {
    reasons.push('PLACEMENT_NOT_ALLOWED');
  }
  if (c.allowedRegions && !(profile.placement.region && c.allowedRegions.includes(profile.placement.region))) {
    reasons.push('REGION_NOT_ALLOWED');
  }

  const inputModes = skill?.inputModes?.length ? skill.inputModes : candidate.defaultInputModes;
  const outputModes = skill?.outputModes?.length ? skill.outputModes : candidate.defaultOutputModes;
  const inputsOk =
    !task.inputModes?.length || !inputModes || task.inputModes.every((m) => inputModes.some((o) => modeMatches(o, m)));
  const outputsOk =
    !task.acceptedOutputModes?.length ||
    !outputModes ||
    outputModes.some((o) => task.acceptedOutputModes?.some((m) => modeMatches(o, m)));
  if (!inputsOk || !outputsOk) reasons.push('MODALITY_UNSUPPORTED');

  const capacity = profile.capacity;
  if (capacity && (candidate.load ?? 0) >= capacity.maxConcurrentTasks + (capacity.queueDepth ?? 0)) {
    reasons.push('CAPACITY_EXHAUSTED');
  }

  const predictions: Predictions = {
    success,
    capabilitySuccess,
    firstResponseMs: latency.firstResponseMs,
    completionMs: latency.completionMs,
    latencyPercentile: resolved.percentile,
    reasoningTokens,
    reasoningBudget: declared.reasons && Number.isFinite(reasoning.budget) ? Math.floor(reasoning.budget) : null,
    cost: { amount, currency: profile.cost.currency },
    costPerSuccess: success > 0 ? amount / success : null,
    effectiveCeiling: reportedCeiling(ceiling ? effectiveCeiling(curve, reasoning, r) : null),
  };
  return {
    agentId: candidate.id,
    ...(declaresModes ? { mode: mode ?? 'think' } : {}),
    feasible: reasons.length === 0,
    reasons,
    predictions,
    comparableCost,
  };
}

/**
 * Spec §4.9: the assessments of a candidate, one per mode it offers for the task: both modes of an agent that
 * declares `modes` (only the descriptor's mode when it asks for one and the agent has it), else its single mode.
 */
export function assessModes(
  candidate: MatchCandidate,
  task: MatchTask,
  resolved: ResolvedTask,
  policy: MatchPolicy = {},
): Assessment[] {
  const modes = resolveSkill(candidate, task.descriptor.skill).profile.modes;
  if (!modes) return [assess(candidate, task, resolved, policy)];
  const asked = task.descriptor.mode;
  const declared = (['no-think', 'think'] as const).filter((m) => modes[m] !== undefined);
  const offered = asked === undefined ? declared : declared.filter((m) => m === asked);
  return (offered.length > 0 ? offered : [declared[0] ?? 'think']).map((m) =>
    assess(candidate, task, resolved, policy, m),
  );
}

/**
 * Spec §7.3: the tie grid. Two keys are equal when they fall in the same cell of a fixed grid, so equality is
 * transitive (a tolerance is not: values 0.6e-5 apart chain into unequal ends) and the ranking is a total order that
 * does not depend on which other agents are ranked: success P in cells of 1e-5 (⌈10⁵·P⌉); cost per success and
 * L_done in cells of 1e-4 of their natural logarithm (⌈10⁴·ln x⌉; 0 below every cell, Infinity above); the weighted
 * score, a sum of logarithms, in cells of 1e-4 (⌈10⁴·s⌉).
 */
export const TIE_GRID = { success: 1e5, logarithm: 1e4, score: 1e4 } as const;

/** Spec §7.3: the success cell ⌈10⁵·P⌉. */
export const successCell = (p: number): number => Math.ceil(p * TIE_GRID.success);

/** Spec §7.3: the cell ⌈10⁴·ln x⌉ of a cost per success or a latency (−Infinity for 0, Infinity for Infinity). */
export const logCell = (x: number): number =>
  x <= 0 ? Number.NEGATIVE_INFINITY : x === Number.POSITIVE_INFINITY ? x : Math.ceil(Math.log(x) * TIE_GRID.logarithm);

/** Spec §7.3: the cell ⌈10⁴·s⌉ of a weighted score. */
export const scoreCell = (s: number): number => Math.ceil(s * TIE_GRID.score);

/** Spec §7.7: the cell ⌈10⁵·c⌉ of an effective ceiling (−Infinity for none). */
export const ceilingCell = (c: number | null): number =>
  c === null ? Number.NEGATIVE_INFINITY : Math.ceil(c * TIE_GRID.success);

/** The cost per success in the decision currency; Infinity when success is 0 or the cost is not comparable. */
export const costPerSuccess = (a: Assessment): number =>
  a.predictions.success > 0 ? a.comparableCost / a.predictions.success : Number.POSITIVE_INFINITY;

/** Floors of the weighted score's logarithms (spec §7.3): a free agent's cost, 1 ms, P = 1e-12. */
const LOG_FLOOR = { cost: 1e-12, latency: 1, success: 1e-12 } as const;

const isWeighted = (preference: Preference): preference is Exclude<Preference, string> =>
  typeof preference !== 'string' &&
  (preference.weights.cost ?? 0) + (preference.weights.latency ?? 0) + (preference.weights.quality ?? 0) > 0;

/**
 * Spec §7.3: the primary key of the preference, lower is better. Weights combine the criteria as a weighted sum of
 * logarithms, w_c·ln(K/P) + w_l·ln(L_done) − w_q·ln(P): each agent's score depends on its own predictions only, so
 * adding or removing another agent never reorders two agents (independence of irrelevant alternatives), and the
 * units of money and time only shift every score alike.
 */
export function primaryKey(preference: Preference): (a: Assessment) => number {
  if (preference === 'latency') return (a) => a.predictions.completionMs;
  if (preference === 'quality') return (a) => -a.predictions.success;
  if (!isWeighted(preference)) return costPerSuccess;
  const w = preference.weights;
  const wc = w.cost ?? 0;
  const wl = w.latency ?? 0;
  const wq = w.quality ?? 0;
  return (a) =>
    wc * Math.log(Math.max(costPerSuccess(a), LOG_FLOOR.cost)) +
    wl * Math.log(Math.max(a.predictions.completionMs, LOG_FLOOR.latency)) -
    wq * Math.log(Math.max(a.predictions.success, LOG_FLOOR.success));
}

/** Spec §7.3: the tie-grid cell of a primary key of the preference (non-decreasing in the key). */
export function keyCell(preference: Preference): (key: number) => number {
  if (preference === 'quality') return (key) => -successCell(-key);
  return isWeighted(preference) ? scoreCell : logCell;
}

/** Spec §7.3: the ranking keys of an assessment, compared lexicographically, lower first (then the agent id, mode). */
export type RankKeys = readonly [primary: number, success: number, latency: number, costPerSuccess: number];

export function rankKeys(preference: Preference): (a: Assessment) => RankKeys {
  const key = primaryKey(preference);
  const cell = keyCell(preference);
  return (a) => [
    cell(key(a)),
    -successCell(a.predictions.success),
    logCell(a.predictions.completionMs),
    logCell(costPerSuccess(a)),
  ];
}

/** Lexicographic order of ranking keys (0 when every cell is equal). */
export function compareRankKeys(x: RankKeys, y: RankKeys): number {
  for (let i = 0; i < 4; i++) {
    const a = x[i] as number;
    const b = y[i] as number;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

/** Spec §7.3: the total order of feasible assessments: the ranking keys' cells, then the agent id and mode. */
export function comparator(preference: Preference = 'cost'): (x: Assessment, y: Assessment) => number {
  const keys = rankKeys(preference);
  return (x, y) => compareRankKeys(keys(x), keys(y)) || byIdAndMode(x, y);
}

const PRIMARY_REASON = {
  cost: 'LOWEST_COST_PER_SUCCESS',
  latency: 'LOWEST_LATENCY',
  quality: 'HIGHEST_SUCCESS',
} as const;

/** Spec §7.3: rank feasible candidates; returns the sorted list and whether rank 1 needed a tie-break. */
export function rank(
  pool: readonly Assessment[],
  preference: Preference,
): { ranked: Assessment[]; tieBroken: boolean } {
  const keysOf = rankKeys(preference);
  const keyed = pool.map((assessment) => ({ assessment, keys: keysOf(assessment) }));
  keyed.sort((x, y) => compareRankKeys(x.keys, y.keys) || byIdAndMode(x.assessment, y.assessment));
  const [first, second] = keyed;
  return {
    ranked: keyed.map((k) => k.assessment),
    tieBroken: first !== undefined && second !== undefined && first.keys[0] === second.keys[0],
  };
}

/** Spec §7.4: escalation candidates are drawn from this many best-ranked feasible agents. */
export const ESCALATION_WINDOW = 16;

/** The last tie-break (spec §7.3, §4.9): agent id, then mode (no-think before think). */
export function byIdAndMode(x: Assessment, y: Assessment): number {
  if (x.agentId !== y.agentId) return x.agentId < y.agentId ? -1 : 1;
  const mx = x.mode ?? '';
  const my = y.mode ?? '';
  return mx < my ? -1 : mx > my ? 1 : 0;
}

/** Spec §7.4: the escalation plan as agent ids; see `escalationSteps`. */
export function escalationPlan(
  ranked: readonly Assessment[],
  deadlineMs: number | undefined,
  maxEscalations: number,
): string[] {
  return escalationSteps(ranked, deadlineMs, maxEscalations).map((a) => a.agentId);
}

/** Spec §7.4: the escalation plan: each next agent (and mode) is the best-ranked one, among the first
 * ESCALATION_WINDOW of the ranking, predicted strictly more likely to succeed and whose completion still fits the
 * deadline after the earlier attempts' predicted durations. */
export function escalationSteps(
  ranked: readonly Assessment[],
  deadlineMs: number | undefined,
  maxEscalations: number,
): Assessment[] {
  const first = ranked[0];
  if (!first) return [];
  const plan = [first];
  const window = ranked.slice(0, ESCALATION_WINDOW);
  let elapsed = first.predictions.completionMs;
  while (plan.length <= maxEscalations) {
    const last = plan[plan.length - 1] as Assessment;
    const next = window.find(
      (a) =>
        !plan.includes(a) &&
        a.predictions.success > last.predictions.success &&
        (deadlineMs === undefined || elapsed + a.predictions.completionMs <= deadlineMs),
    );
    if (!next) break;
    plan.push(next);
    elapsed += next.predictions.completionMs;
  }
  return plan;
}

/**
 * Spec §7.7: order infeasible candidates, closest to feasible first: fewest reasons, then the smallest distance to
 * capability μ − c_eff (highest effective ceiling cell ⌈10⁵·c⌉; none is farthest), then the higher success cell,
 * then the agent id.
 */
export function byCloseness(a: Assessment, b: Assessment): number {
  if (a.reasons.length !== b.reasons.length) return a.reasons.length - b.reasons.length;
  const ca = ceilingCell(a.predictions.effectiveCeiling);
  const cb = ceilingCell(b.predictions.effectiveCeiling);
  if (ca !== cb) return ca > cb ? -1 : 1;
  const pa = successCell(a.predictions.success);
  const pb = successCell(b.predictions.success);
  if (pa !== pb) return pa > pb ? -1 : 1;
  return byIdAndMode(a, b);
}

/** Spec §7.7: the reasons best-effort serving may overlook — only the probability of succeeding in time. */
export const SOFT_REASONS: ReadonlySet<RejectionReason> = new Set([
  'CAPABILITY_CEILING',
  'BUDGET_CEILING',
  'FIRST_RESPONSE_DEADLINE',
  'COMPLETION_DEADLINE',
]);

/**
 * Spec §7.7: with nothing feasible and constraints not marked hard, the closest rejected agent (in `byCloseness`
 * order) whose only shortfall is the probability of succeeding in time; undefined if there is none.
 */
export function bestEffortCandidate(resolved: ResolvedTask, rejected: readonly Assessment[]): Assessment | undefined {
  if (resolved.hardConstraints) return undefined;
  return rejected.find((a) => a.reasons.every((r) => SOFT_REASONS.has(r)));
}

/** Assemble a result from the ranked feasible and the rejected assessments (shared by `match` and the index). */
export function buildResult(
  resolved: ResolvedTask,
  ranked: readonly Assessment[],
  rejected: readonly Assessment[],
  tieBroken: boolean,
  escalation: readonly string[] | readonly Assessment[],
): MatchResult {
  const steps = escalation.map((e) => (typeof e === 'string' ? { agentId: e, mode: undefined } : e));
  const withRanks = ranked.map((a, i) => ({ ...a, rank: i + 1 }));
  const fallback = withRanks.length === 0 ? bestEffortCandidate(resolved, rejected) : undefined;
  if (fallback) {
    return {
      task: resolved,
      ranked: withRanks,
      rejected,
      chosen: fallback,
      selection: ['BEST_EFFORT'],
      escalation: [fallback.agentId],
      escalationModes: [fallback.mode],
      bestEffort: true,
    };
  }
  const chosen = withRanks[0];
  const primary = typeof resolved.preference === 'string' ? PRIMARY_REASON[resolved.preference] : 'BEST_WEIGHTED_SCORE';
  return {
    task: resolved,
    ranked: withRanks,
    rejected,
    chosen,
    selection: chosen ? (tieBroken ? [primary, 'TIE_BROKEN'] : [primary]) : [],
    escalation: steps.map((e) => e.agentId),
    escalationModes: steps.map((e) => e.mode),
    bestEffort: false,
  };
}

/** Spec §7: the whole matching rule over a list of candidates (assesses every one; see CandidateIndex for scale). */
export function match(task: MatchTask, candidates: Iterable<MatchCandidate>, policy: MatchPolicy = {}): MatchResult {
  const resolved = resolveTask(task, policy);
  const feasible: Assessment[] = [];
  const rejected: Assessment[] = [];
  for (const candidate of candidates) {
    for (const a of assessModes(candidate, task, resolved, policy)) (a.feasible ? feasible : rejected).push(a);
  }
  const { ranked, tieBroken } = rank(feasible, resolved.preference);
  const escalation = escalationSteps(
    ranked,
    task.descriptor.constraints?.completionDeadlineMs,
    policy.maxEscalations ?? 2,
  );
  return buildResult(resolved, ranked, rejected.sort(byCloseness), tieBroken, escalation);
}
