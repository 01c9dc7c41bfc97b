/**
 * Prometheus metrics (prom-client, one registry per broker, no global state). Labels are bounded: agent ids come
 * from the registry, never task ids, callers or message content.
 */
import type { PushSenderStats } from '@rightsize/sdk/server';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const DELIVERY_RESULTS = ['delivered', 'failed', 'dropped'] as const;

export class BrokerMetrics {
  readonly registry = new Registry();
  /** The webhook sender's counts, read at every scrape (`exportPushStats`). */
  #pushStats: (() => PushSenderStats) | undefined;
  readonly routed = new Counter({
    name: 'rightsize_broker_attempts_total',
    help: 'Forwarded attempts by agent and how they ended.',
    labelNames: ['agent', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly decisionSeconds = new Histogram({
    name: 'rightsize_broker_decision_seconds',
    help: 'Time to make a routing decision.',
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
    registers: [this.registry],
  });
  readonly attemptSeconds = new Histogram({
    name: 'rightsize_broker_attempt_seconds',
    help: 'Actual duration of a forwarded attempt, by agent.',
    labelNames: ['agent'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly latencyRatio = new Histogram({
    name: 'rightsize_broker_latency_actual_over_predicted',
    help: 'Actual completion time divided by the predicted completion time (at the decision percentile), by agent.',
    labelNames: ['agent'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 10],
    registers: [this.registry],
  });
  readonly predictedSuccess = new Counter({
    name: 'rightsize_broker_predicted_success_sum',
    help: 'Sum of predicted success probabilities of observed attempts, by agent (compare with actual).',
    labelNames: ['agent'] as const,
    registers: [this.registry],
  });
  readonly outcomes = new Counter({
    name: 'rightsize_broker_outcomes_total',
    help: 'Outcomes observed for learning, by agent, success and source (state, feedback or probe).',
    labelNames: ['agent', 'success', 'source'] as const,
    registers: [this.registry],
  });
  readonly probes = new Counter({
    name: 'rightsize_broker_probes_total',
    help: 'Known-answer probes (spec §9.4) by agent and result: passed or failed (verified outcomes) or error (none).',
    labelNames: ['agent', 'result'] as const,
    registers: [this.registry],
  });
  readonly escalations = new Counter({
    name: 'rightsize_broker_escalations_total',
    help: 'Escalations from one agent to the next in the plan.',
    labelNames: ['from', 'to'] as const,
    registers: [this.registry],
  });
  readonly cancels = new Counter({
    name: 'rightsize_broker_downstream_cancels_total',
    help: 'CancelTask calls sent to agents (client cancel or deadline).',
    registers: [this.registry],
  });
  readonly noCapableAgent = new Counter({
    name: 'rightsize_broker_no_capable_agent_total',
    help: 'Requests answered with NO_CAPABLE_AGENT.',
    registers: [this.registry],
  });
  readonly calibrationError = new Gauge({
    name: 'rightsize_broker_calibration_abs_z',
    help: "|z| of each agent's declared curve against its outcomes (spec §9.4), by agent and domain.",
    labelNames: ['agent', 'domain'] as const,
    registers: [this.registry],
  });
  readonly agentUp = new Gauge({
    name: 'rightsize_broker_agent_up',
    help: '1 when the agent passed its last health check, 0 when it is down.',
    labelNames: ['agent'] as const,
    registers: [this.registry],
  });

  readonly pushDeliveries: Counter<'result'> = new Counter({
    name: 'rightsize_broker_push_deliveries_total',
    help: 'Webhook deliveries (one per event and webhook) by result: delivered; failed after its retries (or refused); dropped at once (pending bound reached or receiver suspended).',
    labelNames: ['result'] as const,
    registers: [this.registry],
    collect: () => {
      const stats = this.#pushStats?.();
      if (!stats) return;
      this.pushDeliveries.reset();
      for (const result of DELIVERY_RESULTS) this.pushDeliveries.inc({ result }, stats[result]);
    },
  });
  readonly pushRetries: Counter = new Counter({
    name: 'rightsize_broker_push_retries_total',
    help: 'Webhook delivery attempts after the first (retries with backoff).',
    registers: [this.registry],
    collect: () => {
      const stats = this.#pushStats?.();
      if (!stats) return;
      this.pushRetries.reset();
      this.pushRetries.inc(stats.retried);
    },
  });
  readonly pushPending: Gauge<'kind'> = new Gauge({
    name: 'rightsize_broker_push_pending',
    help: 'Webhook deliveries pending now (in flight, waiting for a slot, backing off), and the most at once so far.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
    collect: () => {
      const stats = this.#pushStats?.();
      if (!stats) return;
      this.pushPending.set({ kind: 'now' }, stats.pending);
      this.pushPending.set({ kind: 'peak' }, stats.peakPending);
    },
  });
  readonly pushSuspended: Gauge = new Gauge({
    name: 'rightsize_broker_push_suspended_receivers',
    help: 'Webhook receivers (origins) suspended now after a delivery there finally failed.',
    registers: [this.registry],
    collect: () => {
      const stats = this.#pushStats?.();
      if (stats) this.pushSuspended.set(stats.suspended);
    },
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Export a webhook sender's `stats()` as the `rightsize_broker_push_*` metrics (read at every scrape). */
  exportPushStats(stats: () => PushSenderStats): void {
    this.#pushStats = stats;
  }
}
