export * from './predict.js';
export * from './prng.js';
export { logistic, logit, normalCdf, Z_SCORES } from './stats.js';
