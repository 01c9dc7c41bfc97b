/** Outcomes over time: routed vs "always strongest" and "always cheapest"; measured latency per tier. */
import type { FleetResponse } from '../../../src/dashboard/protocol.js';
import { latencyByTier, outcomes, type Policy, type TaskRow } from '../../../src/dashboard/view-model.js';
import { type Chart, COLORS, lineChart } from '../charts.js';
import { byId, fmt, h } from '../dom.js';

const POLICIES: ReadonlyArray<[Policy, string]> = [
  ['routed', 'Routed by the broker (measured)'],
  ['strongest', 'Always the strongest (predicted)'],
  ['cheapest', 'Always the cheapest (predicted)'],
];

const series = POLICIES.map(([policy, label]) => ({ label, stroke: COLORS[policy] }));

export class OutcomesView {
  #success: Chart | undefined;
  #cost: Chart | undefined;

  render(rows: readonly TaskRow[], fleet: FleetResponse | undefined): void {
    const o = outcomes(rows);
    const tbody = byId('outcomes-table').querySelector('tbody') as HTMLTableSectionElement;
    tbody.replaceChildren(
      ...POLICIES.map(([policy, label]) => {
        const t = o.totals[policy];
        return h(
          'tr',
          { 'data-policy': policy },
          h('th', { scope: 'row' }, label),
          h('td', { class: 'num' }, t.tasks),
          h('td', { class: 'num' }, t.tasks ? fmt.pct(t.successes / t.tasks) : '—'),
          h('td', { class: 'num' }, fmt.usd(t.cost)),
          h('td', { class: 'num' }, t.successes > 0 ? fmt.usd(t.cost / t.successes) : '—'),
          h('td', { class: 'num' }, t.deadlineMisses),
        );
      }),
    );
    const x = o.series.x;
    const success: [number[], ...number[][]] = [x, ...POLICIES.map(([p]) => o.series.successRate[p])];
    const cost: [number[], ...number[][]] = [x, ...POLICIES.map(([p]) => o.series.cost[p])];
    if (this.#success) this.#success.update(success);
    else
      this.#success = lineChart(
        byId('chart-success'),
        {
          title: 'Success rate',
          showTitle: false,
          x: { label: 'tasks, in order' },
          y: { label: 'rate', range: [0, 1] },
          series,
        },
        success,
      );
    if (this.#cost) this.#cost.update(cost);
    else
      this.#cost = lineChart(
        byId('chart-cost'),
        { title: 'Cumulative cost', showTitle: false, x: { label: 'tasks, in order' }, y: { label: 'USD' }, series },
        cost,
      );
    const tier = (id: string) => fleet?.agents.find((a) => a.id === id)?.profile.placement.placement ?? 'unknown';
    const latency = byId('latency-table').querySelector('tbody') as HTMLTableSectionElement;
    const tiers = latencyByTier(rows, tier);
    latency.replaceChildren(
      ...tiers.map((t) =>
        h(
          'tr',
          { 'data-tier': t.tier },
          h('th', { scope: 'row' }, t.tier),
          h('td', { class: 'num' }, t.attempts),
          h('td', { class: 'num' }, fmt.ms(t.p50)),
          h('td', { class: 'num' }, fmt.ms(t.p95)),
          h('td', { class: 'num' }, fmt.ms(t.p99)),
        ),
      ),
    );
    if (tiers.length === 0) latency.append(h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No attempts yet.')));
  }
}
