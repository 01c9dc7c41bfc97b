/**
 * Learning from outcomes (spec §8.2, §9.3): each attempt's terminal state and each piece of client feedback become
 * an Outcome; the routing engine observes it and the outcome is stored with the learned state it produced, in one
 * transaction, before the client is answered. Writes run concurrently; a versioned upsert keeps the latest state.
 */
import type { Message } from '@rightsize/sdk/a2a';
import { type Feedback, type Outcome, type RoutingDecision, readMessageExtension } from '@rightsize/sdk/rightsize';
import type { BrokerStore, StoredOutcome } from '../db/store.js';
import type { RoutingEngine } from '../routing/routing.js';
import type { BrokerMetrics } from './metrics.js';

export const LEARNED_STATE = 'routing';

export class Learner {
  #counter = 0;

  constructor(
    readonly store: BrokerStore,
    readonly routing: RoutingEngine,
    readonly metrics?: BrokerMetrics,
  ) {}

  /**
   * Observe one outcome and persist it with the learned state; resolves once stored. The state is snapshotted
   * synchronously with the update and versioned (time, then order), so concurrent writes keep the latest state.
   */
  async observe(
    outcome: StoredOutcome & { readonly text?: string; readonly evidence?: Outcome['evidence'] },
    decision?: { decision: RoutingDecision; domain: string },
  ): Promise<void> {
    this.routing.observe({
      agentId: outcome.agentId,
      domain: outcome.domain,
      complexity: outcome.complexity,
      success: outcome.success,
      ...(outcome.evidence ? { evidence: outcome.evidence } : {}),
    });
    this.metrics?.outcomes.inc({ agent: outcome.agentId, success: String(outcome.success), source: outcome.source });
    for (const row of this.routing.calibration(outcome.agentId))
      if (row.z !== null)
        this.metrics?.calibrationError.set({ agent: outcome.agentId, domain: row.domain }, Math.abs(row.z));
    const version = Date.now() * 1000 + (this.#counter++ % 1000);
    const { text: _text, evidence: _evidence, ...stored } = outcome;
    await this.store.recordOutcome(stored, { name: LEARNED_STATE, state: this.routing.toJSON(), version }, decision);
  }

  /**
   * Client feedback on a task (POST /feedback, or on a later message): an outcome for the agent that answered, with
   * the measured complexity when given. False when the broker routed no such task.
   */
  async feedback(feedback: Feedback, owner: string): Promise<boolean> {
    const found = await this.store.decisionForTask(feedback.taskId);
    const route = await this.store.route(feedback.taskId);
    if (!found || !route || route.owner !== owner) return false;
    const { decision, domain } = found;
    const complexity = feedback.measuredComplexity ?? decision.complexity.value;
    const first = await this.store.firstMessage(feedback.taskId);
    const text = first?.parts.map((p) => ('text' in p ? p.text : '')).join('\n') ?? '';
    if (feedback.measuredComplexity !== undefined && text) this.routing.learnComplexity(text, domain, complexity);
    await this.observe({
      taskId: feedback.taskId,
      agentId: route.agentId,
      domain,
      complexity,
      success: feedback.success,
      source: 'feedback',
      // the client confirmed it, or a verifier decided it (spec §9.4: these outcomes count for calibration)
      evidence: feedback.verified ? 'verified' : 'client',
    });
    return true;
  }

  /** Feedback carried in a message's extension data (spec §8.2). */
  async feedbackFromMessage(message: Message, owner: string): Promise<void> {
    const read = readMessageExtension(message);
    if (read?.ok && read.value.feedback) await this.feedback(read.value.feedback, owner);
  }
}
