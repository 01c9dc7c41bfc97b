#!/usr/bin/env node
/** `rightsize-broker`: serve, demo (simulated fleet + tour) and tour. */
import { randomBytes } from 'node:crypto';
import { type Broker, createBroker } from './broker/broker.js';
import { type CliConfig, HELP, loadConfig, parseCli, serveNotes, UsageError } from './config.js';
import { AnswerKey, type SimulatedAgent, serveDemoFleet } from './demo/fleet.js';
import { runTour } from './demo/tour.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
/** Listen addresses only local clients reach. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1']);
/** The demo's simulated agents answer this many times faster than the latencies they declare. */
const DEMO_SPEEDUP = 10;

async function start(config: CliConfig, allowPrivate: boolean): Promise<{ broker: Broker; url: string }> {
  const broker = await createBroker({
    dashboard: true,
    ...config,
    allowPrivateNetworks: allowPrivate,
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
    },
  });
  let url: string;
  try {
    url = await broker.listen(config.port, config.host);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    out(`port ${config.port} is in use; listening on a free port instead`);
    url = await broker.listen(0, config.host);
  }
  return { broker, url };
}

/**
 * How to scrape /metrics: plain when it is public, else a curl with the header it needs: the demo's admin key (the demo
 * prints it anyway), or a placeholder for the configured metrics token or admin key, which are never printed.
 */
function metricsCommand(config: CliConfig, url: string, demoAdminKey?: string): string {
  if (config.publicMetrics) return `curl -s ${url}/metrics   (public)`;
  const secret = demoAdminKey ?? (config.auth?.metricsToken ? '<metrics token>' : '<metrics token or admin key>');
  return `curl -s -H 'authorization: Bearer ${secret}' ${url}/metrics`;
}

function onSignal(close: () => Promise<void>): void {
  let closing = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      if (closing) process.exit(1);
      closing = true;
      void close().then(() => process.exit(0));
    });
}

async function demo(config: CliConfig): Promise<void> {
  const adminKey = config.auth?.adminKeys?.[0] ?? `demo-${randomBytes(12).toString('hex')}`;
  const answers = new AnswerKey();
  const fleet: SimulatedAgent[] = await serveDemoFleet({ answers, speedup: DEMO_SPEEDUP });
  // The tour sends no feedback: the broker learns from known-answer probes (spec §9.4), a small budget per agent.
  const probes =
    config.probes === false
      ? { budgetPerAgent: 0, ratePerMinute: 1 }
      : { budgetPerAgent: 40, ratePerMinute: 120, ...config.probes };
  const { broker, url } = await start(
    {
      ...config,
      // Listening on loopback only local clients can set webhooks: loopback receivers (the conformance suite's) work.
      allowPrivateWebhooks: config.allowPrivateWebhooks || LOOPBACK_HOSTS.has(config.host),
      probes: { ...probes, onSend: (_agentId, task) => answers.record(task) },
      logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel,
      auth: { ...config.auth, adminKeys: [adminKey] },
    },
    true,
  );
  onSignal(async () => {
    await broker.close();
    await Promise.all(fleet.map((a) => a.app.close()));
  });
  for (const agent of fleet) await broker.registry.register(agent.cardUrl);
  out(`Rightsize broker (A2A v1.0 agent, broker role) at ${url}  [store: ${broker.db.kind}]`);
  out(`  agent card  ${url}/.well-known/agent-card.json`);
  out(`  registry    ${url}/rightsize/v1/agents   (admin key for this demo run: ${adminKey})`);
  out(`  metrics     ${metricsCommand(config, url, adminKey)}`);
  if (probes.budgetPerAgent > 0)
    out(
      `  probes      ${probes.budgetPerAgent} known-answer tasks per agent per day at ~${probes.ratePerMinute}/min (spec §9.4): ` +
        `${url}/rightsize/v1/probes`,
    );
  out(`  dashboard   ${url}/dashboard/#key=${adminKey}   (open in a browser; the key stays in the page)`);
  out(
    `\nSIMULATED demo fleet on loopback (no models behind them; they answer ${DEMO_SPEEDUP}× faster than the latencies ` +
      'they declare, which the predictions below use):',
  );
  for (const a of fleet) out(`  ${a.spec.id.padEnd(14)} ${a.spec.description}`);
  out('\nThe tour — tasks of different complexity, sent through the broker with the A2A client:\n');
  try {
    await runTour(url, { say: out, adminKey });
  } catch (error) {
    // The tour only shows the broker off: whatever stops it, the broker keeps serving.
    out(`The tour stopped: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  out('Send the tour again (or point any A2A client at the card above):');
  out(`  node reference-server/dist/main.js tour ${url} --admin-key ${adminKey}`);
  out(`  curl -s -H 'x-api-key: ${adminKey}' ${url}/rightsize/v1/agents`);
  out('The broker keeps running; Ctrl-C stops it.');
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv);
  if (values.help) {
    out(HELP);
    return 0;
  }
  const [command = 'serve', ...rest] = positionals;
  const config = loadConfig(values, process.env);
  if (command === 'tour') {
    const url = rest[0];
    if (!url) throw new UsageError('tour needs the broker URL: rightsize-broker tour http://127.0.0.1:8787');
    await runTour(url, {
      say: out,
      ...(values['api-key'] ? { apiKey: values['api-key'] } : {}),
      ...(values['admin-key']?.[0] ? { adminKey: values['admin-key'][0] } : {}),
    });
    return 0;
  }
  if (command === 'demo') {
    await demo(config);
    return -1;
  }
  if (command !== 'serve') throw new UsageError(`unknown command ${command} (try --help)`);
  const { broker, url } = await start(config, config.allowPrivateNetworks ?? false);
  onSignal(() => broker.close());
  out(`Rightsize broker at ${url}  [store: ${broker.db.kind}, ${broker.registry.size} agents]`);
  out(`  dashboard   ${url}/dashboard/  (sign in with an admin key or JWT)`);
  out(`  register    curl -X POST -H 'x-api-key: <admin key>' -H 'content-type: application/json' \\
              -d '{"cardUrl": "https://agent.example/.well-known/agent-card.json"}' ${url}/rightsize/v1/agents`);
  out(`  metrics     ${metricsCommand(config, url)}`);
  for (const note of serveNotes(config)) out(`  note: ${note}`);
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`rightsize-broker: ${error instanceof Error ? error.message : String(error)}\n`);
    if (!(error instanceof UsageError)) process.stderr.write('(run with --help for usage)\n');
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
