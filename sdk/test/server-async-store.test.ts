/**
 * Correctness with an asynchronous TaskStore (issue 9 §3): a deliberately slow store (a few ms per call, as
 * PostgreSQL will be) in front of the in-memory one. Terminal states never change; a subscription joins its snapshot
 * without missing or duplicating an event; a store with `appendMany` gets a run's events that arrived together in one
 * write, and none is sent before it is stored.
 */
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { StreamResponse } from '../src/a2a/model/index.js';
import {
  type AgentExecutor,
  InMemoryTaskStore,
  type StoredEvent,
  type TaskScope,
  type TaskStore,
} from '../src/server/index.js';
import { send, startAgent, V1 } from './support/agent-server.js';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The in-memory store behind a simulated network round trip of `ms` on every call (reads return stale data). */
function slowStore(inner: TaskStore, ms: number): TaskStore {
  return {
    create: async (scope, task) => {
      await delay(ms);
      return inner.create(scope, task);
    },
    get: async (scope, id) => {
      const record = await inner.get(scope, id);
      await delay(ms); // the answer is already stale when it arrives
      return record;
    },
    append: async (scope, id, change, options) => {
      await delay(ms);
      return inner.append(scope, id, change, options);
    },
    list: async (scope, query) => {
      await delay(ms);
      return inner.list(scope, query);
    },
    subscribe: (scope, id, after, signal) => inner.subscribe(scope, id, after, signal),
  };
}

const scope: TaskScope = { tenant: '', owner: 'anonymous' };

async function logOf(store: TaskStore, id: string): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const e of store.subscribe(scope, id, 0)) out.push(e);
  return out;
}

const terminal = (e: StreamResponse) =>
  ['TASK_STATE_COMPLETED', 'TASK_STATE_CANCELED', 'TASK_STATE_FAILED', 'TASK_STATE_REJECTED'].includes(
    e.statusUpdate?.status.state ?? '',
  );

describe('a slow, asynchronous store', () => {
  it('never changes a terminal state: CancelTask racing completion is either refused or wins, never both', async () => {
    let onReady: (trigger: () => void) => void = () => undefined;
    const racing: AgentExecutor = {
      async execute(_context, events) {
        events.working();
        await new Promise<void>((resolve) => onReady(resolve));
        events.artifact({ artifactId: 'a', parts: [{ text: 'result' }] });
        events.complete('done');
      },
    };
    const inner = new InMemoryTaskStore();
    const agent = await startAgent({ executor: racing, store: slowStore(inner, 3) });
    try {
      const outcomes = { canceled: 0, refused: 0 };
      for (let race = 0; race < 16; race++) {
        const ready = new Promise<() => void>((resolve) => (onReady = resolve));
        const started = await agent.rpc('SendMessage', send('go', {}, { returnImmediately: true }));
        const id = started.json.result.task.id as string;
        // Completion starts with the cancellation or a few store round trips after it.
        const complete = await ready;
        setTimeout(complete, (race % 4) * 4);
        const cancel = await agent.rpc('CancelTask', { id });
        const final = (await agent.rpc('GetTask', { id })).json.result.status.state;
        if (cancel.json.result) {
          outcomes.canceled++;
          expect(cancel.json.result.status.state).toBe('TASK_STATE_CANCELED');
          expect(final).toBe('TASK_STATE_CANCELED');
        } else {
          outcomes.refused++;
          expect(cancel.json.error.code).toBe(-32002);
          expect(final).toBe('TASK_STATE_COMPLETED');
        }
        // The log has exactly one terminal event, and it is the last one.
        const log = await logOf(inner, id);
        expect(log.filter((e) => terminal(e.event))).toHaveLength(1);
        expect(terminal((log.at(-1) as StoredEvent).event)).toBe(true);
      }
      expect(outcomes.canceled + outcomes.refused).toBe(16);
      expect(outcomes.canceled).toBeGreaterThan(0);
      expect(outcomes.refused).toBeGreaterThan(0);
    } finally {
      await agent.close();
    }
  });

  it('joins the snapshot and the subscription by sequence number: nothing missed, nothing duplicated', async () => {
    const chunks = 120;
    const producing: AgentExecutor = {
      async execute(_context, events) {
        for (let i = 0; i < chunks; i++) {
          events.artifact({ artifactId: 'a', parts: [{ text: `${i}` }] }, { append: i > 0 });
          await delay(1);
        }
        events.complete();
      },
    };
    const agent = await startAgent({ executor: producing, store: slowStore(new InMemoryTaskStore(), 4) });
    try {
      const started = await agent.rpc('SendMessage', send('go', {}, { returnImmediately: true }));
      const id = started.json.result.task.id as string;
      const subscribe = async () => {
        const r = await request(`${agent.baseUrl}/a2a/rest/tasks/${id}:subscribe`, { headers: V1 });
        const text = await r.body.text();
        return text
          .split('\n\n')
          .filter((frame) => frame.includes('data: '))
          .map((frame) => ({
            seq: Number(/^id: (\d+)$/m.exec(frame)?.[1]),
            event: JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as StreamResponse,
          }));
      };
      const subscribers: Array<Promise<Awaited<ReturnType<typeof subscribe>>>> = [];
      for (let i = 0; i < 6; i++) {
        subscribers.push(subscribe());
        await delay(15);
      }
      for (const frames of await Promise.all(subscribers)) {
        if (frames.length === 0) continue; // joined after completion (refused): nothing to check
        const [snapshot, ...rest] = frames;
        const seqs = frames.map((f) => f.seq);
        expect(seqs).toEqual(seqs.map((_, i) => (snapshot?.seq as number) + i)); // contiguous, no gap, no repeat
        const parts = [
          ...(snapshot?.event.task?.artifacts?.[0]?.parts ?? []),
          ...rest.flatMap((f) => f.event.artifactUpdate?.artifact.parts ?? []),
        ].map((p) => ('text' in p ? p.text : ''));
        expect(parts).toEqual(Array.from({ length: chunks }, (_, i) => `${i}`));
        expect(rest.at(-1)?.event.statusUpdate?.status.state).toBe('TASK_STATE_COMPLETED');
      }
      // A reconnecting client names the last event it saw (SSE Last-Event-ID) and gets exactly the ones after it.
      const resumed = await request(`${agent.baseUrl}/a2a/rest/tasks/${id}:subscribe`, {
        headers: { ...V1, 'last-event-id': '100' },
      });
      const ids = (await resumed.body.text()).match(/^id: \d+$/gm)?.map((line) => Number(line.slice(4)));
      expect(ids).toEqual(Array.from({ length: chunks + 2 - 100 }, (_, i) => 101 + i)); // …, chunks, completed
    } finally {
      await agent.close();
    }
  });

  it('writes the events a run produced during the previous write together (appendMany), each sent only once stored', async () => {
    const chunks = 50;
    const bursting: AgentExecutor = {
      async execute(_context, events) {
        events.working();
        for (let i = 0; i < chunks; i++)
          events.artifact({ artifactId: 'a', parts: [{ text: `${i}` }] }, { append: i > 0 });
        events.complete();
      },
    };
    const inner = new InMemoryTaskStore();
    const slow = slowStore(inner, 3);
    const batches: number[] = [];
    /** The highest sequence number stored when each frame was written to the client. */
    let stored = 0;
    const store: TaskStore = {
      ...slow,
      create: async (scope, task) => {
        const record = await slow.create(scope, task);
        stored = record.seq;
        return record;
      },
      appendMany: async (scope, id, changes) => {
        batches.push(changes.length);
        await delay(3);
        const results = [];
        for (const change of changes) results.push(await inner.append(scope, id, change));
        const last = results.at(-1);
        if (last?.ok) stored = last.seq;
        return results;
      },
    };
    const agent = await startAgent({ executor: bursting, store });
    try {
      const r = await request(`${agent.baseUrl}/a2a/jsonrpc`, {
        method: 'POST',
        headers: { ...V1, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendStreamingMessage', params: send('go') }),
      });
      const seen: Array<{ seq: number; stored: number }> = [];
      let buffer = '';
      for await (const chunk of r.body) {
        buffer += chunk.toString();
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const seq = /^id: (\d+)$/m.exec(frame)?.[1];
          if (seq) seen.push({ seq: Number(seq), stored });
        }
      }
      // task, working, the chunks, completed: every sequence number once, in order, each stored before it was sent.
      expect(seen.map((s) => s.seq)).toEqual(Array.from({ length: chunks + 3 }, (_, i) => i + 1));
      for (const s of seen) expect(s.stored).toBeGreaterThanOrEqual(s.seq);
      expect(batches.reduce((a, b) => a + b, 0)).toBe(chunks + 2);
      expect(batches.length).toBeLessThanOrEqual(3); // not one write per event
    } finally {
      await agent.close();
    }
  });
});
