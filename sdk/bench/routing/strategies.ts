/**
 * The routing strategies compared by bench:routing, all run on the same SIMULATED tasks and realised outcomes.
 * Every baseline is tuned on the warm-up (the first 20 % of the tasks) for the same objective as the Router —
 * value · success − cost — and every strategy is scored on the rest. The oracle is the best plan (one agent, or one
 * agent and an escalation) under the TRUE success probabilities for that objective: an upper bound in expectation.
 */

import { Router, type RouterDecision, type RouterOptions } from '../../src/rightsize/learning/router.js';
import { mulberry32 } from '../../src/rightsize/math/prng.js';
import type { CapabilityProfile } from '../../src/rightsize/model/profile.js';
import { ColdStartEstimator } from '../../src/rightsize/routing/estimator.js';
import { SIM_AGENTS, trueSuccess } from './fleet.js';
import { inTime, type Realised, realise, type SimTask, VERIFIER_FALSE_ACCEPT } from './workload.js';

export interface TaskResult {
  readonly attempts: readonly string[];
  /** A correct answer was delivered within the task's deadlines. */
  readonly success: boolean;
  /** The first attempt alone was correct and in time. */
  readonly firstAttemptSuccess: boolean;
  readonly cost: number;
  /** Time from the request to the final answer, over every attempt. */
  readonly elapsedMs: number;
  readonly deadlineMiss: boolean;
}

export type Outcomes = ReadonlyMap<string, readonly Realised[]>;

/** What the objective values one success at, in USD (fixed before any result was seen). */
export const VALUE_OF_SUCCESS = 0.1;

const at = (outcomes: Outcomes, agent: string, task: SimTask) =>
  (outcomes.get(agent) as Realised[])[task.index] as Realised;

/**
 * Runs a plan: each attempt is paid for and takes its time; the verifier (90 % sensitive) accepts or rejects it; a
 * rejected attempt moves to the next agent while `mayContinue` allows.
 */
export function cascade(
  task: SimTask,
  plan: readonly string[],
  outcomes: Outcomes,
  mayContinue: (elapsedMs: number, next: string) => boolean = () => true,
  onAttempt?: (agent: string, accepted: boolean, cost: number) => void,
): TaskResult {
  let cost = 0;
  let elapsed = 0;
  const attempts: string[] = [];
  let final: { correct: boolean; firstResponseMs: number; completionMs: number } | undefined;
  let first = false;
  for (const [i, agent] of plan.entries()) {
    const r = at(outcomes, agent, task);
    attempts.push(agent);
    const started = elapsed;
    cost += r.cost;
    elapsed += r.completionMs;
    final = { correct: r.correct, firstResponseMs: started + r.firstResponseMs, completionMs: elapsed };
    if (i === 0) first = r.correct && inTime(task, final);
    onAttempt?.(agent, r.verifierAccepts, r.cost);
    const next = plan[i + 1];
    if (r.verifierAccepts || next === undefined || !mayContinue(elapsed, next)) break;
  }
  if (!final)
    return { attempts, success: false, firstAttemptSuccess: false, cost: 0, elapsedMs: 0, deadlineMiss: false };
  const timely = inTime(task, final);
  return {
    attempts,
    success: final.correct && timely,
    firstAttemptSuccess: first,
    cost,
    elapsedMs: elapsed,
    deadlineMiss: !timely,
  };
}

/** The objective every strategy is tuned or built for: VALUE_OF_SUCCESS per success minus the cost. */
export const objective = (results: readonly TaskResult[]): number =>
  results.reduce((s, r) => s + (r.success ? VALUE_OF_SUCCESS : 0) - r.cost, 0);

const cold = new ColdStartEstimator();
/** What a baseline knows of a task's difficulty: the client's estimate, else the cold-start estimate of its text. */
const estimateOf = (task: SimTask) => task.clientEstimate?.value ?? cold.estimate({ text: task.text }).value;

const AGENT_IDS = SIM_AGENTS.map((a) => a.id);

/** The best of `configs` on the warm-up by the objective (first one wins ties: configs are listed cheapest first). */
function tune<T>(configs: readonly T[], warmup: readonly SimTask[], run: (config: T, t: SimTask) => TaskResult): T {
  let best = configs[0] as T;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (const config of configs) {
    const value = objective(warmup.map((t) => run(config, t)));
    if (value > bestValue) {
      best = config;
      bestValue = value;
    }
  }
  return best;
}

export interface StrategyRun {
  readonly name: string;
  readonly results: TaskResult[];
  /** What tuning chose, for the report. */
  readonly tuned?: string;
}

export function randomStrategy(tasks: readonly SimTask[], outcomes: Outcomes, seed: number): StrategyRun {
  const rng = mulberry32(seed);
  return {
    name: 'random',
    results: tasks.map((t) => cascade(t, [AGENT_IDS[rng.int(0, AGENT_IDS.length - 1)] as string], outcomes)),
  };
}

/** The single agent with the best warm-up objective. */
export function bestSingle(warmup: readonly SimTask[], tasks: readonly SimTask[], outcomes: Outcomes): StrategyRun {
  const agent = tune(AGENT_IDS, warmup, (a, t) => cascade(t, [a], outcomes));
  return { name: 'best single (tuned)', tuned: agent, results: tasks.map((t) => cascade(t, [agent], outcomes)) };
}

/** The agent that declares the highest ability in the task's domain (untuned reference). */
export function strongestDeclared(
  tasks: readonly SimTask[],
  outcomes: Outcomes,
  declared: ReadonlyMap<string, CapabilityProfile>,
): StrategyRun {
  const ability = (id: string, domain: string) => {
    const domains = (declared.get(id) as CapabilityProfile).domains;
    return (domains.find((d) => d.domain === domain) ?? domains.find((d) => d.domain === 'general'))?.ability ?? 0;
  };
  return {
    name: 'always strongest (declared)',
    results: tasks.map((t) => {
      const best = [...AGENT_IDS].sort((x, y) => ability(y, t.domain) - ability(x, t.domain))[0] as string;
      return cascade(t, [best], outcomes);
    }),
  };
}

/**
 * RouteLLM-style threshold with escalation: a weak and a strong agent; the strong one when the estimate is at least
 * θ, else the weak one first and the strong one when the verifier rejects. Pair and θ tuned on the warm-up.
 */
export function thresholdEscalation(
  warmup: readonly SimTask[],
  tasks: readonly SimTask[],
  outcomes: Outcomes,
): StrategyRun {
  const configs: Array<{ weak: string; strong: string; theta: number }> = [];
  for (const weak of AGENT_IDS)
    for (const strong of AGENT_IDS)
      if (weak !== strong) for (let theta = 0; theta <= 12; theta++) configs.push({ weak, strong, theta });
  const plan = (c: (typeof configs)[number], t: SimTask) =>
    estimateOf(t) >= c.theta ? [c.strong] : [c.weak, c.strong];
  const best = tune(configs, warmup, (c, t) => cascade(t, plan(c, t), outcomes));
  return {
    name: 'threshold + escalation (tuned)',
    tuned: `${best.weak} below ${best.theta}, else ${best.strong}`,
    results: tasks.map((t) => cascade(t, plan(best, t), outcomes)),
  };
}

/**
 * FrugalGPT-style cascade over every price level: one agent per level (the best of the level on the warm-up),
 * cheapest first, escalating on a verifier rejection; the first level and the depth are tuned on the warm-up.
 */
export function tunedCascade(warmup: readonly SimTask[], tasks: readonly SimTask[], outcomes: Outcomes): StrategyRun {
  const price = (id: string) => {
    const c = SIM_AGENTS.find((a) => a.id === id)?.cost;
    return (c?.inputPerMillion ?? 0) + (c?.outputPerMillion ?? 0);
  };
  const levels = [...new Set(AGENT_IDS.map(price))].sort((a, b) => a - b);
  const ladder = levels.map((level) =>
    tune(
      AGENT_IDS.filter((id) => price(id) === level),
      warmup,
      (a, t) => cascade(t, [a], outcomes),
    ),
  );
  const configs: Array<{ from: number; depth: number }> = [];
  for (let from = 0; from < ladder.length; from++)
    for (let depth = 1; from + depth <= ladder.length; depth++) configs.push({ from, depth });
  const plan = (c: { from: number; depth: number }) => ladder.slice(c.from, c.from + c.depth);
  const best = tune(configs, warmup, (c, t) => cascade(t, plan(c), outcomes));
  return {
    name: 'cascade over price levels (tuned)',
    tuned: plan(best).join(' → '),
    results: tasks.map((t) => cascade(t, plan(best), outcomes)),
  };
}

/**
 * Rightsize: the Router from the declared (mis-claimed) profiles, λ = VALUE_OF_SUCCESS, exploration budget 0.05,
 * plans of the largest expected value given the verifier's detection of failures (`failureDetection`, 1 − its
 * false-accept rate: a broker knows its own verifier), escalation along its plan while the predicted completion fits
 * the deadline, declared difficulties anchored (`anchorDeclared`: the clients' estimates are unbiased here; outcomes
 * move the agents, not the scale) and undeclared tasks on the declared scale (the Router's default). It learns online
 * from every task
 * (warm-up included) from what a broker observes: the verifier's verdict and the reported cost of each attempt —
 * no complexity feedback.
 */
export function rightsize(
  tasks: readonly SimTask[],
  outcomes: Outcomes,
  declared: ReadonlyMap<string, CapabilityProfile>,
  seed: number,
  variant: Partial<RouterOptions> = {},
  trace?: (task: SimTask, decision: RouterDecision, result: TaskResult) => void,
): StrategyRun & { readonly router: Router } {
  const router = new Router({
    agents: AGENT_IDS.map((id) => ({ id, profile: declared.get(id) as CapabilityProfile })),
    lambda: VALUE_OF_SUCCESS,
    exploration: { budget: 0.05, seed },
    failureDetection: 1 - VERIFIER_FALSE_ACCEPT,
    learner: { anchorDeclared: true },
    ...variant,
  });
  let bestEffort = 0;
  const results = tasks.map((t) => {
    const decision = router.route({
      id: String(t.index),
      text: t.text,
      descriptor: {
        domain: t.domain,
        ...(t.clientEstimate ? { complexity: t.clientEstimate } : {}),
        inputTokens: t.inputTokens,
        outputTokens: t.outputTokens,
        constraints: t.constraints,
        ...(t.network ? { network: t.network } : {}),
      },
    });
    if (decision.bestEffort) bestEffort++;
    const assessments = [...decision.match.ranked, ...decision.match.rejected];
    const predicted = new Map(assessments.map((a) => [a.agentId, a.predictions.completionMs]));
    const deadline = t.constraints.completionDeadlineMs ?? Number.POSITIVE_INFINITY;
    const result = cascade(
      t,
      decision.plan,
      outcomes,
      (elapsed, next) => elapsed + (predicted.get(next) ?? 0) <= deadline,
      (agentId, accepted, cost) => router.observe({ taskId: decision.taskId, agentId, success: accepted, cost }),
    );
    router.complete(decision.taskId);
    trace?.(t, decision, result);
    return result;
  });
  return { name: 'rightsize (Router)', tuned: `best-effort decisions: ${bestEffort}`, results, router };
}

/** Draws per (task, agent) from which the expected-value oracle estimates its expectations (fixed beforehand). */
export const ORACLE_DRAWS = 48;

/**
 * The oracle: for each task, the plan — one agent, or one agent then another on a verifier rejection — with the
 * best EXPECTED objective under the TRUE model: it knows the task's true complexity and every agent's true curve,
 * latency, token and price distributions, and takes expectations over them (estimated from ORACLE_DRAWS independent
 * realisations of each attempt, the same simulator as the scored outcomes but other seeds). It does not see the
 * scored realisation (which attempt happens to be fast, cheap or correct): no router can, so this is an upper bound
 * in expectation on the objective of every non-clairvoyant strategy. The plan is then run on the scored outcomes.
 */
export function trueOracle(
  tasks: readonly SimTask[],
  outcomes: Outcomes,
  seed: number,
  complexityOf?: (t: SimTask, k: number) => number,
  name = 'oracle (true model, expected value, with escalation)',
): StrategyRun {
  const results = tasks.map((t) => {
    const drawn = (k: number) => (complexityOf ? { ...t, trueComplexity: complexityOf(t, k) } : t);
    const draws = new Map(
      SIM_AGENTS.map((a) => [
        a.id,
        Array.from({ length: ORACLE_DRAWS }, (_, k) => realise(drawn(k), a, oracleSeed(seed, k))),
      ]),
    );
    let best: string[] = [];
    let bestValue = 0;
    for (const a of AGENT_IDS) {
      const da = draws.get(a) as Realised[];
      let single = 0;
      for (const ra of da) single += (ra.correct && inTime(t, ra) ? VALUE_OF_SUCCESS : 0) - ra.cost;
      if (single / ORACLE_DRAWS > bestValue) {
        best = [a];
        bestValue = single / ORACLE_DRAWS;
      }
      for (const b of AGENT_IDS) {
        if (b === a) continue;
        const db = draws.get(b) as Realised[];
        let value = 0;
        for (let k = 0; k < ORACLE_DRAWS; k++) {
          const ra = da[k] as Realised;
          value += (ra.correct && inTime(t, ra) ? VALUE_OF_SUCCESS : 0) - ra.cost;
          if (ra.verifierAccepts) continue;
          const rb = db[k] as Realised;
          const both = {
            firstResponseMs: ra.completionMs + rb.firstResponseMs,
            completionMs: ra.completionMs + rb.completionMs,
          };
          value += (rb.correct && inTime(t, both) ? VALUE_OF_SUCCESS : 0) - rb.cost;
        }
        if (value / ORACLE_DRAWS > bestValue) {
          best = [a, b];
          bestValue = value / ORACLE_DRAWS;
        }
      }
    }
    return cascade(t, best, outcomes);
  });
  return { name, results };
}

/**
 * A reference, not a bound on the targets: the same expected-value planner with the true agents (curves, latency,
 * tokens, prices) but only what the Router is told of the task — each draw's complexity comes from the client's
 * estimate (c ~ N(estimate, 1 + 0.6²), the simulator's own error model, floored at 0), or from the true complexity
 * of another task of the workload in the same domain when the client states none. The gap between it and the oracle
 * is what knowing the true complexity is worth; the gap between the Router and it is what learning the agents costs.
 */
export function estimateOnlyOracle(
  workload: readonly SimTask[],
  tasks: readonly SimTask[],
  outcomes: Outcomes,
  seed: number,
): StrategyRun {
  const rng = mulberry32(seed ^ 0x5bd1e995);
  const byDomain = new Map<string, number[]>();
  for (const t of workload) byDomain.set(t.domain, [...(byDomain.get(t.domain) ?? []), t.trueComplexity]);
  const complexityOf = (t: SimTask) => {
    if (t.clientEstimate) return Math.max(0, rng.normal(t.clientEstimate.value, Math.sqrt(1 + 0.6 ** 2)));
    const pool = byDomain.get(t.domain) as number[];
    return pool[rng.int(0, pool.length - 1)] as number;
  };
  return trueOracle(tasks, outcomes, seed, complexityOf, 'oracle knowing only the client’s estimate (reference)');
}

/** Seeds of the oracle's draws: never the scored outcomes' seed. */
const oracleSeed = (seed: number, k: number) => (Math.imul(seed + 1, 0x27d4eb2d) ^ Math.imul(k + 1, 0x165667b1)) >>> 0;

/**
 * The earlier oracle, kept for comparison: the best plan under the true success probabilities but with the SCORED
 * attempt's cost, time and reasoning-budget cut known in advance (partly clairvoyant: it avoids the attempts whose
 * heavy-tailed reasoning happens to blow up). An upper bound too, but not one a router could approach.
 */
export function realisedCostOracle(tasks: readonly SimTask[], outcomes: Outcomes): StrategyRun {
  const results = tasks.map((t) => {
    const p = new Map(
      SIM_AGENTS.map((a) => {
        const r = at(outcomes, a.id, t);
        const budgetOk =
          a.reasoning.mode === 'none' || r.reasoningTokens < (a.reasoning.maxReasoningTokens ?? Infinity);
        return [a.id, budgetOk ? trueSuccess(a, t.domain, t.trueComplexity) : 0];
      }),
    );
    let best: string[] = [];
    let bestValue = 0;
    for (const a of AGENT_IDS) {
      const ra = at(outcomes, a, t);
      const pa = (p.get(a) as number) * (inTime(t, ra) ? 1 : 0);
      const single = VALUE_OF_SUCCESS * pa - ra.cost;
      if (single > bestValue) {
        best = [a];
        bestValue = single;
      }
      for (const b of AGENT_IDS) {
        if (b === a) continue;
        const rb = at(outcomes, b, t);
        const both = {
          firstResponseMs: ra.completionMs + rb.firstResponseMs,
          completionMs: ra.completionMs + rb.completionMs,
        };
        const pb = (p.get(b) as number) * (inTime(t, both) ? 1 : 0);
        const rejected = (1 - (p.get(a) as number)) * 0.9;
        const value = VALUE_OF_SUCCESS * (pa + rejected * pb) - ra.cost - rejected * rb.cost;
        if (value > bestValue) {
          best = [a, b];
          bestValue = value;
        }
      }
    }
    return cascade(t, best, outcomes);
  });
  return { name: 'oracle seeing each attempt’s cost and time (earlier version)', results };
}

/** Hindsight: sees every realised outcome and picks the cheapest agent that answers correctly in time. */
export function hindsightOracle(tasks: readonly SimTask[], outcomes: Outcomes): StrategyRun {
  return {
    name: 'hindsight (sees outcomes)',
    results: tasks.map((t) => {
      const good = AGENT_IDS.map((id) => ({ id, r: at(outcomes, id, t) }))
        .filter((x) => x.r.correct && inTime(t, x.r))
        .sort((x, y) => x.r.cost - y.r.cost || x.r.completionMs - y.r.completionMs);
      const pick = good[0];
      return pick
        ? cascade(t, [pick.id], outcomes)
        : { attempts: [], success: false, firstAttemptSuccess: false, cost: 0, elapsedMs: 0, deadlineMiss: false };
    }),
  };
}
