/**
 * The Rightsize extension: its objects (TypeBox schemas and types), validators, readers and builders for A2A
 * objects, the normative prediction math and the matching rule (spec/v1/rightsize.md).
 */
export * from './calibration.js';
export * from './candidate-index.js';
export * from './catalog.js';
export * from './decision-record.js';
export * from './estimator.js';
export * from './extension.js';
export * from './learning/index.js';
export * from './match.js';
export * from './model/index.js';
export * from './predict.js';
export * from './prng.js';
export { logistic, logit, normalCdf, Z_SCORES } from './stats.js';
export * from './task-bank/index.js';
