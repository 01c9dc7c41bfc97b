/**
 * SIMULATED agents for the broker tests: SDK agent servers on loopback with Rightsize profiles and deterministic
 * behaviour (answer, fail, or wait until canceled), recording what they received.
 */
import type { AgentCard, Message } from '@rightsize/sdk/a2a';
import { type CapabilityProfile, RIGHTSIZE_EXTENSION_URI, withCapabilityProfile } from '@rightsize/sdk/rightsize';
import { a2aServer } from '@rightsize/sdk/server';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';

/**
 * answer: complete at once; reply: answer with a Message (no task); fail: fail; wait: until canceled; steps: one
 * artifact chunk per `release()`, then complete.
 */
export type Behaviour = 'answer' | 'reply' | 'fail' | 'wait' | 'steps';

export interface TestAgent {
  readonly id: string;
  readonly app: FastifyInstance;
  readonly url: string;
  readonly cardUrl: string;
  readonly received: Message[];
  readonly canceled: string[];
  behaviour: Behaviour;
  /** Chunks the `steps` behaviour sends before completing. */
  steps: number;
  /** Let a `steps` agent send `n` more chunks. */
  release(n?: number): void;
}

export const profileOf = (
  abilities: Record<string, number>,
  placement: CapabilityProfile['placement'],
  pricePerTask: number,
  ttft: number,
  mode: CapabilityProfile['reasoning']['mode'] = 'none',
): CapabilityProfile => ({
  domains: Object.entries(abilities).map(([domain, ability]) => ({ domain, ability })),
  reasoning: mode === 'none' ? { mode } : { mode, maxReasoningTokens: 64000, reasoningTokensPerSecond: 2000 },
  latency: {
    ttftMs: { p50: ttft, p95: ttft * 2 },
    outputTokensPerSecond: 100,
    networkRttMs: placement.placement === 'device' ? 0 : 20,
  },
  placement,
  cost: { currency: 'USD', perTask: pricePerTask },
});

export const cardFor = (id: string, profile: CapabilityProfile, url: string): AgentCard =>
  withCapabilityProfile(
    {
      name: `${id} (simulated)`,
      description: 'A SIMULATED test agent.',
      supportedInterfaces: [{ url: `${url}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
      version: '1.0.0',
      capabilities: { streaming: true },
      defaultInputModes: ['text/plain'],
      defaultOutputModes: ['text/plain'],
      skills: [{ id: 'answer', name: 'Answer', description: 'Answers (simulated).', tags: ['simulated'] }],
    },
    profile,
  );

/** `prepare` is given the app before the A2A routes are added (e.g. to add a hook in front of them). */
export async function startTestAgent(
  id: string,
  profile: CapabilityProfile,
  behaviour: Behaviour,
  prepare?: (app: FastifyInstance) => void,
): Promise<TestAgent> {
  const app = Fastify();
  prepare?.(app);
  let url = '';
  let permits = 0;
  let wake: (() => void) | undefined;
  const acquire = async (signal: AbortSignal) => {
    while (permits === 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    permits--;
  };
  const agent: TestAgent = {
    id,
    app,
    url: '',
    cardUrl: '',
    received: [],
    canceled: [],
    behaviour,
    steps: 3,
    release: (n = 1) => {
      permits += n;
      wake?.();
    },
  };
  await app.register(a2aServer, {
    card: () => cardFor(id, profile, url),
    executor: {
      async execute(context, events) {
        agent.received.push(context.message);
        if (agent.behaviour === 'reply') return events.reply(`answer from ${id}`);
        events.working(`${id} working`);
        if (agent.behaviour === 'wait') {
          await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
          agent.canceled.push(context.taskId);
          return;
        }
        if (agent.behaviour === 'steps') {
          for (let i = 0; i < agent.steps; i++) {
            await acquire(context.signal);
            if (context.signal.aborted) {
              agent.canceled.push(context.taskId);
              return;
            }
            events.artifact({ artifactId: 'stream', parts: [{ text: `chunk ${i}` }] }, { append: i > 0 });
          }
          return events.complete(`answer from ${id}`);
        }
        events.artifact({ artifactId: 'partial', parts: [{ text: `partial from ${id}` }] });
        events.metadata({ [RIGHTSIZE_EXTENSION_URI]: { usage: { outputTokens: 7, completionMs: 3 } } });
        if (agent.behaviour === 'fail') return events.fail(`${id} failed`);
        events.complete(`answer from ${id}`);
      },
    },
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  return Object.assign(agent, { url, cardUrl: `${url}/.well-known/agent-card.json` });
}

/** Register an agent with a broker over its admin API (HTTP, as an operator would); throws unless it answers 201. */
export async function registerAgent(brokerUrl: string, adminKey: string, cardUrl: string): Promise<void> {
  const registered = await request(`${brokerUrl}/rightsize/v1/agents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
    body: JSON.stringify({ cardUrl }),
  });
  const body = await registered.body.text();
  if (registered.statusCode !== 201) throw new Error(`registering ${cardUrl}: HTTP ${registered.statusCode} ${body}`);
}
