/** The checks of each level. */
import { BROKER_CHECKS } from './checks/broker.js';
import { CALIBRATION_CHECKS } from './checks/calibration.js';
import { BINDING_CHECKS } from './checks/core-binding.js';
import { CARD_CHECKS } from './checks/core-card.js';
import { LIST_CHECKS } from './checks/core-list.js';
import { PUSH_CHECKS } from './checks/core-push.js';
import { SECURITY_CHECKS } from './checks/core-security.js';
import { STREAMING_CHECKS } from './checks/core-streaming.js';
import { TASK_CHECKS } from './checks/core-tasks.js';
import { EXTENSION_CHECKS } from './checks/extension.js';
import type { CheckDefinition, Level } from './model.js';

/** Checks that need only the served card (they run even when the card is invalid). */
export const CARD_ONLY = new Set(['core:8.2:MUST:card-at-well-known-path', 'core:4.4.1:MUST:card-valid']);

export const CORE_CHECKS: readonly CheckDefinition[] = [
  ...CARD_CHECKS,
  ...BINDING_CHECKS,
  ...TASK_CHECKS,
  ...LIST_CHECKS,
  ...STREAMING_CHECKS,
  ...PUSH_CHECKS,
  ...SECURITY_CHECKS,
];

export function checksOf(level: Level): readonly CheckDefinition[] {
  switch (level) {
    case 'core':
      return CORE_CHECKS;
    case 'extension':
      return EXTENSION_CHECKS;
    case 'calibration':
      return CALIBRATION_CHECKS;
    case 'broker':
      return BROKER_CHECKS;
  }
}

/** Every check of every level (for listings and the coverage table). */
export const ALL_CHECKS: readonly CheckDefinition[] = [
  ...CORE_CHECKS,
  ...EXTENSION_CHECKS,
  ...BROKER_CHECKS,
  ...CALIBRATION_CHECKS,
];
