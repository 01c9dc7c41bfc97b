export * from './calibration.js';
export * from './cost.js';
export * from './dial.js';
export type { EmpiricalBayesOptions } from './empirical-bayes.js';
export * from './exploration.js';
export * from './features.js';
export * from './learner.js';
export * from './plan.js';
export * from './router.js';
