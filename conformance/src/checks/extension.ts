/**
 * Extension level: the Rightsize extension on an agent (or broker) — the declaration and its profile (valid,
 * coherent, within limits), required-extension rules, descriptors accepted and unknown members ignored, invalid or
 * oversized extension data refused, the usage report and the decision record (spec/v1/rightsize.md §2, §4, §5,
 * §7.5, §8.1, §10.4).
 */
import type { Task } from '@rightsize/sdk/a2a';
import {
  type CapabilityProfile,
  createRightsizeValidator,
  EXTENSION_LIMITS,
  type ExtensionParams,
  RIGHTSIZE_EXTENSION_URI,
} from '@rightsize/sdk/rightsize';
import { formatIssues } from '@rightsize/sdk/validate';
import { describeError, errorName } from '../a2a.js';
import { type CheckContext, type CheckDefinition, ensure, fail, skip } from '../model.js';
import { definer, expectError, expectOk, isRecord, send, TERMINAL, valid } from './support.js';

const ext = definer('extension');
const URI = RIGHTSIZE_EXTENSION_URI;
const validator = createRightsizeValidator();

function declaration(context: CheckContext) {
  const found = context.card.capabilities.extensions?.find((e) => e.uri === URI);
  if (!found)
    fail(
      `the card does not declare the Rightsize extension (${URI}) in capabilities.extensions`,
      context.cardAnswer.exchange,
    );
  return found;
}

function params(context: CheckContext): ExtensionParams {
  const result = validator.check('ExtensionParams', declaration(context).params ?? {});
  if (!result.ok)
    fail(`the extension params are not valid:\n${formatIssues(result.issues)}`, context.cardAnswer.exchange);
  return result.value;
}

function profile(context: CheckContext): CapabilityProfile {
  const p = params(context);
  if (p.role !== 'agent') skip(`the card declares the role "${p.role}"; profile checks apply to agents`);
  return p.profile;
}

/** A message with the extension activated: URI in Message.extensions and Rightsize data in its metadata (§2.3, §5.1). */
function withData(context: CheckContext, scenario: string, data: unknown) {
  return send(context, scenario, {
    call: { extensions: [...new Set([...context.a2a.defaultExtensions, URI])] },
    extra: { extensions: [URI], metadata: { [URI]: data } },
  });
}

const DESCRIPTOR = { descriptor: { domain: 'general', complexity: { value: 2, sigma: 1 }, outputTokens: 64 } };

/** A request the agent refused, or a task it did not complete (rejected or failed). */
function refused(outcome: Awaited<ReturnType<typeof send>>): boolean {
  if (!outcome.ok) return true;
  const task = isRecord(outcome.value) && isRecord(outcome.value.task) ? outcome.value.task : undefined;
  const state = isRecord(task) && isRecord(task.status) ? task.status.state : undefined;
  return state === 'TASK_STATE_REJECTED' || state === 'TASK_STATE_FAILED';
}

export const EXTENSION_CHECKS: CheckDefinition[] = [
  ext({
    section: '2.3',
    requirement: 'MUST',
    name: 'extension-declared',
    title: 'The card declares the Rightsize extension with params',
    requires:
      'An agent or broker declares the extension in AgentCard.capabilities.extensions[] with uri set to the extension URI and params as in §4 or §7.1 (Rightsize §2.3, §12).',
    run: async (context) => {
      const d = declaration(context);
      ensure(isRecord(d.params), 'the declaration has no params object', context.cardAnswer.exchange);
    },
  }),
  ext({
    section: '4',
    requirement: 'MUST',
    name: 'params-valid',
    title: 'The declaration params are valid AgentParams or BrokerParams within the size limit',
    requires:
      'params is {version, role: "agent", profile} (AgentParams) or the broker params of §7.1; a profile must not exceed 64 KiB or 64 domains (Rightsize §4, §5.5, §10.4).',
    run: async (context) => {
      const p = declaration(context).params ?? {};
      const size = Buffer.byteLength(JSON.stringify(p), 'utf8');
      ensure(
        size <= EXTENSION_LIMITS.profileBytes,
        `the params are ${size} bytes (limit ${EXTENSION_LIMITS.profileBytes})`,
        context.cardAnswer.exchange,
      );
      params(context);
    },
  }),
  ext({
    section: '2.2',
    requirement: 'MUST',
    name: 'params-version',
    title: 'The params state the 1.x version the publisher follows',
    requires: 'Every params object carries version, the "1.<minor>" the publisher follows (Rightsize §2.2).',
    run: async (context) => {
      const version = params(context).version;
      ensure(/^1\.\d+$/.test(version), `params.version is "${version}"`, context.cardAnswer.exchange);
    },
  }),
  ext({
    section: '4',
    requirement: 'MUST',
    name: 'profile-coherent',
    title: 'The capability profile is coherent (one curve per domain, ordered percentiles, known skills)',
    requires:
      'One success curve per domain (§4.1); ttft percentiles p50 ≤ p95 ≤ p99 (§4.3); per-skill profiles name an AgentSkill.id of the card (§4.7); the same holds in each skill override.',
    run: async (context) => {
      const p = profile(context);
      const problems: string[] = [];
      const checkPart = (where: string, part: Partial<CapabilityProfile>) => {
        const names = (part.domains ?? []).map((d) => d.domain);
        const dup = names.filter((n, i) => names.indexOf(n) !== i);
        if (dup.length) problems.push(`${where}: domain declared twice: ${[...new Set(dup)].join(', ')}`);
        const t = part.latency?.ttftMs;
        if (t && (t.p50 > t.p95 || (t.p99 !== undefined && t.p95 > t.p99)))
          problems.push(`${where}: ttftMs percentiles out of order (p50 ${t.p50}, p95 ${t.p95}, p99 ${t.p99 ?? '-'})`);
      };
      checkPart('profile', p);
      const skillIds = new Set(context.card.skills.map((s) => s.id));
      for (const [id, skill] of Object.entries(p.skills ?? {})) {
        if (!skillIds.has(id)) problems.push(`profile.skills["${id}"] names no skill of the card`);
        checkPart(`profile.skills["${id}"]`, skill);
      }
      ensure(problems.length === 0, problems.join('\n'), context.cardAnswer.exchange);
    },
  }),
  ext({
    section: '2.3',
    requirement: 'SHOULD',
    name: 'extension-not-required',
    title: 'The extension is declared with required: false',
    requires:
      'required SHOULD be false, so clients that do not know the extension can still use the agent (Rightsize §2.3).',
    run: async (context) => {
      ensure(
        declaration(context).required !== true,
        'the extension is declared required: true',
        context.cardAnswer.exchange,
      );
    },
  }),
  ext({
    section: '2.3',
    requirement: 'MUST',
    name: 'required-extension-enforced',
    title: 'When declared required, a request without activation gets ExtensionSupportRequiredError',
    requires:
      'An agent that declares required: true answers a request that does not activate the extension with ExtensionSupportRequiredError (Rightsize §2.3; A2A §3.3.4).',
    run: async (context) => {
      if (declaration(context).required !== true) skip('the extension is not declared required');
      const outcome = await send(context, 'complete-task', { call: { extensions: [] } });
      expectError(context, outcome, 'ExtensionSupportRequiredError', 'SendMessage without activating the extension');
    },
  }),
  ext({
    section: '5.1',
    requirement: 'MUST',
    name: 'descriptor-accepted',
    title: 'A message carrying a task descriptor is served',
    requires:
      'Agents accept messages with extension data: the URI activated and in Message.extensions, a MessageExtensionData in Message.metadata (Rightsize §2.3, §5.1, §12).',
    run: async (context) => {
      declaration(context);
      const outcome = await withData(context, 'complete-task', DESCRIPTOR);
      const value = expectOk(outcome, 'SendMessage with a descriptor');
      const task = isRecord(value) && isRecord(value.task) ? value.task : undefined;
      const state = isRecord(task) && isRecord(task.status) ? String(task.status.state) : undefined;
      ensure(!task || state === 'TASK_STATE_COMPLETED', `the task ended ${state}`, outcome.exchange);
    },
  }),
  ext({
    section: '2.2',
    requirement: 'MUST',
    name: 'unknown-members-ignored',
    title: 'Unknown members in extension data are ignored',
    requires:
      'Receivers ignore members they do not recognise in every object of the extension and do not reject a message because of them (Rightsize §2.2).',
    run: async (context) => {
      declaration(context);
      const data = {
        descriptor: { ...DESCRIPTOR.descriptor, futureMember: { anything: true } },
        futureTopLevel: 1,
      };
      const outcome = await withData(context, 'complete-task', data);
      ensure(
        !refused(outcome),
        `extension data with unknown members was refused${outcome.ok ? '' : ` (${describeError(outcome.error)})`}`,
        outcome.exchange,
      );
    },
  }),
  ext({
    section: '10.4',
    requirement: 'MUST',
    name: 'invalid-descriptor-refused',
    title: 'A descriptor that violates the schema is not used',
    requires:
      'Receivers validate extension data before use and reject values that violate the schema of a member they recognise (Rightsize §2.2, §10.4); a broker answers InvalidParamsError.',
    run: async (context) => {
      const role = params(context).role;
      const outcome = await withData(context, 'complete-task', {
        descriptor: { domain: 'general', complexity: { value: 'very hard' } },
      });
      if (role === 'broker') {
        expectError(context, outcome, 'InvalidParamsError', 'SendMessage with an invalid descriptor');
        return;
      }
      ensure(
        refused(outcome),
        'an invalid descriptor (complexity.value "very hard") was accepted and the task completed',
        outcome.exchange,
      );
      if (!outcome.ok) {
        const name = errorName(context.a2a.binding, outcome.error);
        ensure(
          name !== 'InternalError',
          'the agent answered an internal error instead of refusing the input',
          outcome.exchange,
        );
      }
    },
  }),
  ext({
    section: '5.5',
    requirement: 'MUST',
    name: 'oversized-extension-data-refused',
    title: 'Extension data over 16 KiB is refused',
    requires:
      'A MessageExtensionData must not exceed 16 KiB serialised; receivers reject larger ones (Rightsize §5.5, §10.4).',
    run: async (context) => {
      declaration(context);
      const data = {
        descriptor: { ...DESCRIPTOR.descriptor, skill: 'x'.repeat(EXTENSION_LIMITS.messageDataBytes + 100) },
      };
      const outcome = await withData(context, 'complete-task', data);
      ensure(
        refused(outcome),
        'extension data of more than 16 KiB was accepted and the task completed',
        outcome.exchange,
      );
    },
  }),
  ext({
    section: '2.3',
    requirement: 'SHOULD',
    name: 'activation-echoed',
    title: 'The server echoes the activated extension in A2A-Extensions',
    requires:
      'A server that processed the extension for a request SHOULD echo the URI in the A2A-Extensions response header (Rightsize §2.3).',
    run: async (context) => {
      declaration(context);
      const outcome = await withData(context, 'complete-task', DESCRIPTOR);
      const echoed = outcome.headers?.['a2a-extensions'] ?? '';
      ensure(
        echoed
          .split(',')
          .map((s) => s.trim())
          .includes(URI),
        `A2A-Extensions in the response is "${echoed}"`,
        outcome.exchange,
      );
    },
  }),
  ext({
    section: '8.1',
    requirement: 'SHOULD',
    name: 'usage-report',
    title: 'A terminal task carries a valid usage report',
    requires:
      'An agent that declares the extension puts TaskExtensionData {usage: UsageReport} in the metadata of the task when it reaches a terminal state (Rightsize §8.1).',
    run: async (context) => {
      if (params(context).role !== 'agent') skip('usage reports are checked on agents');
      const outcome = await withData(context, 'complete-task', DESCRIPTOR);
      const value = expectOk(outcome, 'SendMessage with a descriptor');
      ensure(isRecord(value) && isRecord(value.task), 'no task came back', outcome.exchange);
      const task = valid<Task>('Task', value.task, 'the task', outcome.exchange);
      ensure(TERMINAL.includes(task.status.state), `the task is ${task.status.state}`, outcome.exchange);
      const data = task.metadata?.[URI];
      ensure(data !== undefined, `the terminal task has no metadata["${URI}"]`, outcome.exchange);
      const result = validator.check('TaskExtensionData', data);
      if (!result.ok)
        fail(
          `the task's extension data is not valid TaskExtensionData:\n${formatIssues(result.issues)}`,
          outcome.exchange,
        );
      ensure(result.value.usage, 'the task extension data has no usage report', outcome.exchange);
    },
  }),
  ext({
    section: '7.5',
    requirement: 'MUST',
    name: 'decision-record',
    title: 'A broker puts a valid routing decision record on the task',
    requires:
      'The broker puts TaskExtensionData {decision, usage?} under the extension URI in the metadata of every task it routes (Rightsize §7.5).',
    run: async (context) => {
      if (params(context).role !== 'broker')
        skip('decision records are written by brokers; the card declares an agent');
      const outcome = await withData(context, 'complete-task', DESCRIPTOR);
      const value = expectOk(outcome, 'SendMessage through the broker');
      ensure(isRecord(value) && isRecord(value.task), 'no task came back', outcome.exchange);
      const task = valid<Task>('Task', value.task, 'the task', outcome.exchange);
      const result = validator.check('TaskExtensionData', task.metadata?.[URI] ?? {});
      if (!result.ok)
        fail(
          `the task's extension data is not valid TaskExtensionData:\n${formatIssues(result.issues)}`,
          outcome.exchange,
        );
      ensure(result.value.decision, 'the task has no decision record', outcome.exchange);
    },
  }),
];
