/**
 * Configuration from a JSON file, the environment and flags (flags win over the environment, which wins over the
 * file). Secrets (keys, the database URL) are never printed back.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { BrokerOptions } from './broker/broker.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliConfig extends BrokerOptions {
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
}

export const HELP = `Usage: rightsize-broker [command] [options]

The Rightsize reference broker: an A2A v1.0 agent that routes each task to the right agent of its registry.

Commands:
  serve            run the broker (default)
  demo             run the broker with a fleet of SIMULATED agents on loopback and send it the tour once
  tour <url>       send the tour's tasks to a running broker and show where each went and why

Options (flag / environment variable / config-file key):
  --config <file>          RIGHTSIZE_CONFIG          JSON file with any of the keys below
  --port <n>               RIGHTSIZE_PORT            port (default 8787; 0 = any free port)        port
  --host <addr>            RIGHTSIZE_HOST            address to listen on (default 127.0.0.1)      host
  --public-url <url>       RIGHTSIZE_PUBLIC_URL      URL clients use (default: the listen address) publicUrl
  --database-url <url>     DATABASE_URL              PostgreSQL (default: embedded PGlite)         databaseUrl
  --data-dir <dir>         RIGHTSIZE_DATA_DIR        PGlite data directory (default: in memory)     dataDir
  --admin-key <key>        RIGHTSIZE_ADMIN_KEYS      admin API key (env: comma-separated)           auth.adminKeys
  --client-key <name=key>  RIGHTSIZE_CLIENT_KEYS     client API key (env: name=key,…)               auth.clientKeys
  --jwt-secret <secret>    RIGHTSIZE_JWT_SECRET      accept HS256 JWTs (scope rightsize:admin = admin) auth.jwt.secret
  --metrics-token <token>  RIGHTSIZE_METRICS_TOKEN   bearer token that may read /metrics (admin     auth.metricsToken
                                                     credentials may too; nothing else may)
  --public-metrics         RIGHTSIZE_PUBLIC_METRICS=1 serve /metrics without a credential        publicMetrics
                                                     (default: 401 without one)
  --allow-private          RIGHTSIZE_ALLOW_PRIVATE=1 accept loopback/private agent URLs           allowPrivateNetworks
  --allow-private-webhooks RIGHTSIZE_ALLOW_PRIVATE_WEBHOOKS=1 accept loopback/private push-  allowPrivateWebhooks
                                                     notification URLs (clients choose them: SSRF)
  --require-signed-cards   RIGHTSIZE_REQUIRE_SIGNED_CARDS=1 refuse unsigned cards (default: accept) requireSignedCards
  --max-concurrent <n>     RIGHTSIZE_MAX_CONCURRENT  tasks forwarded at once (default 1000)       maxConcurrentTasks
  --max-concurrent-per-caller <n> RIGHTSIZE_MAX_CONCURRENT_PER_CALLER  tasks one caller      maxConcurrentTasksPerCaller
                                                     forwards at once (default 0: no limit)
  --rate-limit <n>         RIGHTSIZE_RATE_LIMIT      requests/minute per caller (default 0: none)   rateLimitPerMinute
  --lambda <value>         RIGHTSIZE_LAMBDA          value of one success in the decision currency lambda
                                                     (the λ dial; default: each task's preference)
  --exploration <share>    RIGHTSIZE_EXPLORATION     Thompson exploration budget in [0, 1], or off exploration
                                                     (default off)
  --probe-budget <n>       RIGHTSIZE_PROBE_BUDGET    known-answer probes per agent per day, all   probes.budgetPerAgent
                                                     replicas together (spec §9.4; default 0 = off; the demo: 40)
  --probe-rate <n>         RIGHTSIZE_PROBE_RATE      probes per minute across the registry        probes.ratePerMinute
                                                     (default 6; the demo: 120)
  --log-level <level>      RIGHTSIZE_LOG_LEVEL       pino level: info, warn, error, silent…       logLevel
  --api-key <key>          (tour) the key to send tasks with
  -h, --help               show this help

Admin API (registry binding, spec §7.8) under <url>/rightsize/v1: POST /agents {cardUrl}, GET /agents,
GET|DELETE /agents/{id}, PUT /agents/{id}/load, POST /agents/{id}/check, POST /match (dry run), POST /feedback,
GET /probes (probe counts).
Metrics: <url>/metrics (Prometheus; send an admin key or the metrics token, e.g.
curl -H 'authorization: Bearer <token>' <url>/metrics). Health: <url>/healthz.`;

const FLAGS = {
  config: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'public-url': { type: 'string' },
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
  'admin-key': { type: 'string', multiple: true },
  'client-key': { type: 'string', multiple: true },
  'jwt-secret': { type: 'string' },
  'metrics-token': { type: 'string' },
  'public-metrics': { type: 'boolean' },
  'allow-private': { type: 'boolean' },
  'allow-private-webhooks': { type: 'boolean' },
  'require-signed-cards': { type: 'boolean' },
  'max-concurrent': { type: 'string' },
  'max-concurrent-per-caller': { type: 'string' },
  'rate-limit': { type: 'string' },
  lambda: { type: 'string' },
  exploration: { type: 'string' },
  'probe-budget': { type: 'string' },
  'probe-rate': { type: 'string' },
  'log-level': { type: 'string' },
  'api-key': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseCli(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: FLAGS, allowPositionals: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

type Values = ReturnType<typeof parseCli>['values'];

function integer(name: string, value: string | number | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, not ${value}`);
  return n;
}

/** A TCP port: 0 (any free one) to 65535. */
function portOf(value: string | number | undefined): number {
  const port = integer('--port', value, 8787);
  if (port > 65_535) throw new UsageError(`--port must be at most 65535, not ${value}`);
  return port;
}

/** A PostgreSQL connection string; the error never repeats it (it may hold a password). */
function databaseUrlOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let protocol = '';
  try {
    protocol = new URL(value).protocol;
  } catch {
    // not a URL: refused below
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:')
    throw new UsageError('--database-url (DATABASE_URL) must be a postgres:// or postgresql:// URL');
  return value;
}

function lambdaOf(value: string | number | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--lambda must be a number ≥ 0, not ${value}`);
  return n;
}

/** Probes per minute: a positive number. */
function rateOf(value: string | number | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new UsageError(`--probe-rate must be a number > 0, not ${value}`);
  return n;
}

/** `off` (or false) turns exploration off; a share in [0, 1] is its budget. */
function explorationOf(value: string | number | boolean | object | undefined): CliConfig['exploration'] {
  if (value === undefined || value === '') return undefined;
  if (value === 'off' || value === false) return false;
  if (typeof value === 'object') return value as CliConfig['exploration'];
  const budget = Number(value);
  if (!(budget >= 0 && budget <= 1))
    throw new UsageError(`--exploration must be off or a share in [0, 1], not ${value}`);
  return { budget };
}

const pairs = (list: readonly string[]) => {
  const out: Record<string, string> = {};
  for (const item of list) {
    const [name, key] = item.split('=', 2);
    if (!name || !key) throw new UsageError(`client keys are name=key, not ${item.replace(/=.*/, '=…')}`);
    out[key] = name;
  }
  return out;
};

export function loadConfig(values: Values, env: NodeJS.ProcessEnv): CliConfig {
  const file = values.config ?? env.RIGHTSIZE_CONFIG;
  let fromFile: Partial<CliConfig> = {};
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Partial<CliConfig>;
    } catch (error) {
      throw new UsageError(`cannot read the config file ${file}: ${error instanceof Error ? error.message : error}`);
    }
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile))
      throw new UsageError(`the config file ${file} must hold a JSON object`);
  }
  const split = (v: string | undefined) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [];
  const adminKeys = values['admin-key'] ?? (env.RIGHTSIZE_ADMIN_KEYS ? split(env.RIGHTSIZE_ADMIN_KEYS) : undefined);
  const clientKeys = values['client-key'] ?? (env.RIGHTSIZE_CLIENT_KEYS ? split(env.RIGHTSIZE_CLIENT_KEYS) : undefined);
  const jwtSecret = values['jwt-secret'] ?? env.RIGHTSIZE_JWT_SECRET;
  const metricsToken = values['metrics-token'] ?? env.RIGHTSIZE_METRICS_TOKEN;
  const auth = {
    ...fromFile.auth,
    ...(adminKeys ? { adminKeys } : {}),
    ...(clientKeys ? { clientKeys: pairs(clientKeys) } : {}),
    ...(jwtSecret ? { jwt: { ...fromFile.auth?.jwt, secret: jwtSecret } } : {}),
    ...(metricsToken ? { metricsToken } : {}),
  };
  const databaseUrl = databaseUrlOf(values['database-url'] ?? env.DATABASE_URL ?? fromFile.databaseUrl);
  const dataDir = values['data-dir'] ?? env.RIGHTSIZE_DATA_DIR ?? fromFile.dataDir;
  const publicUrl = values['public-url'] ?? env.RIGHTSIZE_PUBLIC_URL ?? fromFile.publicUrl;
  const lambda = lambdaOf(values.lambda ?? env.RIGHTSIZE_LAMBDA ?? fromFile.lambda);
  const exploration = explorationOf(values.exploration ?? env.RIGHTSIZE_EXPLORATION ?? fromFile.exploration);
  const fileProbes = fromFile.probes || undefined;
  const probeBudget = values['probe-budget'] ?? env.RIGHTSIZE_PROBE_BUDGET ?? fileProbes?.budgetPerAgent;
  const probeRate = values['probe-rate'] ?? env.RIGHTSIZE_PROBE_RATE ?? fileProbes?.ratePerMinute;
  const probes =
    probeBudget !== undefined || probeRate !== undefined
      ? {
          ...fileProbes,
          budgetPerAgent: integer('--probe-budget', probeBudget, 0),
          ratePerMinute: rateOf(probeRate, 6),
        }
      : undefined;
  return {
    ...fromFile,
    port: portOf(values.port ?? env.RIGHTSIZE_PORT ?? fromFile.port),
    host: values.host ?? env.RIGHTSIZE_HOST ?? fromFile.host ?? '127.0.0.1',
    logLevel: values['log-level'] ?? env.RIGHTSIZE_LOG_LEVEL ?? fromFile.logLevel ?? 'info',
    allowPrivateNetworks:
      values['allow-private'] ?? (env.RIGHTSIZE_ALLOW_PRIVATE === '1' || fromFile.allowPrivateNetworks === true),
    allowPrivateWebhooks:
      values['allow-private-webhooks'] ??
      (env.RIGHTSIZE_ALLOW_PRIVATE_WEBHOOKS === '1' || fromFile.allowPrivateWebhooks === true),
    publicMetrics:
      values['public-metrics'] ?? (env.RIGHTSIZE_PUBLIC_METRICS === '1' || fromFile.publicMetrics === true),
    requireSignedCards:
      values['require-signed-cards'] ??
      (env.RIGHTSIZE_REQUIRE_SIGNED_CARDS === '1' || fromFile.requireSignedCards === true),
    maxConcurrentTasks: integer(
      '--max-concurrent',
      values['max-concurrent'] ?? env.RIGHTSIZE_MAX_CONCURRENT ?? fromFile.maxConcurrentTasks,
      1000,
    ),
    maxConcurrentTasksPerCaller: integer(
      '--max-concurrent-per-caller',
      values['max-concurrent-per-caller'] ??
        env.RIGHTSIZE_MAX_CONCURRENT_PER_CALLER ??
        fromFile.maxConcurrentTasksPerCaller,
      0,
    ),
    rateLimitPerMinute: integer(
      '--rate-limit',
      values['rate-limit'] ?? env.RIGHTSIZE_RATE_LIMIT ?? fromFile.rateLimitPerMinute,
      0,
    ),
    auth,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(dataDir ? { dataDir } : {}),
    ...(publicUrl ? { publicUrl } : {}),
    ...(lambda !== undefined ? { lambda } : {}),
    ...(exploration !== undefined ? { exploration } : {}),
    ...(probes ? { probes } : {}),
  };
}

/**
 * What `serve` tells an operator about a configuration that runs but is probably not what they meant: no admin
 * credential (the admin API and the dashboard refuse every call, so no agent can be registered), no credential that
 * may read /metrics, and an in-memory store (nothing survives a restart). Empty when none applies.
 */
export function serveNotes(config: CliConfig): string[] {
  const notes: string[] = [];
  const auth = config.auth ?? {};
  if (!auth.adminKeys?.length && !auth.jwt?.secret && !auth.jwt?.jwksUrl)
    notes.push(
      'no admin credential is configured: the admin API and the dashboard refuse every call, so no agent can be ' +
        'registered; start with --admin-key <key> (or RIGHTSIZE_ADMIN_KEYS, or a JWT secret)',
    );
  if (!config.publicMetrics && !auth.metricsToken && !auth.adminKeys?.length && !auth.jwt?.secret && !auth.jwt?.jwksUrl)
    notes.push(
      'no metrics token or admin credential is configured: /metrics refuses every scrape; start with ' +
        '--metrics-token <token> (or RIGHTSIZE_METRICS_TOKEN), or --public-metrics to serve it to anyone',
    );
  if (!config.databaseUrl && !config.dataDir)
    notes.push(
      'the store is in memory: registered agents, tasks and what the broker learned are lost when it stops; ' +
        'use --data-dir <dir> (embedded) or --database-url <url> (PostgreSQL)',
    );
  return notes;
}
