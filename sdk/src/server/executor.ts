/** The API an agent author implements: an executor that receives a request context and publishes events. */
import type { Artifact, Message, Part, Task } from '../a2a/model/index.js';
import type { Principal } from './auth.js';

export interface ExecutionContext {
  /** The client's message (already validated). */
  readonly message: Message;
  /** The task being continued, if the message names one; undefined for a new task. */
  readonly task: Task | undefined;
  readonly taskId: string;
  readonly contextId: string;
  /** Extensions the client activated that this agent supports (A2A §4.6). */
  readonly extensions: readonly string[];
  /** The authenticated caller (ANONYMOUS without an `authenticate` hook); the task belongs to it. */
  readonly principal: Principal;
  /** The tenant of the request (REST `/{tenant}/…` or the request's `tenant` member); '' when none. */
  readonly tenant: string;
  /** Aborted when the task is canceled or the server shuts down. */
  readonly signal: AbortSignal;
}

/** A message given as text, as parts, or as a full Message (its ids are filled in). */
export type MessageInput =
  | string
  | Part[]
  | (Omit<Message, 'messageId' | 'role'> & Partial<Pick<Message, 'messageId'>>);

/**
 * What an executor publishes. `reply` answers with a single message and no task (only as the first event). Every
 * other call creates the task on first use and updates it. When `execute` returns without a final state the task
 * is completed; when it throws, the task fails. Events after a final state, or after cancellation, are ignored.
 */
export interface TaskEvents {
  reply(message: MessageInput): void;
  working(message?: MessageInput): void;
  artifact(artifact: Artifact, options?: { append?: boolean; lastChunk?: boolean }): void;
  inputRequired(message: MessageInput): void;
  authRequired(message: MessageInput): void;
  complete(message?: MessageInput): void;
  fail(message?: MessageInput): void;
  reject(message?: MessageInput): void;
  /** Merge metadata into the task (e.g. the Rightsize usage report). */
  metadata(values: Record<string, unknown>): void;
}

export interface AgentExecutor {
  execute(context: ExecutionContext, events: TaskEvents): Promise<void>;
}
