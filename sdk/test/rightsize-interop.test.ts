/**
 * The extension does not break plain A2A: a card carrying a Rightsize profile is served by an unmodified
 * @a2a-js/sdk agent, fetched by the @a2a-js/sdk client, and a message carrying a descriptor is delivered to the
 * agent with its metadata intact, over real HTTP on loopback.
 */
import {
  AgentCard as TheirAgentCard,
  Message as TheirMessage,
  SendMessageRequest as TheirSendMessageRequest,
  Task as TheirTask,
} from '@a2a-js/sdk';
import { ClientFactory } from '@a2a-js/sdk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentCard } from '../src/a2a/model/index.js';
import {
  readCapabilityProfile,
  readMessageExtension,
  withCapabilityProfile,
  withMessageExtension,
} from '../src/rightsize/extension.js';
import type { CapabilityProfile } from '../src/rightsize/model/profile.js';
import { createA2AValidator } from '../src/validate/validator.js';
import { officialEchoExecutor, startOfficialAgent } from './support/official-agent.js';

const profile: CapabilityProfile = {
  domains: [{ domain: 'dialogue', ability: 4 }],
  reasoning: { mode: 'none' },
  latency: { ttftMs: { p50: 80, p95: 150 }, outputTokensPerSecond: 60 },
  placement: { placement: 'device' },
  cost: { currency: 'USD' },
};

let official: Awaited<ReturnType<typeof startOfficialAgent>>;
let baseUrl: string;
const received: Array<Record<string, unknown> | undefined> = [];

beforeAll(async () => {
  const plainCard = (url: string): AgentCard => ({
    name: 'Official SDK echo (simulated agent)',
    description: 'An unmodified @a2a-js/sdk server whose card carries a Rightsize profile.',
    supportedInterfaces: [{ url: `${url}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
    version: '1.0.0',
    capabilities: { streaming: true },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'echo', name: 'Echo', description: 'Echoes text', tags: ['echo'] }],
  });
  official = await startOfficialAgent(
    (url) => withCapabilityProfile(plainCard(url), profile),
    officialEchoExecutor((m) => received.push(m.metadata)),
  );
  baseUrl = official.baseUrl;
});

afterAll(async () => {
  await official.close();
});

describe('Rightsize extension with the official SDK (interop, real HTTP)', () => {
  it('their client reads a card carrying a profile; the card is valid A2A and the profile survives', async () => {
    const client = await new ClientFactory().createFromUrl(baseUrl);
    const card = TheirAgentCard.toJSON(await client.getAgentCard()) as AgentCard;
    expect(createA2AValidator({ strict: true }).check('AgentCard', card).ok).toBe(true);
    const read = readCapabilityProfile(card);
    expect(read?.ok && read.value).toEqual(profile);
  });

  it('their agent receives a message carrying a descriptor, answers it, and the descriptor arrives intact', async () => {
    const client = await new ClientFactory().createFromUrl(baseUrl);
    const message = withMessageExtension(
      { messageId: 'm-interop-1', role: 'ROLE_USER', parts: [{ text: 'hello' }] },
      {
        descriptor: {
          domain: 'dialogue',
          complexity: { value: 1, sigma: 0.5 },
          constraints: { firstResponseDeadlineMs: 1000 },
        },
      },
    );
    const result = await client.sendMessage(TheirSendMessageRequest.fromJSON({ message }));
    const json = (
      'status' in result ? TheirTask.toJSON(result as TheirTask) : TheirMessage.toJSON(result as TheirMessage)
    ) as Record<string, unknown>;
    expect(json).toMatchObject({ role: 'ROLE_AGENT', parts: [{ text: 'echo: hello' }] });
    const delivered = TheirMessage.toJSON(TheirMessage.fromJSON({ ...message, metadata: received.at(-1) }));
    const read = readMessageExtension(delivered as never);
    expect(read?.ok && read.value).toEqual(message.metadata?.['https://rightsize.dev/extensions/rightsize/v1']);
  });
});
