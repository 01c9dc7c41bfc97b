/**
 * The known-answer probe budget is one per agent and window for every broker on the store: claims stop at the
 * budget, a new window starts afresh (and forgets the old one); on PostgreSQL two connections claiming at once are
 * granted exactly the budget, and two broker replicas probing SIMULATED agents at once spend one budget together —
 * a third replica started later finds it spent and sends nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProbeBudget } from '../src/broker/probe-budget.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { migrate } from '../src/db/migrations.js';
import { AnswerKey, DEMO_FLEET, serveDemoFleet } from '../src/demo/fleet.js';
import { type Broker, createBroker } from '../src/index.js';
import { type FreshDatabase, freshDatabase, POSTGRES_SKIP_REASON, TEST_DATABASE_URL } from './support/postgres.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

async function claims(budget: ProbeBudget, agentId: string, n: number): Promise<number> {
  const granted = await Promise.all(Array.from({ length: n }, () => budget.claim(agentId)));
  return granted.filter(Boolean).length;
}

describe('probe budget on the embedded store', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({});
    await migrate(db);
  });
  afterAll(async () => db?.close());

  it('grants exactly the budget per agent; a budget of 0 grants nothing', async () => {
    const budget = new ProbeBudget(db, { perAgent: 3 });
    expect(await claims(budget, 'a', 5)).toBe(3);
    expect(await claims(budget, 'b', 2)).toBe(2);
    expect(await budget.claim('a')).toBe(false);
    expect(Object.fromEntries(await budget.used())).toEqual({ a: 3, b: 2 });
    expect(await new ProbeBudget(db, { perAgent: 0 }).claim('c')).toBe(false);
  });

  it('a new window starts afresh and drops the agent’s earlier windows', async () => {
    const windowMs = 60 * 60 * 1000;
    const budget = new ProbeBudget(db, { perAgent: 2, windowMs });
    // a spent window an hour ago
    await db.query(
      `INSERT INTO probe_budget (agent_id, window_start, sent)
       VALUES ('w', (floor(extract(epoch FROM now()) * 1000 / $1::float8) * $1::float8)::bigint - $1::bigint, 2)`,
      [windowMs],
    );
    expect(await claims(budget, 'w', 3)).toBe(2);
    const rows = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM probe_budget WHERE agent_id = 'w'");
    expect(Number(rows[0]?.n)).toBe(1);
  });

  it('refuses a malformed budget or window', () => {
    expect(() => new ProbeBudget(db, { perAgent: -1 })).toThrow(RangeError);
    expect(() => new ProbeBudget(db, { perAgent: 1.5 })).toThrow(RangeError);
    expect(() => new ProbeBudget(db, { perAgent: 1, windowMs: 10 })).toThrow(RangeError);
  });
});

describe.skipIf(!TEST_DATABASE_URL)(
  `probe budget shared by replicas on PostgreSQL${TEST_DATABASE_URL ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    let database: FreshDatabase | undefined;
    const cleanup: Array<() => Promise<unknown>> = [];
    beforeAll(async () => {
      database = await freshDatabase('probe_budget');
    });
    afterEach(async () => {
      for (const close of cleanup.splice(0).reverse()) await close();
    });
    afterAll(async () => database?.drop());

    it('two connections claiming at once are granted exactly the budget', async () => {
      const url = database?.url as string;
      const [a, b] = await Promise.all([openDatabase({ url }), openDatabase({ url })]);
      cleanup.push(
        () => a.close(),
        () => b.close(),
      );
      await migrate(a);
      const [one, two] = [new ProbeBudget(a, { perAgent: 20 }), new ProbeBudget(b, { perAgent: 20 })];
      const granted = await Promise.all([claims(one, 'x', 25), claims(two, 'x', 25)]);
      expect(granted[0] + granted[1]).toBe(20);
      expect(Object.fromEntries(await two.used())).toEqual({ x: 20 });
    });

    it('two broker replicas probing at once spend one budget; a third started later sends nothing', async () => {
      const budget = 8;
      const answers = new AnswerKey();
      const fleet = await serveDemoFleet({ fleet: DEMO_FLEET.slice(0, 2), answers, speedup: 100, seed: 3 });
      cleanup.push(() => Promise.all(fleet.map((agent) => agent.app.close())));
      // Each replica reports when the store refuses it an agent's probe; the wait ends when every replica has been
      // refused every agent, or as soon as the replicas together sent more than the budget (the failure).
      let check: () => void = () => undefined;
      const replicas: Array<{ broker: Broker; spent: Set<string> }> = [];
      const sentTo = (agentId: string) =>
        replicas.reduce((sum, r) => sum + (r.broker.probes?.countsOf(agentId).sent ?? 0), 0);
      const settled = (ids: readonly string[], count: number) =>
        new Promise<void>((resolve) => {
          check = () => {
            const over = ids.some((id) => sentTo(id) > budget);
            const done = replicas.length === count && replicas.every((r) => ids.every((id) => r.spent.has(id)));
            if (over || done) resolve();
          };
          check();
        });
      const replica = async () => {
        const spent = new Set<string>();
        const broker = await createBroker({
          databaseUrl: database?.url as string,
          allowPrivateNetworks: true,
          healthIntervalMs: 0,
          probes: {
            budgetPerAgent: budget,
            ratePerMinute: 60_000,
            onSend: (_agentId, task) => answers.record(task),
            onResult: () => check(),
            onSpent: (agentId) => {
              spent.add(agentId);
              check();
            },
          },
        });
        cleanup.push(() => broker.close());
        replicas.push({ broker, spent });
        return broker;
      };
      const [a, b] = [await replica(), await replica()];
      const ids: string[] = [];
      for (const agent of fleet) ids.push((await a.registry.register(agent.cardUrl)).agent.id);
      await b.registry.load();
      const both = settled(ids, 2);
      await Promise.all([a.listen(), b.listen()]);
      await both;
      for (const id of ids) expect([id, sentTo(id)]).toEqual([id, budget]);
      const used = await a.probes?.stats(ids);
      for (const id of ids) expect(used?.agents[id]?.windowUsed).toBe(budget);

      const c = await replica();
      const third = settled(ids, 3);
      await c.listen();
      await third;
      for (const id of ids) expect([id, c.probes?.countsOf(id).sent]).toEqual([id, 0]);
      for (const id of ids) expect([id, sentTo(id)]).toEqual([id, budget]);
    });
  },
);
