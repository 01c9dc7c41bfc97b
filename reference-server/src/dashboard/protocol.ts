/**
 * The dashboard's wire format, shared by the broker (src/dashboard) and the browser (dashboard/): the live feed's
 * messages over the WebSocket and the JSON of the fleet and dry-run endpoints. Types only.
 */
import type { CandidateAssessment, CapabilityProfile, RoutingDecision, TaskDescriptor } from '@rightsize/sdk/rightsize';
import type { RoutingEvent } from '../broker/routing-events.js';

/**
 * One routing event as the feed keeps it: numbered (strictly increasing per feed) and timestamped. A decision's
 * record lists only the agents the matching index assessed; `unlisted` adds every other registered agent, assessed
 * for the dashboard when the decision was made, so the decision view can say why each one was not chosen.
 */
export type FeedEvent = RoutingEvent & { readonly unlisted?: readonly CandidateAssessment[] };
export type FeedEntry = FeedEvent & { readonly seq: number; readonly at: string };

/** Browser → broker, first message on the socket: the admin credential and where to resume. */
export interface FeedHello {
  readonly type: 'hello';
  /** An admin API key or JWT (sent as a bearer credential; never in the URL). */
  readonly token: string;
  /** The feed the browser saw last; a different feed (a new in-memory store) starts from the beginning. */
  readonly feedId?: string;
  /** The last sequence number the browser has; entries after it are sent. */
  readonly after?: number;
}

export type FeedServerMessage =
  /** Accepted: `reset` when the browser must drop what it has (another feed), then entries after `after`. */
  | { readonly type: 'ready'; readonly feedId: string; readonly after: number; readonly reset: boolean }
  | { readonly type: 'entries'; readonly entries: readonly FeedEntry[] }
  | { readonly type: 'error'; readonly message: string };

/** WebSocket close codes the dashboard uses (4000–4999 are the application's). */
export const FEED_CLOSE = { unauthenticated: 4401, forbidden: 4403, badHello: 4400 } as const;

export interface CurvePoint {
  readonly c: number;
  readonly p: number;
}

export interface OutcomeBin {
  /** Lower edge of the complexity bin (bins are one unit wide). */
  readonly from: number;
  readonly n: number;
  readonly successes: number;
}

export type Verdict = 'consistent' | 'over-claimed' | 'under-claimed' | 'insufficient-data';

export interface FleetDomain {
  readonly domain: string;
  readonly declaredAbility: number | null;
  /** The calibrated ability and its standard deviation; null before any outcome. */
  readonly learnedAbility: number | null;
  readonly learnedSigma: number | null;
  readonly observations: number;
  readonly verdict: Verdict;
  /** z of the outcomes against the declared curve (spec §9.4); null when it cannot be computed. */
  readonly z: number | null;
  /** Reasoning-budget ceiling: above it the agent cannot succeed (null = none). */
  readonly budgetCeiling: number | null;
  readonly declared: readonly CurvePoint[];
  readonly learned: readonly CurvePoint[] | null;
  readonly bins: readonly OutcomeBin[];
}

/** An agent's known-answer probes (spec §9.4): this broker's counts, and the window's budget spent by all replicas. */
export interface FleetProbes {
  readonly sent: number;
  readonly passed: number;
  readonly failed: number;
  /** No answer in time or a transport error: no outcome. */
  readonly errors: number;
  readonly windowUsed: number;
  readonly budgetPerAgent: number;
  readonly windowMs: number;
}

export interface FleetAgent {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly cardUrl: string;
  readonly status: string;
  readonly failures: number;
  readonly signatureVerified: boolean;
  /** In-flight tasks the agent last reported (LoadReport). */
  readonly reportedLoad: number;
  readonly profile: CapabilityProfile;
  /** Null when the broker sends no probes. */
  readonly probes: FleetProbes | null;
  readonly domains: readonly FleetDomain[];
}

export interface FleetResponse {
  readonly generatedAt: string;
  readonly store: string;
  readonly agents: readonly FleetAgent[];
}

export interface DryRunRequest {
  readonly text: string;
  readonly descriptor?: TaskDescriptor;
}

export interface DryRunResponse {
  readonly descriptor: TaskDescriptor;
  readonly decision: RoutingDecision;
}
