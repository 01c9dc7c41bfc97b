/** A2A v1.0 conformance of the agent server (issue 9 §1): each case was a reproduced gap, over real HTTP on loopback. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamResponse } from '../src/a2a/model/index.js';
import { A2AClient } from '../src/client/index.js';
import { recordingEchoExecutor, send, sseData, startAgent, type TestAgent } from './support/agent-server.js';
import { msg } from './support/messages.js';

let agent: TestAgent;
const { executor: recording, seen } = recordingEchoExecutor();
beforeAll(async () => {
  agent = await startAgent({ executor: recording });
});
afterAll(async () => {
  await agent.close();
});

const reason = (answer: {
  json: { error?: { details?: Array<{ reason?: string }>; data?: Array<{ reason?: string }> } };
}) => answer.json.error?.details?.[0]?.reason ?? answer.json.error?.data?.[0]?.reason;

describe('SubscribeToTask on an interrupted task (A2A §3.1.6)', () => {
  it('stays open across follow-up runs and closes at the terminal state', async () => {
    const client = await A2AClient.connect(agent.baseUrl, { allowPrivateNetworks: true, bindings: ['HTTP+JSON'] });
    try {
      const asked = await client.sendMessage(msg('ask: first?'));
      const taskId = asked.task?.id as string;
      expect(asked.task?.status.state).toBe('TASK_STATE_INPUT_REQUIRED');
      const stream = client.subscribeToTask(taskId)[Symbol.asyncIterator]();
      const first = await stream.next();
      expect(first.value?.task?.status.state).toBe('TASK_STATE_INPUT_REQUIRED');
      // Run 2 asks again (the stream must survive it); run 3 completes the task (the stream must end there).
      await client.sendMessage(msg('ask: second?', { taskId }));
      await client.sendMessage(msg('task: done', { taskId }));
      const rest: StreamResponse[] = [];
      for (let next = await stream.next(); !next.done; next = await stream.next()) rest.push(next.value);
      const states = rest.map((e) => e.statusUpdate?.status.state).filter(Boolean);
      expect(states).toEqual([
        'TASK_STATE_WORKING',
        'TASK_STATE_INPUT_REQUIRED',
        'TASK_STATE_WORKING',
        'TASK_STATE_WORKING',
        'TASK_STATE_COMPLETED',
      ]);
      expect(rest.some((e) => e.artifactUpdate?.artifact.parts[0])).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe('request members', () => {
  it('stores and returns only what the schema knows (unknown members are ignored, A2A §5.7)', async () => {
    const params = send('task: clean', { extraMessageMember: 1 });
    (params.message.parts[0] as Record<string, unknown>).extraPartMember = 2;
    const sent = await agent.rpc('SendMessage', { ...params, extraRequestMember: 3 });
    expect(sent.json.result.task.status.state).toBe('TASK_STATE_COMPLETED');
    const got = await agent.rpc('GetTask', { id: sent.json.result.task.id });
    expect(got.text).not.toMatch(/extra(Message|Part|Request)Member/);
    const listed = await agent.rest('GET', '/tasks?includeArtifacts=true');
    expect(listed.text).not.toMatch(/extra(Message|Part|Request)Member/);
  });

  it('accepts ProtoJSON proto field names (history_length, context_id, task_id) and answers in camelCase', async () => {
    const contextId = crypto.randomUUID();
    const first = await agent.rpc('SendMessage', {
      message: {
        message_id: crypto.randomUUID(),
        role: 'ROLE_USER',
        parts: [{ text: 'ask: x' }],
        context_id: contextId,
      },
    });
    const task = first.json.result.task;
    expect(task.contextId).toBe(contextId);
    const trimmed = await agent.rpc('GetTask', { id: task.id, history_length: 0 });
    expect(trimmed.json.result.history).toBeUndefined();
    const viaRest = await agent.rest('GET', `/tasks/${task.id}?history_length=1`);
    expect(viaRest.json.history).toHaveLength(1);
    const listed = await agent.rpc('ListTasks', { context_id: contextId });
    expect(listed.json.result.tasks.map((t: { id: string }) => t.id)).toEqual([task.id]);
    const followed = await agent.rpc('SendMessage', {
      message: { message_id: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text: 'task: y' }], task_id: task.id },
      configuration: { history_length: 1 },
    });
    expect(followed.json.result.task.id).toBe(task.id);
    expect(followed.json.result.task.history).toHaveLength(1);
    expect(followed.text).not.toContain('_id');
  });

  it('accepts valid JSON whose keys include __proto__, safely', async () => {
    const body = `{"jsonrpc":"2.0","id":1,"method":"SendMessage","params":{"message":{"messageId":"m-proto","role":"ROLE_USER","parts":[{"text":"task: p"}],"metadata":{"__proto__":{"polluted":true},"ok":1}}}}`;
    const answer = await agent.raw('POST', '/a2a/jsonrpc', body, { 'content-type': 'application/json' });
    expect(answer.json.result.task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(answer.json.result.task.history[0].metadata).toEqual({ ok: 1 });
  });
});

describe('push-notification configs', () => {
  it('deletes idempotently, and reports a missing config never as a missing task (A2A §3.1.10)', async () => {
    const taskId = (await agent.rpc('SendMessage', send('task: push'))).json.result.task.id;
    const created = await agent.rpc('CreateTaskPushNotificationConfig', { taskId, url: 'https://hooks.example.com/x' });
    const id = created.json.result.id;
    for (let i = 0; i < 2; i++) {
      const deleted = await agent.rpc('DeleteTaskPushNotificationConfig', { taskId, id });
      expect(deleted.json).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
    }
    const restDelete = await agent.rest('DELETE', `/tasks/${taskId}/pushNotificationConfigs/never-existed`);
    expect(restDelete.status).toBe(200);
    const missingTask = await agent.rpc('DeleteTaskPushNotificationConfig', { taskId: 'no-such-task', id });
    expect(missingTask.json.error.code).toBe(-32001);
  });

  it('answers a garbage pageToken with InvalidParams', async () => {
    const taskId = (await agent.rpc('SendMessage', send('task: push'))).json.result.task.id;
    const answer = await agent.rpc('ListTaskPushNotificationConfigs', { taskId, pageToken: 'garbage!!' });
    expect(answer.json.error.code).toBe(-32602);
    const rest = await agent.rest('GET', `/tasks/${taskId}/pushNotificationConfigs?pageToken=Zm9v`);
    expect(rest.status).toBe(400);
    expect(reason(rest)).toBe('INVALID_PARAMS');
  });
});

describe('transport rules', () => {
  it('answers a non-JSON request content type with ContentTypeNotSupportedError (415) on both bindings', async () => {
    const rpc = await agent.raw('POST', '/a2a/jsonrpc', 'hello', { 'content-type': 'text/plain' });
    expect(rpc.status).toBe(415);
    expect(rpc.json.error.code).toBe(-32005);
    const rest = await agent.raw('POST', '/a2a/rest/message:send', 'hello', { 'content-type': 'text/plain' });
    expect(rest.status).toBe(415);
    expect(reason(rest)).toBe('CONTENT_TYPE_NOT_SUPPORTED');
  });

  it('accepts the binding paths with a trailing slash', async () => {
    const rpc = await agent.raw(
      'POST',
      '/a2a/jsonrpc/',
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ListTasks', params: {} }),
      {
        'content-type': 'application/json',
      },
    );
    expect(rpc.status).toBe(200);
    expect(rpc.json.result.tasks).toBeDefined();
    const sent = await agent.rest('POST', '/message:send/', send('task: slash'));
    expect(sent.json.task.status.state).toBe('TASK_STATE_COMPLETED');
    expect((await agent.rest('GET', `/tasks/${sent.json.task.id}/`)).status).toBe(200);
  });

  it('serves the card with Last-Modified and answers If-Modified-Since with 304', async () => {
    const card = await agent.raw('GET', '/.well-known/agent-card.json');
    const lastModified = card.headers['last-modified'] as string;
    expect(Date.parse(lastModified)).not.toBeNaN();
    const again = await agent.raw('GET', '/.well-known/agent-card.json', undefined, {
      'if-modified-since': lastModified,
    });
    expect(again.status).toBe(304);
    const older = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    expect(
      (await agent.raw('GET', '/.well-known/agent-card.json', undefined, { 'if-modified-since': older })).status,
    ).toBe(200);
  });

  it('rejects a contextId that does not match the referenced task (A2A §3.4.3)', async () => {
    const task = (await agent.rpc('SendMessage', send('ask: ctx'))).json.result.task;
    const answer = await agent.rpc('SendMessage', send('task: x', { taskId: task.id, contextId: 'another-context' }));
    expect(answer.json.error.code).toBe(-32602);
    expect((await agent.rpc('GetTask', { id: task.id })).json.result.status.state).toBe('TASK_STATE_INPUT_REQUIRED');
  });

  it('refuses a part whose media type is not among the input modes (A2A §3.1.1, §3.3.2), accepts one that is', async () => {
    const refused = send('task: x', { parts: [{ raw: 'dGNr', mediaType: 'application/x-unsupported' }] });
    const rpc = await agent.rpc('SendMessage', refused);
    expect(rpc.json.error.code).toBe(-32005);
    const rest = await agent.rest('POST', '/message:send', refused);
    expect(reason(rest)).toBe('CONTENT_TYPE_NOT_SUPPORTED');
    const accepted = send('task: y', { parts: [{ text: 'task: y', mediaType: 'text/plain; charset=utf-8' }] });
    expect((await agent.rpc('SendMessage', accepted)).json.result.task.status.state).toBe('TASK_STATE_COMPLETED');
  });

  it('gives HTTP error bodies the status of the error type, and A2A bodies for unknown routes and long ids', async () => {
    const task = (await agent.rest('POST', '/message:send', send('task: done'))).json.task;
    const cancel = await agent.rest('POST', `/tasks/${task.id}:cancel`);
    expect(cancel.status).toBe(400);
    expect(cancel.json.error.status).toBe('FAILED_PRECONDITION');
    expect(reason(cancel)).toBe('TASK_NOT_CANCELABLE');
    const unknown = await agent.rest('GET', '/no/such/route');
    expect(unknown.status).toBe(404);
    expect(reason(unknown)).toBe('METHOD_NOT_FOUND');
    expect(unknown.json.error.status).toBe('UNIMPLEMENTED');
    const long = await agent.rest('GET', `/tasks/${'x'.repeat(5000)}`);
    expect(long.status).toBe(404);
    expect(reason(long)).toBe('TASK_NOT_FOUND');
  });

  it('chooses the REST media type from Accept: application/a2a+json when asked, else application/json', async () => {
    const plain = await agent.rest('GET', '/tasks');
    expect(plain.headers['content-type']).toMatch(/^application\/json/);
    const a2a = await agent.rest('GET', '/tasks', undefined, { accept: 'application/a2a+json' });
    expect(a2a.headers['content-type']).toMatch(/^application\/a2a\+json/);
    const error = await agent.rest('GET', '/tasks/missing', undefined, { accept: 'application/a2a+json' });
    expect(error.headers['content-type']).toMatch(/^application\/a2a\+json/);
  });
});

describe('REST tenant paths /{tenant}/… (A2A §11.3)', () => {
  it('passes the tenant to the executor and scopes the stores by it', async () => {
    const sent = await agent.rest('POST', '/acme/message:send', send('task: tenant'));
    expect(sent.status).toBe(200);
    const id = sent.json.task.id as string;
    expect(seen.find((c) => c.taskId === id)?.tenant).toBe('acme');
    expect((await agent.rest('GET', `/acme/tasks/${id}`)).status).toBe(200);
    expect((await agent.rest('GET', `/tasks/${id}`)).status).toBe(404);
    expect((await agent.rest('GET', `/other/tasks/${id}`)).status).toBe(404);
    const listed = await agent.rest('GET', '/acme/tasks');
    expect(listed.json.tasks.map((t: { id: string }) => t.id)).toContain(id);
    expect((await agent.rpc('GetTask', { id, tenant: 'acme' })).json.result.id).toBe(id);
    const mismatch = await agent.rest('POST', '/acme/message:send', { ...send('task: x'), tenant: 'other' });
    expect(reason(mismatch)).toBe('INVALID_PARAMS');
    const stream = await agent.rest('POST', '/acme/message:stream', send('stream: 2'));
    expect(sseData(stream.text).at(-1).statusUpdate.status.state).toBe('TASK_STATE_COMPLETED');
  });
});
