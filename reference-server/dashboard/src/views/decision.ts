/** The full decision for one task: every candidate with its predictions and why it was not chosen. */
import type { RoutingDecision, TaskDescriptor } from '@rightsize/sdk/rightsize';
import type { FleetResponse } from '../../../src/dashboard/protocol.js';
import { type TaskRow, whyNot } from '../../../src/dashboard/view-model.js';
import { badge, fmt, h } from '../dom.js';

export function decisionView(
  decision: RoutingDecision,
  descriptor: TaskDescriptor | undefined,
  fleet: FleetResponse | undefined,
  row?: TaskRow,
): HTMLElement {
  const agent = (id: string) => fleet?.agents.find((a) => a.id === id);
  const c = decision.complexity;
  const constraints = descriptor?.constraints ?? {};
  const facts: Array<[string, string]> = [
    ['Decision', decision.decisionId],
    ['Domain', descriptor?.domain ?? 'general'],
    ['Complexity', `${fmt.num(c.value)} ± ${fmt.num(c.sigma)} (from ${decision.complexityOrigin})`],
    ['Preference', `${decision.preference}, minimum success ${fmt.pct(decision.minSuccess)}`],
    ['Chosen', decision.chosen ?? 'none (no capable agent)'],
    ['Escalation plan', decision.escalation.join(' → ') || '—'],
  ];
  if (Object.keys(constraints).length) facts.push(['Constraints', JSON.stringify(constraints)]);
  if (row?.attempts.length)
    facts.push([
      'Attempts',
      row.attempts.map((a) => `${a.agentId}: ${fmt.state(a.state)} in ${fmt.ms(a.durationMs)}`).join('; '),
    ]);
  if (decision.candidatesOmitted) facts.push(['Not listed', `${decision.candidatesOmitted} more candidates`]);
  const dl = h('dl', { class: 'facts' });
  for (const [term, value] of facts) dl.append(h('dt', {}, term), h('dd', {}, value));
  const listed = decision.candidates.map((candidate) => ({ candidate, unlisted: false }));
  const extra = (row?.unlisted ?? []).map((candidate) => ({ candidate, unlisted: true }));
  const rows = [...listed, ...extra].map(({ candidate, unlisted }) => {
    const p = candidate.predictions;
    const a = agent(candidate.agentId);
    const chosen = candidate.agentId === decision.chosen;
    return h(
      'tr',
      { class: chosen ? 'chosen' : candidate.feasible ? '' : 'infeasible', 'data-agent': candidate.agentId },
      h('th', { scope: 'row' }, candidate.agentId),
      h('td', {}, a ? `${a.profile.placement.placement} · ${a.profile.reasoning.mode}` : '—'),
      h('td', {}, candidate.feasible ? badge(`#${candidate.rank ?? '?'}`, 'ok') : badge('infeasible', 'bad')),
      h('td', { class: 'num' }, fmt.pct(p?.success)),
      h('td', { class: 'num' }, fmt.ms(p?.firstResponseMs)),
      h('td', { class: 'num' }, fmt.ms(p?.completionMs)),
      h('td', { class: 'num' }, fmt.usd(p?.cost.amount)),
      h('td', { class: 'num' }, fmt.usd(p?.costPerSuccess ?? null)),
      h(
        'td',
        { class: 'why' },
        whyNot(candidate, decision, descriptor),
        unlisted ? h('span', { class: 'sub' }, 'not in the decision record (the index ruled it out early)') : null,
      ),
    );
  });
  const table = h(
    'table',
    { class: 'decision-table' },
    h('caption', { class: 'visually-hidden' }, 'Every candidate the broker considered'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...[
          'Agent',
          'Tier · mode',
          'Feasible',
          'P(success)',
          'First response',
          'Completion',
          'Cost',
          'Cost/success',
        ].map((t) => h('th', { scope: 'col' }, t)),
        h('th', { scope: 'col' }, 'Why (not) chosen'),
      ),
    ),
    h('tbody', {}, ...rows),
  );
  const pctl = decision.candidates.find((x) => x.predictions)?.predictions?.latencyPercentile;
  return h(
    'div',
    {},
    dl,
    h('div', { class: 'table-wrap' }, table),
    pctl ? h('p', { class: 'hint' }, `Latencies predicted at p${pctl}.`) : null,
  );
}
