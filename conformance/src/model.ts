/** The suite's vocabulary: levels, requirement keywords, check definitions, results and reports. */
import type { AgentCard } from '@rightsize/sdk/a2a';
import type { A2ACaller, Binding } from './a2a.js';
import type { Exchange, HttpAnswer, Probe } from './http.js';
import type { WebhookReceiver } from './webhook.js';

export const LEVELS = ['core', 'extension', 'broker', 'calibration'] as const;
export type Level = (typeof LEVELS)[number];

/** RFC 2119 keyword of the requirement a check verifies. */
export type Requirement = 'MUST' | 'SHOULD' | 'MAY';

/** MUST → mandatory, SHOULD → recommended, MAY → optional. */
export type Group = 'mandatory' | 'recommended' | 'optional';
export const GROUP_OF: Record<Requirement, Group> = { MUST: 'mandatory', SHOULD: 'recommended', MAY: 'optional' };

export interface SuiteOptions {
  /** The agent's base URL (its card is at `/.well-known/agent-card.json`) or the card's URL. */
  readonly url: string;
  readonly level: Level;
  /** Binding the operation checks use (default: the first A2A 1.0 interface of the card the suite speaks). */
  readonly transport?: Binding;
  /** Check ids or id prefixes to run (default: all of the level). */
  readonly only?: readonly string[];
  /** Bearer tokens: the first authenticates every call; a second one enables the tenancy checks. */
  readonly tokens?: readonly string[];
  /** Time limit of every request and of every wait on a stream, in ms (default 10 000). */
  readonly timeoutMs?: number;
  /** Host the suite's own servers (push receiver, probe agents) listen on and advertise (default 127.0.0.1). */
  readonly webhookHost?: string;
  /**
   * Calibration level: derive the task seeds from this number, to reproduce a run (default: fresh random seeds on
   * every run, as spec 1.1 §9.4 requires of a real verification).
   */
  readonly calibrationSeed?: number;
  /** Checks known to fail on this target, with the reason (reported, but they do not fail the run). */
  readonly expectedFailures?: Readonly<Record<string, string>>;
  /** Progress: called when a check starts and when it ends. */
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
}

export type ProgressEvent =
  | { readonly type: 'start'; readonly index: number; readonly total: number; readonly check: CheckInfo }
  | { readonly type: 'result'; readonly index: number; readonly total: number; readonly result: CheckResult };

/** What a check is, independent of how it runs. */
export interface CheckInfo {
  /** Stable id: `<level>:<spec section>:<MUST|SHOULD|MAY>:<name>`, e.g. `core:3.1.6:MUST:subscribe-first-event-is-task`. */
  readonly id: string;
  readonly level: Level;
  /** Section of the A2A v1.0 specification (core) or of the Rightsize specification (other levels). */
  readonly section: string;
  readonly requirement: Requirement;
  readonly title: string;
  /** What the specification requires, paraphrased (quoted in every failure). */
  readonly requires: string;
  /** Official TCK requirement ids this check covers (a2aproject/a2a-tck, 1.0-dev), for the coverage table. */
  readonly tck?: readonly string[];
  /** A binding-specific check runs on that binding (when the card declares it), whatever `--transport` says. */
  readonly binding?: Binding;
  /**
   * The check needs an agent that plays the TCK scenario its messageId names (input-required, a delayed completion,
   * given artifacts, a direct Message). A broker forwards each message under its own messageId to an agent it
   * chooses, so against a card with the Rightsize broker role the check is not applicable (skipped, never failed).
   */
  readonly scripted?: true;
}

export interface CheckDefinition extends CheckInfo {
  run(context: CheckContext): Promise<void>;
}

export interface CheckContext {
  readonly options: Required<Pick<SuiteOptions, 'timeoutMs' | 'webhookHost'>> & SuiteOptions;
  /** The agent card (checks run only once it was fetched and parsed). */
  readonly card: AgentCard;
  /** The card exactly as served (status, headers, body). */
  readonly cardAnswer: HttpAnswer;
  readonly cardUrl: URL;
  /** The binding the operation checks use. */
  readonly a2a: A2ACaller;
  /** Every binding the card declares that the suite speaks. */
  readonly callers: Partial<Record<Binding, A2ACaller>>;
  readonly http: Probe;
  readonly signal: AbortSignal;
  /** The loopback webhook receiver, started on first use. */
  webhook(): Promise<WebhookReceiver>;
  /** A fresh messageId for a TCK scenario: `tck-<scenario>-<random>`. */
  messageId(scenario: string): string;
  /** Record an observation for the report (shown under the check whatever its status). */
  note(text: string): void;
  /** Attach a file to the report (e.g. `calibration.svg`); the CLI writes it with `--svg`. */
  attach(name: string, content: string): void;
  /**
   * A resource shared by the checks of one run (e.g. the broker level's probe agents): created on first use,
   * disposed when the run ends.
   */
  shared<T>(key: string, create: () => Promise<T>, dispose: (value: T) => Promise<void>): Promise<T>;
}

export type CheckStatus = 'passed' | 'failed' | 'skipped' | 'expected-failure';

export interface CheckResult extends CheckInfo {
  readonly group: Group;
  readonly status: CheckStatus;
  readonly durationMs: number;
  /** Why it failed or was skipped. */
  readonly message?: string;
  /** The last request of the check and its answer, abbreviated. */
  readonly exchange?: Exchange;
  /** For an expected failure: the documented reason. */
  readonly expectedBecause?: string;
  /** Observations the check recorded (e.g. the calibration figures). */
  readonly notes?: readonly string[];
}

export interface Summary {
  readonly passed: number;
  readonly failed: number;
  readonly expectedFailures: number;
  readonly skipped: number;
  /** Failed MUST checks that were not expected to fail: the run fails when this is non-zero. */
  readonly mandatoryFailed: number;
  /** Checks listed as expected failures that passed (the list is out of date). */
  readonly unexpectedPasses: readonly string[];
}

export interface Report {
  readonly target: string;
  readonly level: Level;
  readonly transport: Binding | undefined;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly results: readonly CheckResult[];
  readonly summary: Summary;
  /** Files the checks attached, by name. */
  readonly attachments?: Readonly<Record<string, string>>;
  /** What the reader must know about the run as a whole (e.g. checks not applicable to a broker). */
  readonly notice?: string;
}

/** Thrown by a check to fail with an explanation. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
  constructor(
    message: string,
    readonly exchange?: Exchange,
  ) {
    super(message);
  }
}

/** Thrown by a check whose preconditions do not hold (e.g. the card does not declare streaming). */
export class CheckSkipped extends Error {
  override readonly name = 'CheckSkipped';
}

export function fail(message: string, exchange?: Exchange): never {
  throw new CheckFailure(message, exchange);
}

export function skip(reason: string): never {
  throw new CheckSkipped(reason);
}

export function ensure(condition: unknown, message: string, exchange?: Exchange): asserts condition {
  if (!condition) fail(message, exchange);
}
