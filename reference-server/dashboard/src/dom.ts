/** A small DOM builder: text is always set as text, never parsed as HTML. */
type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  element.append(
    ...children
      .filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false)
      .map((c) => (typeof c === 'number' ? String(c) : c)),
  );
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

export const fmt = {
  ms: (n: number | null | undefined) =>
    n === null || n === undefined ? '—' : `${n >= 100 ? Math.round(n) : n.toFixed(1)} ms`,
  pct: (p: number | null | undefined) => (p === null || p === undefined ? '—' : `${(p * 100).toFixed(0)}%`),
  usd: (n: number | null | undefined) =>
    n === null || n === undefined || !Number.isFinite(n)
      ? '—'
      : n === 0
        ? '$0'
        : n < 0.001
          ? `$${n.toExponential(2)}`
          : `$${n.toFixed(4)}`,
  num: (n: number | null | undefined, digits = 1) => (n === null || n === undefined ? '—' : n.toFixed(digits)),
  time: (iso: string) => new Date(iso).toLocaleTimeString([], { hour12: false }),
  state: (s: string) => s.replace('TASK_STATE_', '').replace(/_/g, ' ').toLowerCase(),
};

export function badge(text: string, kind: string): HTMLSpanElement {
  return h('span', { class: `badge badge-${kind}` }, text);
}
