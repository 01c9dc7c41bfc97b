/**
 * Typed A2A errors (A2A §3.3.2) with their binding mappings (A2A §5.4, §9.5, §11.6). Every error the SDK raises
 * or receives over the wire is one of these classes, so callers can use `instanceof` and read the codes.
 */
import type { ErrorDetail, HttpErrorBody, JsonRpcErrorObject } from './model/wire-errors.js';

/** The ErrorInfo domain A2A errors carry (A2A §11.6). */
export const A2A_ERROR_DOMAIN = 'a2a-protocol.org';
const ERROR_INFO_TYPE = 'type.googleapis.com/google.rpc.ErrorInfo';

/** How one A2A error type appears in each binding. */
export interface A2AErrorSpec {
  /** Error type name as in the A2A specification, e.g. `TaskNotFoundError`. */
  readonly name: string;
  readonly jsonRpcCode: number;
  readonly httpStatus: number;
  readonly grpcStatus: string;
  /** `google.rpc.ErrorInfo.reason`: the name in UPPER_SNAKE_CASE without the `Error` suffix. */
  readonly reason: string;
  readonly defaultMessage: string;
}

const spec = (
  name: string,
  jsonRpcCode: number,
  httpStatus: number,
  grpcStatus: string,
  defaultMessage: string,
): A2AErrorSpec => ({
  name,
  jsonRpcCode,
  httpStatus,
  grpcStatus,
  reason: name
    .replace(/Error$/, '')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase(),
  defaultMessage,
});

/** The canonical table: A2A §5.4 for A2A-specific errors, A2A §9.5 for the JSON-RPC standard errors. */
export const A2A_ERROR_SPECS = {
  JSONParseError: spec('JSONParseError', -32700, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload'),
  InvalidRequestError: spec('InvalidRequestError', -32600, 400, 'INVALID_ARGUMENT', 'Request payload validation error'),
  MethodNotFoundError: spec('MethodNotFoundError', -32601, 404, 'UNIMPLEMENTED', 'Method not found'),
  InvalidParamsError: spec('InvalidParamsError', -32602, 400, 'INVALID_ARGUMENT', 'Invalid parameters'),
  InternalError: spec('InternalError', -32603, 500, 'INTERNAL', 'Internal error'),
  TaskNotFoundError: spec('TaskNotFoundError', -32001, 404, 'NOT_FOUND', 'Task not found'),
  TaskNotCancelableError: spec('TaskNotCancelableError', -32002, 400, 'FAILED_PRECONDITION', 'Task cannot be canceled'),
  PushNotificationNotSupportedError: spec(
    'PushNotificationNotSupportedError',
    -32003,
    400,
    'FAILED_PRECONDITION',
    'Push notifications are not supported',
  ),
  UnsupportedOperationError: spec(
    'UnsupportedOperationError',
    -32004,
    400,
    'FAILED_PRECONDITION',
    'This operation is not supported',
  ),
  ContentTypeNotSupportedError: spec(
    'ContentTypeNotSupportedError',
    -32005,
    400,
    'INVALID_ARGUMENT',
    'Incompatible content types',
  ),
  InvalidAgentResponseError: spec('InvalidAgentResponseError', -32006, 500, 'INTERNAL', 'Invalid agent response'),
  ExtendedAgentCardNotConfiguredError: spec(
    'ExtendedAgentCardNotConfiguredError',
    -32007,
    400,
    'FAILED_PRECONDITION',
    'Extended agent card is not configured',
  ),
  ExtensionSupportRequiredError: spec(
    'ExtensionSupportRequiredError',
    -32008,
    400,
    'FAILED_PRECONDITION',
    'A required extension was not activated',
  ),
  VersionNotSupportedError: spec(
    'VersionNotSupportedError',
    -32009,
    400,
    'FAILED_PRECONDITION',
    'A2A protocol version not supported',
  ),
} as const satisfies Record<string, A2AErrorSpec>;

export type A2AErrorName = keyof typeof A2A_ERROR_SPECS;

export interface A2AErrorOptions {
  /** Extra structured details (ProtoJSON Any objects), sent after the ErrorInfo. */
  readonly details?: readonly ErrorDetail[];
  /** String metadata put on the ErrorInfo detail (e.g. `taskId`). */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/** Base class of every A2A error. */
export class A2AError extends Error {
  readonly spec: A2AErrorSpec;
  readonly details: readonly ErrorDetail[];
  readonly metadata: Readonly<Record<string, string>>;

  constructor(errorSpec: A2AErrorSpec, message?: string, options: A2AErrorOptions = {}) {
    super(message ?? errorSpec.defaultMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = errorSpec.name;
    this.spec = errorSpec;
    this.details = options.details ?? [];
    this.metadata = options.metadata ?? {};
  }

  get jsonRpcCode(): number {
    return this.spec.jsonRpcCode;
  }
  get httpStatus(): number {
    return this.spec.httpStatus;
  }

  /** The `google.rpc.ErrorInfo` that names this error on the wire, then any other details. */
  wireDetails(): ErrorDetail[] {
    const info = {
      '@type': ERROR_INFO_TYPE,
      reason: this.spec.reason,
      domain: A2A_ERROR_DOMAIN,
      ...(Object.keys(this.metadata).length > 0 ? { metadata: { ...this.metadata } } : {}),
    };
    return [info, ...this.details];
  }

  /** The JSON-RPC error object (A2A §9.5). */
  toJsonRpc(): JsonRpcErrorObject {
    return { code: this.spec.jsonRpcCode, message: this.message, data: this.wireDetails() };
  }

  /** The HTTP+JSON error body (A2A §11.6); send it with `httpStatus`. `status` is the error type's gRPC status. */
  toHttpBody(): HttpErrorBody {
    return {
      error: {
        code: this.spec.httpStatus,
        status: this.spec.grpcStatus,
        message: this.message,
        details: this.wireDetails(),
      },
    };
  }
}

const defineError = (errorSpec: A2AErrorSpec) =>
  class extends A2AError {
    static readonly spec = errorSpec;
    constructor(message?: string, options?: A2AErrorOptions) {
      super(errorSpec, message, options);
    }
  };

export class JSONParseError extends defineError(A2A_ERROR_SPECS.JSONParseError) {}
export class InvalidRequestError extends defineError(A2A_ERROR_SPECS.InvalidRequestError) {}
export class MethodNotFoundError extends defineError(A2A_ERROR_SPECS.MethodNotFoundError) {}
export class InvalidParamsError extends defineError(A2A_ERROR_SPECS.InvalidParamsError) {}
export class InternalError extends defineError(A2A_ERROR_SPECS.InternalError) {}
export class TaskNotFoundError extends defineError(A2A_ERROR_SPECS.TaskNotFoundError) {}
export class TaskNotCancelableError extends defineError(A2A_ERROR_SPECS.TaskNotCancelableError) {}
export class PushNotificationNotSupportedError extends defineError(A2A_ERROR_SPECS.PushNotificationNotSupportedError) {}
export class UnsupportedOperationError extends defineError(A2A_ERROR_SPECS.UnsupportedOperationError) {}
export class ContentTypeNotSupportedError extends defineError(A2A_ERROR_SPECS.ContentTypeNotSupportedError) {}
export class InvalidAgentResponseError extends defineError(A2A_ERROR_SPECS.InvalidAgentResponseError) {}
export class ExtendedAgentCardNotConfiguredError extends defineError(
  A2A_ERROR_SPECS.ExtendedAgentCardNotConfiguredError,
) {}
export class ExtensionSupportRequiredError extends defineError(A2A_ERROR_SPECS.ExtensionSupportRequiredError) {}
export class VersionNotSupportedError extends defineError(A2A_ERROR_SPECS.VersionNotSupportedError) {}

const ERROR_CLASSES: Readonly<Record<A2AErrorName, new (message?: string, options?: A2AErrorOptions) => A2AError>> = {
  JSONParseError,
  InvalidRequestError,
  MethodNotFoundError,
  InvalidParamsError,
  InternalError,
  TaskNotFoundError,
  TaskNotCancelableError,
  PushNotificationNotSupportedError,
  UnsupportedOperationError,
  ContentTypeNotSupportedError,
  InvalidAgentResponseError,
  ExtendedAgentCardNotConfiguredError,
  ExtensionSupportRequiredError,
  VersionNotSupportedError,
};

const SPEC_LIST = Object.values(A2A_ERROR_SPECS) as A2AErrorSpec[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function splitDetails(details: unknown): { reason?: string; metadata: Record<string, string>; rest: ErrorDetail[] } {
  const out: { reason?: string; metadata: Record<string, string>; rest: ErrorDetail[] } = { metadata: {}, rest: [] };
  if (!Array.isArray(details)) return out;
  for (const detail of details) {
    if (!isRecord(detail) || typeof detail['@type'] !== 'string') continue;
    if (detail['@type'] === ERROR_INFO_TYPE && detail.domain === A2A_ERROR_DOMAIN && out.reason === undefined) {
      out.reason = typeof detail.reason === 'string' ? detail.reason : undefined;
      if (isRecord(detail.metadata)) {
        for (const [k, v] of Object.entries(detail.metadata)) if (typeof v === 'string') out.metadata[k] = v;
      }
    } else {
      out.rest.push(detail as ErrorDetail);
    }
  }
  return out;
}

function build(found: A2AErrorSpec | undefined, message: string, details: unknown, fallback: A2AErrorSpec): A2AError {
  const { metadata, rest } = splitDetails(details);
  const chosen = found ?? fallback;
  const ErrorClass = ERROR_CLASSES[chosen.name as A2AErrorName];
  return new ErrorClass(message || chosen.defaultMessage, { metadata, details: rest });
}

/** Rebuild a typed error from a JSON-RPC error object; unknown codes become `InternalError` with the message kept. */
export function errorFromJsonRpc(error: { code: number; message?: string; data?: unknown }): A2AError {
  const found = SPEC_LIST.find((s) => s.jsonRpcCode === error.code);
  return build(found, error.message ?? '', error.data, A2A_ERROR_SPECS.InternalError);
}

/** Rebuild a typed error from an HTTP status and body: the ErrorInfo reason decides, then the status. */
export function errorFromHttp(status: number, body: unknown): A2AError {
  const error = isRecord(body) && isRecord(body.error) ? body.error : {};
  const message = typeof error.message === 'string' ? error.message : '';
  const { reason } = splitDetails(error.details);
  const byReason = reason === undefined ? undefined : SPEC_LIST.find((s) => s.reason === reason);
  const byStatus = status === 404 ? A2A_ERROR_SPECS.TaskNotFoundError : undefined;
  const fallback = status >= 500 ? A2A_ERROR_SPECS.InternalError : A2A_ERROR_SPECS.InvalidRequestError;
  return build(byReason ?? byStatus, message || `HTTP ${status}`, error.details, fallback);
}
