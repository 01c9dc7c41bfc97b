/**
 * A minimal SIMULATED broker for the suite's own tests of the broker level, built from the SDK: the registry binding
 * (POST/GET/DELETE /registry/agents, POST /registry/match), the matching rule (`match`), decision records on routed
 * tasks, and the no-capable-agent error. `ignore` makes it DELIBERATELY FAULTY (it drops a kind of constraint).
 * Not the reference broker: no persistence, no escalation, no streaming relay.
 */
import { randomUUID } from 'node:crypto';
import type { AgentCard } from '@rightsize/sdk/a2a';
import { A2AClient } from '@rightsize/sdk/client';
import {
  type Assessment,
  type CapabilityProfile,
  decisionRecord,
  type MatchCandidate,
  type MatchResult,
  match,
  noCapableAgentError,
  type ReasoningBudget,
  RIGHTSIZE_EXTENSION_URI,
  readCapabilityProfile,
  readMessageExtension,
  type TaskDescriptor,
  withBrokerRole,
} from '@rightsize/sdk/rightsize';
import { a2aServer } from '@rightsize/sdk/server';
import Fastify from 'fastify';
import type { RunningAgent } from '../../ci/agents.js';
import { tckCard } from '../../ci/agents.js';

interface Entry {
  readonly id: string;
  readonly cardUrl: string;
  readonly card: AgentCard;
  readonly profile: CapabilityProfile;
  readonly registeredAt: string;
}

export interface BrokerOptions {
  /** Constraint members (or the hardConstraints flag, spec §7.7) the faulty broker drops before matching. */
  readonly ignore?: readonly ('completionDeadlineMs' | 'maxCost' | 'allowedPlacements' | 'hardConstraints')[];
  /** The faulty broker forwards the message without the reasoning budget and mode (spec §4.9, §5.3). */
  readonly dropBudget?: boolean;
  /** The faulty broker treats every descriptor as hardConstraints: true (spec 1.0 behaviour: never best effort). */
  readonly alwaysHard?: boolean;
  /**
   * A learning broker (SIMULATED): it matches with the declared complexity plus this shift (a learned estimate
   * conditioned on the descriptor, spec §5.2) and records the complexity it used with origin `shiftOrigin`.
   */
  readonly complexityShift?: number;
  /** The origin the learning broker records (default `combined`; `descriptor` is the FAULTY mislabel). */
  readonly shiftOrigin?: 'combined' | 'descriptor';
  /** FAULTY: the record lists its assessments, but the broker chooses the priciest candidate against them. */
  readonly chooseAgainstRecord?: boolean;
}

export async function startTestBroker(options: BrokerOptions = {}): Promise<RunningAgent> {
  const agents = new Map<string, Entry>();
  const candidates = (): MatchCandidate[] =>
    [...agents.values()].map((a) => ({
      id: a.id,
      profile: a.profile,
      skills: a.card.skills.map((s) => ({ id: s.id, tags: s.tags })),
      defaultInputModes: a.card.defaultInputModes,
      defaultOutputModes: a.card.defaultOutputModes,
    }));
  const decide = (descriptor: TaskDescriptor) => {
    const { hardConstraints, ...rest } = descriptor;
    const constraints = { ...descriptor.constraints };
    for (const key of options.ignore ?? []) if (key !== 'hardConstraints') delete constraints[key];
    const hard = options.alwaysHard
      ? { hardConstraints: true }
      : options.ignore?.includes('hardConstraints')
        ? {}
        : { hardConstraints };
    const shift = options.complexityShift;
    const complexity =
      shift !== undefined && rest.complexity
        ? { complexity: { ...rest.complexity, value: rest.complexity.value + shift } }
        : {};
    const matched = match({ descriptor: { ...rest, ...complexity, ...hard, constraints } }, candidates());
    const origin = shift !== undefined ? (options.shiftOrigin ?? 'combined') : matched.task.origin;
    const result: MatchResult = { ...matched, task: { ...matched.task, origin } };
    const decision = decisionRecord(result, { decisionId: randomUUID() });
    if (!options.chooseAgainstRecord) return { result, decision };
    const priciest = [...result.ranked, ...result.rejected].sort((a, b) => b.comparableCost - a.comparableCost)[0];
    return { result, decision: { ...decision, chosen: priciest?.agentId ?? null } };
  };
  /** Spec §4.9, §5.3: the mode of the chosen agent, and ⌊B_eff⌋ for an agent whose budget is finite. */
  const budgetFor = (chosen: Assessment): { budget?: ReasoningBudget } => {
    if (options.dropBudget) return {};
    const tokens = chosen.mode === 'no-think' ? 0 : chosen.predictions.reasoningBudget;
    if (tokens === null || tokens === undefined) return {};
    return { budget: { maxReasoningTokens: tokens, ...(chosen.mode ? { mode: chosen.mode } : {}) } };
  };
  const app = Fastify();
  let baseUrl = '';
  const card = () => withBrokerRole(tckCard(baseUrl, { streaming: false }), { registryUrl: `${baseUrl}/registry` });

  app.post('/registry/agents', async (request, reply) => {
    const cardUrl = (request.body as { cardUrl?: unknown })?.cardUrl;
    if (typeof cardUrl !== 'string') return reply.code(400).send({ error: { code: 400, message: 'cardUrl required' } });
    const response = await fetch(cardUrl);
    if (!response.ok) return reply.code(502).send({ error: { code: 502, message: 'card unreachable' } });
    const agentCard = (await response.json()) as AgentCard;
    const profile = readCapabilityProfile(agentCard);
    if (!profile?.ok) return reply.code(400).send({ error: { code: 400, message: 'invalid profile' } });
    const known = [...agents.values()].find((a) => a.cardUrl === cardUrl);
    const id = known?.id ?? `agent-${agents.size + 1}`;
    const entry = { id, cardUrl, card: agentCard, profile: profile.value, registeredAt: new Date().toISOString() };
    agents.set(id, entry);
    return reply.code(known ? 200 : 201).send(view(entry));
  });
  const view = (e: Entry) => ({
    id: e.id,
    cardUrl: e.cardUrl,
    name: e.card.name,
    registeredAt: e.registeredAt,
    status: 'active',
    signatureVerified: false,
    profile: e.profile,
    calibration: [],
  });
  app.get('/registry/agents/:id', async (request, reply) => {
    const entry = agents.get((request.params as { id: string }).id);
    return entry ? view(entry) : reply.code(404).send({ error: { code: 404, message: 'not found' } });
  });
  app.delete('/registry/agents/:id', async (request, reply) =>
    reply.code(agents.delete((request.params as { id: string }).id) ? 204 : 404).send(),
  );
  app.post(
    '/registry/match',
    async (request) => decide((request.body as { descriptor: TaskDescriptor }).descriptor).decision,
  );

  // The no-capable-agent error must be the answer to SendMessage itself (spec §7.7), before any task exists.
  app.addHook('preHandler', async (request, reply) => {
    const body = request.body as { method?: string; id?: string; params?: { message?: unknown } } | undefined;
    if (request.url !== '/a2a/jsonrpc' || body?.method !== 'SendMessage' || !body.params?.message) return;
    const data = readMessageExtension(body.params.message as never);
    if (!data?.ok || !data.value.descriptor) return;
    const { result, decision } = decide(data.value.descriptor);
    if (!result.chosen)
      return reply.send({
        jsonrpc: '2.0',
        id: body.id ?? null,
        error: noCapableAgentError(decision, result).toJsonRpc(),
      });
  });
  await app.register(a2aServer, {
    card,
    executor: {
      async execute(context, events) {
        const data = readMessageExtension(context.message);
        if (!data?.ok || !data.value.descriptor) return events.reject('a descriptor is required');
        const { result, decision } = decide(data.value.descriptor);
        const chosen = result.chosen && agents.get(result.chosen.agentId);
        if (!chosen) return events.reject('no capable agent');
        const client = A2AClient.fromCard(chosen.card, { allowPrivateNetworks: true });
        try {
          const { task } = await client.sendMessage({
            ...context.message,
            messageId: randomUUID(),
            taskId: undefined,
            contextId: undefined,
            metadata: { [RIGHTSIZE_EXTENSION_URI]: { ...data.value, ...budgetFor(result.chosen) } },
          } as never);
          for (const artifact of task?.artifacts ?? []) events.artifact(artifact);
        } finally {
          await client.close();
        }
        events.metadata({ [RIGHTSIZE_EXTENSION_URI]: { decision } });
        events.complete();
      },
    },
  });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return { baseUrl, close: () => app.close() };
}
