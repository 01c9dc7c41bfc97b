/** Builds the routing decision record (spec §7.5) and the no-capable-agent error (spec §7.7) from a match. */
import { UnsupportedOperationError } from '../a2a/errors.js';
import type { MatchResult } from './match.js';
import { RIGHTSIZE_SPEC_VERSION } from './model/common.js';
import type { CandidateAssessment, NoCapableAgent, RoutingDecision } from './model/decision.js';

export interface DecisionRecordOptions {
  readonly decisionId: string;
  /** Defaults to now. */
  readonly decidedAt?: Date;
  /** Most candidates listed; the rest are counted in `candidatesOmitted` (spec §7.5: default 16). */
  readonly maxCandidates?: number;
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

/** Spec §7.7: the A2A error a broker returns when no agent can take the task. */
export function noCapableAgentError(decision: RoutingDecision, result: MatchResult): UnsupportedOperationError {
  const best = result.rejected[0];
  const summary = best
    ? `no capable agent: closest is ${best.agentId} (${best.reasons.join(', ')})`
    : 'no capable agent: the registry is empty';
  return new UnsupportedOperationError(summary, {
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'NO_CAPABLE_AGENT',
        domain: DOMAIN,
        metadata: {
          decisionId: decision.decisionId,
          ...(best ? { bestAgent: best.agentId, reasons: best.reasons.join(',') } : {}),
        },
      },
      noCapableAgentDetail(decision, result),
    ],
  });
}
