/**
 * The suite must be able to fail: DELIBERATELY FAULTY servers (a correct agent behind a tamper proxy, or with a
 * hook) must be caught by exactly the expected check ids, and the same checks must pass on the correct agent.
 */
import { type Binding, type Report, runSuite } from '@rightsize/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAgent, startRightsizeAgent } from '../ci/agents.js';
import {
  CARD_WITHOUT_SKILLS,
  IGNORES_RETURN_IMMEDIATELY,
  LIST_ALWAYS_WITH_ARTIFACTS,
  LIST_OLDEST_FIRST,
  ownership,
  REST_WRONG_STATUS,
  STREAM_NEVER_CLOSES,
  STREAM_WITHOUT_TERMINAL_EVENT,
  SUBSCRIPTION_CLOSES_EARLY,
  WRONG_ERROR_CODE,
} from './support/faults.js';
import { type Faults, startTamperProxy } from './support/tamper-proxy.js';

let agent: RunningAgent;
beforeAll(async () => {
  agent = await startRightsizeAgent({ tck: { delayMs: 1500 } });
});
afterAll(async () => agent.close());

const ids = (report: Report, status: string) => report.results.filter((r) => r.status === status).map((r) => r.id);

async function run(
  url: string,
  only: string[],
  o: { transport?: Binding; tokens?: string[]; timeoutMs?: number } = {},
) {
  return runSuite({ url, level: 'core', only, timeoutMs: o.timeoutMs ?? 4000, ...o });
}

async function throughProxy(faults: Faults, only: string[], o: Parameters<typeof run>[2] = {}) {
  const proxy = await startTamperProxy(agent.baseUrl, faults);
  try {
    return await run(proxy.baseUrl, only, o);
  } finally {
    await proxy.close();
  }
}

const CASES: ReadonlyArray<{ fault: string; faults: Faults; caught: string[]; transport?: Binding }> = [
  {
    fault: 'wrong JSON-RPC error code (TaskNotFoundError sent as -32603)',
    faults: WRONG_ERROR_CODE,
    caught: [
      'core:3.1.3:MUST:get-unknown-task',
      'core:3.1.5:MUST:cancel-unknown-task',
      'core:5.4:MUST:jsonrpc-a2a-error-codes',
    ],
  },
  {
    fault: 'wrong HTTP status (404 sent as 500)',
    faults: REST_WRONG_STATUS,
    transport: 'HTTP+JSON',
    caught: ['core:11.6:MUST:rest-error-format', 'core:5.4:MUST:rest-http-status', 'core:3.1.3:MUST:get-unknown-task'],
  },
  {
    fault: 'stream without a terminal event',
    faults: STREAM_WITHOUT_TERMINAL_EVENT,
    caught: ['core:3.1.2:MUST:stream-task-lifecycle', 'core:3.5.2:MUST:stream-event-order'],
  },
  {
    fault: 'subscription that closes early',
    faults: SUBSCRIPTION_CLOSES_EARLY,
    caught: ['core:3.1.6:MUST:subscribe-first-event-is-task', 'core:3.5.2:MUST:streams-broadcast'],
  },
  {
    fault: 'ListTasks oldest first',
    faults: LIST_OLDEST_FIRST,
    caught: ['core:3.1.4:MUST:list-newest-first'],
  },
  {
    fault: 'ListTasks always carries artifacts',
    faults: LIST_ALWAYS_WITH_ARTIFACTS,
    caught: ['core:3.1.4:MUST:list-omits-artifacts'],
  },
  {
    fault: 'returnImmediately ignored',
    faults: IGNORES_RETURN_IMMEDIATELY,
    caught: ['core:3.2.2:MUST:return-immediately', 'core:3.1.5:MUST:cancel-running-task-stays-canceled'],
  },
];

describe('faulty servers are caught by the expected checks', () => {
  it('the same checks pass on the correct agent (control)', { timeout: 60_000 }, async () => {
    const only = [...new Set(CASES.filter((c) => !c.transport).flatMap((c) => c.caught))];
    const report = await run(agent.baseUrl, only);
    expect(ids(report, 'failed')).toEqual([]);
    expect(ids(report, 'passed').sort()).toEqual(only.sort());
    const rest = CASES.filter((c) => c.transport).flatMap((c) => c.caught);
    const restReport = await run(agent.baseUrl, rest, { transport: 'HTTP+JSON' });
    expect(ids(restReport, 'failed')).toEqual([]);
  });

  for (const c of CASES) {
    it(`${c.fault}: ${c.caught.join(', ')}`, { timeout: 60_000 }, async () => {
      const report = await throughProxy(c.faults, c.caught, c.transport ? { transport: c.transport } : {});
      expect(ids(report, 'failed').sort()).toEqual([...c.caught].sort());
      for (const r of report.results) {
        expect(r.message, r.id).toBeTruthy();
        expect(r.exchange?.sent, r.id).toBeTruthy();
      }
    });
  }

  it('missing card field: card-valid fails, every other check fails naming the invalid card', async () => {
    const report = await throughProxy(CARD_WITHOUT_SKILLS, ['core:8.2', 'core:4.4.1', 'core:3.1.3']);
    expect(ids(report, 'passed')).toEqual(['core:8.2:MUST:card-at-well-known-path']);
    const invalid = report.results.find((r) => r.id === 'core:4.4.1:MUST:card-valid');
    expect(invalid?.status).toBe('failed');
    expect(invalid?.message).toMatch(/skills/);
    for (const r of report.results.filter((x) => x.section === '3.1.3')) {
      expect(r.status).toBe('failed');
      expect(r.message).toMatch(/agent card is not valid/);
    }
    expect(report.summary.mandatoryFailed).toBeGreaterThan(0);
  });

  it('a server that ignores A2A-Version: unsupported and missing versions are caught', async () => {
    const lenient = await startRightsizeAgent({
      before: (app) =>
        app.addHook('onRequest', async (request) => {
          request.headers['a2a-version'] = '1.0';
        }),
    });
    try {
      const report = await run(lenient.baseUrl, ['core:3.6.2', 'core:3.6:MUST:patch-version-ignored']);
      expect(ids(report, 'failed').sort()).toEqual([
        'core:3.6.2:MUST:missing-version-means-0.3',
        'core:3.6.2:MUST:unsupported-version-rejected',
      ]);
      expect(ids(report, 'passed')).toEqual(['core:3.6:MUST:patch-version-ignored']);
    } finally {
      await lenient.close();
    }
  });

  it('tenancy: a scoped server passes, a server that leaks tasks in ListTasks is caught', {
    timeout: 60_000,
  }, async () => {
    const only = ['core:13.1'];
    const tokens = ['caller-a', 'caller-b'];
    const scoped = await throughProxy(ownership('scoped'), only, { tokens });
    expect(ids(scoped, 'failed')).toEqual([]);
    expect(ids(scoped, 'passed')).toHaveLength(3);
    const leaky = await throughProxy(ownership('listLeaks'), only, { tokens });
    expect(ids(leaky, 'failed')).toEqual(['core:13.1:MUST:tenancy-list-tasks']);
    const unscoped = await run(agent.baseUrl, only, { tokens });
    expect(ids(unscoped, 'failed')).toHaveLength(3);
    const single = await run(agent.baseUrl, only, { tokens: ['caller-a'] });
    expect(ids(single, 'skipped')).toHaveLength(3);
  });

  it('a stream that never closes fails the check within the time limit instead of hanging', async () => {
    const started = Date.now();
    const report = await throughProxy(STREAM_NEVER_CLOSES, ['core:3.1.2:MUST:stream-message-only'], { timeoutMs: 800 });
    expect(ids(report, 'failed')).toEqual(['core:3.1.2:MUST:stream-message-only']);
    expect(report.results[0]?.message).toMatch(/did not close/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
