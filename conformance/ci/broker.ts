/**
 * Our reference broker (@rightsize/reference-server) on loopback, for CI and the suite's own tests: embedded PGlite
 * in memory, no registered agents (the broker level registers its own probe agents), loopback card URLs allowed.
 */
import { type BrokerOptions, createBroker } from '@rightsize/reference-server';
import type { RunningAgent } from './agents.js';

/** The admin key of the CI broker (loopback only): the registry's mutating endpoints require it. */
export const ADMIN_KEY = 'conformance-ci-admin';

export async function startReferenceBroker(options: BrokerOptions = {}): Promise<RunningAgent> {
  const broker = await createBroker({
    allowPrivateNetworks: true,
    healthIntervalMs: 0,
    auth: { adminKeys: [ADMIN_KEY] },
    ...options,
  });
  const baseUrl = await broker.listen(0, '127.0.0.1');
  return { baseUrl, close: () => broker.close() };
}
