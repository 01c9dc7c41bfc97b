/** The JSON-RPC 2.0 envelope used by the A2A JSON-RPC binding (A2A §9). */
import { type Static, Type } from '@sinclair/typebox';
import { JsonRpcErrorObject } from './wire-errors.js';

export const JsonRpcId = Type.Union([Type.String(), Type.Integer(), Type.Null()], {
  description: 'Request identifier; null only in error responses to unreadable requests.',
});
export type JsonRpcId = Static<typeof JsonRpcId>;

export const JsonRpcRequest = Type.Object(
  {
    jsonrpc: Type.Literal('2.0'),
    id: Type.Optional(JsonRpcId),
    method: Type.String({ minLength: 1 }),
    params: Type.Optional(Type.Unknown()),
  },
  { description: 'JSON-RPC 2.0 request (A2A §9.3); params are checked per method.' },
);
export type JsonRpcRequest = Static<typeof JsonRpcRequest>;

export const JsonRpcSuccessResponse = Type.Object(
  { jsonrpc: Type.Literal('2.0'), id: JsonRpcId, result: Type.Unknown() },
  { description: 'JSON-RPC 2.0 success response; result is checked per method.' },
);
export type JsonRpcSuccessResponse = Static<typeof JsonRpcSuccessResponse>;

export const JsonRpcErrorResponse = Type.Object(
  { jsonrpc: Type.Literal('2.0'), id: JsonRpcId, error: JsonRpcErrorObject },
  { description: 'JSON-RPC 2.0 error response (A2A §9.5).' },
);
export type JsonRpcErrorResponse = Static<typeof JsonRpcErrorResponse>;
