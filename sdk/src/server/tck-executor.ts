/**
 * The test-mode executor: the in-band scenario conventions of the official A2A TCK (a2aproject/a2a-tck, branch
 * 1.0-dev, `scenarios/core_operations.feature` and its generated SUT agents). The client chooses the behaviour with
 * the message's `messageId` prefix (`tck-complete-task-…`, `tck-input-required-…`, …), so a conformance suite can
 * drive every lifecycle path without a side channel. Messages without a known prefix go to the agent's own
 * executor, so vendors mount this beside their real one: `a2aServer({ executor: tckExecutor(myExecutor) })`.
 */
import type { AgentExecutor, ExecutionContext, TaskEvents } from './executor.js';

export interface TckExecutorOptions {
  /** How long `tck-delayed-complete` stays WORKING before completing (the TCK's "1x streaming timeout"; 2000 ms). */
  readonly delayMs?: number;
  /** How long `test-resubscribe-message-id` stays WORKING before completing (the TCK SUT's 4000 ms). */
  readonly resubscribeDelayMs?: number;
}

type Scenario = (events: TaskEvents, context: ExecutionContext, options: Required<TckExecutorOptions>) => Promise<void>;

const text = (value: string) => [{ text: value }];

/** Wait `ms`, or less when the task is canceled (the executor then returns and publishes nothing more). */
function workFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

const streamed =
  (content: string): Scenario =>
  async (events) => {
    events.working();
    events.artifact({ artifactId: 'tck-artifact', parts: text(content) });
    events.complete();
  };

/**
 * Prefix → behaviour, longest prefixes first where one prefix extends another (`tck-artifact-file-url` before
 * `tck-artifact-file`). Texts are the TCK's, so answers compare equal across SDKs.
 */
export const TCK_SCENARIOS: ReadonlyArray<readonly [prefix: string, scenario: Scenario]> = [
  [
    'tck-stream-artifact-chunked',
    async (events) => {
      events.working();
      events.artifact({ artifactId: 'tck-chunked', parts: text('chunk-1 ') }, { append: true });
      events.artifact({ artifactId: 'tck-chunked', parts: text('chunk-2') }, { append: true, lastChunk: true });
      events.complete();
    },
  ],
  ['tck-stream-artifact-text', streamed('Streamed text content')],
  [
    'tck-stream-artifact-file',
    async (events) => {
      events.working();
      events.artifact({
        artifactId: 'tck-file',
        parts: [{ raw: Buffer.from('tck').toString('base64'), mediaType: 'text/plain', filename: 'output.txt' }],
      });
      events.complete();
    },
  ],
  ['tck-stream-ordering-001', streamed('Ordered output')],
  ['tck-stream-001', streamed('Stream hello from TCK')],
  ['tck-stream-002', async (events) => events.complete()],
  ['tck-stream-003', streamed('Stream task lifecycle')],
  [
    'test-resubscribe-message-id',
    async (events, context, o) => {
      events.working();
      await workFor(o.resubscribeDelayMs, context.signal);
      events.complete();
    },
  ],
  [
    'tck-delayed-complete',
    async (events, context, o) => {
      events.working();
      await workFor(o.delayMs, context.signal);
      events.complete('Done after delay');
    },
  ],
  [
    'tck-artifact-file-url',
    async (events) => {
      events.artifact({
        artifactId: 'tck-file-url',
        parts: [{ url: 'https://example.com/output.txt', mediaType: 'text/plain', filename: 'output.txt' }],
      });
      events.complete();
    },
  ],
  [
    'tck-artifact-file',
    async (events) => {
      events.artifact({
        artifactId: 'tck-file',
        parts: [{ raw: Buffer.from('tck').toString('base64'), mediaType: 'text/plain', filename: 'output.txt' }],
      });
      events.complete();
    },
  ],
  [
    'tck-artifact-data',
    async (events) => {
      events.artifact({ artifactId: 'tck-data', parts: [{ data: { key: 'value', count: 42 } }] });
      events.complete();
    },
  ],
  [
    'tck-artifact-text',
    async (events) => {
      events.artifact({ artifactId: 'tck-text', parts: text('Generated text content') });
      events.complete();
    },
  ],
  ['tck-message-response', async (events) => events.reply('Direct message response')],
  ['tck-input-required', async (events) => events.inputRequired('Need more input')],
  ['tck-reject-task', async (events) => events.reject('rejected')],
  ['tck-task-failure', async (events) => events.fail('failed')],
  ['tck-complete-task', async (events) => events.complete('Hello from TCK')],
];

/** The scenario a messageId selects, if any. */
export function tckScenarioOf(messageId: string): string | undefined {
  return TCK_SCENARIOS.find(([prefix]) => messageId.startsWith(prefix))?.[0];
}

/**
 * An executor that plays the TCK scenario named by the message's `messageId` prefix and hands every other message
 * to `fallback` (default: complete the task, as the TCK's SUT does for an unknown `tck-` prefix).
 */
export function tckExecutor(fallback?: AgentExecutor, options: TckExecutorOptions = {}): AgentExecutor {
  const o: Required<TckExecutorOptions> = {
    delayMs: options.delayMs ?? 2000,
    resubscribeDelayMs: options.resubscribeDelayMs ?? 4000,
  };
  return {
    async execute(context, events) {
      const id = context.message.messageId;
      const scenario = TCK_SCENARIOS.find(([prefix]) => id.startsWith(prefix))?.[1];
      if (scenario) return scenario(events, context, o);
      if (fallback) return fallback.execute(context, events);
      events.complete(`Unhandled messageId prefix: ${id}`);
    },
  };
}
