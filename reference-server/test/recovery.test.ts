/**
 * Start-up recovery when the agent's task ends between the broker's GetTask and its SubscribeToTask: the agent
 * refuses the subscription (A2A: nothing to subscribe to on a task in a terminal state), and the broker must still
 * relay the task's final state and artifacts (read with GetTask), not fail it. The window is made certain: the
 * agent holds the SubscribeToTask request until its task has completed.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StreamResponse, Task, TaskState } from '@rightsize/sdk/a2a';
import { A2AClient } from '@rightsize/sdk/client';
import { UnsupportedOperationError } from '@rightsize/sdk/errors';
import { afterAll, describe, expect, it } from 'vitest';
import { createBroker } from '../src/broker/broker.js';
import { openDatabase } from '../src/db/database.js';
import { BrokerStore } from '../src/db/store.js';
import { profileOf, startTestAgent } from './support/agents.js';

const KEY = 'recovery-client';
const TERMINAL: readonly TaskState[] = ['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED'];
const stateOf = (e: StreamResponse) => e.statusUpdate?.status.state ?? e.task?.status.state;

/** Wait until the task is in a terminal state (SubscribeToTask; refused when it already is), then read it. */
async function ended(client: A2AClient, id: string): Promise<Task> {
  try {
    for await (const event of client.subscribeToTask(id)) {
      const state = stateOf(event);
      if (state && TERMINAL.includes(state)) break;
    }
  } catch (error) {
    if (!(error instanceof UnsupportedOperationError)) throw error;
  }
  return client.getTask(id);
}

describe('start-up recovery', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rightsize-recovery-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("relays the agent's final state when its task ended before the re-subscription (refused)", async () => {
    let beforeSubscribe: (() => Promise<void>) | undefined;
    const agent = await startTestAgent(
      'late',
      profileOf({ general: 9 }, { placement: 'edge' }, 0.001, 20),
      'steps',
      (app) =>
        app.addHook('preHandler', async (request) => {
          const body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body ?? '');
          if (!body.includes('"SubscribeToTask"') || !beforeSubscribe) return;
          const hold = beforeSubscribe;
          beforeSubscribe = undefined; // once: the hook's own subscription below goes through
          await hold();
        }),
    );
    const options = {
      dataDir: dir,
      allowPrivateNetworks: true,
      healthIntervalMs: 0,
      auth: { clientKeys: { [KEY]: 'alice' } },
    };
    const direct = await A2AClient.connect(agent.url, { allowPrivateNetworks: true });
    let broker = await createBroker(options);
    try {
      await broker.listen();
      await broker.registry.register(agent.cardUrl);
      await broker.close();

      // The agent's task, in flight (it sends its chunks when released)...
      let downstream: Task | undefined;
      for await (const event of direct.sendStreamingMessage({
        messageId: randomUUID(),
        role: 'ROLE_USER',
        parts: [{ text: 'long task' }],
      })) {
        downstream ??= event.task;
        if (stateOf(event) === 'TASK_STATE_WORKING') break;
      }
      const agentTask = downstream as Task;
      // ...and the broker's task forwarded to it, written by a run that is gone (a SIGKILL).
      const db = await openDatabase({ dataDir: dir });
      const killedRun = new BrokerStore(db, { runId: 'killed-run' });
      const taskId = randomUUID();
      const contextId = randomUUID();
      await killedRun.tasks.create(
        { tenant: '', owner: 'alice' },
        { id: taskId, contextId, status: { state: 'TASK_STATE_WORKING', timestamp: new Date().toISOString() } },
      );
      await killedRun.saveRoute({
        taskId,
        contextId,
        agentId: 'late',
        downstreamTaskId: agentTask.id,
        downstreamContextId: agentTask.contextId,
        decisionId: undefined,
        owner: 'alice',
      });
      await db.close();

      // The agent's task ends after the restarted broker's GetTask, before its SubscribeToTask is served.
      beforeSubscribe = async () => {
        agent.release(3);
        await ended(direct, agentTask.id);
      };
      broker = await createBroker(options);
      const url = await broker.listen();
      const client = await A2AClient.connect(url, {
        allowPrivateNetworks: true,
        auth: { apiKey: { header: 'x-api-key', value: KEY } },
      });
      const task = await ended(client, taskId);
      await client.close();
      expect(beforeSubscribe).toBeUndefined(); // the subscription was held until the agent's task had ended
      expect(task.status.state).toBe('TASK_STATE_COMPLETED');
      expect(task.artifacts?.[0]?.parts.map((p) => ('text' in p ? p.text : ''))).toEqual([
        'chunk 0',
        'chunk 1',
        'chunk 2',
      ]);
    } finally {
      await broker.close();
      await direct.close();
      await agent.app.close();
    }
  }, 60_000);
});
