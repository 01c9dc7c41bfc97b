import { describe, expect, it } from 'vitest';
import { ContentTypeNotSupportedError, errorFromJsonRpc, UnsupportedOperationError } from '../src/a2a/errors.js';
import type { AgentCard, Message, Task } from '../src/a2a/model/index.js';
import { createRightsizeValidator } from '../src/rightsize/catalog.js';
import {
  EXTENSION_LIMITS,
  extensionIssues,
  isActivated,
  parseExtensionsHeader,
  readCapabilityProfile,
  readExtensionParams,
  readMessageExtension,
  readTaskExtension,
  withBrokerRole,
  withCapabilityProfile,
  withMessageExtension,
  withoutNetwork,
  withTaskExtension,
} from '../src/rightsize/extension.js';
import { RIGHTSIZE_EXTENSION_URI } from '../src/rightsize/model/common.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';
import { decisionRecord, noCapableAgentError } from '../src/rightsize/routing/decision-record.js';
import { match } from '../src/rightsize/routing/match.js';
import { validateDocument } from '../src/validate/detect.js';
import { createA2AValidator } from '../src/validate/validator.js';

const card: AgentCard = {
  name: 'A',
  description: 'B',
  supportedInterfaces: [{ url: 'https://a.example.com/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
  version: '1',
  capabilities: { extensions: [{ uri: 'https://other.example/ext/v1' }] },
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: [{ id: 's', name: 'S', description: 'd', tags: ['t'] }],
};
const profile: CapabilityProfile = {
  domains: [{ domain: 'math', ability: 7 }],
  reasoning: { mode: 'thinking', maxReasoningTokens: 8000 },
  latency: { ttftMs: { p50: 300, p95: 900 }, outputTokensPerSecond: 50 },
  placement: { placement: 'cloud', region: 'eu-west' },
  cost: { currency: 'EUR', outputPerMillion: 2 },
};
const message: Message = { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'q' }] };
const pointer = `/metadata/${RIGHTSIZE_EXTENSION_URI.replace(/\//g, '~1')}`;
const a2a = createA2AValidator();

describe('extension helpers', () => {
  it('declare and read a capability profile on a card, keeping other extensions', () => {
    expect(readCapabilityProfile(card)).toBeUndefined();
    const withProfile = withCapabilityProfile(card, profile);
    expect(withProfile.capabilities.extensions?.map((e) => e.uri)).toEqual([
      'https://other.example/ext/v1',
      RIGHTSIZE_EXTENSION_URI,
    ]);
    expect(readCapabilityProfile(withProfile)).toEqual({ ok: true, value: profile });
    expect(a2a.check('AgentCard', withProfile).ok).toBe(true);
    const again = withCapabilityProfile(withProfile, { ...profile, domains: [{ domain: 'code', ability: 3 }] });
    expect(again.capabilities.extensions).toHaveLength(2);
  });

  it('report invalid params with JSON pointers, through the A2A document validator too', () => {
    const bad = withCapabilityProfile(card, { ...profile, domains: [{ domain: 'Not A Domain', ability: 99 }] });
    const read = readCapabilityProfile(bad);
    expect(read?.ok).toBe(false);
    const report = validateDocument(a2a, bad);
    expect(report.ok).toBe(false);
    expect(report.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([
        '/capabilities/extensions/1/params/profile/domains/0/domain',
        '/capabilities/extensions/1/params/profile/domains/0/ability',
      ]),
    );
  });

  it('distinguish the broker role from the agent role', () => {
    const broker = withBrokerRole(card, { registryUrl: 'https://b.example.com/rightsize/v1' });
    expect(readExtensionParams(broker)).toMatchObject({ ok: true, value: { role: 'broker', version: '1.0' } });
    expect(readCapabilityProfile(broker)).toMatchObject({ ok: false, issues: [{ path: '/role' }] });
  });

  it('put a descriptor on a message, read it back, and strip the network before forwarding', () => {
    const m = withMessageExtension(message, {
      descriptor: { domain: 'math', complexity: { value: 3 }, network: { rttMs: 80, linkType: 'hsr' } },
    });
    expect(m.extensions).toEqual([RIGHTSIZE_EXTENSION_URI]);
    expect(withMessageExtension(m, { budget: { maxReasoningTokens: 10 } }).extensions).toEqual([
      RIGHTSIZE_EXTENSION_URI,
    ]);
    expect(readMessageExtension(m)).toMatchObject({ ok: true, value: { descriptor: { domain: 'math' } } });
    const stripped = withoutNetwork(m);
    expect(readMessageExtension(stripped)).toEqual({
      ok: true,
      value: { descriptor: { domain: 'math', complexity: { value: 3 } } },
    });
    expect(withoutNetwork(message)).toBe(message);
  });

  it('reject descriptors that are invalid or over the size limit, at the right path', () => {
    const bad = withMessageExtension(message, { descriptor: { domain: 'math', complexity: { value: -1 } } });
    expect(extensionIssues('Message', bad)).toEqual([
      expect.objectContaining({ path: `${pointer}/descriptor/complexity/value` }),
    ]);
    expect(extensionIssues('SendMessageRequest', { message: bad })[0]?.path).toBe(
      `/message${pointer}/descriptor/complexity/value`,
    );
    const huge = withMessageExtension(message, {
      descriptor: { domain: 'math', skill: 'x'.repeat(100) },
      feedback: { taskId: 't', success: true, comment: 'y'.repeat(1000) },
    });
    expect(
      readMessageExtension({
        ...huge,
        metadata: {
          [RIGHTSIZE_EXTENSION_URI]: {
            descriptor: { domain: 'math', pad: 'z'.repeat(EXTENSION_LIMITS.messageDataBytes) },
          },
        },
      }),
    ).toMatchObject({
      ok: false,
      issues: [{ keyword: 'limit' }],
    });
    expect(readMessageExtension({ ...message, metadata: { [RIGHTSIZE_EXTENSION_URI]: {} } })?.ok).toBe(false);
  });

  it('merge decision and usage on a task', () => {
    const task: Task = { id: 't', status: { state: 'TASK_STATE_COMPLETED' } };
    const withUsage = withTaskExtension(task, { usage: { outputTokens: 3 } });
    const both = withTaskExtension(withUsage, {
      decision: decisionRecord(
        match({ descriptor: { domain: 'math', complexity: { value: 2 } } }, [{ id: 'a', profile }], {
          currency: 'EUR',
        }),
        {
          decisionId: 'd1',
        },
      ),
    });
    const read = readTaskExtension(both);
    expect(read?.ok).toBe(true);
    if (read?.ok) {
      expect(read.value.usage).toEqual({ outputTokens: 3 });
      expect(read.value.decision?.chosen).toBe('a');
    }
    expect(extensionIssues('Task', both)).toEqual([]);
  });

  it('parse the A2A-Extensions header', () => {
    expect(parseExtensionsHeader(' a , b,,c ')).toEqual(['a', 'b', 'c']);
    expect(parseExtensionsHeader(['a', 'b'])).toEqual(['a', 'b']);
    expect(parseExtensionsHeader(undefined)).toEqual([]);
    expect(isActivated(`https://x.example/e/v1, ${RIGHTSIZE_EXTENSION_URI}`)).toBe(true);
    expect(isActivated('https://rightsize.dev/extensions/rightsize/v2')).toBe(false);
  });
});

describe('latency percentiles (spec §4.3)', () => {
  it('rejects a profile whose p95 is below p50 or p99 below p95, at agent level and in skill overrides', () => {
    const bad = withCapabilityProfile(card, {
      ...profile,
      latency: { ...profile.latency, ttftMs: { p50: 300, p95: 200 } },
      skills: { s: { latency: { ...profile.latency, ttftMs: { p50: 100, p95: 200, p99: 150 } } } },
    });
    const read = readCapabilityProfile(bad);
    expect(read?.ok).toBe(false);
    expect(read && !read.ok ? read.issues.map((i) => i.path) : []).toEqual([
      '/profile/latency/ttftMs/p95',
      '/profile/skills/s/latency/ttftMs/p99',
    ]);
    expect(readCapabilityProfile(withCapabilityProfile(card, profile))?.ok).toBe(true);
  });
});

describe('no capable agent (spec §7.7)', () => {
  it('is an UnsupportedOperationError whose details carry the decision and the closest candidate', () => {
    const result = match(
      { descriptor: { domain: 'math', complexity: { value: 20 }, hardConstraints: true } },
      [
        { id: 'a', profile },
        { id: 'b', profile: { ...profile, domains: [{ domain: 'code', ability: 9 }] } },
      ],
      {
        currency: 'EUR',
      },
    );
    expect(result.chosen).toBeUndefined();
    const decision = decisionRecord(result, { decisionId: 'd2' });
    const error = noCapableAgentError(decision, result);
    expect(error).toBeInstanceOf(UnsupportedOperationError);
    expect(error.message).toBe('no capable agent: closest is a (CAPABILITY_CEILING)');
    const wire = { jsonrpc: '2.0', id: 1, error: error.toJsonRpc() };
    expect(a2a.check('JsonRpcErrorResponse', wire).ok).toBe(true);
    const back = errorFromJsonRpc(wire.error);
    expect(back).toBeInstanceOf(UnsupportedOperationError);
    const detail = back.details.find((d) => d['@type'] === 'type.googleapis.com/dev.rightsize.v1.NoCapableAgent');
    expect(createRightsizeValidator({ strict: true }).check('NoCapableAgent', detail).ok).toBe(true);
    expect(detail).toMatchObject({ best: { agentId: 'a', reasons: ['CAPABILITY_CEILING'] } });
    expect(back.details[0]).toMatchObject({ reason: 'NO_CAPABLE_AGENT', domain: 'rightsize.dev' });
  });

  it('serves the closest agent best-effort unless the constraints are hard', () => {
    const soft = match({ descriptor: { domain: 'math', complexity: { value: 20 } } }, [{ id: 'a', profile }], {
      currency: 'EUR',
    });
    expect(soft).toMatchObject({ bestEffort: true, selection: ['BEST_EFFORT'], escalation: ['a'] });
    expect(soft.chosen?.agentId).toBe('a');
    expect(decisionRecord(soft, { decisionId: 'd3' })).toMatchObject({ chosen: 'a', bestEffort: true });
  });

  it('is a retry-later error (HTTP 503, RetryInfo) when every agent is only full or down', () => {
    const result = match(
      { descriptor: { domain: 'math', complexity: { value: 1 }, hardConstraints: true } },
      [
        { id: 'down', profile, available: false },
        { id: 'full', profile: { ...profile, capacity: { maxConcurrentTasks: 1, meanServiceMs: 0 } }, load: 1 },
      ],
      { currency: 'EUR' },
    );
    const error = noCapableAgentError(decisionRecord(result, { decisionId: 'd4' }), result, { retryAfterSeconds: 7 });
    expect(error.httpStatus).toBe(503);
    expect(error.jsonRpcCode).toBe(-32603);
    expect(error.retryAfterSeconds).toBe(7);
    expect(error.wireDetails()).toContainEqual({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: '7s',
    });
  });

  it('is ContentTypeNotSupportedError when only media types fail, and caps the decision it carries', () => {
    const fleet = Array.from({ length: 40 }, (_, i) => ({
      id: `img-${i}`,
      profile,
      defaultInputModes: ['image/png'],
    }));
    const result = match(
      { descriptor: { domain: 'math', complexity: { value: 1 } }, inputModes: ['text/plain'] },
      fleet,
      { currency: 'EUR' },
    );
    const decision = decisionRecord(result, { decisionId: 'd5', maxCandidates: 40 });
    const error = noCapableAgentError(decision, result);
    expect(error).toBeInstanceOf(ContentTypeNotSupportedError);
    const detail = error.details.find(
      (d) => d['@type'] === 'type.googleapis.com/dev.rightsize.v1.NoCapableAgent',
    ) as unknown as {
      decision: { candidates: unknown[]; candidatesOmitted: number };
    };
    expect(detail.decision.candidates).toHaveLength(16);
    expect(detail.decision.candidatesOmitted).toBe(24);
  });
});
