/**
 * Readers and builders for the Rightsize extension inside A2A objects (spec §2.3, §4, §5.1, §7.5): the params on an
 * agent card, the extension data on a message and on a task, and the `A2A-Extensions` activation header. Readers
 * validate (with the size limits of spec §5.5) and never throw; builders return new objects.
 */
import type { AgentCard, Message, Task } from '../a2a/model/index.js';
import type { ValidationIssue } from '../validate/issues.js';
import type { ValidationResult } from '../validate/validator.js';
import { defaultRightsizeValidator } from './catalog.js';
import type { AgentParams, BrokerParams, ExtensionParams } from './model/card-params.js';
import { RIGHTSIZE_EXTENSION_URI } from './model/common.js';
import type { MessageExtensionData, ReasoningBudget, TaskExtensionData } from './model/index.js';
import type { CapabilityProfile } from './model/profile.js';

/** Spec §5.5. */
export const EXTENSION_LIMITS = { messageDataBytes: 16 * 1024, profileBytes: 64 * 1024 } as const;

/** Header carrying activated extension URIs (A2A §14.2.2). */
export const EXTENSIONS_HEADER = 'A2A-Extensions';

const validator = defaultRightsizeValidator();

type Read<T> = ValidationResult<T> | undefined;

function sized<T>(value: unknown, limit: number, check: () => ValidationResult<T>): ValidationResult<T> {
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  } catch {
    return { ok: false, issues: [{ path: '', keyword: 'type', message: 'is not serialisable JSON' }] };
  }
  if (size > limit) {
    return { ok: false, issues: [{ path: '', keyword: 'limit', message: `is ${size} bytes; the limit is ${limit}` }] };
  }
  return check();
}

/**
 * Spec §4.3: the percentiles of a latency profile must not decrease (p50 ≤ p95 ≤ p99), a rule JSON Schema cannot
 * express; one issue per profile (agent level and each skill override) that breaks it.
 */
export function latencyOrderIssues(profile: CapabilityProfile): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const check = (ttft: CapabilityProfile['latency']['ttftMs'] | undefined, path: string) => {
    if (!ttft) return;
    if (ttft.p95 < ttft.p50) issues.push({ path: `${path}/p95`, keyword: 'order', message: 'must be at least p50' });
    if (ttft.p99 !== undefined && ttft.p99 < ttft.p95) {
      issues.push({ path: `${path}/p99`, keyword: 'order', message: 'must be at least p95' });
    }
  };
  check(profile.latency.ttftMs, '/profile/latency/ttftMs');
  for (const [id, skill] of Object.entries(profile.skills ?? {})) {
    check(skill.latency?.ttftMs, `/profile/skills/${id.replace(/~/g, '~0').replace(/\//g, '~1')}/latency/ttftMs`);
  }
  return issues;
}

/** The extension's params on a card; undefined when the card does not declare the extension. */
export function readExtensionParams(card: AgentCard): Read<ExtensionParams> {
  const declaration = card.capabilities.extensions?.find((e) => e.uri === RIGHTSIZE_EXTENSION_URI);
  if (!declaration) return undefined;
  return sized(declaration.params ?? {}, EXTENSION_LIMITS.profileBytes, () => {
    const result = validator.check('ExtensionParams', declaration.params ?? {});
    if (!result.ok || result.value.role !== 'agent') return result;
    const issues = latencyOrderIssues(result.value.profile);
    return issues.length > 0 ? { ok: false, issues } : result;
  });
}

/** The capability profile of an agent card (role "agent"); an issue if the card declares the broker role. */
export function readCapabilityProfile(card: AgentCard): Read<CapabilityProfile> {
  const params = readExtensionParams(card);
  if (!params?.ok) return params;
  if (params.value.role !== 'agent') {
    return { ok: false, issues: [{ path: '/role', keyword: 'const', message: 'declares role "broker", not "agent"' }] };
  }
  return { ok: true, value: params.value.profile };
}

const metadataMember = (metadata: Record<string, unknown> | undefined) => metadata?.[RIGHTSIZE_EXTENSION_URI];

/** The extension data of a message; undefined when it has none. */
export function readMessageExtension(message: Message): Read<MessageExtensionData> {
  const data = metadataMember(message.metadata);
  if (data === undefined) return undefined;
  return sized(data, EXTENSION_LIMITS.messageDataBytes, () => validator.check('MessageExtensionData', data));
}

/** The extension data of a task (decision record, usage report); undefined when it has none. */
export function readTaskExtension(task: Task): Read<TaskExtensionData> {
  const data = metadataMember(task.metadata);
  return data === undefined ? undefined : validator.check('TaskExtensionData', data);
}

function declare(card: AgentCard, params: AgentParams | BrokerParams, description: string): AgentCard {
  const others = (card.capabilities.extensions ?? []).filter((e) => e.uri !== RIGHTSIZE_EXTENSION_URI);
  return {
    ...card,
    capabilities: {
      ...card.capabilities,
      extensions: [...others, { uri: RIGHTSIZE_EXTENSION_URI, description, required: false, params }],
    },
  };
}

/** A copy of `card` declaring the extension with this capability profile (spec §4). */
export function withCapabilityProfile(card: AgentCard, profile: CapabilityProfile, version = '1.0'): AgentCard {
  return declare(card, { version, role: 'agent', profile }, 'Capability ceilings, latency and cost (Rightsize v1).');
}

/** A copy of `card` declaring the broker role (spec §7.1). */
export function withBrokerRole(
  card: AgentCard,
  params: Omit<BrokerParams, 'role' | 'version'>,
  version = '1.0',
): AgentCard {
  return declare(card, { version, role: 'broker', ...params }, 'Rightsize broker: complexity-aware routing.');
}

/** A copy of `message` carrying extension data, with the URI listed in `extensions` (spec §5.1). */
export function withMessageExtension(message: Message, data: MessageExtensionData): Message {
  const extensions = message.extensions ?? [];
  return {
    ...message,
    extensions: extensions.includes(RIGHTSIZE_EXTENSION_URI) ? extensions : [...extensions, RIGHTSIZE_EXTENSION_URI],
    metadata: { ...message.metadata, [RIGHTSIZE_EXTENSION_URI]: data },
  };
}

/** A copy of `message` whose extension data carries `budget`, the reasoning budget a broker forwards (spec §5.3). */
export function withReasoningBudget(message: Message, budget: ReasoningBudget): Message {
  const data = (metadataMember(message.metadata) ?? {}) as MessageExtensionData;
  return withMessageExtension(message, { ...data, budget });
}

/** A copy of `message` whose descriptor has no `network` member (spec §7.6, §10.3). */
export function withoutNetwork(message: Message): Message {
  const data = metadataMember(message.metadata) as MessageExtensionData | undefined;
  if (!data?.descriptor?.network) return message;
  const { network: _removed, ...descriptor } = data.descriptor;
  return withMessageExtension(message, { ...data, descriptor });
}

/** A copy of `task` whose extension data merges `data` into what it had (spec §7.5, §8.1). */
export function withTaskExtension(task: Task, data: TaskExtensionData): Task {
  const current = (metadataMember(task.metadata) ?? {}) as TaskExtensionData;
  return { ...task, metadata: { ...task.metadata, [RIGHTSIZE_EXTENSION_URI]: { ...current, ...data } } };
}

/** Parse an `A2A-Extensions` header value (comma-separated URIs) into a list. */
export function parseExtensionsHeader(value: string | readonly string[] | undefined): string[] {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return (joined as string)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** True when the request activated the Rightsize extension (spec §2.3). */
export const isActivated = (header: string | readonly string[] | undefined) =>
  parseExtensionsHeader(header).includes(RIGHTSIZE_EXTENSION_URI);

const prefixed = (issues: readonly ValidationIssue[], path: string) =>
  issues.map((i) => ({ ...i, path: path + i.path }));
const uriPointer = RIGHTSIZE_EXTENSION_URI.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Problems in the Rightsize members of an already-valid A2A object: card params, message and task extension data
 * (including the message inside a SendMessageRequest and the history and status messages of a task).
 */
export function extensionIssues(kind: string, value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (read: Read<unknown>, path: string) => {
    if (read && !read.ok) issues.push(...prefixed(read.issues, path));
  };
  const message = (m: Message, path: string) => add(readMessageExtension(m), `${path}/metadata/${uriPointer}`);
  const task = (t: Task, path: string) => {
    add(readTaskExtension(t), `${path}/metadata/${uriPointer}`);
    if (t.status.message) message(t.status.message, `${path}/status/message`);
    for (const [i, m] of (t.history ?? []).entries()) message(m, `${path}/history/${i}`);
  };
  if (kind === 'AgentCard') {
    const card = value as AgentCard;
    const index = card.capabilities.extensions?.findIndex((e) => e.uri === RIGHTSIZE_EXTENSION_URI) ?? -1;
    add(readExtensionParams(card), `/capabilities/extensions/${index}/params`);
  } else if (kind === 'Message') {
    message(value as Message, '');
  } else if (kind === 'SendMessageRequest') {
    message((value as { message: Message }).message, '/message');
  } else if (kind === 'Task') {
    task(value as Task, '');
  } else if (kind === 'SendMessageResponse' || kind === 'StreamResponse') {
    const v = value as { task?: Task; message?: Message };
    if (v.task) task(v.task, '/task');
    if (v.message) message(v.message, '/message');
  }
  return issues;
}
