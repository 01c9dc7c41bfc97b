/** Error payloads on the wire: JSON-RPC error objects (A2A §9.5) and google.rpc.Status bodies (A2A §11.6). */
import { type Static, Type } from '@sinclair/typebox';
import { Int32 } from './primitives.js';

/** One entry of an error's details: a ProtoJSON `Any` with its `@type` (A2A §3.3.2). */
export const ErrorDetail = Type.Object(
  { '@type': Type.String({ minLength: 1 }) },
  { description: 'A structured error detail in ProtoJSON Any form.', additionalProperties: true },
);
export type ErrorDetail = Static<typeof ErrorDetail> & Record<string, unknown>;

/** `google.rpc.ErrorInfo`, which carries the A2A error reason (§11.6). */
export const ErrorInfo = Type.Object({
  '@type': Type.Literal('type.googleapis.com/google.rpc.ErrorInfo'),
  reason: Type.String(),
  domain: Type.String(),
  metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
});
export type ErrorInfo = Static<typeof ErrorInfo>;

export const JsonRpcErrorObject = Type.Object(
  {
    code: Int32(),
    message: Type.String(),
    data: Type.Optional(Type.Unknown({ description: 'A2A servers send an array of ErrorDetail objects.' })),
  },
  { description: 'JSON-RPC 2.0 error object (A2A §9.5).' },
);
export type JsonRpcErrorObject = Static<typeof JsonRpcErrorObject>;

export const HttpErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Int32(),
      status: Type.Optional(Type.String()),
      message: Type.String(),
      details: Type.Optional(Type.Array(ErrorDetail)),
    }),
  },
  { description: 'HTTP+JSON error body, google.rpc.Status in JSON (A2A §11.6).' },
);
export type HttpErrorBody = Static<typeof HttpErrorBody>;
