/** The calibration task bank of spec §9.1: eight families, one or more per core domain, seeded and exactly verifiable. */
export * from './dialogue.js';
export * from './families.js';
export * from './family.js';
export * from './general.js';
export * from './probes.js';
export * from './retrieval.js';
