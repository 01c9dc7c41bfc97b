/** Core level: the agent card — discovery, validity, interfaces, naming and HTTP caching (A2A §4.4, §8, §5.5). */
import type { AgentCard } from '@rightsize/sdk/a2a';
import { verifyAgentCard } from '@rightsize/sdk/signing';
import { type CheckContext, type CheckDefinition, ensure, fail, skip } from '../model.js';
import { definer, isRecord, valid } from './support.js';

const core = definer('core');

const STANDARD_BINDINGS = ['JSONRPC', 'GRPC', 'HTTP+JSON'];

/** Members whose keys are names chosen by someone else (not protocol field names). */
const FREE_FORM = new Set(['metadata', 'params', 'data', 'securitySchemes', 'schemes', 'scopes']);

/** Every snake_case member name outside free-form maps, with its path (A2A §5.5). */
export function snakeCaseKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => snakeCaseKeys(v, `${path}/${i}`));
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(/_/.test(k) && k !== '@type' ? [`${path}/${k}`] : []),
    ...(FREE_FORM.has(k) ? [] : snakeCaseKeys(v, `${path}/${k}`)),
  ]);
}

/** A card signature's protected header, decoded (undefined when it is not base64url JSON). */
function headerOf(signature: { protected: string }): Record<string, unknown> | undefined {
  try {
    const header = JSON.parse(Buffer.from(signature.protected, 'base64url').toString('utf8')) as unknown;
    return isRecord(header) ? header : undefined;
  } catch {
    return undefined;
  }
}

/** Verify a card against the JWKS at `jku`; private addresses only when the card itself came from that host. */
async function verified(context: CheckContext, card: AgentCard, jku: string): Promise<string | undefined> {
  const sameHost = new URL(jku).host === context.cardUrl.host;
  try {
    await verifyAgentCard(card, {
      jwksUrl: jku,
      fetch: { allowPrivateNetworks: sameHost, timeoutMs: context.options.timeoutMs },
      signal: context.signal,
    });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export const CARD_CHECKS: CheckDefinition[] = [
  core({
    section: '8.2',
    requirement: 'MUST',
    name: 'card-at-well-known-path',
    title: 'The agent card is served at /.well-known/agent-card.json',
    requires:
      'A2A servers make an Agent Card available; the well-known URI returns an AgentCard (A2A §8.1, §8.2, §14.3).',
    tck: ['CARD-DISC-001'],
    run: async (context) => {
      const a = context.cardAnswer;
      ensure(a.status === 200, `GET ${context.cardUrl.href} answered HTTP ${a.status}`, a.exchange);
      ensure(isRecord(a.json), 'the card is not a JSON object', a.exchange);
    },
  }),
  core({
    section: '4.4.1',
    requirement: 'MUST',
    name: 'card-valid',
    title: 'The agent card is a valid AgentCard',
    requires:
      'An AgentCard has every REQUIRED field of the proto (name, description, supportedInterfaces, version, capabilities, defaultInputModes, defaultOutputModes, skills) with the right types (A2A §4.4.1, §5.7).',
    tck: ['CARD-STRUCT-001'],
    run: async (context) => {
      valid<AgentCard>('AgentCard', context.cardAnswer.json, 'the served card', context.cardAnswer.exchange);
    },
  }),
  core({
    section: '8.3.1',
    requirement: 'MUST',
    name: 'interfaces-declare-binding-and-url',
    title: 'Every supported interface declares its binding, absolute URL and protocol version',
    requires: 'Each interface MUST accurately declare its transport protocol and URL (A2A §8.3, §8.3.1).',
    tck: ['CARD-PROTO-001', 'CARD-PROTO-002'],
    run: async (context) => {
      const interfaces = context.card.supportedInterfaces;
      ensure(interfaces.length > 0, 'supportedInterfaces is empty', context.cardAnswer.exchange);
      for (const [i, iface] of interfaces.entries()) {
        let url: URL | undefined;
        try {
          url = new URL(iface.url);
        } catch {
          fail(`supportedInterfaces[${i}].url "${iface.url}" is not an absolute URL`, context.cardAnswer.exchange);
        }
        ensure(
          ['http:', 'https:', 'grpc:', 'grpcs:', 'ws:', 'wss:'].includes(url.protocol) ||
            iface.protocolBinding === 'GRPC',
          `supportedInterfaces[${i}].url has the unexpected scheme ${url.protocol}`,
          context.cardAnswer.exchange,
        );
        ensure(iface.protocolBinding, `supportedInterfaces[${i}] has no protocolBinding`, context.cardAnswer.exchange);
        ensure(iface.protocolVersion, `supportedInterfaces[${i}] has no protocolVersion`, context.cardAnswer.exchange);
      }
    },
  }),
  core({
    section: '3.6',
    requirement: 'SHOULD',
    name: 'interface-version-major-minor',
    title: 'Interfaces state the protocol version as Major.Minor, without a patch number',
    requires: 'Patch version numbers SHOULD NOT be used in requests, responses and Agent Cards (A2A §3.6).',
    tck: ['VER-CLIENT-002'],
    run: async (context) => {
      const bad = context.card.supportedInterfaces.filter((i) => !/^\d+\.\d+$/.test(i.protocolVersion));
      ensure(
        bad.length === 0,
        `protocolVersion not in Major.Minor form: ${bad.map((i) => `"${i.protocolVersion}"`).join(', ')}`,
        context.cardAnswer.exchange,
      );
    },
  }),
  core({
    section: '5.8',
    requirement: 'SHOULD',
    name: 'custom-binding-is-uri',
    title: 'A custom protocol binding is identified by a URI',
    requires: 'Custom protocol bindings SHOULD be identified by a URI in protocolBinding (A2A §5.8).',
    run: async (context) => {
      const custom = context.card.supportedInterfaces
        .map((i) => i.protocolBinding)
        .filter((b) => !STANDARD_BINDINGS.includes(b.toUpperCase()));
      const notUri = custom.filter((b) => !/^[a-z][a-z0-9+.-]*:/i.test(b));
      ensure(
        notUri.length === 0,
        `non-standard bindings that are not URIs: ${notUri.join(', ')}`,
        context.cardAnswer.exchange,
      );
    },
  }),
  core({
    section: '5.5',
    requirement: 'MUST',
    name: 'card-camel-case',
    title: 'The card uses camelCase member names',
    requires: 'JSON serializations use camelCase field names, not the proto snake_case names (A2A §5.5).',
    run: async (context) => {
      const keys = snakeCaseKeys(context.cardAnswer.json);
      ensure(keys.length === 0, `snake_case members: ${keys.slice(0, 8).join(', ')}`, context.cardAnswer.exchange);
    },
  }),
  core({
    section: '8.6.1',
    requirement: 'SHOULD',
    name: 'card-cache-control',
    title: 'The card endpoint sends Cache-Control with max-age',
    requires: 'Agent Card endpoints SHOULD include a Cache-Control header with a max-age directive (A2A §8.6.1).',
    tck: ['CARD-CACHE-001'],
    run: async (context) => {
      const value = context.cardAnswer.headers['cache-control'];
      ensure(value && /max-age=\d+/.test(value), `Cache-Control is ${value ? `"${value}"` : 'absent'}`);
    },
  }),
  core({
    section: '8.6.1',
    requirement: 'SHOULD',
    name: 'card-etag',
    title: 'The card endpoint sends an ETag',
    requires:
      'Agent Card endpoints SHOULD include an ETag derived from the version or a hash of the card (A2A §8.6.1).',
    tck: ['CARD-CACHE-002'],
    run: async (context) => {
      ensure(context.cardAnswer.headers.etag, 'no ETag header', context.cardAnswer.exchange);
    },
  }),
  core({
    section: '8.6.1',
    requirement: 'MAY',
    name: 'card-last-modified',
    title: 'The card endpoint sends Last-Modified',
    requires: 'Agent Card endpoints MAY include a Last-Modified header (A2A §8.6.1).',
    tck: ['CARD-CACHE-003'],
    run: async (context) => {
      const value = context.cardAnswer.headers['last-modified'];
      ensure(value, 'no Last-Modified header', context.cardAnswer.exchange);
      ensure(!Number.isNaN(Date.parse(value)), `Last-Modified "${value}" is not an HTTP date`);
    },
  }),
  core({
    section: '8.6',
    requirement: 'SHOULD',
    name: 'card-conditional-request',
    title: 'A conditional request with the ETag gets 304 Not Modified',
    requires:
      'Servers SHOULD support standard HTTP caching; clients revalidate with If-None-Match and the stored ETag (A2A §8.6, §8.6.2; RFC 9110 §13.1.2).',
    run: async (context) => {
      const etag = context.cardAnswer.headers.etag;
      if (!etag) fail('no ETag to revalidate with (see card-etag)', context.cardAnswer.exchange);
      const again = await context.http.send(
        { method: 'GET', url: context.cardUrl, headers: { 'if-none-match': etag, accept: 'application/json' } },
        context.signal,
      );
      ensure(again.status === 304, `If-None-Match: ${etag} answered HTTP ${again.status}, not 304`, again.exchange);
    },
  }),
  core({
    section: '8.4',
    requirement: 'MUST',
    name: 'card-signature-verifies',
    title: 'A signed card has alg and kid, verifies with its published key, and a tampered copy does not',
    tck: ['CARD-SIGN-001', 'CARD-SIGN-002', 'CARD-SIGN-003'],
    requires:
      'A card’s signatures are JWS (RFC 7515) over the RFC 8785 canonical card without `signatures`, their protected header with alg and kid; clients MUST verify them before trusting the card, so the served card must verify with the key its header names (jku), and any change to a signed field must break it (A2A §8.4).',
    run: async (context) => {
      const signatures = context.card.signatures ?? [];
      if (signatures.length === 0) skip('the card carries no signatures');
      signatures.forEach((signature, i) => {
        const header = headerOf(signature);
        ensure(
          header &&
            typeof header.alg === 'string' &&
            header.alg !== '' &&
            header.alg !== 'none' &&
            typeof header.kid === 'string' &&
            header.kid !== '',
          `signature ${i}'s protected header ${JSON.stringify(header ?? signature.protected)} lacks a non-empty alg (not "none") and kid (A2A §8.4.2)`,
          context.cardAnswer.exchange,
        );
      });
      const jku = signatures.map((s) => headerOf(s)?.jku).find((u): u is string => typeof u === 'string');
      if (!jku) skip('no signature names its key with a jku header: the suite has no key to verify against');
      const problem = await verified(context, context.card, jku);
      ensure(
        problem === undefined,
        `the served card does not verify with the keys at ${jku}: ${problem}`,
        context.cardAnswer.exchange,
      );
      const tampered = { ...context.card, name: `${context.card.name} (tampered by rightsize-conformance)` };
      ensure(
        (await verified(context, tampered, jku)) !== undefined,
        'a copy of the card with a changed name still verifies: the signature does not cover the card',
        context.cardAnswer.exchange,
      );
    },
  }),
];
