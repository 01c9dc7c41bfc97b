/**
 * Our reference broker (@rightsize/reference-server) on loopback, for CI and the suite's own tests: embedded PGlite
 * in memory, no registered agents (the broker level registers its own probe agents), loopback card and webhook URLs
 * allowed.
 */
import { type BrokerOptions, createBroker } from '@rightsize/reference-server';
import type { RunningAgent } from './agents.js';

/** The admin key of the CI broker (loopback only): the registry's mutating endpoints require it. */
export const ADMIN_KEY = 'conformance-ci-admin';

/** Start the broker; `agents` (base URLs of agents on loopback) are registered through its registry binding. */
export async function startReferenceBroker(
  options: BrokerOptions = {},
  agents: readonly string[] = [],
): Promise<RunningAgent> {
  const broker = await createBroker({
    allowPrivateNetworks: true,
    allowPrivateWebhooks: true, // the suite's webhook receiver is on loopback
    healthIntervalMs: 0,
    auth: { adminKeys: [ADMIN_KEY] },
    ...options,
  });
  const baseUrl = await broker.listen(0, '127.0.0.1');
  try {
    for (const agent of agents) {
      const answer = await fetch(`${baseUrl}/rightsize/v1/agents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ cardUrl: `${agent}/.well-known/agent-card.json` }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!answer.ok) throw new Error(`registering ${agent} answered HTTP ${answer.status}: ${await answer.text()}`);
    }
  } catch (error) {
    await broker.close();
    throw error;
  }
  return { baseUrl, close: () => broker.close() };
}
