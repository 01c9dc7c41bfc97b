/** The A2A client: card resolution, both HTTP bindings, SSE streaming, typed errors. */
export * from './card-resolver.js';
export * from './client.js';
export * from './errors.js';
export {
  type AuthOptions,
  type CallOptions,
  type HttpAnswer,
  HttpClient,
  type HttpOptions,
  type Interceptor,
  type OutgoingRequest,
} from './http.js';
export { parseSse, SseError, type SseEvent } from './sse.js';
export * from './transports.js';
