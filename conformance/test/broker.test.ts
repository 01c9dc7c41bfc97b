/**
 * The broker level against a SIMULATED broker built from the SDK (test/support/broker.ts): it passes when the
 * broker follows the rule, and each DELIBERATELY FAULTY variant (a constraint ignored) is caught by its check.
 */
import { type Report, runSuite } from '@rightsize/conformance';
import { describe, expect, it } from 'vitest';
import { startRightsizeAgent } from '../ci/agents.js';
import { type BrokerOptions, startTestBroker } from './support/broker.js';

const failed = (r: Report) => r.results.filter((x) => x.status === 'failed').map((x) => x.id);

/** What the simulated broker implements: registry, routing, decision records and the forwarded budget (no escalation,
 * streaming relay, cancel propagation, load reports or feedback). */
const SIMULATED_SCOPE = [
  'broker:7.1',
  'broker:7.2',
  'broker:7.3',
  'broker:7.5',
  'broker:7.7:MUST:best-effort-by-default',
  'broker:7.7:MUST:no-capable-agent-error',
  'broker:7.8:MUST:registry-registers-agents',
  'broker:7.8:MUST:registry-refuses-invalid-profile',
  'broker:4.9',
  'broker:5.3',
];
const REFUSALS = [
  'broker:7.2',
  'broker:7.3',
  'broker:7.7:MUST:best-effort-by-default',
  'broker:7.7:MUST:no-capable-agent-error',
];

async function brokerLevel(options: BrokerOptions, only: string[] = SIMULATED_SCOPE) {
  const broker = await startTestBroker(options);
  try {
    return await runSuite({ url: broker.baseUrl, level: 'broker', timeoutMs: 4000, only });
  } finally {
    await broker.close();
  }
}

describe('broker level', () => {
  it('passes a broker that follows the matching rule, registers probes, records decisions and forwards budgets', async () => {
    const report = await brokerLevel({});
    expect(failed(report)).toEqual([]);
    expect(report.results.every((r) => r.status === 'passed')).toBe(true);
    expect(report.results.length).toBe(13);
  });

  it('a broker that forwards no reasoning budget or mode is caught by broker:4.9 and broker:5.3', async () => {
    const report = await brokerLevel({ dropBudget: true }, ['broker:4.9', 'broker:5.3']);
    expect(failed(report)).toEqual(['broker:4.9:MUST:mode-forwarded', 'broker:5.3:MUST:reasoning-budget-forwarded']);
    expect(report.results[0]?.message).toMatch(/expected budget.mode "think"/);
  });

  for (const [ignored, id] of [
    ['completionDeadlineMs', 'broker:7.2:MUST:deadline-honoured'],
    ['maxCost', 'broker:7.2:MUST:cost-cap-honoured'],
    ['allowedPlacements', 'broker:7.2:MUST:placement-honoured'],
  ] as const) {
    it(`a broker that ignores ${ignored} is caught by ${id}`, async () => {
      const report = await brokerLevel({ ignore: [ignored] }, ['broker:7.2', 'broker:7.3']);
      expect(failed(report)).toEqual([id]);
      expect(report.results.find((r) => r.id === id)?.message).toMatch(/the broker chose/);
    });
  }

  it('a broker that ignores hardConstraints (serves best effort anyway) is caught by the refusal checks', async () => {
    const report = await brokerLevel({ ignore: ['hardConstraints'] }, REFUSALS);
    expect(failed(report)).toEqual(['broker:7.2:MUST:cost-cap-honoured', 'broker:7.7:MUST:no-capable-agent-error']);
    expect(report.results.find((r) => r.id === 'broker:7.2:MUST:cost-cap-honoured')?.message).toMatch(
      /expected no agent \(null\); the broker chose slow/,
    );
  });

  it('a broker that never serves best effort is caught by broker:7.7:MUST:best-effort-by-default', async () => {
    const report = await brokerLevel({ alwaysHard: true }, REFUSALS);
    expect(failed(report)).toEqual(['broker:7.7:MUST:best-effort-by-default']);
    expect(report.results.find((r) => r.id === 'broker:7.7:MUST:best-effort-by-default')?.message).toMatch(
      /the broker chose nobody/,
    );
  });

  const ROUTING = ['broker:7.2', 'broker:7.3'];
  const ROUTING_CHECKS = [
    'broker:7.2:MUST:capability-ceiling-honoured',
    'broker:7.3:MUST:cheapest-feasible-chosen',
    'broker:7.2:MUST:placement-honoured',
    'broker:7.2:MUST:deadline-honoured',
    'broker:7.2:MUST:cost-cap-honoured',
  ];

  it('a learning broker that shifted the declared complexity and records origin combined is judged by its record', async () => {
    // SIMULATED learning broker: complexity 1 is matched as 3, where the small probe is no longer feasible.
    const report = await brokerLevel({ complexityShift: 2 }, ROUTING);
    expect(failed(report)).toEqual([]);
    expect(report.results.map((r) => r.id).sort()).toEqual([...ROUTING_CHECKS].sort());
  });

  it('the finding: a shifted complexity recorded as origin descriptor fails every routing check', async () => {
    const report = await brokerLevel({ complexityShift: 2, shiftOrigin: 'descriptor' }, ROUTING);
    expect(failed(report).sort()).toEqual([...ROUTING_CHECKS].sort());
    expect(report.results.find((r) => r.id === 'broker:7.3:MUST:cheapest-feasible-chosen')?.message).toMatch(
      /records complexityOrigin "descriptor" with complexity 3, but the descriptor declared 1/,
    );
  });

  it('a learning broker whose choice contradicts its own record still fails', async () => {
    const report = await brokerLevel({ complexityShift: 2, chooseAgainstRecord: true }, ROUTING);
    const id = 'broker:7.3:MUST:cheapest-feasible-chosen';
    expect(failed(report)).toContain(id);
    expect(report.results.find((r) => r.id === id)?.message).toMatch(
      /the broker chose big .* although its record has slow feasible and cheaper .*judged by the decision's own record/,
    );
  });

  it('an agent is not a broker', async () => {
    const agent = await startRightsizeAgent({ extension: true });
    try {
      const report = await runSuite({
        url: agent.baseUrl,
        level: 'broker',
        only: ['broker:7.1', 'broker:7.2:MUST:placement-honoured'],
        timeoutMs: 2000,
      });
      expect(failed(report)).toEqual(['broker:7.1:MUST:broker-advertised', 'broker:7.2:MUST:placement-honoured']);
      expect(report.results[0]?.message).toMatch(/not "broker"/);
    } finally {
      await agent.close();
    }
  });
});
