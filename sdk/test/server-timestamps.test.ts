/**
 * A new task's SUBMITTED timestamp is when the message was taken, never after the executor's first update: the task
 * is created in the update chain, after that update was stamped (a relay ordering updates by timestamp dropped the
 * first WORKING when the two were a millisecond apart, the broker's restart-test race).
 */
import { describe, expect, it } from 'vitest';
import { type AgentExecutor, InMemoryTaskStore, type StoredEvent } from '../src/server/index.js';
import { send, startAgent } from './support/agent-server.js';

/** Blocks the thread (the chain that creates the task cannot run) until the clock has moved on by `ms`. */
const busyFor = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};

describe('task timestamps', () => {
  it("stamps SUBMITTED no later than the executor's first update, however long the executor holds the thread", async () => {
    const busy: AgentExecutor = {
      async execute(_context, events) {
        events.working('started');
        busyFor(5);
        events.complete('done');
      },
    };
    const store = new InMemoryTaskStore();
    const agent = await startAgent({ executor: busy, store });
    try {
      const answer = await agent.rpc('SendMessage', send('go'));
      const id = answer.json.result.task.id as string;
      const log: StoredEvent[] = [];
      for await (const e of store.subscribe({ tenant: '', owner: 'anonymous' }, id, 0)) log.push(e);
      const submitted = log[0]?.event.task?.status;
      const working = log[1]?.event.statusUpdate?.status;
      expect(submitted?.state).toBe('TASK_STATE_SUBMITTED');
      expect(working?.state).toBe('TASK_STATE_WORKING');
      expect(Date.parse(submitted?.timestamp ?? '')).toBeLessThanOrEqual(Date.parse(working?.timestamp ?? ''));
    } finally {
      await agent.close();
    }
  });
});
