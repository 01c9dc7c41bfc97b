/** Builds the routing decision record (spec §7.5) and the no-capable-agent error (spec §7.7) from a match. */
import {
  A2A_ERROR_SPECS,
  A2AError,
  type A2AErrorSpec,
  ContentTypeNotSupportedError,
  UnsupportedOperationError,
} from '../../a2a/errors.js';
import type { ErrorDetail } from '../../a2a/model/wire-errors.js';
import { RIGHTSIZE_SPEC_VERSION } from '../model/common.js';
import type { CandidateAssessment, NoCapableAgent, RoutingDecision } from '../model/decision.js';
import type { MatchResult } from './match.js';

export interface DecisionRecordOptions {
  readonly decisionId: string;
  /** Defaults to now. */
  readonly decidedAt?: Date;
  /** Most candidates listed; the rest are counted in `candidatesOmitted` (spec §7.5: default 16). */
  readonly maxCandidates?: number;
  /** Whether the choice was exploratory (spec §7.5 `explored`); absent: the record says nothing about it. */
  readonly explored?: boolean;
}

const DOMAIN = 'rightsize.dev';

const strip = (a: CandidateAssessment & { comparableCost?: number }): CandidateAssessment => {
  const { comparableCost: _ignored, ...rest } = a;
  return rest;
};

const preferenceName = (p: MatchResult['task']['preference']) => (typeof p === 'string' ? p : 'weights');

export function decisionRecord(result: MatchResult, options: DecisionRecordOptions): RoutingDecision {
  const max = options.maxCandidates ?? 16;
  const all = [...result.ranked, ...result.rejected].map(strip);
  return {
    decisionId: options.decisionId,
    specVersion: RIGHTSIZE_SPEC_VERSION,
    decidedAt: (options.decidedAt ?? new Date()).toISOString(),
    chosen: result.chosen?.agentId ?? null,
    selection: [...result.selection] as RoutingDecision['selection'],
    complexity: result.task.complexity,
    complexityOrigin: result.task.origin,
    preference: preferenceName(result.task.preference),
    minSuccess: result.task.minSuccess,
    escalation: [...result.escalation],
    ...(result.bestEffort ? { bestEffort: true } : {}),
    ...(options.explored !== undefined ? { explored: options.explored } : {}),
    ...(result.chosen?.mode ? { chosenMode: result.chosen.mode } : {}),
    ...(result.escalationModes.some((m) => m !== undefined)
      ? { escalationModes: result.escalationModes.map((m) => m ?? null) }
      : {}),
    candidates: all.slice(0, max),
    ...(all.length > max ? { candidatesOmitted: all.length - max } : {}),
  };
}

/** The NoCapableAgent error detail: the decision and the candidate closest to feasible (spec §7.7). */
export function noCapableAgentDetail(decision: RoutingDecision, result: MatchResult): NoCapableAgent {
  const best = result.rejected[0];
  return {
    '@type': 'type.googleapis.com/dev.rightsize.v1.NoCapableAgent',
    decision,
    best: best ? strip(best) : null,
  };
}

/** Spec §7.7: reasons that pass with time (retry later), and the most candidates an error detail lists. */
export const TRANSIENT_REASONS: ReadonlySet<string> = new Set(['CAPACITY_EXHAUSTED', 'AGENT_UNAVAILABLE']);
export const ERROR_DETAIL_LIMITS = { candidates: 16, bytes: 32 * 1024 } as const;

/** Spec §7.7: the UNAVAILABLE form of InternalError (JSON-RPC −32603, HTTP 503, gRPC UNAVAILABLE): retry later. */
export const RETRY_LATER_SPEC: A2AErrorSpec = {
  ...A2A_ERROR_SPECS.InternalError,
  httpStatus: 503,
  grpcStatus: 'UNAVAILABLE',
  defaultMessage: 'No agent can take the task now; retry later',
};

export interface NoCapableAgentOptions {
  /** Seconds after which a transient refusal may be retried (Retry-After and google.rpc.RetryInfo); default 5. */
  readonly retryAfterSeconds?: number;
}

/** The decision, cut to the size limits of an error detail (spec §7.7: at most 16 candidates and 32 KiB). */
function capped(decision: RoutingDecision): RoutingDecision {
  const listed = decision.candidates.slice(0, ERROR_DETAIL_LIMITS.candidates);
  let cut: RoutingDecision = {
    ...decision,
    candidates: listed,
    candidatesOmitted: (decision.candidatesOmitted ?? 0) + decision.candidates.length - listed.length,
  };
  while (cut.candidates.length > 1 && Buffer.byteLength(JSON.stringify(cut)) > ERROR_DETAIL_LIMITS.bytes) {
    cut = {
      ...cut,
      candidates: cut.candidates.slice(0, -1),
      candidatesOmitted: (cut.candidatesOmitted ?? 0) + 1,
    };
  }
  return cut;
}

/**
 * Spec §7.7: the A2A error a broker returns when no agent can take the task: a retry-later error (InternalError with
 * HTTP 503 / gRPC UNAVAILABLE, a google.rpc.RetryInfo detail and `retryAfterSeconds` for the Retry-After header)
 * when every candidate is only full or down; ContentTypeNotSupportedError when every candidate fails only on media
 * types; otherwise UnsupportedOperationError. The NoCapableAgent detail is capped (ERROR_DETAIL_LIMITS).
 */
export function noCapableAgentError(
  decision: RoutingDecision,
  result: MatchResult,
  options: NoCapableAgentOptions = {},
): A2AError & { readonly retryAfterSeconds?: number } {
  const best = result.rejected[0];
  const summary = best
    ? `no capable agent: closest is ${best.agentId} (${best.reasons.join(', ')})`
    : 'no capable agent: the registry is empty';
  const details: ErrorDetail[] = [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'NO_CAPABLE_AGENT',
      domain: DOMAIN,
      metadata: {
        decisionId: decision.decisionId,
        ...(best ? { bestAgent: best.agentId, reasons: best.reasons.join(',') } : {}),
      },
    },
    noCapableAgentDetail(capped(decision), result),
  ];
  const all = result.rejected;
  const only = (set: ReadonlySet<string>) => all.length > 0 && all.every((a) => a.reasons.every((r) => set.has(r)));
  if (only(TRANSIENT_REASONS)) {
    const seconds = options.retryAfterSeconds ?? 5;
    const retry = { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` };
    return Object.assign(new A2AError(RETRY_LATER_SPEC, summary, { details: [...details, retry] }), {
      retryAfterSeconds: seconds,
    });
  }
  if (only(new Set(['MODALITY_UNSUPPORTED']))) return new ContentTypeNotSupportedError(summary, { details });
  return new UnsupportedOperationError(summary, { details });
}
