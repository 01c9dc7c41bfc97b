/**
 * The Router (issue 10, item 1): the whole routing loop as one object.
 *
 *   route(task)   resolve  — the task's learned difficulty c(x) from its text, domain and declared complexity, and each
 *                            agent's learned curve (declared profiles are the prior);
 *                 match    — the spec's matcher over the learned profiles (feasibility, predictions, ranking);
 *                 decide   — the λ dial or the matcher's preference; best effort when nothing is feasible, unless the
 *                            constraints are hard; Thompson exploration within its budget;
 *   run(task)     dispatch — the `dispatch` hook sends the task, escalating along the plan on failure;
 *   observe(...)  learn    — one binary outcome of the agent that ran updates the learner (and its reported cost
 *                            corrects its prices);
 *   toJSON()      persist  — versioned JSON state (`Router.fromJSON`).
 */
import { randomUUID } from 'node:crypto';
import { logistic } from '../math/stats.js';
import type { TaskDescriptor } from '../model/descriptor.js';
import type { CapabilityProfile } from '../model/profile.js';
import { CandidateIndex } from '../routing/candidate-index.js';
import {
  type Assessment,
  assessModes,
  byCloseness,
  type ComplexityOrigin,
  type MatchCandidate,
  type MatchPolicy,
  type MatchResult,
  type MatchTask,
  match,
  SOURCE_SIGMA,
  successCell,
} from '../routing/match.js';
import { CostCorrection, type CostCorrectionOptions, type CostCorrectionState } from './cost.js';
import { DeclaredScale, type DeclaredScaleState } from './declared-scale.js';
import { type DialRule, decide, dialChoice, type RoutingChoice, type SpreadOf } from './dial.js';
import { type ExplorationOptions, type ExplorationState, ThompsonExploration } from './exploration.js';
import type { TaskFeatures } from './features.js';
import {
  declaredCurve,
  type LearnedCurve,
  type LearnerOptions,
  type LearnerState,
  OnlineIrtLearner,
} from './learner.js';

export interface RouterTask {
  /** Identifies the task in `observe`; generated when absent. */
  readonly id?: string;
  /** The task text (the message's text parts): the only input besides the descriptor. */
  readonly text: string;
  readonly descriptor: TaskDescriptor;
  readonly inputModes?: readonly string[];
  readonly acceptedOutputModes?: readonly string[];
  /** Refuse rather than serve best-effort when no agent meets the constraints (overrides the Router option). */
  readonly hardConstraints?: boolean;
  /** The λ of this task (overrides the Router option). */
  readonly lambda?: number;
}

export interface RouterDecision {
  readonly taskId: string;
  /** The agent to try first; undefined when the task is refused. */
  readonly chosen: string | undefined;
  /** Agents to try in order, chosen first. */
  readonly plan: readonly string[];
  /** No agent met every constraint; the plan serves the task anyway (closest agents first). */
  readonly bestEffort: boolean;
  /** The choice came from a posterior draw that differed from the greedy choice. */
  readonly explored: boolean;
  /**
   * The choice is an information probe (exploration.ts, `probe`): an alternative to the greedy choice whose success
   * the learner does not yet know well enough. A probe is also `explored`.
   */
  readonly probed: boolean;
  readonly lambda: number | undefined;
  /**
   * The learned difficulty of the task, on the complexity scale (a declared complexity's sigma). The complexity the
   * matcher used and its origin (spec §5.2: `descriptor` only when the declared value is unchanged, `combined` when the
   * learner shifted it, `estimator` when nothing was declared) are `match.task.complexity` and `match.task.origin`.
   */
  readonly difficulty: { readonly value: number; readonly sigma: number };
  /**
   * Per assessed agent, the posterior standard deviation of its predicted success (delta method over its learned
   * ability in the task's domain): the spread the λ dial's benefit of the doubt uses (dial.ts).
   */
  readonly successSpread: Readonly<Record<string, number>>;
  /** The task's features as the learner read them (what an outcome of this decision is learned from). */
  readonly features: TaskFeatures;
  /** The matcher's result over the learned profiles at the posterior means (the candidate index's: the ranked agents
   * and those it assessed; every candidate when none is feasible or an exploration picked an unassessed agent). */
  readonly match: MatchResult;
}

export interface RouterOutcome {
  readonly taskId: string;
  readonly agentId: string;
  readonly success: boolean;
  /** The attempt's actual cost in the agent's currency (from its usage report), when known: corrects its prices. */
  readonly cost?: number;
}

export interface DispatchAttempt {
  readonly agentId: string;
  readonly task: RouterTask;
  readonly decision: RouterDecision;
  /** 0 for the chosen agent, then 1, 2, … along the escalation plan. */
  readonly attempt: number;
}

export interface DispatchResult {
  readonly success: boolean;
  /** The attempt's actual cost in the agent's currency, when the agent reports it. */
  readonly cost?: number;
}

export type DispatchHook = (attempt: DispatchAttempt, signal: AbortSignal | undefined) => Promise<DispatchResult>;

export interface RouterOptions {
  readonly agents?: Iterable<MatchCandidate>;
  /**
   * The value of one success in the decision currency (the λ dial, dial.ts); undefined: the descriptor's preference.
   * Infinity: cost is no object (the priciest feasible agent whose success is uncertain at all).
   */
  readonly lambda?: number;
  /**
   * The λ / price-gap ratio from which the dial gives a pricier agent the benefit of the doubt (dial.ts; default
   * DEFAULT_DOUBT_FROM); Infinity keeps the pure expected-utility argmax at every λ (whose top may stay below 1).
   */
  readonly doubtFrom?: number;
  /** Refuse tasks no agent meets (default false: best effort, marked in the decision). */
  readonly hardConstraints?: boolean;
  /** Thompson sampling (default on, budget 0.1); false turns it off. */
  readonly exploration?: ExplorationOptions | false;
  readonly learner?: LearnerOptions;
  readonly policy?: MatchPolicy;
  readonly dispatch?: DispatchHook;
  /** Decisions remembered for `observe` (default 10 000; the oldest are forgotten first). */
  readonly maxPending?: number;
  /**
   * Assess every agent (the §7 rule over the whole list) instead of the candidate index, so the decision lists why
   * each agent was not chosen, as a dry run that explains itself needs (default false: the index).
   */
  readonly scanEveryAgent?: boolean;
  /**
   * Probability that a failed attempt is detected (a verifier's sensitivity) and so escalated. With λ and this set,
   * the Router chooses the escalation plan of the largest expected value (`plan.ts`) instead of the best single agent
   * by λ · P − cost followed by the spec's plan. Default undefined: the latter.
   */
  readonly failureDetection?: number;
  /** How reported costs correct each agent's prices (`cost.ts`; defaults there). */
  readonly costCorrection?: CostCorrectionOptions;
  /**
   * Put tasks that declare no complexity on the declared scale (`declared-scale.ts`): learn from every declaration to
   * predict the declared complexity from the text's features, and start an undeclared task from that prediction (and
   * its spread as the sigma) instead of the spec's default. Default true; it changes nothing until the Router has
   * seen a declaration in the task's domain.
   */
  readonly declaredScale?: boolean;
  /**
   * The greedy decisions kept for reuse: most assessments held in all (default 16 384; 0 keeps none). A decision's
   * greedy part (the match over the posterior means, its plan and the success spreads) depends only on the task's
   * descriptor, modes, λ, hard constraints and learned difficulty, and on the fleet and the learned state, which
   * every change (an agent upserted or removed, an outcome learned, a price corrected) invalidates as a whole. A task
   * like an earlier one then skips the match; exploration still draws for every decision.
   */
  readonly decisionCache?: number;
}

export interface RouterState {
  readonly version: 1;
  readonly kind: 'rightsize-router';
  readonly learner: LearnerState;
  readonly exploration: ExplorationState;
  /** Learned price corrections (absent in states written before they existed). */
  readonly costs?: CostCorrectionState;
  /** Decisions still awaiting outcomes, oldest first, so `observe` works after a restore (absent in older states). */
  readonly pending?: ReadonlyArray<PendingState>;
  /** The declared-scale regression (absent in older states or when the option is off). */
  readonly declaredScale?: DeclaredScaleState;
}

/** One remembered decision: the task id, its features and each agent's predicted cost. */
export interface PendingState {
  readonly taskId: string;
  readonly features: TaskFeatures;
  readonly predictedCost: Readonly<Record<string, number>>;
  /** The agent whose outcome was observed first for the task (the decision's own attempt), once there is one. */
  readonly firstObserved?: string;
}

export interface RouterRun {
  readonly decision: RouterDecision;
  readonly attempts: ReadonlyArray<{ readonly agentId: string; readonly success: boolean }>;
  readonly success: boolean;
}

/** The part of a decision that the posterior means determine (see `RouterOptions.decisionCache`). Read-only. */
interface Greedy {
  readonly match: MatchResult;
  readonly choice: RoutingChoice;
  readonly spreadOf: SpreadOf;
  /** Each assessed agent's predicted cost in its declared prices, and its success spread (non-exploring case). */
  readonly predictedCost: ReadonlyMap<string, number>;
  readonly successSpread: Readonly<Record<string, number>>;
}

/** Default of `RouterOptions.decisionCache`. */
export const DEFAULT_DECISION_CACHE = 16_384;

/** The longest task key the decision cache keeps (characters); a longer one is decided afresh each time. */
export const MAX_CACHE_KEY_CHARS = 2048;

/** JSON with non-finite numbers kept apart from null (and from each other) for cache keys. */
const keyOf = (parts: unknown[]) =>
  JSON.stringify(parts, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? ['\u0000', String(v)] : v));

interface Pending {
  readonly features: TaskFeatures;
  /** Each agent's predicted cost for the task (its currency), to compare with the reported one. */
  readonly predictedCost: ReadonlyMap<string, number>;
  /**
   * The agent whose outcome was observed first (the decision's own attempt): an outcome of another agent is an
   * escalation's; another outcome of the same one (client feedback on its answer) is not.
   */
  firstObserved?: string;
}

const clampComplexity = (c: number) => Math.min(64, Math.max(0, c));

/** A learned difficulty closer than this to the declared complexity leaves it unchanged (floating-point noise). */
const UNCHANGED_COMPLEXITY = 1e-9;

/**
 * Spec §5.2: the complexity the Router matches with and its origin. The learned difficulty is the Router's own
 * estimate conditioned on the descriptor: a declared value it leaves unchanged stays the client's (`descriptor`), a
 * value it shifted is `combined` (the declaration was an input), one learned without a declaration is `estimator`.
 * A `reasoningTokens` estimate is combined by the matcher (origin `combined` there).
 */
function usedComplexity(
  declared: TaskDescriptor['complexity'],
  difficulty: { value: number; sigma: number },
): { complexity: NonNullable<TaskDescriptor['complexity']>; origin: ComplexityOrigin } {
  const value = clampComplexity(difficulty.value);
  if (!declared) return { complexity: { value, sigma: difficulty.sigma, source: 'estimated' }, origin: 'estimator' };
  if (Math.abs(value - declared.value) < UNCHANGED_COMPLEXITY)
    return { complexity: { ...declared, sigma: difficulty.sigma }, origin: 'descriptor' };
  return { complexity: { value, sigma: difficulty.sigma, source: 'estimated' }, origin: 'combined' };
}

/** The match result with the origin of the complexity it used (the matcher only saw it in the descriptor). */
function withOrigin(result: MatchResult, origin: ComplexityOrigin): MatchResult {
  return result.task.origin === 'descriptor' ? { ...result, task: { ...result.task, origin } } : result;
}

/** The profile with the task's domain curve replaced by a learned one (only where the agent serves the domain). */
function withCurve(profile: CapabilityProfile, domain: string, curve: LearnedCurve): CapabilityProfile {
  if (!declaredCurve(profile, domain)) return profile;
  return {
    ...profile,
    domains: [
      ...profile.domains.filter((d) => d.domain !== domain),
      { domain, ability: curve.ability, slope: curve.slope, pMax: curve.pMax },
    ],
  };
}

export class Router {
  readonly #agents = new Map<string, MatchCandidate>();
  readonly #learner: OnlineIrtLearner;
  readonly #exploration: ThompsonExploration;
  readonly #costs: CostCorrection;
  readonly #scale: DeclaredScale | undefined;
  readonly #pending = new Map<string, Pending>();
  readonly #options: RouterOptions;
  readonly #maxPending: number;
  /**
   * One candidate index per domain (and ranking depth) over the learned profiles at the posterior means, kept
   * exact by updating in place the agents that change (upsert, removal, a learned outcome and its price correction),
   * before the next decision. Posterior draws (exploration) change every agent, so they get an index per decision.
   */
  readonly #indexes = new Map<string, { readonly domain: string; readonly index: CandidateIndex }>();
  /** Agents whose learned profile changed since the indexes last saw them. */
  readonly #stale = new Set<string>();
  /** Greedy decisions by task key, valid for `#cachedVersion`; `#cachedWeight` assessments held in all. */
  readonly #greedy = new Map<string, Greedy>();
  #cachedVersion = 0;
  #cachedWeight = 0;
  /** Bumped by every change of the fleet or the learned state (each makes the cached decisions stale). */
  #version = 0;

  constructor(options: RouterOptions = {}, state?: RouterState) {
    if (options.lambda !== undefined && !(options.lambda >= 0)) throw new RangeError('lambda must be ≥ 0');
    const detection = options.failureDetection;
    if (detection !== undefined && !(detection > 0 && detection <= 1))
      throw new RangeError('failureDetection must be in (0, 1]');
    if (options.doubtFrom !== undefined && !(options.doubtFrom > 0)) throw new RangeError('doubtFrom must be > 0');
    this.#options = options;
    this.#maxPending = options.maxPending ?? 10_000;
    this.#learner = state
      ? OnlineIrtLearner.fromJSON(state.learner, options.learner)
      : new OnlineIrtLearner(options.learner);
    this.#exploration = new ThompsonExploration(
      options.exploration === false ? { enabled: false } : options.exploration,
      state?.exploration,
    );
    this.#costs = new CostCorrection(options.costCorrection, state?.costs);
    this.#scale = options.declaredScale === false ? undefined : new DeclaredScale({}, state?.declaredScale);
    this.#learner.onAgentChange((id) => this.#changed(id));
    for (const entry of state?.pending ?? []) {
      const { taskId, ...pending } = pendingFromState(entry, 2 ** this.#learner.hashBits);
      this.#remember(taskId, pending);
    }
    for (const agent of options.agents ?? []) this.upsertAgent(agent);
  }

  static fromJSON(state: RouterState, options: RouterOptions = {}): Router {
    if (state?.version !== 1 || state.kind !== 'rightsize-router')
      throw new Error(`unsupported router state (version ${String(state?.version)})`);
    return new Router(options, state);
  }

  /** Add or replace an agent (its declared profile is the learner's prior the first time it is seen). */
  upsertAgent(agent: MatchCandidate): void {
    this.#agents.set(agent.id, agent);
    this.#changed(agent.id);
  }

  removeAgent(id: string): void {
    this.#agents.delete(id);
    this.#changed(id);
  }

  /** The agent's learned profile changed (or it came or went): the indexes update it, the cached decisions go. */
  #changed(id: string): void {
    this.#stale.add(id);
    this.#version++;
  }

  get agents(): readonly MatchCandidate[] {
    return [...this.#agents.values()];
  }

  get learner(): OnlineIrtLearner {
    return this.#learner;
  }

  /** Share of decisions that explored by Thompson sampling so far (probes not included). */
  get explorationShare(): number {
    return this.#exploration.share;
  }

  /** Share of decisions that probed so far (exploration.ts, `probe`). */
  get probeShare(): number {
    return this.#exploration.probeShare;
  }

  /** The agent's profile with its learned curve for the domain and its corrected prices. */
  #learned(agent: MatchCandidate, domain: string, curveOf: (agent: MatchCandidate) => LearnedCurve): MatchCandidate {
    return { ...agent, profile: withCurve(this.#costs.apply(agent.id, agent.profile), domain, curveOf(agent)) };
  }

  /** The learned curve at the posterior means in the domain. */
  #meanCurve(domain: string): (agent: MatchCandidate) => LearnedCurve {
    return (a) => this.#learner.curve(a.id, a.profile, domain);
  }

  /** The persistent index of the greedy (posterior-mean) profiles for the domain, brought up to date. */
  #greedyIndex(domain: string, rankAll: boolean): CandidateIndex {
    for (const id of this.#stale) {
      const agent = this.#agents.get(id);
      for (const cached of this.#indexes.values()) {
        if (agent) cached.index.upsert(this.#learned(agent, cached.domain, this.#meanCurve(cached.domain)));
        else cached.index.remove(id);
      }
    }
    this.#stale.clear();
    const key = `${rankAll ? 'all' : 'top'}|${domain}`;
    let cached = this.#indexes.get(key);
    if (!cached) {
      const candidates = [...this.#agents.values()].map((a) => this.#learned(a, domain, this.#meanCurve(domain)));
      cached = { domain, index: new CandidateIndex(candidates, rankAll ? { topN: Number.POSITIVE_INFINITY } : {}) };
      this.#indexes.set(key, cached);
    }
    return cached.index;
  }

  /**
   * The matcher over the learned profiles: the greedy ones (posterior means, `sampled` undefined) through the
   * persistent index, a posterior draw through an index built for the decision.
   */
  #matchWith(
    task: RouterTask,
    sampled: ((agent: MatchCandidate) => LearnedCurve) | undefined,
    difficulty: { value: number; sigma: number },
    lambda: number | undefined,
    scan = false,
  ): MatchResult {
    const d = task.descriptor;
    const constraints =
      lambda !== undefined && d.constraints?.minSuccess === undefined
        ? { ...d.constraints, minSuccess: 0 }
        : d.constraints;
    const used = usedComplexity(d.complexity, difficulty);
    const descriptor: TaskDescriptor = { ...d, complexity: used.complexity, ...(constraints ? { constraints } : {}) };
    const curveOf = sampled ?? this.#meanCurve(d.domain);
    const candidates = () => [...this.#agents.values()].map((agent) => this.#learned(agent, d.domain, curveOf));
    const matchTask = {
      descriptor,
      ...(task.inputModes ? { inputModes: task.inputModes } : {}),
      ...(task.acceptedOutputModes ? { acceptedOutputModes: task.acceptedOutputModes } : {}),
    };
    // The candidate index (spec §7.9) ranks exactly what the scan ranks without assessing every agent; with λ every
    // feasible agent is ranked (utility reorders them); with none feasible, best effort by the dial (λ and a stated
    // minSuccess) needs every rejection: scan.
    const scanned = () => withOrigin(match(matchTask, candidates(), this.#options.policy), used.origin);
    if (scan || this.#options.scanEveryAgent) return scanned();
    const rankAll = lambda !== undefined;
    const index = sampled
      ? new CandidateIndex(candidates(), rankAll ? { topN: Number.POSITIVE_INFINITY } : {})
      : this.#greedyIndex(d.domain, rankAll);
    const indexed = index.match(matchTask, this.#options.policy);
    if (indexed.ranked.length > 0) return withOrigin(indexed, used.origin);
    // Hard constraints: refused whatever the rest.
    if (task.hardConstraints ?? this.#options.hardConstraints ?? false) return withOrigin(indexed, used.origin);
    const closest = lambda === undefined ? this.#likeliest(index, matchTask, indexed) : undefined;
    return closest ? withOrigin(closest, used.origin) : scanned();
  }

  /**
   * Best effort without λ (`decide`: the relaxable agent of highest predicted success, then lower cost, then id)
   * from the index, not a scan of every agent. An agent is relaxable — short only on P — exactly when it has no
   * rejection reason at minSuccess 0 (P does not depend on minSuccess), so the index at minSuccess 0 under `quality`
   * ranks the relaxable agents by success cell (spec §7.3; its list is the exact head of that ranking). When its last
   * listed agent is in a lower cell than its first, every agent of the top cell is listed, and the likeliest is among
   * them: they are assessed at the task's minSuccess (with the index's learned profiles) and join the rejected
   * agents. Undefined (scan) when the whole list shares the top cell.
   */
  #likeliest(index: CandidateIndex, task: MatchTask, indexed: MatchResult): MatchResult | undefined {
    const d = task.descriptor;
    const relaxed = index.match(
      { ...task, descriptor: { ...d, preference: 'quality', constraints: { ...d.constraints, minSuccess: 0 } } },
      this.#options.policy,
    );
    const top = relaxed.ranked[0];
    if (!top) return indexed; // no relaxable agent: nothing to serve best-effort
    const cell = successCell(top.predictions.success);
    const last = relaxed.ranked[relaxed.ranked.length - 1] as Assessment;
    if (successCell(last.predictions.success) === cell) return undefined;
    const seen = new Set(indexed.rejected.map((a) => `${a.agentId}/${a.mode ?? ''}`));
    const likeliest = relaxed.ranked
      .filter((a) => successCell(a.predictions.success) === cell)
      .map((a) => index.get(a.agentId) as MatchCandidate)
      .filter((candidate, i, all) => all.indexOf(candidate) === i)
      .flatMap((candidate) => assessModes(candidate, task, indexed.task, this.#options.policy))
      .filter((a) => !seen.has(`${a.agentId}/${a.mode ?? ''}`));
    return { ...indexed, rejected: [...indexed.rejected, ...likeliest].sort(byCloseness) };
  }

  /**
   * The posterior standard deviation of each agent's success on the task (delta method over the learned ability of
   * its domain curve at the task's difficulty: dP/dability = pMax · k · u(1 − u), u = σ(k(ability − c))). The
   * difficulty's own uncertainty is shared by every agent and left out (it mostly cancels in their difference).
   */
  #spreadOf(domain: string, difficulty: number): SpreadOf {
    const c = clampComplexity(difficulty);
    const spreads = new Map<string, number>();
    return (id) => {
      let sd = spreads.get(id);
      if (sd === undefined) {
        const agent = this.#agents.get(id);
        const curve = agent ? this.#learner.curve(id, agent.profile, domain) : undefined;
        const u = curve ? logistic(curve.slope * (curve.ability - c)) : 0;
        sd = curve ? curve.pMax * curve.slope * u * (1 - u) * curve.abilitySigma : 0;
        spreads.set(id, sd);
      }
      return sd;
    };
  }

  /**
   * The agent this Router's dial would choose at `lambda` over the same beliefs as `decision` (its greedy assessments
   * and success spreads): reads the dial at every setting without routing again.
   */
  chooseAt(decision: RouterDecision, lambda: number): string | undefined {
    const pool: Assessment[] =
      decision.match.ranked.length > 0 ? [...decision.match.ranked] : [...decision.match.rejected];
    return dialChoice(pool, lambda, {
      spreadOf: (id) => decision.successSpread[id] ?? 0,
      doubtFrom: this.#options.doubtFrom,
    })?.agentId;
  }

  /**
   * The greedy part of a decision (the match at the posterior means, the dial's plan, the success spreads): cached by
   * everything it reads from the task, for as long as the fleet and the learned state are unchanged.
   */
  #greedyDecision(
    task: RouterTask,
    difficulty: { value: number; sigma: number },
    lambda: number | undefined,
    rule: Parameters<typeof decide>[1],
  ): Greedy {
    const budget = this.#options.decisionCache ?? DEFAULT_DECISION_CACHE;
    if (this.#cachedVersion !== this.#version) {
      this.#greedy.clear();
      this.#cachedWeight = 0;
      this.#cachedVersion = this.#version;
    }
    const key =
      budget > 0
        ? keyOf([
            lambda,
            rule.hardConstraints,
            difficulty.value,
            difficulty.sigma,
            task.inputModes ?? null,
            task.acceptedOutputModes ?? null,
            task.descriptor,
          ])
        : '';
    // A key longer than MAX_CACHE_KEY_CHARS (a client's long mode lists or descriptor) is neither looked up nor kept:
    // the budget counts assessments, so keys of any length would let clients fill memory through the cache.
    const cacheable = key.length > 0 && key.length <= MAX_CACHE_KEY_CHARS;
    const cached = cacheable ? this.#greedy.get(key) : undefined;
    if (cached) return cached;
    const spreadOf = this.#spreadOf(task.descriptor.domain, difficulty.value);
    const match = this.#matchWith(task, undefined, difficulty, lambda);
    const greedy: Greedy = {
      match,
      choice: decide(match, { ...rule, spreadOf }),
      spreadOf,
      ...this.#predictions(match, spreadOf),
    };
    const weight = 1 + match.ranked.length + match.rejected.length;
    if (!cacheable || weight > budget) return greedy;
    // Oldest first: drop until the new entry fits.
    for (const [oldKey, old] of this.#greedy) {
      if (this.#cachedWeight + weight <= budget) break;
      this.#greedy.delete(oldKey);
      this.#cachedWeight -= 1 + old.match.ranked.length + old.match.rejected.length;
    }
    this.#greedy.set(key, greedy);
    this.#cachedWeight += weight;
    return greedy;
  }

  /** Each assessed agent's predicted cost in its declared prices (for `observe`), and its success spread. */
  #predictions(match: MatchResult, spreadOf: SpreadOf): Pick<Greedy, 'predictedCost' | 'successSpread'> {
    const predictedCost = new Map(
      [...match.ranked, ...match.rejected].map((a) => [
        a.agentId,
        a.predictions.cost.amount / this.#costs.factor(a.agentId),
      ]),
    );
    const successSpread = Object.fromEntries([...predictedCost.keys()].map((id) => [id, spreadOf(id)]));
    return { predictedCost, successSpread };
  }

  /**
   * Decide where a task goes. Side effects: it remembers the decision for `observe`, counts exploration and, with the
   * declared scale on, learns the task's declared complexity (`RouterOptions.declaredScale`).
   */
  route(task: RouterTask): RouterDecision {
    const d = task.descriptor;
    const lambda = task.lambda ?? this.#options.lambda;
    if (lambda !== undefined && !(lambda >= 0)) throw new RangeError('lambda must be ≥ 0');
    const hardConstraints = task.hardConstraints ?? this.#options.hardConstraints ?? false;
    const { features, scaleSigma } = this.#featuresOf(task);
    const learned = this.#learner.difficulty(features);
    // A declared complexity keeps the client's own uncertainty (spec §5.2: its sigma, else its source's default), a
    // complexity predicted on the declared scale the prediction's; the learner only shifts its value.
    const declaredSigma = d.complexity
      ? (d.complexity.sigma ?? SOURCE_SIGMA[d.complexity.source ?? 'declared'])
      : scaleSigma;
    const difficulty = declaredSigma !== undefined ? { value: learned.value, sigma: declaredSigma } : learned;
    const rule: Parameters<typeof decide>[1] & DialRule = {
      lambda,
      hardConstraints,
      deadlineMs: d.constraints?.completionDeadlineMs,
      maxEscalations: this.#options.policy?.maxEscalations ?? 2,
      detection: this.#options.failureDetection,
      escalationCost: (a: Assessment) =>
        (a.comparableCost * this.#costs.escalationFactor(a.agentId)) / this.#costs.factor(a.agentId),
      doubtFrom: this.#options.doubtFrom,
    };
    const greedy = this.#greedyDecision(task, difficulty, lambda, rule);
    const { spreadOf } = greedy;
    let greedyMatch = greedy.match;
    let plan = greedy.choice.plan;
    let bestEffort = greedy.choice.bestEffort;
    let explored = false;
    if (
      this.#exploration.allowed() &&
      (this.#agents.size > 1 || greedy.choice.order.length + greedyMatch.rejected.length > 1)
    ) {
      const rng = this.#exploration.rng;
      const target = this.#exploration.targetLambda(lambda);
      const sampledDifficulty = {
        value: rng.normal(learned.value, learned.sigma),
        sigma: d.complexity ? difficulty.sigma : 0,
      };
      const sampledMatch = this.#matchWith(
        task,
        (a) => this.#learner.sampleCurve(a.id, a.profile, d.domain, rng),
        sampledDifficulty,
        lambda,
      );
      const sampled = decide(sampledMatch, { ...rule, spreadOf, lambda: target });
      // At another λ (exploration for the whole dial), explore only where the draw and the means disagree there.
      const reference = target === lambda ? greedy.choice : decide(greedyMatch, { ...rule, spreadOf, lambda: target });
      const first = sampled.plan[0];
      if (first !== undefined && first !== greedy.choice.plan[0] && first !== reference.plan[0]) {
        explored = true;
        bestEffort = sampled.bestEffort;
        plan = [first, ...greedy.choice.plan.filter((id) => id !== first)];
        // The explored agent's predicted cost (for observe) comes from the greedy assessments: assess it too.
        const assessed = [...greedyMatch.ranked, ...greedyMatch.rejected].some((a) => a.agentId === first);
        if (!assessed) greedyMatch = this.#matchWith(task, undefined, difficulty, lambda, true);
      }
    }
    let probed = false;
    const greedyFirst = greedy.choice.order.find((a) => a.agentId === greedy.choice.plan[0]);
    const probe =
      !explored && greedyFirst
        ? this.#exploration.probeTarget(greedyFirst, greedy.choice.order, lambda, spreadOf)
        : undefined;
    if (probe) {
      explored = true;
      probed = true;
      plan = [probe.agentId, ...greedy.choice.plan.filter((id) => id !== probe.agentId)];
    }
    this.#exploration.record(explored && !probed, probed);
    const taskId = task.id ?? randomUUID();
    const { predictedCost, successSpread } =
      greedyMatch === greedy.match ? greedy : this.#predictions(greedyMatch, spreadOf);
    this.#remember(taskId, { features, predictedCost });
    return {
      taskId,
      chosen: plan[0],
      plan,
      bestEffort,
      explored,
      probed,
      lambda,
      difficulty,
      successSpread,
      features,
      match: greedyMatch,
    };
  }

  /**
   * The task's features. With the declared scale on, a declaration is learned (what its text and domain are declared
   * at), and a task without one takes the predicted declared value as its prior (features as if declared), with the
   * prediction's sigma.
   */
  #featuresOf(task: RouterTask): { features: TaskFeatures; scaleSigma?: number } {
    const d = task.descriptor;
    const scale = this.#scale;
    if (!scale) return { features: this.#learner.features(task.text, d.domain, d.complexity?.value) };
    const asUndeclared = this.#learner.features(task.text, d.domain);
    if (d.complexity) {
      scale.learn(d.domain, asUndeclared, d.complexity.value);
      return { features: this.#learner.features(task.text, d.domain, d.complexity.value) };
    }
    const predicted = scale.predict(d.domain, asUndeclared);
    if (!predicted) return { features: asUndeclared };
    return { features: this.#learner.features(task.text, d.domain, predicted.value), scaleSigma: predicted.sigma };
  }

  /** Remember a decision for `observe`, forgetting the oldest beyond `maxPending`. */
  #remember(taskId: string, pending: Pending): void {
    this.#pending.delete(taskId);
    this.#pending.set(taskId, pending);
    if (this.#pending.size > this.#maxPending) {
      const oldest = this.#pending.keys().next().value as string;
      this.#pending.delete(oldest);
    }
  }

  /**
   * Learn the outcome of one attempt. Returns false (and learns nothing) when the task is unknown (never routed, or
   * forgotten) or the agent is not registered.
   */
  observe(outcome: RouterOutcome): boolean {
    const pending = this.#pending.get(outcome.taskId);
    const agent = this.#agents.get(outcome.agentId);
    if (!pending || !agent) return false;
    this.#learner.observe(agent.id, agent.profile, pending.features, outcome.success);
    // Learning marks the agent stale (the learner's change listener), so its corrected prices reach the index too.
    // An escalation follows failures (its task is harder than predicted): its cost is recorded apart (cost.ts).
    pending.firstObserved ??= agent.id;
    const escalation = pending.firstObserved !== agent.id;
    if (outcome.cost !== undefined) {
      this.#costs.record(agent.id, pending.predictedCost.get(agent.id) ?? 0, outcome.cost, escalation);
      this.#changed(agent.id);
    }
    return true;
  }

  /** The task is done: forget its decision (observe no longer accepts it). */
  complete(taskId: string): void {
    this.#pending.delete(taskId);
  }

  /**
   * route → dispatch → observe, escalating along the plan until an attempt succeeds (or only the first attempt
   * when `escalate` is false). Needs the `dispatch` hook.
   */
  async run(task: RouterTask, options: { signal?: AbortSignal; escalate?: boolean } = {}): Promise<RouterRun> {
    const dispatch = this.#options.dispatch;
    if (!dispatch) throw new Error('Router.run needs a dispatch hook (RouterOptions.dispatch)');
    const decision = this.route(task);
    const attempts: Array<{ agentId: string; success: boolean }> = [];
    const plan = options.escalate === false ? decision.plan.slice(0, 1) : decision.plan;
    try {
      for (const [attempt, agentId] of plan.entries()) {
        options.signal?.throwIfAborted();
        const result = await dispatch({ agentId, task, decision, attempt }, options.signal);
        attempts.push({ agentId, success: result.success });
        this.observe({
          taskId: decision.taskId,
          agentId,
          success: result.success,
          ...(result.cost !== undefined ? { cost: result.cost } : {}),
        });
        if (result.success) break;
      }
    } finally {
      this.complete(decision.taskId);
    }
    return { decision, attempts, success: attempts.some((a) => a.success) };
  }

  toJSON(): RouterState {
    return {
      version: 1,
      kind: 'rightsize-router',
      learner: this.#learner.toJSON(),
      exploration: this.#exploration.toJSON(),
      costs: this.#costs.toJSON(),
      ...(this.#scale ? { declaredScale: this.#scale.toJSON() } : {}),
      pending: [...this.#pending].map(([taskId, p]) => ({
        taskId,
        features: {
          named: p.features.named.map(([k, x]) => [k, x]),
          hashed: p.features.hashed.map(([b, x]) => [b, x]),
        },
        predictedCost: Object.fromEntries(p.predictedCost),
        ...(p.firstObserved !== undefined ? { firstObserved: p.firstObserved } : {}),
      })),
    };
  }
}

/** A remembered decision read back from a state, validated (a bad state throws rather than corrupting learning). */
function pendingFromState(entry: PendingState, hashSize: number): Pending & { taskId: string } {
  const pair = (p: unknown, key: (k: unknown) => boolean) =>
    Array.isArray(p) && p.length === 2 && key(p[0]) && Number.isFinite(p[1]);
  const f = entry?.features;
  if (
    typeof entry?.taskId !== 'string' ||
    !Array.isArray(f?.named) ||
    !Array.isArray(f?.hashed) ||
    !f.named.every((p) => pair(p, (k) => typeof k === 'string')) ||
    !f.hashed.every((p) => pair(p, (k) => Number.isInteger(k) && (k as number) >= 0 && (k as number) < hashSize)) ||
    typeof entry.predictedCost !== 'object' ||
    entry.predictedCost === null ||
    !Object.values(entry.predictedCost).every(Number.isFinite) ||
    !(entry.firstObserved === undefined || typeof entry.firstObserved === 'string')
  )
    throw new Error(`router state: bad pending decision ${String(entry?.taskId)}`);
  return {
    taskId: entry.taskId,
    features: { named: f.named.map(([k, x]) => [k, x] as const), hashed: f.hashed.map(([b, x]) => [b, x] as const) },
    predictedCost: new Map(Object.entries(entry.predictedCost)),
    ...(entry.firstObserved !== undefined ? { firstObserved: entry.firstObserved } : {}),
  };
}
