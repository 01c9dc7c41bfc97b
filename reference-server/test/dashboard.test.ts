/**
 * The dashboard's server side on loopback with the SIMULATED demo fleet (real HTTP, real WebSocket, embedded
 * PGlite): the page and its headers, admin-only endpoints, the fleet's curves and verdicts, the dry run, and the
 * live feed — entries for every routed task, resumption after a number without duplicates, and after a broker
 * restart on the same data directory (same feed, numbers continue) or on a new store (the browser is told to reset).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildDashboard } from '../dashboard/build.js';
import type { Broker } from '../src/broker/broker.js';
import type { FeedEntry, FeedServerMessage, FleetResponse } from '../src/dashboard/protocol.js';
import type { SimulatedAgent } from '../src/demo/fleet.js';
import {
  ADMIN_KEY,
  CLIENT_KEY,
  EASY,
  HARD_MATH,
  IMPOSSIBLE,
  sendTask,
  startBroker,
  startFleet,
} from './support/demo.js';

let fleet: SimulatedAgent[];
let assetsDir: string;
let dataDir: string;
let broker: Broker;
let url: string;

const api = async (method: 'GET' | 'POST', path: string, body?: unknown, key: string | null = ADMIN_KEY) => {
  const response = await request(`${url}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
};

/** Open the feed, say hello, and collect messages until `until` holds (or the socket closes). */
function readFeed(
  base: string,
  hello: Record<string, unknown>,
  until: (messages: FeedServerMessage[]) => boolean,
): Promise<{ messages: FeedServerMessage[]; closeCode?: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${base.replace('http', 'ws')}/dashboard/feed`);
    const messages: FeedServerMessage[] = [];
    socket.on('open', () => socket.send(JSON.stringify({ type: 'hello', ...hello })));
    socket.on('message', (data) => {
      messages.push(JSON.parse(String(data)) as FeedServerMessage);
      if (until(messages)) {
        socket.close();
        resolve({ messages });
      }
    });
    socket.on('close', (code) => resolve({ messages, closeCode: code }));
    socket.on('error', reject);
  });
}

const entriesOf = (messages: FeedServerMessage[]): FeedEntry[] =>
  messages.flatMap((m) => (m.type === 'entries' ? m.entries : []));

beforeAll(async () => {
  assetsDir = await buildDashboard({ outDir: await mkdtemp(join(tmpdir(), 'rightsize-dashboard-assets-')) });
  dataDir = await mkdtemp(join(tmpdir(), 'rightsize-dashboard-data-'));
  fleet = await startFleet();
  ({ broker, url } = await startBroker(fleet, { assetsDir, dataDir }));
}, 60_000);

afterAll(async () => {
  await broker?.close();
  await Promise.all((fleet ?? []).map((a) => a.app.close()));
  await rm(dataDir, { recursive: true, force: true });
  await rm(assetsDir, { recursive: true, force: true });
});

describe('dashboard: the page and its endpoints', () => {
  it('serves the built page at /dashboard/ with a strict CSP; /dashboard redirects there', async () => {
    const page = await api('GET', '/dashboard/', undefined, null);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<script type="module" src="app.js">');
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    const script = await api('GET', '/dashboard/app.js', undefined, null);
    expect(script.status).toBe(200);
    expect(script.text).not.toMatch(/https?:\/\/(cdn|unpkg|jsdelivr)/);
    const bare = await request(`${url}/dashboard`);
    await bare.body.dump();
    expect(bare.statusCode).toBeGreaterThanOrEqual(301);
    expect(bare.headers.location).toBe('/dashboard/');
  });

  it('requires an admin credential, as the admin API does: 401 without, 403 with a client key', async () => {
    expect((await api('GET', '/dashboard/api/fleet', undefined, null)).status).toBe(401);
    expect((await api('GET', '/dashboard/api/fleet', undefined, CLIENT_KEY)).status).toBe(403);
    expect((await api('POST', '/dashboard/api/dry-run', { text: 'hi' }, CLIENT_KEY)).status).toBe(403);
    expect((await api('GET', '/dashboard/api/fleet')).status).toBe(200);
  });

  it('the feed refuses a socket without an admin credential (4401) or with a client one (4403)', async () => {
    expect((await readFeed(url, { token: 'wrong' }, () => false)).closeCode).toBe(4401);
    expect((await readFeed(url, { token: CLIENT_KEY }, () => false)).closeCode).toBe(4403);
    const bad = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${url.replace('http', 'ws')}/dashboard/feed`);
      socket.on('open', () => socket.send('not json'));
      socket.on('close', (code) => resolve(code));
    });
    expect(bad).toBe(4400);
  });

  it('dry run: the decision for a message with or without a descriptor, every agent listed, nothing sent', async () => {
    const routed = await api('POST', '/dashboard/api/dry-run', { text: 'Solve this', descriptor: HARD_MATH });
    expect(routed.status).toBe(200);
    const body = JSON.parse(routed.text);
    expect(body.decision.chosen).toBe('cloud-thinker');
    expect(body.decision.complexityOrigin).toBe('descriptor');
    expect(body.decision.candidates.map((c: { agentId: string }) => c.agentId).sort()).toEqual([
      'cloud-fast',
      'cloud-thinker',
      'device-fast',
      'edge-hybrid',
    ]);
    const estimated = JSON.parse((await api('POST', '/dashboard/api/dry-run', { text: 'What time is it?' })).text);
    expect(estimated.decision.complexityOrigin).not.toBe('descriptor');
    const invalid = await api('POST', '/dashboard/api/dry-run', { text: 'x', descriptor: { domain: 42 } });
    expect(invalid.status).toBe(400);
    expect(invalid.text).toContain('descriptor');
    expect((await api('POST', '/dashboard/api/dry-run', { text: 'x'.repeat(10_001) })).status).toBe(400);
  });
});

describe('dashboard: the live feed', () => {
  let firstFeedId = '';
  let seen: FeedEntry[] = [];

  it('carries the decision, each attempt and the end of every routed task, and refusals, in order', async () => {
    const easy = await sendTask(url, 'Hi! Is it a good evening for a walk?', EASY);
    const hard = await sendTask(url, 'When do I reach the top?', HARD_MATH);
    expect(await sendTask(url, 'Prove it', IMPOSSIBLE)).toBe('UnsupportedOperationError');
    const { messages } = await readFeed(
      url,
      { token: ADMIN_KEY },
      (m) => entriesOf(m).filter((e) => e.kind === 'finished').length >= 2 && entriesOf(m).length >= 7,
    );
    const ready = messages[0];
    expect(ready).toMatchObject({ type: 'ready', after: 0, reset: true });
    firstFeedId = ready?.type === 'ready' ? ready.feedId : '';
    seen = entriesOf(messages);
    const seqs = seen.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const decided = (id: string) => seen.find((e) => e.kind === 'decided' && e.taskId === id);
    expect(decided(easy)).toMatchObject({ decision: { chosen: 'device-fast' }, descriptor: { domain: 'dialogue' } });
    expect(decided(hard)).toMatchObject({ decision: { chosen: 'cloud-thinker', complexityOrigin: 'descriptor' } });
    expect(seen.find((e) => e.kind === 'attempt' && e.taskId === easy)).toMatchObject({
      agentId: 'device-fast',
      state: 'TASK_STATE_COMPLETED',
      success: true,
    });
    const finished = seen.find((e) => e.kind === 'finished' && e.taskId === easy);
    expect(finished).toMatchObject({ state: 'TASK_STATE_COMPLETED' });
    expect(finished?.kind === 'finished' && finished.firstResponseMs).toBeGreaterThan(0);
    expect(seen.find((e) => e.kind === 'decided' && e.taskId === null)).toMatchObject({ decision: { chosen: null } });
  });

  it('resumes after a sequence number with exactly the entries after it, then live ones', async () => {
    const cut = seen[2]?.seq as number;
    const live = sendTask(url, 'Set a reminder to call Sam at six.', EASY);
    const { messages } = await readFeed(url, { token: ADMIN_KEY, feedId: firstFeedId, after: cut }, (m) =>
      entriesOf(m).some((e) => e.kind === 'finished' && e.seq > (seen.at(-1)?.seq ?? 0)),
    );
    const taskId = await live;
    expect(messages[0]).toMatchObject({ type: 'ready', feedId: firstFeedId, after: cut, reset: false });
    const got = entriesOf(messages);
    expect(got[0]?.seq).toBe(seen[3]?.seq);
    expect(got.slice(0, seen.length - 3).map((e) => e.seq)).toEqual(seen.slice(3).map((e) => e.seq));
    expect(new Set(got.map((e) => e.seq)).size).toBe(got.length);
    expect(got.some((e) => e.kind === 'decided' && e.taskId === taskId)).toBe(true);
  });

  it('after a restart on the same data directory: same feed, numbers continue, nothing repeated', async () => {
    await broker.close();
    ({ broker, url } = await startBroker(fleet, { assetsDir, dataDir, register: false }));
    const before = await readFeed(url, { token: ADMIN_KEY }, (m) => entriesOf(m).length >= seen.length);
    const last = entriesOf(before.messages).at(-1)?.seq ?? 0;
    const taskId = await sendTask(url, 'Thanks, that helps!', EASY);
    const { messages } = await readFeed(url, { token: ADMIN_KEY, feedId: firstFeedId, after: last }, (m) =>
      entriesOf(m).some((e) => e.kind === 'finished' && e.taskId === taskId),
    );
    expect(messages[0]).toMatchObject({ type: 'ready', feedId: firstFeedId, reset: false });
    const got = entriesOf(messages);
    expect(got.every((e) => e.seq > last)).toBe(true);
    expect(got[0]).toMatchObject({ kind: 'decided', taskId });
  }, 60_000);

  it('a browser coming back to another store (new in-memory broker) is told to reset and gets that feed', async () => {
    const other = await startBroker(fleet, { assetsDir, register: false });
    try {
      const { messages } = await readFeed(
        other.url,
        { token: ADMIN_KEY, feedId: firstFeedId, after: 999 },
        (m) => m.length >= 1,
      );
      expect(messages[0]).toMatchObject({ type: 'ready', after: 0, reset: true });
      expect(messages[0]?.type === 'ready' && messages[0].feedId).not.toBe(firstFeedId);
    } finally {
      await other.broker.close();
    }
  }, 60_000);
});

describe('dashboard: the fleet', () => {
  it('lists every agent with tier, mode, health, prices and per domain the declared curve and binned outcomes', async () => {
    // the client confirms three dialogue answers: only such outcomes calibrate (spec §9.4)
    for (const text of ['Good morning!', 'How are you?', 'Thanks!']) {
      const taskId = await sendTask(url, text, EASY);
      expect((await api('POST', '/rightsize/v1/feedback', { taskId, success: true })).status).toBe(202);
    }
    const response = await api('GET', '/dashboard/api/fleet');
    const body = JSON.parse(response.text) as FleetResponse;
    expect(body.agents.map((a) => a.id)).toEqual(['cloud-fast', 'cloud-thinker', 'device-fast', 'edge-hybrid']);
    const device = body.agents.find((a) => a.id === 'device-fast');
    expect(device).toMatchObject({ status: 'active', profile: { placement: { placement: 'device' } } });
    const dialogue = device?.domains.find((d) => d.domain === 'dialogue');
    expect(dialogue?.declaredAbility).toBe(4.5);
    expect(dialogue?.declared[0]).toMatchObject({ c: 0 });
    expect(dialogue?.declared.find((p) => p.c === 4.5)?.p).toBeCloseTo(0.5, 6);
    expect(dialogue?.observations).toBeGreaterThanOrEqual(3);
    expect(dialogue?.bins.find((b) => b.from === 1)).toMatchObject({ n: expect.any(Number) });
    expect(dialogue?.learned).not.toBeNull();
    const edge = body.agents.find((a) => a.id === 'edge-hybrid');
    expect(edge?.domains.find((d) => d.domain === 'math')?.budgetCeiling).toBeGreaterThan(7);
    // this broker sends no known-answer probes
    expect(body.agents.map((a) => a.probes)).toEqual([null, null, null, null]);
  });

  it("shows each agent's known-answer probe counts and the window's budget spent, from the probe scheduler", async () => {
    const budget = 2;
    let ended = 0;
    let allEnded: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      allEnded = resolve;
    });
    const probing = await startBroker(fleet, {
      assetsDir,
      probes: {
        budgetPerAgent: budget,
        ratePerMinute: 60_000,
        onResult: () => {
          if (++ended === budget * fleet.length) allEnded();
        },
      },
    });
    try {
      await done;
      const response = await request(`${probing.url}/dashboard/api/fleet`, { headers: { 'x-api-key': ADMIN_KEY } });
      const body = (await response.body.json()) as FleetResponse;
      expect(body.agents).toHaveLength(fleet.length);
      for (const agent of body.agents) {
        const p = agent.probes;
        expect([agent.id, p?.sent, p?.windowUsed, p?.budgetPerAgent]).toEqual([agent.id, budget, budget, budget]);
        expect([agent.id, (p?.passed ?? 0) + (p?.failed ?? 0) + (p?.errors ?? 0)]).toEqual([agent.id, budget]);
        expect(agent.probes).toEqual({
          ...probing.broker.probes?.countsOf(agent.id),
          windowUsed: budget,
          budgetPerAgent: budget,
          windowMs: 86_400_000,
        });
      }
    } finally {
      await probing.broker.close();
    }
  }, 120_000);
});
