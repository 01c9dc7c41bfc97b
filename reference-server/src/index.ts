/** The Rightsize reference broker: build one with `createBroker`, or run `rightsize-broker`. */

export * from './auth.js';
export * from './broker/broker.js';
export * from './broker/card.js';
export * from './broker/executor.js';
export * from './broker/learner.js';
export * from './broker/metrics.js';
export * from './broker/routing-events.js';
export { type DashboardOptions, dashboard } from './dashboard/plugin.js';
export type * from './dashboard/protocol.js';
export * from './db/database.js';
export * from './db/migrations.js';
export * from './db/store.js';
export * from './http-errors.js';
export * from './rate-limit.js';
export * from './registry/registry.js';
export * from './routing/outcome-log.js';
export * from './routing/routing.js';
