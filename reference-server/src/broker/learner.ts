/**
 * Learning from outcomes (spec §8.2, §9): each attempt's terminal state and each piece of client feedback become an
 * outcome, appended to the learning log (`OutcomeLog`) before the client is answered. The model learns only by
 * applying the log in order (`sync`): this replica's outcomes right after appending them, other replicas' when their
 * NOTIFY arrives, everything not yet applied at start. So every replica holds the model of the same log. Which
 * outcomes count is the routing engine's rule (spec §9.4: verified or client-confirmed, never self-reported).
 */
import type { Message, Task, TaskState } from '@rightsize/sdk/a2a';
import { type Feedback, type RoutingDecision, readMessageExtension, readTaskExtension } from '@rightsize/sdk/rightsize';
import type { Database } from '../db/database.js';
import type { BrokerStore } from '../db/store.js';
import { type LoggedOutcome, OUTCOMES_CHANNEL, type OutcomeLog } from '../routing/outcome-log.js';
import { type RoutingEngine, routeRequestOf } from '../routing/routing.js';
import type { BrokerMetrics } from './metrics.js';

export interface LearnerOptions {
  /** The id of the last outcome the routing engine's state already holds (its snapshot); default 0. */
  readonly applied?: number;
  /** Save a snapshot of the learned state after this many applied outcomes (default 64; also at close). */
  readonly snapshotEvery?: number;
  readonly metrics?: BrokerMetrics;
}

export class Learner {
  #applied: number;
  #unsaved = 0;
  #chain: Promise<void> = Promise.resolve();
  /** Outcomes this replica appended and has not applied yet, by id: applied without reading them back. */
  readonly #appended = new Map<number, LoggedOutcome>();
  #unlisten: (() => Promise<void>) | undefined;

  constructor(
    readonly store: BrokerStore,
    readonly routing: RoutingEngine,
    readonly log: OutcomeLog,
    readonly options: LearnerOptions = {},
  ) {
    this.#applied = options.applied ?? 0;
  }

  /** The id of the last outcome applied to the model. */
  get applied(): number {
    return this.#applied;
  }

  /** Apply the outcomes not yet applied; with `listen`, also whenever another replica announces one. */
  async start(db: Database, listen: boolean): Promise<void> {
    await this.sync();
    if (listen)
      this.#unlisten = await db.listen(OUTCOMES_CHANNEL, (payload) => {
        // This replica's own outcomes are applied by `observe` as their appends return (a gap they leave, e.g. an
        // append whose answer was lost, is read from the log then): they need no read. '' = notifications missed.
        const [origin, id] = payload.split(' ');
        if (origin === this.log.origin || (id !== undefined && Number(id) <= this.#applied)) return;
        void this.sync().catch(() => undefined);
      });
  }

  /** Apply every outcome logged so far (serialised: concurrent calls share one pass each, in order). */
  sync(): Promise<void> {
    return this.#queued(true);
  }

  /** `#pull` after the passes queued before it; `read`: read the log even when no own append is waiting. */
  #queued(read: boolean): Promise<void> {
    const next = this.#chain.then(
      () => this.#pull(read),
      () => this.#pull(read),
    );
    this.#chain = next;
    return next;
  }

  async #pull(read: boolean): Promise<void> {
    // The next ids are this replica's own appends (the usual case): apply them as appended, without a read. A gap
    // (another replica's outcome, or an append of ours not yet returned) is read from the log.
    for (let next = this.#appended.get(this.#applied + 1); next; next = this.#appended.get(this.#applied + 1))
      this.#apply(this.#applied + 1, next);
    if (this.#appended.size === 0 && !read) return this.#saveIfDue();
    for (;;) {
      const entries = await this.log.after(this.#applied);
      for (const { id, outcome } of entries) this.#apply(id, outcome);
      if (entries.length < 500) break;
    }
    await this.#saveIfDue();
  }

  #apply(id: number, outcome: LoggedOutcome): void {
    this.#appended.delete(id);
    if (this.routing.learn(outcome)) this.#calibrated(outcome.agentId);
    this.#applied = id;
    this.#unsaved++;
  }

  async #saveIfDue(): Promise<void> {
    if (this.#unsaved >= (this.options.snapshotEvery ?? 64)) await this.#save();
  }

  async #save(): Promise<void> {
    this.#unsaved = 0;
    await this.log.saveSnapshot({ applied: this.#applied, state: this.routing.toJSON() });
  }

  #calibrated(agentId: string): void {
    for (const row of this.routing.calibration(agentId))
      if (row.z !== null)
        this.options.metrics?.calibrationError.set({ agent: agentId, domain: row.domain }, Math.abs(row.z));
  }

  /** Stop listening, apply what is left and save the snapshot. */
  async close(): Promise<void> {
    await this.#unlisten?.();
    await this.sync().catch(() => undefined);
    if (this.#unsaved > 0) await this.#save().catch(() => undefined);
  }

  /**
   * Log one outcome (with the decision and its attempts so far, when given) and learn it; resolves once it is
   * stored. The model lagging behind (the database failing between the two) only delays learning: the log has it.
   */
  async observe(outcome: LoggedOutcome, decision?: { decision: RoutingDecision; domain: string }): Promise<void> {
    this.options.metrics?.outcomes.inc({
      agent: outcome.agentId,
      success: String(outcome.success),
      source: outcome.source,
    });
    const id = await this.log.append(outcome, decision);
    if (id > this.#applied) this.#appended.set(id, outcome);
    await this.#queued(false).catch(() => undefined);
  }

  /**
   * Client feedback on a task (POST /feedback, or on a later message): an outcome for the agent that answered, with
   * the measured complexity when given. False when the broker routed no such task for this caller.
   */
  async feedback(feedback: Feedback, owner: string): Promise<boolean> {
    const found = await this.store.decisionForTask(feedback.taskId);
    const route = await this.store.route(feedback.taskId);
    if (!found || !route || route.owner !== owner) return false;
    const { decision, domain } = found;
    const complexity = feedback.measuredComplexity ?? decision.complexity.value;
    const first = await this.store.firstMessage(feedback.taskId);
    const request = first ? routeRequestOf(first) : undefined;
    const declared = feedback.measuredComplexity ?? request?.descriptor?.complexity?.value;
    await this.observe({
      taskId: feedback.taskId,
      agentId: route.agentId,
      domain,
      complexity,
      success: feedback.success,
      source: 'feedback',
      // the client confirmed it, or a verifier decided it (spec §9.4: only these outcomes count)
      evidence: feedback.verified ? 'verified' : 'client',
      features: this.routing.features(request?.text ?? '', domain, declared),
    });
    return true;
  }

  /**
   * A task recovered at start-up (recovery.ts) ended: the outcome of the agent that held it (spec §8.2): COMPLETED a
   * success, FAILED or REJECTED a failure, other states none; FAILED by the broker because it could not re-attach is a
   * failure too. Either way a terminal state, not a verification: logged as `self-reported`, never learned from
   * (spec §9.4); the client's feedback on the task later counts as for any task. The decision gets the attempt.
   */
  async recovered(task: Task, agentId: string, downstreamTaskId: string | undefined, state: TaskState): Promise<void> {
    if (state !== 'TASK_STATE_COMPLETED' && state !== 'TASK_STATE_FAILED' && state !== 'TASK_STATE_REJECTED') return;
    const first = await this.store.firstMessage(task.id);
    const request = first ? routeRequestOf(first) : undefined;
    // The decision is stored when its first attempt ends; a task cut off before that has it on its first event.
    const stored = await this.store.decisionForTask(task.id);
    const onTask = readTaskExtension(task);
    const decision = stored?.decision ?? (onTask?.ok ? onTask.value.decision : undefined);
    if (!decision) return;
    const domain = stored?.domain ?? request?.descriptor?.domain ?? 'general';
    const attempt = { agentId, ...(downstreamTaskId ? { taskId: downstreamTaskId } : {}), state };
    await this.observe(
      {
        taskId: task.id,
        agentId,
        domain,
        complexity: decision.complexity.value,
        success: state === 'TASK_STATE_COMPLETED',
        source: 'state',
        evidence: 'self-reported',
        features: this.routing.features(request?.text ?? '', domain, request?.descriptor?.complexity?.value),
      },
      { decision: { ...decision, attempts: [...(decision.attempts ?? []), attempt] }, domain },
    );
  }

  /** Feedback carried in a message's extension data (spec §8.2); `read`: the data when the caller has read it. */
  async feedbackFromMessage(
    message: Message,
    owner: string,
    read: ReturnType<typeof readMessageExtension> = readMessageExtension(message),
  ): Promise<void> {
    if (read?.ok && read.value.feedback) await this.feedback(read.value.feedback, owner);
  }
}
