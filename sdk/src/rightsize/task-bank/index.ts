/** The calibration task bank of spec §9.1: five families across four domains, seeded and exactly verifiable. */
export * from './families.js';
export * from './family.js';
