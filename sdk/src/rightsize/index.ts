/**
 * The Rightsize extension, in layers that depend one way (model → math → routing → learning):
 * - `model/`: its objects (TypeBox schemas and types); `catalog.ts`, `extension.ts`: validators, readers and
 *   builders for A2A objects;
 * - `math/`: the normative prediction math (spec/v1/rightsize.md §6);
 * - `routing/`: the §7 matching rule, the candidate index, complexity estimators, decision records;
 * - `learning/`: calibration and claim verdicts (§9), the online learner, exploration, the cost dial and `Router`;
 * - `task-bank/`: the §9.1 task families.
 */
export * from './catalog.js';
export * from './extension.js';
export * from './learning/index.js';
export * from './math/index.js';
export * from './model/index.js';
export * from './routing/index.js';
export * from './task-bank/index.js';
