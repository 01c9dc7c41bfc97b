/**
 * Known-answer probes (spec §9.4 active verification), end to end on loopback with SIMULATED agents and no client
 * feedback at all: the broker's probe scheduler sends task-bank tasks straight to the agents, verifies the answers
 * and learns from the verified outcomes alone, so an over-claiming agent that reports every task COMPLETED (bluffing
 * a wrong answer when it fails) is convicted and its predicted success corrected — beside a broker without probes,
 * which learns nothing. Probes never appear in a client's task list, and are counted in /metrics and GET /probes.
 */
import { A2AClient } from '@rightsize/sdk/client';
import { type CapabilityProfile, type Probe, RIGHTSIZE_EXTENSION_URI } from '@rightsize/sdk/rightsize';
import { request } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { agentProbes, probeMessage } from '../src/broker/probes.js';
import { AnswerKey, type SimulatedAgentSpec, serveDemoFleet } from '../src/demo/fleet.js';
import { type Broker, type BrokerOptions, createBroker } from '../src/index.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const ADMIN = 'probes-admin-key';
const CLIENT = 'probes-client-key';

const mathProfile = (ability: number): CapabilityProfile => ({
  domains: [{ domain: 'math', ability, slope: 2, pMax: 0.99 }],
  reasoning: { mode: 'none' },
  latency: { ttftMs: { p50: 20, p95: 60 }, outputTokensPerSecond: 100, networkRttMs: 1 },
  placement: { placement: 'edge' },
  cost: { currency: 'USD', perTask: 0.001 },
});

/** SIMULATED: declares math 8, really has 6, and completes every task (a wrong answer when its draw fails). */
const CLAIMER: SimulatedAgentSpec = {
  id: 'claimer',
  description: 'SIMULATED over-claimer: declares math 8, really 6, never admits a failure.',
  declared: mathProfile(8),
  truth: { math: 6 },
  bluffs: true,
};
/** SIMULATED: declares what it has. */
const HONEST: SimulatedAgentSpec = {
  id: 'honest',
  description: 'SIMULATED honest agent: math 6.',
  declared: mathProfile(6),
  truth: { math: 6 },
};

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function broker(options: BrokerOptions): Promise<{ broker: Broker; url: string }> {
  const b = await createBroker({
    allowPrivateNetworks: true,
    healthIntervalMs: 0,
    auth: { adminKeys: [ADMIN], clientKeys: { [CLIENT]: 'probe-client' } },
    ...options,
  });
  cleanup.push(() => b.close());
  return { broker: b, url: await b.listen() };
}

async function get(url: string, path: string): Promise<{ status: number; text: string }> {
  const response = await request(`${url}${path}`, { headers: { 'x-api-key': ADMIN } });
  return { status: response.statusCode, text: await response.body.text() };
}

/** The broker's predicted success of an agent on a math task at complexity 7 (a dry run). */
async function predicted(url: string, agentId: string): Promise<number> {
  const response = await request(`${url}/rightsize/v1/match`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': ADMIN },
    body: JSON.stringify({ descriptor: { domain: 'math', complexity: { value: 7, sigma: 0.5 } } }),
  });
  const decision = (await response.body.json()) as {
    candidates: Array<{ agentId: string; predictions: { success: number } }>;
  };
  const candidate = decision.candidates.find((c) => c.agentId === agentId);
  if (!candidate) throw new Error(`no candidate ${agentId}`);
  return candidate.predictions.success;
}

describe('known-answer probes (spec §9.4)', () => {
  it('correct an over-claiming agent by verified probes alone, with no client feedback; a broker without probes learns nothing', async () => {
    const answers = new AnswerKey();
    const fleet = await serveDemoFleet({ fleet: [CLAIMER, HONEST], answers, speedup: 100, seed: 5 });
    cleanup.push(() => Promise.all(fleet.map((a) => a.app.close())));
    const budget = 40;
    let ended = 0;
    let allEnded: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      allEnded = resolve;
    });
    const probed = await broker({
      probes: {
        budgetPerAgent: budget,
        ratePerMinute: 60_000,
        onSend: (_agentId, task) => answers.record(task),
        onResult: () => {
          if (++ended === budget * fleet.length) allEnded();
        },
      },
    });
    const control = await broker({});
    expect(control.broker.probes).toBeUndefined();
    const ids: Record<string, string> = {};
    for (const agent of fleet) {
      ids[agent.spec.id] = (await probed.broker.registry.register(agent.cardUrl)).agent.id;
      await control.broker.registry.register(agent.cardUrl);
    }
    await done;
    const claimer = ids.claimer as string;
    const honest = ids.honest as string;

    // exactly the budget, every probe answered, and only verified probe outcomes in the learning log
    const probes = probed.broker.probes;
    expect(probes?.counts).toMatchObject({ sent: 2 * budget, errors: 0 });
    expect(probes?.countsOf(claimer).sent).toBe(budget);
    const logged = await probed.broker.db.query<{ source: string; evidence: string; n: string | number }>(
      'SELECT source, evidence, count(*) AS n FROM outcomes GROUP BY source, evidence',
    );
    expect(logged.map((r) => ({ ...r, n: Number(r.n) }))).toEqual([
      { source: 'probe', evidence: 'verified', n: 2 * budget },
    ]);

    // the over-claimer is convicted and its prediction corrected; the honest agent is not
    const verdict = (b: Broker, agentId: string) =>
      b.routing.calibration(agentId).find((row) => row.domain === 'math')?.verdict ?? 'insufficient-data';
    expect(verdict(probed.broker, claimer)).toBe('over-claimed');
    expect(verdict(probed.broker, honest)).not.toBe('over-claimed');
    expect(verdict(control.broker, claimer)).toBe('insufficient-data');
    const before = await predicted(control.url, claimer);
    const after = await predicted(probed.url, claimer);
    expect(before).toBeGreaterThan(0.8);
    expect(after).toBeLessThan(before - 0.3);

    // probes are no client's tasks; they are counted in /metrics and the admin API
    const client = await A2AClient.connect(probed.url, {
      allowPrivateNetworks: true,
      auth: { apiKey: { header: 'x-api-key', value: CLIENT } },
    });
    cleanup.push(() => client.close());
    expect((await client.listTasks({})).tasks).toEqual([]);
    const metrics = await get(probed.url, '/metrics');
    expect(metrics.text).toMatch(
      new RegExp(`rightsize_broker_probes_total\\{agent="${claimer}",result="failed"\\} \\d`),
    );
    const counts = JSON.parse((await get(probed.url, '/rightsize/v1/probes')).text);
    expect(counts).toMatchObject({
      enabled: true,
      sent: 2 * budget,
      budgetPerAgent: budget,
      agents: {
        [claimer]: { sent: budget, errors: 0, windowUsed: budget },
        [honest]: { sent: budget, errors: 0, windowUsed: budget },
      },
    });
    const claimerCounts = counts.agents[claimer];
    expect(claimerCounts.passed + claimerCounts.failed).toBe(budget);
    expect(claimerCounts.failed).toBeGreaterThan(0);
    expect(JSON.parse((await get(control.url, '/rightsize/v1/probes')).text)).toEqual({ enabled: false });
  });

  it('a probe reads as an ordinary client message: fresh id, the descriptor an ordinary client sends, no marker', () => {
    const probes: Probe[] = agentProbes(mathProfile(8), 40);
    expect(probes).toHaveLength(40);
    const ids = new Set<string>();
    for (const probe of probes) {
      const message = probeMessage(probe);
      ids.add(message.messageId);
      expect(Object.keys(message).sort()).toEqual(['extensions', 'messageId', 'metadata', 'parts', 'role']);
      expect(message.metadata).toEqual({ [RIGHTSIZE_EXTENSION_URI]: { descriptor: probe.descriptor } });
      const complexity = probe.descriptor.complexity;
      expect(complexity?.sigma).toBe(1);
      expect(complexity?.source).toBe('estimated');
      expect(((complexity?.value ?? 0) * 2) % 1).toBe(0);
    }
    expect(ids.size).toBe(40);
    // fresh seeds: two plans for the same curve differ
    expect(agentProbes(mathProfile(8), 40).map((p) => p.task.prompt)).not.toEqual(probes.map((p) => p.task.prompt));
  });
});
