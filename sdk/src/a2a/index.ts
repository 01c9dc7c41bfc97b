/** A2A v1.0: the data model (TypeBox schemas and types), the object catalogue and the typed errors. */
export * from './catalog.js';
export * from './errors.js';
export * from './model/index.js';
export * from './protojson.js';
