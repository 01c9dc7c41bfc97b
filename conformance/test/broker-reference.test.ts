/**
 * The broker level against OUR reference broker (@rightsize/reference-server): it passes, except the failures
 * documented in ci/expected-failures/reference-broker.json; and each forwarding check catches the broker made
 * DELIBERATELY FAULTY by a tamper proxy (in front of it, or between it and the probe agents) breaking one rule.
 */
import { readFileSync } from 'node:fs';
import { type Binding, type Report, runSuite } from '@rightsize/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAgent } from '../ci/agents.js';
import { ADMIN_KEY, startReferenceBroker } from '../ci/broker.js';
import {
  BROKER_ACCEPTS_ANY_FEEDBACK,
  BROKER_DROPS_DOWNSTREAM_CANCEL,
  BROKER_IGNORES_LAST_EVENT_ID,
  BROKER_IGNORES_LOAD_REPORTS,
  BROKER_RELAYS_FAILED_ATTEMPT,
  BROKER_TRANSIENT_AS_PERMANENT,
} from './support/faults.js';
import { type Faults, startTamperProxy } from './support/tamper-proxy.js';

const expectedFailures = JSON.parse(
  readFileSync(new URL('../ci/expected-failures/reference-broker.json', import.meta.url), 'utf8'),
) as Record<string, string>;
delete expectedFailures.$comment;
const brokerLevelExpected = Object.keys(expectedFailures).filter((id) => id.startsWith('broker:'));

let broker: RunningAgent;
beforeAll(async () => {
  broker = await startReferenceBroker();
}, 60_000);
afterAll(async () => broker?.close());

const ids = (report: Report, status: string) => report.results.filter((r) => r.status === status).map((r) => r.id);

const run = (url: string, only?: string[], transport?: Binding) =>
  runSuite({
    url,
    level: 'broker',
    tokens: [ADMIN_KEY],
    timeoutMs: 5000,
    expectedFailures,
    ...(only ? { only } : {}),
    ...(transport ? { transport } : {}),
  });

async function throughProxy(faults: Faults, only: string[], transport?: Binding) {
  const proxy = await startTamperProxy(broker.baseUrl, faults);
  try {
    return await run(proxy.baseUrl, only, transport);
  } finally {
    await proxy.close();
  }
}

describe('broker level against the reference broker', () => {
  for (const transport of ['JSONRPC', 'HTTP+JSON'] as const)
    it(`passes every check but the documented expected failures (${transport})`, async () => {
      const report = await run(broker.baseUrl, undefined, transport);
      expect(ids(report, 'failed')).toEqual([]);
      expect(ids(report, 'expected-failure').sort()).toEqual(brokerLevelExpected.sort());
      expect(report.summary.unexpectedPasses).toEqual([]);
      expect(ids(report, 'passed').length).toBe(report.results.length - brokerLevelExpected.length);
      const escalation = report.results.find((r) => r.id === 'broker:7.4:MUST:escalation-one-terminal-state');
      expect(escalation?.notes ?? []).toEqual([]); // the failing probe was tried and the rescuer answered
    }, 60_000);

  const FORWARDING = [
    'broker:7.4:MUST:escalation-one-terminal-state',
    'broker:7.6:MUST:cancel-propagated',
    'broker:7.6:MUST:stream-resumption',
    'broker:7.7:MUST:transient-refusal',
    'broker:7.8:MUST:registry-load-report',
    'broker:8.2:MUST:feedback-endpoint',
  ];

  it('passes the forwarding checks through a proxy that changes nothing (the fixtures below differ by one rule)', async () => {
    const report = await throughProxy({ downstream: {} }, FORWARDING);
    expect(ids(report, 'failed')).toEqual([]);
    expect(ids(report, 'passed')).toEqual(FORWARDING);
  }, 60_000);

  const CASES: ReadonlyArray<{ fault: string; faults: Faults; caught: string; message: RegExp; transport?: Binding }> =
    [
      {
        fault: 'relays the failed attempt’s terminal state before the rescuer’s',
        faults: BROKER_RELAYS_FAILED_ATTEMPT,
        caught: 'broker:7.4:MUST:escalation-one-terminal-state',
        message: /the client saw 2 terminal states/,
      },
      {
        fault: 'does not cancel the downstream task',
        faults: BROKER_DROPS_DOWNSTREAM_CANCEL,
        caught: 'broker:7.6:MUST:cancel-propagated',
        message: /downstream agent's task was not canceled/,
      },
      {
        fault: 'ignores Last-Event-ID',
        faults: BROKER_IGNORES_LAST_EVENT_ID,
        caught: 'broker:7.6:MUST:stream-resumption',
        message: /expected exactly the \d+ missed events/,
      },
      {
        fault: 'answers a transient refusal as permanent (JSON-RPC)',
        faults: BROKER_TRANSIENT_AS_PERMANENT,
        caught: 'broker:7.7:MUST:transient-refusal',
        message: /expected JSON-RPC −32603/,
      },
      {
        fault: 'answers a transient refusal as permanent (REST)',
        faults: BROKER_TRANSIENT_AS_PERMANENT,
        caught: 'broker:7.7:MUST:transient-refusal',
        message: /expected HTTP 503/,
        transport: 'HTTP+JSON',
      },
      {
        fault: 'accepts any load report',
        faults: BROKER_IGNORES_LOAD_REPORTS,
        caught: 'broker:7.8:MUST:registry-load-report',
        message: /inflight -1 answered HTTP 204; expected 400/,
      },
      {
        fault: 'accepts feedback on unknown tasks',
        faults: BROKER_ACCEPTS_ANY_FEEDBACK,
        caught: 'broker:8.2:MUST:feedback-endpoint',
        message: /success "yes" answered HTTP 202; expected 400/,
      },
    ];
  for (const c of CASES)
    it(`a broker that ${c.fault} is caught by ${c.caught}`, async () => {
      const report = await throughProxy(c.faults, [c.caught], c.transport);
      expect(ids(report, 'failed')).toEqual([c.caught]);
      expect(report.results[0]?.message).toMatch(c.message);
    }, 60_000);
});
