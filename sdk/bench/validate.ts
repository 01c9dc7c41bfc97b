/**
 * bench:validate — A2A objects validated per second, against a plain JSON.parse of the same text in the same run.
 * Inputs: a typical SendMessageRequest (text + data parts, configuration, metadata) and the spec's sample AgentCard.
 */
import { createA2AValidator } from '../src/validate/validator.js';
import { benchOptions, report, runCase } from './harness.js';

const options = benchOptions('Usage: npm run bench:validate [-- --json]\n\nValidation throughput vs JSON.parse.');

const sendMessageRequest = JSON.stringify({
  message: {
    messageId: '9229e770-767c-417b-a0b0-f0741243c589',
    contextId: 'c295ea44-7543-4f78-b524-7a38915ad6e4',
    role: 'ROLE_USER',
    parts: [
      { text: 'Summarise the attached quarterly figures and flag anything unusual in the regional breakdown.' },
      { data: { quarter: 'Q3', regions: { emea: 1.2, apac: 0.8, amer: 2.1 } }, mediaType: 'application/json' },
    ],
    metadata: { client: 'bench', priority: 'normal' },
  },
  configuration: {
    acceptedOutputModes: ['text/plain', 'application/json'],
    historyLength: 10,
    returnImmediately: false,
  },
});

const agentCard = JSON.stringify({
  name: 'GeoSpatial Route Planner Agent',
  description: 'Provides advanced route planning, traffic analysis, and custom map generation services.',
  supportedInterfaces: [
    { url: 'https://georoute-agent.example.com/a2a/v1', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
    { url: 'https://georoute-agent.example.com/a2a/json', protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
  ],
  provider: { organization: 'Example Geo Services Inc.', url: 'https://www.examplegeoservices.com' },
  version: '1.2.0',
  capabilities: { streaming: true, pushNotifications: true, extendedAgentCard: true },
  securitySchemes: {
    google: {
      openIdConnectSecurityScheme: { openIdConnectUrl: 'https://accounts.google.com/.well-known/openid-configuration' },
    },
  },
  securityRequirements: [{ schemes: { google: { list: ['openid', 'profile', 'email'] } } }],
  defaultInputModes: ['application/json', 'text/plain'],
  defaultOutputModes: ['application/json', 'image/png'],
  skills: [
    {
      id: 'route-optimizer-traffic',
      name: 'Traffic-Aware Route Optimizer',
      description: 'Calculates the optimal driving route between two or more locations.',
      tags: ['maps', 'routing', 'navigation', 'directions', 'traffic'],
      examples: ['Plan a route from Mountain View to SFO avoiding tolls.'],
      inputModes: ['application/json', 'text/plain'],
      outputModes: ['application/json', 'application/vnd.geo+json', 'text/html'],
    },
  ],
});

const validator = createA2AValidator();
const results = [
  { name: 'SendMessageRequest', kind: 'SendMessageRequest', text: sendMessageRequest },
  { name: 'AgentCard', kind: 'AgentCard', text: agentCard },
].map(({ name, kind, text }) => {
  const parsed = JSON.parse(text);
  const k = kind as 'SendMessageRequest' | 'AgentCard';
  if (!validator.check(k, parsed).ok) throw new Error(`bench input ${name} is not valid`);
  return runCase(
    name,
    [
      { name: 'JSON.parse', run: () => JSON.parse(text) },
      { name: 'validate (parsed object)', run: () => validator.check(k, parsed) },
      { name: 'parse+limits+validate (text)', run: () => validator.parse(k, text) },
    ],
    options,
  );
});
report('bench:validate', 'JSON.parse', results, options);
