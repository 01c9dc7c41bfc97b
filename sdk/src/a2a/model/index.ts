/** The A2A v1.0 data model: every object as a TypeBox schema and its derived TypeScript type. */
export * from './agent-card.js';
export * from './core.js';
export * from './jsonrpc.js';
export * from './operations.js';
export * from './primitives.js';
export * from './push.js';
export * from './wire-errors.js';
