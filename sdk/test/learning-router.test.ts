import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byUtility, decide, dialChoice, doubtLevel } from '../src/rightsize/learning/dial.js';
import { ThompsonExploration } from '../src/rightsize/learning/exploration.js';
import { Router, type RouterTask } from '../src/rightsize/learning/router.js';
import { mulberry32 } from '../src/rightsize/math/prng.js';
import { logistic, normalCdf } from '../src/rightsize/math/stats.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';
import type { Assessment, MatchCandidate } from '../src/rightsize/routing/match.js';

const profile = (abilities: Record<string, number>, perTask: number, deadlineMs = 500): CapabilityProfile => ({
  domains: Object.entries(abilities).map(([domain, ability]) => ({ domain, ability })),
  reasoning: { mode: 'none' },
  latency: { ttftMs: { p50: deadlineMs / 2, p95: deadlineMs }, outputTokensPerSecond: 1000 },
  placement: { placement: 'cloud' },
  cost: { currency: 'USD', perTask },
});

const agent = (id: string, abilities: Record<string, number>, perTask: number): MatchCandidate => ({
  id,
  profile: profile(abilities, perTask),
});

const task = (i: number, complexity: number, extra: Partial<RouterTask> = {}): RouterTask => ({
  id: `t${i}`,
  text: `task number ${i}`,
  descriptor: { domain: 'math', complexity: { value: complexity, sigma: 0.5 } },
  ...extra,
});

/** An assessment with only what the dial reads. */
const assessment = (agentId: string, success: number, cost: number): Assessment =>
  ({
    agentId,
    feasible: true,
    reasons: [],
    comparableCost: cost,
    predictions: { success, cost: { amount: cost, currency: 'USD' } },
  }) as unknown as Assessment;

describe('the λ dial', () => {
  it('for fixed beliefs, raising λ never lowers the chosen agent’s cost or success (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 2, maxLength: 12 }),
        (agents, lambdas) => {
          const pool = agents.map(([p, c], i) => assessment(`a${i}`, p, c));
          const chosen = [...lambdas].sort((a, b) => a - b).map((l) => byUtility(pool, l)[0] as Assessment);
          for (let i = 1; i < chosen.length; i++) {
            const a = chosen[i - 1] as Assessment;
            const b = chosen[i] as Assessment;
            expect(b.predictions.success).toBeGreaterThanOrEqual(a.predictions.success);
            if (b.predictions.success > a.predictions.success) continue;
            expect(b.comparableCost).toBe(a.comparableCost);
          }
        },
      ),
    );
  });

  it('sweeping λ on a Router moves the share of expensive traffic from 0 to 1, monotonically', () => {
    const agents = [agent('cheap', { math: 4 }, 0.05), agent('dear', { math: 9 }, 1)];
    const shares: number[] = [];
    for (const lambda of [0, 0.5, 1, 2, 4, 8, 16, 64, 1e3, 1e6]) {
      const router = new Router({ agents, lambda, exploration: false });
      let dear = 0;
      for (let i = 0; i < 100; i++) if (router.route(task(i, (i % 20) / 2)).chosen === 'dear') dear++;
      shares.push(dear / 100);
    }
    expect(shares[0]).toBe(0);
    expect(shares.at(-1)).toBe(1);
    for (let i = 1; i < shares.length; i++) expect(shares[i]).toBeGreaterThanOrEqual(shares[i - 1] as number);
    expect(new Set(shares).size).toBeGreaterThan(3);
  });

  it('with success spreads, the chosen cost is non-decreasing in λ, cheapest at 0 and priciest at ∞ (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: 0, max: 1, noNaN: true }),
            fc.double({ min: 0, max: 10, noNaN: true }),
            fc.double({ min: 0, max: 0.3, noNaN: true }),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        fc.array(fc.double({ min: 0, max: 1e9, noNaN: true }), { minLength: 2, maxLength: 16 }),
        fc.constantFrom(0.5, 2, 8, 64, Number.POSITIVE_INFINITY),
        (agents, lambdas, doubtFrom) => {
          const pool = agents.map(([p, c], i) => assessment(`a${i}`, p, c));
          const spread = new Map(agents.map(([, , sd], i) => [`a${i}`, sd]));
          const rule = { spreadOf: (id: string) => spread.get(id) ?? 0, doubtFrom };
          const sweep = [0, ...lambdas, Number.POSITIVE_INFINITY].sort((a, b) => a - b);
          const chosen = sweep.map((l) => dialChoice(pool, l, rule) as Assessment);
          for (let i = 1; i < chosen.length; i++)
            expect((chosen[i] as Assessment).comparableCost).toBeGreaterThanOrEqual(
              (chosen[i - 1] as Assessment).comparableCost,
            );
          const costs = pool.map((a) => a.comparableCost);
          expect((chosen[0] as Assessment).comparableCost).toBe(Math.min(...costs));
          if (doubtFrom < Number.POSITIVE_INFINITY && agents.every(([, , sd]) => sd > 0))
            expect((chosen.at(-1) as Assessment).comparableCost).toBe(Math.max(...costs));
        },
      ),
    );
  });

  it('picks the priciest agent that beats every cheaper one, as the O(n²) definition does (property)', () => {
    /** The definition, pair by pair (dial.ts): b beats a cheaper a when Φ((gain − gap/λ)/s) > ε. */
    const beats = (b: Assessment, a: Assessment, lambda: number, spread: (id: string) => number, rho: number) => {
      const gap = b.comparableCost - a.comparableCost;
      if (gap <= 0) return true;
      const gain = b.predictions.success - a.predictions.success;
      const eps = doubtLevel(lambda, gap, rho);
      const s = Math.hypot(spread(a.agentId), spread(b.agentId));
      if (lambda === Number.POSITIVE_INFINITY) return gain > 0 || (eps < 0.5 && s > 0);
      if (eps >= 0.5 || s === 0) return gain - gap / lambda > 0;
      return normalCdf((gain - gap / lambda) / s) > eps;
    };
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: 0, max: 1, noNaN: true }),
            fc.integer({ min: 0, max: 20 }),
            fc.double({ min: 0, max: 0.3, noNaN: true }),
          ),
          { minLength: 1, maxLength: 12 },
        ),
        fc.constantFrom(0, 0.5, 3, 20, 200, 1e4, Number.POSITIVE_INFINITY),
        (agents, lambda) => {
          const pool = agents.map(([p, c], i) => assessment(`a${i}`, p, c / 10));
          const spread = (id: string) => agents[Number(id.slice(1))]?.[2] ?? 0;
          const order = [...pool].sort(
            (x, y) =>
              x.comparableCost - y.comparableCost ||
              x.predictions.success - y.predictions.success ||
              (x.agentId < y.agentId ? 1 : -1),
          );
          const expected =
            [...order]
              .reverse()
              .find((b, k) => order.slice(0, order.length - 1 - k).every((a) => beats(b, a, lambda, spread, 6))) ??
            order[0];
          expect(dialChoice(pool, lambda, { spreadOf: spread, doubtFrom: 6 })?.agentId).toBe(expected?.agentId);
        },
      ),
    );
  });

  it('is the expected-utility argmax while λ ≤ ρ price gaps (and at every λ with ρ = ∞)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: 0, max: 1, noNaN: true }),
            fc.double({ min: 0.01, max: 10, noNaN: true }),
            fc.double({ min: 0, max: 0.3, noNaN: true }),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (agents, lambda) => {
          const pool = agents.map(([p, c], i) => assessment(`a${i}`, p, c));
          const spreadOf = (id: string) => agents[Number(id.slice(1))]?.[2] ?? 0;
          const best = byUtility(pool, lambda)[0] as Assessment;
          const utility = (a: Assessment) => lambda * a.predictions.success - a.comparableCost;
          const pick = dialChoice(pool, lambda, { spreadOf, doubtFrom: Number.POSITIVE_INFINITY }) as Assessment;
          expect(utility(pick)).toBeCloseTo(utility(best), 9);
          const costs = pool.map((a) => a.comparableCost).sort((a, b) => a - b);
          const smallestGap = Math.min(
            ...costs
              .slice(1)
              .map((c, i) => c - (costs[i] as number))
              .filter((g) => g > 0),
          );
          if (lambda <= 8 * smallestGap)
            expect(utility(dialChoice(pool, lambda, { spreadOf, doubtFrom: 8 }) as Assessment)).toBeCloseTo(
              utility(best),
              9,
            );
        },
      ),
    );
  });

  it('gives the pricier agent the benefit of the doubt only beyond ρ price gaps, growing with λ', () => {
    expect(doubtLevel(8, 1, 8)).toBe(0.5);
    expect(doubtLevel(16, 1, 8)).toBe(0.25); // z = 0.674
    expect(doubtLevel(800, 1, 8)).toBe(0.005); // z = 2.576
    expect(doubtLevel(1e9, 1, Number.POSITIVE_INFINITY)).toBe(0.5);
    expect(doubtLevel(Number.POSITIVE_INFINITY, 1, 8)).toBe(0);
  });

  it('keeps minSuccess and maxCost as hard constraints', () => {
    const agents = [agent('cheap', { math: 4 }, 0.05), agent('dear', { math: 9 }, 1)];
    const router = new Router({ agents, lambda: 1e6, exploration: false });
    const capped = router.route(
      task(1, 6, {
        descriptor: {
          domain: 'math',
          complexity: { value: 6 },
          constraints: { maxCost: { amount: 0.5, currency: 'USD' } },
        },
      }),
    );
    expect(capped.chosen).toBe('cheap');
    const cheapRouter = new Router({ agents, lambda: 0, exploration: false });
    const strict = cheapRouter.route(
      task(2, 6, { descriptor: { domain: 'math', complexity: { value: 6 }, constraints: { minSuccess: 0.9 } } }),
    );
    expect(strict.chosen).toBe('dear');
  });
});

describe('best effort and hard constraints', () => {
  const agents = [agent('small', { math: 3 }, 0.1), agent('big', { math: 6 }, 1), agent('poet', { poetry: 9 }, 0.01)];
  const impossible = (extra: Partial<RouterTask> = {}) =>
    task(1, 12, {
      descriptor: { domain: 'math', complexity: { value: 12 }, constraints: { minSuccess: 0.9 } },
      ...extra,
    });

  it('serves a task no agent meets with the closest agent, marked best-effort', () => {
    const decision = new Router({ agents, exploration: false }).route(impossible());
    expect(decision.bestEffort).toBe(true);
    expect(decision.chosen).toBe('big');
    expect(decision.plan).not.toContain('poet'); // DOMAIN_UNSUPPORTED is never relaxed
  });

  it('refuses when the constraints are hard (Router option or per task)', () => {
    expect(
      new Router({ agents, exploration: false, hardConstraints: true }).route(impossible()).chosen,
    ).toBeUndefined();
    const perTask = new Router({ agents, exploration: false }).route(impossible({ hardConstraints: true }));
    expect(perTask.chosen).toBeUndefined();
    expect(perTask.plan).toEqual([]);
    expect(perTask.bestEffort).toBe(false);
  });

  it('with λ, escalation keeps only steps worth their cost', () => {
    const pool = [assessment('cheap', 0.5, 0.01), assessment('mid', 0.7, 0.05), assessment('dear', 0.9, 5)];
    const result = { ranked: pool, rejected: [] } as unknown as Parameters<typeof decide>[0];
    expect(decide(result, { lambda: 1, hardConstraints: false, maxEscalations: 2 }).plan).toEqual(['mid']);
    expect(decide(result, { lambda: 10, hardConstraints: false, maxEscalations: 2 }).plan).toEqual(['mid', 'dear']);
  });

  it('decide() never relaxes the cost cap', () => {
    const rejected = { ...assessment('a', 0.5, 2), feasible: false, reasons: ['COST_CAP'] } as unknown as Assessment;
    const choice = decide({ ranked: [], rejected: [rejected] } as unknown as Parameters<typeof decide>[0], {
      hardConstraints: false,
      maxEscalations: 2,
    });
    expect(choice.plan).toEqual([]);
  });
});

describe('exploration', () => {
  /** `hidden` declares ability 2 in math but truly has 9; `known` declares and has 5. */
  const agents = [agent('known', { math: 5 }, 0.05), agent('hidden', { math: 2 }, 1)];
  const truth: Record<string, number> = { known: 5, hidden: 9 };

  // Exploration in isolation: the plain expected-utility dial (no benefit of the doubt for the pricier agent, which at
  // λ = 20 would itself sometimes try `hidden`).
  const play = (exploration: false | { budget: number; seed: number }) => {
    const router = new Router({ agents, lambda: 20, exploration, doubtFrom: Number.POSITIVE_INFINITY });
    const rng = mulberry32(3);
    const chosen: string[] = [];
    for (let i = 0; i < 600; i++) {
      const c = 5 + 3 * rng.next();
      const decision = router.route(task(i, c));
      const id = decision.chosen as string;
      chosen.push(id);
      const success = rng.next() < 0.98 * logistic(2 * ((truth[id] as number) - c));
      router.observe({ taskId: decision.taskId, agentId: id, success });
      router.complete(decision.taskId);
    }
    return { router, chosen };
  };

  it('without exploration an under-claiming agent is never chosen, so never corrected', () => {
    const { chosen } = play(false);
    expect(chosen.filter((id) => id === 'hidden')).toHaveLength(0);
  });

  it('Thompson sampling finds it within the budget and then routes to it', () => {
    const { router, chosen } = play({ budget: 0.1, seed: 1 });
    expect(router.explorationShare).toBeLessThanOrEqual(0.1);
    const late = chosen.slice(-100).filter((id) => id === 'hidden').length;
    expect(late).toBeGreaterThan(60);
    const curve = router.learner.curve('hidden', agents[1]?.profile as CapabilityProfile, 'math');
    expect(curve.ability).toBeGreaterThan(5);
  });
});

describe('Router loop and state', () => {
  const agents = [agent('small', { math: 4, general: 3 }, 0.05), agent('big', { math: 8, general: 8 }, 1)];

  it('run() dispatches along the plan, escalates on failure and learns each attempt', async () => {
    const calls: string[] = [];
    const router = new Router({
      agents,
      exploration: false,
      dispatch: async ({ agentId }) => {
        calls.push(agentId);
        return { success: agentId === 'big' };
      },
    });
    const result = await router.run(task(1, 3, { descriptor: { domain: 'math', complexity: { value: 3 } } }));
    expect(calls).toEqual(['small', 'big']);
    expect(result.success).toBe(true);
    expect(result.attempts).toEqual([
      { agentId: 'small', success: false },
      { agentId: 'big', success: true },
    ]);
    expect(router.learner.observations).toBe(2);
    expect(router.observe({ taskId: result.decision.taskId, agentId: 'small', success: true })).toBe(false);
    await expect(new Router({ agents }).run(task(2, 3))).rejects.toThrow(/dispatch hook/);
  });

  it('round-trips its state through JSON: the restored router decides and learns identically', () => {
    const a = new Router({ agents, lambda: 5, exploration: false });
    const rng = mulberry32(9);
    for (let i = 0; i < 200; i++) {
      const d = a.route({
        id: `x${i}`,
        text: `question ${i % 7} with words`,
        descriptor: { domain: i % 2 ? 'math' : 'law' },
      });
      a.observe({ taskId: d.taskId, agentId: d.chosen as string, success: rng.next() < 0.6 });
    }
    const state = JSON.parse(JSON.stringify(a.toJSON()));
    const b = Router.fromJSON(state, { agents, lambda: 5, exploration: false });
    expect(b.toJSON()).toEqual(a.toJSON());
    for (let i = 0; i < 20; i++) {
      const t = { id: `y${i}`, text: `question ${i} with words`, descriptor: { domain: i % 2 ? 'math' : 'law' } };
      const da = a.route(t);
      const db = b.route(t);
      expect(db.plan).toEqual(da.plan);
      expect(db.difficulty.value).toBeCloseTo(da.difficulty.value, 12);
    }
    expect(() => Router.fromJSON({ ...state, version: 2 })).toThrow(/unsupported router state/);
    expect(() =>
      Router.fromJSON({ ...state, learner: { ...state.learner, hashed: [[-1, 0, 1]] } }, { agents }),
    ).toThrow(/bad hashed weight/);
  });
});

describe('learned price corrections', () => {
  it('reported costs above the prediction raise the agent’s prices in later decisions, and survive a round trip', () => {
    const agents = [agent('a', { math: 8 }, 0.1), agent('b', { math: 8 }, 0.15)];
    const router = new Router({ agents, lambda: 1, exploration: false });
    expect(router.route(task(0, 3)).chosen).toBe('a');
    for (let i = 1; i <= 30; i++) {
      const d = router.route(task(i, 3));
      router.observe({ taskId: d.taskId, agentId: 'a', success: true, cost: 0.4 }); // a really costs 4× its price
    }
    expect(router.route(task(99, 3)).chosen).toBe('b');
    const restored = Router.fromJSON(JSON.parse(JSON.stringify(router.toJSON())), {
      agents,
      lambda: 1,
      exploration: false,
    });
    expect(restored.route(task(100, 3)).chosen).toBe('b');
  });
});

describe('Router state: pending decisions and the exploration PRNG', () => {
  const agents = [agent('small', { math: 4, law: 4 }, 0.05), agent('big', { math: 4, law: 4 }, 1)];
  const textTask = (prefix: string, i: number): RouterTask => ({
    id: `${prefix}${i}`,
    text: `question ${i % 5} about ${i % 3 ? 'cases' : 'sums'}`,
    descriptor: { domain: i % 2 ? 'math' : 'law' },
  });
  const restore = (router: Router, exploration: { budget: number; seed: number } | false) =>
    Router.fromJSON(JSON.parse(JSON.stringify(router.toJSON())), { agents, lambda: 8, exploration });

  it('decisions routed before a save are observed after the restore, exactly as without it', () => {
    const a = new Router({ agents, lambda: 8, exploration: false });
    const decisions = Array.from({ length: 30 }, (_, i) => a.route(textTask('p', i)));
    const b = restore(a, false);
    expect(b.toJSON().pending).toHaveLength(30);
    const rng = mulberry32(4);
    for (const d of decisions) {
      const outcome = { taskId: d.taskId, agentId: d.chosen as string, success: rng.next() < 0.5, cost: 0.07 };
      expect(a.observe(outcome)).toBe(true);
      expect(b.observe(outcome)).toBe(true);
    }
    expect(b.learner.observations).toBe(30);
    expect(b.toJSON()).toEqual(a.toJSON());
    b.complete('p0');
    expect(b.observe({ taskId: 'p0', agentId: 'small', success: true })).toBe(false);
  });

  it('keeps at most maxPending decisions across a restore, forgetting the oldest', () => {
    const a = new Router({ agents, lambda: 8, exploration: false, maxPending: 5 });
    for (let i = 0; i < 8; i++) a.route(textTask('m', i));
    const b = Router.fromJSON(JSON.parse(JSON.stringify(a.toJSON())), { agents, maxPending: 3 });
    expect(b.toJSON().pending?.map((p) => p.taskId)).toEqual(['m5', 'm6', 'm7']);
  });

  it('the exploration PRNG continues its sequence after a restore instead of restarting from the seed', () => {
    const exploration = { budget: 1, seed: 7 };
    const a = new Router({ agents, lambda: 8, exploration });
    for (let i = 0; i < 40; i++) a.route(textTask('e', i));
    const b = restore(a, exploration);
    const reseeded = new Router({ agents, lambda: 8, exploration });
    const draws = (r: Router) =>
      Array.from({ length: 40 }, (_, i) => {
        const d = r.route(textTask('f', i));
        return `${d.chosen}:${d.explored}`;
      });
    const continued = draws(a);
    expect(draws(b)).toEqual(continued);
    expect(draws(reseeded)).not.toEqual(continued);
    expect(b.toJSON().exploration).toEqual(a.toJSON().exploration);
  });

  it('the saved PRNG position reproduces Mulberry32 after any mix of draws', () => {
    const e = new ThompsonExploration({ seed: 11 });
    const rng = mulberry32(11);
    for (let i = 0; i < 25; i++) {
      if (i % 3 === 0) expect(e.rng.normal(1, 2)).toBe(rng.normal(1, 2));
      else if (i % 3 === 1) expect(e.rng.int(0, 9)).toBe(rng.int(0, 9));
      else expect(e.rng.next()).toBe(rng.next());
    }
    const resumed = new ThompsonExploration({ seed: 99 }, e.toJSON());
    for (let i = 0; i < 10; i++) expect(resumed.rng.next()).toBe(rng.next());
  });

  it('refuses a state with a malformed pending decision or PRNG position', () => {
    const a = new Router({ agents, lambda: 8, exploration: false });
    a.route(textTask('z', 1));
    const state = JSON.parse(JSON.stringify(a.toJSON()));
    const bad = (patch: object) => () => Router.fromJSON({ ...state, ...patch }, { agents });
    expect(
      bad({ pending: [{ taskId: 'z1', features: { named: [['x', 'y']], hashed: [] }, predictedCost: {} }] }),
    ).toThrow(/bad pending decision/);
    expect(
      bad({ pending: [{ taskId: 'z1', features: { named: [], hashed: [[1 << 30, 1]] }, predictedCost: {} }] }),
    ).toThrow(/bad pending decision/);
    expect(bad({ exploration: { decisions: 1, explored: 0, rng: -1 } })).toThrow(/bad exploration rng/);
    expect(bad({ exploration: { decisions: 1.5, explored: 0 } })).toThrow(/bad exploration decisions/);
  });
});

describe('exploration for the whole dial (lambdaRange)', () => {
  /** Simulated: both declare the same curve; `dear` truly succeeds 0.85 of the time, `cheap` 0.6. */
  const agents = [agent('cheap', { math: 5 }, 0.05), agent('dear', { math: 5 }, 1)];
  const truth: Record<string, number> = { cheap: 0.6, dear: 0.85 };
  const play = (lambdaRange?: readonly [number, number]) => {
    const router = new Router({
      agents,
      lambda: 0.5,
      exploration: { budget: 0.2, seed: 5, ...(lambdaRange ? { lambdaRange } : {}) },
      doubtFrom: Number.POSITIVE_INFINITY, // exploration in isolation (see 'exploration' above)
    });
    const rng = mulberry32(8);
    let dear = 0;
    for (let i = 0; i < 400; i++) {
      const d = router.route({ id: `l${i}`, text: 'a question', descriptor: { domain: 'math' } });
      const id = d.chosen as string;
      if (id === 'dear') dear++;
      router.observe({ taskId: d.taskId, agentId: id, success: rng.next() < (truth[id] as number) });
      router.complete(d.taskId);
    }
    return { router, dear };
  };

  it('observes the expensive agent where higher settings of the dial are uncertain, within the budget', () => {
    const own = play();
    const wide = play([2, 1000]);
    // At the Router's own λ (0.5) no draw can make the dear agent worth its price: it is never tried.
    expect(own.dear).toBe(0);
    expect(wide.dear).toBeGreaterThan(10);
    expect(wide.router.explorationShare).toBeLessThanOrEqual(0.2);
    // What was learned answers the dial's top from evidence, not from the prior: at λ = 10⁶ the router prefers the
    // agent that is truly better, and its belief about that agent is narrower than the untouched prior.
    const d = wide.router.route({ text: 'a question', descriptor: { domain: 'math' }, lambda: 1e6 });
    expect(byUtility([...d.match.ranked, ...d.match.rejected], 1e6)[0]?.agentId).toBe('dear');
    const sigma = (r: Router) => r.learner.curve('dear', agents[1]?.profile as CapabilityProfile, 'math').abilitySigma;
    expect(sigma(wide.router)).toBeLessThan(0.8 * sigma(own.router));
  });

  it('rejects an invalid range', () => {
    expect(() => new ThompsonExploration({ lambdaRange: [0, 4] })).toThrow(/lambdaRange/);
    expect(() => new ThompsonExploration({ lambdaRange: [4, 2] })).toThrow(/lambdaRange/);
  });
});

describe('a decaying exploration budget (decayAfter)', () => {
  /** Explores whenever allowed for `n` decisions; returns the explored counts after 100 and after `n`. */
  const greedyExplorer = (options: { budget: number; decayAfter?: number }, n: number) => {
    const exploration = new ThompsonExploration(options);
    let early = 0;
    let explored = 0;
    for (let i = 0; i < n; i++) {
      const go = exploration.allowed();
      if (go) explored++;
      exploration.record(go);
      if (i === 99) early = explored;
    }
    return { early, explored };
  };

  it('keeps the constant share up to n₀ decisions, then caps the explored count at budget · √(n₀ · n)', () => {
    expect(greedyExplorer({ budget: 0.5 }, 10_000).explored).toBe(5000);
    const decayed = greedyExplorer({ budget: 0.5, decayAfter: 100 }, 10_000);
    expect(decayed.early).toBe(50);
    expect(decayed.explored).toBe(Math.floor(0.5 * Math.sqrt(100 * 10_000)));
  });

  it('rejects an invalid n₀', () => {
    expect(() => new ThompsonExploration({ decayAfter: 0 })).toThrow(/decayAfter/);
    expect(() => new ThompsonExploration({ decayAfter: 2.5 })).toThrow(/decayAfter/);
  });
});

describe('information probes (exploration probe)', () => {
  const greedy = assessment('cheap', 0.6, 0.05);
  const dear = assessment('dear', 0.62, 1);
  const spreads = (cheap: number, dearSpread: number) => (id: string) => (id === 'cheap' ? cheap : dearSpread);

  it('probes an alternative only while its own success is uncertain and it could be worth its price at λ', () => {
    const probes = new ThompsonExploration({ budget: 0, probe: { minSpread: 0.2 } });
    const pool = [greedy, dear];
    // Uncertain and optimistically worth it at λ 4: 4 · (0.02 + 2 · hypot(0.25, 0.05)) > 0.95.
    expect(probes.probeTarget(greedy, pool, 4, spreads(0.05, 0.25))?.agentId).toBe('dear');
    // Known well enough (its own spread below 0.2), even when the greedy choice is the uncertain one.
    expect(probes.probeTarget(greedy, pool, 4, spreads(0.5, 0.15))).toBeUndefined();
    // No λ at which the price could be worth paying: λ 0, or λ 1 with a gain that cannot reach 0.95.
    expect(probes.probeTarget(greedy, pool, 0, spreads(0.05, 0.25))).toBeUndefined();
    expect(probes.probeTarget(greedy, pool, 1, spreads(0.05, 0.25))).toBeUndefined();
    // Without λ (the descriptor's preference) there is no price of information: no probe.
    expect(probes.probeTarget(greedy, pool, undefined, spreads(0.05, 0.25))).toBeUndefined();
    // Probes off (the default) or exploration disabled.
    expect(new ThompsonExploration({}).probeTarget(greedy, pool, 4, spreads(0.05, 0.25))).toBeUndefined();
    const disabled = new ThompsonExploration({ enabled: false, probe: { minSpread: 0.2 } });
    expect(disabled.probeTarget(greedy, pool, 4, spreads(0.05, 0.25))).toBeUndefined();
  });

  it('respects its share cap and round-trips its count', () => {
    const capped = new ThompsonExploration({ probe: { minSpread: 0.2, budget: 0.25 } });
    let probed = 0;
    for (let i = 0; i < 40; i++) {
      const target = capped.probeTarget(greedy, [greedy, dear], 4, spreads(0.05, 0.3));
      if (target) probed++;
      capped.record(false, target !== undefined);
    }
    expect(probed).toBe(10);
    expect(capped.probeShare).toBe(0.25);
    const restored = new ThompsonExploration(
      { probe: { minSpread: 0.2 } },
      JSON.parse(JSON.stringify(capped.toJSON())),
    );
    expect(restored.probeShare).toBe(0.25);
  });

  it('rejects invalid settings', () => {
    expect(() => new ThompsonExploration({ probe: { minSpread: 0 } })).toThrow(/minSpread/);
    expect(() => new ThompsonExploration({ probe: { minSpread: 1 } })).toThrow(/minSpread/);
    expect(() => new ThompsonExploration({ probe: { minSpread: 0.1, optimism: -1 } })).toThrow(/optimism/);
    expect(() => new ThompsonExploration({ probe: { minSpread: 0.1, budget: 2 } })).toThrow(/budget/);
  });

  // Simulated: both declare the same curve; in `algebra` the dear agent truly succeeds 0.98 of the time and the cheap
  // one 0.55 (worth its 20× price at λ 2.5: 0.43 > 0.95 / 2.5), in `history` both 0.9. At λ 2.5 with no Thompson
  // budget the Router alone never tries the dear agent; probes find where it is worth its price, then stop.
  const agents = [agent('cheap', { general: 5 }, 0.05), agent('dear', { general: 5 }, 1)];
  const truth: Record<string, Record<string, number>> = {
    algebra: { cheap: 0.55, dear: 0.98 },
    history: { cheap: 0.9, dear: 0.9 },
  };
  const play = (probe?: { minSpread: number }) => {
    const router = new Router({
      agents,
      lambda: 2.5,
      exploration: { budget: 0, seed: 2, ...(probe ? { probe } : {}) },
    });
    const rng = mulberry32(4);
    const late: Record<string, { dear: number; tasks: number }> = {
      algebra: { dear: 0, tasks: 0 },
      history: { dear: 0, tasks: 0 },
    };
    let lateProbes = 0;
    for (let i = 0; i < 1200; i++) {
      const domain = i % 2 === 0 ? 'algebra' : 'history';
      const d = router.route({ id: `p${i}`, text: `question ${i % 17}`, descriptor: { domain } });
      const id = d.chosen as string;
      if (i >= 900) {
        const counts = late[domain] as { dear: number; tasks: number };
        counts.tasks++;
        if (id === 'dear') counts.dear++;
        if (d.probed) lateProbes++;
      }
      router.observe({ taskId: d.taskId, agentId: id, success: rng.next() < (truth[domain]?.[id] as number) });
      router.complete(d.taskId);
    }
    const share = (domain: string) => (late[domain]?.dear ?? 0) / (late[domain]?.tasks ?? 1);
    return { router, algebra: share('algebra'), history: share('history'), lateProbes };
  };

  it('at a low λ, find the domain where the pricier agent is worth its price, then stop probing', () => {
    const none = play();
    expect(none.algebra).toBe(0);
    const probed = play({ minSpread: 0.2 });
    expect(probed.algebra).toBeGreaterThan(0.9);
    expect(probed.history).toBeLessThan(0.1);
    expect(probed.lateProbes).toBe(0);
    expect(probed.router.probeShare).toBeGreaterThan(0);
    expect(probed.router.probeShare).toBeLessThan(0.1);
  });
});

describe('a learning Router at a moderate λ (simulated: two agents truly equal, both declared equal)', () => {
  const agents = [agent('cheap', { general: 5 }, 0.05), agent('dear', { general: 5 }, 1)];
  /** The share of the cheaper agent over the last 300 of 600 tasks, learned online with Thompson exploration. */
  const cheapShare = (lambda: number, doubtFrom?: number) => {
    const router = new Router({
      agents,
      lambda,
      exploration: { budget: 0.1, seed: 1 },
      ...(doubtFrom !== undefined ? { doubtFrom } : {}),
    });
    const rng = mulberry32(11);
    let cheap = 0;
    for (let i = 0; i < 600; i++) {
      const d = router.route({
        id: `m${i}`,
        text: `question ${i % 13}`,
        descriptor: { domain: ['law', 'history'][i % 2] as string },
      });
      const id = d.chosen as string;
      if (i >= 300 && id === 'cheap') cheap++;
      router.observe({ taskId: d.taskId, agentId: id, success: rng.next() < 0.8 });
      router.complete(d.taskId);
    }
    return cheap / 300;
  };

  it('keeps routing to the cheaper agent it learned is as good: the benefit of the doubt does not starve it', () => {
    // λ = 24 is 25 price gaps: below the default ρ (32) the Router decides by expected utility and learns both agents.
    expect(cheapShare(24)).toBeGreaterThan(0.4);
    // With the benefit of the doubt from 6 price gaps (the previous default), the pricier agent takes every task the
    // cheaper one is not credibly better on; the cheaper one, no longer observed, never becomes credibly better.
    expect(cheapShare(24, 6)).toBeLessThan(0.05);
  });
});

describe('the dial over one online learner (simulated; the strong agent dominates everywhere)', () => {
  it('after learning from equal priors and bandit feedback, sweeping λ over its beliefs moves the strong share 0 → 1 monotonically', () => {
    const domains = ['algebra', 'law', 'history', 'biology'];
    const equal = Object.fromEntries(domains.map((d) => [d, 5]));
    const agents = [agent('weak', equal, 0.05), agent('strong', equal, 1)];
    /** Simulated truth: per domain, P(weak), P(strong); strong is better everywhere (by 0.1 to 0.35). */
    const truth: Record<string, [number, number]> = {
      algebra: [0.4, 0.75],
      law: [0.55, 0.7],
      history: [0.75, 0.85],
      biology: [0.8, 0.92],
    };
    const router = new Router({ agents, lambda: 4, exploration: { budget: 0.2, seed: 2, lambdaRange: [1.5, 1000] } });
    const rng = mulberry32(12);
    const question = (i: number) => ({
      id: `q${i}`,
      text: `question ${i % 11}`,
      descriptor: { domain: domains[i % domains.length] as string },
    });
    for (let i = 0; i < 2000; i++) {
      const d = router.route(question(i));
      const [weak, strong] = truth[question(i).descriptor.domain] as [number, number];
      router.observe({
        taskId: d.taskId,
        agentId: d.chosen as string,
        success: rng.next() < (d.chosen === 'strong' ? strong : weak),
      });
      router.complete(d.taskId);
    }
    const lambdas = [0, 0.5, 1, 2, 4, 8, 16, 64, 1e3, 1e6];
    const shares = lambdas.map((lambda) => {
      let strong = 0;
      for (let i = 0; i < 200; i++) {
        const d = router.route({ ...question(10_000 + i), lambda });
        router.complete(d.taskId);
        if (router.chooseAt(d, lambda) === 'strong') strong++;
      }
      return strong / 200;
    });
    expect(shares[0]).toBe(0);
    expect(shares.at(-1)).toBe(1);
    for (let i = 1; i < shares.length; i++) expect(shares[i]).toBeGreaterThanOrEqual(shares[i - 1] as number);
  });
});

describe('the top of the dial on learned beliefs', () => {
  const agents = [agent('cheap', { law: 5 }, 0.05), agent('mid', { law: 5 }, 0.3), agent('dear', { law: 5 }, 1)];
  const pair = [agents[0], agents[2]] as MatchCandidate[];
  const lawTask = (i: number, lambda?: number): RouterTask => ({
    id: `law${i}-${lambda}`,
    text: `question ${i % 7} on contracts`,
    descriptor: { domain: 'law' },
    ...(lambda !== undefined ? { lambda } : {}),
  });
  /** A Router that learned `n` outcomes of each agent in law with these success counts. */
  const learned = (successes: Record<string, number>, n: number, options: { doubtFrom?: number } = {}) => {
    const router = new Router({ agents: pair, exploration: false, lambda: 4, ...options });
    for (let i = 0; i < n; i++)
      for (const [id, k] of Object.entries(successes)) {
        const d = router.route(lawTask(i));
        router.observe({ taskId: d.taskId, agentId: id, success: i < k });
        router.complete(d.taskId);
      }
    return router;
  };
  const choiceAt = (router: Router, lambda: number) => {
    const d = router.route(lawTask(999, lambda));
    router.complete(d.taskId);
    return d.chosen;
  };

  it('on random learned states the chosen cost is non-decreasing in λ and the top is the priciest agent (property)', () => {
    const cost: Record<string, number> = { cheap: 0.05, mid: 0.3, dear: 1 };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('cheap', 'mid', 'dear'), fc.nat(6), fc.boolean()), { maxLength: 60 }),
        (outcomes) => {
          const router = new Router({ agents, exploration: false, lambda: 4 });
          for (const [i, [id, text, success]] of outcomes.entries()) {
            const d = router.route(lawTask(text + 7 * i));
            router.observe({ taskId: d.taskId, agentId: id, success });
            router.complete(d.taskId);
          }
          const sweep = [0, 0.1, 0.5, 1, 2, 4, 8, 16, 64, 256, 1e3, 1e4, 1e6, 1e9, Number.POSITIVE_INFINITY];
          const chosen = sweep.map((l) => cost[choiceAt(router, l) ?? ''] as number);
          for (let i = 1; i < chosen.length; i++) expect(chosen[i]).toBeGreaterThanOrEqual(chosen[i - 1] as number);
          expect(chosen[0]).toBe(0.05);
          expect(chosen.at(-1)).toBe(1);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('where the cheaper agent is believed better but not credibly, the top of the dial still reaches the pricier one', () => {
    const router = learned({ cheap: 33, dear: 30 }, 40);
    const plain = learned({ cheap: 33, dear: 30 }, 40, { doubtFrom: Number.POSITIVE_INFINITY });
    // (With ρ = 32 the benefit of the doubt at λ = 10⁴ is what ρ = 6 gave at about 1 900.)
    for (const lambda of [1e4, 1e6]) {
      expect(choiceAt(plain, lambda)).toBe('cheap'); // the expected-utility argmax: believed likelier, kept
      expect(choiceAt(router, lambda)).toBe('dear');
    }
  });

  it('a credibly better cheaper agent keeps the task up to a very high λ; λ = ∞ is the priciest agent', () => {
    const pool = [assessment('cheap', 0.9, 0.05), assessment('dear', 0.3, 1)];
    const rule = { spreadOf: (id: string) => (id === 'cheap' ? 0.02 : 0.03) };
    for (const lambda of [10, 1e3, 1e6]) expect(dialChoice(pool, lambda, rule)?.agentId).toBe('cheap');
    expect(dialChoice(pool, Number.POSITIVE_INFINITY, rule)?.agentId).toBe('dear');
  });
});

describe('the complexity a decision used and its origin (spec §5.2)', () => {
  const agents = [agent('small', { math: 4 }, 0.05), agent('big', { math: 9 }, 1)];
  const declared = (value: number, extra: object = {}): RouterTask => ({
    text: 'add these two numbers',
    descriptor: { domain: 'math', complexity: { value, ...extra } },
  });

  it('an untrained Router leaves a declared value unchanged: origin descriptor, the client’s complexity', () => {
    const router = new Router({ agents, exploration: false });
    const d = router.route(declared(2, { sigma: 0.3, source: 'measured' }));
    expect(d.difficulty).toEqual({ value: 2, sigma: 0.3 });
    expect(d.match.task.origin).toBe('descriptor');
    expect(d.match.task.complexity).toEqual({ value: 2, sigma: 0.3, source: 'measured' });
  });

  it('a declared complexity without sigma keeps its source’s default sigma, not 0', () => {
    const router = new Router({ agents, exploration: false });
    expect(router.route(declared(2)).match.task.complexity).toEqual({ value: 2, sigma: 0.5 });
    expect(router.route(declared(2, { source: 'estimated' })).match.task.complexity.sigma).toBe(1.5);
  });

  it('after learning a shift, the decision records origin combined and the value it used, never descriptor', () => {
    const router = new Router({ agents, exploration: false });
    expect(router.route(declared(1, { sigma: 0 })).chosen).toBe('small');
    // SIMULATED: the small agent fails this task declared at 1 and the big one solves it: the learner raises its
    // difficulty (the finding: a learned 2.87 recorded as the descriptor's own value).
    for (let i = 0; i < 20; i++) {
      const d = router.route({ ...declared(1, { sigma: 0 }), id: `f${i}` });
      router.observe({ taskId: d.taskId, agentId: i % 2 ? 'big' : 'small', success: i % 2 === 1 });
    }
    const d = router.route(declared(1, { sigma: 0 }));
    expect(d.difficulty.value).toBeGreaterThan(2);
    expect(d.chosen).toBe('big');
    expect(d.match.task.origin).toBe('combined');
    expect(d.match.task.complexity).toEqual({ value: d.difficulty.value, sigma: 0, source: 'estimated' });
  });

  it('a difficulty learned without a declaration is the estimator’s; with reasoning tokens it is combined', () => {
    const router = new Router({ agents, exploration: false });
    const plain = router.route({ text: 'prove the theorem', descriptor: { domain: 'math' } });
    expect(plain.match.task.origin).toBe('estimator');
    expect(plain.match.task.complexity).toEqual({ ...plain.difficulty, source: 'estimated' });
    const tokens = router.route({
      text: 'prove the theorem',
      descriptor: { domain: 'math', reasoningTokens: { value: 960, tokensPerStep: 30 } },
    });
    expect(tokens.match.task.origin).toBe('combined');
  });

  it('the greedy index, the scan and a best-effort decision all record the same origin', () => {
    for (const scanEveryAgent of [false, true]) {
      const router = new Router({ agents, exploration: false, scanEveryAgent });
      expect(router.route({ text: 'x', descriptor: { domain: 'math' } }).match.task.origin).toBe('estimator');
      const beyond = router.route(declared(30, { sigma: 0 }));
      expect(beyond.bestEffort).toBe(true);
      expect(beyond.match.task.origin).toBe('descriptor');
    }
  });
});
