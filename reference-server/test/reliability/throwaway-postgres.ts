/**
 * A throwaway PostgreSQL cluster for restart tests: the machine's own binaries (/usr/lib/postgresql/<v>/bin), initdb
 * into a temporary directory, trust authentication, its own free loopback port, run as the `postgres` user when the
 * tests run as root (PostgreSQL refuses to run as root). Restarting it (`pg_ctl restart -m fast`, the same restart
 * `pg_ctlcluster … restart` performs on the machine's server) disturbs no one: the shared server other engineers'
 * and CI's tests use is never touched.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './broker-process.js';

const run = promisify(execFile);

/** The newest installed PostgreSQL's bin directory, or undefined. */
function binaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

const BIN = binaries();
const AS_ROOT = userInfo().uid === 0;

/** Why the throwaway-cluster cases are skipped, or undefined when they can run. */
export const THROWAWAY_SKIP_REASON = BIN
  ? undefined
  : 'no PostgreSQL binaries under /usr/lib/postgresql/*/bin (initdb, pg_ctl): the PostgreSQL restart cases are skipped';

export interface ThrowawayCluster {
  /** A connection URL for the `postgres` database on the cluster. */
  readonly url: string;
  /** `pg_ctl restart -m fast`: every connection is closed, the server comes back on the same port. */
  restart(): Promise<void>;
  /** Stop (immediately) and delete the data directory. */
  destroy(): Promise<void>;
}

async function pg(tool: string, args: readonly string[]): Promise<string> {
  const path = join(BIN as string, tool);
  const { stdout } = AS_ROOT
    ? await run('runuser', ['-u', 'postgres', '--', path, ...args], { timeout: 120_000 })
    : await run(path, args, { timeout: 120_000 });
  return stdout;
}

export async function throwawayCluster(): Promise<ThrowawayCluster> {
  if (!BIN) throw new Error(THROWAWAY_SKIP_REASON);
  const dir = await mkdtemp(join(tmpdir(), 'rightsize-pg-'));
  if (AS_ROOT) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout), Number(gid));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const ctl = (...args: string[]) => pg('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', ...args]);
  await ctl('start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart() {
      await ctl('restart', '-m', 'fast');
    },
    async destroy() {
      await ctl('stop', '-m', 'immediate').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
