/** The command line: --help, usage errors, and configuration precedence (flags over environment over file). */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, parseCli, serveNotes, UsageError } from '../src/config.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'rightsize-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rightsize-broker CLI', () => {
  it('prints --help and exits 0', async () => {
    const { stdout } = await run(process.execPath, [MAIN, '--help']);
    expect(stdout).toContain('Usage: rightsize-broker');
    expect(stdout).toContain('--database-url');
  });

  it('exits 2 with a clear message on a usage error', async () => {
    const error = (await run(process.execPath, [MAIN, '--port', 'abc']).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(error.code).toBe(2);
    expect(error.stderr).toContain('--port must be a non-negative integer');
  });

  it('takes flags over the environment over the file', () => {
    const file = join(dir, 'broker.json');
    writeFileSync(file, JSON.stringify({ port: 1111, host: '0.0.0.0', dataDir: '/from-file', maxConcurrentTasks: 5 }));
    const { values } = parseCli(['--config', file, '--port', '3333']);
    const config = loadConfig(values, {
      RIGHTSIZE_PORT: '2222',
      RIGHTSIZE_DATA_DIR: '/from-env',
      RIGHTSIZE_ADMIN_KEYS: 'a, b',
    });
    expect(config.port).toBe(3333);
    expect(config.dataDir).toBe('/from-env');
    expect(config.host).toBe('0.0.0.0');
    expect(config.maxConcurrentTasks).toBe(5);
    expect(config.auth?.adminKeys).toEqual(['a', 'b']);
  });

  it('configures the λ dial and exploration (flag over environment; off; bad values refused)', () => {
    const env = { RIGHTSIZE_LAMBDA: '5', RIGHTSIZE_EXPLORATION: '0.2' };
    expect(loadConfig(parseCli([]).values, {})).not.toHaveProperty('exploration');
    expect(loadConfig(parseCli([]).values, env)).toMatchObject({ lambda: 5, exploration: { budget: 0.2 } });
    const flags = loadConfig(parseCli(['--lambda', '0', '--exploration', 'off']).values, env);
    expect(flags).toMatchObject({ lambda: 0, exploration: false });
    expect(() => loadConfig(parseCli(['--lambda', '-1']).values, {})).toThrow(/--lambda/);
    expect(() => loadConfig(parseCli(['--exploration', '2']).values, {})).toThrow(/--exploration/);
  });

  it('configures known-answer probes (budget per agent, rate; off by default; bad values refused)', () => {
    expect(loadConfig(parseCli([]).values, {})).not.toHaveProperty('probes');
    const env = { RIGHTSIZE_PROBE_BUDGET: '12' };
    expect(loadConfig(parseCli([]).values, env).probes).toEqual({ budgetPerAgent: 12, ratePerMinute: 6 });
    const flags = loadConfig(parseCli(['--probe-budget', '3', '--probe-rate', '30']).values, env);
    expect(flags.probes).toEqual({ budgetPerAgent: 3, ratePerMinute: 30 });
    expect(() => loadConfig(parseCli(['--probe-rate', '0']).values, {})).toThrow(/--probe-rate/);
    expect(() => loadConfig(parseCli(['--probe-budget', '-1']).values, {})).toThrow(/--probe-budget/);
  });

  it('configures /metrics: a metrics token (flag over environment over file, never a note), or public', () => {
    expect(loadConfig(parseCli([]).values, {})).toMatchObject({ publicMetrics: false });
    expect(loadConfig(parseCli([]).values, {}).auth).not.toHaveProperty('metricsToken');
    const file = join(dir, 'metrics.json');
    writeFileSync(file, JSON.stringify({ auth: { metricsToken: 'from-file' }, publicMetrics: true }));
    const fromFile = loadConfig(parseCli(['--config', file]).values, {});
    expect(fromFile).toMatchObject({ publicMetrics: true, auth: { metricsToken: 'from-file' } });
    const env = { RIGHTSIZE_METRICS_TOKEN: 'from-env', RIGHTSIZE_PUBLIC_METRICS: '1' };
    expect(loadConfig(parseCli(['--config', file]).values, env).auth?.metricsToken).toBe('from-env');
    const flags = loadConfig(parseCli(['--metrics-token', 'from-flag', '--public-metrics']).values, env);
    expect(flags).toMatchObject({ publicMetrics: true, auth: { metricsToken: 'from-flag' } });
    const tokenOnly = serveNotes(loadConfig(parseCli(['--metrics-token', 'from-flag']).values, {}));
    expect(tokenOnly.join('\n')).not.toMatch(/\/metrics/);
    expect(tokenOnly.join('\n')).not.toContain('from-flag');
    expect(serveNotes(loadConfig(parseCli(['--public-metrics']).values, {})).join('\n')).not.toMatch(/\/metrics/);
  });

  it('refuses a config file that is not a JSON object, and malformed client keys', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '[1, 2]');
    expect(() => loadConfig(parseCli(['--config', file]).values, {})).toThrow(UsageError);
    expect(() => loadConfig(parseCli(['--client-key', 'nokey']).values, {})).toThrow(/name=key/);
  });

  it('refuses a database URL that is not postgres:// (without echoing it) and a port beyond 65535', () => {
    for (const url of ['notaurl', 'mysql://root:s3cret@db/x']) {
      expect(() => loadConfig(parseCli(['--database-url', url]).values, {})).toThrow(/--database-url/);
      expect(() => loadConfig(parseCli([]).values, { DATABASE_URL: url })).not.toThrow(/s3cret/);
    }
    const ok = loadConfig(parseCli([]).values, { DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/db' });
    expect(ok.databaseUrl).toBe('postgresql://u:p@127.0.0.1:5432/db');
    expect(() => loadConfig(parseCli(['--port', '70000']).values, {})).toThrow(/--port/);
  });

  it('serve warns about no admin credential and an in-memory store, and only then', () => {
    const bare = serveNotes(loadConfig(parseCli([]).values, {}));
    expect(bare).toHaveLength(3);
    expect(bare[0]).toMatch(/no admin credential.*--admin-key/);
    expect(bare[1]).toMatch(/\/metrics refuses every scrape.*--metrics-token.*--public-metrics/);
    expect(bare[2]).toMatch(/in memory.*--data-dir.*--database-url/);
    const configured = loadConfig(parseCli(['--admin-key', 'k', '--data-dir', dir]).values, {});
    expect(serveNotes(configured)).toEqual([]);
    const jwtAndPostgres = { RIGHTSIZE_JWT_SECRET: 's'.repeat(32), DATABASE_URL: 'postgres://db.example/broker' };
    expect(serveNotes(loadConfig(parseCli([]).values, jwtAndPostgres))).toEqual([]);
  });
});
