/**
 * Core level, beyond the TCK scenarios: card signatures against a live agent that signs its card (verifies; a
 * tampered card, here the same card with its URLs rewritten by a proxy, fails), and the REST binding under a
 * tenant path prefix (`/{tenant}/…`, declared by the card's interface) — served correctly, and a server that does
 * not route tenant paths caught.
 */
import { generateKeyPairSync } from 'node:crypto';
import { type Report, runSuite } from '@rightsize/conformance';
import type { AgentCard } from '@rightsize/sdk/a2a';
import { signAgentCard } from '@rightsize/sdk/signing';
import { describe, expect, it } from 'vitest';
import { startRightsizeAgent, tckCard } from '../ci/agents.js';
import { startTamperProxy } from './support/tamper-proxy.js';

const status = (report: Report, id: string) => report.results.find((r) => r.id === id)?.status;
const failed = (report: Report) => report.results.filter((r) => r.status === 'failed').map((r) => r.id);

/** An agent whose card is signed (ES256) with the key published at /.well-known/jwks.json (the jku). */
async function startSignedAgent() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'conformance-test', alg: 'ES256', use: 'sig' };
  let signed: AgentCard | undefined;
  const agent = await startRightsizeAgent({
    card: (card) => signed ?? card,
    before: (app) => app.get('/.well-known/jwks.json', async () => ({ keys: [jwk] })),
  });
  // The server computes its card once, on first use: sign the card it will serve before anyone asks for it.
  const unsigned = tckCard(agent.baseUrl, { streaming: true, pushNotifications: true });
  signed = await signAgentCard(unsigned, privateKey, {
    kid: 'conformance-test',
    jku: `${agent.baseUrl}/.well-known/jwks.json`,
  });
  return agent;
}

const SIGNATURE = 'core:8.4:MUST:card-signature-verifies';

describe('card signatures against a live agent', () => {
  it('a signed card verifies and a tampered copy does not', async () => {
    const agent = await startSignedAgent();
    try {
      const report = await runSuite({ url: agent.baseUrl, level: 'core', only: [SIGNATURE], timeoutMs: 4000 });
      expect(status(report, SIGNATURE)).toBe('passed');
    } finally {
      await agent.close();
    }
  });

  it('a card changed after signing (URLs rewritten by a proxy) is caught', async () => {
    const agent = await startSignedAgent();
    const proxy = await startTamperProxy(agent.baseUrl, {});
    try {
      const report = await runSuite({ url: proxy.baseUrl, level: 'core', only: [SIGNATURE], timeoutMs: 4000 });
      expect(failed(report)).toEqual([SIGNATURE]);
      expect(report.results[0]?.message).toMatch(/does not verify/);
    } finally {
      await proxy.close();
      await agent.close();
    }
  });

  it('an unsigned card skips the check', async () => {
    const agent = await startRightsizeAgent();
    try {
      const report = await runSuite({ url: agent.baseUrl, level: 'core', only: [SIGNATURE], timeoutMs: 4000 });
      expect(status(report, SIGNATURE)).toBe('skipped');
    } finally {
      await agent.close();
    }
  });
});

describe('REST under a tenant path prefix', () => {
  const tenantCard = (card: AgentCard): AgentCard => ({
    ...card,
    supportedInterfaces: card.supportedInterfaces.map((i) => ({ ...i, tenant: 'acme' })),
  });
  const OPERATIONS = ['core:3.1.3', 'core:3.1.4', 'core:3.1.5', 'core:3.1.2', 'core:3.1.6'];

  it('every operation works at /{tenant}/… when the interface declares a tenant', async () => {
    const agent = await startRightsizeAgent({ card: tenantCard, tck: { delayMs: 1000 } });
    const paths: string[] = [];
    const recorder = await startTamperProxy(agent.baseUrl, {
      intercept: (incoming) => {
        paths.push(incoming.path);
        return undefined;
      },
    });
    try {
      const report = await runSuite({
        url: recorder.baseUrl,
        level: 'core',
        transport: 'HTTP+JSON',
        only: OPERATIONS,
        timeoutMs: 4000,
      });
      expect(failed(report)).toEqual([]);
      expect(report.results.filter((r) => r.status === 'passed').length).toBeGreaterThanOrEqual(8);
      const rest = paths.filter((p) => p.startsWith('/a2a/rest/'));
      expect(rest.length).toBeGreaterThan(10);
      expect(rest.filter((p) => !p.startsWith('/a2a/rest/acme/'))).toEqual([]);
    } finally {
      await recorder.close();
      await agent.close();
    }
  }, 60_000);

  it('a server that does not route tenant paths is caught', async () => {
    const agent = await startRightsizeAgent({ card: tenantCard });
    const proxy = await startTamperProxy(agent.baseUrl, {
      intercept: (incoming) =>
        incoming.path.startsWith('/a2a/rest/acme/') ? { status: 404, body: { error: 'no such route' } } : undefined,
    });
    try {
      const report = await runSuite({
        url: proxy.baseUrl,
        level: 'core',
        transport: 'HTTP+JSON',
        only: ['core:3.1.3:MUST:get-task'],
        timeoutMs: 4000,
      });
      expect(failed(report).length).toBeGreaterThan(0);
      expect(report.results[0]?.exchange?.sent).toContain('/a2a/rest/acme/');
    } finally {
      await proxy.close();
      await agent.close();
    }
  });
});
