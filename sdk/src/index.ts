/**
 * @rightsize/sdk — the A2A v1.0 data model and validators, and the Rightsize extension.
 * Subpath exports: `@rightsize/sdk/a2a`, `@rightsize/sdk/rightsize`, `@rightsize/sdk/validate`, `@rightsize/sdk/errors`,
 * `@rightsize/sdk/net`, `@rightsize/sdk/client`, `@rightsize/sdk/server`, `@rightsize/sdk/signing`.
 */
export * from './a2a/index.js';
export * from './client/index.js';
export * from './net/index.js';
export * from './rightsize/index.js';
export * from './server/index.js';
export * from './signing/index.js';
export * from './validate/index.js';
