/** Core level: ListTasks — filters, ordering, cursor paging, artifact omission (A2A §3.1.4). */
import type { CheckContext, CheckDefinition } from '../model.js';
import { ensure, fail } from '../model.js';
import { definer, expectOk, isRecord, sendForTask } from './support.js';

const core = definer('core');

interface Listed {
  readonly tasks: Record<string, unknown>[];
  readonly raw: Record<string, unknown>;
}

async function list(context: CheckContext, params: Record<string, unknown>): Promise<Listed & { exchange: unknown }> {
  const outcome = await context.a2a.call('ListTasks', params, {}, context.signal);
  const value = expectOk(outcome, `ListTasks ${JSON.stringify(params)}`);
  if (!isRecord(value)) fail('ListTasks did not return an object', outcome.exchange);
  const tasks = value.tasks === undefined ? [] : value.tasks;
  ensure(Array.isArray(tasks), 'ListTasksResponse.tasks is not an array', outcome.exchange);
  return { tasks: tasks.filter(isRecord), raw: value, exchange: outcome.exchange };
}

/** Three tasks in one new context: two completed (with artifacts), one waiting for input, created in that order. */
async function fixture(context: CheckContext) {
  const first = await sendForTask(context, 'artifact-text');
  const contextId = first.contextId;
  ensure(contextId, 'the first task has no contextId', context.http.last);
  const second = await sendForTask(context, 'input-required', { contextId });
  const third = await sendForTask(context, 'artifact-text', { contextId });
  ensure(
    second.contextId === contextId && third.contextId === contextId,
    'messages naming an existing contextId (and no taskId) did not create tasks in that context (A2A §3.4.3)',
    context.http.last,
  );
  return { contextId, ids: [first.id, second.id, third.id], inputRequired: second.id };
}

export const LIST_CHECKS: CheckDefinition[] = [
  core({
    section: '3.1.4',
    requirement: 'MUST',
    name: 'list-filter-context',
    title: 'ListTasks filtered by contextId returns exactly that context’s tasks',
    requires: 'ListTasks filters by contextId and returns only tasks visible to the caller (A2A §3.1.4).',
    tck: ['CORE-LIST-001'],
    run: async (context) => {
      const f = await fixture(context);
      const page = await list(context, { contextId: f.contextId, pageSize: 50 });
      const ids = page.tasks.map((t) => t.id);
      ensure(
        page.tasks.every((t) => t.contextId === f.contextId),
        'a listed task belongs to another context',
      );
      ensure(
        f.ids.every((id) => ids.includes(id)),
        `expected the tasks ${f.ids.join(', ')}; got ${ids.join(', ')}`,
      );
    },
  }),
  core({
    section: '3.1.4',
    requirement: 'MUST',
    name: 'list-filter-status',
    scripted: true,
    title: 'ListTasks filtered by status returns only tasks in that state',
    requires: 'ListTasks filters by status (A2A §3.1.4, §6.5).',
    run: async (context) => {
      const f = await fixture(context);
      const page = await list(context, { contextId: f.contextId, status: 'TASK_STATE_INPUT_REQUIRED' });
      const ids = page.tasks.map((t) => t.id);
      ensure(
        ids.length === 1 && ids[0] === f.inputRequired,
        `expected only ${f.inputRequired}; got [${ids.join(', ')}]`,
      );
    },
  }),
  core({
    section: '3.1.4',
    requirement: 'MUST',
    name: 'list-newest-first',
    title: 'ListTasks returns the most recently updated tasks first',
    requires: 'Tasks are sorted by their status timestamp, most recent first (A2A §3.1.4).',
    tck: ['CORE-LIST-003'],
    run: async (context) => {
      const f = await fixture(context);
      const page = await list(context, { contextId: f.contextId });
      const stamps = page.tasks.map((t) => (isRecord(t.status) ? String(t.status.timestamp ?? '') : ''));
      for (let i = 1; i < stamps.length; i++) {
        ensure(
          Date.parse(stamps[i - 1] as string) >= Date.parse(stamps[i] as string),
          `status timestamps not descending: ${stamps.join(', ')}`,
        );
      }
      ensure(
        page.tasks[0]?.id === f.ids[2],
        `the newest task ${f.ids[2]} is not first (got ${String(page.tasks[0]?.id)})`,
      );
    },
  }),
  core({
    section: '3.1.4',
    requirement: 'MUST',
    name: 'list-cursor-paging',
    title: 'ListTasks pages with pageSize and nextPageToken, ending with an empty token',
    requires:
      'ListTasks uses cursor-based paging; nextPageToken is always present and is "" on the last page (A2A §3.1.4).',
    tck: ['CORE-LIST-002', 'CORE-LIST-004'],
    run: async (context) => {
      const f = await fixture(context);
      const seen: unknown[] = [];
      let token: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await list(context, {
          contextId: f.contextId,
          pageSize: 1,
          ...(token ? { pageToken: token } : {}),
        });
        ensure(page.tasks.length <= 1, `pageSize 1 returned ${page.tasks.length} tasks`);
        seen.push(...page.tasks.map((t) => t.id));
        ensure('nextPageToken' in page.raw, 'nextPageToken is absent (it MUST always be present)');
        ensure(typeof page.raw.nextPageToken === 'string', 'nextPageToken is not a string');
        token = page.raw.nextPageToken as string;
        if (token === '') break;
      }
      ensure(token === '', 'paging did not end with an empty nextPageToken within 10 pages of 3 tasks');
      ensure(
        seen.length === 3 && new Set(seen).size === 3,
        `paging returned ${JSON.stringify(seen)} instead of the 3 tasks once each`,
      );
    },
  }),
  core({
    section: '3.1.4',
    requirement: 'MUST',
    name: 'list-omits-artifacts',
    scripted: true,
    title: 'ListTasks omits artifacts unless includeArtifacts is true',
    requires:
      'When includeArtifacts is false (the default) the artifacts field is omitted from each task; when true it is included (A2A §3.1.4).',
    tck: ['CORE-LIST-005'],
    run: async (context) => {
      const f = await fixture(context);
      const without = await list(context, { contextId: f.contextId });
      ensure(
        without.tasks.every((t) => !('artifacts' in t)),
        'tasks carry "artifacts" although includeArtifacts was not set',
      );
      const withArtifacts = await list(context, { contextId: f.contextId, includeArtifacts: true });
      ensure(
        withArtifacts.tasks.some((t) => Array.isArray(t.artifacts) && t.artifacts.length > 0),
        'with includeArtifacts true no task carries its artifacts',
      );
    },
  }),
];
