/** The agent server: a fastify plugin, the request handler, the executor API, task and push stores. */

export * from './auth.js';
export * from './event-channel.js';
export * from './executor.js';
export * from './media-types.js';
export * from './plugin.js';
export * from './push.js';
export * from './redact.js';
export * from './request-handler.js';
export * from './server-options.js';
export * from './task-store.js';
export * from './tck-executor.js';
