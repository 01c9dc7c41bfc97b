/** What flows back after a task: the agent's usage report and the client's feedback (spec §8). */
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum, Timestamp } from '../../a2a/model/primitives.js';
import { Money } from './common.js';

export const UsageReport = Type.Object(
  {
    inputTokens: Type.Optional(Type.Integer({ minimum: 0 })),
    outputTokens: Type.Optional(Type.Integer({ minimum: 0 })),
    reasoningTokens: Type.Optional(Type.Integer({ minimum: 0 })),
    firstResponseMs: Type.Optional(Type.Number({ minimum: 0, description: 'Measured at the agent.' })),
    completionMs: Type.Optional(Type.Number({ minimum: 0, description: 'Measured at the agent.' })),
    selfReportedSuccess: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, description: "The agent's own probability that its answer is correct." }),
    ),
    cost: Type.Optional(Money),
  },
  { description: 'Resources a task actually used, reported by the agent on the Task (spec §8.1).' },
);
export type UsageReport = Static<typeof UsageReport>;

export const Feedback = Type.Object(
  {
    taskId: Type.String({ minLength: 1, maxLength: 256 }),
    success: Type.Boolean({ description: 'Whether the result was correct / acceptable to the client.' }),
    score: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Graded quality, if known.' })),
    verified: Type.Optional(Type.Boolean({ description: "True when a verifier (not a person's guess) decided." })),
    measuredComplexity: Type.Optional(
      Type.Number({ minimum: 0, maximum: 64, description: 'The complexity as known after the fact.' }),
    ),
    comment: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { description: "The client's verdict on a task, used for calibration (spec §8.2)." },
);
export type Feedback = Static<typeof Feedback>;

export const ReasoningBudget = Type.Object(
  {
    maxReasoningTokens: Type.Integer({ minimum: 0, description: 'Reasoning tokens the agent may spend on this task.' }),
    mode: Type.Optional(
      StringEnum(['no-think', 'think'] as const, 'The mode a hybrid agent is asked to answer in (spec §4.9).'),
    ),
  },
  { description: 'A per-task reasoning budget a broker asks of an agent with budgetControl (spec §5.3).' },
);
export type ReasoningBudget = Static<typeof ReasoningBudget>;

/** One outcome as the calibration engine consumes it (spec §9.3). */
export const Outcome = Type.Object(
  {
    agentId: Type.String({ minLength: 1 }),
    domain: Type.String(),
    complexity: Type.Number({ minimum: 0, maximum: 64 }),
    success: Type.Boolean(),
    evidence: Type.Optional(
      StringEnum(
        ['verified', 'client', 'self-reported'] as const,
        'Who decided success: a verifier, the client, or only the agent (not used for calibration, spec §9.3).',
      ),
    ),
    at: Type.Optional(Timestamp),
  },
  { description: 'A (task complexity, success) observation for one agent and domain.' },
);
export type Outcome = Static<typeof Outcome>;
