/** Live traffic: every routed task as its events arrive, and the full decision of the selected one. */
import type { FleetResponse } from '../../../src/dashboard/protocol.js';
import { predictionsOf, ROUTING, type TaskBook, type TaskRow } from '../../../src/dashboard/view-model.js';
import { badge, byId, fmt, h } from '../dom.js';
import { decisionView } from './decision.js';

const SHOWN = 200;

function outcome(row: TaskRow): string {
  if (!row.finished) return '…';
  if (row.refused) return 'refused';
  return row.state === 'TASK_STATE_COMPLETED' || row.state === 'MESSAGE' ? 'success' : 'failure';
}

function stateBadge(row: TaskRow): HTMLElement {
  const state = row.state === ROUTING ? 'routing' : fmt.state(row.state);
  const kind = !row.finished ? 'pending' : outcome(row) === 'success' ? 'ok' : 'bad';
  return badge(state, kind);
}

function rowView(row: TaskRow, fleet: FleetResponse | undefined, selected: boolean, select: () => void) {
  const d = row.decision;
  const chosen = d?.chosen ?? null;
  const p = predictionsOf(d, row.agent ?? chosen);
  const mode = fleet?.agents.find((a) => a.id === row.agent)?.profile.reasoning.mode;
  const c = d?.complexity;
  const actualSuccess = outcome(row);
  const text = row.text.length > 70 ? `${row.text.slice(0, 69)}…` : row.text;
  return h(
    'tr',
    {
      'data-key': row.key,
      'data-state': row.state,
      'data-agent': row.agent ?? '',
      class: selected ? 'selected' : undefined,
    },
    h('td', { class: 'nowrap' }, fmt.time(row.at)),
    h('td', { title: row.text }, text),
    h(
      'td',
      { class: 'nowrap' },
      c ? `${row.descriptor?.domain ?? 'general'} · ${fmt.num(c.value)} ± ${fmt.num(c.sigma)}` : '—',
      d ? h('span', { class: 'sub' }, d.complexityOrigin) : null,
    ),
    h('td', { class: 'nowrap' }, row.agent ?? '—', mode ? h('span', { class: 'sub' }, mode) : null),
    h(
      'td',
      { class: 'nowrap', 'data-col': 'success' },
      `${fmt.pct(p?.success)} → `,
      actualSuccess === 'success'
        ? badge('✓ success', 'ok')
        : actualSuccess === 'failure'
          ? badge('✗ failed', 'bad')
          : actualSuccess,
    ),
    h(
      'td',
      { class: 'nowrap', 'data-col': 'latency' },
      row.refused ? '—' : `${fmt.ms(p?.completionMs)} → ${row.durationMs === null ? '…' : fmt.ms(row.durationMs)}`,
      row.firstResponseMs !== null
        ? h('span', { class: 'sub' }, `first ${fmt.ms(p?.firstResponseMs)} → ${fmt.ms(row.firstResponseMs)}`)
        : null,
    ),
    h('td', { 'data-col': 'escalations' }, row.escalations.map((e) => `${e.from} → ${e.to}`).join(', ') || '—'),
    h('td', {}, stateBadge(row)),
    h(
      'td',
      {},
      d
        ? h(
            'button',
            {
              type: 'button',
              class: 'link',
              'aria-label': `Show the decision for “${text}”`,
              'aria-pressed': selected ? 'true' : 'false',
              onclick: select,
            },
            'Decision',
          )
        : null,
    ),
  );
}

export function renderLive(
  book: TaskBook,
  fleet: FleetResponse | undefined,
  selected: string | undefined,
  select: (key: string) => void,
): void {
  const rows = book.list();
  byId('live-count').textContent = `${rows.length} task${rows.length === 1 ? '' : 's'} (feed #${book.lastSeq})`;
  const tbody = byId('live-table').querySelector('tbody') as HTMLTableSectionElement;
  tbody.replaceChildren(
    ...rows.slice(0, SHOWN).map((row) => rowView(row, fleet, row.key === selected, () => select(row.key))),
  );
  if (rows.length === 0)
    tbody.append(h('tr', {}, h('td', { colspan: 9, class: 'empty' }, 'No tasks yet: send one to the broker.')));
  const panel = byId('decision');
  const row = selected ? book.get(selected) : undefined;
  panel.hidden = !row?.decision;
  if (row?.decision) {
    byId('decision-title').textContent = `Decision for “${row.text.slice(0, 80)}”`;
    byId('decision-body').replaceChildren(decisionView(row.decision, row.descriptor, fleet, row));
  }
}
