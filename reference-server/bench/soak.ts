/**
 * `npm run soak [-- --seconds N --concurrency C --restart-every S --json]`: sustained mixed load on the broker
 * (embedded PGlite) with the SIMULATED demo fleet on loopback — streaming and non-streaming tasks of every
 * complexity — while one downstream agent is restarted every few seconds (it goes away, a new instance registers).
 * Reports the error rate (apart from the injected faults: tasks the restarted agent was serving), p50/p99 latency,
 * RSS at start and end, and the tasks lost (acknowledged, then not found with the state the client was told).
 * Targets: 0 lost, error rate 0 apart from injected faults, RSS growth within the stated bound.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { A2AClient } from '@rightsize/sdk/client';
import { withMessageExtension } from '@rightsize/sdk/rightsize';
import { createBroker } from '../src/broker/broker.js';
import { DEMO_FLEET, type SimulatedAgent, serveDemoFleet, serveSimulatedAgent } from '../src/demo/fleet.js';

const HELP = `Usage: npm run soak -- [--seconds N] [--concurrency C] [--restart-every S] [--json]
Sustained mixed load on the broker with the simulated demo fleet on loopback (default 20 s, 8 clients,
one agent restarted every 5 s). Exit status 1 when a target is missed.`;

/** RSS growth allowed from the warm-up point to the end, in MiB (the stated bound). */
export const RSS_BOUND_MIB = 150;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
    'restart-every': { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const restartEvery = Number(values['restart-every']);
if (!(seconds > 0) || !(concurrency > 0) || !(restartEvery > 0)) {
  process.stderr.write(`soak: --seconds, --concurrency and --restart-every must be positive numbers\n${HELP}\n`);
  process.exit(2);
}
const say = (line: string) => {
  if (!values.json) process.stderr.write(`${line}\n`);
};

const KEY = `soak-${randomUUID()}`;
const rss = () => process.memoryUsage().rss / 2 ** 20;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

async function main(): Promise<number> {
  const fleet: SimulatedAgent[] = await serveDemoFleet({ speedup: 50 });
  const broker = await createBroker({
    allowPrivateNetworks: true,
    healthIntervalMs: 500,
    auth: { adminKeys: [KEY] },
  });
  const url = await broker.listen();
  for (const agent of fleet) await broker.registry.register(agent.cardUrl);
  const client = await A2AClient.connect(url, {
    allowPrivateNetworks: true,
    auth: { apiKey: { header: 'x-api-key', value: KEY } },
    retries: 0,
  });

  const latencies: number[] = [];
  const acknowledged = new Map<string, string>();
  let sent = 0;
  let errors = 0;
  let injected = 0;
  let restarts = 0;
  let restarting: string | undefined;
  const errorKinds = new Map<string, number>();
  const domains = ['dialogue', 'general', 'math', 'code'];

  const one = async (i: number) => {
    const streaming = i % 2 === 0;
    const message = withMessageExtension(
      { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: `soak ${i}` }] },
      { descriptor: { domain: domains[i % domains.length] as string, complexity: { value: 1 + (i % 7), sigma: 0.4 } } },
    );
    const during = restarting;
    const started = performance.now();
    sent++;
    try {
      let taskId: string | undefined;
      let state: string | undefined;
      if (streaming) {
        for await (const event of client.sendStreamingMessage(message)) {
          taskId ??= event.task?.id ?? event.statusUpdate?.taskId;
          state = event.task?.status.state ?? event.statusUpdate?.status.state ?? (event.message ? 'MESSAGE' : state);
        }
      } else {
        const response = await client.sendMessage(message);
        taskId = response.task?.id;
        state = response.task?.status.state ?? (response.message ? 'MESSAGE' : undefined);
      }
      latencies.push(performance.now() - started);
      if (taskId && state) acknowledged.set(taskId, state);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      // a task refused because no agent could take it while one was restarting is an injected fault
      if (during !== undefined || restarting !== undefined) injected++;
      else {
        errors++;
        errorKinds.set(name, (errorKinds.get(name) ?? 0) + 1);
      }
    }
  };

  // warm-up, then the measured run
  for (let i = 0; i < 20; i++) await one(i);
  const rssStart = rss();
  const startedAt = Date.now();
  const endAt = startedAt + seconds * 1000;
  let next = 0;
  const restarter = (async () => {
    let turn = 0;
    while (Date.now() < endAt) {
      await new Promise((r) => setTimeout(r, restartEvery * 1000));
      if (Date.now() >= endAt) break;
      const index = turn++ % fleet.length;
      const old = fleet[index] as SimulatedAgent;
      const id = broker.registry.ids().find((a) => broker.registry.get(a)?.cardUrl === old.cardUrl);
      restarting = old.spec.id;
      await old.app.close(); // the agent goes away (its in-flight tasks fail: the injected fault)
      const fresh = await serveSimulatedAgent(DEMO_FLEET[index] as (typeof DEMO_FLEET)[number], { speedup: 50 });
      if (id) await broker.registry.remove(id);
      await broker.registry.register(fresh.cardUrl);
      fleet[index] = fresh;
      restarting = undefined;
      restarts++;
    }
  })();
  const progress = setInterval(
    () =>
      say(
        `  ${Math.round((Date.now() - startedAt) / 1000)} s: ${sent} sent, ${errors} errors, RSS ${rss().toFixed(0)} MiB`,
      ),
    5000,
  );
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < endAt) await one(next++);
    }),
  );
  clearInterval(progress);
  await restarter;
  const rssEnd = rss();

  // lost: acknowledged tasks that are no longer there with the state the client was told
  let lost = 0;
  for (const [id, state] of acknowledged) {
    if (state === 'MESSAGE') continue;
    const task = await client.getTask(id).catch(() => undefined);
    if (!task || task.status.state !== state) lost++;
  }
  await client.close();
  await broker.close();
  await Promise.all(fleet.map((a) => a.app.close()));

  const sorted = [...latencies].sort((a, b) => a - b);
  const measured = sent - 20;
  const result = {
    seconds,
    concurrency,
    restarts,
    sent: measured,
    completed: latencies.length - 20,
    throughputPerSecond: Number(((latencies.length - 20) / seconds).toFixed(1)),
    errors,
    errorKinds: Object.fromEntries(errorKinds),
    injectedFaults: injected,
    errorRate: Number((errors / Math.max(1, measured)).toFixed(4)),
    p50Ms: Number(percentile(sorted, 0.5).toFixed(1)),
    p99Ms: Number(percentile(sorted, 0.99).toFixed(1)),
    tasksChecked: acknowledged.size,
    lost,
    rssStartMiB: Number(rssStart.toFixed(1)),
    rssEndMiB: Number(rssEnd.toFixed(1)),
    rssGrowthMiB: Number((rssEnd - rssStart).toFixed(1)),
    rssBoundMiB: RSS_BOUND_MIB,
    targets: { lost: lost === 0, errorRate: errors === 0, memory: rssEnd - rssStart <= RSS_BOUND_MIB },
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    say(`soak: ${result.sent} tasks in ${seconds} s (${result.throughputPerSecond}/s), ${restarts} agent restarts`);
    say(
      `  errors ${errors} (rate ${result.errorRate}) apart from ${injected} injected faults; lost ${lost} of ${acknowledged.size}`,
    );
    say(
      `  latency p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms; RSS ${result.rssStartMiB} → ${result.rssEndMiB} MiB (bound +${RSS_BOUND_MIB})`,
    );
  }
  return Object.values(result.targets).every(Boolean) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
