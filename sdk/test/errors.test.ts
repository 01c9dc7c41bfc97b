import { describe, expect, it } from 'vitest';
import {
  A2A_ERROR_SPECS,
  A2AError,
  errorFromHttp,
  errorFromJsonRpc,
  TaskNotCancelableError,
  TaskNotFoundError,
  VersionNotSupportedError,
} from '../src/a2a/errors.js';
import { createA2AValidator } from '../src/validate/validator.js';

const validator = createA2AValidator();

describe('A2A errors', () => {
  it('carry the codes of A2A §5.4 and §9.5', () => {
    const table = Object.values(A2A_ERROR_SPECS).map((s) => [s.name, s.jsonRpcCode, s.httpStatus, s.reason]);
    expect(table).toContainEqual(['TaskNotFoundError', -32001, 404, 'TASK_NOT_FOUND']);
    expect(table).toContainEqual(['TaskNotCancelableError', -32002, 400, 'TASK_NOT_CANCELABLE']);
    expect(table).toContainEqual(['PushNotificationNotSupportedError', -32003, 400, 'PUSH_NOTIFICATION_NOT_SUPPORTED']);
    expect(table).toContainEqual(['UnsupportedOperationError', -32004, 400, 'UNSUPPORTED_OPERATION']);
    expect(table).toContainEqual(['ContentTypeNotSupportedError', -32005, 400, 'CONTENT_TYPE_NOT_SUPPORTED']);
    expect(table).toContainEqual(['InvalidAgentResponseError', -32006, 500, 'INVALID_AGENT_RESPONSE']);
    expect(table).toContainEqual([
      'ExtendedAgentCardNotConfiguredError',
      -32007,
      400,
      'EXTENDED_AGENT_CARD_NOT_CONFIGURED',
    ]);
    expect(table).toContainEqual(['ExtensionSupportRequiredError', -32008, 400, 'EXTENSION_SUPPORT_REQUIRED']);
    expect(table).toContainEqual(['VersionNotSupportedError', -32009, 400, 'VERSION_NOT_SUPPORTED']);
    expect(table).toContainEqual(['JSONParseError', -32700, 400, 'JSON_PARSE']);
    expect(table).toContainEqual(['MethodNotFoundError', -32601, 404, 'METHOD_NOT_FOUND']);
    expect(table).toContainEqual(['InvalidParamsError', -32602, 400, 'INVALID_PARAMS']);
    expect(table).toContainEqual(['InternalError', -32603, 500, 'INTERNAL']);
  });

  it('serialise to valid JSON-RPC and HTTP error payloads with an ErrorInfo', () => {
    const error = new TaskNotFoundError(undefined, { metadata: { taskId: 't-9' } });
    expect(error).toBeInstanceOf(A2AError);
    expect(error.name).toBe('TaskNotFoundError');
    const rpc = { jsonrpc: '2.0', id: 1, error: error.toJsonRpc() };
    expect(validator.check('JsonRpcErrorResponse', rpc).ok).toBe(true);
    expect(rpc.error.data).toEqual([
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'TASK_NOT_FOUND',
        domain: 'a2a-protocol.org',
        metadata: { taskId: 't-9' },
      },
    ]);
    const body = error.toHttpBody();
    expect(validator.check('HttpErrorBody', body).ok).toBe(true);
    expect(body.error).toMatchObject({ code: 404, status: 'NOT_FOUND', message: 'Task not found' });
  });

  it('round-trip through both bindings to the same class, message and metadata', () => {
    for (const original of [
      new TaskNotCancelableError('already completed', { metadata: { taskId: 'a' } }),
      new VersionNotSupportedError('0.5 is not supported'),
    ]) {
      const fromRpc = errorFromJsonRpc(original.toJsonRpc());
      const fromHttp = errorFromHttp(original.httpStatus, original.toHttpBody());
      for (const copy of [fromRpc, fromHttp]) {
        expect(copy).toBeInstanceOf(original.constructor);
        expect(copy.message).toBe(original.message);
        expect(copy.metadata).toEqual(original.metadata);
      }
    }
  });

  it('map unknown or malformed error payloads to a typed error without throwing', () => {
    expect(errorFromJsonRpc({ code: -31999, message: 'custom' })).toMatchObject({
      name: 'InternalError',
      message: 'custom',
    });
    expect(errorFromHttp(503, 'not json')).toMatchObject({ name: 'InternalError', message: 'HTTP 503' });
    expect(errorFromHttp(400, { error: { details: 'nonsense' } })).toMatchObject({ name: 'InvalidRequestError' });
  });
});
