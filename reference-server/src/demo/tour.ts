/**
 * The tour: sends tasks of different complexity to a running broker and shows where each went and why. It opens
 * with the real-time voice scenario — a conversation over a jittery 4G link whose easy turns have a first-response
 * deadline the on-device agent meets and whose hard question needs a thinking agent — then an extraction, a
 * coding task, a planning task, a task without a descriptor (the broker estimates it) and one no agent can take.
 */
import { randomUUID } from 'node:crypto';
import type { Message, StreamResponse, Task } from '@rightsize/sdk/a2a';
import { A2AClient, A2AClientError } from '@rightsize/sdk/client';
import { A2AError } from '@rightsize/sdk/errors';
import {
  type RoutingDecision,
  readTaskExtension,
  type TaskDescriptor,
  withMessageExtension,
} from '@rightsize/sdk/rightsize';
import { request } from 'undici';

const FOUR_G = { rttMs: 70, jitterMs: 45, lossRate: 0.02, linkType: '4g' as const };

export interface TourTask {
  readonly label: string;
  readonly text: string;
  readonly descriptor?: TaskDescriptor;
}

export const TOUR: readonly TourTask[] = [
  {
    label: 'voice turn 1 (easy, 4G, first response ≤ 300 ms)',
    text: 'Hi! Is it a good evening for a walk?',
    descriptor: {
      domain: 'dialogue',
      complexity: { value: 1, sigma: 0.5 },
      outputTokens: 30,
      network: FOUR_G,
      constraints: { firstResponseDeadlineMs: 300 },
    },
  },
  {
    label: 'voice turn 2 (easy, 4G, first response ≤ 300 ms)',
    text: 'Set a reminder to call Sam at six.',
    descriptor: {
      domain: 'dialogue',
      complexity: { value: 1.5, sigma: 0.5 },
      outputTokens: 20,
      network: FOUR_G,
      constraints: { firstResponseDeadlineMs: 300 },
    },
  },
  {
    label: 'voice turn 3 (hard question, 4G, answer ≤ 60 s)',
    text: 'If I walk 4.2 km at 5.1 km/h and then climb 380 m at 9 m per minute, when do I reach the top if I leave at 18:40?',
    descriptor: {
      domain: 'math',
      complexity: { value: 7, sigma: 0.7 },
      outputTokens: 80,
      network: FOUR_G,
      constraints: { completionDeadlineMs: 60_000, minSuccess: 0.9 },
    },
  },
  {
    label: 'voice turn 4 (easy, 4G, first response ≤ 300 ms)',
    text: 'Thanks, that helps!',
    descriptor: {
      domain: 'dialogue',
      complexity: { value: 0.5, sigma: 0.3 },
      outputTokens: 10,
      network: FOUR_G,
      constraints: { firstResponseDeadlineMs: 300 },
    },
  },
  {
    label: 'extraction (medium)',
    text: 'Extract the invoice number, date and total from: "Invoice 2231-A, 3 March, total EUR 418.20".',
    descriptor: { domain: 'extraction', complexity: { value: 3, sigma: 0.5 }, outputTokens: 40 },
  },
  {
    label: 'code (medium)',
    text: 'Write a function that merges overlapping intervals.',
    descriptor: { domain: 'code', complexity: { value: 5, sigma: 0.7 }, outputTokens: 200 },
  },
  {
    label: 'planning (hard)',
    text: 'Plan a 5-city rail trip minimising changes with these 14 constraints …',
    descriptor: { domain: 'planning', complexity: { value: 8, sigma: 1 }, outputTokens: 400 },
  },
  {
    label: 'planning (hard, EU region only)',
    text: 'Plan the same trip, but the data must stay in the EU.',
    descriptor: {
      domain: 'planning',
      complexity: { value: 8, sigma: 1 },
      outputTokens: 400,
      constraints: { allowedRegions: ['eu'] },
    },
  },
  {
    label: 'no descriptor (the broker estimates the complexity)',
    text: 'What is the capital of France?',
  },
  {
    label: 'beyond every agent (complexity 14, 5 s): served best effort by the closest (spec §7.7)',
    text: 'Prove that this 40-variable scheduling instance has no feasible solution.',
    descriptor: {
      domain: 'planning',
      complexity: { value: 14, sigma: 0.5 },
      constraints: { completionDeadlineMs: 5000 },
    },
  },
  {
    label: 'beyond every agent, with hard constraints: refused',
    text: 'Prove that this 40-variable scheduling instance has no feasible solution.',
    descriptor: { domain: 'planning', complexity: { value: 14, sigma: 0.5 }, hardConstraints: true },
  },
];

export interface TourResult {
  readonly label: string;
  readonly chosen: string | null;
  readonly state: string;
  /** Each agent tried, in order, with the state its attempt ended in (without the `TASK_STATE_` prefix). */
  readonly attempts: ReadonlyArray<{ readonly agentId: string; readonly state: string }>;
  readonly firstEventMs: number;
  readonly totalMs: number;
  readonly why: string;
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toPrecision(3));

/**
 * "COMPLETED by cloud-fast in 133 ms (first event 41.0 ms)"; after an escalation also the agents tried before:
 * "COMPLETED by cloud-thinker in 2224 ms (first event 35.0 ms; after edge-hybrid FAILED)".
 */
export function resultLine(result: Pick<TourResult, 'state' | 'chosen' | 'attempts' | 'firstEventMs' | 'totalMs'>) {
  const by = result.attempts.at(-1)?.agentId ?? result.chosen;
  const notes = [
    ...(result.firstEventMs > 0 ? [`first event ${fmt(result.firstEventMs)} ms`] : []),
    ...(result.attempts.length > 1
      ? [
          `after ${result.attempts
            .slice(0, -1)
            .map((a) => `${a.agentId} ${a.state}`)
            .join(', then ')}`,
        ]
      : []),
  ];
  const state = result.state.replace('TASK_STATE_', '');
  return `${state}${by ? ` by ${by}` : ''} in ${fmt(result.totalMs)} ms${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

function explain(decision: RoutingDecision | undefined): string {
  if (!decision) return '';
  const chosen = decision.candidates.find((c) => c.agentId === decision.chosen);
  const lines: string[] = [];
  const p = chosen?.predictions;
  if (chosen && p)
    lines.push(
      `${decision.bestEffort ? 'best effort (nothing feasible): ' : ''}chose ${chosen.agentId}: P(success)=${fmt(p.success)}, first response ${fmt(p.firstResponseMs)} ms, done ${fmt(p.completionMs)} ms (p${p.latencyPercentile}), cost $${p.cost.amount.toExponential(2)}; complexity ${fmt(decision.complexity.value)} from ${decision.complexityOrigin}`,
    );
  const others = decision.candidates.filter((c) => c.agentId !== decision.chosen);
  for (const c of others) {
    const q = c.predictions;
    const at = q
      ? ` (P=${fmt(q.success)}, first response ${fmt(q.firstResponseMs)} ms, $${q.cost.amount.toExponential(2)})`
      : '';
    lines.push(
      c.feasible
        ? `${c.agentId}: feasible, rank ${c.rank}${at}`
        : `${c.agentId}: ruled out — ${c.reasons.join(', ')}${at}`,
    );
  }
  if (decision.escalation.length > 1) lines.push(`escalation plan: ${decision.escalation.join(' → ')}`);
  return lines.join('\n     ');
}

/** The dry run (admin API): the same decision with every registered agent assessed, for the "why not" lines. */
async function dryRun(url: string, adminKey: string, descriptor: TaskDescriptor): Promise<RoutingDecision | undefined> {
  const response = await request(`${url.replace(/\/$/, '')}/rightsize/v1/match`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
    body: JSON.stringify({ descriptor }),
  });
  if (response.statusCode !== 200) {
    await response.body.dump();
    return undefined;
  }
  return (await response.body.json()) as RoutingDecision;
}

/** Keep the decision's own lines for the chosen agent and take every other agent's "why not" from the dry run. */
function withEveryCandidate(decision: RoutingDecision, full: RoutingDecision | undefined): RoutingDecision {
  if (!full) return decision;
  const listed = new Set(decision.candidates.map((c) => c.agentId));
  return {
    ...decision,
    candidates: [...decision.candidates, ...full.candidates.filter((c) => !listed.has(c.agentId))],
  };
}

/**
 * Send the tour's tasks to the broker at `url` and report each. `say` receives printable lines. With an admin key,
 * each decision is completed with the dry run, so every agent's "why not" is shown (the routed decision lists only
 * the agents the index had to assess).
 */
export async function runTour(
  url: string,
  options: { apiKey?: string; adminKey?: string; say?: (line: string) => void; allowPrivateNetworks?: boolean } = {},
): Promise<TourResult[]> {
  const say = options.say ?? (() => undefined);
  const client = await A2AClient.connect(url, {
    allowPrivateNetworks: options.allowPrivateNetworks ?? true,
    ...(options.apiKey ? { auth: { apiKey: { header: 'x-api-key', value: options.apiKey } } } : {}),
  });
  const results: TourResult[] = [];
  try {
    for (const task of TOUR) {
      const plain: Message = {
        messageId: randomUUID(),
        role: 'ROLE_USER',
        parts: [{ text: task.text }],
      };
      const message = task.descriptor ? withMessageExtension(plain, { descriptor: task.descriptor }) : plain;
      const started = performance.now();
      let firstEventMs = 0;
      let final: Task | undefined;
      try {
        for await (const event of client.sendStreamingMessage(message)) {
          firstEventMs ||= performance.now() - started;
          final = applyEvent(final, event);
        }
        // The task's own time: the stream's end, before the GetTask and dry run that explain it.
        const totalMs = performance.now() - started;
        if (final) final = await client.getTask(final.id, { historyLength: 0 });
        const ext = final ? readTaskExtension(final) : undefined;
        const routed = ext?.ok ? ext.value.decision : undefined;
        const full =
          routed && options.adminKey
            ? await dryRun(
                url,
                options.adminKey,
                task.descriptor ?? { domain: 'general', complexity: routed.complexity },
              )
            : undefined;
        const decision = routed ? withEveryCandidate(routed, full) : undefined;
        const attempts = (decision?.attempts ?? []).map((a) => ({
          agentId: a.agentId,
          state: a.state.replace('TASK_STATE_', ''),
        }));
        const result: TourResult = {
          label: task.label,
          chosen: decision?.chosen ?? null,
          state: final?.status.state ?? 'MESSAGE',
          attempts,
          firstEventMs,
          totalMs,
          why: explain(decision),
        };
        results.push(result);
        say(`• ${task.label}\n  "${task.text.slice(0, 70)}"`);
        say(`  → ${resultLine(result)}`);
        say(`     ${result.why}\n`);
      } catch (error) {
        if (error instanceof A2AClientError) {
          // The broker could not be reached or its answer not read (a reset, a timeout): report it, try the next task.
          results.push({
            label: task.label,
            chosen: null,
            state: error.name,
            attempts: [],
            firstEventMs: 0,
            totalMs: performance.now() - started,
            why: error.message,
          });
          say(`• ${task.label}\n  "${task.text.slice(0, 70)}"`);
          say(`  → failed: ${error.message}\n`);
          continue;
        }
        if (!(error instanceof A2AError)) throw error;
        const detail = error.details.find((d) => (d as { reason?: string }).reason === 'NO_CAPABLE_AGENT') as
          | { metadata?: Record<string, string> }
          | undefined;
        const full = error.details.find((d) => String(d['@type']).endsWith('NoCapableAgent')) as
          | { decision?: RoutingDecision }
          | undefined;
        results.push({
          label: task.label,
          chosen: null,
          state: detail ? 'NO_CAPABLE_AGENT' : error.name,
          attempts: [],
          firstEventMs: 0,
          totalMs: performance.now() - started,
          why: error.message,
        });
        say(`• ${task.label}\n  "${task.text.slice(0, 70)}"`);
        say(`  → refused: ${error.message}`);
        if (full?.decision) say(`     ${explain(full.decision)}\n`);
      }
    }
  } finally {
    await client.close();
  }
  return results;
}

function applyEvent(task: Task | undefined, event: StreamResponse): Task | undefined {
  if (event.task) return event.task;
  if (event.statusUpdate && task) return { ...task, status: event.statusUpdate.status };
  return task;
}
