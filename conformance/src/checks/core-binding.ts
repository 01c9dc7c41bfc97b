/**
 * Core level: the two HTTP bindings (A2A §9 JSON-RPC, §11 HTTP+JSON) — standard error codes, error shapes, status
 * mapping (§5.4), routes, query parameters, content types — and the service parameters: version negotiation
 * (§3.6), extension activation (§3.3.4, §4.6.3), ProtoJSON naming (§5.5).
 */
import { randomUUID } from 'node:crypto';
import { describeError, errorName } from '../a2a.js';
import { type CheckContext, type CheckDefinition, ensure, fail, skip } from '../model.js';
import { snakeCaseKeys } from './core-card.js';
import {
  definer,
  expectCompletedNotCancelable,
  expectError,
  expectOk,
  expectUnknownTaskNotFound,
  isRecord,
  scenarioRequest,
  send,
  sendForTask,
  unknownTaskId,
} from './support.js';

const core = definer('core');

/** POST a raw body to the JSON-RPC endpoint and read the JSON-RPC error code. */
async function rawJsonRpc(context: CheckContext, body: string) {
  const caller = context.a2a;
  const answer = await context.http.send(
    { method: 'POST', url: caller.base, headers: caller.headers(), rawBody: body },
    context.signal,
  );
  const json = answer.json;
  const code = isRecord(json) && isRecord(json.error) ? json.error.code : undefined;
  return { answer, json, code };
}

function jsonRpcCodeCheck(name: string, title: string, body: () => string, code: number, meaning: string) {
  return core({
    section: '9.5',
    requirement: 'MUST',
    name,
    title,
    binding: 'JSONRPC',
    requires: `${meaning} is answered with the JSON-RPC error code ${code} (A2A §9.5; JSON-RPC 2.0 §5.1).`,
    tck: ['CORE-ERR-002'],
    run: async (context) => {
      const { answer, code: got } = await rawJsonRpc(context, body());
      ensure(
        got === code,
        `expected error code ${code}; got ${got === undefined ? 'no JSON-RPC error' : got}`,
        answer.exchange,
      );
    },
  });
}

export const BINDING_CHECKS: CheckDefinition[] = [
  jsonRpcCodeCheck(
    'jsonrpc-parse-error',
    'Invalid JSON gets -32700',
    () => '{"jsonrpc": "2.0", "id": 1, "method": ',
    -32700,
    'A body that is not JSON',
  ),
  jsonRpcCodeCheck(
    'jsonrpc-invalid-request',
    'A request object without a method gets -32600',
    () => JSON.stringify({ jsonrpc: '2.0', id: randomUUID() }),
    -32600,
    'A JSON body that is not a valid JSON-RPC request object',
  ),
  jsonRpcCodeCheck(
    'jsonrpc-method-not-found',
    'An unknown method gets -32601',
    () => JSON.stringify({ jsonrpc: '2.0', id: randomUUID(), method: 'NoSuchConformanceMethod', params: {} }),
    -32601,
    'A method that does not exist',
  ),
  jsonRpcCodeCheck(
    'jsonrpc-invalid-params',
    'SendMessage without message parts gets -32602',
    () =>
      JSON.stringify({
        jsonrpc: '2.0',
        id: randomUUID(),
        method: 'SendMessage',
        params: { message: { role: 'ROLE_USER', messageId: `tck-complete-task-${randomUUID()}` } },
      }),
    -32602,
    'Invalid method parameters (a message without its REQUIRED parts)',
  ),
  core({
    section: '9.3',
    requirement: 'MUST',
    name: 'jsonrpc-response-echoes-id',
    title: 'A JSON-RPC response carries the request id',
    binding: 'JSONRPC',
    requires:
      'Requests and responses follow JSON-RPC 2.0: the response id equals the request id (A2A §9.3; JSON-RPC 2.0 §5).',
    run: async (context) => {
      const id = `conformance-${randomUUID()}`;
      const body = { jsonrpc: '2.0', id, method: 'SendMessage', params: scenarioRequest(context, 'complete-task') };
      const { answer, json } = await rawJsonRpc(context, JSON.stringify(body));
      ensure(
        isRecord(json) && json.id === id,
        `the response id is ${JSON.stringify(isRecord(json) ? json.id : undefined)}, not "${id}"`,
        answer.exchange,
      );
    },
  }),
  core({
    section: '9.5',
    requirement: 'MUST',
    name: 'jsonrpc-error-object',
    title: 'JSON-RPC errors have a numeric code, a message, and typed details',
    binding: 'JSONRPC',
    requires:
      'Errors convey a code and a message; every object in error.data carries an "@type" key (A2A §3.3.2, §9.5).',
    tck: ['CORE-ERR-001'],
    run: async (context) => {
      const body = { jsonrpc: '2.0', id: randomUUID(), method: 'GetTask', params: { id: unknownTaskId() } };
      const { answer, json } = await rawJsonRpc(context, JSON.stringify(body));
      const error = isRecord(json) ? json.error : undefined;
      ensure(isRecord(error), 'no error object', answer.exchange);
      ensure(Number.isInteger(error.code), 'error.code is not an integer', answer.exchange);
      ensure(
        typeof error.message === 'string' && error.message !== '',
        'error.message is missing or empty',
        answer.exchange,
      );
      if (error.data !== undefined) {
        ensure(Array.isArray(error.data), 'error.data is present but not an array of typed objects', answer.exchange);
        ensure(
          error.data.every((d) => isRecord(d) && typeof d['@type'] === 'string'),
          'an object in error.data has no "@type"',
          answer.exchange,
        );
      }
    },
  }),
  core({
    section: '9.1',
    requirement: 'SHOULD',
    name: 'jsonrpc-content-type',
    title: 'JSON-RPC responses are application/json',
    binding: 'JSONRPC',
    requires: 'The JSON-RPC binding uses Content-Type application/json for requests and responses (A2A §9.1).',
    run: async (context) => {
      const outcome = await context.a2a.call('GetTask', { id: unknownTaskId() }, {}, context.signal);
      const type = /\n?HTTP \d+ ([^\n]*)/.exec(outcome.exchange.received)?.[1] ?? '';
      ensure(type.startsWith('application/json'), `the response Content-Type is "${type}"`, outcome.exchange);
    },
  }),
  core({
    section: '5.4',
    requirement: 'MUST',
    name: 'jsonrpc-a2a-error-codes',
    title: 'A2A errors use their JSON-RPC codes (TaskNotFound -32001, TaskNotCancelable -32002)',
    binding: 'JSONRPC',
    requires: 'Every A2A error maps to its JSON-RPC code in the table of A2A §5.4.',
    tck: ['CORE-GET-002', 'CORE-CANCEL-002'],
    run: async (context) => {
      await expectUnknownTaskNotFound(context);
      await expectCompletedNotCancelable(context);
    },
  }),
  core({
    section: '11.6',
    requirement: 'MUST',
    name: 'rest-error-format',
    title: 'REST errors are google.rpc.Status bodies with an ErrorInfo (reason, domain)',
    binding: 'HTTP+JSON',
    requires:
      'HTTP errors use the google.rpc.Status JSON form {error: {code, status, message, details}}; A2A errors include a google.rpc.ErrorInfo with the UPPER_SNAKE_CASE reason and domain "a2a-protocol.org" (A2A §11.6).',
    tck: ['HTTP_JSON-ERR-001', 'HTTP_JSON-ERR-002'],
    run: async (context) => {
      const r = context.a2a.restRequest('GetTask', { id: unknownTaskId() });
      const answer = await context.http.send({ ...r, headers: context.a2a.headers({}, false) }, context.signal);
      const error = isRecord(answer.json) ? answer.json.error : undefined;
      ensure(isRecord(error), 'the body has no "error" object', answer.exchange);
      ensure(
        error.code === answer.status,
        `error.code is ${JSON.stringify(error.code)}, not the HTTP status ${answer.status}`,
        answer.exchange,
      );
      ensure(typeof error.message === 'string', 'error.message is missing', answer.exchange);
      ensure(
        typeof error.status === 'string',
        'error.status (the google.rpc.Code name, e.g. NOT_FOUND) is missing',
        answer.exchange,
      );
      ensure(Array.isArray(error.details), 'error.details is missing', answer.exchange);
      const info = error.details.find((d) => isRecord(d) && d['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo');
      ensure(isRecord(info), 'error.details has no type.googleapis.com/google.rpc.ErrorInfo', answer.exchange);
      ensure(
        info.reason === 'TASK_NOT_FOUND',
        `ErrorInfo.reason is ${JSON.stringify(info.reason)}, not "TASK_NOT_FOUND"`,
        answer.exchange,
      );
      ensure(info.domain === 'a2a-protocol.org', `ErrorInfo.domain is ${JSON.stringify(info.domain)}`, answer.exchange);
    },
  }),
  core({
    section: '5.4',
    requirement: 'MUST',
    name: 'rest-http-status',
    title: 'A2A errors use their HTTP statuses (TaskNotFound 404, TaskNotCancelable 400)',
    binding: 'HTTP+JSON',
    requires: 'Every A2A error maps to its HTTP status in the table of A2A §5.4.',
    tck: ['HTTP_JSON-STATUS-001', 'CORE-GET-002', 'CORE-CANCEL-002'],
    run: async (context) => {
      await expectUnknownTaskNotFound(context, 'GET /tasks/{unknown}');
      await expectCompletedNotCancelable(context, 'POST /tasks/{completed}:cancel');
    },
  }),
  core({
    section: '11.1',
    requirement: 'SHOULD',
    name: 'rest-content-type',
    title: 'REST responses are application/a2a+json',
    binding: 'HTTP+JSON',
    requires:
      'The HTTP+JSON binding SHOULD use Content-Type application/a2a+json for requests and responses (A2A §11.1).',
    tck: ['HTTP_JSON-SVC-001'],
    run: async (context) => {
      const outcome = await send(context, 'complete-task');
      const type = /^HTTP \d+ ([^\n]*)/.exec(outcome.exchange.received)?.[1] ?? '';
      ensure(type.startsWith('application/a2a+json'), `the response Content-Type is "${type}"`, outcome.exchange);
    },
  }),
  core({
    section: '11.3',
    requirement: 'MUST',
    name: 'rest-routes',
    scripted: true,
    title: 'The REST routes of §11.3 serve their operations',
    binding: 'HTTP+JSON',
    requires:
      'POST /message:send, GET /tasks/{id}, GET /tasks and POST /tasks/{id}:cancel serve SendMessage, GetTask, ListTasks and CancelTask (A2A §5.3, §11.3).',
    tck: ['HTTP_JSON-URL-001', 'HTTP_JSON-URL-002'],
    run: async (context) => {
      const task = await sendForTask(context, 'input-required');
      const got = expectOk(await context.a2a.call('GetTask', { id: task.id }), 'GET /tasks/{id}');
      ensure(isRecord(got) && got.id === task.id, 'GET /tasks/{id} did not return the task');
      const list = expectOk(await context.a2a.call('ListTasks', { pageSize: 1 }), 'GET /tasks');
      ensure(isRecord(list), 'GET /tasks did not return a ListTasksResponse');
      const canceled = expectOk(await context.a2a.call('CancelTask', { id: task.id }), 'POST /tasks/{id}:cancel');
      ensure(isRecord(canceled) && canceled.id === task.id, 'POST /tasks/{id}:cancel did not return the task');
    },
  }),
  core({
    section: '11.5',
    requirement: 'MUST',
    name: 'rest-query-parameters',
    title: 'GET parameters are camelCase query parameters (pageSize, historyLength)',
    binding: 'HTTP+JSON',
    requires:
      'GET operations take their parameters as camelCase query parameters, numbers as decimal strings (A2A §11.5).',
    tck: ['HTTP_JSON-QP-001'],
    run: async (context) => {
      const first = await sendForTask(context, 'complete-task');
      await sendForTask(context, 'complete-task', { contextId: first.contextId });
      const page = expectOk(await context.a2a.call('ListTasks', { pageSize: 1 }), 'GET /tasks?pageSize=1');
      const tasks = isRecord(page) && Array.isArray(page.tasks) ? page.tasks : [];
      ensure(tasks.length === 1, `GET /tasks?pageSize=1 returned ${tasks.length} tasks`);
      const got = expectOk(
        await context.a2a.call('GetTask', { id: first.id, historyLength: 1 }),
        'GET /tasks/{id}?historyLength=1',
      );
      const history = isRecord(got) && Array.isArray(got.history) ? got.history : [];
      ensure(history.length <= 1, `GET /tasks/{id}?historyLength=1 returned ${history.length} history messages`);
    },
  }),
  core({
    section: '11.1',
    requirement: 'SHOULD',
    name: 'rest-unsupported-media-type',
    title: 'A body that is not JSON is refused with 415',
    binding: 'HTTP+JSON',
    requires:
      'Requests use application/a2a+json (A2A §11.1); a server refuses other media types with 415 Unsupported Media Type (RFC 9110 §15.5.16).',
    run: async (context) => {
      const r = context.a2a.restRequest('SendMessage', scenarioRequest(context, 'complete-task'));
      const answer = await context.http.send(
        {
          ...r,
          headers: { ...context.a2a.headers(), 'content-type': 'text/plain' },
          rawBody: 'hello',
          body: undefined,
        },
        context.signal,
      );
      ensure(answer.status === 415, `a text/plain body was answered with HTTP ${answer.status}`, answer.exchange);
    },
  }),
  core({
    section: '3.6.2',
    requirement: 'MUST',
    name: 'unsupported-version-rejected',
    title: 'An unsupported A2A-Version gets VersionNotSupportedError',
    requires:
      'If the requested version is not supported by the interface, the agent returns VersionNotSupportedError (A2A §3.6.2).',
    tck: ['VER-SERVER-002'],
    run: async (context) => {
      const outcome = await send(context, 'complete-task', { call: { version: '99.0' } });
      expectError(context, outcome, 'VersionNotSupportedError', 'SendMessage with A2A-Version: 99.0');
    },
  }),
  core({
    section: '3.6.2',
    requirement: 'MUST',
    name: 'missing-version-means-0.3',
    title: 'A request without A2A-Version is treated as version 0.3',
    requires:
      'Agents interpret an empty A2A-Version as 0.3 (A2A §3.6.2); a 1.0-only interface therefore answers VersionNotSupportedError.',
    tck: ['VER-SERVER-003'],
    run: async (context) => {
      const sameUrl = context.card.supportedInterfaces.filter((i) => i.url === context.a2a.iface.url);
      if (sameUrl.some((i) => i.protocolVersion.startsWith('0.3')))
        skip('the card declares a 0.3 interface at this URL, so a request without a version is served as 0.3');
      const outcome = await send(context, 'complete-task', { call: { version: null } });
      expectError(context, outcome, 'VersionNotSupportedError', 'SendMessage without A2A-Version');
    },
  }),
  core({
    section: '3.6',
    requirement: 'MUST',
    name: 'patch-version-ignored',
    title: 'A patch number in A2A-Version does not affect negotiation',
    requires: 'Patch version numbers MUST NOT be considered when clients and servers negotiate versions (A2A §3.6).',
    tck: ['VER-CLIENT-002', 'VER-SERVER-001'],
    run: async (context) => {
      expectOk(
        await send(context, 'complete-task', { call: { version: '1.0.7' } }),
        'SendMessage with A2A-Version: 1.0.7',
      );
    },
  }),
  core({
    section: '3.6.1',
    requirement: 'SHOULD',
    name: 'version-query-parameter',
    title: 'A2A-Version is accepted as a request parameter',
    requires:
      'Clients MAY send A2A-Version as a request parameter instead of a header (A2A §3.6.1), so servers accept it.',
    run: async (context) => {
      const caller = context.a2a;
      const request = scenarioRequest(context, 'complete-task');
      const base =
        caller.binding === 'JSONRPC'
          ? {
              method: 'POST' as const,
              url: new URL(caller.base),
              body: { jsonrpc: '2.0', id: randomUUID(), method: 'SendMessage', params: request },
            }
          : caller.restRequest('SendMessage', request);
      base.url.searchParams.set('A2A-Version', '1.0');
      const answer = await context.http.send({ ...base, headers: caller.headers({ version: null }) }, context.signal);
      const outcome = caller.interpret(answer);
      if (!outcome.ok)
        fail(`A2A-Version=1.0 as a query parameter was refused (${describeError(outcome.error)})`, outcome.exchange);
    },
  }),
  core({
    section: '3.3.4',
    requirement: 'MUST',
    name: 'required-extension-enforced',
    title: 'A required extension that is not activated gets ExtensionSupportRequiredError',
    requires:
      'When the card marks an extension required and the client does not activate it, the agent returns ExtensionSupportRequiredError (A2A §3.3.4, §4.6.3).',
    tck: ['CORE-CAP-004'],
    run: async (context) => {
      const required = (context.card.capabilities.extensions ?? []).filter((e) => e.required);
      if (required.length === 0) skip('the card declares no required extension');
      const outcome = await send(context, 'complete-task', { call: { extensions: [] } });
      expectError(context, outcome, 'ExtensionSupportRequiredError', 'SendMessage without the required extensions');
    },
  }),
  core({
    section: '4.6.3',
    requirement: 'SHOULD',
    name: 'unknown-extension-ignored',
    title: 'Activating an extension the agent does not support is ignored',
    requires: 'An agent SHOULD ignore a requested extension it does not support and proceed without it (A2A §4.6.3).',
    run: async (context) => {
      const unknown = 'https://conformance.rightsize.invalid/extensions/unknown/v1';
      const outcome = await send(context, 'complete-task', {
        call: { extensions: [...context.a2a.defaultExtensions, unknown] },
      });
      expectOk(outcome, `SendMessage activating ${unknown}`);
    },
  }),
  core({
    section: '5.5',
    requirement: 'MUST',
    name: 'responses-camel-case',
    title: 'Responses use camelCase member names',
    requires: 'JSON serializations use camelCase field names, not the proto snake_case names (A2A §5.5).',
    run: async (context) => {
      const outcome = await send(context, 'artifact-text');
      const value = expectOk(outcome, 'SendMessage');
      const keys = snakeCaseKeys(value);
      ensure(keys.length === 0, `snake_case members: ${keys.slice(0, 8).join(', ')}`, outcome.exchange);
    },
  }),
  core({
    section: '5.5',
    requirement: 'SHOULD',
    name: 'accepts-proto-field-names',
    title: 'Requests using the proto field names (message_id, …) are accepted',
    requires:
      'The JSON form is ProtoJSON (A2A §5.5, ADR-001), whose parsers accept both the lowerCamelCase names and the original proto field names.',
    run: async (context) => {
      const request = {
        message: {
          message_id: context.messageId('complete-task'),
          role: 'ROLE_USER',
          parts: [{ text: 'conformance: proto field names' }],
        },
        configuration: { history_length: 1 },
      };
      const outcome = await context.a2a.call('SendMessage', request, {}, context.signal);
      if (!outcome.ok) {
        const name = errorName(context.a2a.binding, outcome.error) ?? describeError(outcome.error);
        fail(`a request with message_id / history_length was refused: ${name}`, outcome.exchange);
      }
    },
  }),
];
