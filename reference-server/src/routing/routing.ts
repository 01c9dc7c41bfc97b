/**
 * The broker's routing interface and its implementation on the SDK's matching engine: complexity from the
 * descriptor or the estimators (spec §5.2), `CandidateIndex` for the decision (spec §7.2–§7.4), the calibrator for
 * outcomes (spec §9.3). The broker talks only to `RoutingEngine`, so another engine (e.g. the SDK's learning
 * Router) can replace this one without touching the forwarding code.
 */
import { randomUUID } from 'node:crypto';
import type { AgentCard, Message, Part } from '@rightsize/sdk/a2a';
import {
  type CalibratedDomain,
  type CalibrationState,
  Calibrator,
  CandidateIndex,
  type CapabilityProfile,
  ColdStartEstimator,
  type ComplexityEstimator,
  chainEstimators,
  decisionRecord,
  type MatchCandidate,
  type MatchPolicy,
  type MatchResult,
  type MatchTask,
  match,
  NearestNeighbourEstimator,
  type NearestNeighbourState,
  type Outcome,
  type RoutingDecision,
  readMessageExtension,
  type TaskDescriptor,
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
  /** The task text, for the estimator when the descriptor states no complexity. */
  readonly text?: string;
  readonly inputModes?: readonly string[];
  readonly acceptedOutputModes?: readonly string[];
}

export interface Route {
  readonly descriptor: TaskDescriptor;
  readonly result: MatchResult;
  readonly decision: RoutingDecision;
}

export interface RoutingEngine {
  route(request: RouteRequest): Route;
  /** The same decision with every registered agent assessed and listed (the dry run: every "why not"). */
  explain(request: RouteRequest): Route;
  setAgent(agent: RoutableAgent): void;
  removeAgent(id: string): void;
  observe(outcome: Outcome): void;
  /** Teach the complexity estimator what a task turned out to need (client feedback's measuredComplexity). */
  learnComplexity(text: string, domain: string, complexity: number): void;
  calibration(agentId: string): CalibratedDomain[];
  /** The learned state, plain JSON, to persist. */
  toJSON(): RoutingState;
}

export interface RoutingState {
  readonly version: 1;
  readonly calibration: CalibrationState;
  readonly estimator: NearestNeighbourState;
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

/** What the matcher needs from a message: its descriptor (default domain `general`), text and modes. */
export function routeRequestOf(message: Message, acceptedOutputModes?: readonly string[]): RouteRequest {
  const read = readMessageExtension(message);
  return {
    ...(read?.ok && read.value.descriptor ? { descriptor: read.value.descriptor } : {}),
    text: textOf(message),
    inputModes: inputModesOf(message.parts),
    ...(acceptedOutputModes?.length ? { acceptedOutputModes } : {}),
  };
}

export interface IndexRoutingOptions {
  readonly maxEscalations?: number;
  readonly currency?: string;
  readonly state?: RoutingState;
}

export class IndexRouting implements RoutingEngine {
  readonly #index = new CandidateIndex();
  readonly #declared = new Map<string, RoutableAgent>();
  readonly #calibrator: Calibrator;
  readonly #learned: NearestNeighbourEstimator;
  readonly #estimator: ComplexityEstimator;
  readonly #options: IndexRoutingOptions;

  constructor(options: IndexRoutingOptions = {}) {
    this.#options = options;
    this.#calibrator = options.state ? Calibrator.fromJSON(options.state.calibration) : new Calibrator();
    this.#learned = new NearestNeighbourEstimator({}, options.state?.estimator);
    this.#estimator = chainEstimators(this.#learned, new ColdStartEstimator());
  }

  route(request: RouteRequest): Route {
    const { descriptor, task } = this.#task(request);
    const result = this.#index.match(task, this.#policy());
    return { descriptor, result, decision: decisionRecord(result, { decisionId: `d-${randomUUID()}` }) };
  }

  explain(request: RouteRequest): Route {
    const { descriptor, task } = this.#task(request);
    const candidates = [...this.#index.values()];
    const result = match(task, candidates, this.#policy());
    const decision = decisionRecord(result, { decisionId: `d-${randomUUID()}`, maxCandidates: candidates.length });
    return { descriptor, result, decision };
  }

  #task(request: RouteRequest): { descriptor: TaskDescriptor; task: MatchTask } {
    const descriptor: TaskDescriptor = request.descriptor ?? { domain: 'general' };
    const needsEstimate = !descriptor.complexity && !descriptor.reasoningTokens;
    const estimate = needsEstimate
      ? this.#estimator.estimate({ text: request.text ?? '', domain: descriptor.domain })
      : undefined;
    const task: MatchTask = {
      descriptor,
      ...(estimate ? { estimate: { value: estimate.value, sigma: estimate.sigma, source: 'estimated' } } : {}),
      ...(request.inputModes?.length ? { inputModes: request.inputModes } : {}),
      ...(request.acceptedOutputModes ? { acceptedOutputModes: request.acceptedOutputModes } : {}),
    };
    return { descriptor, task };
  }

  #policy(): MatchPolicy {
    return {
      ...(this.#options.maxEscalations !== undefined ? { maxEscalations: this.#options.maxEscalations } : {}),
      ...(this.#options.currency ? { currency: this.#options.currency } : {}),
    };
  }

  setAgent(agent: RoutableAgent): void {
    this.#declared.set(agent.id, agent);
    this.#index.upsert(this.#candidate(agent));
  }

  removeAgent(id: string): void {
    this.#declared.delete(id);
    this.#index.remove(id);
    this.#calibrator.forget(id);
  }

  observe(outcome: Outcome): void {
    const agent = this.#declared.get(outcome.agentId);
    if (!agent) return;
    this.#calibrator.observe(outcome, agent.profile);
    this.#index.upsert(this.#candidate(agent));
  }

  learnComplexity(text: string, domain: string, complexity: number): void {
    this.#learned.learn({ text, domain }, complexity);
  }

  calibration(agentId: string): CalibratedDomain[] {
    return this.#calibrator.report(agentId);
  }

  toJSON(): RoutingState {
    return { version: 1, calibration: this.#calibrator.toJSON(), estimator: this.#learned.toJSON() };
  }

  #candidate(agent: RoutableAgent): MatchCandidate {
    return {
      id: agent.id,
      profile: this.#calibrator.calibratedProfile(agent.id, agent.profile),
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
}
