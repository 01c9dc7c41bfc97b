export * from './candidate-index.js';
export * from './decision-record.js';
export * from './estimator.js';
export * from './forwarding.js';
export * from './match.js';
