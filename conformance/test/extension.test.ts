/**
 * The extension level against an agent that follows the Rightsize rules, and against DELIBERATELY FAULTY variants
 * (no declaration, invalid or incoherent profile, extension data not validated, no usage report, no echo).
 */
import { type Report, runSuite } from '@rightsize/conformance';
import type { AgentCard } from '@rightsize/sdk/a2a';
import { withCapabilityProfile } from '@rightsize/sdk/rightsize';
import { describe, expect, it } from 'vitest';
import { type RightsizeAgentOptions, startRightsizeAgent, TEST_PROFILE } from '../ci/agents.js';

const failed = (r: Report) => r.results.filter((x) => x.status === 'failed').map((x) => x.id);

async function extensionLevel(options: RightsizeAgentOptions, only?: string[]) {
  const agent = await startRightsizeAgent(options);
  try {
    return await runSuite({ url: agent.baseUrl, level: 'extension', timeoutMs: 4000, ...(only ? { only } : {}) });
  } finally {
    await agent.close();
  }
}

const editProfile =
  (edit: (profile: Record<string, unknown>) => void) =>
  (card: AgentCard): AgentCard => {
    const copy = structuredClone(card);
    const params = copy.capabilities.extensions?.[0]?.params as { profile: Record<string, unknown> };
    edit(params.profile);
    return copy;
  };

describe('extension level', () => {
  it('passes an agent that follows the Rightsize rules (broker-only and required-only checks skipped)', async () => {
    const report = await extensionLevel({ extension: true });
    expect(failed(report)).toEqual([]);
    expect(report.results.filter((r) => r.status === 'skipped').map((r) => r.id)).toEqual([
      'extension:2.3:MUST:required-extension-enforced',
      'extension:7.5:MUST:decision-record',
    ]);
  });

  it('an agent without the extension fails the mandatory declaration checks', async () => {
    const report = await extensionLevel({}, ['extension:2.3:MUST:extension-declared', 'extension:4:MUST:params-valid']);
    expect(failed(report)).toHaveLength(2);
    expect(report.results[0]?.message).toMatch(/does not declare the Rightsize extension/);
  });

  it('an invalid profile is caught by params-valid', async () => {
    const report = await extensionLevel(
      {
        extension: true,
        card: editProfile((p) => Object.assign(p, { domains: [{ domain: 'math', ability: 'nine' }] })),
      },
      ['extension:4'],
    );
    expect(failed(report)).toEqual(['extension:4:MUST:params-valid', 'extension:4:MUST:profile-coherent']);
    expect(report.results[0]?.message).toMatch(/ability/);
  });

  it('an incoherent profile is caught by profile-coherent', async () => {
    const report = await extensionLevel(
      {
        extension: true,
        card: editProfile((p) => {
          p.latency = { ttftMs: { p50: 500, p95: 100 }, outputTokensPerSecond: 50 };
          p.domains = [...TEST_PROFILE.domains, { domain: 'math', ability: 3 }];
          p.skills = { 'no-such-skill': { cost: { currency: 'USD' } } };
        }),
      },
      ['extension:4'],
    );
    expect(failed(report)).toEqual(['extension:4:MUST:profile-coherent']);
    const message = report.results.find((r) => r.status === 'failed')?.message ?? '';
    expect(message).toMatch(/percentiles out of order/);
    expect(message).toMatch(/domain declared twice: math/);
    expect(message).toMatch(/no-such-skill/);
  });

  it('an agent that declares the extension but does not validate data or report usage is caught', async () => {
    const report = await extensionLevel({
      card: (card) => withCapabilityProfile(card, TEST_PROFILE),
    });
    expect(failed(report).sort()).toEqual([
      'extension:10.4:MUST:invalid-descriptor-refused',
      'extension:5.5:MUST:oversized-extension-data-refused',
      'extension:8.1:SHOULD:usage-report',
    ]);
  });

  it('a server that does not echo the activated extension is caught (SHOULD)', async () => {
    const report = await extensionLevel(
      {
        extension: true,
        before: (app) =>
          app.addHook('onSend', async (_request, reply, payload) => {
            reply.removeHeader('a2a-extensions');
            return payload;
          }),
      },
      ['extension:2.3'],
    );
    expect(failed(report)).toEqual(['extension:2.3:SHOULD:activation-echoed']);
  });
});
