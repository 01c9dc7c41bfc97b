/**
 * Every admin route refuses the three hostile callers — no credential (401), a client's key (403), a wrong key
 * (401) — with an A2A error body and nothing else: no agent, card URL or count leaks. The routes are read from the
 * broker's own route table (probes and the dashboard on), so a route added without an admin check fails here unless
 * it is listed below as public, A2A or client.
 */
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, createBroker } from '../src/index.js';
import { startFleet } from './support/demo.js';

const ADMIN = 'routes-admin-key';
const CLIENT = 'routes-client-key';
const WRONG = 'routes-wrong-key';

/** Routes that need no admin credential, by design (method and path as the route table prints them). */
const NOT_ADMIN = new Set([
  // public: the card, liveness, the dashboard's page (it holds no data; its feed authenticates the socket's first
  // message, tested in dashboard.test.ts). /metrics is not listed: it takes an admin credential (or the metrics
  // token, metrics-access.test.ts) like every admin route.
  'GET /.well-known/agent-card.json',
  'GET /healthz',
  'GET /dashboard',
  'GET /dashboard/*',
  'GET /dashboard/feed',
  // the A2A surface: callers per the card's security schemes (broker.test.ts)
  'POST /a2a/jsonrpc',
  'POST /a2a/jsonrpc/',
  ...['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].flatMap((m) => [`${m} /a2a/rest`, `${m} /a2a/rest/*`]),
  // client feedback: a client credential (broker.test.ts)
  'POST /rightsize/v1/feedback',
]);

/** Method and full path of every route, from fastify's route tree per method (the router's own structure). */
function routeTable(app: FastifyInstance): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = [];
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    const stack: string[] = [];
    for (const line of app.printRoutes({ method }).split('\n')) {
      const match = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
      if (!match) continue;
      stack.length = (match[1] ?? '').length / 4;
      stack.push(match[2] ?? '');
      if (match[3]?.split(', ').includes(method)) routes.push({ method, path: stack.join('') });
    }
  }
  return routes;
}

describe('admin routes refuse callers without an admin credential', () => {
  let broker: Broker;
  let url: string;
  let closeFleet: () => Promise<unknown>;
  let agentId: string;
  let secrets: string[];
  beforeAll(async () => {
    const fleet = await startFleet();
    closeFleet = () => Promise.all(fleet.map((a) => a.app.close()));
    broker = await createBroker({
      allowPrivateNetworks: true,
      healthIntervalMs: 0,
      auth: { adminKeys: [ADMIN], clientKeys: { [CLIENT]: 'client' } },
      dashboard: true,
      probes: { budgetPerAgent: 1, ratePerMinute: 0.001 },
    });
    url = await broker.listen();
    const first = fleet[0];
    if (!first) throw new Error('no demo agent');
    agentId = (await broker.registry.register(first.cardUrl)).agent.id;
    // what an admin route would return: nothing of it may reach a refused caller
    secrets = [agentId, first.cardUrl, first.spec.description];
  }, 60_000);
  afterAll(async () => {
    await broker?.close();
    await closeFleet?.();
  });

  it('finds the admin routes in the route table (GET /probes among them)', () => {
    const admin = routeTable(broker.app).filter((r) => !NOT_ADMIN.has(`${r.method} ${r.path}`));
    expect(admin.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'GET /rightsize/v1/probes',
        'GET /metrics',
        'GET /rightsize/v1/agents',
        'POST /rightsize/v1/match',
        'GET /dashboard/api/fleet',
        'POST /dashboard/api/dry-run',
      ]),
    );
    // every listed exception still exists (a stale list would hide a renamed route)
    const all = new Set(routeTable(broker.app).map((r) => `${r.method} ${r.path}`));
    for (const route of NOT_ADMIN) expect([route, all.has(route)]).toEqual([route, true]);
  });

  it('401 without a credential, 403 with a client key, 401 with a wrong key: an A2A error body, no data', async () => {
    const admin = routeTable(broker.app).filter((r) => !NOT_ADMIN.has(`${r.method} ${r.path}`));
    expect(admin.length).toBeGreaterThanOrEqual(10);
    const callers: Array<[string, Record<string, string>, number, string]> = [
      ['none', {}, 401, 'UNAUTHENTICATED'],
      ['client key', { 'x-api-key': CLIENT }, 403, 'PERMISSION_DENIED'],
      ['wrong key', { authorization: `Bearer ${WRONG}` }, 401, 'UNAUTHENTICATED'],
    ];
    for (const { method, path } of admin) {
      const target = path.replace(/:[a-zA-Z]+/g, encodeURIComponent(agentId)).replace(/\*$/, 'x');
      for (const [caller, headers, status, reason] of callers) {
        const hasBody = method === 'POST' || method === 'PUT';
        const response = await request(`${url}${target}`, {
          method: method as 'GET',
          headers: { ...headers, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
          ...(hasBody ? { body: '{}' } : {}),
        });
        const text = await response.body.text();
        const where = `${method} ${path} (${caller})`;
        expect([where, response.statusCode]).toEqual([where, status]);
        if (status === 401) expect([where, response.headers['www-authenticate']]).toEqual([where, 'Bearer']);
        const body = JSON.parse(text) as { error?: { status?: string; details?: Array<{ reason?: string }> } };
        expect([where, Object.keys(body)]).toEqual([where, ['error']]);
        expect([where, body.error?.details?.[0]?.reason]).toEqual([where, reason]);
        for (const secret of secrets) expect([where, text.includes(secret)]).toEqual([where, false]);
      }
    }
  });

  it('the same routes answer an admin (the refusals above are the credential, not a broken route)', async () => {
    const probes = await request(`${url}/rightsize/v1/probes`, { headers: { 'x-api-key': ADMIN } });
    expect(probes.statusCode).toBe(200);
    expect(await probes.body.text()).toContain(agentId);
    const fleet = await request(`${url}/dashboard/api/fleet`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(fleet.statusCode).toBe(200);
    expect(await fleet.body.text()).toContain(agentId);
  });
});
