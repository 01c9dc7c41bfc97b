/** The extension's `params` on an AgentCard (spec §4, §7.1) and the broker's registry binding objects (§7.8). */
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum, Timestamp } from '../../a2a/model/primitives.js';
import { TaskDescriptor } from './descriptor.js';
import { CapabilityProfile } from './profile.js';

const Version = Type.String({ pattern: '^1\\.\\d+$', description: 'Extension version "1.<minor>" the card follows.' });

export const AgentParams = Type.Object(
  { version: Version, role: Type.Literal('agent'), profile: CapabilityProfile },
  { description: 'Params of an agent that declares a capability profile.' },
);
export type AgentParams = Static<typeof AgentParams>;

export const BrokerParams = Type.Object(
  {
    version: Version,
    role: Type.Literal('broker'),
    registryUrl: Type.String({ format: 'uri', description: 'Base URL of the registry binding (spec §7.8).' }),
    preferences: Type.Optional(
      Type.Array(StringEnum(['cost', 'latency', 'quality', 'weights'] as const, 'Supported.')),
    ),
    estimator: Type.Optional(Type.Boolean({ description: 'Estimates complexity when a message has no descriptor.' })),
    forwardingMs: Type.Optional(
      Type.Number({
        minimum: 0,
        description: 'Median time the broker adds between client and agent (spec §6.4 (3)); default 0.',
      }),
    ),
  },
  { description: 'Params of a broker (spec §7.1).' },
);
export type BrokerParams = Static<typeof BrokerParams>;

export const ExtensionParams = Type.Union([AgentParams, BrokerParams], {
  description: 'AgentExtension.params for the Rightsize extension URI.',
});
export type ExtensionParams = Static<typeof ExtensionParams>;

export const RegisterAgentRequest = Type.Object(
  { cardUrl: Type.String({ format: 'uri', maxLength: 2048 }) },
  { description: 'POST {registryUrl}/agents (spec §7.8).' },
);
export type RegisterAgentRequest = Static<typeof RegisterAgentRequest>;

export const CalibratedDomain = Type.Object({
  domain: Type.String(),
  declaredAbility: Type.Union([Type.Number(), Type.Null()]),
  ability: Type.Number(),
  abilitySigma: Type.Number({ minimum: 0 }),
  slope: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Fitted slope (spec §9.3 joint fit).' })),
  pMax: Type.Optional(
    Type.Number({ minimum: 0, maximum: 1, description: 'Fitted success ceiling pMax (spec §9.3 joint fit).' }),
  ),
  observations: Type.Integer({ minimum: 0 }),
  verdict: StringEnum(['insufficient-data', 'consistent', 'over-claimed', 'under-claimed'] as const, 'Spec §9.4.'),
  z: Type.Union([Type.Number(), Type.Null()]),
  eOverClaim: Type.Optional(
    Type.Number({ minimum: 0, description: 'E-value against an over-claim of δ (spec §9.4); ≥ 1/α rejects.' }),
  ),
  eUnderClaim: Type.Optional(
    Type.Number({ minimum: 0, description: 'E-value against an under-claim of δ (spec §9.4).' }),
  ),
});
export type CalibratedDomain = Static<typeof CalibratedDomain>;

export const RegisteredAgent = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    cardUrl: Type.String({ format: 'uri' }),
    name: Type.String(),
    registeredAt: Timestamp,
    status: StringEnum(['active', 'unavailable'] as const, 'Whether the broker currently routes to it.'),
    signatureVerified: Type.Boolean(),
    profile: CapabilityProfile,
    calibration: Type.Array(CalibratedDomain),
  },
  { description: 'An agent in a broker registry (spec §7.8).' },
);
export type RegisteredAgent = Static<typeof RegisteredAgent>;

export const ListAgentsResponse = Type.Object(
  { agents: Type.Array(RegisteredAgent), nextPageToken: Type.Optional(Type.String()) },
  { description: 'GET {registryUrl}/agents (spec §7.8).' },
);
export type ListAgentsResponse = Static<typeof ListAgentsResponse>;

export const MatchRequest = Type.Object(
  {
    descriptor: TaskDescriptor,
    inputModes: Type.Optional(Type.Array(Type.String(), { maxItems: 32, description: 'Media types of the input.' })),
    acceptedOutputModes: Type.Optional(Type.Array(Type.String(), { maxItems: 32 })),
  },
  { description: 'POST {registryUrl}/match: the decision for a task, without running it (spec §7.8).' },
);
export type MatchRequest = Static<typeof MatchRequest>;

export const LoadReport = Type.Object(
  {
    inflight: Type.Integer({ minimum: 0, description: 'Tasks in flight at the agent now.' }),
    capacity: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Current capacity, if it differs from the card.' }),
    ),
  },
  { description: 'PUT {registryUrl}/agents/{id}/load (spec §4.6, §7.8).' },
);
export type LoadReport = Static<typeof LoadReport>;
