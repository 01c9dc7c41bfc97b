/** The fleet: each agent's tier, modes, health, load, prices and known-answer probes; per domain its curves and calibration verdict. */
import type { FleetAgent, FleetDomain, FleetResponse } from '../../../src/dashboard/protocol.js';
import { probeSummary } from '../../../src/dashboard/view-model.js';
import { type Chart, COLORS, type Data, lineChart } from '../charts.js';
import { badge, fmt, h } from '../dom.js';

const VERDICT: Record<FleetDomain['verdict'], { text: string; kind: string }> = {
  consistent: { text: 'accepted', kind: 'ok' },
  'under-claimed': { text: 'accepted (under-claimed)', kind: 'ok' },
  'over-claimed': { text: 'over-claimed', kind: 'bad' },
  'insufficient-data': { text: 'insufficient data', kind: 'pending' },
};

function prices(agent: FleetAgent): string {
  const c = agent.profile.cost;
  const parts = [
    c.perTask !== undefined ? `${fmt.usd(c.perTask)}/task` : '',
    c.inputPerMillion !== undefined ? `in ${fmt.usd(c.inputPerMillion)}/M` : '',
    c.outputPerMillion !== undefined ? `out ${fmt.usd(c.outputPerMillion)}/M` : '',
    c.reasoningPerMillion !== undefined ? `reasoning ${fmt.usd(c.reasoningPerMillion)}/M` : '',
  ].filter(Boolean);
  return `${parts.join(', ') || 'free'} (${c.currency})`;
}

function evidence(d: FleetDomain): string {
  const declared = d.declaredAbility === null ? 'not declared' : `declared ability ${fmt.num(d.declaredAbility)}`;
  const learned =
    d.learnedAbility === null
      ? 'no outcomes yet'
      : `learned ${fmt.num(d.learnedAbility)} ± ${fmt.num(d.learnedSigma)} from ${d.observations} outcome${d.observations === 1 ? '' : 's'}`;
  const z = d.z === null ? '' : `; z = ${d.z.toFixed(2)} (rejected beyond ±3 with ≥ 20 outcomes)`;
  const budget = d.budgetCeiling === null ? '' : `; reasoning budget ends at complexity ${fmt.num(d.budgetCeiling)}`;
  return `${declared}; ${learned}${z}${budget}.`;
}

function curveData(d: FleetDomain): Data {
  const x = d.declared.map((p) => p.c);
  const observed = x.map(() => null as number | null);
  for (const bin of d.bins) {
    const i = x.findIndex((c) => Math.abs(c - (bin.from + 0.5)) < 1e-6);
    if (i >= 0) observed[i] = bin.successes / bin.n;
  }
  return [x, d.declared.map((p) => p.p), d.learned ? d.learned.map((p) => p.p) : x.map(() => null), observed];
}

function domainView(agent: FleetAgent, d: FleetDomain, charts: Chart[]): HTMLElement {
  const verdict = VERDICT[d.verdict];
  const plot = h('div', { class: 'chart' });
  const bins = d.bins.length
    ? h(
        'details',
        {},
        h('summary', {}, `Observed outcomes (${d.bins.reduce((n, b) => n + b.n, 0)})`),
        h(
          'ul',
          { class: 'bins' },
          ...d.bins.map((b) => h('li', {}, `complexity ${b.from}–${b.from + 1}: ${b.successes}/${b.n} succeeded`)),
        ),
      )
    : null;
  const figure = h(
    'figure',
    { class: 'domain', 'data-domain': d.domain, 'data-verdict': d.verdict },
    h('figcaption', {}, h('strong', {}, d.domain), ' ', badge(verdict.text, verdict.kind)),
    plot,
    h('p', { class: 'evidence' }, evidence(d)),
    bins,
  );
  queueMicrotask(() => {
    if (d.declared.length === 0) return;
    charts.push(
      lineChart(
        plot,
        {
          title: `${agent.id} · ${d.domain}: P(success) by complexity`,
          showTitle: false,
          x: { label: 'complexity' },
          y: { label: 'P(success)', range: [0, 1] },
          height: 190,
          series: [
            { label: 'declared', stroke: COLORS.declared },
            { label: 'learned', stroke: COLORS.learned, dash: [6, 4] },
            { label: 'observed', stroke: COLORS.observed, pointsOnly: true },
          ],
        },
        curveData(d),
      ),
    );
  });
  return figure;
}

function agentView(agent: FleetAgent, inflight: number, charts: Chart[]): HTMLElement {
  const p = agent.profile;
  const facts: Array<[string, string]> = [
    ['Tier', `${p.placement.placement}${p.placement.region ? ` (${p.placement.region})` : ''}`],
    [
      'Reasoning',
      `${p.reasoning.mode}${p.reasoning.maxReasoningTokens ? `, budget ${p.reasoning.maxReasoningTokens} tokens` : ''}`,
    ],
    ['Health', `${agent.status}${agent.failures ? `, ${agent.failures} failed checks` : ''}`],
    ['Load', `${inflight} in flight through the broker; ${agent.reportedLoad} reported`],
    ['Prices', prices(agent)],
    ['Probes', probeSummary(agent.probes)],
    [
      'Latency',
      `first token p50 ${fmt.ms(p.latency.ttftMs.p50)}, p95 ${fmt.ms(p.latency.ttftMs.p95)}; ${p.latency.outputTokensPerSecond} tokens/s`,
    ],
  ];
  const dl = h('dl', { class: 'facts' });
  for (const [term, value] of facts) dl.append(h('dt', {}, term), h('dd', {}, value));
  return h(
    'article',
    { class: 'card agent', 'data-agent': agent.id, 'aria-labelledby': `agent-${agent.id}` },
    h(
      'header',
      {},
      h('h3', { id: `agent-${agent.id}` }, agent.id),
      badge(p.placement.placement, 'tier'),
      badge(p.reasoning.mode, 'mode'),
      badge(agent.status, agent.status === 'active' ? 'ok' : 'bad'),
    ),
    h('p', { class: 'hint' }, agent.description),
    dl,
    ...agent.domains.map((d) => domainView(agent, d, charts)),
  );
}

/** Render the fleet into `container`; returns the charts (to destroy on the next render). */
export function renderFleet(container: HTMLElement, fleet: FleetResponse, inflight: Map<string, number>): Chart[] {
  const charts: Chart[] = [];
  container.replaceChildren(...fleet.agents.map((a) => agentView(a, inflight.get(a.id) ?? 0, charts)));
  if (fleet.agents.length === 0) container.append(h('p', {}, 'No agents registered.'));
  return charts;
}
