/** The task-complexity descriptor a client puts on a Message (spec §5). */
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../../a2a/model/primitives.js';
import { Complexity, Domain, Money, NetworkConditions, Percentile, Placement } from './common.js';

export const Constraints = Type.Object(
  {
    firstResponseDeadlineMs: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'Deadline to the first answer token.' }),
    ),
    completionDeadlineMs: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'Deadline to the complete answer.' }),
    ),
    latencyPercentile: Type.Optional(Percentile),
    maxCost: Type.Optional(Money),
    minSuccess: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, description: 'Minimum predicted success probability; default 0.8.' }),
    ),
    allowedPlacements: Type.Optional(Type.Array(Placement, { minItems: 1, maxItems: 3 })),
    allowedRegions: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 32 })),
  },
  { description: 'Hard constraints: an agent that cannot meet one is infeasible (spec §5.2).' },
);
export type Constraints = Static<typeof Constraints>;

export const PreferenceNames = ['cost', 'latency', 'quality'] as const;

export const PreferenceWeights = Type.Object(
  {
    cost: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    latency: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
    quality: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
  },
  { description: 'Weights of the normalised criteria (spec §7.3).' },
);
export type PreferenceWeights = Static<typeof PreferenceWeights>;

export const Preference = Type.Union(
  [
    StringEnum(PreferenceNames, 'Optimise one criterion among feasible agents.'),
    Type.Object({ weights: PreferenceWeights }),
  ],
  { description: 'What to optimise among feasible agents; default "cost" (spec §7.3).' },
);
export type Preference = Static<typeof Preference>;

export const ReasoningTokenEstimate = Type.Object(
  {
    value: Type.Number({
      minimum: 1,
      description: 'Reasoning tokens a reference model needed or is expected to need.',
    }),
    tokensPerStep: Type.Number({ exclusiveMinimum: 0, description: "That model's tokens per elementary step." }),
  },
  { description: 'A complexity stated as reasoning tokens: c = log2(value / tokensPerStep) (spec §3.2).' },
);

export const TaskDescriptor = Type.Object(
  {
    domain: Domain,
    complexity: Type.Optional(Complexity),
    reasoningTokens: Type.Optional(ReasoningTokenEstimate),
    inputTokens: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000000 })),
    outputTokens: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100000000, description: 'Expected answer length.' }),
    ),
    skill: Type.Optional(Type.String({ maxLength: 128, description: 'A required skill id or tag.' })),
    constraints: Type.Optional(Constraints),
    network: Type.Optional(NetworkConditions),
    preference: Type.Optional(Preference),
    hardConstraints: Type.Optional(
      Type.Boolean({
        description:
          'When true, no agent below minSuccess within the deadlines is used: the broker answers no capable agent instead of serving best-effort (spec §7.7).',
      }),
    ),
    mode: Type.Optional(
      StringEnum(['no-think', 'think'] as const, 'Ask for a reasoning mode (spec §5.1); default: the broker picks.'),
    ),
  },
  { description: 'How hard a task is and what it needs (spec §5). Sent in Message.metadata under the extension URI.' },
);
export type TaskDescriptor = Static<typeof TaskDescriptor>;
