/** The relay's ordering filter on its own: what it drops and, as important, what it must keep. */
import type { StreamResponse, TaskState } from '@rightsize/sdk/a2a';
import { describe, expect, it } from 'vitest';
import { RelayOrder } from '../../src/broker/relay-order.js';

const status = (state: TaskState, second: number, messageId?: string): StreamResponse => ({
  statusUpdate: {
    taskId: 't',
    contextId: 'c',
    status: {
      state,
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
      ...(messageId ? { message: { messageId, role: 'ROLE_AGENT', parts: [{ text: messageId }] } } : {}),
    },
  },
});
const chunk = (text: string, append = false, lastChunk = false): StreamResponse => ({
  artifactUpdate: { taskId: 't', contextId: 'c', artifact: { artifactId: 'a', parts: [{ text }] }, append, lastChunk },
});

describe('RelayOrder', () => {
  it('drops a repeated status and a progress update older than one relayed', () => {
    const order = new RelayOrder();
    expect(order.admit(status('TASK_STATE_WORKING', 2, 'm2'))).toBe(true);
    expect(order.admit(status('TASK_STATE_WORKING', 2, 'm2'))).toBe(false);
    expect(order.admit(status('TASK_STATE_WORKING', 1, 'm1'))).toBe(false);
    expect(order.admit(status('TASK_STATE_WORKING', 2, 'm3'))).toBe(true); // same instant, new message
  });

  it("keeps the first WORKING when the agent's Task (SUBMITTED) is stamped later (the restart test's race)", () => {
    const order = new RelayOrder();
    const task: StreamResponse = {
      task: {
        id: 't',
        contextId: 'c',
        status: { state: 'TASK_STATE_SUBMITTED', timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, 3)).toISOString() },
      },
    };
    expect(order.admit(task)).toBe(true);
    expect(order.admit(status('TASK_STATE_WORKING', 2, 'm2'))).toBe(true);
    expect(order.admit(status('TASK_STATE_SUBMITTED', 1))).toBe(false); // a SUBMITTED older than WORKING is late
  });

  it('keeps a terminal state even when its timestamp is older (the agent clock is not trusted for the end)', () => {
    const order = new RelayOrder();
    expect(order.admit(status('TASK_STATE_WORKING', 5, 'm5'))).toBe(true);
    expect(order.admit(status('TASK_STATE_COMPLETED', 4))).toBe(true);
  });

  it('keeps repeated append chunks (text may repeat), drops a repeated full artifact and chunks after the last', () => {
    const order = new RelayOrder();
    expect(order.admit(chunk('ha'))).toBe(true);
    expect(order.admit(chunk('ha'))).toBe(false);
    expect(order.admit(chunk('ha', true))).toBe(true);
    expect(order.admit(chunk('ha', true, true))).toBe(true);
    expect(order.admit(chunk('ha', true, true))).toBe(false);
  });
});
