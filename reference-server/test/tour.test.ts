/**
 * The tour's one-line result: the final state, the agent that ended the task, and any agents tried before it. And a
 * tour that cannot reach the broker reports each task and goes on.
 */
import { a2aServer } from '@rightsize/sdk/server';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { resultLine, runTour } from '../src/demo/tour.js';
import { cardFor, profileOf } from './support/agents.js';

describe('tour result line', () => {
  it('names the agent once, and the earlier attempts after an escalation', () => {
    const completed = { agentId: 'device-fast', state: 'COMPLETED' };
    expect(
      resultLine({
        state: 'TASK_STATE_COMPLETED',
        chosen: 'device-fast',
        attempts: [completed],
        firstEventMs: 41,
        totalMs: 133.2,
      }),
    ).toBe('COMPLETED by device-fast in 133 ms (first event 41.0 ms)');
    const escalated = [
      { agentId: 'edge-hybrid', state: 'FAILED' },
      { agentId: 'cloud-fast', state: 'FAILED' },
      { agentId: 'cloud-thinker', state: 'COMPLETED' },
    ];
    expect(
      resultLine({
        state: 'TASK_STATE_COMPLETED',
        chosen: 'edge-hybrid',
        attempts: escalated,
        firstEventMs: 35,
        totalMs: 2224,
      }),
    ).toBe(
      'COMPLETED by cloud-thinker in 2224 ms (first event 35.0 ms; after edge-hybrid FAILED, then cloud-fast FAILED)',
    );
    // a direct Message has no attempts on record: the chosen agent
    expect(resultLine({ state: 'MESSAGE', chosen: 'cloud-fast', attempts: [], firstEventMs: 0, totalMs: 9.5 })).toBe(
      'MESSAGE by cloud-fast in 9.50 ms',
    );
  });
});

describe('the tour against a broker whose connections fail', () => {
  it('reports each task that could not be sent and goes on, instead of throwing (npm start would exit)', async () => {
    // A card that names this server, whose A2A endpoints reset every connection (as a broker that went away).
    const app = Fastify();
    app.addHook('onRequest', async (request) => {
      if (request.method === 'POST') request.raw.socket.destroy();
    });
    let base = '';
    await app.register(a2aServer, {
      card: () => cardFor('reset', profileOf({ general: 5 }, { placement: 'cloud' }, 0.001, 20), base),
      executor: { execute: async (_context, events) => events.complete('never') },
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    const lines: string[] = [];
    try {
      const results = await runTour(base, { say: (line) => lines.push(line) });
      expect(results.length).toBeGreaterThan(1);
      expect(results.every((r) => r.state === 'A2AConnectionError' && r.chosen === null)).toBe(true);
      expect(lines.join('\n')).toMatch(/→ failed: cannot reach/);
    } finally {
      await app.close();
    }
  }, 120_000);
});
