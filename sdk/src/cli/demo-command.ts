/**
 * `rightsize demo`: the SDK end to end on loopback. Starts a SIMULATED fleet of A2A agents whose cards carry
 * Rightsize capability profiles, resolves their cards over HTTP, and routes calibration tasks (spec §9.1) to them
 * with the matching rule: each decision is printed with its predictions and the reasons other agents were ruled out,
 * the task is sent with the A2A client, the answer is checked by the family's verifier, failures escalate along the
 * plan, and the Router learns from every outcome (`Router.run`: route → dispatch → observe). The simulated agents answer correctly with the probability of their TRUE
 * curve (one of them over-claims its declared ability by 2), after a shortened simulated latency.
 */
import { parseArgs } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AgentCard } from '../a2a/model/index.js';
import { A2AClient } from '../client/index.js';
import {
  readCapabilityProfile,
  readTaskExtension,
  withCapabilityProfile,
  withMessageExtension,
} from '../rightsize/extension.js';
import { Router } from '../rightsize/learning/router.js';
import { capabilitySuccessAt } from '../rightsize/math/predict.js';
import { mulberry32, type Prng } from '../rightsize/math/prng.js';
import type { CapabilityProfile } from '../rightsize/model/profile.js';
import { TASK_FAMILIES, type TaskInstance } from '../rightsize/task-bank/index.js';
import { a2aServer } from '../server/index.js';
import { type CommandIO, UsageError } from './io.js';

export const DEMO_HELP = `Usage: rightsize demo [options]

Starts a simulated fleet of four A2A agents on loopback (on-device, edge, cloud fast, cloud thinking), each with a
Rightsize capability profile on its card, and routes calibration tasks to them: prints every routing decision,
the answer check, escalations, and the curves the Router learns from the outcomes. Nothing leaves this machine.

Options:
  --tasks <n>    tasks to route (default 12)
  --seed <n>     seed for the tasks and the simulated agents (default 1)
  --json         print one JSON object with every decision and the summary
  -h, --help     show this help`;

interface SimAgent {
  readonly id: string;
  readonly declared: CapabilityProfile;
  /** True ability per domain (what the simulation uses); the declared one may differ. */
  readonly truth: Record<string, number>;
  /** Simulated milliseconds per output token and fixed overhead, shortened 20× for the demo. */
  readonly msPerToken: number;
}

const profile = (
  abilities: Record<string, number>,
  reasoning: CapabilityProfile['reasoning'],
  latency: [number, number, number, number],
  placement: CapabilityProfile['placement'],
  cost: CapabilityProfile['cost'],
): CapabilityProfile => ({
  domains: Object.entries(abilities).map(([domain, ability]) => ({ domain, ability })),
  reasoning,
  latency: {
    ttftMs: { p50: latency[0], p95: latency[1] },
    outputTokensPerSecond: latency[2],
    networkRttMs: latency[3],
  },
  placement,
  cost,
});

const FLEET: readonly SimAgent[] = [
  {
    id: 'device-small',
    declared: profile(
      { general: 3, dialogue: 4.5 },
      { mode: 'none' },
      [60, 120, 40, 0],
      { placement: 'device' },
      { currency: 'USD' },
    ),
    truth: { general: 3, dialogue: 4.5 },
    msPerToken: 1,
  },
  {
    id: 'edge-math',
    // Over-claims: declares 8 in math, is really 6.
    declared: profile(
      { general: 6, math: 8, code: 7 },
      { mode: 'hybrid', maxReasoningTokens: 6000, reasoningTokensPerSecond: 300, budgetControl: true },
      [150, 400, 100, 10],
      { placement: 'edge', region: 'eu' },
      { currency: 'USD', inputPerMillion: 0.2, outputPerMillion: 0.6, reasoningPerMillion: 0.6 },
    ),
    truth: { general: 6, math: 6, code: 7 },
    msPerToken: 0.5,
  },
  {
    id: 'cloud-fast',
    declared: profile(
      { general: 6, dialogue: 7, extraction: 7 },
      { mode: 'none' },
      [180, 450, 150, 40],
      { placement: 'cloud', region: 'eu' },
      {
        currency: 'USD',
        inputPerMillion: 0.5,
        outputPerMillion: 1.5,
      },
    ),
    truth: { general: 6, dialogue: 7, extraction: 7 },
    msPerToken: 0.3,
  },
  {
    id: 'cloud-thinker',
    declared: profile(
      { general: 10, math: 11, planning: 10, code: 10 },
      { mode: 'thinking', maxReasoningTokens: 64000, reasoningTokensPerSecond: 150 },
      [400, 1200, 80, 40],
      { placement: 'cloud', region: 'us' },
      { currency: 'USD', inputPerMillion: 3, outputPerMillion: 15, reasoningPerMillion: 15 },
    ),
    truth: { general: 10, math: 11, planning: 10, code: 10 },
    msPerToken: 0.5,
  },
];

const card = (agent: SimAgent, baseUrl: string): AgentCard =>
  withCapabilityProfile(
    {
      name: `${agent.id} (simulated)`,
      description: `A simulated ${agent.declared.placement.placement} agent for the Rightsize demo.`,
      supportedInterfaces: [{ url: `${baseUrl}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
      version: '1.0.0',
      capabilities: { streaming: true },
      defaultInputModes: ['text/plain'],
      defaultOutputModes: ['text/plain'],
      skills: [{ id: 'solve', name: 'Solve', description: 'Answers calibration tasks.', tags: ['demo'] }],
    },
    agent.declared,
  );

/** Serve one simulated agent: it answers with the task's solution with its TRUE success probability. */
async function serve(
  agent: SimAgent,
  tasks: Map<string, TaskInstance>,
  rng: Prng,
): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  let url = '';
  await app.register(a2aServer, {
    card: () => card(agent, url),
    executor: {
      async execute(context, events) {
        const key = context.message.messageId.split('#')[0] as string;
        const task = tasks.get(key);
        if (!task) return events.reject('unknown demo task');
        const ability = agent.truth[task.domain] ?? agent.truth.general ?? 0;
        const budget = agent.declared.reasoning.maxReasoningTokens ?? Number.POSITIVE_INFINITY;
        const needed = agent.declared.reasoning.mode === 'none' ? 0 : 24 * 2 ** task.complexity;
        const correct =
          needed <= budget && rng.next() < capabilitySuccessAt({ ability, slope: 2, pMax: 1 }, task.complexity);
        events.working();
        await new Promise((r) => setTimeout(r, agent.msPerToken * (20 + Math.min(needed, budget) / 50)));
        events.metadata({
          'https://rightsize.dev/extensions/rightsize/v1': {
            usage: { reasoningTokens: Math.round(Math.min(needed, budget)), outputTokens: 64 },
          },
        });
        events.complete(correct ? task.solution : 'I am not sure; maybe 42?');
      },
    },
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url };
}

/** The demo tasks: the five families at complexities from trivial to hard. */
function demoTasks(count: number, seed: number): TaskInstance[] {
  const rng = mulberry32(seed);
  const families = Object.values(TASK_FAMILIES);
  return Array.from({ length: count }, (_, i) => {
    const family = families[i % families.length] as (typeof families)[number];
    const target = [1, 3, 5, 7, 9, 11][rng.int(0, 5)] as number;
    return family.generate(family.parameterFor(target), rng.int(1, 1_000_000));
  });
}

export async function demoCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      tasks: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(DEMO_HELP);
    return 0;
  }
  const count = Number(values.tasks ?? 12);
  const seed = Number(values.seed ?? 1);
  if (!Number.isInteger(count) || count < 1 || count > 500)
    throw new UsageError('--tasks must be an integer from 1 to 500');
  if (!Number.isInteger(seed)) throw new UsageError('--seed must be an integer');
  const say = (line: string) => {
    if (!values.json) io.out(line);
  };
  const tasks = demoTasks(count, seed);
  const byKey = new Map(tasks.map((t, i) => [`demo-${i}`, t]));
  const rng = mulberry32(seed + 17);
  const servers = await Promise.all(FLEET.map((agent) => serve(agent, byKey, rng)));
  const clients = new Map<string, A2AClient>();
  const declared = new Map<string, CapabilityProfile>();
  const decisions: unknown[] = [];
  let cost = 0;
  let attempts: string[] = [];
  const byTaskId = new Map<string, TaskInstance>();
  const router = new Router({
    exploration: { budget: 0.1, seed },
    dispatch: async ({ agentId, task }) => {
      const instance = byTaskId.get(task.id as string) as TaskInstance;
      const client = clients.get(agentId) as A2AClient;
      const message = withMessageExtension(
        { messageId: `${task.id}#${agentId}`, role: 'ROLE_USER', parts: [{ text: task.text }] },
        { descriptor: task.descriptor },
      );
      const result = await client.sendMessage(message);
      const answer = result.task?.status.message?.parts.map((part) => ('text' in part ? part.text : '')).join('') ?? '';
      const usage = result.task ? readTaskExtension(result.task) : undefined;
      const reasoning = usage?.ok ? (usage.value.usage?.reasoningTokens ?? 0) : 0;
      const profile = declared.get(agentId) as CapabilityProfile;
      const attemptCost =
        (64 * (profile.cost.outputPerMillion ?? 0) + reasoning * (profile.cost.reasoningPerMillion ?? 0)) / 1e6;
      cost += attemptCost;
      const solved = TASK_FAMILIES[instance.family]?.verify(instance, answer) ?? false;
      attempts.push(`${agentId}:${solved ? 'correct' : 'wrong'}`);
      return { success: solved, cost: attemptCost };
    },
  });
  try {
    say(`Simulated fleet (loopback): ${servers.map((s, i) => `${FLEET[i]?.id} ${s.url}`).join(', ')}`);
    for (const [i, server] of servers.entries()) {
      const client = await A2AClient.connect(server.url, { allowPrivateNetworks: true, timeoutMs: 10_000 });
      const read = readCapabilityProfile(client.card);
      if (!read?.ok) throw new Error(`agent ${server.url} has no valid Rightsize profile`);
      const id = FLEET[i]?.id as string;
      clients.set(id, client);
      declared.set(id, read.value);
      router.upsertAgent({ id, profile: read.value });
    }
    say(`Resolved ${clients.size} agent cards over HTTP; routing ${count} tasks with the Router.\n`);
    let successes = 0;
    for (const [i, task] of tasks.entries()) {
      const descriptor = {
        domain: task.domain,
        complexity: { value: Number(task.complexity.toFixed(2)), sigma: 0.5, source: 'declared' as const },
        outputTokens: 64,
        constraints: { completionDeadlineMs: 600_000 },
      };
      const id = `demo-${i}`;
      byTaskId.set(id, task);
      attempts = [];
      say(`#${i + 1} ${task.family}(${task.parameter}) domain=${task.domain} c=${task.complexity.toFixed(2)}`);
      const run = await router.run({ id, text: task.prompt.slice(0, 2000), descriptor });
      const decision = run.decision;
      const rejected = decision.match.rejected.map((a) => `${a.agentId}: ${a.reasons.join(', ')}`).join('; ');
      if (!decision.chosen) {
        say(`   no capable agent (${rejected})\n`);
        decisions.push({ task: i, family: task.family, complexity: task.complexity, chosen: null, rejected });
        continue;
      }
      const chosen = [...decision.match.ranked, ...decision.match.rejected].find((a) => a.agentId === decision.chosen);
      const p = chosen?.predictions;
      const marks = `${decision.bestEffort ? ' [best effort]' : ''}${decision.explored ? ' [exploring]' : ''}`;
      say(
        `   chose ${decision.chosen}${marks}: P=${p?.success.toFixed(3)} cost=$${p?.cost.amount.toExponential(2)} plan=${decision.plan.join(' → ')} (learned c=${decision.difficulty.value.toFixed(2)})`,
      );
      if (rejected) say(`   ruled out: ${rejected}`);
      if (run.success) successes++;
      say(`   attempts: ${attempts.join(', ')}\n`);
      decisions.push({
        task: i,
        family: task.family,
        complexity: task.complexity,
        chosen: decision.chosen,
        plan: decision.plan,
        bestEffort: decision.bestEffort,
        explored: decision.explored,
        attempts,
        solved: run.success,
      });
    }
    const learned = Object.fromEntries(
      [...declared].map(([id, profile]) => [
        id,
        profile.domains.map((d) => ({
          domain: d.domain,
          declaredAbility: d.ability,
          ...router.learner.curve(id, profile, d.domain),
        })),
      ]),
    );
    say(`Solved ${successes}/${count} tasks; simulated spend $${cost.toExponential(2)}.`);
    say('Learned curves (declared → learned ability ± sigma, slope, pMax):');
    for (const [id, rows] of Object.entries(learned)) {
      for (const r of rows)
        say(
          `   ${id} ${r.domain}: ${r.declaredAbility} → ${r.ability.toFixed(2)} ± ${r.abilitySigma.toFixed(2)}, k=${r.slope.toFixed(2)}, pMax=${r.pMax.toFixed(2)}`,
        );
    }
    if (values.json)
      io.out(
        JSON.stringify({
          simulated: true,
          tasks: count,
          solved: successes,
          cost,
          decisions,
          learned,
          router: router.toJSON(),
        }),
      );
    return 0;
  } finally {
    await Promise.all([...clients.values()].map((c) => c.close()));
    await Promise.all(servers.map((s) => s.app.close()));
  }
}
