/** The tour's one-line result: the final state, the agent that ended the task, and any agents tried before it. */
import { describe, expect, it } from 'vitest';
import { resultLine } from '../src/demo/tour.js';

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
