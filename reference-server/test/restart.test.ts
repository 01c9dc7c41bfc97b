/**
 * The broker is killed with SIGKILL and restarted on the same store (a PGlite data directory; PostgreSQL when
 * RIGHTSIZE_TEST_DATABASE_URL is set): every acknowledged registration, task, decision record with its attempts
 * (the task mapping), outcome and learned update is still there. The broker runs as a real child process
 * (`rightsize-broker serve`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Task } from '@rightsize/sdk/a2a';
import { A2AClient } from '@rightsize/sdk/client';
import { readTaskExtension, withMessageExtension } from '@rightsize/sdk/rightsize';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileOf, startTestAgent, type TestAgent } from './support/agents.js';
import { type FreshDatabase, freshDatabase, POSTGRES_SKIP_REASON, TEST_DATABASE_URL } from './support/postgres.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const ADMIN = 'restart-admin';
const KEY = 'restart-client';

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
}

/** Start `rightsize-broker serve` and resolve with its URL once it prints it. */
function startChild(storage: string[]): Promise<Running> {
  const child = spawn(
    process.execPath,
    [
      MAIN,
      'serve',
      '--port',
      '0',
      '--allow-private',
      '--admin-key',
      ADMIN,
      '--client-key',
      `tester=${KEY}`,
      '--log-level',
      'warn',
      ...storage,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: '' } },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /broker at (http:\/\/\S+)/.exec(out);
      if (found) resolve({ child, url: found[1] as string });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code) => reject(new Error(`the broker exited with ${code}: ${err}`)));
  });
}

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGKILL');
  });

const admin = async (url: string, method: 'GET' | 'POST', path: string, body?: unknown, key = ADMIN) => {
  const response = await request(`${url}/rightsize/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
};

function suite(storage: () => string[]) {
  let agent: TestAgent;
  beforeAll(async () => {
    agent = await startTestAgent('keeper', profileOf({ general: 9 }, { placement: 'edge' }, 0.001, 20), 'answer');
  });
  afterAll(async () => {
    await agent?.app.close();
  });

  it('keeps every acknowledged registration, task, mapping, outcome and learned update across SIGKILL', async () => {
    const first = await startChild(storage());
    let second: Running | undefined;
    try {
      expect((await admin(first.url, 'POST', '/agents', { cardUrl: agent.cardUrl })).status).toBe(201);
      const client = await A2AClient.connect(first.url, {
        allowPrivateNetworks: true,
        auth: { apiKey: { header: 'x-api-key', value: KEY } },
      });
      const tasks: Task[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await client.sendMessage(
          withMessageExtension(
            { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: `task ${i}` }] },
            { descriptor: { domain: 'general', complexity: { value: 3, sigma: 0.5 } } },
          ),
        );
        tasks.push(response.task as Task);
      }
      await client.close();
      // spec §9.4: only client-confirmed (or verified) outcomes are learned, not the agent's own COMPLETED
      for (const task of tasks)
        expect((await admin(first.url, 'POST', '/feedback', { taskId: task.id, success: true }, KEY)).status).toBe(202);
      const before = (await admin(first.url, 'GET', '/agents/keeper')).body;
      expect(before.calibration[0].observations).toBe(3);

      await killed(first.child);
      second = await startChild(storage());

      const after = (await admin(second.url, 'GET', '/agents/keeper')).body;
      expect(after).toMatchObject({ id: 'keeper', cardUrl: agent.cardUrl, status: 'active' });
      expect(after.calibration).toEqual(before.calibration);
      const again = await A2AClient.connect(second.url, {
        allowPrivateNetworks: true,
        auth: { apiKey: { header: 'x-api-key', value: KEY } },
      });
      for (const task of tasks) {
        const stored = await again.getTask(task.id);
        expect(stored.status.state).toBe('TASK_STATE_COMPLETED');
        const ext = readTaskExtension(stored);
        const attempts = ext?.ok ? ext.value.decision?.attempts : undefined;
        expect(attempts?.[0]).toMatchObject({ agentId: 'keeper', state: 'TASK_STATE_COMPLETED' });
        expect(attempts?.[0]?.taskId).toBeTruthy(); // the mapping to the agent's task id
      }
      await again.close();
    } finally {
      for (const run of [first, second]) if (run && alive(run.child)) await killed(run.child);
    }
  }, 300_000);
}

describe('SIGKILL and restart on the embedded store (PGlite data directory)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rightsize-restart-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  suite(() => ['--data-dir', dir]);
});

describe.skipIf(!TEST_DATABASE_URL)(
  `SIGKILL and restart on PostgreSQL${TEST_DATABASE_URL ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    let database: FreshDatabase | undefined;
    beforeAll(async () => {
      database = await freshDatabase('restart');
    });
    afterAll(async () => {
      await database?.drop();
    });
    suite(() => ['--database-url', database?.url as string]);
  },
);
