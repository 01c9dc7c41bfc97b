/**
 * A fresh, uniquely named PostgreSQL database per test file on the server named by RIGHTSIZE_TEST_DATABASE_URL
 * (other processes use the same server), dropped afterwards. Without the variable the PostgreSQL cases are skipped.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.RIGHTSIZE_TEST_DATABASE_URL;

export const POSTGRES_SKIP_REASON =
  'RIGHTSIZE_TEST_DATABASE_URL is not set: the PostgreSQL cases are skipped (.ci/run sets it; e.g. postgres://postgres@127.0.0.1:5432/test)';

export interface FreshDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function freshDatabase(prefix: string): Promise<FreshDatabase> {
  if (!TEST_DATABASE_URL) throw new Error(POSTGRES_SKIP_REASON);
  const name = `rs_${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
