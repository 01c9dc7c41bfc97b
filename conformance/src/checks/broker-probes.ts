/**
 * The broker level's probe agents (SIMULATED: each plays a fixed part, no model behind it), started by the suite on
 * loopback and registered through the broker's registry binding (Rightsize §7.8):
 * - the routing fleet (small, slow, big), answering `probe:<role>`, for the matching rule (§7.2, §7.3, §7.7);
 * - the behaviour probes, each under its own skill tag so that only it (or its pair) can be chosen: a hybrid agent
 *   with think/no-think modes and a budget-controlled reasoner that record the extension data they receive (§4.9,
 *   §5.3), a pair that fails then rescues (§7.4), a sleeper that waits to be canceled (§7.6), a stepper that streams
 *   in steps the check releases (§7.6), all declaring a capacity with registry load reports (§4.6, §7.7).
 * Probes report what happened to them through `Observations`, keyed by the nonce in the message text, so checks
 * wait for events instead of sleeping.
 */
import { randomBytes } from 'node:crypto';
import type { AgentCard, Message } from '@rightsize/sdk/a2a';
import {
  type BrokerParams,
  type CapabilityProfile,
  createRightsizeValidator,
  RIGHTSIZE_EXTENSION_URI,
  type RoutingDecision,
  withCapabilityProfile,
} from '@rightsize/sdk/rightsize';
import { type AgentExecutor, a2aServer } from '@rightsize/sdk/server';
import { formatIssues } from '@rightsize/sdk/validate';
import Fastify, { type FastifyInstance } from 'fastify';
import type { HttpAnswer } from '../http.js';
import { type CheckContext, ensure, fail } from '../model.js';
import { isRecord } from './support.js';

export const URI = RIGHTSIZE_EXTENSION_URI;
export const rightsizeValidator = createRightsizeValidator();

export type Role = 'small' | 'slow' | 'big';

/** The probe profiles: small (ability 3, free, on device), slow (ability 6, cheap, very slow, edge), big (ability
 * 12, expensive, fast, cloud). */
const base = (ability: number): Pick<CapabilityProfile, 'domains' | 'reasoning'> => ({
  domains: [{ domain: 'general', ability }],
  reasoning: { mode: 'none' },
});
const FAST = { ttftMs: { p50: 20, p95: 50 }, outputTokensPerSecond: 500 };
/** Every probe declares a capacity with registry load reports, so the transient-refusal check can fill them all. */
export const PROBE_CAPACITY = { maxConcurrentTasks: 4, loadReporting: ['registry' as const] };
export const PROBE_PROFILES: Readonly<Record<Role, CapabilityProfile>> = {
  small: {
    ...base(3),
    latency: { ttftMs: { p50: 20, p95: 50 }, outputTokensPerSecond: 200 },
    placement: { placement: 'device' },
    cost: { currency: 'USD' },
  },
  slow: {
    ...base(6),
    latency: { ttftMs: { p50: 5000, p95: 9000 }, outputTokensPerSecond: 10 },
    placement: { placement: 'edge' },
    cost: { currency: 'USD', inputPerMillion: 0.01, outputPerMillion: 0.01 },
  },
  big: {
    ...base(12),
    latency: { ttftMs: { p50: 50, p95: 100 }, outputTokensPerSecond: 500 },
    placement: { placement: 'cloud' },
    cost: { currency: 'USD', inputPerMillion: 10, outputPerMillion: 30, perTask: 0.05 },
  },
};

/** What the probes saw, keyed `<what>:<nonce>`; checks wait on keys (bounded) instead of sleeping. */
export class Observations {
  readonly #values = new Map<string, unknown>();
  readonly #waiters = new Map<string, ((value: unknown) => void)[]>();
  #closed = false;

  record(key: string, value: unknown = true): void {
    this.#values.set(key, value);
    for (const resolve of this.#waiters.get(key) ?? []) resolve(value);
    this.#waiters.delete(key);
  }

  /** End every wait now (the run is over): waiting probes give up so their servers can close. */
  releaseAll(): void {
    this.#closed = true;
    for (const list of this.#waiters.values()) for (const resolve of list) resolve(undefined);
    this.#waiters.clear();
  }

  has(key: string): boolean {
    return this.#values.has(key);
  }

  get(key: string): unknown {
    return this.#values.get(key);
  }

  /**
   * The value recorded under `key`, waiting at most `ms` for it; undefined if it never came or `signal` aborted
   * first (the timer is cleared either way, so a pending wait never holds the process open).
   */
  wait(key: string, ms: number, signal?: AbortSignal): Promise<unknown> {
    if (this.#values.has(key)) return Promise.resolve(this.#values.get(key));
    if (signal?.aborted || this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = (value: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const onAbort = () => done(undefined);
      const timer = setTimeout(onAbort, ms);
      signal?.addEventListener('abort', onAbort);
      const list = this.#waiters.get(key) ?? [];
      list.push(done);
      this.#waiters.set(key, list);
    });
  }
}

/** The nonce a check put in its message text (`rightsize-conformance <nonce>`), as the probe received it. */
export const nonceOf = (message: Message): string => {
  const text = message.parts.map((p) => p.text ?? '').join(' ');
  return /rightsize-conformance (\S+)/.exec(text)?.[1] ?? '';
};

interface ProbeSpec {
  readonly name: string;
  readonly tags: readonly string[];
  readonly profile: unknown;
  readonly executor: AgentExecutor;
}

async function startProbe(host: string, spec: ProbeSpec) {
  const app = Fastify({ forceCloseConnections: true });
  let url = '';
  const card = (): AgentCard =>
    withCapabilityProfile(
      {
        name: spec.name,
        description: 'A SIMULATED probe agent of rightsize-conformance.',
        supportedInterfaces: [{ url: `${url}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
        version: '1.0.0',
        capabilities: { streaming: true },
        defaultInputModes: ['text/plain'],
        defaultOutputModes: ['text/plain'],
        skills: [{ id: 'probe', name: 'Probe', description: 'Plays its part.', tags: [...spec.tags] }],
      },
      { capacity: PROBE_CAPACITY, ...(spec.profile as CapabilityProfile) },
    );
  await app.register(a2aServer, { card, executor: spec.executor });
  url = await app.listen({ port: 0, host });
  return { app, cardUrl: `${url}/.well-known/agent-card.json` };
}

const answering = (answer: string): AgentExecutor => ({
  async execute(_context, events) {
    events.artifact({ artifactId: 'answer', parts: [{ text: answer }] });
    events.complete();
  },
});

export function brokerParams(context: CheckContext): BrokerParams {
  const declaration = context.card.capabilities.extensions?.find((e) => e.uri === URI);
  if (!declaration) fail(`the card does not declare the Rightsize extension (${URI})`, context.cardAnswer.exchange);
  const result = rightsizeValidator.check('ExtensionParams', declaration.params ?? {});
  if (!result.ok)
    fail(`the extension params are not valid:\n${formatIssues(result.issues)}`, context.cardAnswer.exchange);
  if (result.value.role !== 'broker')
    fail('the card declares the role "agent", not "broker"', context.cardAnswer.exchange);
  return result.value;
}

export const registryUrl = (context: CheckContext, path: string) =>
  new URL(brokerParams(context).registryUrl.replace(/\/$/, '') + path);

/** Headers of a registry call: JSON, and the suite's first token. */
export function registryHeaders(context: CheckContext, body = true): Record<string, string> {
  const token = context.options.tokens?.[0];
  return {
    // No content-type without a body: servers (fastify) refuse an empty body declared as JSON.
    ...(body ? { 'content-type': 'application/json' } : {}),
    accept: 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
}

/** A call to the registry binding (JSON in and out, the suite's first token). */
export function registry(
  context: CheckContext,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
) {
  return context.http.send({
    method,
    url: registryUrl(context, path),
    headers: registryHeaders(context, body !== undefined),
    ...(body !== undefined ? { body } : {}),
  });
}

interface Registered<K extends string> {
  readonly tag: string;
  /** Registered id per probe. */
  readonly ids: Partial<Record<K, string>>;
  /** Registration answers per probe (for the registry check). */
  readonly answers: Partial<Record<K, HttpAnswer>>;
  readonly apps: FastifyInstance[];
}

/** Start and register probes once per run (shared by the checks), unregistered and stopped when the run ends. */
function probes<K extends string>(
  context: CheckContext,
  key: string,
  specs: (tag: string, run: string) => Record<K, ProbeSpec>,
  beforeClose?: () => void,
): Promise<Registered<K>> {
  brokerParams(context);
  return context.shared<Registered<K>>(
    key,
    async () => {
      const run = randomBytes(4).toString('hex');
      const tag = `conformance-probe-${run}`;
      const all = specs(tag, run);
      const registered: Registered<K> = { tag, ids: {}, answers: {}, apps: [] };
      for (const name of Object.keys(all) as K[]) {
        const probe = await startProbe(context.options.webhookHost, all[name]);
        registered.apps.push(probe.app);
        const answer = await registry(context, 'POST', '/agents', { cardUrl: probe.cardUrl });
        registered.answers[name] = answer;
        if (
          (answer.status === 201 || answer.status === 200) &&
          isRecord(answer.json) &&
          typeof answer.json.id === 'string'
        )
          registered.ids[name] = answer.json.id;
      }
      return registered;
    },
    async (r) => {
      for (const id of Object.values<string | undefined>(r.ids))
        if (id) await registry(context, 'DELETE', `/agents/${encodeURIComponent(id)}`).catch(() => undefined);
      beforeClose?.();
      await Promise.all(r.apps.map((a) => a.close()));
    },
  );
}

/** Fails unless every probe of the set was registered. */
function allRegistered<K extends string>(
  r: Registered<K>,
  names: readonly K[],
): Registered<K> & { ids: Record<K, string> } {
  const missing = names.filter((n) => !r.ids[n]);
  if (missing.length)
    fail(
      `the probe agents ${missing.join(', ')} could not be registered (see broker:7.8:MUST:registry-registers-agents)`,
      r.answers[missing[0] as K]?.exchange,
    );
  return r as Registered<K> & { ids: Record<K, string> };
}

export type Fleet = Registered<Role | 'invalid'>;

/** The routing fleet, plus a probe whose card carries an invalid profile (never registered successfully). */
export const fleet = (context: CheckContext): Promise<Fleet> =>
  probes(context, 'broker-probes', (tag, run) => {
    const spec = (role: Role): ProbeSpec => ({
      name: `probe-${role}-${run}`,
      tags: [tag],
      profile: PROBE_PROFILES[role],
      executor: answering(`probe:${role}`),
    });
    return {
      small: spec('small'),
      slow: spec('slow'),
      big: spec('big'),
      invalid: {
        name: `probe-invalid-${run}`,
        tags: [tag],
        profile: { domains: [{ domain: 'general', ability: 'nine' }] },
        executor: answering('probe:invalid'),
      },
    };
  });

export const ROLES = Object.keys(PROBE_PROFILES) as Role[];

export async function registered(context: CheckContext) {
  return allRegistered(await fleet(context), ROLES);
}

/** POST /match with a descriptor restricted to the probes; returns the decision. */
export async function dryRun(context: CheckContext, descriptor: Record<string, unknown>): Promise<RoutingDecision> {
  const answer = await registry(context, 'POST', '/match', {
    descriptor: { domain: 'general', outputTokens: 64, ...descriptor },
  });
  ensure(answer.status === 200, `POST /match answered HTTP ${answer.status}`, answer.exchange);
  const result = rightsizeValidator.check('RoutingDecision', answer.json);
  if (!result.ok)
    fail(`POST /match did not return a valid RoutingDecision:\n${formatIssues(result.issues)}`, answer.exchange);
  return result.value;
}

export const roleOf = (ids: Readonly<Partial<Record<string, string>>>, id: string | null) =>
  id === null ? 'nobody' : (Object.entries(ids).find(([, v]) => v === id)?.[0] ?? `another agent (${id})`);

export type Behaviour = 'thinker' | 'reasoner' | 'flaky' | 'rescuer' | 'sleeper' | 'stepper';
export const BEHAVIOURS: readonly Behaviour[] = ['thinker', 'reasoner', 'flaky', 'rescuer', 'sleeper', 'stepper'];

/** The skill tag that selects a behaviour probe (flaky and rescuer share one: they form an escalation plan). */
export const behaviourTag = (tag: string, b: Behaviour) => `${tag}-${b === 'rescuer' ? 'flaky' : b}`;

export interface Behaviours extends Registered<Behaviour> {
  readonly seen: Observations;
}

/** Longest a probe waits for a release or a cancel before it gives up (it never outlives a run by much). */
const PROBE_PATIENCE_MS = 120_000;

/** Record the Rightsize extension data of each forwarded message (budget, mode), then answer. */
const recorder = (seen: Observations, name: string): AgentExecutor => ({
  async execute(context, events) {
    seen.record(`received:${nonceOf(context.message)}`, context.message.metadata?.[URI] ?? null);
    events.artifact({ artifactId: 'answer', parts: [{ text: `probe:${name}` }] });
    events.complete();
  },
});

const reasoningProfile = (ability: number, maxReasoningTokens: number): CapabilityProfile => ({
  domains: [{ domain: 'general', ability }],
  reasoning: { mode: 'thinking', maxReasoningTokens, budgetControl: true, reasoningTokensPerSecond: 5000 },
  latency: FAST,
  placement: { placement: 'cloud' },
  cost: { currency: 'USD', inputPerMillion: 1, outputPerMillion: 2 },
});

const plain = (ability: number, cost: CapabilityProfile['cost']): CapabilityProfile => ({
  ...base(ability),
  latency: FAST,
  placement: { placement: 'cloud' },
  cost,
});

/** The behaviour probes, started and registered once per run. */
export async function behaviours(context: CheckContext, needed: readonly Behaviour[]) {
  const seen = await context.shared(
    'broker-observations',
    async () => new Observations(),
    async () => undefined,
  );
  const r = await probes<Behaviour>(
    context,
    'broker-behaviour-probes',
    (tag, run) => {
      const spec = (b: Behaviour, profile: CapabilityProfile, executor: AgentExecutor): ProbeSpec => ({
        name: `probe-${b}-${run}`,
        tags: [behaviourTag(tag, b)],
        profile,
        executor,
      });
      return {
        thinker: spec(
          'thinker',
          {
            ...reasoningProfile(4, 8000),
            reasoning: {
              mode: 'hybrid',
              maxReasoningTokens: 8000,
              budgetControl: true,
              reasoningTokensPerSecond: 5000,
            },
            modes: {
              'no-think': { domains: [{ domain: 'general', ability: 4 }], reasoning: { mode: 'none' } },
              think: {
                domains: [{ domain: 'general', ability: 10 }],
                reasoning: { mode: 'thinking', maxReasoningTokens: 8000, budgetControl: true },
              },
            },
          },
          recorder(seen, 'thinker'),
        ),
        reasoner: spec('reasoner', reasoningProfile(10, 2000), recorder(seen, 'reasoner')),
        flaky: spec('flaky', plain(8, { currency: 'USD', inputPerMillion: 0.01, outputPerMillion: 0.01 }), {
          async execute(context, events) {
            seen.record(`attempt:flaky:${nonceOf(context.message)}`);
            events.artifact({ artifactId: 'answer', parts: [{ text: 'probe:flaky (partial, must be discarded)' }] });
            events.fail('probe:flaky fails on purpose (SIMULATED)');
          },
        }),
        rescuer: spec(
          'rescuer',
          plain(12, { currency: 'USD', inputPerMillion: 10, outputPerMillion: 30 }),
          answering('probe:rescuer'),
        ),
        sleeper: spec('sleeper', plain(8, { currency: 'USD' }), {
          async execute(context, events) {
            const nonce = nonceOf(context.message);
            events.working();
            seen.record(`started:${nonce}`);
            await seen.wait(`release:${nonce}`, PROBE_PATIENCE_MS, context.signal);
            if (context.signal.aborted) seen.record(`canceled:${nonce}`);
            else events.fail('probe:sleeper was never canceled');
          },
        }),
        stepper: spec('stepper', plain(8, { currency: 'USD' }), {
          async execute(context, events) {
            const nonce = nonceOf(context.message);
            events.working();
            events.artifact({ artifactId: 'answer', parts: [{ text: 'step 1;' }] });
            events.artifact({ artifactId: 'answer', parts: [{ text: 'step 2;' }] }, { append: true });
            seen.record(`started:${nonce}`);
            await seen.wait(`release:${nonce}`, PROBE_PATIENCE_MS, context.signal);
            if (context.signal.aborted) return seen.record(`canceled:${nonce}`);
            events.artifact({ artifactId: 'answer', parts: [{ text: 'step 3.' }] }, { append: true, lastChunk: true });
            events.complete();
          },
        }),
      };
    },
    () => seen.releaseAll(),
  );
  return { ...allRegistered(r, needed), seen };
}
