/**
 * A broker with the SIMULATED demo fleet on loopback, for the dashboard tests: the fleet is served once and can be
 * registered with several brokers (or a restarted one on the same data directory).
 */
import { randomUUID } from 'node:crypto';
import type { Message, StreamResponse } from '@rightsize/sdk/a2a';
import { A2AClient } from '@rightsize/sdk/client';
import { type TaskDescriptor, withMessageExtension } from '@rightsize/sdk/rightsize';
import { type Broker, type BrokerOptions, createBroker } from '../../src/broker/broker.js';
import { type SimulatedAgent, serveDemoFleet } from '../../src/demo/fleet.js';

export const ADMIN_KEY = 'dashboard-admin-key';
export const CLIENT_KEY = 'dashboard-client-key';

export async function startFleet(): Promise<SimulatedAgent[]> {
  return serveDemoFleet({ seed: 7, speedup: 100 });
}

export async function startBroker(
  fleet: readonly SimulatedAgent[],
  options: {
    assetsDir: string;
    dataDir?: string;
    port?: number;
    register?: boolean;
    /** Known-answer probes; the fleet is then registered before the broker listens (and the probes start). */
    probes?: BrokerOptions['probes'];
  },
): Promise<{ broker: Broker; url: string }> {
  const broker = await createBroker({
    allowPrivateNetworks: true,
    healthIntervalMs: 0,
    auth: { adminKeys: [ADMIN_KEY], clientKeys: { [CLIENT_KEY]: 'client' } },
    dashboard: { assetsDir: options.assetsDir },
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.probes ? { probes: options.probes } : {}),
  });
  const register = async () => {
    if (options.register !== false) for (const agent of fleet) await broker.registry.register(agent.cardUrl);
  };
  if (options.probes) await register();
  const url = await broker.listen(options.port ?? 0, '127.0.0.1');
  if (!options.probes) await register();
  return { broker, url };
}

export const message = (text: string, descriptor?: TaskDescriptor): Message => {
  const plain: Message = { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }] };
  return descriptor ? withMessageExtension(plain, { descriptor }) : plain;
};

/** Send one task through the broker (streaming) and return the broker's task id, or the error's name. */
export async function sendTask(url: string, text: string, descriptor?: TaskDescriptor): Promise<string> {
  const client = await A2AClient.connect(url, {
    allowPrivateNetworks: true,
    auth: { apiKey: { header: 'x-api-key', value: ADMIN_KEY } },
  });
  try {
    let taskId = '';
    for await (const event of client.sendStreamingMessage(message(text, descriptor)) as AsyncIterable<StreamResponse>)
      taskId ||= event.task?.id ?? event.statusUpdate?.taskId ?? '';
    return taskId;
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  } finally {
    await client.close();
  }
}

export const EASY: TaskDescriptor = {
  domain: 'dialogue',
  complexity: { value: 1, sigma: 0.3 },
  outputTokens: 20,
  network: { rttMs: 70, jitterMs: 45, linkType: '4g' },
  constraints: { firstResponseDeadlineMs: 300 },
};
export const HARD_MATH: TaskDescriptor = {
  domain: 'math',
  complexity: { value: 7, sigma: 0.7 },
  outputTokens: 80,
  constraints: { completionDeadlineMs: 60_000, minSuccess: 0.9 },
};
/** Beyond every agent, with hard constraints: refused with NO_CAPABLE_AGENT (spec §7.7). */
export const IMPOSSIBLE: TaskDescriptor = {
  domain: 'planning',
  complexity: { value: 14, sigma: 0.5 },
  hardConstraints: true,
};
