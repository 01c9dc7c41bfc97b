/**
 * `rightsize-conformance`: run a level of the suite against an agent. Progress goes to stderr, the report to stdout;
 * exit 0 when no mandatory check failed, 1 when one did, 2 on a usage error.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { LEVELS, type Level, type Report } from './model.js';
import { formatText, progressLine, toJson, toJUnit } from './report.js';
import { DEFAULT_TIMEOUT_MS, runSuite } from './runner.js';

export const HELP = `Usage: rightsize-conformance --url <base> [options]

Runs the Rightsize conformance suite against an A2A agent (or broker) and reports every check
by its stable id <level>:<spec section>:<MUST|SHOULD|MAY>:<name>.

Options:
  --url <url>            the agent's base URL (card at /.well-known/agent-card.json) or its card URL (required)
  --level <level>        core | extension | broker | calibration (default core)
  --transport <binding>  jsonrpc | rest: the binding for the operation checks (default: the card's first)
  --only <id,...>        run only these check ids or id prefixes (e.g. core:3.1.6); repeatable
  --token <token>        bearer token for every call; give it twice (caller A, caller B) for tenancy checks
  --timeout <ms>         time limit of each request and each wait on a stream (default ${DEFAULT_TIMEOUT_MS})
  --webhook-host <host>  address the push-notification receiver listens on (default 127.0.0.1)
  --expected-failures <file>  JSON object {"<check id>": "<reason>"}: known failures, reported but not fatal
  --junit <file>         also write a JUnit XML report
  --json <file>          also write the report as JSON
  --svg <file>           calibration level: write the plot of declared vs fitted curves
  --calibration-seed <n> calibration level: derive the task seeds from n to reproduce a run (default: fresh seeds)
  --list                 list the checks of the level and exit
  --coverage             print the table mapping the official TCK's requirements to these checks (markdown)
  --quiet                no progress lines
  -h, --help             this help

Exit status: 0 no mandatory (MUST) check failed; 1 a mandatory check failed; 2 usage error.
The agent drives its answers from the messageId prefixes of the official A2A TCK (tck-complete-task, ...);
@rightsize/sdk ships tckExecutor() for that. See conformance/README.md.`;

class UsageError extends Error {}

const TRANSPORTS = { jsonrpc: 'JSONRPC', rest: 'HTTP+JSON' } as const;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

function parse(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: 'string' },
      level: { type: 'string', default: 'core' },
      transport: { type: 'string' },
      only: { type: 'string', multiple: true },
      token: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      'webhook-host': { type: 'string' },
      'expected-failures': { type: 'string' },
      junit: { type: 'string' },
      json: { type: 'string' },
      svg: { type: 'string' },
      'calibration-seed': { type: 'string' },
      list: { type: 'boolean', default: false },
      coverage: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (!(LEVELS as readonly string[]).includes(values.level))
    throw new UsageError(`--level must be one of ${LEVELS.join(', ')}`);
  if (values.transport !== undefined && !(values.transport in TRANSPORTS))
    throw new UsageError('--transport must be jsonrpc or rest');
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 100 && timeout <= 600_000))
    throw new UsageError('--timeout must be an integer number of ms between 100 and 600000');
  const seed = values['calibration-seed'] === undefined ? undefined : Number(values['calibration-seed']);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32))
    throw new UsageError('--calibration-seed must be an integer between 0 and 4294967295');
  return { ...values, level: values.level as Level, timeout, calibrationSeed: seed };
}

async function readExpected(file: string): Promise<Record<string, string>> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--expected-failures ${file}: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`--expected-failures ${file}: expected a JSON object {"<check id>": "<reason>"}`);
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !k.startsWith('$'))
      .map(([k, v]) => [k, String(v)]),
  );
}

/** Run the CLI; resolves with the exit status. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    io.err(`error: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.help) {
    io.out(HELP);
    return 0;
  }
  if (args.coverage) {
    const [{ coverageTable }, { ALL_CHECKS }] = await Promise.all([import('./tck.js'), import('./levels.js')]);
    io.out(coverageTable(ALL_CHECKS));
    return 0;
  }
  if (args.list) {
    const { checksOf } = await import('./levels.js');
    for (const c of checksOf(args.level)) io.out(`${c.id}  ${c.title}`);
    return 0;
  }
  if (!args.url) {
    io.err(`error: --url is required\n\n${HELP}`);
    return 2;
  }
  let report: Report;
  try {
    const expectedFailures = args['expected-failures'] ? await readExpected(args['expected-failures']) : undefined;
    const only = (args.only ?? [])
      .flatMap((o) => o.split(','))
      .map((o) => o.trim())
      .filter(Boolean);
    report = await runSuite({
      url: args.url,
      level: args.level,
      ...(args.transport ? { transport: TRANSPORTS[args.transport as keyof typeof TRANSPORTS] } : {}),
      ...(only.length ? { only } : {}),
      ...(args.token ? { tokens: args.token } : {}),
      ...(args.timeout !== undefined ? { timeoutMs: args.timeout } : {}),
      ...(args['webhook-host'] ? { webhookHost: args['webhook-host'] } : {}),
      ...(args.calibrationSeed !== undefined ? { calibrationSeed: args.calibrationSeed } : {}),
      ...(expectedFailures ? { expectedFailures } : {}),
      onProgress: (event) => {
        if (args.quiet) return;
        if (event.type === 'start' && event.index === 0) io.err(`running ${event.total} checks against ${args.url}`);
        if (event.type === 'result') io.err(progressLine(event.result, event.index, event.total));
      },
    });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (args.junit) await writeFile(args.junit, toJUnit(report));
  if (args.json) await writeFile(args.json, toJson(report));
  const svg = report.attachments?.['calibration.svg'];
  if (args.svg && svg) await writeFile(args.svg, svg);
  io.out(formatText(report));
  return report.summary.mandatoryFailed > 0 ? 1 : 0;
}
