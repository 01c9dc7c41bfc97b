/**
 * Runs the checks of a level against one agent: fetches its card, picks the bindings, runs every check in turn
 * under a time limit, and gathers the results into a report. Never throws for anything the agent does.
 */
import { randomBytes } from 'node:crypto';
import type { AgentCard } from '@rightsize/sdk/a2a';
import { cardUrlFor } from '@rightsize/sdk/client';
import { RIGHTSIZE_EXTENSION_URI } from '@rightsize/sdk/rightsize';
import { createA2AValidator, formatIssues } from '@rightsize/sdk/validate';
import { A2ACaller, BINDINGS, type Binding } from './a2a.js';
import { type HttpAnswer, Probe } from './http.js';
import { CARD_ONLY, checksOf } from './levels.js';
import {
  type CheckContext,
  type CheckDefinition,
  CheckFailure,
  type CheckResult,
  CheckSkipped,
  GROUP_OF,
  type Report,
  type SuiteOptions,
  type Summary,
} from './model.js';
import { WebhookReceiver } from './webhook.js';

export const DEFAULT_TIMEOUT_MS = 10_000;

/** The checks `only` selects: exact ids or id prefixes (`core:3.1.6`, `core:3.1.6:MUST`). */
export function select(checks: readonly CheckDefinition[], only: readonly string[] | undefined): CheckDefinition[] {
  if (!only || only.length === 0) return [...checks];
  return checks.filter((c) => only.some((o) => c.id === o || c.id.startsWith(o.endsWith(':') ? o : `${o}:`)));
}

function interfaceFor(card: AgentCard, binding: Binding) {
  return card.supportedInterfaces.find(
    (i) => i.protocolBinding.toUpperCase() === binding && /^1\.0(\.|$)/.test(i.protocolVersion),
  );
}

interface Setup {
  readonly cardUrl: URL;
  readonly answer?: HttpAnswer;
  readonly card?: AgentCard;
  /** Why no check beyond the card checks can run. */
  readonly problem?: string;
}

let cardValidator: ReturnType<typeof createA2AValidator> | undefined;

/** The card declares the Rightsize broker role (spec §7.1), valid params or not. */
function declaresBroker(card: AgentCard | undefined): boolean {
  const declaration = card?.capabilities.extensions?.find((e) => e.uri === RIGHTSIZE_EXTENSION_URI);
  return declaration?.params?.role === 'broker';
}

/** Why a scripted check (CheckInfo.scripted) does not apply to a broker: the skip reason of each such check. */
export const NOT_APPLICABLE_TO_BROKER =
  'not applicable to a broker: it needs an agent that plays the TCK scenario its messageId names, and a broker forwards each message under its own messageId to an agent it chooses';

/** The run's notice when the target is a broker and scripted checks were skipped. */
function brokerNotice(skipped: number): string {
  return (
    `The card declares the Rightsize broker role: ${skipped} core check(s) that need an agent playing the TCK ` +
    'scenarios are not applicable to a broker and were skipped (not failed). For the broker itself run ' +
    '--level broker and --level extension; run --level core against each agent directly.'
  );
}

async function fetchCard(probe: Probe, url: string): Promise<Setup> {
  let cardUrl: URL;
  try {
    cardUrl = cardUrlFor(url);
  } catch {
    return { cardUrl: new URL('http://invalid.invalid/'), problem: `"${url}" is not a URL` };
  }
  try {
    const answer = await probe.send({ method: 'GET', url: cardUrl, headers: { accept: 'application/json' } });
    if (answer.status !== 200) return { cardUrl, answer, problem: `the agent card answered HTTP ${answer.status}` };
    cardValidator ??= createA2AValidator();
    const result = cardValidator.check('AgentCard', answer.json);
    if (!result.ok) return { cardUrl, answer, problem: `the agent card is not valid:\n${formatIssues(result.issues)}` };
    return { cardUrl, answer, card: result.value };
  } catch (error) {
    return { cardUrl, problem: `no agent card at ${cardUrl.href}: ${(error as Error).message}` };
  }
}

export function summarize(results: readonly CheckResult[], expected: Readonly<Record<string, string>> = {}): Summary {
  const count = (status: CheckResult['status']) => results.filter((r) => r.status === status).length;
  return {
    passed: count('passed'),
    failed: count('failed'),
    expectedFailures: count('expected-failure'),
    skipped: count('skipped'),
    mandatoryFailed: results.filter((r) => r.status === 'failed' && r.requirement === 'MUST').length,
    unexpectedPasses: results.filter((r) => r.status === 'passed' && r.id in expected).map((r) => r.id),
  };
}

/** Run a level against an agent. */
export async function runSuite(input: SuiteOptions): Promise<Report> {
  const options = {
    ...input,
    timeoutMs: input.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    webhookHost: input.webhookHost ?? '127.0.0.1',
  };
  const started = Date.now();
  const checks = select(checksOf(options.level), options.only);
  const probe = new Probe(options.timeoutMs);
  let receiver: Promise<WebhookReceiver> | undefined;
  const results: CheckResult[] = [];
  const attachments: Record<string, string> = {};
  const sharedValues = new Map<string, Promise<unknown>>();
  const disposers: (() => Promise<void>)[] = [];
  const setup = checks.length > 0 ? await fetchCard(probe, options.url) : undefined;
  const card = setup?.card;
  const token = options.tokens?.[0];
  const required = (card?.capabilities.extensions ?? []).flatMap((e) => (e.required && e.uri ? [e.uri] : []));
  const callers: Partial<Record<Binding, A2ACaller>> = {};
  for (const binding of BINDINGS) {
    const iface = card && interfaceFor(card, binding);
    if (iface) callers[binding] = new A2ACaller(binding, iface, probe, token, required);
  }
  const preferred = card?.supportedInterfaces
    .map((i) => i.protocolBinding.toUpperCase())
    .find((b): b is Binding => (BINDINGS as readonly string[]).includes(b) && callers[b as Binding] !== undefined);
  const selected = options.transport ?? preferred;
  const broker = declaresBroker(card);
  let notApplicable = 0;

  try {
    for (const [index, check] of checks.entries()) {
      options.onProgress?.({ type: 'start', index, total: checks.length, check });
      const began = Date.now();
      probe.last = undefined;
      const binding = check.binding ?? selected;
      const caller = binding ? callers[binding] : undefined;
      let status: CheckResult['status'] = 'passed';
      let message: string | undefined;
      let exchange = undefined as CheckResult['exchange'];
      const controller = new AbortController();
      const notes: string[] = [];
      try {
        if (!setup?.answer || (!card && !CARD_ONLY.has(check.id)))
          throw new CheckFailure(setup?.problem ?? 'no agent card');
        if (check.scripted && broker) {
          notApplicable++;
          throw new CheckSkipped(NOT_APPLICABLE_TO_BROKER);
        }
        if (!CARD_ONLY.has(check.id) && !caller) {
          if (check.binding && options.transport && check.binding !== options.transport)
            throw new CheckSkipped(`binding ${check.binding} not selected (--transport ${options.transport})`);
          throw new CheckSkipped(
            binding
              ? `the card declares no A2A 1.0 ${binding} interface`
              : 'the card declares no A2A 1.0 JSONRPC or HTTP+JSON interface',
          );
        }
        const context: CheckContext = {
          options,
          card: card as AgentCard,
          cardAnswer: setup.answer,
          cardUrl: setup.cardUrl,
          a2a: caller as A2ACaller,
          callers,
          http: probe,
          signal: options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal,
          webhook: () => {
            receiver ??= WebhookReceiver.start(options.webhookHost);
            return receiver;
          },
          messageId: (scenario) => `tck-${scenario}-${randomBytes(6).toString('hex')}`,
          note: (text) => notes.push(text),
          attach: (name, content) => {
            attachments[name] = content;
          },
          shared: <T>(key: string, create: () => Promise<T>, dispose: (value: T) => Promise<void>) => {
            let value = sharedValues.get(key) as Promise<T> | undefined;
            if (!value) {
              value = create();
              sharedValues.set(key, value);
              const created = value;
              disposers.push(async () => dispose(await created));
            }
            return value;
          },
        };
        const limit = options.timeoutMs * 8;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            controller.abort();
            reject(new CheckFailure(`the check did not finish within ${limit} ms`));
          }, limit);
        });
        try {
          await Promise.race([check.run(context), timeout]);
        } finally {
          clearTimeout(timer);
        }
      } catch (error) {
        if (error instanceof CheckSkipped) {
          status = 'skipped';
          message = error.message;
        } else {
          status = 'failed';
          message = error instanceof CheckFailure ? error.message : `the check crashed: ${String(error)}`;
          exchange = error instanceof CheckFailure && error.exchange ? error.exchange : probe.last;
        }
      } finally {
        controller.abort();
      }
      const because = options.expectedFailures?.[check.id];
      if (status === 'failed' && because !== undefined) status = 'expected-failure';
      const { run: _run, ...info } = check;
      const result: CheckResult = {
        ...info,
        group: GROUP_OF[check.requirement],
        status,
        durationMs: Date.now() - began,
        ...(message ? { message } : {}),
        ...(exchange ? { exchange } : {}),
        ...(status === 'expected-failure' ? { expectedBecause: because } : {}),
        ...(notes.length ? { notes } : {}),
      };
      results.push(result);
      options.onProgress?.({ type: 'result', index, total: checks.length, result });
    }
  } finally {
    for (const dispose of disposers.reverse()) await dispose().catch(() => undefined);
    await probe.close();
    if (receiver) await (await receiver).close();
  }
  return {
    target: options.url,
    level: options.level,
    transport: selected,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    results,
    summary: summarize(results, options.expectedFailures),
    ...(Object.keys(attachments).length ? { attachments } : {}),
    ...(notApplicable > 0 ? { notice: brokerNotice(notApplicable) } : {}),
  };
}
