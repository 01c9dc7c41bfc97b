/** The routing strategies compared by bench:routing, all run on the same SIMULATED tasks and realised outcomes. */
import { Calibrator } from '../../src/rightsize/calibration.js';
import { ColdStartEstimator, chainEstimators, NearestNeighbourEstimator } from '../../src/rightsize/estimator.js';
import { type MatchCandidate, match } from '../../src/rightsize/match.js';
import type { CapabilityProfile } from '../../src/rightsize/model/profile.js';
import { expectedReasoningTokens, predictCost, reasoningOf } from '../../src/rightsize/predict.js';
import { mulberry32 } from '../../src/rightsize/prng.js';
import { SIM_AGENTS, trueProfile } from './fleet.js';
import { inTime, type Realised, type SimTask } from './workload.js';

export interface TaskResult {
  readonly attempts: readonly string[];
  /** A correct answer was delivered within the task's deadlines. */
  readonly success: boolean;
  readonly cost: number;
  /** Time from the request to the final answer, over every attempt. */
  readonly elapsedMs: number;
  readonly deadlineMiss: boolean;
}

export type Outcomes = ReadonlyMap<string, readonly Realised[]>;

const at = (outcomes: Outcomes, agent: string, task: SimTask) =>
  (outcomes.get(agent) as Realised[])[task.index] as Realised;

/**
 * Runs a cascade: each attempt is paid for and takes its time; the verifier accepts or rejects it; a rejected
 * attempt moves to the next agent while `mayContinue` allows.
 */
function cascade(
  task: SimTask,
  plan: readonly string[],
  outcomes: Outcomes,
  mayContinue: (elapsedMs: number, next: string) => boolean = () => true,
): TaskResult {
  let cost = 0;
  let elapsed = 0;
  const attempts: string[] = [];
  let final: { correct: boolean; firstResponseMs: number; completionMs: number } | undefined;
  for (const [i, agent] of plan.entries()) {
    const r = at(outcomes, agent, task);
    attempts.push(agent);
    const started = elapsed;
    cost += r.cost;
    elapsed += r.completionMs;
    final = { correct: r.correct, firstResponseMs: started + r.firstResponseMs, completionMs: elapsed };
    const next = plan[i + 1];
    if (r.verifierAccepts || next === undefined || !mayContinue(elapsed, next)) break;
  }
  if (!final) return { attempts, success: false, cost: 0, elapsedMs: 0, deadlineMiss: false };
  const timely = inTime(task, final);
  return { attempts, success: final.correct && timely, cost, elapsedMs: elapsed, deadlineMiss: !timely };
}

const single = (task: SimTask, agent: string, outcomes: Outcomes) => cascade(task, [agent], outcomes);

/** Expected cost of an agent for a task by its declared profile, at a complexity. */
function declaredCost(profile: CapabilityProfile, task: SimTask, complexity: number): number {
  const reasoning = expectedReasoningTokens(reasoningOf(profile.reasoning), { value: complexity, sigma: 1 });
  return predictCost(profile.cost, { input: task.inputTokens, output: task.outputTokens, reasoning });
}

const cold = new ColdStartEstimator();
const estimateOf = (task: SimTask) => task.clientEstimate?.value ?? cold.estimate({ text: task.text }).value;

export function randomStrategy(tasks: readonly SimTask[], outcomes: Outcomes, seed: number): TaskResult[] {
  const rng = mulberry32(seed);
  return tasks.map((t) => single(t, (SIM_AGENTS[rng.int(0, SIM_AGENTS.length - 1)] as { id: string }).id, outcomes));
}

/** Agents with their declared expected cost for the task at its estimated complexity, cheapest first. */
function byDeclaredCost(task: SimTask, declared: Map<string, CapabilityProfile>): Array<{ id: string; cost: number }> {
  return SIM_AGENTS.map((a) => ({
    id: a.id,
    cost: declaredCost(declared.get(a.id) as CapabilityProfile, task, estimateOf(task)),
  })).sort((x, y) => x.cost - y.cost || (x.id < y.id ? -1 : 1));
}

export function cheapestStrategy(
  tasks: readonly SimTask[],
  outcomes: Outcomes,
  declared: Map<string, CapabilityProfile>,
): TaskResult[] {
  return tasks.map((t) => single(t, (byDeclaredCost(t, declared)[0] as { id: string }).id, outcomes));
}

export function strongestStrategy(
  tasks: readonly SimTask[],
  outcomes: Outcomes,
  declared: Map<string, CapabilityProfile>,
): TaskResult[] {
  return tasks.map((t) => {
    const ability = (id: string) => {
      const domains = (declared.get(id) as CapabilityProfile).domains;
      return (domains.find((d) => d.domain === t.domain) ?? domains.find((d) => d.domain === 'general'))?.ability ?? 0;
    };
    const best = [...SIM_AGENTS].sort((x, y) => ability(y.id) - ability(x.id))[0] as { id: string };
    return single(t, best.id, outcomes);
  });
}

/** The one agent with the best success on the whole workload, chosen in hindsight. */
export function bestSingleStrategy(
  tasks: readonly SimTask[],
  outcomes: Outcomes,
): { agent: string; results: TaskResult[] } {
  let best = { agent: '', results: [] as TaskResult[], rate: -1 };
  for (const a of SIM_AGENTS) {
    const results = tasks.map((t) => single(t, a.id, outcomes));
    const rate = results.filter((r) => r.success).length;
    if (rate > best.rate) best = { agent: a.id, results, rate };
  }
  return best;
}

/** RouteLLM-style: a strong and a weak model, strong when the estimate is in the top 30 % of the workload's. */
export function thresholdStrategy(tasks: readonly SimTask[], outcomes: Outcomes): TaskResult[] {
  const estimates = tasks.map(estimateOf).sort((a, b) => a - b);
  const threshold = estimates[Math.floor(0.7 * estimates.length)] ?? 0;
  return tasks.map((t) => single(t, estimateOf(t) >= threshold ? 'sim-cloud-think' : 'sim-edge-fast', outcomes));
}

/** FrugalGPT-style: cheapest first by declared price, escalate on a verifier rejection, at most three attempts. */
export function cascadeStrategy(
  tasks: readonly SimTask[],
  outcomes: Outcomes,
  declared: Map<string, CapabilityProfile>,
): TaskResult[] {
  return tasks.map((t) => {
    const byPrice = byDeclaredCost(t, declared);
    // FrugalGPT cascades across price levels: the cheapest agent of each distinct price, three levels.
    const plan = byPrice
      .filter((x, i) => i === 0 || x.cost > (byPrice[i - 1] as { cost: number }).cost)
      .slice(0, 3)
      .map((x) => x.id);
    return cascade(t, plan, outcomes);
  });
}

export interface RightsizeOptions {
  /** Profiles the router believes (declared, or the truth for the informed oracle). */
  readonly profiles: Map<string, CapabilityProfile>;
  /** Learn abilities from outcomes (spec §9.3). */
  readonly calibrate: boolean;
  /** Use each task's true complexity (informed oracle) instead of the client estimate / estimator. */
  readonly trueComplexity?: boolean;
}

/** Rightsize: the spec's matching rule, escalation within the deadline, calibration and the learning estimator. */
export function rightsizeStrategy(
  tasks: readonly SimTask[],
  outcomes: Outcomes,
  options: RightsizeOptions,
): TaskResult[] {
  const calibrator = new Calibrator();
  const knn = new NearestNeighbourEstimator();
  const estimator = chainEstimators(knn, new ColdStartEstimator());
  return tasks.map((t) => {
    const complexity = options.trueComplexity
      ? { value: t.trueComplexity, sigma: 0 }
      : (t.clientEstimate ?? estimator.estimate({ text: t.text, domain: t.domain }));
    const candidates: MatchCandidate[] = SIM_AGENTS.map((a) => {
      const declared = options.profiles.get(a.id) as CapabilityProfile;
      return { id: a.id, profile: options.calibrate ? calibrator.calibratedProfile(a.id, declared) : declared };
    });
    const result = match(
      {
        descriptor: {
          domain: t.domain,
          ...(complexity ? { complexity: { value: complexity.value, sigma: complexity.sigma ?? 0 } } : {}),
          inputTokens: t.inputTokens,
          outputTokens: t.outputTokens,
          constraints: t.constraints,
          ...(t.network ? { network: t.network } : {}),
          preference: t.preference,
        },
      },
      candidates,
    );
    const predicted = new Map(result.ranked.map((a) => [a.agentId, a.predictions.completionMs]));
    const deadline = t.constraints.completionDeadlineMs ?? Number.POSITIVE_INFINITY;
    const run = cascade(
      t,
      result.escalation,
      outcomes,
      (elapsed, next) => elapsed + (predicted.get(next) ?? 0) <= deadline,
    );
    // Feedback: each attempt's verifier verdict; complexity measured from a reasoning agent's tokens when one answered.
    let measured: number | undefined;
    for (const agentId of run.attempts) {
      const r = at(outcomes, agentId, t);
      const agent = SIM_AGENTS.find((a) => a.id === agentId);
      if (agent && agent.reasoning.mode !== 'none' && r.verifierAccepts && r.correct) {
        measured = Math.log2(r.reasoningTokens / (agent.reasoning.tokensPerStep ?? 24));
      }
    }
    for (const agentId of run.attempts) {
      const r = at(outcomes, agentId, t);
      calibrator.observe(
        { agentId, domain: t.domain, complexity: measured ?? complexity?.value ?? 4, success: r.verifierAccepts },
        options.profiles.get(agentId) as CapabilityProfile,
      );
    }
    if (measured !== undefined) knn.learn({ text: t.text, domain: t.domain }, measured);
    return run;
  });
}

/** Informed oracle: Rightsize's policy with every task's true complexity and every agent's true curve and latency. */
export function informedOracle(tasks: readonly SimTask[], outcomes: Outcomes): TaskResult[] {
  const truth = new Map(SIM_AGENTS.map((a) => [a.id, trueProfile(a)]));
  return rightsizeStrategy(tasks, outcomes, { profiles: truth, calibrate: false, trueComplexity: true });
}

/** Hindsight oracle: sees every realised outcome and picks the cheapest agent that answers correctly in time. */
export function hindsightOracle(tasks: readonly SimTask[], outcomes: Outcomes): TaskResult[] {
  return tasks.map((t) => {
    const good = SIM_AGENTS.map((a) => ({ id: a.id, r: at(outcomes, a.id, t) }))
      .filter((x) => x.r.correct && inTime(t, x.r))
      .sort((x, y) => x.r.cost - y.r.cost || x.r.completionMs - y.r.completionMs);
    const pick = good[0];
    return pick
      ? single(t, pick.id, outcomes)
      : { attempts: [], success: false, cost: 0, elapsedMs: 0, deadlineMiss: false };
  });
}
