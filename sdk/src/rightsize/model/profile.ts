/** The capability profile an agent declares on its card (spec §4). */
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../../a2a/model/primitives.js';
import { Domain, Placement } from './common.js';

export const DomainCeiling = Type.Object(
  {
    domain: Domain,
    ability: Type.Number({
      minimum: -16,
      maximum: 64,
      description: 'Complexity at which the capability success probability is pMax/2 (spec §4.1).',
    }),
    slope: Type.Optional(
      Type.Number({ minimum: 0.25, maximum: 16, description: 'Logistic slope k per complexity unit; default 2.' }),
    ),
    pMax: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Success probability on trivial tasks; default 1.' }),
    ),
  },
  { description: 'The success curve of one domain: P(c) = pMax / (1 + exp(-slope (ability - c))).' },
);
export type DomainCeiling = Static<typeof DomainCeiling>;

export const ReasoningModes = ['none', 'thinking', 'hybrid'] as const;

export const ReasoningProfile = Type.Object(
  {
    mode: StringEnum(ReasoningModes, 'none: never reasons; thinking: always; hybrid: reasons when asked.'),
    maxReasoningTokens: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'Most reasoning tokens the agent spends on one task (budget ceiling); an agent that never reasons declares mode none.',
      }),
    ),
    tokensPerStep: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 100000,
        description: 'Reasoning tokens per elementary step; default 24.',
      }),
    ),
    budgetControl: Type.Optional(Type.Boolean({ description: 'Accepts a per-task reasoning budget (spec §5.3).' })),
    budgetSlope: Type.Optional(
      Type.Number({
        minimum: 0.25,
        maximum: 16,
        description:
          'κ: with budget b, success on a task of complexity c is multiplied by σ_L(κ(log2(b/t) − c)) (spec §4.2); absent: a hard cut.',
      }),
    ),
    reasoningTokensPerSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  { description: 'How the agent reasons (spec §4.2).' },
);
export type ReasoningProfile = Static<typeof ReasoningProfile>;

export const LatencyProfile = Type.Object(
  {
    ttftMs: Type.Object(
      {
        p50: Type.Number({ minimum: 0 }),
        p95: Type.Number({ minimum: 0 }),
        p99: Type.Optional(Type.Number({ minimum: 0 })),
      },
      {
        description:
          'Time to first output token at the agent for a short input, excluding reasoning and network (ms). Receivers reject p95 < p50 or p99 < p95 (spec §4.3).',
      },
    ),
    outputTokensPerSecond: Type.Number({ exclusiveMinimum: 0 }),
    inputTokensPerSecond: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'Prefill throughput: input tokens processed per second.' }),
    ),
    overheadMs: Type.Optional(Type.Number({ minimum: 0, description: 'Fixed per-request overhead (ms); default 0.' })),
    networkRttMs: Type.Optional(
      Type.Number({ minimum: 0, description: 'Round trip from the access network to the agent (ms); default 0.' }),
    ),
  },
  { description: 'Latency profile (spec §4.3).' },
);
export type LatencyProfile = Static<typeof LatencyProfile>;

export const PlacementProfile = Type.Object(
  {
    placement: Placement,
    region: Type.Optional(Type.String({ maxLength: 64, description: 'ISO 3166 code or provider region name.' })),
  },
  { description: 'Where the agent runs (spec §4.4).' },
);
export type PlacementProfile = Static<typeof PlacementProfile>;

export const CostProfile = Type.Object(
  {
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    inputPerMillion: Type.Optional(Type.Number({ minimum: 0, description: 'Price per million input tokens.' })),
    outputPerMillion: Type.Optional(Type.Number({ minimum: 0, description: 'Price per million output tokens.' })),
    reasoningPerMillion: Type.Optional(Type.Number({ minimum: 0, description: 'Price per million reasoning tokens.' })),
    perTask: Type.Optional(Type.Number({ minimum: 0, description: 'Fixed price per task.' })),
  },
  { description: 'Prices (spec §4.5). Absent prices are zero.' },
);
export type CostProfile = Static<typeof CostProfile>;

export const LoadReporting = ['header', 'registry'] as const;

export const CapacityProfile = Type.Object(
  {
    maxConcurrentTasks: Type.Integer({ minimum: 1 }),
    queueDepth: Type.Optional(Type.Integer({ minimum: 0, description: 'Tasks that may wait beyond the maximum.' })),
    meanServiceMs: Type.Optional(
      Type.Number({ minimum: 0, description: 'Declared or measured mean time one task occupies a slot (ms).' }),
    ),
    loadReporting: Type.Optional(Type.Array(StringEnum(LoadReporting, 'How current load is reported (spec §4.6).'))),
  },
  { description: 'Capacity (spec §4.6).' },
);
export type CapacityProfile = Static<typeof CapacityProfile>;

const profileFields = {
  domains: Type.Array(DomainCeiling, { minItems: 1, maxItems: 64 }),
  reasoning: ReasoningProfile,
  latency: LatencyProfile,
  placement: PlacementProfile,
  cost: CostProfile,
  capacity: Type.Optional(CapacityProfile),
  contextWindowTokens: Type.Optional(
    Type.Integer({ minimum: 1, description: 'Most input + reasoning + output tokens of one task (spec §4.8).' }),
  ),
};

/** Overrides for one skill: any member given replaces the agent-level member (spec §4.7). */
export const SkillProfile = Type.Partial(Type.Object(profileFields), {
  description: 'Per-skill overrides of the capability profile.',
});
export type SkillProfile = Static<typeof SkillProfile>;

export const ReasoningModeChoices = ['no-think', 'think'] as const;
export type ReasoningModeChoice = (typeof ReasoningModeChoices)[number];

/** Spec §4.9: a hybrid agent's two modes, each overriding the profile (its own curves, budget, latency, prices). */
export const ModeProfiles = Type.Object(
  { 'no-think': Type.Optional(SkillProfile), think: Type.Optional(SkillProfile) },
  { minProperties: 1, description: 'Per-mode overrides of a hybrid agent (spec §4.9).' },
);
export type ModeProfiles = Static<typeof ModeProfiles>;

export const CapabilityProfile = Type.Object(
  {
    ...profileFields,
    modes: Type.Optional(ModeProfiles),
    skills: Type.Optional(
      Type.Record(Type.String({ maxLength: 128 }), SkillProfile, {
        description: 'Per-skill overrides, keyed by AgentSkill.id.',
      }),
    ),
  },
  { description: 'What an agent can solve, how fast, where and at what price (spec §4).' },
);
export type CapabilityProfile = Static<typeof CapabilityProfile>;
