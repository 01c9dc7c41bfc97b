/**
 * The dashboard's entry point: the admin credential (from the link `npm start` prints, `#key=…`, or the sign-in
 * form; kept in sessionStorage, never sent in a URL), the views (hash routes #fleet, #live, #outcomes, #dry-run),
 * the live feed and the periodic fleet refresh.
 */
import type { FleetResponse } from '../../src/dashboard/protocol.js';
import { inflightByAgent, TaskBook } from '../../src/dashboard/view-model.js';
import { Api, Unauthorized } from './api.js';
import type { Chart } from './charts.js';
import { byId } from './dom.js';
import { FeedClient } from './feed-client.js';
import { bindDryRun } from './views/dry-run.js';
import { renderFleet } from './views/fleet.js';
import { renderLive } from './views/live.js';
import { OutcomesView } from './views/outcomes.js';
import './styles.css';

const VIEWS = ['fleet', 'live', 'outcomes', 'dry-run'] as const;
type View = (typeof VIEWS)[number];
const TOKEN_KEY = 'rightsize-dashboard-token';
const FLEET_REFRESH_MS = 3000;

const book = new TaskBook();
const outcomesView = new OutcomesView();
let api: Api | undefined;
let feed: FeedClient | undefined;
let fleet: FleetResponse | undefined;
let fleetCharts: Chart[] = [];
let selected: string | undefined;
let view: View | 'signin' = 'live';
let frame = 0;

function currentView(): View {
  const name = window.location.hash.slice(1);
  return (VIEWS as readonly string[]).includes(name) ? (name as View) : 'live';
}

function show(next: View | 'signin'): void {
  view = next;
  for (const name of [...VIEWS, 'signin']) byId(`view-${name}`).hidden = name !== next;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('[data-nav]')) {
    if (link.dataset.nav === next) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${next === 'signin' ? 'Sign in' : byId(`${next}-title`).textContent} — Rightsize broker`;
  render();
}

/** Re-render the visible view at most once per frame. */
function render(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    if (view === 'live') renderLive(book, fleet, selected, select);
    else if (view === 'outcomes') outcomesView.render(book.list(), fleet);
    else if (view === 'fleet' && fleet) drawFleet();
  });
}

function drawFleet(): void {
  if (!fleet) return;
  for (const chart of fleetCharts) chart.destroy();
  fleetCharts = renderFleet(byId('fleet-agents'), fleet, inflightByAgent(book.list()));
}

function select(key: string): void {
  selected = key;
  renderLive(book, fleet, selected, select);
  byId('decision-title').focus();
}

async function refreshFleet(): Promise<void> {
  if (!api) return;
  try {
    fleet = await api.fleet();
    if (view === 'fleet') drawFleet();
    else render();
  } catch (error) {
    if (error instanceof Unauthorized) signOut(error.message);
  }
}

function setStatus(text: string, state: string): void {
  const status = byId('feed-status');
  status.textContent = text;
  status.dataset.state = state;
}

function signOut(message: string): void {
  feed?.stop();
  feed = undefined;
  api = undefined;
  sessionStorage.removeItem(TOKEN_KEY);
  byId('signin-error').textContent = message;
  setStatus('signed out', 'unauthorized');
  show('signin');
}

async function signIn(token: string): Promise<void> {
  api = new Api(token);
  try {
    fleet = await api.fleet();
  } catch (error) {
    signOut(error instanceof Error ? error.message : String(error));
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  feed = new FeedClient(token, {
    entries: (entries) => {
      let fleetChanged = false;
      for (const entry of entries) if (book.apply(entry) && entry.kind === 'attempt') fleetChanged = true;
      if (fleetChanged && view === 'fleet') void refreshFleet();
      render();
    },
    reset: () => {
      book.clear();
      selected = undefined;
      render();
    },
    state: (state, detail) => {
      if (state === 'unauthorized') signOut('The broker refused the credential.');
      else setStatus(detail, state);
    },
    lastSeq: () => book.lastSeq,
  });
  feed.start();
  show(currentView());
}

function boot(): void {
  bindDryRun(
    () => api,
    () => fleet,
  );
  byId('fleet-refresh').addEventListener('click', () => void refreshFleet());
  byId<HTMLFormElement>('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('signin-token');
    const token = input.value.trim();
    input.value = '';
    byId('signin-error').textContent = '';
    if (token) void signIn(token);
  });
  window.addEventListener('hashchange', () => {
    if (!api) return;
    show(currentView());
    byId(`${currentView()}-title`).focus();
  });
  setInterval(() => {
    if (api && view === 'fleet' && document.visibilityState === 'visible') void refreshFleet();
  }, FLEET_REFRESH_MS);
  const fromLink = /^#key=(.+)$/.exec(window.location.hash)?.[1];
  if (fromLink) history.replaceState(null, '', `${window.location.pathname}#live`);
  const token = fromLink ? decodeURIComponent(fromLink) : sessionStorage.getItem(TOKEN_KEY);
  if (token) void signIn(token);
  else show('signin');
}

boot();
