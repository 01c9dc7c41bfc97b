/** The catalogue of Rightsize extension objects: schema files under `schemas/rightsize/v1/` and validators. */
import { Validator, type ValidatorOptions } from '../validate/validator.js';
import * as M from './model/index.js';

export const RIGHTSIZE_SCHEMA_BASE = 'https://rightsize.dev/schemas/rightsize/v1/';

export const RIGHTSIZE_OBJECTS = {
  AgentParams: M.AgentParams,
  BrokerParams: M.BrokerParams,
  ExtensionParams: M.ExtensionParams,
  CapabilityProfile: M.CapabilityProfile,
  DomainCeiling: M.DomainCeiling,
  ReasoningProfile: M.ReasoningProfile,
  LatencyProfile: M.LatencyProfile,
  PlacementProfile: M.PlacementProfile,
  CostProfile: M.CostProfile,
  CapacityProfile: M.CapacityProfile,
  SkillProfile: M.SkillProfile,
  TaskDescriptor: M.TaskDescriptor,
  Constraints: M.Constraints,
  NetworkConditions: M.NetworkConditions,
  Preference: M.Preference,
  Complexity: M.Complexity,
  Money: M.Money,
  MessageExtensionData: M.MessageExtensionData,
  TaskExtensionData: M.TaskExtensionData,
  RoutingDecision: M.RoutingDecision,
  CandidateAssessment: M.CandidateAssessment,
  Predictions: M.Predictions,
  NoCapableAgent: M.NoCapableAgent,
  UsageReport: M.UsageReport,
  Feedback: M.Feedback,
  ReasoningBudget: M.ReasoningBudget,
  Outcome: M.Outcome,
  RegisterAgentRequest: M.RegisterAgentRequest,
  RegisteredAgent: M.RegisteredAgent,
  ListAgentsResponse: M.ListAgentsResponse,
  CalibratedDomain: M.CalibratedDomain,
  MatchRequest: M.MatchRequest,
  LoadReport: M.LoadReport,
} as const;

export type RightsizeObjectName = keyof typeof RIGHTSIZE_OBJECTS;

/** A validator for the Rightsize extension objects. */
export function createRightsizeValidator(options: ValidatorOptions = {}): Validator<typeof RIGHTSIZE_OBJECTS> {
  return new Validator(RIGHTSIZE_OBJECTS, options);
}

let shared: Validator<typeof RIGHTSIZE_OBJECTS> | undefined;

/** The shared tolerant Rightsize validator (a cache of compiled pure functions; see defaultA2AValidator). */
export function defaultRightsizeValidator(): Validator<typeof RIGHTSIZE_OBJECTS> {
  shared ??= createRightsizeValidator();
  return shared;
}
