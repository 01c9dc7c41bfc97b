/**
 * @rightsize/conformance: the conformance suite as a library. `runSuite(options)` runs a level against an agent
 * and resolves with a report; `formatText`, `toJUnit` and `toJson` render it. The CLI is `rightsize-conformance`.
 */
export type { A2AOperation, Binding, CallOptions, Outcome, WireError } from './a2a.js';
export type { Exchange } from './http.js';
export { ALL_CHECKS, CORE_CHECKS, checksOf } from './levels.js';
export * from './model.js';
export { failureDetail, formatText, progressLine, summaryLine, toJson, toJUnit } from './report.js';
export { DEFAULT_TIMEOUT_MS, NOT_APPLICABLE_TO_BROKER, runSuite, select, summarize } from './runner.js';
export { coverageTable, NOT_COVERED, TCK_REQUIREMENTS } from './tck.js';
export { type Delivery, WebhookReceiver } from './webhook.js';
