/**
 * The guard's decision for a message is handed to the executor of the same caller only. A caller that sends a
 * message id another caller uses (guessed, or seen) must neither take that caller's pending decision (its
 * descriptor, complexity, candidates) nor make that caller's task go where its own descriptor says.
 *
 * Deterministic setup: mallory leaves a decision pending under a message id (her request passes the guard, which
 * decides it, then the SDK refuses it for an invalid role, so no executor takes the entry); alice then sends a
 * message with that id in its ProtoJSON spelling (`message_id`), which the guard did not see before it renamed
 * proto names (guard-spellings.test.ts), so her executor took mallory's decision (thinker, complexity 8).
 */
import { randomUUID } from 'node:crypto';
import type { Task } from '@rightsize/sdk/a2a';
import { RIGHTSIZE_EXTENSION_URI, readTaskExtension, type TaskDescriptor } from '@rightsize/sdk/rightsize';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, createBroker } from '../src/index.js';
import { profileOf, startTestAgent, type TestAgent } from './support/agents.js';

const ADMIN = 'admin-key-for-pending-tenancy';
const ALICE = 'alice-key-for-pending-tenancy';
const MALLORY = 'mallory-key-for-pending-tenancy';

const easy: TaskDescriptor = { domain: 'dialogue', complexity: { value: 1, sigma: 0.3 } };
const hard: TaskDescriptor = { domain: 'math', complexity: { value: 8, sigma: 0.5 } };

let broker: Broker;
let url: string;
let agents: TestAgent[];

async function jsonRpc(key: string, message: Record<string, unknown>) {
  const response = await request(`${url}/a2a/jsonrpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key, 'a2a-version': '1.0' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message } }),
  });
  return (await response.body.json()) as { result?: { task?: Task }; error?: { code: number; message: string } };
}

const extension = (descriptor: TaskDescriptor) => ({
  extensions: [RIGHTSIZE_EXTENSION_URI],
  metadata: { [RIGHTSIZE_EXTENSION_URI]: { descriptor } },
});

beforeAll(async () => {
  agents = await Promise.all([
    startTestAgent('device', profileOf({ dialogue: 4 }, { placement: 'device' }, 0.00001, 50), 'answer'),
    startTestAgent('thinker', profileOf({ math: 12 }, { placement: 'cloud' }, 0.01, 400, 'thinking'), 'answer'),
  ]);
  broker = await createBroker({
    allowPrivateNetworks: true,
    healthIntervalMs: 0,
    auth: { adminKeys: [ADMIN], clientKeys: { [ALICE]: 'alice', [MALLORY]: 'mallory' } },
  });
  url = await broker.listen();
  for (const agent of agents) {
    const response = await request(`${url}/rightsize/v1/agents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': ADMIN },
      body: JSON.stringify({ cardUrl: agent.cardUrl }),
    });
    expect(response.statusCode).toBe(201);
    await response.body.dump();
  }
}, 120_000);

afterAll(async () => {
  await broker?.close();
  await Promise.all((agents ?? []).map((a) => a.app.close()));
});

describe('pending decisions are scoped to the caller', () => {
  it("a decision left pending by one caller is not taken by another caller's message with the same id", async () => {
    const messageId = randomUUID();
    const planted = await jsonRpc(MALLORY, {
      messageId,
      role: 'ROLE_NOBODY',
      parts: [{ text: 'prove the theorem' }],
      ...extension(hard),
    });
    expect(planted.error?.code).toBe(-32602); // refused by the SDK after the guard decided it
    const answer = await jsonRpc(ALICE, {
      message_id: messageId,
      role: 'ROLE_USER',
      parts: [{ text: 'hello, how are you?' }],
      ...extension(easy),
    });
    const task = answer.result?.task as Task;
    expect(task.status.state).toBe('TASK_STATE_COMPLETED');
    const record = readTaskExtension(task);
    expect(record?.ok && record.value.decision).toMatchObject({
      chosen: 'device',
      complexity: { value: 1 },
    });
  });
});
