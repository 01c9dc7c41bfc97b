/**
 * The catalogue of top-level A2A v1.0 objects: each gets a generated JSON Schema file with a stable `$id`
 * (`schemas/a2a/v1.0/<Name>.json`) and a compiled validator.
 */
import type { Static } from '@sinclair/typebox';
import * as M from './model/index.js';

export const A2A_SCHEMA_BASE = 'https://rightsize.dev/schemas/a2a/v1.0/';

export const A2A_OBJECTS = {
  AgentCard: M.AgentCard,
  AgentInterface: M.AgentInterface,
  AgentProvider: M.AgentProvider,
  AgentCapabilities: M.AgentCapabilities,
  AgentExtension: M.AgentExtension,
  AgentSkill: M.AgentSkill,
  AgentCardSignature: M.AgentCardSignature,
  SecurityScheme: M.SecurityScheme,
  SecurityRequirement: M.SecurityRequirement,
  APIKeySecurityScheme: M.APIKeySecurityScheme,
  HTTPAuthSecurityScheme: M.HTTPAuthSecurityScheme,
  OAuth2SecurityScheme: M.OAuth2SecurityScheme,
  OpenIdConnectSecurityScheme: M.OpenIdConnectSecurityScheme,
  MutualTlsSecurityScheme: M.MutualTlsSecurityScheme,
  OAuthFlows: M.OAuthFlows,
  AuthorizationCodeOAuthFlow: M.AuthorizationCodeOAuthFlow,
  ClientCredentialsOAuthFlow: M.ClientCredentialsOAuthFlow,
  DeviceCodeOAuthFlow: M.DeviceCodeOAuthFlow,
  ImplicitOAuthFlow: M.ImplicitOAuthFlow,
  PasswordOAuthFlow: M.PasswordOAuthFlow,
  Task: M.Task,
  TaskStatus: M.TaskStatus,
  TaskState: M.TaskState,
  Message: M.Message,
  Role: M.Role,
  Part: M.Part,
  Artifact: M.Artifact,
  TaskStatusUpdateEvent: M.TaskStatusUpdateEvent,
  TaskArtifactUpdateEvent: M.TaskArtifactUpdateEvent,
  StreamResponse: M.StreamResponse,
  TaskPushNotificationConfig: M.TaskPushNotificationConfig,
  AuthenticationInfo: M.AuthenticationInfo,
  SendMessageConfiguration: M.SendMessageConfiguration,
  SendMessageRequest: M.SendMessageRequest,
  SendMessageResponse: M.SendMessageResponse,
  GetTaskRequest: M.GetTaskRequest,
  ListTasksRequest: M.ListTasksRequest,
  ListTasksResponse: M.ListTasksResponse,
  CancelTaskRequest: M.CancelTaskRequest,
  SubscribeToTaskRequest: M.SubscribeToTaskRequest,
  GetTaskPushNotificationConfigRequest: M.GetTaskPushNotificationConfigRequest,
  ListTaskPushNotificationConfigsRequest: M.ListTaskPushNotificationConfigsRequest,
  ListTaskPushNotificationConfigsResponse: M.ListTaskPushNotificationConfigsResponse,
  DeleteTaskPushNotificationConfigRequest: M.DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest: M.GetExtendedAgentCardRequest,
  JsonRpcRequest: M.JsonRpcRequest,
  JsonRpcSuccessResponse: M.JsonRpcSuccessResponse,
  JsonRpcErrorResponse: M.JsonRpcErrorResponse,
  HttpErrorBody: M.HttpErrorBody,
  ErrorInfo: M.ErrorInfo,
  Empty: M.Empty,
} as const;

export type A2AObjectName = keyof typeof A2A_OBJECTS;

interface MethodObjects {
  readonly params: A2AObjectName;
  readonly result: A2AObjectName;
  readonly streaming: boolean;
}

/** Every A2A v1.0 operation by its method name (A2A §5.3), with the catalogue names of its params and result. */
export const A2A_METHODS = {
  SendMessage: { params: 'SendMessageRequest', result: 'SendMessageResponse', streaming: false },
  SendStreamingMessage: { params: 'SendMessageRequest', result: 'StreamResponse', streaming: true },
  GetTask: { params: 'GetTaskRequest', result: 'Task', streaming: false },
  ListTasks: { params: 'ListTasksRequest', result: 'ListTasksResponse', streaming: false },
  CancelTask: { params: 'CancelTaskRequest', result: 'Task', streaming: false },
  SubscribeToTask: { params: 'SubscribeToTaskRequest', result: 'StreamResponse', streaming: true },
  CreateTaskPushNotificationConfig: {
    params: 'TaskPushNotificationConfig',
    result: 'TaskPushNotificationConfig',
    streaming: false,
  },
  GetTaskPushNotificationConfig: {
    params: 'GetTaskPushNotificationConfigRequest',
    result: 'TaskPushNotificationConfig',
    streaming: false,
  },
  ListTaskPushNotificationConfigs: {
    params: 'ListTaskPushNotificationConfigsRequest',
    result: 'ListTaskPushNotificationConfigsResponse',
    streaming: false,
  },
  DeleteTaskPushNotificationConfig: {
    params: 'DeleteTaskPushNotificationConfigRequest',
    result: 'Empty',
    streaming: false,
  },
  GetExtendedAgentCard: { params: 'GetExtendedAgentCardRequest', result: 'AgentCard', streaming: false },
} as const satisfies Record<string, MethodObjects>;

export type A2AMethod = keyof typeof A2A_METHODS;
export type A2AMethodParams<M extends A2AMethod> = Static<(typeof A2A_OBJECTS)[(typeof A2A_METHODS)[M]['params']]>;
export type A2AMethodResult<M extends A2AMethod> = Static<(typeof A2A_OBJECTS)[(typeof A2A_METHODS)[M]['result']]>;

export const isA2AMethod = (name: string): name is A2AMethod => Object.hasOwn(A2A_METHODS, name);
