/**
 * Messages through the broker for the broker level's checks: a Rightsize task descriptor on a message, the call
 * options that activate the extension, a routed message the probe agents report back by nonce, and the decision
 * record on the task the broker answers with (Rightsize §5.1, §7.5).
 */
import { randomBytes } from 'node:crypto';
import type { Task } from '@rightsize/sdk/a2a';
import type { Outcome } from '../a2a.js';
import { type CheckContext, ensure } from '../model.js';
import { rightsizeValidator, URI } from './broker-probes.js';
import { expectOk, isRecord, valid } from './support.js';

/** A descriptor's complexity, known exactly (sigma 0). */
export const complexity = (value: number) => ({ complexity: { value, sigma: 0 } });

/** The message members that activate the extension and carry a task descriptor (domain "general" unless given). */
export const descriptorMembers = (descriptor: Record<string, unknown>) => ({
  extensions: [URI],
  metadata: { [URI]: { descriptor: { domain: 'general', ...descriptor } } },
});

/** Call options with the extension activated (A2A-Extensions), besides the client's own. */
export const callOptions = (context: CheckContext) => ({
  extensions: [...new Set([...context.a2a.defaultExtensions, URI])],
});

/** A SendMessageRequest through the broker, for the probes of `tag`, carrying a nonce the probe reports back. */
export function routed(
  tag: string | undefined,
  descriptor: Record<string, unknown>,
  configuration?: Record<string, unknown>,
) {
  const nonce = randomBytes(6).toString('hex');
  const request = {
    message: {
      messageId: `rightsize-conformance-${nonce}`,
      role: 'ROLE_USER',
      parts: [{ text: `rightsize-conformance ${nonce}` }],
      ...descriptorMembers({ ...(tag ? { skill: tag } : {}), outputTokens: 64, ...descriptor }),
    },
    ...(configuration ? { configuration } : {}),
  };
  return { nonce, request };
}

/** SendMessage through the broker, which must answer with a (valid) task. */
export async function sendRouted(
  context: CheckContext,
  request: Record<string, unknown>,
): Promise<{ task: Task; outcome: Outcome }> {
  const outcome = await context.a2a.call('SendMessage', request, callOptions(context), context.signal);
  const value = expectOk(outcome, 'SendMessage through the broker');
  ensure(isRecord(value) && isRecord(value.task), 'the broker did not answer with a task', outcome.exchange);
  return { task: valid<Task>('Task', value.task, 'the task', outcome.exchange), outcome };
}

export function openRouted(context: CheckContext, request: Record<string, unknown>) {
  return context.a2a.open('SendStreamingMessage', request, callOptions(context), context.signal);
}

/** The decision record on a task (TaskExtensionData.decision), if valid. */
export function decisionOf(task: Task) {
  const data = rightsizeValidator.check('TaskExtensionData', task.metadata?.[URI] ?? {});
  return data.ok ? data.value.decision : undefined;
}
