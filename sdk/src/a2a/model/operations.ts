/** Request and response objects of every A2A v1.0 operation (A2A §3.1–§3.2, proto service `A2AService`). */
import { type Static, Type } from '@sinclair/typebox';
import { Message, Task, TaskState } from './core.js';
import { Int32, oneOf, RequiredString, Struct, Timestamp } from './primitives.js';
import { TaskPushNotificationConfig } from './push.js';

const Tenant = Type.Optional(Type.String({ description: 'Tenant identifier, when the interface declares one.' }));
const HistoryLength = Type.Optional(
  Int32({ minimum: 0, description: 'Maximum number of recent messages to include (§3.2.4).' }),
);

export const SendMessageConfiguration = Type.Object(
  {
    acceptedOutputModes: Type.Optional(Type.Array(Type.String())),
    taskPushNotificationConfig: Type.Optional(TaskPushNotificationConfig),
    historyLength: HistoryLength,
    returnImmediately: Type.Optional(Type.Boolean()),
  },
  { description: 'How the client wants a SendMessage handled (A2A §3.2.2).' },
);
export type SendMessageConfiguration = Static<typeof SendMessageConfiguration>;

export const SendMessageRequest = Type.Object(
  {
    tenant: Tenant,
    message: Message,
    configuration: Type.Optional(SendMessageConfiguration),
    metadata: Type.Optional(Struct),
  },
  { description: 'Parameters of SendMessage and SendStreamingMessage (A2A §3.2.1).' },
);
export type SendMessageRequest = Static<typeof SendMessageRequest>;

export const SendMessageResponse = oneOf(
  {},
  { task: Task, message: Message },
  { description: 'Result of SendMessage: exactly one of task or message (A2A §3.1.1).' },
);
export type SendMessageResponse = Static<typeof SendMessageResponse>;

export const GetTaskRequest = Type.Object(
  { tenant: Tenant, id: RequiredString(), historyLength: HistoryLength },
  { description: 'Parameters of GetTask (A2A §3.1.3).' },
);
export type GetTaskRequest = Static<typeof GetTaskRequest>;

export const ListTasksRequest = Type.Object(
  {
    tenant: Tenant,
    contextId: Type.Optional(Type.String()),
    status: Type.Optional(TaskState),
    pageSize: Type.Optional(Int32({ minimum: 1, description: 'Page size; servers cap it (default 50, max 100).' })),
    pageToken: Type.Optional(Type.String()),
    historyLength: HistoryLength,
    statusTimestampAfter: Type.Optional(Timestamp),
    includeArtifacts: Type.Optional(Type.Boolean()),
  },
  { description: 'Parameters of ListTasks, with cursor paging (A2A §3.1.4).' },
);
export type ListTasksRequest = Static<typeof ListTasksRequest>;

export const ListTasksResponse = Type.Object(
  {
    tasks: Type.Optional(Type.Array(Task, { description: 'May be empty or absent: an empty page is valid.' })),
    nextPageToken: Type.Optional(Type.String({ description: 'Empty or absent on the last page.' })),
    pageSize: Type.Optional(Int32({ minimum: 0 })),
    totalSize: Type.Optional(Int32({ minimum: 0 })),
  },
  {
    description:
      'A page of tasks (A2A §3.1.4). The proto marks all four fields REQUIRED, but ProtoJSON writers (the official ' +
      'SDKs among them) omit zero values, so an absent tasks, nextPageToken, pageSize or totalSize means [], "" ' +
      'or 0. ' +
      'Rightsize servers always send them.',
  },
);
export type ListTasksResponse = Static<typeof ListTasksResponse>;

export const CancelTaskRequest = Type.Object(
  { tenant: Tenant, id: RequiredString(), metadata: Type.Optional(Struct) },
  { description: 'Parameters of CancelTask (A2A §3.1.5).' },
);
export type CancelTaskRequest = Static<typeof CancelTaskRequest>;

export const SubscribeToTaskRequest = Type.Object(
  { tenant: Tenant, id: RequiredString() },
  { description: 'Parameters of SubscribeToTask (A2A §3.1.6).' },
);
export type SubscribeToTaskRequest = Static<typeof SubscribeToTaskRequest>;

const ConfigAddress = { tenant: Tenant, taskId: RequiredString(), id: RequiredString() };

export const GetTaskPushNotificationConfigRequest = Type.Object(ConfigAddress, {
  description: 'Parameters of GetTaskPushNotificationConfig (A2A §3.1.8).',
});
export type GetTaskPushNotificationConfigRequest = Static<typeof GetTaskPushNotificationConfigRequest>;

export const DeleteTaskPushNotificationConfigRequest = Type.Object(ConfigAddress, {
  description: 'Parameters of DeleteTaskPushNotificationConfig (A2A §3.1.10).',
});
export type DeleteTaskPushNotificationConfigRequest = Static<typeof DeleteTaskPushNotificationConfigRequest>;

export const ListTaskPushNotificationConfigsRequest = Type.Object(
  {
    tenant: Tenant,
    taskId: RequiredString(),
    pageSize: Type.Optional(Int32({ minimum: 0 })),
    pageToken: Type.Optional(Type.String()),
  },
  { description: 'Parameters of ListTaskPushNotificationConfigs (A2A §3.1.9).' },
);
export type ListTaskPushNotificationConfigsRequest = Static<typeof ListTaskPushNotificationConfigsRequest>;

export const ListTaskPushNotificationConfigsResponse = Type.Object(
  {
    configs: Type.Optional(Type.Array(TaskPushNotificationConfig)),
    nextPageToken: Type.Optional(Type.String()),
  },
  { description: 'A page of push-notification configs (A2A §3.1.9).' },
);
export type ListTaskPushNotificationConfigsResponse = Static<typeof ListTaskPushNotificationConfigsResponse>;

export const GetExtendedAgentCardRequest = Type.Object(
  { tenant: Tenant },
  { description: 'Parameters of GetExtendedAgentCard (A2A §3.1.11).' },
);
export type GetExtendedAgentCardRequest = Static<typeof GetExtendedAgentCardRequest>;

/** `google.protobuf.Empty`: the result of DeleteTaskPushNotificationConfig. */
export const Empty = Type.Object({}, { description: 'An empty result (google.protobuf.Empty).' });
