/** Extension level: the Rightsize capability profile, descriptors, required-extension rules, reports and records. */
import type { CheckDefinition } from '../model.js';

export const EXTENSION_CHECKS: CheckDefinition[] = [];
