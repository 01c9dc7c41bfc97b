/** Helpers shared by the check modules: definitions, scenario messages, result and error expectations, streams. */
import { randomUUID } from 'node:crypto';
import type { A2AObjectName, Task } from '@rightsize/sdk/a2a';
import { createA2AValidator, formatIssues } from '@rightsize/sdk/validate';
import {
  type A2AErrorName,
  type A2AStream,
  type Binding,
  type CallOptions,
  describeError,
  errorName,
  expectedWire,
  isStream,
  type Outcome,
  type WireError,
} from '../a2a.js';
import type { Exchange } from '../http.js';
import { type CheckContext, type CheckDefinition, ensure, fail, type Level, type Requirement, skip } from '../model.js';

export interface CheckSpec {
  readonly section: string;
  readonly requirement: Requirement;
  /** Kebab-case name; with the level, section and keyword it forms the stable id. */
  readonly name: string;
  readonly title: string;
  readonly requires: string;
  readonly tck?: readonly string[];
  readonly binding?: Binding;
  /** Needs an agent that plays the TCK scenario its messageId names (not applicable to a broker). */
  readonly scripted?: true;
  readonly run: (context: CheckContext) => Promise<void>;
}

export const definer =
  (level: Level) =>
  (spec: CheckSpec): CheckDefinition => ({
    id: `${level}:${spec.section}:${spec.requirement}:${spec.name}`,
    level,
    section: spec.section,
    requirement: spec.requirement,
    title: spec.title,
    requires: spec.requires,
    ...(spec.tck ? { tck: spec.tck } : {}),
    ...(spec.binding ? { binding: spec.binding } : {}),
    ...(spec.scripted ? { scripted: true } : {}),
    run: spec.run,
  });

/** An id no agent has issued (a fresh random one). */
export const unknownTaskId = () => `conformance-unknown-${randomUUID()}`;

/** GetTask of an unknown id must be TaskNotFoundError (A2A §3.1.3). */
export async function expectUnknownTaskNotFound(context: CheckContext, what = 'GetTask of an unknown id') {
  expectError(context, await getTask(context, unknownTaskId()), 'TaskNotFoundError', what);
}

/** CancelTask of a task that just completed must be TaskNotCancelableError (A2A §3.1.5). */
export async function expectCompletedNotCancelable(context: CheckContext, what = 'CancelTask of a completed task') {
  const task = await sendForTask(context, 'complete-task');
  expectError(context, await context.a2a.call('CancelTask', { id: task.id }), 'TaskNotCancelableError', what);
}

/** A follow-up message to a task that just completed must get UnsupportedOperationError (A2A §3.1.1, §3.1.2). */
export async function expectCompletedTaskRefuses(
  context: CheckContext,
  followUp: (taskId: string) => Promise<Outcome | A2AStream>,
  what: string,
) {
  const task = await sendForTask(context, 'complete-task');
  expectError(context, await followUp(task.id), 'UnsupportedOperationError', what);
}

export const TERMINAL = ['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED'];
export const INTERRUPTED = ['TASK_STATE_INPUT_REQUIRED', 'TASK_STATE_AUTH_REQUIRED'];

const validator = createA2AValidator();

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fails unless `value` is a valid `kind` (A2A v1.0 schema, unknown fields tolerated per §5.7). */
export function valid<T>(kind: A2AObjectName, value: unknown, what: string, exchange?: Exchange): T {
  const result = validator.check(kind, value);
  if (!result.ok) fail(`${what} is not a valid ${kind}:\n${formatIssues(result.issues)}`, exchange);
  return result.value as T;
}

export function expectOk(outcome: Outcome, what: string): unknown {
  if (!outcome.ok)
    fail(`${what}: expected a result, the agent answered with an error (${describeError(outcome.error)})`);
  return outcome.value;
}

/** Fails unless the outcome is one of the named A2A errors in the binding's representation. */
export function expectError(
  context: CheckContext,
  outcome: Outcome | A2AStream,
  names: A2AErrorName | readonly A2AErrorName[],
  what: string,
): WireError {
  const list = typeof names === 'string' ? [names] : names;
  const binding = context.a2a.binding;
  const wanted = list.map((n) => expectedWire(binding, n)).join(' or ');
  if (isStream(outcome)) {
    const exchange = outcome.exchange();
    outcome.close();
    fail(`${what}: expected ${wanted}; the agent opened an event stream instead`, exchange);
  }
  if (outcome.ok) fail(`${what}: expected ${wanted}; the agent answered with a result`, outcome.exchange);
  const got = errorName(binding, outcome.error);
  if (!got || !list.includes(got)) {
    fail(
      `${what}: expected ${wanted}; got ${got ? `${got} (${describeError(outcome.error)})` : describeError(outcome.error)}`,
      outcome.exchange,
    );
  }
  return outcome.error;
}

export interface ScenarioOptions {
  readonly configuration?: Record<string, unknown>;
  readonly taskId?: string;
  readonly contextId?: string;
  readonly text?: string;
  readonly parts?: readonly Record<string, unknown>[];
  /** More message members (extensions, metadata). */
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly call?: CallOptions;
}

/** A SendMessageRequest for a TCK scenario (`messageId` = `tck-<scenario>-<random>`). */
export function scenarioRequest(context: CheckContext, scenario: string, o: ScenarioOptions = {}) {
  return {
    message: {
      messageId: context.messageId(scenario),
      role: 'ROLE_USER',
      parts: o.parts ?? [{ text: o.text ?? `conformance: ${scenario}` }],
      ...(o.taskId ? { taskId: o.taskId } : {}),
      ...(o.contextId ? { contextId: o.contextId } : {}),
      ...o.extra,
    },
    ...(o.configuration ? { configuration: o.configuration } : {}),
  };
}

export function send(context: CheckContext, scenario: string, o: ScenarioOptions = {}): Promise<Outcome> {
  return context.a2a.call('SendMessage', scenarioRequest(context, scenario, o), o.call, context.signal);
}

/** Send a scenario that must create a task; returns the task (validated). */
export async function sendForTask(context: CheckContext, scenario: string, o: ScenarioOptions = {}): Promise<Task> {
  const outcome = await send(context, scenario, o);
  const value = expectOk(outcome, `SendMessage (${scenario})`);
  ensure(
    isRecord(value) && isRecord(value.task),
    `SendMessage (${scenario}) should create a task (a SendMessageResponse with "task"); got ${JSON.stringify(value).slice(0, 200)}`,
    outcome.exchange,
  );
  return valid<Task>('Task', value.task, 'the returned task', outcome.exchange);
}

/**
 * Send the tck-delayed-complete scenario with returnImmediately; fails unless the task came back still in progress
 * (`consequence` ends the failure message: what the check cannot do then).
 */
export async function sendInProgress(context: CheckContext, consequence = ''): Promise<Task> {
  const task = await sendForTask(context, 'delayed-complete', { configuration: { returnImmediately: true } });
  if (TERMINAL.includes(task.status.state))
    fail(`the task was already ${task.status.state} (returnImmediately ignored)${consequence}`, context.http.last);
  return task;
}

export async function getTask(context: CheckContext, id: string, historyLength?: number, call?: CallOptions) {
  return context.a2a.call(
    'GetTask',
    { id, ...(historyLength !== undefined ? { historyLength } : {}) },
    call,
    context.signal,
  );
}

/** GetTask of `id`, which must answer a valid Task (`what` names the result in a failure). */
export async function getValidTask(
  context: CheckContext,
  id: string,
  what = 'the GetTask result',
  call?: CallOptions,
): Promise<{ task: Task; exchange: Exchange }> {
  const outcome = await getTask(context, id, undefined, call);
  return {
    task: valid<Task>('Task', expectOk(outcome, 'GetTask'), what, outcome.exchange),
    exchange: outcome.exchange,
  };
}

/** Poll GetTask until the task is terminal (or the time limit passes); returns the last task seen. */
export async function untilTerminal(context: CheckContext, id: string): Promise<Task> {
  const deadline = Date.now() + context.options.timeoutMs;
  for (;;) {
    const { task } = await getValidTask(context, id, 'GetTask result');
    if (TERMINAL.includes(task.status.state) || Date.now() > deadline) return task;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function streamOf(outcome: A2AStream | Outcome, what: string): A2AStream {
  if (isStream(outcome)) return outcome;
  return fail(
    `${what}: expected an event stream; the agent answered with ${outcome.ok ? 'a result' : `an error (${describeError(outcome.error)})`}`,
    outcome.exchange,
  );
}

export interface Collected {
  readonly events: Record<string, unknown>[];
  /** How the stream ended: closed by the agent, still open at the time limit, broken, or an error event. */
  readonly end: 'closed' | 'timeout' | 'broken' | 'error';
  readonly error?: WireError;
  readonly exchange: Exchange;
}

/** The state an event reports, if any. */
export function stateOf(event: Record<string, unknown>): string | undefined {
  const holder = isRecord(event.task) ? event.task : isRecord(event.statusUpdate) ? event.statusUpdate : undefined;
  return isRecord(holder) && isRecord(holder.status) ? String(holder.status.state) : undefined;
}

/**
 * Read a stream until it ends, an event satisfies `stop` (then the suite closes it), or nothing arrives for the
 * time limit. After a terminal event the agent gets `graceMs` to close the stream.
 */
export async function collect(
  context: CheckContext,
  stream: A2AStream,
  o: { stop?: (event: Record<string, unknown>) => boolean; graceMs?: number } = {},
): Promise<Collected> {
  const events: Record<string, unknown>[] = [];
  const grace = o.graceMs ?? Math.min(context.options.timeoutMs, 3000);
  let wait = context.options.timeoutMs;
  for (;;) {
    const item = await stream.next(wait);
    if (item.kind === 'event') {
      events.push(item.event);
      if (o.stop?.(item.event)) {
        stream.close();
        return { events, end: 'closed', exchange: stream.exchange() };
      }
      const state = stateOf(item.event);
      if (state && TERMINAL.includes(state)) wait = grace;
      continue;
    }
    const exchange = stream.exchange();
    stream.close();
    if (item.kind === 'error') return { events, end: 'error', error: item.error, exchange };
    if (item.kind === 'broken') return { events, end: 'broken', exchange };
    return { events, end: item.kind, exchange };
  }
}

export const kindOf = (event: Record<string, unknown>) =>
  ['task', 'message', 'statusUpdate', 'artifactUpdate'].filter((k) => k in event).join('+') || 'unknown';

export function requireCapability(context: CheckContext, capability: 'streaming' | 'pushNotifications'): void {
  if (context.card.capabilities[capability] !== true) skip(`the card does not declare capabilities.${capability}`);
}
