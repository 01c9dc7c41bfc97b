/**
 * The guard's hand-over to the executor stays bounded: a request the guard decided but the SDK server then refused
 * (an invalid role, say) never takes its entry, so a client sending many of them within the TTL must not grow it.
 */
import { describe, expect, it } from 'vitest';
import { PendingDecisions } from '../src/broker/pending.js';

describe('PendingDecisions', () => {
  it('holds at most maxEntries, dropping the oldest; the newest are still taken', () => {
    const pending = new PendingDecisions(60_000, 1000);
    for (let i = 0; i < 25_000; i++) pending.put('alice', `m${i}`, { unary: true });
    expect(pending.size).toBeLessThanOrEqual(1000);
    expect(pending.take('alice', 'm24999')).toEqual(expect.objectContaining({ unary: true }));
    expect(pending.take('alice', 'm0')).toBeUndefined();
  });

  it('drops expired entries as new ones come, in constant time per entry', () => {
    const pending = new PendingDecisions(-1, 1_000_000); // every entry is expired as soon as it is put
    const t0 = performance.now();
    for (let i = 0; i < 25_000; i++) pending.put('alice', `m${i}`, {});
    expect(pending.size).toBe(1);
    expect(performance.now() - t0).toBeLessThan(5000); // quadratic (the old purge) took minutes
  });

  it("keeps each caller's decision to that caller: the same message id of another caller neither takes nor replaces it", () => {
    const pending = new PendingDecisions();
    pending.put('alice', 'm1', { unary: true });
    pending.put('mallory', 'm1', { unary: false });
    expect(pending.take('mallory', 'm1')).toEqual(expect.objectContaining({ unary: false }));
    expect(pending.take('mallory', 'm1')).toBeUndefined();
    expect(pending.take('alice', 'm1')).toEqual(expect.objectContaining({ unary: true }));
    // no owner prefix collides with another caller's message id
    pending.put('ab', 'c', { unary: true });
    expect(pending.take('a', 'bc')).toBeUndefined();
  });
});
