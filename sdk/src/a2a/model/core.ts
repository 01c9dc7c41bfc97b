/** Core A2A v1.0 objects (A2A §4.1–§4.2, proto `Task`, `Message`, `Part`, `Artifact` and the stream events). */
import { type Static, Type } from '@sinclair/typebox';
import { Base64, NonEmptyArray, oneOf, RequiredString, StringEnum, Struct, Timestamp } from './primitives.js';

/** Task states (§4.1.3). `TASK_STATE_UNSPECIFIED` is the proto "not set" value and is not a valid state. */
export const TaskStateValues = [
  'TASK_STATE_SUBMITTED',
  'TASK_STATE_WORKING',
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
  'TASK_STATE_INPUT_REQUIRED',
  'TASK_STATE_REJECTED',
  'TASK_STATE_AUTH_REQUIRED',
] as const;
export const TaskState = StringEnum(TaskStateValues, 'Lifecycle state of a task (A2A §4.1.3).');
export type TaskState = Static<typeof TaskState>;

/** States after which a task never changes again (§3.3.2, TaskNotCancelableError). */
export const TERMINAL_TASK_STATES: readonly TaskState[] = [
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
  'TASK_STATE_REJECTED',
];
/** States in which the task waits for the client; streams close on them (§11.7). */
export const INTERRUPTED_TASK_STATES: readonly TaskState[] = ['TASK_STATE_INPUT_REQUIRED', 'TASK_STATE_AUTH_REQUIRED'];

export const RoleValues = ['ROLE_USER', 'ROLE_AGENT'] as const;
export const Role = StringEnum(RoleValues, 'Sender of a message (A2A §4.1.5).');
export type Role = Static<typeof Role>;

/** A unit of content (§4.1.6): exactly one of text, raw (base64), url or data. */
export const Part = oneOf(
  {
    metadata: Type.Optional(Struct),
    filename: Type.Optional(Type.String()),
    mediaType: Type.Optional(Type.String()),
  },
  {
    text: Type.String(),
    raw: Base64,
    url: Type.String({ format: 'uri-reference' }),
    data: Type.Unknown({ description: 'Any JSON value (google.protobuf.Value).' }),
  },
  { description: 'A unit of message or artifact content (A2A §4.1.6).' },
);
export type Part = Static<typeof Part>;

export const Message = Type.Object(
  {
    messageId: RequiredString('Unique identifier of the message, set by its creator.'),
    contextId: Type.Optional(Type.String()),
    taskId: Type.Optional(Type.String()),
    role: Role,
    parts: NonEmptyArray(Part),
    metadata: Type.Optional(Struct),
    extensions: Type.Optional(Type.Array(Type.String())),
    referenceTaskIds: Type.Optional(Type.Array(Type.String())),
  },
  { description: 'One turn of communication between client and agent (A2A §4.1.4).' },
);
export type Message = Static<typeof Message>;

export const Artifact = Type.Object(
  {
    artifactId: RequiredString(),
    name: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    parts: NonEmptyArray(Part),
    metadata: Type.Optional(Struct),
    extensions: Type.Optional(Type.Array(Type.String())),
  },
  { description: 'An output produced by a task (A2A §4.1.7).' },
);
export type Artifact = Static<typeof Artifact>;

export const TaskStatus = Type.Object(
  {
    state: TaskState,
    message: Type.Optional(Message),
    timestamp: Type.Optional(Timestamp),
  },
  { description: 'Current status of a task (A2A §4.1.2).' },
);
export type TaskStatus = Static<typeof TaskStatus>;

export const Task = Type.Object(
  {
    id: RequiredString('Server-generated task identifier.'),
    contextId: Type.Optional(Type.String()),
    status: TaskStatus,
    artifacts: Type.Optional(Type.Array(Artifact)),
    history: Type.Optional(Type.Array(Message)),
    metadata: Type.Optional(Struct),
  },
  { description: 'A unit of work tracked by the agent (A2A §4.1.1).' },
);
export type Task = Static<typeof Task>;

export const TaskStatusUpdateEvent = Type.Object(
  {
    taskId: RequiredString(),
    contextId: RequiredString(),
    status: TaskStatus,
    metadata: Type.Optional(Struct),
  },
  { description: 'A change of task status, delivered by streaming or push (A2A §4.2.1).' },
);
export type TaskStatusUpdateEvent = Static<typeof TaskStatusUpdateEvent>;

export const TaskArtifactUpdateEvent = Type.Object(
  {
    taskId: RequiredString(),
    contextId: RequiredString(),
    artifact: Artifact,
    append: Type.Optional(Type.Boolean()),
    lastChunk: Type.Optional(Type.Boolean()),
    metadata: Type.Optional(Struct),
  },
  { description: 'A new or appended artifact, delivered by streaming or push (A2A §4.2.2).' },
);
export type TaskArtifactUpdateEvent = Static<typeof TaskArtifactUpdateEvent>;

/** One item of a stream or a push notification payload (§3.2.3, §4.3.3). */
export const StreamResponse = oneOf(
  {},
  { task: Task, message: Message, statusUpdate: TaskStatusUpdateEvent, artifactUpdate: TaskArtifactUpdateEvent },
  { description: 'One streamed event: exactly one of task, message, statusUpdate, artifactUpdate (A2A §3.2.3).' },
);
export type StreamResponse = Static<typeof StreamResponse>;
