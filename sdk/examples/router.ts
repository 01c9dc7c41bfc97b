/**
 * The Router embedded in an application: two agents (SIMULATED here — replace `callAgent` with an A2A client call),
 * one loop that routes each task, sends it, escalates on failure and learns from every outcome, and its state saved
 * to JSON and restored. Run: npx tsx sdk/examples/router.ts [--tasks 300] [--lambda 4]
 */
import { parseArgs } from 'node:util';
import { mulberry32, Router, type RouterState } from '../src/rightsize/index.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';

const USAGE = 'Usage: npx tsx sdk/examples/router.ts [--tasks 300] [--lambda 4]';
const options = {
  tasks: { type: 'string' },
  lambda: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
const usageError = (message: string): never => {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
};
const values = (() => {
  try {
    return parseArgs({ options }).values;
  } catch (error) {
    return usageError((error as Error).message);
  }
})();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const tasks = Number(values.tasks ?? 300);
const lambda = Number(values.lambda ?? 4);
if (!Number.isInteger(tasks) || tasks < 1 || !(lambda >= 0))
  usageError('--tasks must be a whole number ≥ 1 and --lambda a number ≥ 0');

const profile = (ability: number, perTask: number): CapabilityProfile => ({
  domains: [{ domain: 'general', ability }],
  reasoning: { mode: 'none' },
  latency: { ttftMs: { p50: 300, p95: 900 }, outputTokensPerSecond: 60 },
  placement: { placement: 'cloud' },
  cost: { currency: 'USD', perTask },
});

// Both declare ability 5; the SIMULATED truth: "small" is really 4, "large" really 8.
const truth: Record<string, number> = { small: 4, large: 8 };
const rng = mulberry32(1);
async function callAgent(agentId: string, text: string): Promise<boolean> {
  const complexity = text.split(' ').length / 3; // the simulated world: longer questions are harder
  const p = 0.95 / (1 + Math.exp(-2 * ((truth[agentId] as number) - complexity)));
  return rng.next() < p;
}

const router = new Router({
  agents: [
    { id: 'small', profile: profile(5, 0.01) },
    { id: 'large', profile: profile(5, 0.2) },
  ],
  lambda, // one success is worth `lambda` USD: the cost/quality dial
  exploration: { budget: 0.05 }, // Thompson sampling on at most 5 % of decisions
  dispatch: async ({ agentId, task }) => ({ success: await callAgent(agentId, task.text) }),
});

const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
let solved = 0;
let large = 0;
for (let i = 0; i < tasks; i++) {
  const length = 3 + Math.floor(rng.next() * 27);
  const text = Array.from({ length }, (_, j) => words[(i + j) % words.length]).join(' ');
  const run = await router.run({ text, descriptor: { domain: 'general' } });
  if (run.success) solved++;
  if (run.decision.chosen === 'large') large++;
}
console.log(`solved ${solved}/${tasks}; first choice "large" for ${large} tasks (λ = ${lambda})`);
for (const id of ['small', 'large']) {
  const c = router.learner.curve(id, profile(5, 0), 'general');
  console.log(
    `learned ${id}: ability ${c.ability.toFixed(2)} ± ${c.abilitySigma.toFixed(2)}, pMax ${c.pMax.toFixed(2)}`,
  );
}

// Persist and restore (e.g. in a database column): versioned JSON.
const saved: RouterState = JSON.parse(JSON.stringify(router.toJSON()));
const restored = Router.fromJSON(saved, { agents: router.agents, lambda });
console.log(`restored a router with ${restored.learner.observations} outcomes learned`);
