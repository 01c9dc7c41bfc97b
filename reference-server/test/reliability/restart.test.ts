/**
 * The broker killed with SIGKILL under load and restarted, repeatedly (issue 14): a real child process on a fixed
 * loopback port and a PGlite data directory (and PostgreSQL when RIGHTSIZE_TEST_DATABASE_URL is set). After each
 * restart every acknowledged task is there with its state, decision record (the mapping to its agent), events
 * (artifacts) and learned outcome; the registry is intact; a stream that was running resumes from its
 * Last-Event-ID. Tasks the kill interrupted are counted: they are left non-terminal (a finding, not yet fixed).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileOf, startTestAgent, type TestAgent } from '../support/agents.js';
import { type FreshDatabase, freshDatabase, POSTGRES_SKIP_REASON, TEST_DATABASE_URL } from '../support/postgres.js';
import { openSse, type RawSseEvent } from '../support/sse.js';
import { type BrokerProcess, call, freePort, sendBody, startBrokerProcess } from './broker-process.js';

const ADMIN = 'restart-admin-key';
const CLIENT = 'restart-client-key';
const CYCLES = Number(process.env.RIGHTSIZE_RESTART_CYCLES ?? 2);
const TERMINAL = ['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED'];

function restarts(kind: 'pglite' | 'postgres') {
  let agent: TestAgent;
  let dir: string;
  let database: FreshDatabase | undefined;
  let port: number;
  let broker: BrokerProcess | undefined;
  const figures = { cycles: 0, acknowledged: 0, interrupted: 0, lost: 0, resumedStreams: 0 };

  const flags = () => [
    '--allow-private',
    '--admin-key',
    ADMIN,
    '--client-key',
    `client=${CLIENT}`,
    ...(database ? ['--database-url', database.url] : ['--data-dir', dir]),
  ];

  beforeAll(async () => {
    agent = await startTestAgent('worker', profileOf({ general: 8 }, { placement: 'cloud' }, 0.001, 20), 'answer');
    dir = await mkdtemp(join(tmpdir(), 'rightsize-restart-'));
    if (kind === 'postgres') database = await freshDatabase('restart');
    port = await freePort();
    broker = await startBrokerProcess(port, flags());
    expect((await call(broker.url, 'POST', '/rightsize/v1/agents', ADMIN, { cardUrl: agent.cardUrl })).status).toBe(
      201,
    );
  }, 120_000);

  afterAll(async () => {
    await broker?.kill();
    await agent?.app.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
    console.info(`restart (${kind}): ${JSON.stringify(figures)}`);
  }, 60_000);

  it(`SIGKILL under load and restart, ${CYCLES} times: nothing acknowledged is lost, streams resume`, async () => {
    const acknowledged = new Map<string, string>(); // task id → state the client was told
    let confirmed = 0; // client feedback acknowledged (spec §9.4: the outcomes that are learned)
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const url = (broker as BrokerProcess).url;
      // a stream in flight across the kill: the agent sends chunks only when released
      agent.behaviour = 'steps';
      agent.steps = 3;
      const stream = await openSse(`${url}/a2a/rest/message:stream`, {
        body: sendBody('stream across a kill'),
        headers: { 'x-api-key': CLIENT },
      });
      const first = await stream.next();
      const streamTaskId = ((first as RawSseEvent).data.task as { id: string }).id;
      agent.release(1);
      let lastSeen = first?.id ?? 0;
      for (let e = await stream.next(); e && !e.data.artifactUpdate; e = await stream.next())
        lastSeen = e.id ?? lastSeen;
      lastSeen += 1; // the artifact event
      // load: blocking sends, acknowledged when answered; the kill lands while some are in flight
      agent.behaviour = 'answer';
      let killed = false;
      const worker = async () => {
        while (!killed) {
          const r = await call(url, 'POST', '/a2a/rest/message:send', CLIENT, sendBody(`load ${cycle}`)).catch(
            () => undefined,
          );
          if (r?.status === 200 && r.json.task) {
            acknowledged.set(r.json.task.id, r.json.task.status.state);
            const feedback = { taskId: r.json.task.id, success: true };
            const f = await call(url, 'POST', '/rightsize/v1/feedback', CLIENT, feedback).catch(() => undefined);
            if (f?.status === 202) confirmed++;
          }
        }
      };
      const workers = [worker(), worker(), worker(), worker()];
      const target = acknowledged.size + 8;
      while (acknowledged.size < target) await new Promise((r) => setImmediate(r));
      await (broker as BrokerProcess).kill();
      killed = true;
      await Promise.all(workers);
      stream.drop();
      broker = await startBrokerProcess(port, flags());
      figures.cycles++;

      // every acknowledged task: same state, its decision record (the mapping to the agent) and its artifacts
      for (const [id, state] of acknowledged) {
        const got = await call(broker.url, 'GET', `/a2a/rest/tasks/${id}`, CLIENT);
        if (got.status !== 200 || got.json.status.state !== state) {
          figures.lost++;
          continue;
        }
        const ext = got.json.metadata?.['https://rightsize.dev/ext/v1'] ?? Object.values(got.json.metadata ?? {})[0];
        expect(JSON.stringify(ext)).toContain('"chosen":"worker"');
        expect(got.json.artifacts?.length).toBeGreaterThan(0);
      }
      expect(figures.lost).toBe(0);
      // learned outcomes: one per acknowledged feedback at least (stored before the client was answered)
      const registered = await call(broker.url, 'GET', '/rightsize/v1/agents/worker', ADMIN);
      expect(registered.status).toBe(200);
      const observations = (registered.json.calibration as Array<{ observations: number }>).reduce(
        (n, c) => n + c.observations,
        0,
      );
      expect(observations).toBeGreaterThanOrEqual(confirmed);

      // the stream's task resumes from Last-Event-ID: the stored events after the one named, in order
      const resumed = await openSse(`${broker.url}/a2a/rest/tasks/${streamTaskId}:subscribe`, {
        method: 'GET',
        headers: { 'x-api-key': CLIENT, 'last-event-id': String(lastSeen - 1) },
      });
      expect(resumed.status).toBe(200);
      expect((await resumed.next())?.id).toBe(lastSeen);
      resumed.drop();
      figures.resumedStreams++;

      // tasks the kill interrupted: counted (FINDING: they stay non-terminal, see docs/reliability.md)
      const list = await call(broker.url, 'GET', '/a2a/rest/tasks?pageSize=100', CLIENT);
      const open = (list.json.tasks as Array<{ id: string; status: { state: string } }>).filter(
        (t) => !TERMINAL.includes(t.status.state),
      );
      figures.interrupted = open.length;
    }
    figures.acknowledged = acknowledged.size;
  }, 600_000);
}

describe('broker killed and restarted on the embedded store (PGlite data directory)', () => restarts('pglite'));
describe.skipIf(!TEST_DATABASE_URL)(
  `broker killed and restarted on PostgreSQL${TEST_DATABASE_URL ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => restarts('postgres'),
);
