/**
 * The agents the suite is run against in CI and in its own tests, all on loopback:
 * - `startRightsizeAgent`: an agent on @rightsize/sdk's server with the SDK's test-mode executor (`tckExecutor`);
 * - `startOfficialAgent`: an agent built with the unmodified official SDK (@a2a-js/sdk, express) whose executor
 *   follows the same TCK scenario conventions (SIMULATED: it only plays the scenarios).
 */
import {
  TaskArtifactUpdateEvent as TheirArtifactUpdate,
  Message as TheirMessage,
  TaskStatusUpdateEvent as TheirStatusUpdate,
  Task as TheirTask,
} from '@a2a-js/sdk';
import {
  AgentEvent,
  type ExecutionEventBus,
  type RequestContext,
  type AgentExecutor as TheirExecutor,
} from '@a2a-js/sdk/server';
import type { AgentCard } from '@rightsize/sdk/a2a';
import {
  type CapabilityProfile,
  capabilitySuccessAt,
  mulberry32,
  RIGHTSIZE_EXTENSION_URI,
  readMessageExtension,
  TASK_FAMILIES,
  type TaskFamily,
  withCapabilityProfile,
} from '@rightsize/sdk/rightsize';
import {
  type AgentExecutor,
  a2aServer,
  type TaskEvents,
  type TckExecutorOptions,
  tckExecutor,
  WebhookPushSender,
} from '@rightsize/sdk/server';
import Fastify, { type FastifyInstance } from 'fastify';
import { CancelableWaits, startOfficialAgent as serveOfficialAgent } from '../../sdk/test/support/official-agent.js';

export interface RunningAgent {
  readonly baseUrl: string;
  close(): Promise<void>;
}

export function tckCard(baseUrl: string, capabilities: AgentCard['capabilities']): AgentCard {
  return {
    name: 'Conformance target',
    description: 'An agent that plays the scenarios of the official A2A TCK (SIMULATED).',
    supportedInterfaces: [
      { url: `${baseUrl}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: `${baseUrl}/a2a/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    ],
    version: '1.0.0',
    capabilities,
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [
      { id: 'tck', name: 'TCK scenarios', description: 'Plays the TCK scenarios by messageId prefix.', tags: ['tck'] },
    ],
  };
}

/** A SIMULATED profile (the figures are declared, not measured). */
export const TEST_PROFILE: CapabilityProfile = {
  domains: [
    { domain: 'general', ability: 6 },
    { domain: 'math', ability: 8, slope: 2 },
  ],
  reasoning: { mode: 'none' },
  latency: { ttftMs: { p50: 20, p95: 60 }, outputTokensPerSecond: 200 },
  placement: { placement: 'edge', region: 'eu-west' },
  cost: { currency: 'USD', inputPerMillion: 0.1, outputPerMillion: 0.3 },
  skills: { tck: { latency: { ttftMs: { p50: 10, p95: 30 }, outputTokensPerSecond: 300 } } },
};

/**
 * The Rightsize side of an agent: refuse invalid or oversized extension data (spec §10.4, §5.5) and attach a
 * usage report (SIMULATED figures) to every task before it ends (spec §8.1).
 */
export function withRightsize(inner: AgentExecutor): AgentExecutor {
  return {
    async execute(context, events) {
      const data = readMessageExtension(context.message);
      if (data && !data.ok) {
        events.reject(
          `invalid Rightsize extension data: ${data.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
        );
        return;
      }
      const started = Date.now();
      const report = () =>
        events.metadata({
          [RIGHTSIZE_EXTENSION_URI]: {
            usage: {
              inputTokens: 10,
              outputTokens: 5,
              reasoningTokens: 0,
              firstResponseMs: 1,
              completionMs: Date.now() - started,
            },
          },
        });
      const ending =
        (end: 'complete' | 'fail' | 'reject'): TaskEvents[typeof end] =>
        (message) => {
          report();
          events[end](message);
        };
      // Delegate explicitly: the SDK's TaskEvents is a class instance, whose methods a spread would drop.
      await inner.execute(context, {
        reply: (message) => events.reply(message),
        working: (message) => events.working(message),
        artifact: (artifact, options) => events.artifact(artifact, options),
        inputRequired: (message) => events.inputRequired(message),
        authRequired: (message) => events.authRequired(message),
        metadata: (values) => events.metadata(values),
        complete: ending('complete'),
        fail: ending('fail'),
        reject: ending('reject'),
      });
    },
  };
}

export interface RightsizeAgentOptions {
  /** Declare the Rightsize extension with TEST_PROFILE and play its rules (withRightsize). */
  readonly extension?: boolean;
  readonly capabilities?: AgentCard['capabilities'];
  readonly tck?: TckExecutorOptions;
  /** Change the card before it is served (faulty fixtures). */
  readonly card?: (card: AgentCard) => AgentCard;
  /** Replace the test-mode executor (it is still wrapped by withRightsize when `extension` is set). */
  readonly executorFor?: () => AgentExecutor;
  /** Register fastify hooks before the plugin (faulty fixtures). */
  readonly before?: (app: FastifyInstance) => void;
}

/** Our SDK server with the test-mode executor: streaming and push (webhooks on loopback allowed). */
export async function startRightsizeAgent(options: RightsizeAgentOptions = {}): Promise<RunningAgent> {
  const app = Fastify();
  options.before?.(app);
  let baseUrl = '';
  const capabilities = options.capabilities ?? { streaming: true, pushNotifications: true };
  const base = (url: string) =>
    options.extension ? withCapabilityProfile(tckCard(url, capabilities), TEST_PROFILE) : tckCard(url, capabilities);
  const executor = options.executorFor ? options.executorFor() : tckExecutor(undefined, options.tck);
  await app.register(a2aServer, {
    card: () => (options.card ?? ((c) => c))(base(baseUrl)),
    executor: options.extension ? withRightsize(executor) : executor,
    push: { sender: new WebhookPushSender({ allowPrivateNetworks: true, timeoutMs: 2000, backoffMs: 50 }) },
  });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return { baseUrl, close: () => app.close() };
}

/** The TCK scenarios in the official SDK's executor API (the subset its event bus can express). */
function officialTckExecutor(delayMs: number): TheirExecutor {
  const cancels = new CancelableWaits();
  return {
    async execute(context: RequestContext, bus: ExecutionEventBus) {
      const id = context.userMessage.messageId;
      const ids = { taskId: context.taskId, contextId: context.contextId };
      const now = () => new Date().toISOString();
      const agentMessage = (text: string) => ({
        messageId: crypto.randomUUID(),
        role: 'ROLE_AGENT',
        parts: [{ text }],
        ...ids,
      });
      const status = (state: string, text?: string) =>
        bus.publish(
          AgentEvent.statusUpdate(
            TheirStatusUpdate.fromJSON({
              ...ids,
              status: { state, timestamp: now(), ...(text ? { message: agentMessage(text) } : {}) },
            }),
          ),
        );
      const artifact = (parts: unknown[]) =>
        bus.publish(
          AgentEvent.artifactUpdate(
            TheirArtifactUpdate.fromJSON({ ...ids, artifact: { artifactId: 'tck-artifact', parts } }),
          ),
        );
      if (id.startsWith('tck-message-response')) {
        bus.publish(
          AgentEvent.message(TheirMessage.fromJSON({ ...agentMessage('Direct message response'), taskId: undefined })),
        );
        bus.finished();
        return;
      }
      if (!context.task) {
        bus.publish(
          AgentEvent.task(
            TheirTask.fromJSON({
              id: ids.taskId,
              contextId: ids.contextId,
              status: { state: 'TASK_STATE_SUBMITTED', timestamp: now() },
              history: [TheirMessage.toJSON(context.userMessage)],
            }),
          ),
        );
      }
      if (id.startsWith('tck-delayed-complete') || id.startsWith('test-resubscribe-message-id')) {
        status('TASK_STATE_WORKING');
        if (!(await cancels.wait(ids.taskId, delayMs))) status('TASK_STATE_COMPLETED', 'Done after delay');
      } else if (id.startsWith('tck-stream-0') || id.startsWith('tck-stream-ordering')) {
        status('TASK_STATE_WORKING');
        artifact([{ text: 'Stream hello from TCK' }]);
        status('TASK_STATE_COMPLETED');
      } else if (id.startsWith('tck-artifact-text')) {
        artifact([{ text: 'Generated text content' }]);
        status('TASK_STATE_COMPLETED');
      } else if (id.startsWith('tck-artifact-file-url')) {
        artifact([{ url: 'https://example.com/output.txt', mediaType: 'text/plain', filename: 'output.txt' }]);
        status('TASK_STATE_COMPLETED');
      } else if (id.startsWith('tck-artifact-file')) {
        artifact([{ raw: 'dGNr', mediaType: 'text/plain', filename: 'output.txt' }]);
        status('TASK_STATE_COMPLETED');
      } else if (id.startsWith('tck-artifact-data')) {
        artifact([{ data: { key: 'value', count: 42 } }]);
        status('TASK_STATE_COMPLETED');
      } else if (id.startsWith('tck-input-required')) {
        status('TASK_STATE_INPUT_REQUIRED', 'Need more input');
      } else if (id.startsWith('tck-reject-task')) {
        status('TASK_STATE_REJECTED', 'rejected');
      } else {
        status('TASK_STATE_COMPLETED', 'Hello from TCK');
      }
      bus.finished();
    },
    cancelTask: cancels.cancelTask,
  };
}

/**
 * An agent on the unmodified official SDK (@a2a-js/sdk with express), JSON-RPC and REST, streaming on, playing the
 * TCK scenarios. Served by the SDK tests' official-agent helper (the one server set-up both test suites share).
 */
export function startOfficialAgent(options: { delayMs?: number } = {}): Promise<RunningAgent> {
  return serveOfficialAgent(
    (baseUrl) => tckCard(baseUrl, { streaming: true, pushNotifications: false }),
    officialTckExecutor(options.delayMs ?? 2000),
  );
}

/**
 * A SIMULATED agent for the calibration level: it declares `declared` but answers a calibration task
 * (messageId `rs-calibration-<family>-<parameter>-<seed>-…`) correctly with the probability of its TRUE curve
 * (`truth`: ability per domain, slope 2), deterministically per task. It regenerates the task from the messageId to
 * know the solution — a stand-in for a model, not something a real agent could do.
 */
export async function startCalibrationAgent(
  declared: CapabilityProfile,
  truth: Record<string, number>,
): Promise<RunningAgent> {
  const families = Object.values(TASK_FAMILIES) as TaskFamily[];
  return startRightsizeAgent({
    extension: true,
    card: (card) => withCapabilityProfile(card, declared),
    executorFor: () => ({
      async execute(context, events) {
        const match = /^rs-calibration-(.+)-(\d+)-(\d+)-[^-]+$/.exec(context.message.messageId);
        const family = match && families.find((f) => f.id === match[1]);
        if (!match || !family) return events.reject('not a calibration task');
        const task = family.generate(Number(match[2]), Number(match[3]));
        const ability = truth[task.domain] ?? truth.general ?? 0;
        const draw = mulberry32(task.parameter * 7919 + task.seed).next();
        const correct = draw < capabilitySuccessAt({ ability, slope: 2, pMax: 1 }, task.complexity);
        events.artifact({ artifactId: 'answer', parts: [{ text: correct ? task.solution : 'no idea' }] });
        events.complete();
      },
    }),
  });
}
