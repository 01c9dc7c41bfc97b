/**
 * The broker's routing engine: the SDK's learning `Router` (descriptor or learned estimate of the difficulty, the
 * spec's match over the agents' learned curves, the λ dial or the descriptor's preference, best effort unless
 * `hardConstraints`, Thompson exploration within a budget, the escalation plan) and the SDK's `Calibrator` for the
 * claims verdicts of spec §9.4. Both learn only from outcomes the broker can trust (spec §9.4: `verified` or
 * `client`, never the agent's own terminal state) and only through `learn`, fed in order from the outcome log
 * (`outcome-log.ts`), so that replicas applying the same log hold the same model.
 */
import { randomUUID } from 'node:crypto';
import type { AgentCard, Message, Part } from '@rightsize/sdk/a2a';
import {
  type Assessment,
  type CalibratedDomain,
  type CalibrationState,
  Calibrator,
  type CapabilityProfile,
  decisionRecord,
  type ExplorationOptions,
  type LearnerOptions,
  type MatchCandidate,
  type MatchResult,
  type Outcome,
  Router,
  type RouterDecision,
  type RouterOptions,
  type RouterState,
  type RoutingDecision,
  readMessageExtension,
  type TaskDescriptor,
  type TaskFeatures,
} from '@rightsize/sdk/rightsize';

export interface RoutableAgent {
  readonly id: string;
  readonly card: AgentCard;
  readonly profile: CapabilityProfile;
  readonly available: boolean;
  readonly load: number;
}

export interface RouteRequest {
  readonly descriptor?: TaskDescriptor;
  /** The task text: the Router's features (its learned difficulty) read it. */
  readonly text?: string;
  readonly inputModes?: readonly string[];
  readonly acceptedOutputModes?: readonly string[];
}

export interface Route {
  readonly descriptor: TaskDescriptor;
  /** The match over the agents' learned curves at the posterior means (every agent assessed). */
  readonly result: MatchResult;
  /** The decision record (spec §7.5): `chosen` and `escalation` are the Router's plan. */
  readonly decision: RoutingDecision;
  /** The task's features, kept with its outcomes so that every replica learns the same thing from them. */
  readonly features: TaskFeatures;
  /** The choice came from an exploratory (Thompson) draw. */
  readonly explored: boolean;
}

/** Who decided an outcome's success (spec §9.4): only `verified` and `client` outcomes are learned. */
export type Evidence = NonNullable<Outcome['evidence']>;

/** One outcome as the learning log keeps it. */
export interface LearningOutcome {
  readonly agentId: string;
  readonly domain: string;
  readonly complexity: number;
  readonly success: boolean;
  readonly evidence: Evidence;
  /** The task's features (absent for outcomes logged before the Router: they calibrate but do not train it). */
  readonly features?: TaskFeatures;
}

export interface RoutingEngine {
  /** Decide where a task goes (may explore). */
  route(request: RouteRequest): Route;
  /** The same decision with every registered agent listed (the dry run: every "why not"); nothing is forwarded. */
  explain(request: RouteRequest): Route;
  setAgent(agent: RoutableAgent): void;
  removeAgent(id: string): void;
  /** The features of a task as the model reads them (logged with its outcomes). */
  features(text: string, domain: string, declaredComplexity?: number): TaskFeatures;
  /**
   * Learn one logged outcome; false when it does not count (self-reported) or waits: for an identity this engine has
   * never seen registered (another replica's agent not loaded here yet), the outcome is kept and learned, in log
   * order, when that identity is registered here.
   */
  learn(outcome: LearningOutcome): boolean;
  calibration(agentId: string): CalibratedDomain[];
  /** The learned state, plain JSON, to persist. */
  toJSON(): RoutingState;
}

export interface RoutingState {
  readonly version: 2;
  readonly router: RouterState;
  readonly calibration: CalibrationState;
  /** The last declared profile of every identity registered so far (what its outcomes are learned against). */
  readonly profiles?: Readonly<Record<string, CapabilityProfile>>;
  /** Counted outcomes of identities never registered here, oldest first, learned when they are. */
  readonly waiting?: Readonly<Record<string, readonly LearningOutcome[]>>;
}

/** Most outcomes kept waiting for identities not registered here (the oldest are dropped beyond it; the log has all). */
export const MAX_WAITING_OUTCOMES = 10_000;

export interface RoutingOptions {
  /** The value of one success in the decision currency (the λ dial); absent: each descriptor's preference. */
  readonly lambda?: number;
  /** Thompson exploration (budget = largest share of exploratory decisions); false or absent: off. */
  readonly exploration?: ExplorationOptions | false;
  readonly maxEscalations?: number;
  readonly currency?: string;
  readonly learner?: LearnerOptions;
  readonly state?: RoutingState;
}

/** Media types of a message's parts (spec §7.2 MODALITY_UNSUPPORTED). */
export function inputModesOf(parts: readonly Part[]): string[] {
  const modes = new Set<string>();
  for (const part of parts) {
    if ('text' in part && part.text !== undefined) modes.add('text/plain');
    else if ('data' in part && part.data !== undefined) modes.add('application/json');
    else if (part.mediaType) modes.add(part.mediaType);
  }
  return [...modes];
}

export const textOf = (message: Message) =>
  message.parts.map((p) => ('text' in p && typeof p.text === 'string' ? p.text : '')).join('\n');

/**
 * What the matcher needs from a message: its descriptor (default domain `general`), text and modes. `read`: the
 * message's extension data when the caller has already read (validated) it.
 */
export function routeRequestOf(
  message: Message,
  acceptedOutputModes?: readonly string[],
  read: ReturnType<typeof readMessageExtension> = readMessageExtension(message),
): RouteRequest {
  return {
    ...(read?.ok && read.value.descriptor ? { descriptor: read.value.descriptor } : {}),
    text: textOf(message),
    inputModes: inputModesOf(message.parts),
    ...(acceptedOutputModes?.length ? { acceptedOutputModes } : {}),
  };
}

/** The mode of each step of a plan: the matcher's where the plan follows its escalation, else the agent's first. */
function modesOf(plan: readonly string[], result: MatchResult): Array<Assessment['mode'] | undefined> {
  const assessed = [...result.ranked, ...result.rejected];
  return plan.map((id, i) =>
    result.escalation[i] === id ? result.escalationModes[i] : assessed.find((a) => a.agentId === id)?.mode,
  );
}

/** The decision record of a Router decision: the matcher's assessments (with the complexity the Router used and its
 * origin, spec §5.2), the Router's choice and plan. Its id and time are the caller's to set. */
function recordOf(decision: RouterDecision, maxCandidates: number | undefined): RoutingDecision {
  const base = decisionRecord(decision.match, {
    decisionId: '',
    ...(maxCandidates !== undefined ? { maxCandidates } : {}),
    // Spec §7.5: an exploratory (Thompson) choice says so; a greedy one says false.
    explored: decision.explored,
  });
  const { bestEffort: _b, chosenMode: _c, escalationModes: _e, ...rest } = base;
  const modes = modesOf(decision.plan, decision.match);
  return {
    ...rest,
    chosen: decision.chosen ?? null,
    escalation: [...decision.plan],
    ...(decision.bestEffort ? { bestEffort: true } : {}),
    ...(modes[0] ? { chosenMode: modes[0] } : {}),
    ...(modes.some((m) => m !== undefined) ? { escalationModes: modes.map((m) => m ?? null) } : {}),
  };
}

export class BrokerRouting implements RoutingEngine {
  readonly #router: Router;
  readonly #routerOptions: RouterOptions;
  readonly #calibrator: Calibrator;
  readonly #declared = new Map<string, RoutableAgent>();
  /** Every identity's declared profile, kept after deregistration (outcomes may still arrive for it). */
  readonly #profiles = new Map<string, CapabilityProfile>();
  /** Counted outcomes of identities not registered here yet, per identity, oldest first. */
  readonly #waiting = new Map<string, LearningOutcome[]>();
  #waitingCount = 0;
  /** A greedy copy of the Router for dry runs (they must not count as decisions); rebuilt after learning. */
  #explainer: Router | undefined;
  /**
   * Decision records by the Router's match and what the record reads besides it (plan, exploration, listing depth):
   * the Router reuses a match for like tasks while nothing changes (`RouterOptions.decisionCache`), and so does the
   * record, with its own id and time. Read-only; entries go with their match.
   */
  readonly #records = new WeakMap<MatchResult, Map<string, RoutingDecision>>();

  constructor(options: RoutingOptions = {}) {
    const routerOptions: RouterOptions = {
      ...(options.lambda !== undefined ? { lambda: options.lambda } : {}),
      exploration: options.exploration ?? false,
      // The declared scale learns from each routed declaration inside route(), outside the outcome log: replicas would
      // each learn their own, and any caller's unverified declarations would move every caller's undeclared tasks.
      // Off until declarations are logged and learned like outcomes.
      declaredScale: false,
      ...(options.learner ? { learner: options.learner } : {}),
      policy: {
        ...(options.maxEscalations !== undefined ? { maxEscalations: options.maxEscalations } : {}),
        ...(options.currency ? { currency: options.currency } : {}),
      },
    };
    this.#routerOptions = routerOptions;
    this.#router = options.state ? Router.fromJSON(options.state.router, routerOptions) : new Router(routerOptions);
    this.#calibrator = options.state ? Calibrator.fromJSON(options.state.calibration) : new Calibrator();
    for (const [id, profile] of Object.entries(options.state?.profiles ?? {})) this.#profiles.set(id, profile);
    for (const [id, outcomes] of Object.entries(options.state?.waiting ?? {})) {
      this.#waiting.set(id, [...outcomes]);
      this.#waitingCount += outcomes.length;
    }
  }

  route(request: RouteRequest): Route {
    return this.#decide(this.#router, request, undefined);
  }

  /** The greedy decision (no exploration, nothing counted), every agent listed. */
  explain(request: RouteRequest): Route {
    if (!this.#explainer) {
      this.#explainer = Router.fromJSON(this.#router.toJSON(), {
        ...this.#routerOptions,
        exploration: false,
        scanEveryAgent: true,
      });
      for (const agent of this.#router.agents) this.#explainer.upsertAgent(agent);
    }
    return this.#decide(this.#explainer, request, this.#declared.size);
  }

  #decide(router: Router, request: RouteRequest, maxCandidates: number | undefined): Route {
    const descriptor: TaskDescriptor = request.descriptor ?? { domain: 'general' };
    const text = request.text ?? '';
    const decision = router.route({
      text,
      descriptor,
      ...(request.inputModes?.length ? { inputModes: request.inputModes } : {}),
      ...(request.acceptedOutputModes ? { acceptedOutputModes: request.acceptedOutputModes } : {}),
      ...(descriptor.hardConstraints !== undefined ? { hardConstraints: descriptor.hardConstraints } : {}),
    });
    // Outcomes are learned from the log (`learn`), not through the Router's memory of its decisions.
    router.complete(decision.taskId);
    return {
      descriptor,
      result: decision.match,
      decision: {
        ...this.#record(decision, maxCandidates),
        decisionId: `d-${randomUUID()}`,
        decidedAt: new Date().toISOString(),
      },
      features: decision.features,
      explored: decision.explored,
    };
  }

  #record(decision: RouterDecision, maxCandidates: number | undefined): RoutingDecision {
    let records = this.#records.get(decision.match);
    if (!records) {
      records = new Map();
      this.#records.set(decision.match, records);
    }
    const key = `${decision.explored}|${decision.bestEffort}|${maxCandidates}|${decision.plan.join('\u0000')}`;
    let record = records.get(key);
    if (!record) {
      record = recordOf(decision, maxCandidates);
      records.set(key, record);
    }
    return record;
  }

  features(text: string, domain: string, declaredComplexity?: number): TaskFeatures {
    return this.#router.learner.features(text, domain, declaredComplexity);
  }

  setAgent(agent: RoutableAgent): void {
    this.#declared.set(agent.id, agent);
    this.#router.upsertAgent(candidateOf(agent));
    this.#explainer?.upsertAgent(candidateOf(agent));
    this.#profiles.set(agent.id, agent.profile);
    // Outcomes other replicas logged before this identity was registered here: learned now, in log order.
    const waiting = this.#waiting.get(agent.id);
    if (waiting) {
      this.#waiting.delete(agent.id);
      this.#waitingCount -= waiting.length;
      for (const outcome of waiting) this.#apply(outcome, agent.profile);
    }
  }

  removeAgent(id: string): void {
    this.#declared.delete(id);
    this.#router.removeAgent(id);
    this.#explainer?.removeAgent(id);
    // The calibration history stays with the agent's identity (its signing key or card URL, spec §9.4): an agent
    // registered again under the same identity gets it back.
  }

  learn(outcome: LearningOutcome): boolean {
    // Spec §9.4: an agent's own report of its success neither calibrates nor trains the model.
    if (outcome.evidence === 'self-reported') return false;
    // The identity's history is learned whether or not it is registered here now (replicas, deregistration).
    const profile = this.#declared.get(outcome.agentId)?.profile ?? this.#profiles.get(outcome.agentId);
    if (!profile) {
      this.#wait(outcome);
      return false;
    }
    this.#apply(outcome, profile);
    return true;
  }

  #apply(outcome: LearningOutcome, profile: CapabilityProfile): void {
    const { features, ...counted } = outcome;
    this.#calibrator.observe(counted, profile);
    if (features) {
      this.#router.learner.observe(outcome.agentId, profile, features, outcome.success);
      this.#explainer = undefined;
    }
  }

  #wait(outcome: LearningOutcome): void {
    const list = this.#waiting.get(outcome.agentId) ?? [];
    list.push(outcome);
    this.#waiting.set(outcome.agentId, list);
    if (++this.#waitingCount <= MAX_WAITING_OUTCOMES) return;
    // Bounded: drop the oldest waiting outcome of the identity waiting longest.
    const [id, oldest] = this.#waiting.entries().next().value as [string, LearningOutcome[]];
    oldest.shift();
    this.#waitingCount--;
    if (oldest.length === 0) this.#waiting.delete(id);
  }

  calibration(agentId: string): CalibratedDomain[] {
    return this.#calibrator.report(agentId);
  }

  toJSON(): RoutingState {
    return {
      version: 2,
      router: this.#router.toJSON(),
      calibration: this.#calibrator.toJSON(),
      ...(this.#profiles.size > 0 ? { profiles: Object.fromEntries(this.#profiles) } : {}),
      ...(this.#waiting.size > 0 ? { waiting: Object.fromEntries(this.#waiting) } : {}),
    };
  }
}

function candidateOf(agent: RoutableAgent): MatchCandidate {
  return {
    id: agent.id,
    profile: agent.profile,
    skills: agent.card.skills.map((s) => ({
      id: s.id,
      tags: s.tags,
      inputModes: s.inputModes,
      outputModes: s.outputModes,
    })),
    defaultInputModes: agent.card.defaultInputModes,
    defaultOutputModes: agent.card.defaultOutputModes,
    load: agent.load,
    available: agent.available,
  };
}
