/** The Rightsize extension objects: TypeBox schemas and their types. */
export * from './card-params.js';
export * from './common.js';
export * from './decision.js';
export * from './descriptor.js';
export * from './outcome.js';
export * from './profile.js';
