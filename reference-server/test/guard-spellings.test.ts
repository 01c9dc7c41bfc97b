/**
 * The request guard (concurrency limit, Rightsize extension validation, NO_CAPABLE_AGENT before a task exists) sees
 * every spelling of SendMessage the SDK server serves: ProtoJSON proto names (`message_id`, A2A §5.5), a trailing
 * slash and percent-encoded REST paths. Before, these reached the executor without the guard: a caller escaped the
 * concurrency limit and sent extension data the broker must refuse.
 */
import { RIGHTSIZE_EXTENSION_URI } from '@rightsize/sdk/rightsize';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, createBroker } from '../src/index.js';

const ALICE = 'alice-key-for-guard-spellings';

let broker: Broker;
let url: string;

beforeAll(async () => {
  // At its concurrency limit from the start: every new task is refused by the guard.
  broker = await createBroker({
    healthIntervalMs: 0,
    maxConcurrentTasks: 0,
    auth: { clientKeys: { [ALICE]: 'alice' } },
  });
  url = await broker.listen();
}, 120_000);

afterAll(async () => {
  await broker?.close();
});

const headers = { 'content-type': 'application/json', 'x-api-key': ALICE, 'a2a-version': '1.0' };
const camel = () => ({ messageId: `m-${Math.random()}`, role: 'ROLE_USER', parts: [{ text: 'hi' }] });
const proto = () => ({ message_id: `m-${Math.random()}`, role: 'ROLE_USER', parts: [{ text: 'hi' }] });

async function jsonRpc(method: string, message: Record<string, unknown>) {
  const response = await request(`${url}/a2a/jsonrpc`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { message } }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, retryAfter: response.headers['retry-after'], text };
}

async function rest(path: string, message: Record<string, unknown>) {
  const response = await request(`${url}/a2a/rest${path}`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ message }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, retryAfter: response.headers['retry-after'], text };
}

describe('the request guard sees every spelling of SendMessage', () => {
  it('JSON-RPC with proto names is refused at the concurrency limit like the JSON names', async () => {
    for (const method of ['SendMessage', 'SendStreamingMessage']) {
      for (const message of [camel(), proto()]) {
        const answer = await jsonRpc(method, message);
        expect(answer, `${method} ${JSON.stringify(message)}`).toMatchObject({ retryAfter: '1' });
        expect(answer.text).toContain('concurrency limit');
      }
    }
  });

  it('REST paths with a trailing slash or percent-encoding are refused at the concurrency limit', async () => {
    for (const path of ['/message:send', '/message:send/', '/message%3Asend', '/message%3asend', '/message:stream/']) {
      for (const message of [camel(), proto()]) {
        const answer = await rest(path, message);
        expect(answer, `${path} ${JSON.stringify(message)}`).toMatchObject({ status: 503, retryAfter: '1' });
      }
    }
  });

  it('invalid extension data under proto names is refused with InvalidParams', async () => {
    const message = {
      ...proto(),
      extensions: [RIGHTSIZE_EXTENSION_URI],
      metadata: { [RIGHTSIZE_EXTENSION_URI]: { descriptor: { domain: 'math', complexity: { value: 'hard' } } } },
    };
    const answer = await jsonRpc('SendMessage', message);
    expect(JSON.parse(answer.text).error).toMatchObject({ code: -32602 });
    expect(answer.text).toContain('Rightsize extension data is not valid');
  });

  it('a part in a media type the broker does not accept is ContentTypeNotSupportedError, as from any agent (A2A §3.1.1)', async () => {
    const parts = [{ raw: Buffer.from('x').toString('base64'), mediaType: 'application/x-unsupported' }];
    const answer = await jsonRpc('SendMessage', { ...camel(), parts });
    expect(JSON.parse(answer.text).error).toMatchObject({ code: -32005 });
    const accepted = await jsonRpc('SendMessage', { ...camel(), parts: [{ text: 'hi', mediaType: 'text/plain' }] });
    expect(accepted.text).toContain('concurrency limit');
  });
});
