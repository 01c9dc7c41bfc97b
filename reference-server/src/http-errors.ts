/**
 * Errors of the broker's own HTTP endpoints (registry binding, admin API), answered as A2A HTTP error bodies
 * (A2A §11.6): `{ error: { code, status, message, details: [ErrorInfo, …] } }`.
 */
import { A2AError, type A2AErrorSpec } from '@rightsize/sdk/errors';

const specOf = (name: string, httpStatus: number, grpcStatus: string, reason: string): A2AErrorSpec => ({
  name,
  jsonRpcCode: -32602,
  httpStatus,
  grpcStatus,
  reason,
  defaultMessage: name,
});

const SPECS = {
  invalid: specOf('InvalidArgument', 400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT'),
  unauthenticated: specOf('Unauthenticated', 401, 'UNAUTHENTICATED', 'UNAUTHENTICATED'),
  forbidden: specOf('PermissionDenied', 403, 'PERMISSION_DENIED', 'PERMISSION_DENIED'),
  notFound: specOf('NotFound', 404, 'NOT_FOUND', 'NOT_FOUND'),
  mediaType: specOf('UnsupportedMediaType', 415, 'INVALID_ARGUMENT', 'UNSUPPORTED_MEDIA_TYPE'),
  tooMany: specOf('ResourceExhausted', 429, 'RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED'),
  badGateway: specOf('BadGateway', 502, 'UNAVAILABLE', 'UPSTREAM_UNAVAILABLE'),
} as const;

export type HttpErrorKind = keyof typeof SPECS;

export class BrokerHttpError extends A2AError {
  constructor(kind: HttpErrorKind, message: string, details: A2AError['details'] = []) {
    super(SPECS[kind], message, { details });
  }
}

/** A `google.rpc.BadRequest` detail listing each invalid field. */
export const badRequest = (violations: ReadonlyArray<{ field: string; description: string }>) => ({
  '@type': 'type.googleapis.com/google.rpc.BadRequest',
  fieldViolations: violations.map((v) => ({ field: v.field, description: v.description })),
});
