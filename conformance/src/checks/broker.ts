/**
 * Broker level, routing: the suite's probe agents (broker-probes.ts) registered through the registry binding
 * (Rightsize §7.8), then the routing rule checked with dry runs (`POST /match`) and real messages: capability
 * ceilings, the cheapest feasible agent, placement, deadlines, cost caps (§7.2, §7.3), best-effort serving and the
 * no-capable-agent error under hardConstraints (§7.7, spec 1.1) and a truthful decision record (§7.5).
 * A routing decision whose complexityOrigin is `descriptor` must use the declared value and is judged strictly; one
 * that used a learned complexity (`combined`, `estimator`, §5.2) is judged by its own record (broker-record.ts).
 * Every descriptor names the run's probe skill tag, so agents already in the registry never take part.
 * The broker must be allowed to fetch cards from the probe host (`--webhook-host`, default 127.0.0.1).
 */
import { formatIssues } from '@rightsize/sdk/validate';
import { type CheckDefinition, ensure, fail } from '../model.js';
import { FORWARDING_CHECKS } from './broker-forwarding.js';
import { callOptions, complexity, descriptorMembers, sendRouted } from './broker-messages.js';
import {
  brokerParams,
  dryRun,
  fleet,
  ROLES,
  type Role,
  registered,
  registry,
  rightsizeValidator,
  roleOf,
  URI,
} from './broker-probes.js';
import { judgeByRecord } from './broker-record.js';
import { definer, expectError, isRecord, scenarioRequest, send } from './support.js';

const broker = definer('broker');

function routingCheck(
  name: string,
  section: string,
  title: string,
  requires: string,
  descriptor: Record<string, unknown>,
  expected: Role | null,
) {
  return broker({
    section,
    requirement: 'MUST',
    name,
    title,
    requires,
    run: async (context) => {
      const f = await registered(context);
      const decision = await dryRun(context, { skill: f.tag, ...descriptor });
      const declared = (descriptor.complexity as { value: number }).value;
      // Rightsize §5.2: a broker may match with a learned complexity conditioned on the descriptor; it records origin
      // `combined` (or `estimator`) and is judged by its own record. Only a `descriptor` origin is judged strictly.
      if (decision.complexityOrigin !== 'descriptor') return judgeByRecord(f.ids, decision, descriptor);
      ensure(
        Math.abs(decision.complexity.value - declared) < 1e-9,
        `the decision records complexityOrigin "descriptor" with complexity ${decision.complexity.value}, but the descriptor declared ${declared}; a changed value is "combined" (Rightsize §5.2)`,
      );
      const want = expected === null ? null : (f.ids[expected] as string);
      ensure(
        decision.chosen === want,
        `expected ${expected ?? 'no agent'} (${want ?? 'null'}); the broker chose ${roleOf(f.ids, decision.chosen)}`,
      );
      ensure(
        expected === null || decision.bestEffort !== true,
        `the broker chose ${expected} but flagged the decision bestEffort although it is feasible (Rightsize §7.7)`,
      );
    },
  });
}

export const BROKER_CHECKS: CheckDefinition[] = [
  broker({
    section: '7.1',
    requirement: 'MUST',
    name: 'broker-advertised',
    title: 'The card declares the broker role with a registry URL',
    requires:
      'A broker declares the extension with params {version, role: "broker", registryUrl, …} (BrokerParams, Rightsize §7.1).',
    run: async (context) => {
      const params = brokerParams(context);
      ensure(
        /^https?:\/\//.test(params.registryUrl),
        `registryUrl "${params.registryUrl}" is not an http(s) URL`,
        context.cardAnswer.exchange,
      );
    },
  }),
  broker({
    section: '7.8',
    requirement: 'MUST',
    name: 'registry-registers-agents',
    title: 'POST /agents registers the probe agents and GET /agents/{id} returns them',
    requires:
      'The registry binding registers an agent from its card URL: 201 (or 200 when known) with a RegisteredAgent whose id matches ^[A-Za-z0-9_-]{1,128}$; GET /agents/{id} returns it (Rightsize §7.8).',
    run: async (context) => {
      const f = await fleet(context);
      for (const role of ROLES) {
        const answer = f.answers[role];
        ensure(answer, `the ${role} probe was not registered`);
        ensure(
          answer.status === 201 || answer.status === 200,
          `registering the ${role} probe answered HTTP ${answer.status}`,
          answer.exchange,
        );
        const agent = rightsizeValidator.check('RegisteredAgent', answer.json);
        if (!agent.ok)
          fail(`the ${role} probe's RegisteredAgent is not valid:\n${formatIssues(agent.issues)}`, answer.exchange);
        ensure(
          /^[A-Za-z0-9_-]{1,128}$/.test(agent.value.id),
          `the id "${agent.value.id}" does not match ^[A-Za-z0-9_-]{1,128}$`,
          answer.exchange,
        );
        const got = await registry(context, 'GET', `/agents/${encodeURIComponent(agent.value.id)}`);
        ensure(
          got.status === 200 && isRecord(got.json) && got.json.id === agent.value.id,
          `GET /agents/${agent.value.id} answered HTTP ${got.status}`,
          got.exchange,
        );
      }
    },
  }),
  broker({
    section: '7.8',
    requirement: 'MUST',
    name: 'registry-refuses-invalid-profile',
    title: 'POST /agents refuses a card whose profile is invalid with 400',
    requires:
      'The registry validates the card and requires a valid profile; an invalid one is refused with 400 (Rightsize §7.8, §10.4).',
    run: async (context) => {
      const answer = (await fleet(context)).answers.invalid;
      ensure(answer, 'the invalid probe was not offered to the registry');
      ensure(answer.status === 400, `a card with ability "nine" was answered HTTP ${answer.status}`, answer.exchange);
    },
  }),
  routingCheck(
    'capability-ceiling-honoured',
    '7.2',
    'A task above an agent’s ceiling goes to an agent that can solve it',
    'An agent is feasible only if its predicted success at the task’s complexity reaches minSuccess (default 0.8) (Rightsize §7.2).',
    complexity(9),
    'big',
  ),
  routingCheck(
    'cheapest-feasible-chosen',
    '7.3',
    'Among feasible agents the cost preference picks the cheapest',
    'The default preference "cost" chooses the feasible agent with the lowest expected cost per success (Rightsize §7.3).',
    complexity(1),
    'small',
  ),
  routingCheck(
    'placement-honoured',
    '7.2',
    'allowedPlacements excludes agents in other placements',
    'constraints.allowedPlacements is a hard requirement (Rightsize §5.1, §7.2).',
    { ...complexity(1), constraints: { allowedPlacements: ['cloud'] } },
    'big',
  ),
  routingCheck(
    'deadline-honoured',
    '7.2',
    'A completion deadline excludes agents too slow to meet it',
    'constraints.completionDeadlineMs must hold at the latency percentile (default p95) for a feasible agent (Rightsize §5.1, §7.2).',
    { ...complexity(5), constraints: { completionDeadlineMs: 3000 } },
    'big',
  ),
  routingCheck(
    'cost-cap-honoured',
    '7.2',
    'A cost cap below every capable agent’s price leaves no agent when the constraints are hard',
    'constraints.maxCost caps the expected cost per attempt; an agent above it is infeasible; with hardConstraints: true no agent is served best effort (Rightsize §5.1, §7.2, §7.7).',
    { ...complexity(9), hardConstraints: true, constraints: { maxCost: { amount: 0.001, currency: 'USD' } } },
    null,
  ),
  broker({
    section: '7.7',
    requirement: 'MUST',
    name: 'best-effort-by-default',
    title: 'A task beyond every agent’s ceiling is served best effort by the closest agent unless constraints are hard',
    requires:
      'When agents fail only on the probability of succeeding in time and the descriptor does not set hardConstraints, the broker serves the task with the closest of them (highest effective ceiling) and flags the decision bestEffort: true with selection BEST_EFFORT (Rightsize §7.7).',
    run: async (context) => {
      const f = await registered(context);
      const decision = await dryRun(context, { skill: f.tag, ...complexity(30) });
      ensure(
        decision.chosen === f.ids.big,
        `expected big (${f.ids.big}), the closest agent, served best effort; the broker chose ${roleOf(f.ids, decision.chosen)}`,
      );
      ensure(
        decision.bestEffort === true && decision.selection.includes('BEST_EFFORT'),
        `the decision for a task no agent is feasible for is not flagged bestEffort: true with selection BEST_EFFORT (bestEffort ${String(decision.bestEffort)}, selection ${JSON.stringify(decision.selection)})`,
      );
    },
  }),
  broker({
    section: '7.7',
    requirement: 'MUST',
    name: 'no-capable-agent-error',
    title: 'A task no agent can do under hard constraints gets UnsupportedOperationError with NO_CAPABLE_AGENT',
    requires:
      'If no agent is feasible and the descriptor sets hardConstraints (so nothing is served best effort), and the refusal is not transient, the broker answers SendMessage with UnsupportedOperationError whose details hold a second google.rpc.ErrorInfo, domain rightsize.dev, reason NO_CAPABLE_AGENT (Rightsize §7.7).',
    run: async (context) => {
      const f = await registered(context);
      const outcome = await send(context, 'complete-task', {
        extra: descriptorMembers({ skill: f.tag, hardConstraints: true, ...complexity(30) }),
        call: callOptions(context),
      });
      const error = expectError(context, outcome, 'UnsupportedOperationError', 'SendMessage of a task no probe can do');
      const details = Array.isArray(error.details) ? error.details : [];
      const info = details.find((d) => isRecord(d) && d.domain === 'rightsize.dev' && d.reason === 'NO_CAPABLE_AGENT');
      ensure(
        info,
        'the error details have no ErrorInfo with domain rightsize.dev and reason NO_CAPABLE_AGENT',
        outcome.exchange,
      );
    },
  }),
  broker({
    section: '7.5',
    requirement: 'MUST',
    name: 'decision-record-truthful',
    title: 'A routed task carries a decision record naming the agent that served it',
    requires:
      'The broker puts TaskExtensionData {decision} under the extension URI in the task metadata; the record’s chosen agent is the one that ran the task (Rightsize §7.5).',
    run: async (context) => {
      const f = await registered(context);
      const { task, outcome } = await sendRouted(
        context,
        scenarioRequest(context, 'complete-task', {
          extra: descriptorMembers({ skill: f.tag, outputTokens: 64, ...complexity(1) }),
        }),
      );
      const answers = (task.artifacts ?? []).flatMap((a) => a.parts.map((p) => p.text ?? ''));
      ensure(
        answers.includes('probe:small'),
        `the task was not served by the small probe (answers: ${JSON.stringify(answers)})`,
        outcome.exchange,
      );
      const data = rightsizeValidator.check('TaskExtensionData', task.metadata?.[URI] ?? {});
      if (!data.ok) fail(`the task has no valid TaskExtensionData:\n${formatIssues(data.issues)}`, outcome.exchange);
      ensure(data.value.decision, 'the task has no decision record', outcome.exchange);
      ensure(
        data.value.decision.chosen === f.ids.small,
        `the decision names ${roleOf(f.ids, data.value.decision.chosen)} but the small probe served the task`,
        outcome.exchange,
      );
    },
  }),
  ...FORWARDING_CHECKS,
];
