/**
 * The success integral of spec §6.2 (5) runs for every assessed agent and mode, and for every agent whose bound the
 * candidate index refines: it must not allocate per call or per quadrature node (a closure, its context, a boxed
 * result per node where the integrator's call site is megamorphic), or a decision's garbage — and the collector's
 * pauses on a share of decisions — grows with it (bench:match counts both).
 * Measured as the median growth of the V8 heap across one call, after a warm-up, over calls during which no
 * collection ran.
 */
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { logisticNormal } from '../src/rightsize/math/stats.js';

/** Median bytes one call of `f` allocates, less what reading the heap statistics allocates. */
function bytesPerCall(f: (i: number) => number): number {
  const used = () => v8.getHeapStatistics().used_heap_size;
  for (let i = 0; i < 20000; i++) f(i);
  const growth: number[] = [];
  const empty: number[] = [];
  for (let i = 0; i < 400; i++) {
    const e0 = used();
    const e1 = used();
    if (e1 >= e0) empty.push(e1 - e0);
    const h0 = used();
    f(i);
    const h1 = used();
    if (h1 >= h0) growth.push(h1 - h0);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1] as number;
  return median(growth) - median(empty);
}

describe('the success integral allocates nothing per quadrature node', () => {
  it('logisticNormal (48 or more nodes per call) allocates under 64 bytes per call (was a closure and its context: 152)', () => {
    const bytes = bytesPerCall((i) => logisticNormal(0.5 * (i % 7) - 1, 0.2 + (i % 5) * 0.7, i % 3 === 0 ? 1 : 9));
    expect(bytes).toBeLessThan(64);
  });
});
