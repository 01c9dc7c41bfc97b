/**
 * The demo fleet: SIMULATED A2A agents (no model behind them) on loopback, each serving a card with a Rightsize
 * profile — device, edge and cloud tiers; non-thinking, hybrid and thinking; ceilings, latencies and prices. One of
 * them (edge-hybrid) over-claims: it declares math ability 8 and really has 6. A simulated agent succeeds with the
 * probability of its TRUE curve at the task's complexity (from the descriptor the broker forwards), streams a
 * "thinking" status and its answer, reports its usage, and fails honestly (TASK_STATE_FAILED) when it did not
 * succeed, so the broker's escalation can be seen. Latencies are the declared ones shortened by `speedup`.
 *
 * Known-answer probes (spec §9.4): a simulated agent has no model, so to answer a task-bank task correctly when its
 * draw says it solves it, it looks the solution up in an `AnswerKey` that the demo fills from the broker's probe
 * scheduler (a simulation device only: the probe message itself carries nothing that marks it). When the draw says
 * it fails, it fails, or, for a `bluffs` agent, completes with a wrong answer — which only a verifier can catch.
 */
import type { AgentCard } from '@rightsize/sdk/a2a';
import {
  type CapabilityProfile,
  capabilitySuccessAt,
  mulberry32,
  type Prng,
  RIGHTSIZE_EXTENSION_URI,
  readMessageExtension,
  withCapabilityProfile,
} from '@rightsize/sdk/rightsize';
import { a2aServer } from '@rightsize/sdk/server';
import Fastify, { type FastifyInstance } from 'fastify';

export interface SimulatedAgentSpec {
  readonly id: string;
  readonly description: string;
  readonly declared: CapabilityProfile;
  /** The ability the simulation really uses, per domain (may differ from the declared one). */
  readonly truth: Readonly<Record<string, number>>;
  /** When its draw fails, complete with a wrong answer instead of failing (default false). */
  readonly bluffs?: boolean;
}

/** The solutions of the known-answer tasks a simulated agent may be sent (bounded; each looked up once). */
export class AnswerKey {
  readonly #solutions = new Map<string, string>();
  constructor(readonly maxEntries = 10_000) {}

  record(task: { readonly prompt: string; readonly solution: string }): void {
    if (this.#solutions.size >= this.maxEntries) {
      const oldest = this.#solutions.keys().next().value;
      if (oldest !== undefined) this.#solutions.delete(oldest);
    }
    this.#solutions.set(task.prompt, task.solution);
  }

  take(prompt: string): string | undefined {
    const solution = this.#solutions.get(prompt);
    this.#solutions.delete(prompt);
    return solution;
  }
}

const profile = (
  abilities: Record<string, number>,
  reasoning: CapabilityProfile['reasoning'],
  latency: { p50: number; p95: number; tps: number; rtt: number },
  placement: CapabilityProfile['placement'],
  cost: CapabilityProfile['cost'],
): CapabilityProfile => ({
  domains: Object.entries(abilities).map(([domain, ability]) => ({ domain, ability })),
  reasoning,
  latency: {
    ttftMs: { p50: latency.p50, p95: latency.p95 },
    outputTokensPerSecond: latency.tps,
    networkRttMs: latency.rtt,
  },
  placement,
  cost,
});

export const DEMO_FLEET: readonly SimulatedAgentSpec[] = [
  {
    id: 'device-fast',
    description: 'SIMULATED on-device small model: instant, free, only easy dialogue.',
    declared: profile(
      { general: 3, dialogue: 4.5 },
      { mode: 'none' },
      { p50: 40, p95: 90, tps: 60, rtt: 0 },
      { placement: 'device' },
      { currency: 'USD', perTask: 0.000001 },
    ),
    truth: { general: 3, dialogue: 4.5 },
  },
  {
    id: 'edge-hybrid',
    description: 'SIMULATED edge model with optional thinking. OVER-CLAIMS: declares math 8, really 6.',
    declared: profile(
      { general: 6, math: 8, code: 7 },
      { mode: 'hybrid', maxReasoningTokens: 6000, reasoningTokensPerSecond: 300, budgetControl: true },
      { p50: 150, p95: 400, tps: 100, rtt: 10 },
      { placement: 'edge', region: 'eu' },
      { currency: 'USD', inputPerMillion: 0.2, outputPerMillion: 0.6, reasoningPerMillion: 0.6 },
    ),
    truth: { general: 6, math: 6, code: 7 },
  },
  {
    id: 'cloud-fast',
    description: 'SIMULATED cloud model without thinking: quick, mid-priced, good at dialogue and extraction.',
    declared: profile(
      { general: 6, dialogue: 7, extraction: 7 },
      { mode: 'none' },
      { p50: 180, p95: 450, tps: 150, rtt: 40 },
      { placement: 'cloud', region: 'eu' },
      { currency: 'USD', inputPerMillion: 0.5, outputPerMillion: 1.5 },
    ),
    truth: { general: 6, dialogue: 7, extraction: 7 },
  },
  {
    id: 'cloud-thinker',
    description: 'SIMULATED cloud reasoning model: strong, slow, expensive.',
    declared: profile(
      { general: 10, math: 11, planning: 10, code: 10 },
      { mode: 'thinking', maxReasoningTokens: 64000, reasoningTokensPerSecond: 150 },
      { p50: 400, p95: 1200, tps: 80, rtt: 40 },
      { placement: 'cloud', region: 'us' },
      { currency: 'USD', inputPerMillion: 3, outputPerMillion: 15, reasoningPerMillion: 15 },
    ),
    truth: { general: 10, math: 11, planning: 10, code: 10 },
  },
];

export function simulatedCard(spec: SimulatedAgentSpec, baseUrl: string): AgentCard {
  return withCapabilityProfile(
    {
      name: `${spec.id} (simulated)`,
      description: spec.description,
      supportedInterfaces: [
        { url: `${baseUrl}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
        { url: `${baseUrl}/a2a/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
      ],
      version: '1.0.0',
      capabilities: { streaming: true },
      defaultInputModes: ['text/plain', 'application/json'],
      defaultOutputModes: ['text/plain'],
      skills: [{ id: 'answer', name: 'Answer', description: 'Answers questions (simulated).', tags: ['simulated'] }],
    },
    spec.declared,
  );
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

export interface SimulatedAgent {
  readonly spec: SimulatedAgentSpec;
  readonly app: FastifyInstance;
  readonly url: string;
  readonly cardUrl: string;
}

/** Serve one simulated agent on loopback. */
export async function serveSimulatedAgent(
  spec: SimulatedAgentSpec,
  options: { rng?: Prng; speedup?: number; answers?: AnswerKey } = {},
): Promise<SimulatedAgent> {
  const rng = options.rng ?? mulberry32(1);
  const speedup = options.speedup ?? 10;
  const app = Fastify();
  let url = '';
  const reasoning = spec.declared.reasoning;
  await app.register(a2aServer, {
    card: () => simulatedCard(spec, url),
    executor: {
      async execute(context, events) {
        const read = readMessageExtension(context.message);
        const descriptor = read?.ok ? read.value.descriptor : undefined;
        const domain = descriptor?.domain ?? 'general';
        const complexity = descriptor?.complexity?.value ?? 3;
        const ability = spec.truth[domain] ?? spec.truth.general ?? 0;
        const thinks = reasoning.mode !== 'none' && complexity > 2;
        const needed = thinks ? Math.round(24 * 2 ** complexity) : 0;
        const budget = reasoning.maxReasoningTokens ?? Number.POSITIVE_INFINITY;
        const spent = Math.min(needed, budget);
        const p = needed > budget ? 0 : capabilitySuccessAt({ ability, slope: 2, pMax: 1 }, complexity);
        const ttft = spec.declared.latency.ttftMs.p50 * (0.7 + 0.6 * rng.next());
        const thinkMs = thinks ? (1000 * spent) / (reasoning.reasoningTokensPerSecond ?? 100) : 0;
        events.working(thinks ? `(simulated) ${spec.id} is thinking…` : undefined);
        await sleep((ttft + thinkMs) / speedup, context.signal);
        if (context.signal.aborted) return;
        const usage = {
          inputTokens: 50,
          outputTokens: 40,
          reasoningTokens: spent,
          firstResponseMs: Math.round(ttft + thinkMs),
          completionMs: Math.round(ttft + thinkMs + 300),
        };
        events.metadata({ [RIGHTSIZE_EXTENSION_URI]: { usage } });
        const known = options.answers?.take(textOf(context.message));
        const solved = rng.next() < p;
        if (!solved && !spec.bluffs) return events.fail(`(simulated) ${spec.id} could not solve this task`);
        const canned = `(simulated answer from ${spec.id}, ${domain} at complexity ${complexity})`;
        const text = !solved ? '(simulated) I am sure the answer is forty-two.' : (known ?? canned);
        events.artifact({ artifactId: 'answer', parts: [{ text: text.slice(0, 20) }] });
        await sleep(10 / speedup, context.signal);
        events.artifact({ artifactId: 'answer', parts: [{ text: text.slice(20) }] }, { append: true, lastChunk: true });
        events.complete(text);
      },
    },
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { spec, app, url, cardUrl: `${url}/.well-known/agent-card.json` };
}

export async function serveDemoFleet(
  options: { seed?: number; speedup?: number; answers?: AnswerKey; fleet?: readonly SimulatedAgentSpec[] } = {},
): Promise<SimulatedAgent[]> {
  const rng = mulberry32(options.seed ?? 1);
  return Promise.all(
    (options.fleet ?? DEMO_FLEET).map((spec) =>
      serveSimulatedAgent(spec, {
        rng,
        ...(options.speedup !== undefined ? { speedup: options.speedup } : {}),
        ...(options.answers ? { answers: options.answers } : {}),
      }),
    ),
  );
}

const textOf = (message: { readonly parts: readonly { readonly text?: string }[] }) =>
  message.parts.map((p) => p.text ?? '').join('');
