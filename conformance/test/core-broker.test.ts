/**
 * The core level against a broker: the checks that need an agent playing the TCK scenario its messageId names are
 * not applicable to a broker (it forwards each message under its own messageId to an agent it chooses). They are
 * skipped with that reason and a notice names the levels that check a broker; every other core check runs and must
 * pass. Before, `--level core` against our reference broker gave 17 failures (16 MUST), all but one of them these
 * checks; the other (ContentTypeNotSupportedError for an unaccepted media type) was a broker bug, now fixed.
 */
import { CORE_CHECKS, formatText, NOT_APPLICABLE_TO_BROKER, type Report, runSuite } from '@rightsize/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAgent, startRightsizeAgent } from '../ci/agents.js';
import { ADMIN_KEY, startReferenceBroker } from '../ci/broker.js';

let agent: RunningAgent;
let broker: RunningAgent;
beforeAll(async () => {
  agent = await startRightsizeAgent({ extension: true });
  broker = await startReferenceBroker({}, [agent.baseUrl]);
}, 120_000);
afterAll(async () => {
  await broker?.close();
  await agent?.close();
});

const ids = (report: Report, status: string, message?: string) =>
  report.results.filter((r) => r.status === status && (!message || r.message === message)).map((r) => r.id);
const scripted = CORE_CHECKS.filter((c) => c.scripted).map((c) => c.id);

describe('core level against a broker', () => {
  it('skips the scripted checks as not applicable to a broker; every other check passes', async () => {
    const report = await runSuite({ url: broker.baseUrl, level: 'core', tokens: [ADMIN_KEY], timeoutMs: 5000 });
    expect(ids(report, 'failed')).toEqual([]);
    expect(ids(report, 'skipped', NOT_APPLICABLE_TO_BROKER).sort()).toEqual([...scripted].sort());
    expect(scripted.length).toBeGreaterThan(10);
    expect(report.notice).toContain('--level broker');
    const text = formatText(report);
    expect(text.split('\n')[1]).toBe(report.notice);
    expect(text).toContain(`${report.summary.passed} passed, 0 failed`);
  }, 300_000);

  it('runs the scripted checks against an agent (not a broker)', async () => {
    const only = scripted.slice(0, 4);
    const report = await runSuite({ url: agent.baseUrl, level: 'core', only, timeoutMs: 5000 });
    expect(ids(report, 'passed').sort()).toEqual([...only].sort());
    expect(report.notice).toBeUndefined();
  }, 120_000);
});
