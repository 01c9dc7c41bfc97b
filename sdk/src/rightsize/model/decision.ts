/** The routing decision record a broker puts on the Task, and the no-capable-agent error detail (spec §7). */
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum, Timestamp } from '../../a2a/model/primitives.js';
import { Complexity, Money, Percentile } from './common.js';
import { TaskDescriptor } from './descriptor.js';
import { Feedback, ReasoningBudget, UsageReport } from './outcome.js';

/** Why a candidate is infeasible, in the order the checks are made and listed (spec §7.2, Table 7). */
export const REJECTION_REASONS = [
  'SKILL_UNAVAILABLE',
  'MODE_UNAVAILABLE',
  'AGENT_UNAVAILABLE',
  'DOMAIN_UNSUPPORTED',
  'CONTEXT_WINDOW_EXCEEDED',
  'CAPABILITY_CEILING',
  'BUDGET_CEILING',
  'FIRST_RESPONSE_DEADLINE',
  'COMPLETION_DEADLINE',
  'CURRENCY_MISMATCH',
  'COST_CAP',
  'PLACEMENT_NOT_ALLOWED',
  'REGION_NOT_ALLOWED',
  'MODALITY_UNSUPPORTED',
  'CAPACITY_EXHAUSTED',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const SELECTION_REASONS = [
  'LOWEST_COST_PER_SUCCESS',
  'LOWEST_LATENCY',
  'HIGHEST_SUCCESS',
  'BEST_WEIGHTED_SCORE',
  'TIE_BROKEN',
  'ESCALATED',
  'BEST_EFFORT',
] as const;

export const Predictions = Type.Object(
  {
    success: Type.Number({
      minimum: 0,
      maximum: 1,
      description: 'P_D: success within the budget and the deadlines (spec §6.6).',
    }),
    capabilitySuccess: Type.Number({ minimum: 0, maximum: 1, description: 'Success ignoring the budget ceiling.' }),
    firstResponseMs: Type.Number({ minimum: 0 }),
    completionMs: Type.Number({ minimum: 0 }),
    latencyPercentile: Percentile,
    reasoningTokens: Type.Number({ minimum: 0, description: 'Expected reasoning tokens.' }),
    reasoningBudget: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
        description:
          'The per-task reasoning budget: min(B, window, deadline) rounded down; null if unlimited (spec §5.3).',
      }),
    ),
    cost: Money,
    costPerSuccess: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'null when success is 0.' }),
    effectiveCeiling: Type.Union([Type.Number({ maximum: 64 }), Type.Null()], {
      description: 'Largest complexity solvable at minSuccess, at most 64 (spec §6.2); null if none.',
    }),
  },
  { description: 'What the broker predicted for one agent (spec §6).' },
);
export type Predictions = Static<typeof Predictions>;

export const CandidateAssessment = Type.Object(
  {
    agentId: Type.String({ minLength: 1 }),
    feasible: Type.Boolean(),
    rank: Type.Optional(Type.Integer({ minimum: 1, description: 'Rank among feasible candidates, 1 = chosen.' })),
    mode: Type.Optional(
      StringEnum(['no-think', 'think'] as const, 'The mode assessed, for an agent that declares modes (spec §4.9).'),
    ),
    reasons: Type.Array(StringEnum(REJECTION_REASONS, 'Why the agent is infeasible.')),
    predictions: Type.Optional(Predictions),
  },
  { description: 'One agent the broker considered.' },
);
export type CandidateAssessment = Static<typeof CandidateAssessment>;

export const RoutingDecision = Type.Object(
  {
    decisionId: Type.String({ minLength: 1 }),
    specVersion: Type.String(),
    decidedAt: Timestamp,
    chosen: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: 'Agent id; null if none.' }),
    selection: Type.Array(StringEnum(SELECTION_REASONS, 'Why the chosen agent won.')),
    complexity: Complexity,
    complexityOrigin: StringEnum(
      ['descriptor', 'reasoning-tokens', 'estimator', 'combined', 'default'] as const,
      'Where the complexity used came from.',
    ),
    preference: Type.String(),
    minSuccess: Type.Number({ minimum: 0, maximum: 1 }),
    escalation: Type.Array(Type.String({ minLength: 1 }), { description: 'Agents to try in order, chosen first.' }),
    bestEffort: Type.Optional(
      Type.Boolean({
        description:
          'True when no agent met minSuccess within the deadlines and the closest serves the task (spec §7.7).',
      }),
    ),
    explored: Type.Optional(
      Type.Boolean({
        description:
          'True when the chosen agent came from an exploratory draw (e.g. Thompson sampling) rather than the greedy ' +
          'objective of spec §7.3; false when the broker explores but this decision was greedy (spec §7.5).',
      }),
    ),
    chosenMode: Type.Optional(
      StringEnum(['no-think', 'think'] as const, 'The mode of the chosen agent, when it declares modes (spec §4.9).'),
    ),
    escalationModes: Type.Optional(
      Type.Array(Type.Union([StringEnum(['no-think', 'think'] as const, 'Mode.'), Type.Null()]), {
        description: 'The mode of each escalation step (null for agents without modes); present when any has one.',
      }),
    ),
    candidates: Type.Array(CandidateAssessment, { description: 'Every agent considered (may be truncated).' }),
    candidatesOmitted: Type.Optional(Type.Integer({ minimum: 0 })),
    attempts: Type.Optional(
      Type.Array(
        Type.Object({
          agentId: Type.String(),
          taskId: Type.Optional(Type.String()),
          state: Type.String(),
          usage: Type.Optional(UsageReport),
        }),
      ),
    ),
  },
  { description: 'The routing decision record on Task.metadata[URI].decision (spec §7.5).' },
);
export type RoutingDecision = Static<typeof RoutingDecision>;

export const NoCapableAgent = Type.Object(
  {
    '@type': Type.Literal('type.googleapis.com/dev.rightsize.v1.NoCapableAgent'),
    decision: RoutingDecision,
    best: Type.Union([CandidateAssessment, Type.Null()], {
      description: 'The candidate closest to feasible (fewest reasons, then highest success).',
    }),
  },
  { description: 'Error detail when no agent can take the task (spec §7.7).' },
);
export type NoCapableAgent = Static<typeof NoCapableAgent>;

/** `Task.metadata[URI]`: the broker's decision and/or the agent's usage report. */
export const TaskExtensionData = Type.Object(
  { decision: Type.Optional(RoutingDecision), usage: Type.Optional(UsageReport) },
  { minProperties: 1, description: 'Task.metadata[extension URI] (spec §7.5, §8.1).' },
);
export type TaskExtensionData = Static<typeof TaskExtensionData>;

/** The extension member of `Message.metadata`: a descriptor, a reasoning budget and/or feedback on an earlier task. */
export const MessageExtensionData = Type.Object(
  {
    descriptor: Type.Optional(TaskDescriptor),
    budget: Type.Optional(ReasoningBudget),
    feedback: Type.Optional(Feedback),
    decision: Type.Optional(RoutingDecision),
    usage: Type.Optional(UsageReport),
  },
  {
    minProperties: 1,
    description:
      'Message.metadata[extension URI] (spec §5.1, §5.3, §8.2; the broker decision and usage on a direct Message, §7.5).',
  },
);
export type MessageExtensionData = Static<typeof MessageExtensionData>;
