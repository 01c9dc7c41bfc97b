/**
 * One caller cannot hold every forwarding slot: with `maxConcurrentTasksPerCaller`, a caller's new task beyond its
 * share is refused as transient (HTTP 503, Retry-After), while another caller's task is still forwarded.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, createBroker } from '../src/index.js';
import { profileOf, registerAgent, startTestAgent, type TestAgent } from './support/agents.js';

const ADMIN = 'admin-key-for-caller-concurrency';
const ALICE = 'alice-key-for-caller-concurrency';
const BOB = 'bob-key-for-caller-concurrency';

let broker: Broker;
let url: string;
let agent: TestAgent;

beforeAll(async () => {
  agent = await startTestAgent('holder', profileOf({ general: 8 }, { placement: 'cloud' }, 0.001, 20), 'wait');
  broker = await createBroker({
    allowPrivateNetworks: true,
    healthIntervalMs: 0,
    maxConcurrentTasksPerCaller: 1,
    auth: { adminKeys: [ADMIN], clientKeys: { [ALICE]: 'alice', [BOB]: 'bob' } },
  });
  url = await broker.listen();
  await registerAgent(url, ADMIN, agent.cardUrl);
}, 120_000);

afterAll(async () => {
  await broker?.close();
  await agent?.app.close();
});

const headers = (key: string) => ({ 'content-type': 'application/json', 'x-api-key': key, 'a2a-version': '1.0' });

async function sendHeld(key: string) {
  const response = await request(`${url}/a2a/rest/message:send`, {
    method: 'POST',
    headers: headers(key),
    body: JSON.stringify({
      message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: 'hold this' }] },
      configuration: { returnImmediately: true },
    }),
  });
  const body = (await response.body.json()) as { task?: { id: string }; error?: { message: string } };
  return { status: response.statusCode, retryAfter: response.headers['retry-after'], body };
}

describe('concurrency limit per caller', () => {
  it("refuses a caller's task beyond its share as transient; another caller's task still goes through", async () => {
    const first = await sendHeld(ALICE);
    expect(first.status).toBe(200);
    // the first task holds alice's slot until it is canceled: wait until the agent has it (no sleep)
    while (agent.received.length < 1) await new Promise((resolve) => setImmediate(resolve));
    const second = await sendHeld(ALICE);
    expect(second).toMatchObject({ status: 503, retryAfter: '1' });
    expect(second.body.error?.message).toMatch(/this caller/);
    const bobs = await sendHeld(BOB);
    expect(bobs.status).toBe(200);
    for (const [key, task] of [
      [ALICE, first.body.task],
      [BOB, bobs.body.task],
    ] as const) {
      const canceled = await request(`${url}/a2a/rest/tasks/${task?.id}:cancel`, {
        method: 'POST',
        headers: headers(key),
        body: '{}',
      });
      await canceled.body.dump();
    }
  }, 60_000);
});
