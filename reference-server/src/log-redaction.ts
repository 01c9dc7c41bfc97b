/**
 * Request logs without secrets in URLs. Fastify logs each request's URL; clients sometimes put credentials in the
 * query string (`?token=`, `?api_key=`, `?access_token=`, signed URLs). The logged URL keeps its path and the names
 * of its query parameters, and the values of every parameter not known to be harmless become `REDACTED`.
 */
import type { FastifyRequest, FastifyServerOptions } from 'fastify';

/** Query parameters of the A2A and registry endpoints whose values are never secret (kept for debugging). */
const HARMLESS = new Set([
  'pageSize',
  'pageToken',
  'historyLength',
  'contextId',
  'status',
  'statusTimestampAfter',
  'includeArtifacts',
]);

/** `/path?token=abc&pageSize=2` → `/path?token=REDACTED&pageSize=2`. */
export function redactQuery(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const params = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // a malformed name is logged as sent, its value still redacted
      }
      return eq >= 0 && !HARMLESS.has(decoded) ? `${name}=REDACTED` : pair;
    });
  return `${url.slice(0, at)}?${params.join('&')}`;
}

/** The request as logged: fastify's default fields, with the URL's query values redacted. */
function requestForLog(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactQuery(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

type LoggerOption = FastifyServerOptions['logger'];

/** The logger options with the redacting request serializer (logger `true` becomes `{}` with it). */
export function withRedactedUrls(logger: LoggerOption): LoggerOption {
  if (!logger) return logger;
  const options = logger === true ? {} : logger;
  return { ...options, serializers: { ...options.serializers, req: requestForLog } };
}
